"""The chat-completions wire as agentkit reads it: lenient where real servers are, strict where a
wrong shape would otherwise blow up later (docs/faults.md row 14).

Also the request side: our messages and content parts in the chat-completions form.
"""

from __future__ import annotations

from typing import Any, cast, get_args

from pydantic import BaseModel

from agentkit._errors import UsageError
from agentkit.models._content import ReasoningOrigin, TextPart, ThinkingPart
from agentkit.models._types import FinishReason, Message, Usage

__all__ = [
    "WireChunk",
    "WireCompletion",
    "WireContent",
    "WireDelta",
    "finish_reason",
    "split_content",
    "to_openai_messages",
    "usage_from",
]

_FINISH_REASONS = frozenset(get_args(FinishReason))


def to_openai_messages(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    """Our messages in the chat-completions wire form; string content goes as it is."""
    wire: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "tool":
            wire.append(
                {
                    "role": "tool",
                    "tool_call_id": message.tool_call_id,
                    "content": _content(message),
                }
            )
        elif message.role == "assistant":
            # Always present and never null: llama.cpp's server rejects a null content, and its
            # chat templates read the key (a missing one is a 500, "'dict object' has no
            # attribute 'content'"). OpenAI takes "" beside tool calls.
            entry: dict[str, Any] = {"role": "assistant", "content": message.text or ""}
            reasoning = "".join(
                part.thinking
                for part in message.reasoning
                if isinstance(part, ThinkingPart) and part.origin == "reasoning_content"
            )
            if reasoning:
                # DeepSeek's thinking mode wants it back within a tool loop; others ignore it.
                entry["reasoning_content"] = reasoning
            if message.tool_calls:
                entry["tool_calls"] = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    }
                    for call in message.tool_calls
                ]
            wire.append(entry)
        else:
            wire.append({"role": message.role, "content": _content(message)})
    return wire


def _content(message: Message) -> str | list[dict[str, Any]] | None:
    if message.content is None or isinstance(message.content, str):
        return message.content
    if message.role == "tool":
        other = [part.type for part in message.content if not isinstance(part, TextPart)]
        if other:
            raise UsageError(
                f"OpenAI's chat completions take text only in a tool message, got "
                f"{', '.join(other)}: answer the call with text and send the "
                "image or document in a user message after the tool results"
            )
    return [part.to_openai() for part in message.content]


class _WireTextChunk(BaseModel):
    type: str = "text"
    text: str = ""


class _WirePart(BaseModel):
    """A content part of an answer: OpenAI-style text, or Mistral's thinking."""

    type: str
    text: str | None = None
    thinking: str | list[_WireTextChunk] | None = None

    def thinking_text(self) -> str:
        if isinstance(self.thinking, list):
            return "".join(chunk.text for chunk in self.thinking)
        return self.thinking or ""


WireContent = str | list[_WirePart] | None
"""An answer's content: a string, or a list of parts (Mistral's ``[thinking, text]``)."""


def split_content(content: WireContent) -> tuple[str | None, list[tuple[ReasoningOrigin, str]]]:
    """The text of a content, and its thinking parts as reasoning pieces.

    Parts of other types (a citation, an image) carry no text and are left out.
    """
    if content is None or isinstance(content, str):
        return content, []
    text = "".join(part.text or "" for part in content if part.type == "text")
    thinking: list[tuple[ReasoningOrigin, str]] = [
        ("content_part", part.thinking_text()) for part in content if part.type == "thinking"
    ]
    return text, thinking


def finish_reason(value: str | None, *, has_tool_calls: bool) -> FinishReason | None:
    """Ours for the server's; none given (null or ``""``) reads as tool_calls or stop."""
    if not value:
        # Complete answers without a reason (Snowflake Cortex, some OpenRouter providers).
        return "tool_calls" if has_tool_calls else "stop"
    if value == "function_call":
        return "tool_calls"
    return cast(FinishReason, value) if value in _FINISH_REASONS else None


class _WireFunction(BaseModel):
    name: str | None = ""
    arguments: str | dict[str, Any] | list[Any] | None = None


class _WireToolCall(BaseModel):
    index: int | None = None
    id: str | None = None
    function: _WireFunction | None = None


class _WireMessage(BaseModel):
    content: WireContent = None
    refusal: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[_WireToolCall] | None = None


class _WireChoice(BaseModel):
    message: _WireMessage
    finish_reason: str | None = None


class _WireTokenDetails(BaseModel):
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None


class _WireUsage(BaseModel):
    prompt_tokens: int | None = 0
    completion_tokens: int | None = 0
    prompt_tokens_details: _WireTokenDetails | None = None


def usage_from(wire: _WireUsage | None) -> Usage | None:
    """Usage in agentkit's meaning: ``prompt_tokens`` already counts the cached tokens."""
    if wire is None:
        return None
    details = wire.prompt_tokens_details or _WireTokenDetails()
    return Usage(
        input_tokens=wire.prompt_tokens or 0,
        output_tokens=wire.completion_tokens or 0,
        cache_read_tokens=details.cached_tokens,
        cache_write_tokens=details.cache_write_tokens,
    )


class WireCompletion(BaseModel):
    """A chat completion, as far as agentkit reads it."""

    model: str = ""
    choices: list[_WireChoice]
    usage: _WireUsage | None = None


class WireDelta(BaseModel):
    """A chunk's delta, as far as agentkit reads it."""

    content: WireContent = None
    refusal: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[_WireToolCall] | None = None


class _WireChunkChoice(BaseModel):
    delta: WireDelta | None = None
    finish_reason: str | None = None


class WireChunk(BaseModel):
    """A chat-completion chunk, as far as agentkit reads it."""

    model: str | None = None
    choices: list[_WireChunkChoice] | None = None
    usage: _WireUsage | None = None
