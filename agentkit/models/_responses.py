"""The adapter for OpenAI's Responses API (``POST {base}/responses``), via ``openai``.

``chat()`` and ``stream()`` give the same ``ChatResponse`` as the chat-completions adapter would
for the same answer: text, function calls, reasoning items, usage and finish reason. A stream's
final answer is read from its ``response.completed`` (or ``response.incomplete``) event, the same
object ``chat()`` gets, so the two agree by construction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx2
import openai
from openai.types.responses import Response
from pydantic import BaseModel

from agentkit.models._classify import ClassifiedFailure, MalformedResponse, classify_sdk_error
from agentkit.models._responses_wire import (
    WireEvent,
    WireResponse,
    function_tool,
    in_an_item,
    infer_arguments,
    response_from_wire,
    text_format,
    to_responses_input,
    tool_choice,
)
from agentkit.models._types import (
    ChatResponse,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
)
from agentkit.models._wire import (
    PLACEHOLDER_BASE_URL,
    PLACEHOLDER_KEY,
    ChatRequest,
    declared_parameters,
    dump_arguments,
    validate_answer,
    validate_chunk,
    with_extra_body,
)

__all__ = ["ResponsesAdapter"]

# The HTTP status each documented Responses error code stands for, for an error that arrives
# in a 200 answer (a ``response.failed`` event, a failed response, a stream ``error`` event):
# it is classified as that status would be. An unknown code is retried, as the chat path does.
_IMAGE_ERRORS = (
    "invalid_image",
    "invalid_image_format",
    "invalid_base64_image",
    "invalid_image_url",
    "image_too_large",
    "image_too_small",
    "image_parse_error",
    "image_content_policy_violation",
    "invalid_image_mode",
    "image_file_too_large",
    "unsupported_image_media_type",
    "empty_image_file",
    "failed_to_download_image",
    "image_file_not_found",
)
_ERROR_CODE_STATUS: dict[str, int] = {
    "server_error": 500,
    "rate_limit_exceeded": 429,
    "insufficient_quota": 429,
    "vector_store_timeout": 504,
    "context_length_exceeded": 400,
    "invalid_prompt": 400,
    "data_residency_mismatch": 400,
    "bio_policy": 400,
    "misalignment_policy_violation": 400,
    **dict.fromkeys(_IMAGE_ERRORS, 400),
}

_TEXT_DELTA = "response.output_text.delta"
_REASONING_DELTAS = frozenset(
    {"response.reasoning_summary_text.delta", "response.reasoning_text.delta"}
)
_FINISHED = frozenset({"response.completed", "response.incomplete"})


def response_error(
    error: Mapping[str, Any] | None, request: httpx2.Request, what: str
) -> openai.APIError:
    """An error object from inside a 200 answer as the ``openai.APIError`` the classifier reads:
    its documented code's HTTP status is added as ``status_code`` unless it carries one."""
    body: dict[str, Any] = dict(error or {})
    code = body.get("code")
    status = _ERROR_CODE_STATUS.get(code) if isinstance(code, str) else None
    if status is not None and "status_code" not in body and "status" not in body:
        body["status_code"] = status
    message = body.get("message")
    text = message if isinstance(message, str) and message else "no error message given"
    return openai.APIError(f"{what}: {text}", request, body=body)


class ResponsesAdapter:
    """The Responses API over ``openai.AsyncOpenAI`` with the SDK's own retries off.

    >>> api = ModelAPI(ModelParams(name="gpt-5-mini", api="responses"))
    """

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
        self._declared = declared_parameters(self._client.responses.create)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.close()

    def classify(self, exc: BaseException, *, now_epoch: float | None) -> ClassifiedFailure | None:
        return classify_sdk_error(exc, now_epoch=now_epoch)

    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        instructions, items = to_responses_input(request.messages)
        kwargs: dict[str, Any] = {"model": request.model, "input": items}
        if instructions is not None:
            kwargs["instructions"] = instructions
        if request.tools:
            kwargs["tools"] = [function_tool(tool) for tool in request.tools]
        if request.tool_choice is not None:
            kwargs["tool_choice"] = tool_choice(request.tool_choice)
        kwargs.update(infer_arguments(request.infer_kwargs))
        if request.response_format is not None:
            text = kwargs.get("text")
            kwargs["text"] = {
                **(text if isinstance(text, dict) else {}),
                "format": text_format(request.response_format),
            }
        return with_extra_body(self._declared, kwargs)

    def _request(self) -> httpx2.Request:
        """Where a non-streamed call went, for an error found in its 200 answer."""
        return httpx2.Request("POST", self._client.base_url.join("responses"))

    async def chat(self, request: ChatRequest, *, timeout: float) -> ChatResponse:
        answer = await self._client.responses.create(**self._arguments(request), timeout=timeout)
        wire = validate_answer(
            answer, Response, WireResponse, "a Responses API response", in_the_answer=in_an_item
        )
        return _finished(wire, self._request())

    async def stream(self, request: ChatRequest, *, timeout: float) -> AsyncIterator[StreamEvent]:
        events = await self._client.responses.create(
            **self._arguments(request), stream=True, timeout=timeout
        )
        calls: dict[int, int] = {}
        done: dict[int, dict[str, Any]] = {}
        final: WireResponse | None = None
        async with events:
            http_request = events.response.request
            async for raw in events:
                event = _event_from(raw)
                if event.type == "error":
                    raise response_error(
                        event.model_dump(include={"code", "message", "param"}),
                        http_request,
                        "the Responses stream sent an error event",
                    )
                if event.type == "response.failed":
                    failed = event.response.error if event.response else None
                    raise response_error(failed, http_request, "the response failed")
                if event.type in _FINISHED and event.response is not None:
                    final = event.response
                elif event.type == "response.output_item.done" and event.item is not None:
                    done[event.output_index if event.output_index is not None else len(done)] = (
                        event.item
                    )
                for delta in _deltas(event, calls):
                    yield delta
        if final is None:
            raise MalformedResponse(
                "the Responses stream ended without response.completed, response.incomplete or "
                "response.failed: it was cut short (docs/faults.md row 5)"
            )
        if not final.output and done:
            # Some servers leave the final event's output out; the finished items stand in.
            final = final.model_copy(update={"output": [done[i] for i in sorted(done)]})
        yield _finished(final, http_request)


def _finished(wire: WireResponse, request: httpx2.Request) -> ChatResponse:
    """The answer of a response that ended; a failed one raises as its error's status would."""
    if wire.status == "failed":
        raise response_error(wire.error, request, "the response failed")
    if wire.status in ("queued", "in_progress"):
        raise MalformedResponse(
            f"the response is still {wire.status}: agentkit waits for no background response; "
            "leave out background=True",
            retryable=False,
        )
    return response_from_wire(wire)


def _event_from(event: object) -> WireEvent:
    if not isinstance(event, BaseModel):
        shown = repr(event)[:200]
        raise MalformedResponse(f"expected a Responses stream event, got {shown}")
    return validate_chunk(
        event.model_dump(warnings=False),
        WireEvent,
        f"a Responses {getattr(event, 'type', '')} event",
        in_the_answer=in_an_item,
    )


def _deltas(event: WireEvent, calls: dict[int, int]) -> list[StreamEvent]:
    """The deltas an event carries; ``calls`` numbers the function calls by output index."""
    delta = event.delta if isinstance(event.delta, str) else ""
    if event.type == _TEXT_DELTA and delta:
        return [TextDelta(text=delta)]
    if event.type in _REASONING_DELTAS and delta:
        return [ReasoningDelta(text=delta)]
    if event.type == "response.function_call_arguments.delta" and delta:
        return [ToolCallDelta(index=_call_index(calls, event.output_index), arguments=delta)]
    item = event.item or {}
    if event.type == "response.output_item.added" and item.get("type") == "function_call":
        call_id, name = item.get("call_id"), item.get("name")
        return [
            ToolCallDelta(
                index=_call_index(calls, event.output_index),
                id=call_id if isinstance(call_id, str) else None,
                name=name if isinstance(name, str) else None,
                arguments=dump_arguments(item.get("arguments")),
            )
        ]
    return []


def _call_index(calls: dict[int, int], output_index: int | None) -> int:
    if output_index is None:
        # No index given: the call being streamed.
        return max(calls.values(), default=0)
    return calls.setdefault(output_index, len(calls))
