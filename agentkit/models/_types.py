"""Provider-neutral chat types: what agents send to and receive from a model.

Every provider adapter converts to and from these, so an agent never sees an SDK object.
"""

from __future__ import annotations

import json
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ChatResponse",
    "FinishReason",
    "Message",
    "Role",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolCallDelta",
    "ToolSpec",
    "Usage",
]

Role = Literal["system", "user", "assistant", "tool"]

FinishReason = Literal["stop", "length", "tool_calls", "content_filter"]
"""Why the model stopped, in OpenAI's vocabulary; Anthropic's stop reasons are mapped onto it."""


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
    """One chat message.

    >>> Message.user("Book a flight to Oslo").role
    'user'
    """

    model_config = ConfigDict(frozen=True)

    role: Role
    """Who speaks: system, user, assistant or tool."""
    content: str | None = None
    """The text; None for an assistant message that only calls tools."""
    tool_calls: tuple[ToolCall, ...] = ()
    """Tool calls made by an assistant message."""
    tool_call_id: str | None = None
    """For a tool message: the id of the call this is the result of."""

    @model_validator(mode="after")
    def _check_shape(self) -> Self:
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a tool message needs tool_call_id: the id of the call it answers")
        if self.tool_calls and self.role != "assistant":
            raise ValueError(f"only assistant messages carry tool_calls, not {self.role!r} ones")
        if self.role != "assistant" and self.content is None:
            raise ValueError(f"a {self.role} message needs content")
        return self

    @classmethod
    def system(cls, content: str) -> Message:
        return cls(role="system", content=content)

    @classmethod
    def user(cls, content: str) -> Message:
        return cls(role="user", content=content)

    @classmethod
    def assistant(
        cls, content: str | None = None, tool_calls: tuple[ToolCall, ...] = ()
    ) -> Message:
        return cls(role="assistant", content=content, tool_calls=tool_calls)

    @classmethod
    def tool(cls, tool_call_id: str, content: str) -> Message:
        return cls(role="tool", content=content, tool_call_id=tool_call_id)


class Usage(BaseModel):
    """Token counts for one model call."""

    model_config = ConfigDict(frozen=True)

    input_tokens: int = 0
    """Tokens in the prompt."""
    output_tokens: int = 0
    """Tokens the model generated."""

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class ChatResponse(BaseModel):
    """A model's answer, normalised across providers."""

    model_config = ConfigDict(frozen=True)

    content: str | None = None
    """The text of the answer, or None when the model only called tools or said nothing."""
    tool_calls: tuple[ToolCall, ...] = ()
    """The tool calls, in order."""
    finish_reason: FinishReason | None = None
    """Why generation stopped; None when the provider did not say."""
    refusal: str | None = None
    """The provider's refusal text, when the model refused."""
    usage: Usage | None = None
    """Token counts, when the provider reported them."""
    model: str = ""
    """The model that answered, as the provider named it."""
    attempts: int = 1
    """HTTP attempts the call took, retries included (set by ``ModelAPI``'s retry loop)."""

    def to_message(self) -> Message:
        """The assistant message to append to the history."""
        return Message.assistant(self.content, self.tool_calls)


class TextDelta(BaseModel):
    """A piece of streamed text."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["text"] = "text"
    text: str
    """The new text."""


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


StreamEvent = TextDelta | ToolCallDelta | ChatResponse
"""What ``ModelAPI.stream`` yields: deltas, then exactly one final ``ChatResponse``."""
