"""Sort what a provider SDK raised into the failure kinds of docs/faults.md.

Both SDKs share one exception shape (``APIStatusError``, ``APIConnectionError``, ...), so one
function serves both. Anything that is not a model failure (a bug) returns None and propagates.
A provider adapter classifies its own errors (``ProviderAdapter.classify``); the built-in ones
delegate here.
"""

from __future__ import annotations

import email.utils
import json
import math
import sys
from typing import TYPE_CHECKING, Protocol, cast

from pydantic import BaseModel, ConfigDict, Field

from agentkit.models._errors import FailureKind

if TYPE_CHECKING:
    import httpx2

__all__ = [
    "ClassifiedFailure",
    "MalformedResponse",
    "classify_sdk_error",
    "describe_exception",
    "parse_retry_after",
]

# Status codes below 500 worth another try (docs/faults.md "Policy", the SDKs' _should_retry);
# every 5xx is retried too, 529 (Anthropic's "overloaded") among them, and 429 has its own rules.
_RETRYABLE_STATUS = frozenset({408, 409})

# The HTTP status each documented error type stands for (Anthropic's error types; OpenAI's
# server_error), for an error that arrives inside a 200 stream without a status of its own.
_ERROR_TYPE_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "server_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


class MalformedResponse(Exception):
    """Raised by an adapter when a 2xx answer is not a usable chat completion."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class ClassifiedFailure(BaseModel):
    """What one failed attempt stands for: the retry loop acts on this, not on the exception.

    ``ProviderAdapter.classify`` returns one for every exception that is a model-call failure.

    >>> ClassifiedFailure(kind="rate_limited", retryable=True, retry_after_s=2.0).retryable
    True
    """

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    kind: FailureKind
    """The class of failure; it picks the ``ModelCallError`` subclass raised when retries end."""
    retryable: bool
    """Whether another attempt may succeed (the retry policy still bounds how many)."""
    error: str = ""
    """How the attempt history shows it; empty means the exception's type and message."""
    status_code: int | None = None
    """The HTTP status, when there was a response."""
    retry_after_s: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    """Seconds the server asked to wait before the next attempt, if it said."""
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


def describe_exception(exc: BaseException) -> str:
    """The exception's type and message on one line, cut to 300 characters."""
    text = str(exc).strip().replace("\n", " ")
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _error_object(body: object) -> dict[str, object]:
    """The error object of an error body: ``body["error"]`` when there is one, else the body."""
    if not isinstance(body, dict):
        return {}
    inner = body.get("error", body)
    return inner if isinstance(inner, dict) else {}


def _error_code(body: object) -> str | None:
    """The provider's error code (``tool_use_failed``) or type; a numeric code is a status."""
    inner = _error_object(body)
    for key in ("code", "type"):
        code = inner.get(key)
        if code is not None and _as_status(code) is None:
            return str(code)
    return None


def _as_status(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return value if isinstance(value, int) and 100 <= value <= 599 else None


def _in_stream_status(body: object) -> int | None:
    """The HTTP status an error event inside a stream stands for, if it says.

    Servers put it beside the error (``{"error": {...}, "status_code": 400}``), inside it, or
    in a numeric ``code`` (OpenRouter); otherwise the error's type tells (Anthropic's
    ``overloaded_error`` is 529). None when nothing does.
    """
    inner = _error_object(body)
    for holder in (inner, body if isinstance(body, dict) else {}):
        for key in ("status_code", "status", "code"):
            status = _as_status(holder.get(key))
            if status is not None:
                return status
    error_type = inner.get("type")
    return _ERROR_TYPE_STATUS.get(error_type) if isinstance(error_type, str) else None


def _loaded_classes(*names: str) -> tuple[type[BaseException], ...]:
    """The exception classes ``module.Class`` of the SDKs already imported.

    An exception can only be an instance of a class whose module is loaded, so a module not in
    ``sys.modules`` has nothing to match: classifying never imports an SDK (about 2 s).
    """
    classes = []
    for name in names:
        module_name, _, class_name = name.rpartition(".")
        found = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(found, type) and issubclass(found, BaseException):
            classes.append(found)
    return tuple(classes)


class _SDKError(Protocol):
    """What ``openai.APIError`` and ``anthropic.APIError`` share."""

    body: object


class _HTTPStatusError(Protocol):
    """What ``httpx2.HTTPStatusError`` (``Response.raise_for_status``) carries."""

    response: httpx2.Response


class _SDKStatusError(_SDKError, Protocol):
    """What ``openai.APIStatusError`` and ``anthropic.APIStatusError`` share."""

    status_code: int
    response: httpx2.Response


_TIMEOUTS = ("openai.APITimeoutError", "anthropic.APITimeoutError", "httpx2.TimeoutException")
_CONNECTION = ("openai.APIConnectionError", "anthropic.APIConnectionError", "httpx2.TransportError")
_STATUS = ("openai.APIStatusError", "anthropic.APIStatusError")
_OTHER_API = ("openai.APIError", "anthropic.APIError")


def classify_sdk_error(
    exc: BaseException, *, now_epoch: float | None = None
) -> ClassifiedFailure | None:
    """The failure an ``openai``/``anthropic``/``httpx2`` exception stands for; None for others.

    The built-in adapters classify with this; a custom adapter built on one of these SDKs can
    hand it whatever it does not classify itself. ``now_epoch`` (epoch seconds) reads an
    HTTP-date ``Retry-After``.
    """
    error = describe_exception(exc)
    if isinstance(exc, MalformedResponse):
        return ClassifiedFailure(kind="malformed", retryable=exc.retryable, error=error)
    if isinstance(exc, _loaded_classes(*_TIMEOUTS)):
        return ClassifiedFailure(kind="timeout", retryable=True, error=error)
    if isinstance(exc, _loaded_classes(*_CONNECTION)):
        return ClassifiedFailure(kind="connection", retryable=True, error=error)
    if isinstance(exc, _loaded_classes(*_STATUS)):
        failed = cast(_SDKStatusError, exc)
        if failed.status_code != 200:
            return _classify_status(
                failed.status_code, failed.response.headers, failed.body, error, now_epoch
            )
    if isinstance(exc, _loaded_classes(*_OTHER_API)):
        # An error event inside a 200 stream (docs/faults.md row 11; anthropic raises it as an
        # APIStatusError with status 200, openai as an APIError): handled as the status it
        # carries would be, and retried when it carries none.
        body = cast(_SDKError, exc).body
        status = _in_stream_status(body)
        if status is None:
            return ClassifiedFailure(
                kind="status", retryable=True, error=error, code=_error_code(body)
            )
        from httpx2 import Headers  # loaded already: the SDK that raised exc imports it

        # no headers, so no Retry-After date to read the clock for
        return _classify_status(status, Headers(), body, error, now_epoch=None)
    if isinstance(exc, json.JSONDecodeError):
        # A 2xx body cut short (row 13): the SDK lets the decoder error escape raw.
        return ClassifiedFailure(kind="malformed", retryable=True, error=error)
    if isinstance(exc, _loaded_classes("httpx2.HTTPStatusError")):
        # An adapter built on httpx2 itself that calls raise_for_status(): the status decides.
        response = cast(_HTTPStatusError, exc).response
        return _classify_status(response.status_code, response.headers, None, error, now_epoch)
    if isinstance(exc, _loaded_classes("httpx2.HTTPError")):
        return ClassifiedFailure(kind="connection", retryable=True, error=error)
    return None


def _classify_status(
    status: int, headers: httpx2.Headers, body: object, error: str, now_epoch: float | None
) -> ClassifiedFailure:
    retry_after = parse_retry_after(headers, now_epoch)
    should_retry = headers.get("x-should-retry")
    code = _error_code(body)
    if status == 429:
        if code == "insufficient_quota" or should_retry == "false":
            return ClassifiedFailure(
                kind="quota",
                retryable=False,
                error=error,
                status_code=status,
                retry_after_s=retry_after,
                trips_breaker=True,
                code=code,
            )
        return ClassifiedFailure(
            kind="rate_limited",
            retryable=True,
            error=error,
            status_code=status,
            retry_after_s=retry_after,
            code=code,
        )
    retryable = status in _RETRYABLE_STATUS or status >= 500
    if should_retry in ("true", "false"):
        retryable = should_retry == "true"
    own_fault = status in (400, 413, 422)
    return ClassifiedFailure(
        kind="status",
        retryable=retryable,
        error=error,
        status_code=status,
        retry_after_s=retry_after,
        counts_for_breaker=not own_fault,
        code=code,
    )
