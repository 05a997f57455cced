"""A loopback OpenAI-compatible model server for the record/replay and framework tests: a
threaded ``http.server`` on 127.0.0.1 answering chat completions and the Responses API, plain and
as server-sent events.

It is deterministic: the answer depends only on the request. With tools offered and no tool
result yet, it calls ``get_weather(city="Paris")``; after a tool result it answers with the
weather; otherwise it echoes the last user message. Plain answers are gzip-compressed when the
client accepts it, like api.openai.com's. Other routes answer ``204`` and are counted, for the
telemetry tests; ``GET /redirect`` redirects to ``GET /landing``.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agentkit.testing import chat_completion, chat_completion_chunks

WEATHER = "It is sunny in Paris."
TOOL_ARGUMENTS = '{"city":"Paris"}'


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def chat_answer(body: dict[str, Any]) -> tuple[str | None, list[tuple[str, str, str]]]:
    """(text, tool calls) the server answers a chat-completions request with."""
    messages = body.get("messages", [])
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        return WEATHER, []
    if body.get("tools"):
        return None, [("call_1", "get_weather", TOOL_ARGUMENTS)]
    user = [m for m in messages if m.get("role") == "user"]
    return f"echo: {_text(user[-1]['content']) if user else ''}", []


def responses_answer(body: dict[str, Any]) -> tuple[str | None, list[tuple[str, str, str]]]:
    """(text, tool calls) the server answers a Responses API request with."""
    items = body.get("input", [])
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    if items and items[-1].get("type") == "function_call_output":
        return WEATHER, []
    if body.get("tools"):
        return None, [("call_1", "get_weather", TOOL_ARGUMENTS)]
    user = [i for i in items if i.get("role") == "user"]
    return f"echo: {_text(user[-1]['content']) if user else ''}", []


def _output_items(text: str | None, calls: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    if calls:
        return [
            {
                "type": "function_call",
                "id": f"fc_{n}",
                "call_id": call_id,
                "name": name,
                "arguments": arguments,
                "status": "completed",
            }
            for n, (call_id, name, arguments) in enumerate(calls)
        ]
    return [
        {
            "type": "message",
            "id": "msg_1",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": text or "", "annotations": []}],
        }
    ]


def response_object(model: str, output: list[dict[str, Any]], status: str = "completed") -> Any:
    """A Responses API ``response`` object."""
    return {
        "id": "resp_test",
        "object": "response",
        "created_at": 0,
        "model": model,
        "status": status,
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "metadata": {},
        "temperature": 1.0,
        "top_p": 1.0,
        "text": {"format": {"type": "text"}},
        "usage": {
            "input_tokens": 10,
            "output_tokens": 5,
            "total_tokens": 15,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }


def response_events(model: str, output: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The streamed form of :func:`response_object`, as the Responses API frames it."""
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": response_object(model, [], "in_progress")}
    ]
    for index, item in enumerate(output):
        if item["type"] == "function_call":
            events.append(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {**item, "arguments": "", "status": "in_progress"},
                }
            )
            events.append(
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": item["id"],
                    "output_index": index,
                    "delta": item["arguments"],
                }
            )
            events.append(
                {
                    "type": "response.function_call_arguments.done",
                    "item_id": item["id"],
                    "output_index": index,
                    "name": item["name"],
                    "arguments": item["arguments"],
                }
            )
        else:
            text = item["content"][0]["text"]
            part = {"type": "output_text", "text": "", "annotations": []}
            where = {"item_id": item["id"], "output_index": index, "content_index": 0}
            events.append(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {**item, "content": [], "status": "in_progress"},
                }
            )
            events.append({"type": "response.content_part.added", **where, "part": part})
            for start in range(0, len(text), 4):
                events.append(
                    {
                        "type": "response.output_text.delta",
                        **where,
                        "delta": text[start : start + 4],
                        "logprobs": [],
                    }
                )
            events.append(
                {"type": "response.output_text.done", **where, "text": text, "logprobs": []}
            )
            events.append(
                {"type": "response.content_part.done", **where, "part": {**part, "text": text}}
            )
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    events.append({"type": "response.completed", "response": response_object(model, output)})
    return [{**event, "sequence_number": n} for n, event in enumerate(events)]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ModelServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the cassettes and the counters, not the server log."""

    def do_GET(self) -> None:
        self.server.count(self.command, self.path)
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("location", "/landing")
            self.send_header("content-length", "0")
            self._close()
            self.end_headers()
        elif self.path == "/landing":
            self._send(200, b'{"landed": true}', "application/json")
        else:
            self._send(204, b"", "application/json")

    def do_POST(self) -> None:
        self.server.count(self.command, self.path)
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        path = self.path.split("?", 1)[0]
        if path.endswith("/chat/completions"):
            body = json.loads(raw)
            text, calls = chat_answer(body)
            model = body.get("model", "gpt-4")
            if body.get("stream"):
                chunks = chat_completion_chunks(content=text, tool_calls=calls, model=model)
                self._stream([json.dumps(c) for c in chunks] + ["[DONE]"])
            else:
                answer = chat_completion(content=text, tool_calls=calls, model=model)
                self._send(200, json.dumps(answer).encode(), "application/json")
        elif path.endswith("/responses"):
            body = json.loads(raw)
            text, calls = responses_answer(body)
            model = body.get("model", "gpt-4")
            output = _output_items(text, calls)
            if body.get("stream"):
                self._stream([json.dumps(e) for e in response_events(model, output)], named=True)
            else:
                self._send(
                    200, json.dumps(response_object(model, output)).encode(), "application/json"
                )
        else:
            self._send(204, b"", "application/json")

    def _send(self, status: int, raw: bytes, content_type: str) -> None:
        self.send_response(status)
        self._close()
        self.send_header("content-type", content_type)
        if raw and "gzip" in self.headers.get("accept-encoding", ""):
            raw = gzip.compress(raw)
            self.send_header("content-encoding", "gzip")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _close(self) -> None:
        # No keep-alive: a client's pooled connection to a server that is gone would otherwise
        # stay open until the collector finds it (a ResourceWarning in some later test).
        self.send_header("connection", "close")
        self.close_connection = True

    def _stream(self, data: list[str], *, named: bool = False) -> None:
        self.send_response(200)
        self._close()
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for text in data:
            head = f"event: {json.loads(text)['type']}\n" if named else ""
            block = f"{head}data: {text}\n\n".encode()
            self.wfile.write(f"{len(block):x}\r\n".encode() + block + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")


class ModelServer(ThreadingHTTPServer):
    """The loopback server; ``hits`` lists the ``"METHOD /path"`` of every request it answered."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: list[str] = []
        self._lock = threading.Lock()

    def count(self, method: str, path: str) -> None:
        """Note one answered request."""
        with self._lock:
            self.hits.append(f"{method} {path}")

    @property
    def root(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def base_url(self) -> str:
        """The ``/v1`` base URL to point an OpenAI client at."""
        return f"{self.root}/v1"


@contextmanager
def serving() -> Iterator[ModelServer]:
    """Run a :class:`ModelServer` in a thread; stopped (connections refused) on exit."""
    server = ModelServer()
    # A short poll interval: shutdown() waits for the next poll.
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.01},
        name="loopback-model-server",
        daemon=True,
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
