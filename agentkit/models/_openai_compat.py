"""The adapter for OpenAI-compatible endpoints (the proxy, Stepcast, any one registered), via ``openai``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast, get_args

import httpx2
import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from agentkit.models._classify import ClassifiedFailure, MalformedResponse, classify_sdk_error
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

__all__ = ["OpenAICompatAdapter", "to_openai_messages"]

_FINISH_REASONS = frozenset(get_args(FinishReason))


def to_openai_messages(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    """Our messages in the chat-completions wire form."""
    wire: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "tool":
            wire.append(
                {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
            )
        elif message.role == "assistant":
            # Always present and never null: llama.cpp's server rejects a null content, and its
            # chat templates read the key (a missing one is a 500, "'dict object' has no
            # attribute 'content'"). OpenAI takes "" beside tool calls.
            entry: dict[str, Any] = {"role": "assistant", "content": message.content or ""}
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
            wire.append({"role": message.role, "content": message.content})
    return wire


def _tool_choice(choice: ToolChoice | None) -> Any:
    if choice is None or isinstance(choice, dict) or choice in ("auto", "none", "required"):
        return choice
    return {"type": "function", "function": {"name": choice}}


def _finish_reason(value: str | None) -> FinishReason | None:
    if value == "function_call":
        return "tool_calls"
    return cast(FinishReason, value) if value in _FINISH_REASONS else None


# The completion as we accept it: lenient where real servers are (arguments as a dict, missing
# ids), strict where a wrong shape would otherwise blow up later (docs/faults.md row 14).
class _WireFunction(BaseModel):
    name: str = ""
    arguments: str | dict[str, Any] | list[Any] | None = None


class _WireToolCall(BaseModel):
    id: str | None = None
    function: _WireFunction


class _WireMessage(BaseModel):
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[_WireToolCall] | None = None


class _WireChoice(BaseModel):
    message: _WireMessage
    finish_reason: str | None = None


class _WireUsage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class _WireCompletion(BaseModel):
    model: str = ""
    choices: list[_WireChoice]
    usage: _WireUsage | None = None


def _response_from(completion: object) -> ChatResponse:
    wire = validate_answer(completion, ChatCompletion, _WireCompletion, "a chat completion")
    if not wire.choices:
        # Nothing to retry into: a provider that filters an answer away sends no choices.
        raise MalformedResponse("the chat completion has no choices", retryable=False)
    choice = wire.choices[0]
    calls = tuple(
        ToolCall(
            id=call.id or f"call_{number}",
            name=call.function.name,
            arguments=dump_arguments(call.function.arguments),
        )
        for number, call in enumerate(choice.message.tool_calls or ())
    )
    usage = wire.usage
    return ChatResponse(
        content=choice.message.content,
        tool_calls=calls,
        finish_reason=_finish_reason(choice.finish_reason),
        refusal=choice.message.refusal,
        usage=Usage(input_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens)
        if usage
        else None,
        model=wire.model,
    )


class OpenAICompatAdapter:
    """Chat completions over ``openai.AsyncOpenAI`` with the SDK's own retries off."""

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        http_client: httpx2.AsyncClient | None,
    ) -> None:
        self._client = openai.AsyncOpenAI(
            base_url=base_url or PLACEHOLDER_BASE_URL,
            api_key=api_key or PLACEHOLDER_KEY,
            max_retries=0,
            http_client=http_client,
        )
        # The SDK would close an injected client too; that one belongs to whoever passed it in.
        self._owns_client = http_client is None
        self._declared = declared_parameters(self._client.chat.completions.create)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.close()

    def classify(self, exc: BaseException, *, now_epoch: float | None) -> ClassifiedFailure | None:
        return classify_sdk_error(exc, now_epoch=now_epoch)

    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": to_openai_messages(request.messages),
        }
        if request.tools:
            kwargs["tools"] = [tool.to_openai() for tool in request.tools]
        if request.tool_choice is not None:
            kwargs["tool_choice"] = _tool_choice(request.tool_choice)
        if request.response_format is not None:
            kwargs["response_format"] = request.response_format
        kwargs.update(request.infer_kwargs)
        return with_extra_body(self._declared, kwargs)

    async def chat(self, request: ChatRequest, *, timeout: float) -> ChatResponse:
        completion = await self._client.chat.completions.create(
            **self._arguments(request), timeout=timeout
        )
        return _response_from(completion)

    async def stream(self, request: ChatRequest, *, timeout: float) -> AsyncIterator[StreamEvent]:
        kwargs = self._arguments(request)
        kwargs["stream"] = True
        # Without it the stream carries no token counts, and the result would differ from chat().
        kwargs.setdefault("stream_options", {"include_usage": True})
        chunks = await self._client.chat.completions.create(**kwargs, timeout=timeout)
        assembler = StreamAssembler()
        async with chunks:
            async for chunk in chunks:
                assembler.model = getattr(chunk, "model", "") or assembler.model
                usage = getattr(chunk, "usage", None)
                if usage is not None:
                    assembler.usage = Usage(
                        input_tokens=usage.prompt_tokens or 0,
                        output_tokens=usage.completion_tokens or 0,
                    )
                for choice in getattr(chunk, "choices", None) or ():
                    for event in _events_of(choice, assembler):
                        yield event
        yield assembler.finish()


def _events_of(choice: Any, assembler: StreamAssembler) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    delta = getattr(choice, "delta", None)
    if delta is not None:
        if getattr(delta, "content", None):
            events.append(assembler.add_text(delta.content))
        refusal = getattr(delta, "refusal", None)
        if refusal:
            assembler.refusal = (assembler.refusal or "") + refusal
        for call in getattr(delta, "tool_calls", None) or ():
            function = getattr(call, "function", None)
            events.append(
                assembler.add_tool_delta(
                    getattr(call, "index", None),
                    getattr(call, "id", None),
                    getattr(function, "name", None),
                    dump_arguments(getattr(function, "arguments", None)),
                )
            )
    finish = getattr(choice, "finish_reason", None)
    if finish is not None:
        assembler.saw_finish = True
        assembler.finish_reason = _finish_reason(finish)
    return events
