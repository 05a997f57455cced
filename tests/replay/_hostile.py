"""A hostile loopback server: it plants every kind of credential in what it answers.

A threaded ``http.server`` on 127.0.0.1 answering ``/v1/chat/completions``: the answer echoes
the request (headers, query, body) and carries a JWT, a PEM private key, URL credentials, AWS,
GitHub, Slack and Google keys, Basic and Bearer credentials in its body and headers (``Location``
and ``Set-Cookie`` included). ``/bad/v1/chat/completions`` answers 401 with the key echoed. The
server keeps an unredacted copy of every exchange, in the cassette layout, for the scanner tests.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

PROXY_KEY = "hostile-proxy-key-7f3a9c2e5b"
"""The API key, configured through ``MODEL_PROXY_API_KEY`` (a secret environment variable)."""

# Every planted credential is assembled when the module loads: the repository itself holds no
# key-shaped literal for a secret scanner (or a reader) to mistake for a real one.
PRIVATE_KEY = (
    "-----BEGIN " + "RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\n"
    "aFDrBz9vFqU4yQ8FjEw6PcTl7l6fHb8yWq5HkU0c\n"
    "-----END " + "RSA PRIVATE KEY-----"
)
RESPONSE_SECRETS: dict[str, str] = {
    "jwt": "eyJ" + "hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "eyJ" + "zdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "private-key": "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB",
    "url-credentials": "alice:pa55word-xyz",
    "aws-access-key": "AKIA" + "Q3EGRRSTKXAMPL3F",
    "aws-secret-key": "wJalrXUtnFEMI/" + "K7MDENG/bPxRfiCYzXAMPLEKE9",
    "github-token": "ghp" + "_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3s1",
    "slack-token": "xox" + "b-123456789012-1234567890123-AbCdEfGhIjKlMnOp",
    "google-api-key": "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
    "basic-credentials": base64.b64encode(b"admin:hunter2-hunter2").decode(),
    "bearer-token": "tok_abcdefghijklmnopqrstuvwxyz0123",
    "openai-key": "sk-" + "proj-A1b2C3d4E5f6G7h8I9j0K1l2M3n4",
    "session_token": "resp-session-token-value-44",
}
"""What the server plants in its answers, by kind (the distinctive part of each)."""

REQUEST_SECRETS: dict[str, str] = {
    "api_key": "field-api-key-value-1",
    "password": "field-password-value-2",
    "token": "field-nested-token-value-3",
    "session_token": "field-session-token-value-4",
    "client_secret": "field-client-secret-value-5",
    "ocp-apim-subscription-key": "hdr-subscription-key-6",
    "x-access-token": "hdr-access-token-value-7",
    "x-custom-token": "hdr-custom-token-value-8",
    "query-api_key": "query-api-key-value-9",
    "query-token": "query-token-value-10",
}
"""What the client plants in its requests (body fields, headers, query parameters)."""

REQUEST_BODY_EXTRA: dict[str, Any] = {
    "api_key": REQUEST_SECRETS["api_key"],
    "password": REQUEST_SECRETS["password"],
    "metadata": {"auth": {"token": REQUEST_SECRETS["token"]}},
    "session_token": REQUEST_SECRETS["session_token"],
    "client_secret": REQUEST_SECRETS["client_secret"],
}
REQUEST_HEADERS = {
    "Ocp-Apim-Subscription-Key": REQUEST_SECRETS["ocp-apim-subscription-key"],
    "X-Access-Token": REQUEST_SECRETS["x-access-token"],
    "X-Custom-Token": REQUEST_SECRETS["x-custom-token"],
}
REQUEST_QUERY = {
    "api_key": REQUEST_SECRETS["query-api_key"],
    "token": REQUEST_SECRETS["query-token"],
}


def _planted_text() -> str:
    s = RESPONSE_SECRETS
    return (
        f"jwt {s['jwt']} key:\n{PRIVATE_KEY}\nurl https://{s['url-credentials']}@db.example.com/x "
        f"aws {s['aws-access-key']} aws_secret_access_key={s['aws-secret-key']} "
        f"gh {s['github-token']} slack {s['slack-token']} google {s['google-api-key']} "
        f"Authorization: Basic {s['basic-credentials']} Authorization: Bearer {s['bearer-token']} "
        f"openai {s['openai-key']} proxy {PROXY_KEY}"
    )


def _response_headers() -> dict[str, str]:
    s = RESPONSE_SECRETS
    return {
        "Content-Type": "application/json",
        "x-request-id": "de2dbe262894497089bd312e90e00590",
        "openai-processing-ms": "8417",
        "x-envoy-upstream-service-time": "8410",
        "cf-ray": "8c2f1a9b7d3e4f21-SJC",
        "Location": f"https://{s['url-credentials']}@db.example.com/next",
        "Set-Cookie": f"session={s['session_token']}; Path=/; HttpOnly",
        "X-Access-Token": s["jwt"],
        "X-Debug": f"Bearer {s['bearer-token']}",
    }


class _Handler(BaseHTTPRequestHandler):
    server: HostileServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output is the assertions."""

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        body = json.loads(raw or b"{}")
        parts = urlsplit(self.path)
        request = {
            "method": "POST",
            "path": parts.path,
            "query": parse_qsl(parts.query, keep_blank_values=True),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }
        if parts.path.startswith("/bad/"):
            status = 401
            answer: dict[str, Any] = {
                "error": {
                    "message": f"Incorrect API key provided: {PROXY_KEY}. {_planted_text()}",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            }
        else:
            status = 200
            text = _planted_text()
            answer = {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1,
                "model": body.get("model", "m"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
                "echo": {"headers": request["headers"], "query": request["query"], "body": body},
                "session_token": RESPONSE_SECRETS["session_token"],
                "credentials": {"SecretAccessKey": RESPONSE_SECRETS["aws-secret-key"]},
            }
        headers = _response_headers()
        payload = json.dumps(answer).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        response = {"status": status, "headers": {k.lower(): v for k, v in headers.items()}}
        with self.server.lock:
            self.server.exchanges.append(
                {"request": request, "response": response | {"body": answer}}
            )


class HostileServer(ThreadingHTTPServer):
    """The hostile server; ``exchanges`` is the unredacted copy of what passed."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.exchanges: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        """The ``/v1`` base URL that answers 200."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    @property
    def bad_base_url(self) -> str:
        """The base URL that answers 401, echoing the key."""
        return f"http://127.0.0.1:{self.server_address[1]}/bad/v1"

    def unredacted_copy(self) -> dict[str, Any]:
        """Everything that passed, in the cassette layout, nothing redacted."""
        with self.lock:
            return {"version": 1, "interactions": list(self.exchanges)}


@contextmanager
def hostile_server() -> Iterator[HostileServer]:
    """Serve a :class:`HostileServer` in a thread for the block."""
    server = HostileServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def all_planted() -> dict[str, str]:
    """Every planted value, by a name for the failure message."""
    return (
        {"proxy-key": PROXY_KEY}
        | {f"resp:{k}": v for k, v in RESPONSE_SECRETS.items()}
        | {f"req:{k}": v for k, v in REQUEST_SECRETS.items()}
    )
