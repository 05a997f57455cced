"""The adapter for Anthropic's Messages API, via ``anthropic``.

Mapped both ways: system messages become the ``system`` parameter, assistant tool calls become
``tool_use`` blocks (after the turn's thinking blocks, sent back unmodified), tool messages become
``tool_result`` blocks in a user turn, content parts become ``text`` / ``image`` / ``document``
blocks, and stop reasons are translated to finish reasons.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx2
from anthropic.types import Message as AnthropicMessage
from pydantic import BaseModel

from agentkit._errors import UsageError
from agentkit.models._classify import ClassifiedFailure, MalformedResponse, classify_sdk_error
from agentkit.models._content import RedactedThinkingPart, ThinkingPart
from agentkit.models._types import ChatResponse, FinishReason, Message, StreamEvent, ToolCall, Usage
from agentkit.models._wire import (
    PLACEHOLDER_BASE_URL,
    PLACEHOLDER_KEY,
    ChatRequest,
    Location,
    StreamAssembler,
    ToolChoice,
    answer_content,
    declared_parameters,
    dump_arguments,
    validate_answer,
    validate_chunk,
    with_extra_body,
)

__all__ = ["AnthropicAdapter", "to_anthropic_messages"]

_DEFAULT_MAX_TOKENS = 1024
"""Anthropic requires ``max_tokens``; used when ``infer_kwargs`` does not set it."""

_STOP_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "pause_turn",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "refusal",
}


def to_anthropic_messages(messages: tuple[Message, ...]) -> tuple[str | None, list[dict[str, Any]]]:
    """Our messages as Anthropic's ``(system, messages)``; string content goes as it is."""
    system = [m.text for m in messages if m.role == "system" and m.text]
    wire: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        if message.role == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id,
                "content": _content(message),
            }
            previous = wire[-1] if wire else None
            # Results of one turn's calls travel together in a single user turn.
            if previous and previous["role"] == "user" and isinstance(previous["content"], list):
                previous["content"].append(block)
            else:
                wire.append({"role": "user", "content": [block]})
        elif message.role == "assistant":
            wire.append({"role": "assistant", "content": _assistant_blocks(message)})
        else:
            wire.append({"role": "user", "content": _content(message)})
    return ("\n\n".join(system) if system else None), wire


def _content(message: Message) -> str | list[dict[str, Any]] | None:
    if message.content is None or isinstance(message.content, str):
        return message.content
    return [part.to_anthropic() for part in message.content]


def _assistant_blocks(message: Message) -> list[dict[str, Any]]:
    # Thinking first, exactly as received: Anthropic checks the signatures, and extended
    # thinking with tool use refuses a follow-up whose tool_use lost its thinking block.
    # Unsigned reasoning (another provider's) cannot be sent and is left out.
    blocks: list[dict[str, Any]] = []
    for part in message.reasoning:
        if isinstance(part, RedactedThinkingPart):
            blocks.append({"type": "redacted_thinking", "data": part.data})
        elif part.signature is not None and part.origin == "thinking_block":
            blocks.append(
                {"type": "thinking", "thinking": part.thinking, "signature": part.signature}
            )
    if message.text:
        blocks.append({"type": "text", "text": message.text})
    for call in message.tool_calls:
        blocks.append(
            {
                "type": "tool_use",
                "id": call.id,
                "name": call.name,
                "input": call.parsed_arguments or {},
            }
        )
    return blocks


def _tool_choice(choice: ToolChoice) -> dict[str, Any]:
    if isinstance(choice, dict):
        function = choice.get("function")
        if isinstance(function, dict) and "name" in function:
            return {"type": "tool", "name": function["name"]}
        return choice
    named = {"auto": "auto", "required": "any", "none": "none"}
    if choice in named:
        return {"type": named[choice]}
    return {"type": "tool", "name": choice}


class _WireBlock(BaseModel):
    type: str
    text: str | None = None
    id: str | None = None
    name: str | None = None
    input: Any = None
    thinking: str | None = None
    signature: str | None = None
    data: str | None = None


class _WireUsage(BaseModel):
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None

    def update(self, newer: _WireUsage) -> None:
        """Take ``newer``'s counts where it has them: a message_delta's are cumulative totals
        that supersede message_start's, and it leaves out those that do not apply."""
        for name, value in newer:
            if value is not None:
                setattr(self, name, value)

    def usage(self) -> Usage:
        """Usage in agentkit's meaning: cache reads and writes count as input."""
        read, written = self.cache_read_input_tokens, self.cache_creation_input_tokens
        return Usage(
            input_tokens=(self.input_tokens or 0) + (read or 0) + (written or 0),
            output_tokens=self.output_tokens or 0,
            cache_read_tokens=read,
            cache_write_tokens=written,
        )


class _WireMessage(BaseModel):
    model: str = ""
    content: list[_WireBlock]
    stop_reason: str | None = None
    usage: _WireUsage | None = None


class _WireDelta(BaseModel):
    type: str | None = None
    text: str | None = None
    partial_json: str | None = None
    thinking: str | None = None
    signature: str | None = None
    stop_reason: str | None = None


class _WireEvent(BaseModel):
    type: str | None = None
    index: int | None = None
    message: _WireMessage | None = None
    content_block: _WireBlock | None = None
    delta: _WireDelta | None = None
    usage: _WireUsage | None = None


def _in_a_block(loc: Location) -> bool:
    # A block the model shaped unreadably comes back the same: not retried. A body whose
    # content is not a list at all is a gateway's doing (docs/faults.md row 14).
    return (len(loc) > 1 and loc[0] == "content") or loc[:1] in (("content_block",), ("delta",))


def _response_from(message: object) -> ChatResponse:
    wire = validate_answer(
        message, AnthropicMessage, _WireMessage, "an Anthropic message", in_the_answer=_in_a_block
    )
    texts = [block.text for block in wire.content if block.type == "text" and block.text]
    calls = tuple(
        ToolCall(
            id=block.id or f"call_{number}",
            name=block.name or "",
            arguments=dump_arguments(block.input if block.input is not None else {}),
        )
        for number, block in enumerate(b for b in wire.content if b.type == "tool_use")
    )
    reasoning = tuple(
        RedactedThinkingPart(data=block.data or "")
        if block.type == "redacted_thinking"
        else ThinkingPart(thinking=block.thinking or "", signature=block.signature)
        for block in wire.content
        if block.type in ("thinking", "redacted_thinking")
    )
    finish = _STOP_REASONS.get(wire.stop_reason or "")
    refusal = ("".join(texts) or "refused") if wire.stop_reason == "refusal" else None
    return ChatResponse(
        content=answer_content("".join(texts), bool(calls)),
        tool_calls=calls,
        finish_reason=finish,
        refusal=refusal,
        usage=wire.usage.usage() if wire.usage else None,
        model=wire.model,
        reasoning=reasoning,
    )


class AnthropicAdapter:
    """Messages over ``anthropic.AsyncAnthropic`` with the SDK's own retries off."""

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        http_client: httpx2.AsyncClient | None,
    ) -> None:
        self._client = anthropic.AsyncAnthropic(
            base_url=base_url or PLACEHOLDER_BASE_URL,
            api_key=api_key or PLACEHOLDER_KEY,
            max_retries=0,
            http_client=http_client,
        )
        # The SDK would close an injected client too; that one belongs to whoever passed it in.
        self._owns_client = http_client is None
        self._declared = declared_parameters(self._client.messages.create)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.close()

    def classify(self, exc: BaseException, *, now_epoch: float | None) -> ClassifiedFailure | None:
        return classify_sdk_error(exc, now_epoch=now_epoch)

    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        system, messages = to_anthropic_messages(request.messages)
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": messages,
            "max_tokens": _DEFAULT_MAX_TOKENS,
        }
        if system is not None:
            kwargs["system"] = system
        if request.tools:
            kwargs["tools"] = [tool.to_anthropic() for tool in request.tools]
        if request.tool_choice is not None:
            kwargs["tool_choice"] = _tool_choice(request.tool_choice)
        if request.response_format is not None:
            raise UsageError(
                "Anthropic's Messages API has no response_format: constrain the answer with a "
                "forced tool instead (tool_choice=<tool name>; ToolEnabledLLMAgent(constrained="
                "True) does this)"
            )
        kwargs.update(request.infer_kwargs)
        return with_extra_body(self._declared, kwargs)

    async def chat(self, request: ChatRequest, *, timeout: float) -> ChatResponse:
        message = await self._client.messages.create(**self._arguments(request), timeout=timeout)
        return _response_from(message)

    async def stream(self, request: ChatRequest, *, timeout: float) -> AsyncIterator[StreamEvent]:
        events = await self._client.messages.create(
            **self._arguments(request), stream=True, timeout=timeout
        )
        assembler = StreamAssembler()
        tool_index: dict[int, int] = {}
        reasoning_index: dict[int, int] = {}
        usage = _WireUsage()
        stop_reason: str | None = None
        async with events:
            async for raw in events:
                event = _event_from(raw)
                if event.type == "message_start" and event.message is not None:
                    assembler.model = event.message.model
                    usage.update(event.message.usage or _WireUsage())
                elif event.type == "content_block_start" and event.content_block is not None:
                    for delta in _block_started(event, assembler, tool_index, reasoning_index):
                        yield delta
                elif event.type == "content_block_delta" and event.delta is not None:
                    for delta in _block_delta(event, assembler, tool_index, reasoning_index):
                        yield delta
                elif event.type == "message_delta":
                    stop_reason = event.delta.stop_reason if event.delta else None
                    usage.update(event.usage or _WireUsage())
                elif event.type == "message_stop":
                    assembler.saw_finish = True
        assembler.finish_reason = _STOP_REASONS.get(stop_reason or "")
        assembler.usage = usage.usage()
        texts = "".join(assembler.texts)
        if stop_reason == "refusal":
            assembler.refusal = texts or "refused"
        yield assembler.finish(normalise_arguments=True)


def _event_from(event: object) -> _WireEvent:
    if not isinstance(event, BaseModel):
        shown = repr(event)[:200]
        raise MalformedResponse(f"expected an Anthropic stream event, got {shown}")
    return validate_chunk(
        event.model_dump(warnings=False),
        _WireEvent,
        f"an Anthropic {getattr(event, 'type', '')} event",
        in_the_answer=_in_a_block,
    )


def _block_started(
    event: _WireEvent,
    assembler: StreamAssembler,
    tool_index: dict[int, int],
    reasoning_index: dict[int, int],
) -> list[StreamEvent]:
    block, index = event.content_block, event.index
    if block is None or index is None:
        return []
    if block.type == "tool_use":
        tool_index[index] = len(tool_index)
        return [assembler.add_tool_delta(tool_index[index], block.id, block.name, None)]
    if block.type == "redacted_thinking":
        reasoning_index[index] = assembler.start_reasoning(redacted=block.data or "")
    elif block.type == "thinking":
        reasoning_index[index] = assembler.start_reasoning()
        if block.signature:
            assembler.sign_reasoning(reasoning_index[index], block.signature)
        if block.thinking:
            return [assembler.add_reasoning(block.thinking, reasoning_index[index])]
    elif block.type == "text" and block.text:
        return [assembler.add_text(block.text)]
    return []


def _block_delta(
    event: _WireEvent,
    assembler: StreamAssembler,
    tool_index: dict[int, int],
    reasoning_index: dict[int, int],
) -> list[StreamEvent]:
    delta, index = event.delta, event.index
    if delta is None:
        return []
    if delta.type == "text_delta" and delta.text:
        return [assembler.add_text(delta.text)]
    if delta.type == "input_json_delta" and index in tool_index:
        return [assembler.add_tool_delta(tool_index[index], None, None, delta.partial_json)]
    if index in reasoning_index:
        if delta.type == "thinking_delta" and delta.thinking:
            return [assembler.add_reasoning(delta.thinking, reasoning_index[index])]
        if delta.type == "signature_delta" and delta.signature:
            assembler.sign_reasoning(reasoning_index[index], delta.signature)
    return []
