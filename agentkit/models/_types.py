"""Provider-neutral chat types: what agents send to and receive from a model.

Every provider adapter converts to and from these, so an agent never sees an SDK object.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agentkit.models._content import (
    ContentPart,
    ReasoningPart,
    TextPart,
    content_text,
    reasoning_text,
)

__all__ = [
    "ChatResponse",
    "FinishReason",
    "Message",
    "ReasoningDelta",
    "Role",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolCallDelta",
    "ToolSpec",
    "Usage",
]

Role = Literal["system", "user", "assistant", "tool"]

FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "pause_turn", "refusal"]
"""Why the model stopped, in OpenAI's vocabulary plus two of Anthropic's: ``pause_turn`` (the
turn is not finished: send the answer back to let the model go on) and ``refusal`` (the model
declined; ``ChatResponse.refusal`` says what it wrote). Anthropic's ``end_turn`` and
``stop_sequence`` map to ``stop``, ``max_tokens`` to ``length``, ``tool_use`` to ``tool_calls``.
An OpenAI-compatible answer that gives no reason (or ``""``) reads as ``tool_calls`` when it
calls tools, else ``stop``."""


def _is_none(value: object) -> bool:
    return value is None


def _is_empty(value: tuple[object, ...]) -> bool:
    return not value


def _parse_arguments(raw: str) -> tuple[dict[str, Any] | None, str | None]:
    """Parse a tool call's raw ``arguments`` into an object, or say why it is not one."""
    if not raw.strip():
        # Models send "" for tools without parameters (docs/faults.md row 25): that is an empty object.
        return {}, None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        return (
            None,
            f"arguments are not valid JSON ({exc.msg} at position {exc.pos}): {raw[:200]!r}",
        )
    if not isinstance(value, dict):
        return None, f"arguments must be a JSON object, got {type(value).__name__}: {raw[:200]!r}"
    return value, None


class ToolCall(BaseModel):
    """One tool call the model asked for.

    ``arguments`` is the raw string from the wire, kept so that a broken call can be shown to the
    model in a repair prompt; ``parsed_arguments`` or ``arguments_error`` says what it means.

    >>> ToolCall(id="c1", name="search", arguments='{"q": 1}').parsed_arguments
    {'q': 1}
    """

    model_config = ConfigDict(frozen=True)

    id: str
    """The call id the model gave (used to pair it with its tool result)."""
    name: str
    """The tool's name, exactly as the model wrote it (not checked against any schema here)."""
    arguments: str = ""
    """The raw JSON arguments string as received."""
    parsed_arguments: dict[str, Any] | None = None
    """The arguments as an object, or None when they are not a JSON object."""
    arguments_error: str | None = None
    """Why ``arguments`` could not be parsed into an object, or None."""

    @model_validator(mode="after")
    def _parse(self) -> Self:
        if self.parsed_arguments is None and self.arguments_error is None:
            parsed, error = _parse_arguments(self.arguments)
            object.__setattr__(self, "parsed_arguments", parsed)
            object.__setattr__(self, "arguments_error", error)
        return self


class ToolSpec(BaseModel):
    """A tool the model may call: a name, a description and a JSON-schema for its arguments."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9_-]+$")
    """The tool's name, as the model must write it."""
    description: str = ""
    """What the tool does, shown to the model."""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    """A JSON schema (``type: object``) for the arguments."""

    @classmethod
    def from_openai(cls, spec: dict[str, Any]) -> ToolSpec:
        """Build from OpenAI's ``{"type": "function", "function": {...}}`` form."""
        function = spec.get("function", spec)
        return cls(
            name=function["name"],
            description=function.get("description", ""),
            parameters=function.get("parameters", {"type": "object", "properties": {}}),
        )

    def to_openai(self) -> dict[str, Any]:
        """OpenAI's function-tool form."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }

    def to_anthropic(self) -> dict[str, Any]:
        """Anthropic's tool form."""
        return {"name": self.name, "description": self.description, "input_schema": self.parameters}


class Message(BaseModel):
    """One chat message; its content is a string or a tuple of parts.

    >>> Message.user("Book a flight to Oslo").role
    'user'
    >>> Message.user([TextPart(text="Is this a boarding pass?")]).text
    'Is this a boarding pass?'
    """

    model_config = ConfigDict(frozen=True)

    role: Role
    """Who speaks: system, user, assistant or tool."""
    content: str | tuple[ContentPart, ...] | None = None
    """The text, or its parts (text, images, documents; system and assistant messages take text
    parts only); None for an assistant message that only calls tools."""
    tool_calls: tuple[ToolCall, ...] = ()
    """Tool calls made by an assistant message."""
    tool_call_id: str | None = None
    """For a tool message: the id of the call this is the result of."""
    reasoning: tuple[ReasoningPart, ...] = Field(default=(), exclude_if=_is_empty)
    """An assistant message's reasoning, as the model gave it (``ChatResponse.reasoning``); sent
    back so that a tool loop keeps it (Anthropic requires its thinking blocks). Left out of the
    serialized message when empty."""

    @model_validator(mode="after")
    def _check_shape(self) -> Self:
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a tool message needs tool_call_id: the id of the call it answers")
        if self.tool_calls and self.role != "assistant":
            raise ValueError(f"only assistant messages carry tool_calls, not {self.role!r} ones")
        if self.reasoning and self.role != "assistant":
            raise ValueError(f"only assistant messages carry reasoning, not {self.role!r} ones")
        if self.role != "assistant" and (self.content is None or self.content == ()):
            raise ValueError(f"a {self.role} message needs content")
        if self.role in ("system", "assistant") and not isinstance(self.content, str | None):
            other = [part.type for part in self.content if not isinstance(part, TextPart)]
            if other:
                raise ValueError(
                    f"a {self.role} message takes text parts only, got {', '.join(other)}: put "
                    "images and documents in a user (or tool) message"
                )
        return self

    @property
    def text(self) -> str | None:
        """The content's text: the string itself, or the text parts joined."""
        return content_text(self.content)

    @classmethod
    def system(cls, content: str | Sequence[ContentPart]) -> Message:
        return cls(role="system", content=_as_content(content))

    @classmethod
    def user(cls, content: str | Sequence[ContentPart]) -> Message:
        return cls(role="user", content=_as_content(content))

    @classmethod
    def assistant(
        cls,
        content: str | None = None,
        tool_calls: tuple[ToolCall, ...] = (),
        *,
        reasoning: tuple[ReasoningPart, ...] = (),
    ) -> Message:
        return cls(role="assistant", content=content, tool_calls=tool_calls, reasoning=reasoning)

    @classmethod
    def tool(cls, tool_call_id: str, content: str | Sequence[ContentPart]) -> Message:
        return cls(role="tool", content=_as_content(content), tool_call_id=tool_call_id)


def _as_content(content: str | Sequence[ContentPart]) -> str | tuple[ContentPart, ...]:
    return content if isinstance(content, str) else tuple(content)


class Usage(BaseModel):
    """Token counts for one model call, with one meaning whatever the provider.

    ``input_tokens`` is every input token the request was billed for, cache reads and writes
    included: OpenAI's ``prompt_tokens``; for Anthropic ``input_tokens +
    cache_creation_input_tokens + cache_read_input_tokens``. The cache counts are parts of it,
    reported apart, and left out of the serialized usage when the provider did not give them.

    >>> Usage(input_tokens=1200, output_tokens=30, cache_read_tokens=1024).total_tokens
    1230
    """

    model_config = ConfigDict(frozen=True)

    input_tokens: int = 0
    """Every input token billed, cache reads and writes included."""
    output_tokens: int = 0
    """Tokens the model generated (reasoning included)."""
    cache_read_tokens: int | None = Field(default=None, exclude_if=_is_none)
    """Of ``input_tokens``, those read from the provider's prompt cache; None if not reported
    (OpenAI's ``prompt_tokens_details.cached_tokens``, Anthropic's ``cache_read_input_tokens``)."""
    cache_write_tokens: int | None = Field(default=None, exclude_if=_is_none)
    """Of ``input_tokens``, those written to the prompt cache; None if not reported
    (Anthropic's ``cache_creation_input_tokens``; OpenAI does not report them)."""

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class ChatResponse(BaseModel):
    """A model's answer, normalised across providers."""

    model_config = ConfigDict(frozen=True)

    content: str | None = None
    """The text of the answer. With no text it is None when the answer calls tools and ``""``
    when it does not, from ``chat()`` and ``stream()`` alike."""
    tool_calls: tuple[ToolCall, ...] = ()
    """The tool calls, in order."""
    finish_reason: FinishReason | None = None
    """Why generation stopped; None when the provider gave a reason agentkit does not know."""
    refusal: str | None = None
    """The provider's refusal text, when the model refused."""
    usage: Usage | None = None
    """Token counts, when the provider reported them."""
    model: str = ""
    """The model that answered, as the provider named it."""
    attempts: int = 1
    """HTTP attempts the call took, retries included (set by ``ModelAPI``'s retry loop)."""
    reasoning: tuple[ReasoningPart, ...] = Field(default=(), exclude_if=_is_empty)
    """The model's reasoning, in order: Anthropic's ``thinking`` / ``redacted_thinking`` blocks
    (with their signatures), an OpenAI-compatible server's ``reasoning_content``. Left out of the
    serialized response when empty."""

    @property
    def reasoning_text(self) -> str | None:
        """The readable reasoning joined, or None."""
        return reasoning_text(self.reasoning)

    def to_message(self) -> Message:
        """The assistant message to append to the history, reasoning included."""
        return Message.assistant(self.content, self.tool_calls, reasoning=self.reasoning)


class TextDelta(BaseModel):
    """A piece of streamed text."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["text"] = "text"
    text: str
    """The new text."""


class ReasoningDelta(BaseModel):
    """A piece of streamed reasoning (Anthropic's thinking, a server's ``reasoning_content``)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["reasoning"] = "reasoning"
    text: str
    """The new reasoning text."""


class ToolCallDelta(BaseModel):
    """A piece of a streamed tool call: the first delta of a call carries its id and name."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["tool_call"] = "tool_call"
    index: int
    """Which tool call of the answer this delta belongs to (0-based)."""
    id: str | None = None
    """The call id, on the call's first delta."""
    name: str | None = None
    """The tool name, on the call's first delta."""
    arguments: str = ""
    """The next fragment of the raw arguments string."""


StreamEvent = TextDelta | ReasoningDelta | ToolCallDelta | ChatResponse
"""What ``ModelAPI.stream`` yields: deltas, then exactly one final ``ChatResponse``."""
