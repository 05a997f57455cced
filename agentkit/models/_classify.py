"""Sort what a provider SDK raised into the failure kinds of FAULTS.md.

Both SDKs share one exception shape (``APIStatusError``, ``APIConnectionError``, ...), so one
function serves both. Anything that is not a model failure (a bug) returns None and propagates.
"""

from __future__ import annotations

import email.utils
import json
import math
from dataclasses import dataclass

import anthropic
import httpx2
import openai

from agentkit.models._errors import FailureKind

__all__ = ["Failure", "MalformedResponse", "classify", "parse_retry_after"]

# Status codes worth another try (FAULTS.md "Policy"); 529 is Anthropic's "overloaded".
_RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})


class MalformedResponse(Exception):
    """Raised by an adapter when a 2xx answer is not a usable chat completion."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Failure:
    """One failed attempt, classified."""

    kind: FailureKind
    retryable: bool
    error: str
    status_code: int | None = None
    retry_after_s: float | None = None
    trips_breaker: bool = False
    """Open the breaker at once (quota exhausted: nothing will succeed for a while)."""
    counts_for_breaker: bool = True
    """False for failures that are the request's own fault (400, 422): the endpoint is fine."""
    code: str | None = None
    """The provider's error code, e.g. ``context_length_exceeded`` or ``insufficient_quota``."""


def parse_retry_after(headers: httpx2.Headers, now_epoch: float | None = None) -> float | None:
    """Seconds the server asks to wait, from ``retry-after-ms`` or ``retry-after``; None if absent."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            delay = float(value) / divisor
        except ValueError:
            continue
        return delay if math.isfinite(delay) and delay >= 0 else None
    value = headers.get("retry-after")
    if value is None or now_epoch is None:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - now_epoch)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _error_code(body: object) -> str | None:
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            code = inner.get("code") or inner.get("type")
            return str(code) if code is not None else None
    return None


_TIMEOUTS = (openai.APITimeoutError, anthropic.APITimeoutError, httpx2.TimeoutException)
_CONNECTION = (openai.APIConnectionError, anthropic.APIConnectionError, httpx2.TransportError)
_STATUS = (openai.APIStatusError, anthropic.APIStatusError)
_OTHER_API = (openai.APIError, anthropic.APIError)


def classify(exc: BaseException, *, now_epoch: float | None = None) -> Failure | None:
    """The failure ``exc`` stands for, or None when it is not a model-call failure."""
    error = _describe(exc)
    if isinstance(exc, MalformedResponse):
        return Failure("malformed", exc.retryable, error)
    if isinstance(exc, _TIMEOUTS):
        return Failure("timeout", True, error)
    if isinstance(exc, _CONNECTION):
        return Failure("connection", True, error)
    if isinstance(exc, _STATUS):
        return _classify_status(exc, error, now_epoch)
    if isinstance(exc, _OTHER_API):
        # An error event inside a stream (FAULTS.md row 11): the step is worth redoing.
        return Failure("status", True, error)
    if isinstance(exc, json.JSONDecodeError):
        # A 2xx body cut short (row 13): the SDK lets the decoder error escape raw.
        return Failure("malformed", True, error)
    if isinstance(exc, httpx2.HTTPError):
        return Failure("connection", True, error)
    return None


def _classify_status(
    exc: openai.APIStatusError | anthropic.APIStatusError, error: str, now_epoch: float | None
) -> Failure:
    status = exc.status_code
    headers = exc.response.headers
    retry_after = parse_retry_after(headers, now_epoch)
    should_retry = headers.get("x-should-retry")
    code = _error_code(exc.body)
    if status == 429:
        if code == "insufficient_quota" or should_retry == "false":
            return Failure(
                "quota", False, error, status, retry_after, trips_breaker=True, code=code
            )
        return Failure("rate_limited", True, error, status, retry_after, code=code)
    if status == 200:
        # Anthropic surfaces an in-stream error event as an APIStatusError with status 200.
        return Failure("status", True, error, status)
    retryable = status in _RETRYABLE_STATUS or status >= 500
    if should_retry in ("true", "false"):
        retryable = should_retry == "true"
    own_fault = status in (400, 413, 422)
    return Failure(
        "status", retryable, error, status, retry_after, counts_for_breaker=not own_fault, code=code
    )
