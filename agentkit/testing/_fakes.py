"""Scripted provider doubles: wire-exact responses served through ``httpx2.MockTransport``.

The real SDK parses what these produce, so a test exercises the same code as a live call.

>>> handler = ScriptedProvider([chat_completion(content="hi")])
>>> client = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2

__all__ = [
    "FakeClock",
    "ScriptedProvider",
    "anthropic_message",
    "anthropic_stream_events",
    "chat_completion",
    "chat_completion_chunks",
    "sse_response",
]

Reply = httpx2.Response | dict[str, Any] | BaseException | Callable[[httpx2.Request], Any]
"""A scripted reply: a response, a JSON body (served with 200), an exception to raise, or a
function of the request returning any of these."""


def _tool_call_entries(tool_calls: Sequence[tuple[str, str, str]]) -> list[dict[str, Any]]:
    return [
        {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
        for call_id, name, arguments in tool_calls
    ]


def chat_completion(
    *,
    content: str | None = None,
    tool_calls: Sequence[tuple[str, str, str]] = (),
    finish_reason: str | None = None,
    model: str = "gpt-4",
    usage: tuple[int, int] = (10, 5),
    refusal: str | None = None,
) -> dict[str, Any]:
    """An OpenAI chat completion body; ``tool_calls`` holds ``(id, name, arguments)`` triples."""
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": refusal}
    if tool_calls:
        message["tool_calls"] = _tool_call_entries(tool_calls)
    reason = finish_reason or ("tool_calls" if tool_calls else "stop")
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": reason, "logprobs": None}],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": sum(usage),
        },
    }


def chat_completion_chunks(
    *,
    content: str | None = None,
    tool_calls: Sequence[tuple[str, str, str]] = (),
    finish_reason: str | None = None,
    model: str = "gpt-4",
    usage: tuple[int, int] = (10, 5),
    piece: int = 4,
) -> list[dict[str, Any]]:
    """The streamed form of :func:`chat_completion`: text and arguments cut in ``piece``-size bits."""

    def chunk(delta: dict[str, Any], reason: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": reason}],
        }

    chunks = [chunk({"role": "assistant", "content": ""})]
    text = content or ""
    chunks += [chunk({"content": text[i : i + piece]}) for i in range(0, len(text), piece)]
    for index, (call_id, name, arguments) in enumerate(tool_calls):
        head = {"index": index, "id": call_id, "type": "function"}
        chunks.append(
            chunk({"tool_calls": [{**head, "function": {"name": name, "arguments": ""}}]})
        )
        for i in range(0, len(arguments), piece):
            fragment = {"index": index, "function": {"arguments": arguments[i : i + piece]}}
            chunks.append(chunk({"tool_calls": [fragment]}))
    chunks.append(chunk({}, finish_reason or ("tool_calls" if tool_calls else "stop")))
    usage_chunk = chunk({})
    usage_chunk["choices"] = []
    usage_chunk["usage"] = {
        "prompt_tokens": usage[0],
        "completion_tokens": usage[1],
        "total_tokens": sum(usage),
    }
    chunks.append(usage_chunk)
    return chunks


def anthropic_message(
    *,
    content: str | None = None,
    tool_calls: Sequence[tuple[str, str, dict[str, Any]]] = (),
    stop_reason: str | None = None,
    model: str = "claude-test",
    usage: tuple[int, int] = (10, 5),
) -> dict[str, Any]:
    """An Anthropic Messages body; ``tool_calls`` holds ``(id, name, input)`` triples."""
    blocks: list[dict[str, Any]] = []
    if content:
        blocks.append({"type": "text", "text": content})
    blocks += [
        {"type": "tool_use", "id": call_id, "name": name, "input": arguments}
        for call_id, name, arguments in tool_calls
    ]
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": stop_reason or ("tool_use" if tool_calls else "end_turn"),
        "stop_sequence": None,
        "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
    }


def anthropic_stream_events(
    *,
    content: str | None = None,
    tool_calls: Sequence[tuple[str, str, dict[str, Any]]] = (),
    stop_reason: str | None = None,
    model: str = "claude-test",
    usage: tuple[int, int] = (10, 5),
    piece: int = 4,
) -> list[tuple[str, dict[str, Any]]]:
    """The streamed form of :func:`anthropic_message` as ``(event, data)`` pairs."""
    start = anthropic_message(model=model, usage=(usage[0], 0))
    start["content"], start["stop_reason"] = [], None
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start})
    ]
    index = 0
    if content:
        events.append(
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            )
        )
        for i in range(0, len(content), piece):
            delta = {"type": "text_delta", "text": content[i : i + piece]}
            events.append(
                ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
        index = 1
    for call_id, name, arguments in tool_calls:
        block = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": block},
            )
        )
        raw = json.dumps(arguments)
        for i in range(0, len(raw), piece):
            delta = {"type": "input_json_delta", "partial_json": raw[i : i + piece]}
            events.append(
                (
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    reason = stop_reason or ("tool_use" if tool_calls else "end_turn")
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": reason, "stop_sequence": None},
                "usage": {"output_tokens": usage[1]},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def sse_response(
    events: Iterable[dict[str, Any] | tuple[str, dict[str, Any]] | str],
    *,
    done: bool = True,
    status: int = 200,
) -> httpx2.Response:
    """An ``text/event-stream`` response: dicts become ``data:`` lines, pairs add ``event:``."""
    lines: list[str] = []
    for event in events:
        if isinstance(event, tuple):
            lines.append(f"event: {event[0]}\ndata: {json.dumps(event[1])}\n\n")
        elif isinstance(event, str):
            lines.append(f"data: {event}\n\n")
        else:
            lines.append(f"data: {json.dumps(event)}\n\n")
    if done:
        lines.append("data: [DONE]\n\n")
    return httpx2.Response(
        status, headers={"content-type": "text/event-stream"}, content="".join(lines).encode()
    )


@dataclass
class ScriptedProvider:
    """A ``MockTransport`` handler that serves scripted replies in order and keeps the requests.

    Runs out loudly: a request past the end of the script fails the test with an ``AssertionError``.
    """

    replies: list[Reply]
    requests: list[httpx2.Request] = field(default_factory=list)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if len(self.requests) > len(self.replies):
            raise AssertionError(
                f"ScriptedProvider got request #{len(self.requests)} ({request.method} "
                f"{request.url.path}) but was scripted with {len(self.replies)} replies"
            )
        reply: Any = self.replies[len(self.requests) - 1]
        if callable(reply) and not isinstance(reply, BaseException):
            reply = reply(request)
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, dict):
            return httpx2.Response(200, json=reply)
        if isinstance(reply, httpx2.Response):
            return reply
        raise TypeError(f"a scripted reply must be a Response, dict or exception, got {reply!r}")

    def bodies(self) -> list[Any]:
        """The JSON bodies of the requests received so far."""
        return [json.loads(request.content) for request in self.requests]


@dataclass
class FakeClock:
    """A clock that only moves when something sleeps on it: retry tests run in no time.

    Pass ``clock=fake`` and ``sleep=fake.sleep`` to ``ModelAPI``; ``sleeps`` lists every wait.
    """

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds
