"""The adapter for Anthropic's Messages API, via ``anthropic``.

Mapped both ways: system messages become the ``system`` parameter, assistant tool calls become
``tool_use`` blocks, tool messages become ``tool_result`` blocks in a user turn, and stop reasons
are translated to OpenAI's finish reasons.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx2
from anthropic.types import Message as AnthropicMessage
from pydantic import BaseModel

from agentkit._errors import UsageError
from agentkit.models._classify import ClassifiedFailure, classify_sdk_error
from agentkit.models._types import ChatResponse, FinishReason, Message, StreamEvent, ToolCall, Usage
from agentkit.models._wire import (
    PLACEHOLDER_BASE_URL,
    PLACEHOLDER_KEY,
    ChatRequest,
    StreamAssembler,
    ToolChoice,
    declared_parameters,
    dump_arguments,
    validate_answer,
    with_extra_body,
)

__all__ = ["AnthropicAdapter", "to_anthropic_messages"]

_DEFAULT_MAX_TOKENS = 1024
"""Anthropic requires ``max_tokens``; used when ``infer_kwargs`` does not set it."""

_STOP_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def to_anthropic_messages(messages: tuple[Message, ...]) -> tuple[str | None, list[dict[str, Any]]]:
    """Our messages as Anthropic's ``(system, messages)``."""
    system = [m.content for m in messages if m.role == "system" and m.content]
    wire: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        if message.role == "tool":
            block = {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id,
                "content": message.content,
            }
            previous = wire[-1] if wire else None
            # Results of one turn's calls travel together in a single user turn.
            if previous and previous["role"] == "user" and isinstance(previous["content"], list):
                previous["content"].append(block)
            else:
                wire.append({"role": "user", "content": [block]})
        elif message.role == "assistant":
            blocks: list[dict[str, Any]] = []
            if message.content:
                blocks.append({"type": "text", "text": message.content})
            for call in message.tool_calls:
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": call.id,
                        "name": call.name,
                        "input": call.parsed_arguments or {},
                    }
                )
            wire.append({"role": "assistant", "content": blocks})
        else:
            wire.append({"role": "user", "content": message.content})
    return ("\n\n".join(system) if system else None), wire


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


class _WireUsage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0


class _WireMessage(BaseModel):
    model: str = ""
    content: list[_WireBlock]
    stop_reason: str | None = None
    usage: _WireUsage | None = None


def _response_from(message: object) -> ChatResponse:
    wire = validate_answer(message, AnthropicMessage, _WireMessage, "an Anthropic message")
    texts = [block.text for block in wire.content if block.type == "text" and block.text]
    calls = tuple(
        ToolCall(
            id=block.id or f"call_{number}",
            name=block.name or "",
            arguments=dump_arguments(block.input if block.input is not None else {}),
        )
        for number, block in enumerate(b for b in wire.content if b.type == "tool_use")
    )
    finish = _STOP_REASONS.get(wire.stop_reason or "")
    refusal = ("".join(texts) or "refused") if wire.stop_reason == "refusal" else None
    return ChatResponse(
        content="".join(texts) or None,
        tool_calls=calls,
        finish_reason=finish,
        refusal=refusal,
        usage=Usage(input_tokens=wire.usage.input_tokens, output_tokens=wire.usage.output_tokens)
        if wire.usage
        else None,
        model=wire.model,
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
        usage = _WireUsage()
        stop_reason: str | None = None
        async with events:
            async for event in events:
                kind = getattr(event, "type", None)
                if kind == "message_start":
                    assembler.model = event.message.model
                    usage.input_tokens = event.message.usage.input_tokens
                elif kind == "content_block_start" and event.content_block.type == "tool_use":
                    tool_index[event.index] = len(tool_index)
                    block = event.content_block
                    yield assembler.add_tool_delta(
                        tool_index[event.index], block.id, block.name, None
                    )
                elif kind == "content_block_delta":
                    delta = event.delta
                    if delta.type == "text_delta":
                        yield assembler.add_text(delta.text)
                    elif delta.type == "input_json_delta" and event.index in tool_index:
                        yield assembler.add_tool_delta(
                            tool_index[event.index], None, None, delta.partial_json
                        )
                elif kind == "message_delta":
                    stop_reason = event.delta.stop_reason
                    usage.output_tokens = event.usage.output_tokens
                elif kind == "message_stop":
                    assembler.saw_finish = True
        assembler.finish_reason = _STOP_REASONS.get(stop_reason or "")
        assembler.usage = Usage(input_tokens=usage.input_tokens, output_tokens=usage.output_tokens)
        texts = "".join(assembler.texts)
        if stop_reason == "refusal":
            assembler.refusal = texts or "refused"
        yield assembler.finish(normalise_arguments=True)
