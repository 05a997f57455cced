"""Bodies and event streams of faulty answers, made from the real answer where there is one."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from agentkit.faults._catalog import FaultKind
from agentkit.faults._plan import Fault

__all__ = [
    "INVENTED_TOOL",
    "SSEEvent",
    "bad_argument",
    "call_as_text",
    "error_body",
    "is_anthropic",
    "mutate_call",
    "mutate_completion",
    "parse_sse",
    "rechunk_completion",
    "render_sse",
    "stream_to_completion",
    "tool_names",
    "tool_schema",
]

K = FaultKind


def is_anthropic(path: str) -> bool:
    return path.endswith("/messages")


def error_body(kind: FaultKind, status: int, anthropic: bool) -> dict[str, Any]:
    """A provider-shaped error body for a synthesised error status."""
    code, kind_name, message = {
        K.RATE_LIMITED: ("rate_limit_exceeded", "rate_limit_error", "Rate limit reached."),
        K.QUOTA_EXHAUSTED: (
            "insufficient_quota",
            "insufficient_quota",
            "You exceeded your current quota.",
        ),
        K.CONTEXT_TOO_LONG: (
            "context_length_exceeded",
            "invalid_request_error",
            "This model's maximum context length was exceeded.",
        ),
    }.get(kind, (None, "api_error", f"Injected HTTP {status}."))
    if anthropic:
        return {"type": "error", "error": {"type": kind_name, "message": message}}
    return {"error": {"message": message, "type": kind_name, "code": code, "param": None}}


@dataclass
class SSEEvent:
    """One server-sent event, as the lines that carry it."""

    data: str
    event: str | None = None

    def json(self) -> Any:
        try:
            return json.loads(self.data)
        except json.JSONDecodeError:
            return None


def parse_sse(body: bytes) -> list[SSEEvent]:
    events: list[SSEEvent] = []
    for block in body.replace(b"\r\n", b"\n").split(b"\n\n"):
        name: str | None = None
        data: list[str] = []
        for line in block.decode().split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        if data or name:
            events.append(SSEEvent(data="\n".join(data), event=name))
    return events


def render_sse(events: list[SSEEvent]) -> bytes:
    parts = []
    for event in events:
        head = f"event: {event.event}\n" if event.event else ""
        parts.append(f"{head}data: {event.data}\n\n")
    return "".join(parts).encode()


def tool_names(request_body: Any) -> list[str]:
    """The names of the tools a request offers (chat-completions or Responses form)."""
    tools = request_body.get("tools") if isinstance(request_body, dict) else None
    names = []
    for tool in tools or ():
        function = tool.get("function", tool) if isinstance(tool, dict) else {}
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.append(function["name"])
    return names


def tool_schema(request_body: Any, name: str) -> dict[str, Any]:
    """The parameters schema of the offered tool ``name`` (either form); ``{}`` if none."""
    for tool in (request_body or {}).get("tools") or ():
        function = tool.get("function", tool)
        if function.get("name") == name:
            schema = function.get("parameters") or {}
            return schema if isinstance(schema, dict) else {}
    return {}


def _text_of(content: Any) -> str:
    """The text of a message's content: a string, or a list of parts (Mistral's thinking and
    text parts) whose text parts are joined; anything else reads as no text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part["text"]
            for part in content
            if isinstance(part, dict)
            and part.get("type") == "text"
            and isinstance(part.get("text"), str)
        )
    return ""


#: The tool an ``invented_tool`` fault calls: no request offers it.
INVENTED_TOOL = "do_what_the_user_wants_now"


def _ensure_tool_call(message: dict[str, Any], request_body: Any) -> dict[str, Any]:
    """The message's first tool call; when the model made none, one to the first offered tool."""
    calls = message.get("tool_calls") or []
    if not calls:
        # A text agent offers no tools: the call names one it never offered.
        names = tool_names(request_body) or [INVENTED_TOOL]
        calls = [
            {
                "id": "call_fault_0",
                "type": "function",
                "function": {"name": names[0], "arguments": "{}"},
            }
        ]
        message["tool_calls"] = calls
    first: dict[str, Any] = calls[0]
    function = first.setdefault("function", {})
    if not isinstance(function.get("arguments"), str):
        function["arguments"] = json.dumps(function.get("arguments") or {})
    return first


def bad_argument(arguments: str, schema: dict[str, Any], variant: str) -> str:
    """``arguments`` against ``schema``: a required one dropped, or one of the wrong type."""
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        value = {}
    if not isinstance(value, dict):
        value = {}
    properties = schema.get("properties") or {}
    if variant == "drop_required":
        for key in schema.get("required") or list(value):
            value.pop(key, None)
            break
        return json.dumps(value)
    # wrong_type: a number as a string ("3" for 3), else a string as a number.
    for key, spec in properties.items():
        kind = spec.get("type") if isinstance(spec, dict) else None
        if kind in ("integer", "number"):
            value[key] = str(value.get(key, 3))
            return json.dumps(value)
    for key in properties:
        value[key] = 12345
        return json.dumps(value)
    value["unexpected"] = "3"
    return json.dumps(value)


def mutate_completion(
    completion: dict[str, Any], fault: Fault, request_body: Any
) -> dict[str, Any]:
    """A chat completion with ``fault`` applied to it (the input is left unchanged)."""
    body = copy.deepcopy(completion)
    kind = fault.kind
    if kind is K.WRONG_SHAPE:
        body["choices"] = "x"
        return body
    if kind is K.EMPTY_CHOICES:
        body["choices"] = []
        return body
    choices = body.get("choices") or [{"index": 0, "message": {"role": "assistant"}}]
    body["choices"] = choices
    choice = choices[0]
    message = choice.setdefault("message", {"role": "assistant"})
    if kind in (K.NULL_CONTENT, K.REFUSAL):
        message["content"] = None
        message.pop("tool_calls", None)
        message["refusal"] = "I can't help with that request." if kind is K.REFUSAL else None
        choice["finish_reason"] = "stop"
        return body
    call = _ensure_tool_call(message, request_body)
    function = call["function"]
    choice["finish_reason"] = "tool_calls"
    if mutate_call(function, fault, request_body):
        if kind is K.LENGTH_CUT_ARGUMENTS:
            choice["finish_reason"] = "length"
    elif kind is K.TOOL_CALL_IN_TEXT:
        message["content"] = f"<tool_call>{call_as_text(function)}</tool_call>"
        message.pop("tool_calls", None)
        choice["finish_reason"] = "stop"
    elif kind is K.DUPLICATE_TOOL_CALLS:
        message["tool_calls"] = [call, copy.deepcopy(call)]
    return body


def call_as_text(function: dict[str, Any]) -> str:
    """A call's ``{"name", "arguments"}`` as JSON, the way a model writes one into its text."""
    return json.dumps(
        {"name": function.get("name"), "arguments": json.loads(function["arguments"] or "{}")}
    )


def mutate_call(function: dict[str, Any], fault: Fault, request_body: Any) -> bool:
    """Apply an argument-level fault to a call's ``name`` and string ``arguments`` in place (a
    chat-completions ``function`` or a Responses ``function_call`` item: the same two keys).
    False when ``fault`` is not one of those kinds."""
    kind = fault.kind
    arguments: str = function["arguments"]
    if kind is K.LENGTH_CUT_ARGUMENTS:
        function["arguments"] = arguments[: max(1, len(arguments) // 2)]
    elif kind is K.INVALID_JSON_ARGUMENTS:
        function["arguments"] = arguments.rstrip().removesuffix("}") + ",}"
    elif kind is K.NON_OBJECT_ARGUMENTS:
        variant = fault.variant or "list"
        if variant == "empty":
            function["arguments"] = ""
        elif variant == "object_not_string":
            function["arguments"] = json.loads(arguments) if arguments.strip() else {}
        else:
            parsed = json.loads(arguments) if arguments.strip() else {}
            values = list(parsed.values()) if isinstance(parsed, dict) else [parsed]
            function["arguments"] = json.dumps(values)
    elif kind is K.INVENTED_TOOL:
        function["name"] = INVENTED_TOOL
    elif kind is K.BAD_ARGUMENT:
        schema = tool_schema(request_body, function.get("name", ""))
        function["arguments"] = bad_argument(arguments, schema, fault.variant or "wrong_type")
    elif kind is K.NULL_FIRST_ARGUMENTS:
        function["arguments"] = None
    else:
        return False
    return True


def stream_to_completion(events: list[SSEEvent]) -> dict[str, Any] | None:
    """The completion a chat-completions event stream adds up to; None if it is not one."""
    chunks = [event.json() for event in events if event.data != "[DONE]"]
    if not chunks or not all(isinstance(chunk, dict) for chunk in chunks):
        return None
    head = chunks[0]
    message: dict[str, Any] = {"role": "assistant", "content": None}
    calls: dict[int, dict[str, Any]] = {}
    finish: str | None = None
    usage = None
    for chunk in chunks:
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if delta.get("content"):
                message["content"] = (message["content"] or "") + _text_of(delta["content"])
            for part in delta.get("tool_calls") or ():
                call = calls.setdefault(
                    part.get("index", len(calls)),
                    {"id": None, "type": "function", "function": {"name": "", "arguments": ""}},
                )
                call["id"] = part.get("id") or call["id"]
                function = part.get("function") or {}
                call["function"]["name"] += function.get("name") or ""
                call["function"]["arguments"] += function.get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    if calls:
        message["tool_calls"] = [calls[index] for index in sorted(calls)]
    return {
        "id": head.get("id"),
        "object": "chat.completion",
        "created": head.get("created", 0),
        "model": head.get("model", ""),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage,
    }


def rechunk_completion(completion: dict[str, Any], piece: int = 8) -> list[SSEEvent]:
    """A completion as a chat-completions event stream, text and arguments in ``piece``-size bits."""

    def event(delta: dict[str, Any], finish: str | None = None) -> SSEEvent:
        chunk = {
            "id": completion.get("id"),
            "object": "chat.completion.chunk",
            "created": completion.get("created", 0),
            "model": completion.get("model", ""),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return SSEEvent(data=json.dumps(chunk))

    choices = completion.get("choices")
    if not isinstance(choices, list) or not choices:
        # Shape faults have no deltas to carry: send the body as one event, as a broken proxy would.
        return [SSEEvent(data=json.dumps(completion)), SSEEvent(data="[DONE]")]
    choice = choices[0]
    message = choice.get("message") or {}
    events = [event({"role": "assistant", "content": ""})]
    text = _text_of(message.get("content"))
    events += [event({"content": text[i : i + piece]}) for i in range(0, len(text), piece)]
    if message.get("refusal"):
        events.append(event({"refusal": message["refusal"]}))
    for index, call in enumerate(message.get("tool_calls") or ()):
        function = call.get("function") or {}
        arguments = function.get("arguments")
        first_arguments = arguments if not isinstance(arguments, str) else ""
        head = {"index": index, "id": call.get("id"), "type": "function"}
        events.append(
            event(
                {
                    "tool_calls": [
                        {
                            **head,
                            "function": {
                                "name": function.get("name"),
                                "arguments": first_arguments,
                            },
                        }
                    ]
                }
            )
        )
        if isinstance(arguments, str):
            for i in range(0, len(arguments), piece):
                part = {"index": index, "function": {"arguments": arguments[i : i + piece]}}
                events.append(event({"tool_calls": [part]}))
    events.append(event({}, choice.get("finish_reason") or "stop"))
    if completion.get("usage"):
        tail = json.loads(event({}).data)
        tail["choices"], tail["usage"] = [], completion["usage"]
        events.append(SSEEvent(data=json.dumps(tail)))
    events.append(SSEEvent(data="[DONE]"))
    return events
