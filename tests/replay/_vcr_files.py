"""vcrpy cassettes for the import tests: written by vcrpy's own serializer, or recorded by vcrpy
itself from a loopback OpenAI-compatible server.

The loopback server answers ``POST /v1/chat/completions`` like api.openai.com does: plain answers
gzip-compressed when the client accepts it (vcrpy then stores the compressed bytes), streamed
answers as chunked server-sent events.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from vcr.request import Request
from vcr.serialize import serialize
from vcr.serializers import jsonserializer, yamlserializer

from agentkit.testing import chat_completion, chat_completion_chunks

OPENAI_KEY = "sk" + "-proj-importtest0123456789abcdefgh"

CHAT_URL = "https://api.openai.com/v1/chat/completions"


def vcr_interaction(
    *,
    request_body: Any = None,
    body: bytes | str = b"",
    headers: dict[str, list[str]] | None = None,
    request_headers: dict[str, str] | None = None,
    status: int = 200,
    uri: str = CHAT_URL,
    method: str = "POST",
) -> tuple[Request, dict[str, Any]]:
    """One (request, response) pair in vcrpy's in-memory shapes, as its httpx stub records them."""
    raw_request = (
        json.dumps(request_body).encode()
        if isinstance(request_body, (dict, list))
        else request_body
    )
    request = Request(
        method,
        uri,
        raw_request,
        {"content-type": "application/json", **(request_headers or {})},
    )
    response = {
        "status": {"code": status, "message": "OK"},
        "headers": {"content-type": ["application/json"], **(headers or {})},
        "body": {"string": body.encode() if isinstance(body, str) else body},
    }
    return request, response


def write_vcr_cassette(
    path: Path,
    interactions: list[tuple[Request, dict[str, Any]]],
    *,
    serializer: str = "yaml",
) -> Path:
    """Write ``interactions`` to ``path`` exactly as vcrpy's persister does (``yaml`` or ``json``)."""
    module = {"yaml": yamlserializer, "json": jsonserializer}[serializer]
    data = {"requests": [r for r, _ in interactions], "responses": [r for _, r in interactions]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(serialize(data, module))
    return path


def chat_request(prompt: str, **extra: Any) -> dict[str, Any]:
    """A chat-completions request body as the openai SDK sends it."""
    return {"model": "gpt-4", "messages": [{"role": "user", "content": prompt}], **extra}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LoopbackOpenAI

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the cassettes, not the server log."""

    def do_POST(self) -> None:
        self.server.hits += 1
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        prompt = body["messages"][-1]["content"]
        if body.get("stream"):
            self._stream(chat_completion_chunks(content=f"streamed: {prompt}", usage=(7, 3)))
            return
        if body.get("tools"):
            answer = chat_completion(tool_calls=[("call_1", "book", '{"flight": "F1"}')])
        else:
            answer = chat_completion(content=f"answer: {prompt}", usage=(5, 2))
        raw = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("openai-organization", "org-loopback")
        self.send_header("set-cookie", "__cf_bm=abcdef0123456789; path=/")
        if "gzip" in self.headers.get("accept-encoding", ""):
            raw = gzip.compress(raw)
            self.send_header("content-encoding", "gzip")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _stream(self, chunks: list[dict[str, Any]]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks] + ["data: [DONE]\n\n"]
        for event in events:
            data = event.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")


class LoopbackOpenAI(ThreadingHTTPServer):
    """An OpenAI-compatible server on 127.0.0.1, counting the requests it answers."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits = 0

    @property
    def base_url(self) -> str:
        """The ``/v1`` base URL to point an SDK at."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


def serve() -> Iterator[LoopbackOpenAI]:
    """Run a :class:`LoopbackOpenAI` in a thread until the caller is done (or stops it first)."""
    server = LoopbackOpenAI()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop(server)
        thread.join(timeout=10)


def stop(server: LoopbackOpenAI) -> None:
    """Stop serving and close the socket: connections to it are refused from then on."""
    if server.socket.fileno() != -1:
        server.shutdown()
        server.server_close()
