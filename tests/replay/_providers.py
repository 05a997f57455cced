"""Fake OpenAI and Anthropic providers behind httpx2.MockTransport, for recording offline.

"Recording" in these tests records what the fake provider answers; replay tests then swap in a
transport that fails if it is reached, proving the answer came from the cassette.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anthropic
import httpx2
import openai

Handler = Callable[[httpx2.Request], httpx2.Response]

OPENAI_KEY = "sk" + "-proj-testkey0123456789abcdefghij"
ANTHROPIC_KEY = "sk" + "-ant-api03-testkey0123456789abcdef"

BOOK_TOOL = {
    "type": "function",
    "function": {
        "name": "book_flight",
        "description": "Book a flight by id.",
        "parameters": {
            "type": "object",
            "properties": {"flight_id": {"type": "string"}},
            "required": ["flight_id"],
        },
    },
}
SEARCH_TOOL = {
    "type": "function",
    "function": {
        "name": "search_flights",
        "description": "Search flights.",
        "parameters": {"type": "object", "properties": {"to": {"type": "string"}}},
    },
}


def _sse(events: list[tuple[str | None, Any]]) -> bytes:
    blocks = []
    for name, data in events:
        text = data if isinstance(data, str) else json.dumps(data)
        head = f"event: {name}\n" if name else ""
        blocks.append(f"{head}data: {text}\n\n")
    return "".join(blocks).encode()


class FakeOpenAI:
    """Answers /chat/completions: echoes the last user message; a tool call when tools are given."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.calls += 1
        body = json.loads(request.content)
        last = body["messages"][-1]["content"]
        if body.get("stream"):
            chunks = [
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion.chunk",
                    "created": 1,
                    "model": body["model"],
                    "choices": [{"index": 0, "delta": {"content": part}, "finish_reason": None}],
                }
                for part in ("echo: ", last)
            ]
            events: list[tuple[str | None, Any]] = [(None, c) for c in chunks]
            events.append((None, "[DONE]"))
            return httpx2.Response(
                200, headers={"content-type": "text/event-stream"}, content=_sse(events)
            )
        message: dict[str, Any] = {"role": "assistant", "content": f"echo: {last}"}
        if body.get("tools"):
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "book_flight", "arguments": '{"flight_id": "F1"}'},
                    }
                ],
            }
        return httpx2.Response(
            200,
            headers={"x-request-id": "req_1", "openai-organization": "org-secret"},
            json={
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1,
                "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
            },
        )


class FakeAnthropic:
    """Answers /v1/messages, plain or streamed, echoing the last user message."""

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        text = f"echo: {body['messages'][-1]['content']}"
        message = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 3, "output_tokens": 2},
        }
        if not body.get("stream"):
            return httpx2.Response(200, json=message)
        start = {**message, "content": [], "stop_reason": None}
        events: list[tuple[str | None, Any]] = [
            ("message_start", {"type": "message_start", "message": start}),
            ("ping", {"type": "ping"}),
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            ),
            *[
                (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": 0,
                        "delta": {"type": "text_delta", "text": part},
                    },
                )
                for part in ("echo: ", body["messages"][-1]["content"])
            ],
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": 2},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        return httpx2.Response(
            200, headers={"content-type": "text/event-stream"}, content=_sse(events)
        )


def unreachable(request: httpx2.Request) -> httpx2.Response:
    raise AssertionError(f"replay reached the provider: {request.method} {request.url}")


def openai_client(handler: Handler) -> openai.OpenAI:
    return openai.OpenAI(
        api_key=OPENAI_KEY,
        base_url="https://proxy.example.test/v1",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )


def async_openai_client(handler: Handler) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        api_key=OPENAI_KEY,
        base_url="https://proxy.example.test/v1",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )


def anthropic_client(handler: Handler) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key=ANTHROPIC_KEY,
        base_url="https://anthropic.example.test",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )


def async_anthropic_client(handler: Handler) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(
        api_key=ANTHROPIC_KEY,
        base_url="https://anthropic.example.test",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "You book flights."}, {"role": "user", "content": text}]
