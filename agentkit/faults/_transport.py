"""``FaultInjectingTransport``: an httpx2 transport that applies a ``FaultPlan`` below the SDK.

It wraps any transport — a live one, a ``MockTransport``, or one that vcrpy replays a cassette
through — so the SDK's own parsing, exceptions and streaming run on every injected fault.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any, Protocol

import httpx2
from pydantic import BaseModel, ConfigDict

from agentkit.faults._catalog import FaultKind
from agentkit.faults._mutate import (
    SSEEvent,
    error_body,
    is_anthropic,
    mutate_completion,
    parse_sse,
    rechunk_completion,
    render_sse,
    stream_to_completion,
)
from agentkit.faults._plan import Fault, FaultPlan
from agentkit.faults._responses import (
    FINISHED_EVENTS,
    is_responses,
    reshape_responses,
    response_error_event,
)

__all__ = ["FaultInjectingTransport", "InjectedFault", "VirtualClock"]

K = FaultKind
_RAISED: dict[FaultKind, type[httpx2.TransportError]] = {
    K.CONNECT_REFUSED: httpx2.ConnectError,
    K.CONNECT_TIMEOUT: httpx2.ConnectTimeout,
    K.READ_TIMEOUT: httpx2.ReadTimeout,
    K.CONNECTION_RESET: httpx2.RemoteProtocolError,
    K.READ_ERROR: httpx2.ReadError,
}
# Faults that stand in for the provider's answer: the request never reaches it, so a cassette's
# recorded answer stays unplayed and serves the retry.
_INSTEAD_OF_ANSWER = {
    K.RATE_LIMITED,
    K.QUOTA_EXHAUSTED,
    K.SERVER_ERROR,
    K.CONTEXT_TOO_LONG,
    K.CLIENT_ERROR,
    K.HTML_GATEWAY,
}


class VirtualClock:
    """Time that passes only when a fault says so: injected latency never sleeps.

    Share it with ``ModelAPI(clock=...)`` so the retry loop's deadline sees the latency.
    """

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)


class Advances(Protocol):
    def advance(self, seconds: float) -> None: ...


class InjectedFault(BaseModel):
    """One entry of the fault log."""

    model_config = ConfigDict(frozen=True)

    call: int
    """The request's number through this transport (1 = the first)."""
    rule: int
    """The index of the plan rule that fired."""
    kind: FaultKind
    """What was injected."""
    params: dict[str, Any]
    """The fault's parameters, as the plan gave them."""
    path: str
    """The request's path."""
    applied: bool = True
    """False when the fault had nothing to act on (e.g. a stream fault on a plain response)."""
    note: str = ""
    """Why a fault was not applied, or what it did."""


class _Answer:
    """A response under construction: status, headers, body parts, and an error at the end."""

    def __init__(self, status: int, headers: list[tuple[str, str]], parts: list[bytes]) -> None:
        self.status = status
        self.headers = [
            (name, value)
            for name, value in headers
            if name.lower() not in ("content-length", "content-encoding", "transfer-encoding")
        ]
        self.parts = parts
        self.error: Exception | None = None

    def sync_response(self, request: httpx2.Request) -> httpx2.Response:
        def body() -> Iterator[bytes]:
            yield from self.parts
            if self.error is not None:
                raise self.error

        return httpx2.Response(self.status, headers=self.headers, content=body(), request=request)

    def async_response(self, request: httpx2.Request) -> httpx2.Response:
        async def body() -> AsyncIterator[bytes]:
            for part in self.parts:
                yield part
            if self.error is not None:
                raise self.error

        return httpx2.Response(self.status, headers=self.headers, content=body(), request=request)


class FaultInjectingTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Apply ``plan`` to the requests that pass through to ``inner``; log every injected fault.

    >>> transport = FaultInjectingTransport(httpx2.AsyncHTTPTransport(), plan)
    >>> client = httpx2.AsyncClient(transport=transport)  # give it to ModelAPI(http_client=...)
    """

    def __init__(
        self,
        inner: httpx2.BaseTransport | httpx2.AsyncBaseTransport,
        plan: FaultPlan,
        *,
        clock: Advances | None = None,
    ) -> None:
        self.inner = inner
        self.plan = plan
        self.clock: Advances = clock or VirtualClock()
        self.log: list[InjectedFault] = []
        self.calls = 0
        self._counts = [0] * len(plan.rules)
        self._lock = threading.Lock()

    # -- deciding ---------------------------------------------------------------------------

    def _decide(self, request: httpx2.Request) -> tuple[int, int, Fault] | None:
        body = _json_or_none(request.content)
        with self._lock:
            self.calls += 1
            call = self.calls
            # Every rule counts every request it selects, whether or not an earlier rule fires:
            # "at call 4" must not drift because another rule fired at call 2.
            selecting = [
                index
                for index, rule in enumerate(self.plan.rules)
                if rule.when.selects(request.url.path, body)
            ]
            for index in selecting:
                self._counts[index] += 1
            for index in selecting:
                number = self._counts[index]
                if self.plan.rules[index].when.fires(number, self.plan.rng_for(index, number)):
                    return call, index, self.plan.rules[index].fault
        return None

    def _record(
        self, call: int, rule: int, fault: Fault, request: httpx2.Request, applied: bool, note: str
    ) -> None:
        entry = InjectedFault(
            call=call,
            rule=rule,
            kind=fault.kind,
            params=fault.model_dump(exclude_defaults=True, exclude={"kind"}, mode="json"),
            path=request.url.path,
            applied=applied,
            note=note,
        )
        with self._lock:
            self.log.append(entry)

    def _before(
        self, call: int, rule: int, fault: Fault, request: httpx2.Request
    ) -> _Answer | None:
        """Act before the inner transport: raise, delay, or answer instead of the provider."""
        kind = fault.kind
        if kind in _RAISED:
            self._record(call, rule, fault, request, True, "")
            raise _RAISED[kind](f"injected {kind.value}", request=request)
        if kind is K.LATENCY:
            rng = self.plan.rng_for(rule, call)
            delay = fault.latency_s + rng.uniform(0, fault.jitter_s)
            self.clock.advance(delay)
            self._record(call, rule, fault, request, True, f"delayed {delay:.3f}s")
            return None
        if kind in _INSTEAD_OF_ANSWER:
            self._record(call, rule, fault, request, True, "")
            return _synthesised(fault, request)
        return None

    def _after(
        self, call: int, rule: int, fault: Fault, request: httpx2.Request, response: httpx2.Response
    ) -> _Answer:
        """Reshape the real answer."""
        answer = _Answer(
            response.status_code, list(response.headers.multi_items()), [response.content]
        )
        applied, note = _reshape(answer, fault, request, self.plan.rng_for(rule, call))
        self._record(call, rule, fault, request, applied, note)
        return answer

    # -- transports -------------------------------------------------------------------------

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if not isinstance(self.inner, httpx2.BaseTransport):
            raise TypeError("FaultInjectingTransport wraps an async transport: use an AsyncClient")
        decision = self._decide(request)
        if decision is None:
            return self.inner.handle_request(request)
        early = self._before(*decision, request)
        if early is not None:
            return early.sync_response(request)
        response = self.inner.handle_request(request)
        response.read()
        if decision[2].kind is K.LATENCY:
            return response
        return self._after(*decision, request, response).sync_response(request)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if not isinstance(self.inner, httpx2.AsyncBaseTransport):
            raise TypeError("FaultInjectingTransport wraps a sync transport: use a Client")
        decision = self._decide(request)
        if decision is None:
            return await self.inner.handle_async_request(request)
        early = self._before(*decision, request)
        if early is not None:
            return early.async_response(request)
        response = await self.inner.handle_async_request(request)
        await response.aread()
        if decision[2].kind is K.LATENCY:
            return response
        return self._after(*decision, request, response).async_response(request)

    def close(self) -> None:
        if isinstance(self.inner, httpx2.BaseTransport):
            self.inner.close()

    async def aclose(self) -> None:
        if isinstance(self.inner, httpx2.AsyncBaseTransport):
            await self.inner.aclose()


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None


def _synthesised(fault: Fault, request: httpx2.Request) -> _Answer:
    anthropic = is_anthropic(request.url.path)
    kind = fault.kind
    if kind is K.HTML_GATEWAY:
        page = b"<html><head><title>502 Bad Gateway</title></head><body>bad gateway</body></html>"
        return _Answer(200, [("content-type", "text/html")], [page])
    status = {
        K.RATE_LIMITED: 429,
        K.QUOTA_EXHAUSTED: 429,
        K.CONTEXT_TOO_LONG: 400,
        K.CLIENT_ERROR: fault.status or 401,
        K.SERVER_ERROR: fault.status or 503,
    }[kind]
    headers = [("content-type", "application/json")]
    if fault.retry_after_s is not None:
        headers.append(("retry-after", f"{fault.retry_after_s:g}"))
    if fault.retry_after_ms is not None:
        headers.append(("retry-after-ms", str(fault.retry_after_ms)))
    if kind is K.QUOTA_EXHAUSTED:
        headers.append(("x-should-retry", "false"))
    body = json.dumps(error_body(kind, status, anthropic)).encode()
    return _Answer(status, headers, [body])


def _reshape(
    answer: _Answer, fault: Fault, request: httpx2.Request, rng: random.Random
) -> tuple[bool, str]:
    """Apply ``fault`` to ``answer`` in place; say whether it applied and how."""
    kind = fault.kind
    body = b"".join(answer.parts)
    content_type = {n.lower(): v for n, v in answer.headers}.get("content-type", "")
    streamed = content_type.startswith("text/event-stream")
    if kind is K.SLICER:
        answer.parts = _slices(body, fault.slice_bytes, rng)
        return True, f"{len(answer.parts)} slices"
    if kind is K.LIMIT_DATA:
        answer.parts = [body[: fault.limit_bytes]]
        return True, f"cut at {min(len(body), fault.limit_bytes)} of {len(body)} bytes"
    if not 200 <= answer.status < 300:
        return False, f"the real answer was HTTP {answer.status}: left as it was"
    if kind in (K.STREAM_DISCONNECT, K.STREAM_TRUNCATED, K.STREAM_ERROR_EVENT):
        return _stream_fault(answer, fault, body, streamed, request)
    if kind is K.TRUNCATED_JSON:
        answer.parts = [body[: max(1, len(body) // 2)]]
        return True, f"cut at {max(1, len(body) // 2)} of {len(body)} bytes"
    if is_anthropic(request.url.path):
        return False, "model-output faults act on the chat-completions and Responses formats only"
    request_body = _json_or_none(request.content)
    if is_responses(request.url.path):
        reshaped, note = reshape_responses(body, streamed, fault, request_body)
        if reshaped is not None:
            answer.parts = [reshaped]
        return reshaped is not None, note
    if streamed:
        events = parse_sse(body)
        if kind is K.DELTA_WITHOUT_INDEX:
            return _drop_indexes(answer, events)
        if kind is K.NULL_FIRST_ARGUMENTS:
            return _null_first_arguments(answer, events)
        completion = stream_to_completion(events)
        if completion is None:
            return False, "the stream is not a chat-completions stream"
        mutated = mutate_completion(completion, fault, request_body)
        answer.parts = [render_sse(rechunk_completion(mutated))]
        return True, "stream rebuilt from the mutated answer"
    if kind is K.DELTA_WITHOUT_INDEX:
        return False, "the answer is not streamed: there are no deltas"
    completion_body = _json_or_none(body)
    if not isinstance(completion_body, dict):
        return False, "the real answer is not a JSON object"
    answer.parts = [json.dumps(mutate_completion(completion_body, fault, request_body)).encode()]
    return True, ""


def _stream_fault(
    answer: _Answer, fault: Fault, body: bytes, streamed: bool, request: httpx2.Request
) -> tuple[bool, str]:
    kind = fault.kind
    if not streamed:
        if kind is K.STREAM_ERROR_EVENT:
            return False, "the answer is not streamed"
        half = body[: max(1, len(body) // 2)]
        answer.parts = [half]
        if kind is K.STREAM_DISCONNECT:
            answer.error = httpx2.ReadError("injected disconnect mid-body", request=request)
        return True, f"plain body cut at {len(half)} bytes"
    events = parse_sse(body)
    kept = events[: fault.after_events]
    if kind is K.STREAM_TRUNCATED:
        # Nothing after the cut: no finish reason, no [DONE] (catalogue row 5).
        kept = [e for e in kept if not _finishes(e)]
        answer.parts = [render_sse(kept)]
    elif kind is K.STREAM_DISCONNECT:
        answer.parts = [render_sse(kept)]
        answer.error = httpx2.ReadError("injected disconnect mid-stream", request=request)
    else:
        if is_anthropic(request.url.path):
            error = {
                "type": "error",
                "error": {"type": "overloaded_error", "message": "Overloaded"},
            }
            kept.append(SSEEvent(data=json.dumps(error), event="error"))
        elif is_responses(request.url.path):
            kept.append(response_error_event(len(kept)))
        else:
            error = {
                "error": {
                    "message": "The server had an error while streaming.",
                    "type": "server_error",
                }
            }
            kept.append(SSEEvent(data=json.dumps(error)))
        answer.parts = [render_sse(kept)]
    return True, f"after {len(events[: fault.after_events])} of {len(events)} events"


def _finishes(event: SSEEvent) -> bool:
    if event.data == "[DONE]" or event.event == "message_stop" or event.event in FINISHED_EVENTS:
        return True
    chunk = event.json()
    if not isinstance(chunk, dict):
        return False
    if chunk.get("type") in FINISHED_EVENTS:
        return True
    return any(isinstance(c, dict) and c.get("finish_reason") for c in chunk.get("choices") or ())


def _drop_indexes(answer: _Answer, events: list[SSEEvent]) -> tuple[bool, str]:
    dropped = 0
    for event in events:
        chunk = event.json()
        if not isinstance(chunk, dict):
            continue
        for choice in chunk.get("choices") or ():
            for call in (choice.get("delta") or {}).get("tool_calls") or ():
                if call.pop("index", None) is not None:
                    dropped += 1
        event.data = json.dumps(chunk)
    answer.parts = [render_sse(events)]
    return dropped > 0, f"dropped {dropped} indexes" if dropped else "the stream had no tool calls"


def _null_first_arguments(answer: _Answer, events: list[SSEEvent]) -> tuple[bool, str]:
    """Row 25 on a stream: the first tool-call delta says ``arguments: null``; the rest follow."""
    for event in events:
        chunk = event.json()
        if not isinstance(chunk, dict):
            continue
        for choice in chunk.get("choices") or ():
            for call in (choice.get("delta") or {}).get("tool_calls") or ():
                call.setdefault("function", {})["arguments"] = None
                event.data = json.dumps(chunk)
                answer.parts = [render_sse(events)]
                return True, "first tool-call delta carries arguments: null"
    return False, "the stream had no tool calls"


def _slices(body: bytes, largest: int, rng: random.Random) -> list[bytes]:
    parts = []
    position = 0
    while position < len(body):
        size = rng.randint(1, largest)
        parts.append(body[position : position + size])
        position += size
    return parts
