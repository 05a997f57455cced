"""The OpenAI Responses API wire (``POST {base}/responses``) as agentkit writes and reads it.

Requests: the leading system messages become ``instructions``, the rest ``input`` items (user and
system messages, ``function_call`` items for an assistant's tool calls, ``function_call_output``
items for tool results, ``reasoning`` items sent back); tools become function tools. Answers: a
``response`` object's output items become one ``ChatResponse``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from agentkit.models._content import (
    ContentPart,
    DocumentPart,
    ImagePart,
    ReasoningOrigin,
    ReasoningPart,
    TextPart,
    ThinkingPart,
)
from agentkit.models._types import ChatResponse, FinishReason, Message, ToolCall, ToolSpec, Usage
from agentkit.models._wire import (
    Location,
    ToolChoice,
    answer_content,
    dump_arguments,
    validate_chunk,
)

__all__ = [
    "WireEvent",
    "WireResponse",
    "finish_reason",
    "function_tool",
    "in_an_item",
    "infer_arguments",
    "response_from_wire",
    "text_format",
    "to_responses_input",
    "tool_choice",
]

_REASONING_ORIGINS = ("reasoning_summary", "reasoning_text")

_INCOMPLETE: dict[str, FinishReason] = {
    "max_output_tokens": "length",
    "content_filter": "content_filter",
}
"""``incomplete_details.reason`` as a finish reason; other reasons (``max_messages``) are None."""


# -- requests ------------------------------------------------------------------------------


def to_responses_input(messages: tuple[Message, ...]) -> tuple[str | None, list[dict[str, Any]]]:
    """Our messages as the Responses API's ``(instructions, input)``.

    The leading system messages are the ``instructions`` (the SDK's "system (or developer)
    message inserted into the model's context"); a system message later on stays in its place
    as a ``system`` input message.
    """
    lead = 0
    while lead < len(messages) and messages[lead].role == "system":
        lead += 1
    system = [m.text for m in messages[:lead] if m.text]
    items: list[dict[str, Any]] = []
    for message in messages[lead:]:
        if message.role == "system":
            items.append({"role": "system", "content": message.text or ""})
        elif message.role == "user":
            items.append({"role": "user", "content": _content(message)})
        elif message.role == "tool":
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": message.tool_call_id,
                    "output": _content(message),
                }
            )
        else:
            items.extend(_assistant_items(message))
    return ("\n\n".join(system) if system else None), items


def _content(message: Message) -> str | list[dict[str, Any]]:
    if message.content is None or isinstance(message.content, str):
        return message.content or ""
    return [_part(part) for part in message.content]


def _part(part: ContentPart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "input_text", "text": part.text}
    if isinstance(part, ImagePart):
        url = part.url if part.url is not None else f"data:{part.media_type};base64,{part.data}"
        return {"type": "input_image", "image_url": url, "detail": part.detail or "auto"}
    return _file(part)


def _file(part: DocumentPart) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "input_file"}
    if part.file_id is not None:
        entry["file_id"] = part.file_id
    elif part.url is not None:
        entry["file_url"] = part.url
    else:
        entry["file_data"] = f"data:{part.media_type};base64,{part.data}"
    if part.filename is not None:
        entry["filename"] = part.filename
    return entry


@dataclass
class _ReasoningItem:
    """One Responses reasoning item, put back together from its pieces."""

    id: str
    summary: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    encrypted_content: str | None = None
    followed_by: str | None = None
    followed_by_call: str | None = None

    def add(self, part: ThinkingPart) -> None:
        (self.summary if part.origin == "reasoning_summary" else self.texts).append(part.thinking)
        self.encrypted_content = self.encrypted_content or part.encrypted_content
        self.followed_by = self.followed_by or part.followed_by
        self.followed_by_call = self.followed_by_call or part.followed_by_call

    def wire(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "type": "reasoning",
            "id": self.id,
            "summary": [{"type": "summary_text", "text": text} for text in self.summary if text],
        }
        texts = [text for text in self.texts if text]
        if texts:
            item["content"] = [{"type": "reasoning_text", "text": text} for text in texts]
        if self.encrypted_content is not None:
            item["encrypted_content"] = self.encrypted_content
        return item


def _reasoning_items(reasoning: tuple[ReasoningPart, ...]) -> list[_ReasoningItem]:
    """The Responses reasoning items among an answer's reasoning; other kinds never go back."""
    items: list[_ReasoningItem] = []
    for part in reasoning:
        if not isinstance(part, ThinkingPart) or part.origin not in _REASONING_ORIGINS:
            continue
        if part.item_id is None:
            continue
        if not items or items[-1].id != part.item_id:
            items.append(_ReasoningItem(id=part.item_id))
        items[-1].add(part)
    return items


def _function_call(call: ToolCall, item_id: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "function_call",
        "call_id": call.id,
        "name": call.name,
        "arguments": call.arguments,
    }
    if item_id is not None:
        entry["id"] = item_id
    return entry


def _output_message(text: str, item_id: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": item_id,
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def _assistant_items(message: Message) -> list[dict[str, Any]]:
    """An assistant turn as input items: each reasoning item right before the item that followed
    it (with that item's id, as OpenAI pairs them), then the rest of the text and calls.

    A reasoning item whose follower is not kept (a built-in tool's call) is left out: OpenAI
    refuses a reasoning item without its following item.
    """
    text = message.text or ""
    calls = {call.id: call for call in message.tool_calls}
    items = _reasoning_items(message.reasoning)
    ids = {item.id for item in items}
    sendable: dict[str, bool] = {}
    for item in reversed(items):
        if item.followed_by is None:
            sendable[item.id] = False
        elif item.followed_by_call is not None:
            sendable[item.id] = item.followed_by_call in calls
        elif item.followed_by in ids:
            sendable[item.id] = sendable.get(item.followed_by, False)
        else:
            sendable[item.id] = bool(text)
    wire: list[dict[str, Any]] = []
    sent_calls: set[str] = set()
    text_sent = False
    for item in items:
        if not sendable[item.id] or item.followed_by is None:
            continue
        follower: dict[str, Any] | None = None
        if item.followed_by_call is not None:
            if item.followed_by_call in sent_calls:
                continue
            follower = _function_call(calls[item.followed_by_call], item.followed_by)
            sent_calls.add(item.followed_by_call)
        elif item.followed_by not in ids:
            if text_sent:
                continue
            follower = _output_message(text, item.followed_by)
            text_sent = True
        wire.append(item.wire())
        if follower is not None:
            wire.append(follower)
    if text and not text_sent:
        wire.append({"role": "assistant", "content": text})
    wire += [_function_call(call) for call in message.tool_calls if call.id not in sent_calls]
    return wire


def function_tool(tool: ToolSpec) -> dict[str, Any]:
    """A tool as a Responses function tool. ``strict`` is off, as chat completions default it:
    our schemas are not written for strict mode (every property required, no extra ones)."""
    return {
        "type": "function",
        "name": tool.name,
        "description": tool.description,
        "parameters": tool.parameters,
        "strict": False,
    }


def tool_choice(choice: ToolChoice) -> Any:
    """A tool choice in the Responses form: a name, or chat completions' nested form, becomes
    ``{"type": "function", "name": ...}``."""
    if isinstance(choice, dict):
        function = choice.get("function")
        if isinstance(function, dict) and "name" in function:
            return {"type": "function", "name": function["name"]}
        return choice
    if choice in ("auto", "none", "required"):
        return choice
    return {"type": "function", "name": choice}


def text_format(response_format: dict[str, Any]) -> dict[str, Any]:
    """A chat-completions ``response_format`` as the Responses ``text.format``: the nested
    ``json_schema`` object is flattened into it; other formats go as given."""
    nested = response_format.get("json_schema")
    if response_format.get("type") == "json_schema" and isinstance(nested, dict):
        return {"type": "json_schema", **nested}
    return dict(response_format)


_RENAMED = {"max_tokens": "max_output_tokens", "max_completion_tokens": "max_output_tokens"}


def infer_arguments(infer_kwargs: dict[str, Any]) -> dict[str, Any]:
    """``infer_kwargs`` in the Responses API's names: ``max_tokens`` (and
    ``max_completion_tokens``) is ``max_output_tokens``, ``reasoning_effort`` is
    ``reasoning.effort``; the rest (``temperature``, ``top_p``, ...) go as given."""
    arguments = {key: value for key, value in infer_kwargs.items() if key not in _RENAMED}
    for old, new in _RENAMED.items():
        if old in infer_kwargs:
            # An explicit max_output_tokens wins.
            arguments.setdefault(new, infer_kwargs[old])
    effort = arguments.pop("reasoning_effort", None)
    if effort is not None:
        reasoning = arguments.get("reasoning")
        arguments["reasoning"] = {
            **(reasoning if isinstance(reasoning, dict) else {}),
            "effort": effort,
        }
    return arguments


# -- answers -------------------------------------------------------------------------------


class _WirePiece(BaseModel):
    """A content part of an output message (``output_text``, ``refusal``) or of a reasoning
    item (``reasoning_text``)."""

    type: str
    text: str | None = None
    refusal: str | None = None


class _WireSummary(BaseModel):
    type: str = "summary_text"
    text: str | None = ""


class _WireMessage(BaseModel):
    id: str | None = None
    content: list[_WirePiece] | None = None


class _WireFunctionCall(BaseModel):
    id: str | None = None
    call_id: str | None = None
    name: str | None = ""
    arguments: str | dict[str, Any] | list[Any] | None = None


class _WireReasoning(BaseModel):
    id: str | None = None
    summary: list[_WireSummary] | None = None
    content: list[_WirePiece] | None = None
    encrypted_content: str | None = None


class _WireTokenDetails(BaseModel):
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None


class _WireUsage(BaseModel):
    input_tokens: int | None = 0
    output_tokens: int | None = 0
    input_tokens_details: _WireTokenDetails | None = None


class _WireIncomplete(BaseModel):
    reason: str | None = None


class WireResponse(BaseModel):
    """A Responses API ``response`` object, as far as agentkit reads it."""

    model: str | None = ""
    status: str | None = None
    output: list[dict[str, Any]] | None = None
    usage: _WireUsage | None = None
    incomplete_details: _WireIncomplete | None = None
    error: dict[str, Any] | None = None


class WireEvent(BaseModel):
    """A Responses stream event, as far as agentkit reads it (``type`` says which)."""

    type: str | None = None
    output_index: int | None = None
    delta: Any = None
    item: dict[str, Any] | None = None
    response: WireResponse | None = None
    code: Any = None
    message: Any = None
    param: Any = None


def in_an_item(loc: Location) -> bool:
    """Whether a validation error lies inside an output item: the model's doing, not retried.
    An ``output`` that is not a list at all is a gateway's (docs/faults.md row 14)."""
    at = 1 if loc[:1] == ("response",) else 0
    return len(loc) > at + 1 and loc[at] == "output"


_READ_KINDS = frozenset({"message", "function_call", "reasoning"})

ItemT = TypeVar("ItemT", bound=BaseModel)


def _follower(raw: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """``(followed_by, followed_by_call)`` for the output item after a reasoning item."""
    if raw is None or raw.get("type") not in _READ_KINDS or not isinstance(raw.get("id"), str):
        return None, None
    if raw["type"] != "function_call":
        return raw["id"], None
    call_id = raw.get("call_id")
    return (raw["id"], call_id) if isinstance(call_id, str) else (None, None)


def _reasoning_parts(item: _WireReasoning, follower: dict[str, Any] | None) -> list[ThinkingPart]:
    """One part per piece of the item's summary and text, the item's own facts on the first."""
    pieces: list[tuple[ReasoningOrigin, str]] = [
        ("reasoning_summary", summary.text or "") for summary in item.summary or ()
    ]
    pieces += [
        ("reasoning_text", piece.text or "")
        for piece in item.content or ()
        if piece.type == "reasoning_text"
    ]
    if not pieces:
        # Encrypted reasoning without a summary (the default for OpenAI's own models) still
        # goes back on the next turn.
        pieces = [("reasoning_summary", "")]
    followed_by, followed_by_call = _follower(follower)
    parts = [ThinkingPart(thinking=text, origin=origin, item_id=item.id) for origin, text in pieces]
    parts[0] = parts[0].model_copy(
        update={
            "encrypted_content": item.encrypted_content,
            "followed_by": followed_by,
            "followed_by_call": followed_by_call,
        }
    )
    return parts


def _usage(wire: _WireUsage | None) -> Usage | None:
    """Usage in agentkit's meaning: the Responses ``input_tokens`` already count cached ones."""
    if wire is None:
        return None
    details = wire.input_tokens_details or _WireTokenDetails()
    return Usage(
        input_tokens=wire.input_tokens or 0,
        output_tokens=wire.output_tokens or 0,
        cache_read_tokens=details.cached_tokens,
        cache_write_tokens=details.cache_write_tokens,
    )


def finish_reason(wire: WireResponse, *, has_tool_calls: bool) -> FinishReason | None:
    """``completed`` (or no status) is ``tool_calls`` or ``stop``; ``incomplete`` is ``length``
    (``max_output_tokens``) or ``content_filter``; anything else is None."""
    if not wire.status or wire.status == "completed":
        return "tool_calls" if has_tool_calls else "stop"
    if wire.status == "incomplete":
        reason = wire.incomplete_details.reason if wire.incomplete_details else None
        return _INCOMPLETE.get(reason or "")
    return None


def response_from_wire(wire: WireResponse) -> ChatResponse:
    """The ``ChatResponse`` of a finished response. Output items of other kinds (built-in
    tools' calls) are left out, as Anthropic's server-tool blocks are; an item of a kind agentkit
    reads but shaped unreadably is a ``MalformedResponse``, not retried."""
    output = wire.output or []
    texts: list[str] = []
    refusals: list[str] = []
    calls: list[ToolCall] = []
    reasoning: list[ThinkingPart] = []
    for position, raw in enumerate(output):
        kind = raw.get("type")
        if kind == "message":
            message = _item(raw, _WireMessage, position)
            for piece in message.content or ():
                if piece.type == "output_text" and piece.text:
                    texts.append(piece.text)
                elif piece.type == "refusal" and piece.refusal:
                    refusals.append(piece.refusal)
        elif kind == "function_call":
            call = _item(raw, _WireFunctionCall, position)
            calls.append(
                ToolCall(
                    id=call.call_id or call.id or f"call_{len(calls)}",
                    name=call.name or "",
                    arguments=dump_arguments(call.arguments),
                )
            )
        elif kind == "reasoning":
            follower = output[position + 1] if position + 1 < len(output) else None
            reasoning += _reasoning_parts(_item(raw, _WireReasoning, position), follower)
    return ChatResponse(
        content=answer_content("".join(texts), bool(calls)),
        tool_calls=tuple(calls),
        finish_reason=finish_reason(wire, has_tool_calls=bool(calls)),
        refusal="".join(refusals) or None,
        usage=_usage(wire.usage),
        model=wire.model or "",
        reasoning=tuple(reasoning),
    )


def _item(raw: dict[str, Any], model: type[ItemT], position: int) -> ItemT:
    return validate_chunk(
        raw, model, f"output item {position} ({raw.get('type')})", in_the_answer=lambda _: True
    )
