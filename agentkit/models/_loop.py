"""The attempts of one model call: breaker check, deadline, classification, backoff, final error."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from agentkit._errors import AgentKitError, exception_chain
from agentkit.models._classify import ClassifiedFailure, describe_exception
from agentkit.models._errors import (
    Attempt,
    CircuitOpenError,
    MalformedResponseError,
    ModelCallError,
    ModelConnectionError,
    ModelTimeoutError,
    ProviderStatusError,
    RateLimitedError,
    SDKErrorCause,
)
from agentkit.models._retry import CircuitBreaker, RetryPolicy, Timing

__all__ = ["CallAttempts", "Classifier"]

Classifier = Callable[..., ClassifiedFailure | None]
"""``ProviderAdapter.classify``: ``(exc, *, now_epoch) -> ClassifiedFailure | None``."""

_ERROR_CLASSES: dict[str, type[ModelCallError]] = {
    "timeout": ModelTimeoutError,
    "connection": ModelConnectionError,
    "rate_limited": RateLimitedError,
    "quota": RateLimitedError,
    "status": ProviderStatusError,
    "malformed": MalformedResponseError,
    "circuit_open": CircuitOpenError,
}


class CallAttempts:
    """Drives the attempts of one call.

    >>> # while True:
    >>> #     timeout = attempts.begin()          # may raise CircuitOpenError / ModelTimeoutError
    >>> #     try: result = await send(timeout)
    >>> #     except Exception as exc: await attempts.failed(exc); continue
    >>> #     attempts.succeeded(); return result
    """

    def __init__(
        self,
        *,
        model: str,
        policy: RetryPolicy,
        breaker: CircuitBreaker,
        timing: Timing,
        attempt_timeout_s: float,
        classify: Classifier,
    ) -> None:
        self._model = model
        self._classify = classify
        self._policy = policy
        self._breaker = breaker
        self._timing = timing
        self._attempt_timeout_s = attempt_timeout_s
        self._start = timing.clock()
        self._deadline = self._start + policy.deadline_s
        self.history: list[Attempt] = []

    def _elapsed(self) -> float:
        return self._timing.clock() - self._start

    def begin(self) -> float:
        """Check the breaker and the deadline; return this attempt's timeout in seconds."""
        if not self._breaker.allow():
            raise CircuitOpenError(
                f"the circuit breaker is open after {self._breaker.consecutive_failures} "
                f"consecutive failures; it lets a trial call through in "
                f"{self._breaker.seconds_until_half_open():.1f}s",
                model=self._model,
                attempts=tuple(self.history),
            )
        remaining = self._deadline - self._timing.clock()
        if remaining <= 0:
            raise ModelTimeoutError(
                f"the call's deadline of {self._policy.deadline_s:.1f}s has passed",
                model=self._model,
                attempts=tuple(self.history),
            )
        return min(self._attempt_timeout_s, remaining)

    def succeeded(self) -> int:
        """Record success; return how many attempts the call took."""
        self._breaker.record_success()
        return len(self.history) + 1

    async def failed(self, exc: Exception, *, may_retry: bool = True) -> None:
        """Record a failed attempt, then wait for the next one or raise the final error.

        Exceptions that are not model-call failures (bugs) are re-raised unchanged; an agentkit
        error that an SDK wrapped (a replay mismatch, the network guard) is raised unwrapped,
        at once: retrying cannot fix what the developer has to.
        """
        own = _own_error(exc)
        if own is not None:
            raise own from None
        failure = self._classify(exc, now_epoch=self._timing.wall())
        if failure is None:
            raise exc
        error = failure.error or describe_exception(exc)
        if failure.counts_for_breaker:
            self._breaker.record_failure(trip=failure.trips_breaker)
        number = len(self.history) + 1
        stop_reason = self._stop_reason(failure, number, may_retry)
        wait = None if stop_reason else self._wait_before_retry(failure, number)
        if wait is not None and self._timing.clock() + wait >= self._deadline:
            stop_reason = self._deadline_reason(failure, wait)
            wait = None
        self.history.append(
            Attempt(
                number=number,
                kind=failure.kind,
                error=error,
                status_code=failure.status_code,
                retryable=failure.retryable,
                elapsed_s=round(self._elapsed(), 6),
                retry_after_s=failure.retry_after_s,
                waited_s=None if wait is None else round(wait, 6),
            )
        )
        if stop_reason is not None:
            self._raise_final(failure, error, stop_reason, exc)
        assert wait is not None  # a None wait always comes with a stop reason
        await self._timing.sleep(wait)

    def _stop_reason(self, failure: ClassifiedFailure, number: int, may_retry: bool) -> str | None:
        if not failure.retryable:
            return "not retryable"
        if not may_retry:
            return "the stream had already delivered part of the answer"
        if self._breaker.state == "open":
            return (
                f"the circuit breaker opened after {self._breaker.consecutive_failures} "
                "consecutive failures"
            )
        if number >= self._policy.max_attempts:
            return f"no attempts left (max_attempts={self._policy.max_attempts})"
        return None

    def _wait_before_retry(self, failure: ClassifiedFailure, number: int) -> float:
        if failure.retry_after_s is not None:
            return failure.retry_after_s
        return self._timing.rng.uniform(0.0, self._policy.backoff_window(number - 1))

    def _deadline_reason(self, failure: ClassifiedFailure, wait: float) -> str:
        left = max(0.0, self._deadline - self._timing.clock())
        asked = "the server asked to wait" if failure.retry_after_s is not None else "backoff of"
        return f"{asked} {wait:.2f}s, but only {left:.2f}s are left before the call's deadline"

    def _raise_final(
        self, failure: ClassifiedFailure, error: str, stop_reason: str, cause: Exception
    ) -> NoReturn:
        error_class = _ERROR_CLASSES[failure.kind]
        status = f"HTTP {failure.status_code} " if failure.status_code is not None else ""
        raise error_class(
            f"{status}{error} ({stop_reason})",
            model=self._model,
            attempts=tuple(self.history),
            status_code=failure.status_code,
            code=failure.code,
        ) from SDKErrorCause(cause)


def _own_error(exc: BaseException) -> AgentKitError | None:
    """The agentkit error behind ``exc`` (itself, or its cause or context), if any."""
    return next((e for e in exception_chain(exc) if isinstance(e, AgentKitError)), None)
