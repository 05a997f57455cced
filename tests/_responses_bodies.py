"""OpenAI Responses API bodies and event streams, shaped like the documented wire format, and a
loopback server that answers ``POST /v1/responses`` with them.

The bodies follow the API reference's ``response`` object (``output`` items of type ``message``,
``function_call`` and ``reasoning``; ``usage`` with ``input_tokens_details.cached_tokens``); the
streams follow its event sequence (``response.created``, ``response.in_progress``,
``response.output_item.added``, the deltas, ``response.output_item.done``,
``response.completed``), each event named by an ``event:`` line and numbered by
``sequence_number``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2

MODEL = "gpt-5-mini-2025-08-07"
ARGS = '{"flight_id":"F001","passengers":2}'
ENCRYPTED = "gAAAAABoEncryptedReasoningBlob0123456789"
BOOK_TOOL = {
    "type": "function",
    "function": {
        "name": "book_flight",
        "description": "Book a flight by id.",
        "parameters": {
            "type": "object",
            "properties": {"flight_id": {"type": "string"}, "passengers": {"type": "integer"}},
            "required": ["flight_id", "passengers"],
        },
    },
}


def message_item(text: str, item_id: str = "msg_67ccd2bf17f0819081ff3bb2cf6508e6") -> Any:
    """An assistant ``message`` output item with one ``output_text`` part."""
    return {
        "type": "message",
        "id": item_id,
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def refusal_item(refusal: str, item_id: str = "msg_refusal") -> Any:
    """An assistant ``message`` output item whose content is a ``refusal`` part."""
    return {
        "type": "message",
        "id": item_id,
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "refusal", "refusal": refusal}],
    }


def function_call_item(
    call_id: str = "call_12345xyz",
    name: str = "book_flight",
    arguments: str = ARGS,
    item_id: str = "fc_67ca09c6bedc8190a7abfec07b1a1332",
) -> Any:
    """A ``function_call`` output item."""
    return {
        "type": "function_call",
        "id": item_id,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
        "status": "completed",
    }


def reasoning_item(
    summary: tuple[str, ...] = ("**Choosing a flight**\n\nF001 is the cheapest.",),
    item_id: str = "rs_6820f383d7c08191846711c5df8233bc",
    encrypted_content: str | None = ENCRYPTED,
) -> Any:
    """A ``reasoning`` output item with its summary parts and encrypted content."""
    item: dict[str, Any] = {
        "type": "reasoning",
        "id": item_id,
        "summary": [{"type": "summary_text", "text": text} for text in summary],
    }
    if encrypted_content is not None:
        item["encrypted_content"] = encrypted_content
    return item


def response_body(
    output: list[Any],
    *,
    status: str = "completed",
    model: str = MODEL,
    usage: tuple[int, int] | None = (1200, 80),
    cached: int = 1024,
    reasoning_tokens: int = 64,
    incomplete: str | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``response`` object as ``POST /v1/responses`` returns it."""
    body: dict[str, Any] = {
        "id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
        "object": "response",
        "created_at": 1741476542,
        "status": status,
        "background": False,
        "error": error,
        "incomplete_details": {"reason": incomplete} if incomplete else None,
        "instructions": None,
        "max_output_tokens": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": "medium", "summary": "auto"},
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "user": None,
        "metadata": {},
        "usage": None,
    }
    if usage is not None:
        body["usage"] = {
            "input_tokens": usage[0],
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": usage[1],
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": sum(usage),
        }
    return body


def _in_progress(item: dict[str, Any]) -> dict[str, Any]:
    """An output item as ``response.output_item.added`` announces it, before its deltas."""
    if item["type"] == "message":
        return {**item, "status": "in_progress", "content": []}
    if item["type"] == "function_call":
        return {**item, "status": "in_progress", "arguments": ""}
    if item["type"] == "reasoning":
        return {**item, "summary": []}
    return item


def _item_events(index: int, item: dict[str, Any], piece: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"type": "response.output_item.added", "output_index": index, "item": _in_progress(item)}
    ]
    at = {"item_id": item["id"], "output_index": index}
    if item["type"] == "function_call":
        arguments = item["arguments"]
        events += [
            {
                "type": "response.function_call_arguments.delta",
                **at,
                "delta": arguments[i : i + piece],
            }
            for i in range(0, len(arguments), piece)
        ]
        events.append(
            {"type": "response.function_call_arguments.done", **at, "arguments": arguments}
        )
    elif item["type"] == "reasoning":
        for number, summary in enumerate(item["summary"]):
            where = {**at, "summary_index": number}
            part = {"type": "summary_text", "text": ""}
            events.append({"type": "response.reasoning_summary_part.added", **where, "part": part})
            text = summary["text"]
            events += [
                {
                    "type": "response.reasoning_summary_text.delta",
                    **where,
                    "delta": text[i : i + piece],
                }
                for i in range(0, len(text), piece)
            ]
            events.append({"type": "response.reasoning_summary_text.done", **where, "text": text})
            events.append(
                {
                    "type": "response.reasoning_summary_part.done",
                    **where,
                    "part": {**part, "text": text},
                }
            )
    elif item["type"] == "message":
        for number, content in enumerate(item["content"]):
            where = {**at, "content_index": number}
            if content["type"] == "refusal":
                empty = {"type": "refusal", "refusal": ""}
                events.append({"type": "response.content_part.added", **where, "part": empty})
                events.append(
                    {"type": "response.refusal.delta", **where, "delta": content["refusal"]}
                )
                events.append(
                    {"type": "response.refusal.done", **where, "refusal": content["refusal"]}
                )
            else:
                empty = {"type": "output_text", "text": "", "annotations": []}
                events.append({"type": "response.content_part.added", **where, "part": empty})
                text = content["text"]
                events += [
                    {
                        "type": "response.output_text.delta",
                        **where,
                        "delta": text[i : i + piece],
                        "logprobs": [],
                    }
                    for i in range(0, len(text), piece)
                ]
                events.append(
                    {"type": "response.output_text.done", **where, "text": text, "logprobs": []}
                )
            events.append({"type": "response.content_part.done", **where, "part": content})
    events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    return events


def response_events(body: dict[str, Any], *, piece: int = 8) -> list[tuple[str, dict[str, Any]]]:
    """The streamed form of a ``response`` object, as ``(event, data)`` pairs."""
    started = {**body, "status": "in_progress", "output": [], "usage": None}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": started},
        {"type": "response.in_progress", "response": started},
    ]
    for index, item in enumerate(body["output"]):
        events += _item_events(index, item, piece)
    final = {"failed": "response.failed", "incomplete": "response.incomplete"}
    events.append({"type": final.get(body["status"], "response.completed"), "response": body})
    return [(event["type"], {**event, "sequence_number": n}) for n, event in enumerate(events)]


def render_events(events: list[tuple[str, dict[str, Any]]]) -> bytes:
    """Events as the ``text/event-stream`` body: an ``event:`` line, then the ``data:`` line."""
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events).encode()


def sse(events: list[tuple[str, dict[str, Any]]]) -> httpx2.Response:
    """A streamed Responses answer (no ``[DONE]``: the Responses API ends with its last event)."""
    return httpx2.Response(
        200, headers={"content-type": "text/event-stream"}, content=render_events(events)
    )


def answer_for(request_body: dict[str, Any]) -> dict[str, Any]:
    """What the loopback server answers: a reasoning item and a call to ``book_flight`` when the
    tool is offered and not yet answered, else the text, or an echo of the last user message."""
    items = request_body.get("input") or []
    if items and items[-1].get("type") == "function_call_output":
        return response_body([message_item(f"Booked: {items[-1]['output']}")])
    if request_body.get("tools"):
        return response_body([reasoning_item(), function_call_item()])
    users = [item for item in items if item.get("role") == "user"]
    return response_body([message_item(f"echo: {users[-1]['content'] if users else ''}")])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LoopbackResponses

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the cassettes, not the server log."""

    def do_POST(self) -> None:
        self.server.hits += 1
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        answer = answer_for(body)
        if body.get("stream"):
            raw = render_events(response_events(answer))
            content_type = "text/event-stream; charset=utf-8"
        else:
            raw = json.dumps(answer).encode()
            content_type = "application/json"
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("openai-organization", "org-loopback")
        self.send_header("content-length", str(len(raw)))
        # No keep-alive: a pooled connection to a stopped server would linger (ResourceWarning).
        self.send_header("connection", "close")
        self.close_connection = True
        self.end_headers()
        self.wfile.write(raw)


class LoopbackResponses(ThreadingHTTPServer):
    """A Responses API server on 127.0.0.1, counting the requests it answers."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits = 0

    @property
    def base_url(self) -> str:
        """The ``/v1`` base URL to point an SDK at."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


@contextmanager
def serving() -> Iterator[LoopbackResponses]:
    """Run a :class:`LoopbackResponses` in a thread; stopped (connections refused) on exit."""
    server = LoopbackResponses()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
