"""The adapter for OpenAI-compatible endpoints (the proxy, Stepcast, any one registered), via ``openai``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx2
import openai
from openai._streaming import ServerSentEvent, SSEBytesDecoder, SSEDecoder
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from agentkit.models._classify import ClassifiedFailure, MalformedResponse, classify_sdk_error
from agentkit.models._openai_wire import (
    WireChunk,
    WireCompletion,
    WireDelta,
    finish_reason,
    split_content,
    to_openai_messages,
    usage_from,
)
from agentkit.models._types import ChatResponse, StreamEvent, ToolCall
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
    merge_reasoning,
    validate_answer,
    validate_chunk,
    with_extra_body,
)

__all__ = ["OpenAICompatAdapter", "to_openai_messages"]


def _tool_choice(choice: ToolChoice | None) -> Any:
    if choice is None or isinstance(choice, dict) or choice in ("auto", "none", "required"):
        return choice
    return {"type": "function", "function": {"name": choice}}


def _in_message(loc: Location) -> bool:
    # The completion parsed, but the model's own message did not: the same answer would come
    # back, so it is not retried (unlike choices: "x", docs/faults.md row 14).
    return "message" in loc


def _in_delta(loc: Location) -> bool:
    return "delta" in loc


def _response_from(completion: object) -> ChatResponse:
    wire = validate_answer(
        completion, ChatCompletion, WireCompletion, "a chat completion", in_the_answer=_in_message
    )
    if not wire.choices:
        # Nothing to retry into: a provider that filters an answer away sends no choices.
        raise MalformedResponse("the chat completion has no choices", retryable=False)
    choice = wire.choices[0]
    message = choice.message
    calls = tuple(
        ToolCall(
            id=call.id or f"call_{number}",
            name=(call.function.name if call.function else None) or "",
            arguments=dump_arguments(call.function.arguments if call.function else None),
        )
        for number, call in enumerate(message.tool_calls or ())
    )
    text, reasoning = split_content(message.content)
    if message.reasoning_content:
        reasoning.append(("reasoning_content", message.reasoning_content))
    return ChatResponse(
        content=answer_content(text, bool(calls)),
        tool_calls=calls,
        finish_reason=finish_reason(choice.finish_reason, has_tool_calls=bool(calls)),
        refusal=message.refusal,
        usage=usage_from(wire.usage),
        model=wire.model,
        reasoning=merge_reasoning(reasoning),
    )


@dataclass
class _StreamEnd:
    done: bool = False
    """Whether the server ended the stream with ``data: [DONE]``."""


# The stream being opened in this context; its decoder reports [DONE] here. Set only around
# the create() call that builds the stream (and so its decoder), never across a yield.
_stream_end: ContextVar[_StreamEnd | None] = ContextVar("agentkit_stream_end", default=None)


class _EndWatchingDecoder:
    """The SDK's SSE decoder, noting whether the stream ended with ``[DONE]`` (the SDK stops
    there without saying, and a stream cut short just stops)."""

    def __init__(self, inner: SSEDecoder | SSEBytesDecoder, end: _StreamEnd) -> None:
        self._inner = inner
        self._end = end

    def _note(self, sse: ServerSentEvent) -> ServerSentEvent:
        if sse.data.startswith("[DONE]"):
            self._end.done = True
        return sse

    def iter_bytes(self, iterator: Iterator[bytes]) -> Iterator[ServerSentEvent]:
        for sse in self._inner.iter_bytes(iterator):
            yield self._note(sse)

    async def aiter_bytes(self, iterator: AsyncIterator[bytes]) -> AsyncIterator[ServerSentEvent]:
        async for sse in self._inner.aiter_bytes(iterator):
            yield self._note(sse)


class _OpenAIClient(openai.AsyncOpenAI):
    """``AsyncOpenAI`` whose streams say whether they ended with ``[DONE]``.

    ``_make_sse_decoder`` is the SDKs' hook for a stream's decoder (Bedrock's client overrides
    it); the SDK calls it when it builds each stream.
    """

    def _make_sse_decoder(self) -> SSEDecoder | SSEBytesDecoder:
        decoder = super()._make_sse_decoder()
        end = _stream_end.get()
        return decoder if end is None else _EndWatchingDecoder(decoder, end)


class OpenAICompatAdapter:
    """Chat completions over ``openai.AsyncOpenAI`` with the SDK's own retries off."""

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        http_client: httpx2.AsyncClient | None,
    ) -> None:
        self._client = _OpenAIClient(
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
        end = _StreamEnd()
        token = _stream_end.set(end)
        try:
            chunks = await self._client.chat.completions.create(**kwargs, timeout=timeout)
        finally:
            _stream_end.reset(token)
        assembler = StreamAssembler()
        reason: str | None = None
        answered = False
        async with chunks:
            async for chunk in chunks:
                wire = _chunk_from(chunk)
                assembler.model = wire.model or assembler.model
                if wire.usage is not None:
                    assembler.usage = usage_from(wire.usage)
                for choice in wire.choices or ():
                    answered = True
                    for event in _events_of(choice.delta, assembler):
                        yield event
                    if choice.finish_reason is not None:
                        assembler.saw_finish = True
                        reason = choice.finish_reason
        if end.done and answered:
            # [DONE] after an answer but no finish_reason (Snowflake Cortex, some OpenRouter
            # providers): complete, as chat() takes finish_reason "". Without [DONE], cut short.
            assembler.saw_finish = True
        assembler.finish_reason = finish_reason(reason, has_tool_calls=bool(assembler.calls))
        yield assembler.finish()


def _chunk_from(chunk: object) -> WireChunk:
    if not isinstance(chunk, BaseModel):
        shown = repr(chunk)[:200]
        raise MalformedResponse(
            f"expected a chat completion chunk, got {type(chunk).__name__}: {shown}"
        )
    return validate_chunk(
        chunk.model_dump(warnings=False),
        WireChunk,
        "a chat completion chunk",
        in_the_answer=_in_delta,
    )


def _events_of(delta: WireDelta | None, assembler: StreamAssembler) -> list[StreamEvent]:
    if delta is None:
        return []
    events: list[StreamEvent] = []
    text, reasoning = split_content(delta.content)
    for origin, piece in reasoning:
        if piece:
            events.append(assembler.add_reasoning(piece, origin=origin))
    if delta.reasoning_content:
        events.append(assembler.add_reasoning(delta.reasoning_content, origin="reasoning_content"))
    if text:
        events.append(assembler.add_text(text))
    if delta.refusal:
        assembler.refusal = (assembler.refusal or "") + delta.refusal
    for call in delta.tool_calls or ():
        function = call.function
        events.append(
            assembler.add_tool_delta(
                call.index,
                call.id,
                function.name if function else None,
                dump_arguments(function.arguments if function else None),
            )
        )
    return events
