"""The retry loop: backoff, Retry-After inside the deadline, the circuit breaker. Nothing sleeps."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from agentkit.models import (
    ChatResponse,
    CircuitOpenError,
    MalformedResponseError,
    Message,
    ModelConnectionError,
    ModelTimeoutError,
    ProviderStatusError,
    RateLimitedError,
    RetryPolicy,
)
from agentkit.testing._fakes import FakeClock, chat_completion, chat_completion_chunks, sse_response

from .conftest import MakeAPI

HELLO = [Message.user("hello")]
OK = chat_completion(content="ok")


def _busy(**headers: str) -> httpx2.Response:
    return httpx2.Response(429, json={"error": {"message": "slow down"}}, headers=headers)


def _unavailable() -> httpx2.Response:
    return httpx2.Response(503, json={"error": {"message": "down"}})


async def test_backoff_is_full_jitter_within_the_window(
    make_api: MakeAPI, clock: FakeClock
) -> None:
    """Waits are drawn from uniform(0, min(max, base * 2**n)) and recorded on each attempt."""
    api, _ = make_api([_unavailable()] * 4, retry=RetryPolicy(max_attempts=4, base_delay_s=0.5))
    with pytest.raises(ProviderStatusError) as caught:
        await api.chat(HELLO)
    assert len(clock.sleeps) == 3
    for n, waited in enumerate(clock.sleeps):
        assert 0 <= waited <= 0.5 * 2**n
    assert [a.waited_s for a in caught.value.attempts] == [
        *(round(s, 6) for s in clock.sleeps),
        None,
    ]


async def test_retry_after_is_honoured_inside_the_deadline(
    make_api: MakeAPI, clock: FakeClock
) -> None:
    """A 429 asking for 2 s within a 120 s deadline waits exactly 2 s, then succeeds."""
    api, provider = make_api([_busy(**{"retry-after": "2"}), OK])
    assert (await api.chat(HELLO)).content == "ok"
    assert clock.sleeps == [2.0]
    assert len(provider.requests) == 2


async def test_retry_after_ms_takes_precedence(make_api: MakeAPI, clock: FakeClock) -> None:
    """retry-after-ms is read in milliseconds and preferred over retry-after."""
    api, _ = make_api([_busy(**{"retry-after-ms": "250", "retry-after": "9"}), OK])
    await api.chat(HELLO)
    assert clock.sleeps == [0.25]


async def test_retry_after_beyond_the_deadline_is_refused(
    make_api: MakeAPI, clock: FakeClock
) -> None:
    """A server asking for 30 s when 5 s are left is not waited for: the call fails at once."""
    api, provider = make_api([_busy(**{"retry-after": "30"}), OK], retry=RetryPolicy(deadline_s=5))
    with pytest.raises(RateLimitedError) as caught:
        await api.chat(HELLO)
    assert clock.sleeps == []
    assert len(provider.requests) == 1
    assert "asked to wait 30.00s" in str(caught.value)
    assert caught.value.attempts[0].retry_after_s == 30.0


async def test_attempt_timeout_is_capped_by_the_deadline(make_api: MakeAPI) -> None:
    """Each attempt's HTTP timeout is the smaller of the attempt timeout and the time left."""
    api, provider = make_api([OK], retry=RetryPolicy(deadline_s=7), attempt_timeout_s=30)
    await api.chat(HELLO)
    assert provider.requests[0].extensions["timeout"]["read"] == 7


async def test_deadline_passed_before_an_attempt(make_api: MakeAPI, clock: FakeClock) -> None:
    """When a slow failure eats the deadline, the loop stops with a timeout error."""

    def slow_failure(request: httpx2.Request) -> httpx2.Response:
        clock.advance(10)
        return _unavailable()

    api, provider = make_api([slow_failure] * 3, retry=RetryPolicy(deadline_s=10, base_delay_s=0))
    with pytest.raises((ModelTimeoutError, ProviderStatusError)) as caught:
        await api.chat(HELLO)
    assert len(provider.requests) == 1
    assert "deadline" in str(caught.value)


async def test_breaker_opens_fails_fast_half_opens_and_closes(
    make_api: MakeAPI, clock: FakeClock
) -> None:
    """Consecutive failures open the breaker; it fails fast, then lets one trial through."""
    policy = RetryPolicy(max_attempts=2, breaker_threshold=2, breaker_cooldown_s=10)
    api, provider = make_api([_unavailable(), _unavailable(), OK], retry=policy)
    with pytest.raises(ProviderStatusError, match="breaker opened"):
        await api.chat(HELLO)
    assert api.breaker.state == "open"
    with pytest.raises(CircuitOpenError, match="open after 2 consecutive failures"):
        await api.chat(HELLO)
    assert len(provider.requests) == 2  # failing fast sends nothing
    clock.advance(10)
    assert api.breaker.state == "half_open"
    assert (await api.chat(HELLO)).content == "ok"
    assert api.breaker.state == "closed"
    assert len(provider.requests) == 3


async def test_failed_trial_reopens_the_breaker(make_api: MakeAPI, clock: FakeClock) -> None:
    """A half-open trial that fails opens the breaker for another cooldown."""
    policy = RetryPolicy(max_attempts=3, breaker_threshold=1, breaker_cooldown_s=10)
    api, provider = make_api([_unavailable(), _unavailable()], retry=policy)
    with pytest.raises(ProviderStatusError):
        await api.chat(HELLO)
    clock.advance(10)
    with pytest.raises(ProviderStatusError):
        await api.chat(HELLO)
    assert api.breaker.state == "open"
    with pytest.raises(CircuitOpenError):
        await api.chat(HELLO)
    assert len(provider.requests) == 2


async def test_quota_exhausted_trips_the_breaker_at_once(make_api: MakeAPI) -> None:
    """insufficient_quota is not retried and opens the breaker immediately."""
    quota = httpx2.Response(429, json={"error": {"code": "insufficient_quota", "message": "q"}})
    api, _ = make_api([quota])
    with pytest.raises(RateLimitedError):
        await api.chat(HELLO)
    assert api.breaker.state == "open"


async def test_client_errors_do_not_count_against_the_breaker(make_api: MakeAPI) -> None:
    """A 400 is the request's fault, not the endpoint's: the breaker stays closed."""
    bad = httpx2.Response(400, json={"error": {"message": "bad"}})
    api, _ = make_api([bad] * 6, retry=RetryPolicy(breaker_threshold=2))
    for _ in range(3):
        with pytest.raises(ProviderStatusError):
            await api.chat(HELLO)
    assert api.breaker.state == "closed"


async def _events_then_disconnect(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk
    raise httpx2.ReadError("peer went away")


def _broken_stream() -> httpx2.Response:
    body = sse_response(chat_completion_chunks(content="Hello there, traveller")).content
    events = [part + b"\n\n" for part in body.split(b"\n\n") if part][:3]
    return httpx2.Response(
        200, headers={"content-type": "text/event-stream"}, content=_events_then_disconnect(events)
    )


async def test_disconnect_mid_stream_is_not_retried_after_deltas(make_api: MakeAPI) -> None:
    """A stream that drops after delivering deltas raises at once (docs/faults.md row 4)."""
    api, provider = make_api([_broken_stream(), OK])
    seen: list[object] = []

    async def consume() -> None:
        async for event in api.stream(HELLO):
            seen.append(event)

    with pytest.raises(ModelConnectionError, match="already delivered"):
        await consume()
    assert seen
    assert len(provider.requests) == 1


async def test_stream_failing_before_any_delta_is_retried(make_api: MakeAPI) -> None:
    """A stream that fails before its first delta is retried like chat()."""
    good = sse_response(chat_completion_chunks(content="hi"))
    api, provider = make_api([_unavailable(), good])
    events = [event async for event in api.stream(HELLO)]
    assert isinstance(events[-1], ChatResponse)
    assert events[-1].content == "hi"
    assert len(provider.requests) == 2


async def test_stream_without_finish_reason_is_a_failure(make_api: MakeAPI) -> None:
    """A stream that ends with no finish reason (row 5) counts as malformed, never as an answer."""
    chunks = [
        c
        for c in chat_completion_chunks(tool_calls=[("c", "t", '{"a": 1}')])
        if not c["choices"] or c["choices"][0]["finish_reason"] is None
    ]
    api, _ = make_api([sse_response(chunks[:3], done=False)] * 3)
    with pytest.raises(MalformedResponseError, match="without a finish reason"):
        [event async for event in api.stream(HELLO)]
