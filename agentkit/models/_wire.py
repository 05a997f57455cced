"""What an adapter receives and must do: the request, the adapter protocol, shared helpers."""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentkit.models._classify import ClassifiedFailure, MalformedResponse
from agentkit.models._content import (
    ReasoningOrigin,
    ReasoningPart,
    RedactedThinkingPart,
    ThinkingPart,
)
from agentkit.models._types import (
    ChatResponse,
    FinishReason,
    Message,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
    Usage,
)

__all__ = [
    "PLACEHOLDER_BASE_URL",
    "PLACEHOLDER_KEY",
    "ChatRequest",
    "ProviderAdapter",
    "StreamAssembler",
    "ToolChoice",
    "answer_content",
    "declared_parameters",
    "dump_arguments",
    "merge_reasoning",
    "validate_answer",
    "validate_chunk",
    "with_extra_body",
]

PLACEHOLDER_KEY = "agentkit-no-key-configured"
PLACEHOLDER_BASE_URL = "http://model-endpoint.invalid/v1"
"""What an SDK gets when nothing is configured (fine offline); left empty, the SDKs would read
their own environment variables (``OPENAI_API_KEY``), which must not leak into a replay."""

ToolChoice = str | dict[str, Any]
"""``"auto"``, ``"none"``, ``"required"``, a tool's name, or OpenAI's ``{"type": "function", ...}``."""


class ChatRequest(BaseModel):
    """One chat request, provider-neutral: what ``ModelAPI`` hands a ``ProviderAdapter``."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    model: str
    """The model name as the provider gets it (a prefix that picked the provider removed)."""
    messages: tuple[Message, ...]
    """The conversation, oldest first."""
    tools: tuple[ToolSpec, ...] = ()
    """The tools the model may call."""
    tool_choice: ToolChoice | None = None
    """Whether and which tool the model must call; None leaves it to the provider."""
    infer_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Inference settings (temperature, max_tokens, ...) from ``ModelParams.infer_kwargs``."""
    response_format: dict[str, Any] | None = None
    """The provider's structured-output setting, sent as given (OpenAI-compatible only)."""


class ProviderAdapter(Protocol):
    """A provider behind its SDK, as ``ModelAPI`` drives it; implement this to add a backend.

    ``ModelAPI`` owns retries, deadlines and the circuit breaker: each ``chat`` or ``stream``
    call is one attempt (turn the SDK's own retries off), and ``classify`` tells the retry loop
    what every exception the adapter lets escape means. Register a factory of adapters with
    ``register_provider(AdapterProvider(name=..., adapter=...))``.

    >>> class EchoAdapter:
    ...     def __init__(self, *, base_url, api_key, http_client): ...
    ...     async def chat(self, request, *, timeout):
    ...         return ChatResponse(content=request.messages[-1].content, finish_reason="stop")
    ...     async def stream(self, request, *, timeout):
    ...         yield await self.chat(request, timeout=timeout)
    ...     def classify(self, exc, *, now_epoch):
    ...         return None
    ...     async def aclose(self): ...
    """

    async def chat(self, request: ChatRequest, *, timeout: float) -> ChatResponse:
        """One attempt at the answer; ``timeout`` is the attempt's budget in seconds."""
        ...

    def stream(self, request: ChatRequest, *, timeout: float) -> AsyncIterator[StreamEvent]:
        """One attempt, streamed: ``TextDelta``/``ToolCallDelta`` events, then exactly one
        ``ChatResponse``, equal to what ``chat`` returns for the same answer."""
        ...

    def classify(self, exc: BaseException, *, now_epoch: float | None) -> ClassifiedFailure | None:
        """What a failed attempt's exception means, or None when it is not a model-call failure
        (a bug: it propagates unchanged). ``now_epoch`` is the wall clock, for HTTP-date
        ``Retry-After`` values; ``classify_sdk_error`` handles the openai/anthropic/httpx2 ones."""
        ...

    async def aclose(self) -> None:
        """Close what the adapter opened; an ``http_client`` it was given belongs to the caller."""
        ...


WireT = TypeVar("WireT", bound=BaseModel)

Location = tuple[int | str, ...]
"""Where a validation error is, as pydantic gives it (``("choices", 0, "message", "content")``)."""


def validate_answer(
    answer: object,
    sdk_type: type[BaseModel],
    wire_model: type[WireT],
    what: str,
    *,
    in_the_answer: Callable[[Location], bool] = lambda loc: False,
) -> WireT:
    """The SDK's parsed answer checked against the shape we rely on, or ``MalformedResponse``.

    The SDKs parse leniently: a gateway's HTML page comes back as a ``str`` (docs/faults.md row 12)
    and a wrong shape as an object that fails later (row 14). Both become a clear failure here,
    retryable: a gateway may answer right next time. An answer that is a completion but whose
    message the model shaped unreadably (``in_the_answer`` says which locations are the model's)
    is deterministic, and not retried.
    """
    if not isinstance(answer, sdk_type):
        shown = repr(answer)[:200]
        raise MalformedResponse(f"expected {what}, got {type(answer).__name__}: {shown}")
    return validate_chunk(
        answer.model_dump(warnings=False), wire_model, what, in_the_answer=in_the_answer
    )


def validate_chunk(
    data: object,
    wire_model: type[WireT],
    what: str,
    *,
    in_the_answer: Callable[[Location], bool] = lambda loc: False,
) -> WireT:
    """``data`` (a dumped SDK object) as ``wire_model``, or ``MalformedResponse`` saying where it
    is wrong; not retryable when every error lies in the model's answer (``in_the_answer``)."""
    try:
        return wire_model.model_validate(data)
    except ValidationError as exc:
        deterministic = all(in_the_answer(error["loc"]) for error in exc.errors())
        raise MalformedResponse(
            f"{what} has the wrong shape: {exc}", retryable=not deterministic
        ) from None


def answer_content(text: str | None, has_tool_calls: bool) -> str | None:
    """The one rule for ``ChatResponse.content``: the text if there is any, else None beside
    tool calls and ``""`` without them (so an answer is never None with nothing in it)."""
    if text:
        return text
    return None if has_tool_calls else ""


def declared_parameters(create: Callable[..., Any]) -> frozenset[str]:
    """The keyword arguments an SDK method declares."""
    return frozenset(inspect.signature(create).parameters)


def with_extra_body(declared: frozenset[str], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Move the arguments the SDK method does not declare into ``extra_body``.

    SDK releases drop parameters (anthropic 2.x has no ``temperature`` argument) and
    compatible servers accept more than the SDK knows (``top_k``, ``repetition_penalty``); either
    way an ``infer_kwargs`` entry must still reach the request body.
    """
    known = {key: value for key, value in kwargs.items() if key in declared}
    extra = {key: value for key, value in kwargs.items() if key not in declared}
    if extra:
        known["extra_body"] = {**extra, **known.get("extra_body", {})}
    return known


def dump_arguments(value: object) -> str:
    """A tool call's arguments as the raw string agents see; objects are serialised compactly."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass
class _PartialCall:
    id: str | None = None
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass
class _PartialReasoning:
    origin: ReasoningOrigin
    texts: list[str] = field(default_factory=list)
    signature: str | None = None
    redacted: str | None = None

    def part(self) -> ReasoningPart:
        if self.redacted is not None:
            return RedactedThinkingPart(data=self.redacted)
        text = "".join(self.texts)
        return ThinkingPart(thinking=text, signature=self.signature, origin=self.origin)


@dataclass
class StreamAssembler:
    """Accumulates stream deltas into the ``ChatResponse`` that ``chat()`` would have returned.

    Tolerant by design (docs/faults.md rows 23 and 25): a delta without an index continues the current
    call unless it brings a new id, and a null first ``arguments`` counts as ``""``.
    """

    texts: list[str] = field(default_factory=list)
    calls: list[_PartialCall] = field(default_factory=list)
    reasoning: list[_PartialReasoning] = field(default_factory=list)
    finish_reason: FinishReason | None = None
    saw_finish: bool = False
    usage: Usage | None = None
    model: str = ""
    refusal: str | None = None

    def add_text(self, text: str) -> StreamEvent:
        self.texts.append(text)
        return TextDelta(text=text)

    def start_reasoning(
        self, origin: ReasoningOrigin = "thinking_block", *, redacted: str | None = None
    ) -> int:
        """Open a reasoning block (Anthropic's thinking or redacted_thinking); its index."""
        self.reasoning.append(_PartialReasoning(origin=origin, redacted=redacted))
        return len(self.reasoning) - 1

    def add_reasoning(
        self, text: str, index: int | None = None, origin: ReasoningOrigin = "thinking_block"
    ) -> StreamEvent:
        """Add reasoning text to block ``index``; without one, to the current block of the same
        ``origin`` (opened if need be), as ``merge_reasoning`` joins a whole answer's."""
        if index is None:
            last = self.reasoning[-1] if self.reasoning else None
            if last is None or last.redacted is not None or last.origin != origin:
                self.start_reasoning(origin)
            index = len(self.reasoning) - 1
        self.reasoning[index].texts.append(text)
        return ReasoningDelta(text=text)

    def sign_reasoning(self, index: int, signature: str) -> None:
        self.reasoning[index].signature = signature

    def add_tool_delta(
        self, index: int | None, call_id: str | None, name: str | None, arguments: str | None
    ) -> StreamEvent:
        if index is None:
            starts_new = not self.calls or (call_id is not None and call_id != self.calls[-1].id)
            index = len(self.calls) if starts_new else len(self.calls) - 1
        while len(self.calls) <= index:
            self.calls.append(_PartialCall())
        call = self.calls[index]
        if call_id:
            call.id = call_id
        if name and name != call.name:
            # OpenAI sends the name once; some servers split it, others repeat it whole.
            call.name += name
        if arguments:
            call.arguments.append(arguments)
        return ToolCallDelta(index=index, id=call_id, name=name, arguments=arguments or "")

    def finish(self, *, normalise_arguments: bool = False) -> ChatResponse:
        """The assembled response; a stream that never said why it stopped was cut short."""
        if not self.saw_finish:
            raise MalformedResponse(
                "the stream ended without a finish reason: it was cut short (docs/faults.md row 5)"
            )
        tool_calls = []
        for number, call in enumerate(self.calls):
            raw = "".join(call.arguments)
            if normalise_arguments:
                raw = _normalise_json(raw)
            tool_calls.append(
                ToolCall(id=call.id or f"call_{number}", name=call.name, arguments=raw)
            )
        return ChatResponse(
            content=answer_content("".join(self.texts), bool(tool_calls)),
            tool_calls=tuple(tool_calls),
            finish_reason=self.finish_reason,
            refusal=self.refusal,
            usage=self.usage,
            model=self.model,
            reasoning=tuple(partial.part() for partial in self.reasoning),
        )


def merge_reasoning(pieces: list[tuple[ReasoningOrigin, str]]) -> tuple[ReasoningPart, ...]:
    """Unsigned reasoning pieces as parts: consecutive pieces of one origin form one part (a
    stream cannot tell where one ended), so ``chat()`` and ``stream()`` agree."""
    parts: list[ThinkingPart] = []
    for origin, text in pieces:
        if not text:
            continue
        if parts and parts[-1].origin == origin:
            parts[-1] = parts[-1].model_copy(update={"thinking": parts[-1].thinking + text})
        else:
            parts.append(ThinkingPart(thinking=text, origin=origin))
    return tuple(parts)


def _normalise_json(raw: str) -> str:
    """Re-serialise JSON compactly (as ``dump_arguments`` does); leave broken JSON as it came."""
    if not raw.strip():
        return dump_arguments({})
    try:
        return dump_arguments(json.loads(raw))
    except json.JSONDecodeError:
        return raw
