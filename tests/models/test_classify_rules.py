"""The rules that decide which failures retry (agentkit/models/_classify.py, docs/faults.md
"Policy"), each pinned on real SDK exceptions built the way openai, anthropic and httpx2 build
them: the kind, retryable or not, the breaker's view, Retry-After, status and provider code."""

from __future__ import annotations

import json
import sys
import types
from datetime import UTC, datetime

import anthropic
import httpx2
import openai
import pytest

from agentkit.models import ClassifiedFailure, classify_sdk_error
from agentkit.models._classify import MalformedResponse, describe_exception, parse_retry_after

OPENAI_REQUEST = httpx2.Request("POST", "https://api.openai.com/v1/chat/completions")
ANTHROPIC_REQUEST = httpx2.Request("POST", "https://api.anthropic.com/v1/messages")

# Wed, 21 Oct 2015 07:28:00 GMT, the example date of RFC 9110's Retry-After.
RETRY_DATE = "Wed, 21 Oct 2015 07:28:00 GMT"
RETRY_EPOCH = datetime(2015, 10, 21, 7, 28, tzinfo=UTC).timestamp()


def _openai_response(status: int, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(status, headers=headers or {}, request=OPENAI_REQUEST)


def _anthropic_response(status: int, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(status, headers=headers or {}, request=ANTHROPIC_REQUEST)


def _openai_status(
    status: int, headers: dict[str, str] | None = None, body: object = None
) -> openai.APIStatusError:
    return openai.APIStatusError(
        f"Error code: {status}", response=_openai_response(status, headers), body=body
    )


def _classify(exc: BaseException, now_epoch: float | None = None) -> ClassifiedFailure:
    failure = classify_sdk_error(exc, now_epoch=now_epoch)
    assert failure is not None, f"{exc!r} was not classified"
    return failure


# Retry-After ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "2"}, 2.0),
        ({"Retry-After": "0.25"}, 0.25),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after-ms": "soon", "retry-after": "3"}, 3.0),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "-1"}, None),
        ({"retry-after-ms": "-500"}, None),
        ({}, None),
    ],
)
def test_retry_after_seconds_and_milliseconds(
    headers: dict[str, str], expected: float | None
) -> None:
    """``retry-after-ms`` (OpenAI's, preferred) or ``retry-after`` in seconds; a value that is
    not a number falls through to the next header; infinite, NaN or negative means no ask."""
    assert parse_retry_after(httpx2.Headers(headers)) == expected


def test_retry_after_as_an_http_date_is_the_time_left_until_it() -> None:
    headers = httpx2.Headers({"retry-after": RETRY_DATE})
    assert parse_retry_after(headers, now_epoch=RETRY_EPOCH - 30) == 30.0


def test_retry_after_date_in_the_past_asks_for_no_wait() -> None:
    headers = httpx2.Headers({"retry-after": RETRY_DATE})
    assert parse_retry_after(headers, now_epoch=RETRY_EPOCH + 10) == 0.0


def test_retry_after_date_without_a_clock_or_unreadable_is_no_ask() -> None:
    """A date needs ``now_epoch`` to mean anything; text that is no date means nothing."""
    assert parse_retry_after(httpx2.Headers({"retry-after": RETRY_DATE})) is None
    unreadable = httpx2.Headers({"retry-after": "soon"})
    assert parse_retry_after(unreadable, now_epoch=RETRY_EPOCH) is None
    assert parse_retry_after(httpx2.Headers(), now_epoch=RETRY_EPOCH) is None


# 429: rate limit or quota -----------------------------------------------------------------


def test_openai_insufficient_quota_is_quota_and_opens_the_breaker() -> None:
    """OpenAI answers an exhausted quota with a 429 whose code is ``insufficient_quota``:
    retrying cannot help, so it is not retried and opens the breaker at once."""
    body = {
        "message": "You exceeded your current quota, please check your plan and billing details.",
        "type": "insufficient_quota",
        "param": None,
        "code": "insufficient_quota",
    }
    exc = openai.RateLimitError(
        "Error code: 429 - quota",
        response=_openai_response(429, {"retry-after": "20"}),
        body=body,
    )
    assert _classify(exc) == ClassifiedFailure(
        kind="quota",
        retryable=False,
        error="RateLimitError: Error code: 429 - quota",
        status_code=429,
        retry_after_s=20.0,
        trips_breaker=True,
        counts_for_breaker=True,
        code="insufficient_quota",
    )


def test_openai_rate_limit_is_retried_after_retry_after_ms() -> None:
    body = {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}
    exc = openai.RateLimitError(
        "Error code: 429 - slow down",
        response=_openai_response(429, {"retry-after-ms": "500", "retry-after": "1"}),
        body=body,
    )
    assert _classify(exc) == ClassifiedFailure(
        kind="rate_limited",
        retryable=True,
        error="RateLimitError: Error code: 429 - slow down",
        status_code=429,
        retry_after_s=0.5,
        trips_breaker=False,
        counts_for_breaker=True,
        code="rate_limit_exceeded",
    )


def test_a_429_the_server_says_not_to_retry_is_quota() -> None:
    """``x-should-retry: false`` on a 429 (the SDKs obey it) means waiting will not help."""
    body = {"type": "error", "error": {"type": "rate_limit_error", "message": "Limit reached"}}
    exc = anthropic.RateLimitError(
        "limit",
        response=_anthropic_response(429, {"x-should-retry": "false", "retry-after": "7"}),
        body=body,
    )
    assert _classify(exc) == ClassifiedFailure(
        kind="quota",
        retryable=False,
        error="RateLimitError: limit",
        status_code=429,
        retry_after_s=7.0,
        trips_breaker=True,
        code="rate_limit_error",
    )


def test_a_429_retry_after_date_is_read_with_the_callers_clock() -> None:
    exc = openai.RateLimitError(
        "slow", response=_openai_response(429, {"retry-after": RETRY_DATE}), body=None
    )
    assert _classify(exc, now_epoch=RETRY_EPOCH - 12).retry_after_s == 12.0
    assert _classify(exc).retry_after_s is None


# Other statuses ---------------------------------------------------------------------------


def test_anthropic_529_overloaded_is_retried_and_counts_for_the_breaker() -> None:
    body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    exc = anthropic.OverloadedError(
        "Overloaded", response=_anthropic_response(529, {"retry-after": "5"}), body=body
    )
    assert _classify(exc) == ClassifiedFailure(
        kind="status",
        retryable=True,
        error="OverloadedError: Overloaded",
        status_code=529,
        retry_after_s=5.0,
        trips_breaker=False,
        counts_for_breaker=True,
        code="overloaded_error",
    )


@pytest.mark.parametrize(
    ("status", "retryable", "counts_for_breaker"),
    [
        (400, False, False),
        (401, False, True),
        (403, False, True),
        (404, False, True),
        (408, True, True),
        (409, True, True),
        (413, False, False),
        (414, False, True),
        (422, False, False),
        (423, False, True),
        (499, False, True),
        (500, True, True),
        (501, True, True),
        (503, True, True),
        (599, True, True),
    ],
)
def test_status_codes_retry_like_the_sdks_and_own_faults_spare_the_breaker(
    status: int, retryable: bool, counts_for_breaker: bool
) -> None:
    """408, 409 and every 5xx retry (the SDKs' ``_should_retry``); 400, 413 and 422 are the
    request's own fault, so they do not count against the endpoint."""
    assert _classify(_openai_status(status)) == ClassifiedFailure(
        kind="status",
        retryable=retryable,
        error=f"APIStatusError: Error code: {status}",
        status_code=status,
        counts_for_breaker=counts_for_breaker,
    )


@pytest.mark.parametrize(
    ("status", "header", "retryable"),
    [
        (400, "true", True),
        (503, "false", False),
        (503, "maybe", True),
        (400, "TRUE", False),
    ],
)
def test_x_should_retry_overrides_the_status(status: int, header: str, retryable: bool) -> None:
    """Exactly ``true`` or ``false`` wins over the status, as in the SDKs; other values do not."""
    failure = _classify(_openai_status(status, {"X-Should-Retry": header}))
    assert (failure.kind, failure.retryable, failure.status_code) == ("status", retryable, status)


def test_a_status_error_keeps_retry_after_and_its_code() -> None:
    body = {"message": "maximum context length", "type": "invalid_request_error"}
    body["code"] = "context_length_exceeded"
    exc = openai.BadRequestError(
        "Error code: 400", response=_openai_response(400, {"retry-after": "3"}), body=body
    )
    assert _classify(exc) == ClassifiedFailure(
        kind="status",
        retryable=False,
        error="BadRequestError: Error code: 400",
        status_code=400,
        retry_after_s=3.0,
        counts_for_breaker=False,
        code="context_length_exceeded",
    )


def test_a_503_retry_after_date_is_read_with_the_callers_clock() -> None:
    exc = _openai_status(503, {"retry-after": RETRY_DATE})
    assert _classify(exc, now_epoch=RETRY_EPOCH - 4).retry_after_s == 4.0


# Timeouts, connections and raw httpx2 errors ----------------------------------------------


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (openai.APITimeoutError(request=OPENAI_REQUEST), "APITimeoutError: Request timed out."),
        (
            anthropic.APITimeoutError(request=ANTHROPIC_REQUEST),
            "APITimeoutError: Request timed out or interrupted. This could be due to a network "
            "timeout, dropped connection, or request cancellation. See "
            "https://docs.anthropic.com/en/api/errors#long-requests for more details.",
        ),
        (httpx2.ReadTimeout("timed out", request=OPENAI_REQUEST), "ReadTimeout: timed out"),
    ],
    ids=["openai", "anthropic", "httpx2"],
)
def test_timeouts_are_retried(exc: BaseException, expected: str) -> None:
    assert _classify(exc) == ClassifiedFailure(kind="timeout", retryable=True, error=expected)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            openai.APIConnectionError(request=OPENAI_REQUEST),
            "APIConnectionError: Connection error.",
        ),
        (
            anthropic.APIConnectionError(request=ANTHROPIC_REQUEST),
            "APIConnectionError: Connection error.",
        ),
        (
            httpx2.ConnectError("[Errno 111] Connection refused"),
            "ConnectError: [Errno 111] Connection refused",
        ),
        (
            httpx2.RemoteProtocolError("peer closed connection"),
            "RemoteProtocolError: peer closed connection",
        ),
        (httpx2.DecodingError("bad gzip", request=OPENAI_REQUEST), "DecodingError: bad gzip"),
        (
            httpx2.TooManyRedirects("21 redirects", request=OPENAI_REQUEST),
            "TooManyRedirects: 21 redirects",
        ),
    ],
    ids=["openai", "anthropic", "connect", "protocol", "decoding", "redirects"],
)
def test_connection_failures_are_retried(exc: BaseException, expected: str) -> None:
    """The SDKs' connection errors, httpx2's transport errors, and its other request errors."""
    assert _classify(exc) == ClassifiedFailure(kind="connection", retryable=True, error=expected)


@pytest.mark.parametrize(("status", "retryable"), [(400, False), (503, True)])
def test_httpx2_raise_for_status_is_classified_by_its_status(status: int, retryable: bool) -> None:
    """An adapter on httpx2 itself that calls ``raise_for_status()``: a 400 is not retried."""
    response = _openai_response(status, {"retry-after": "2"})
    with pytest.raises(httpx2.HTTPStatusError) as raised:
        response.raise_for_status()
    failure = _classify(raised.value)
    assert failure == ClassifiedFailure(
        kind="status",
        retryable=retryable,
        error=describe_exception(raised.value),
        status_code=status,
        retry_after_s=2.0,
        counts_for_breaker=status != 400,
    )


def test_httpx2_raise_for_status_reads_a_retry_after_date_with_the_callers_clock() -> None:
    response = _openai_response(429, {"retry-after": RETRY_DATE})
    with pytest.raises(httpx2.HTTPStatusError) as raised:
        response.raise_for_status()
    failure = _classify(raised.value, now_epoch=RETRY_EPOCH - 8)
    assert (failure.kind, failure.retryable, failure.retry_after_s) == ("rate_limited", True, 8.0)


def test_an_sdk_module_without_its_exception_classes_matches_nothing() -> None:
    """Only real exception classes of a loaded module count: a stand-in module of the SDK's
    name (a stub, or one still importing) that lacks them neither matches nor breaks anything."""
    stub = types.ModuleType("openai")
    stub.APITimeoutError = "not a class"  # type: ignore[attr-defined]
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "openai", stub)
        assert classify_sdk_error(KeyError("x")) is None
        failure = _classify(httpx2.ConnectError("refused"))
    assert failure == ClassifiedFailure(
        kind="connection", retryable=True, error="ConnectError: refused"
    )


# Malformed answers ------------------------------------------------------------------------


@pytest.mark.parametrize("retryable", [True, False])
def test_malformed_response_keeps_its_retryable(retryable: bool) -> None:
    exc = MalformedResponse("no choices in the answer", retryable=retryable)
    assert _classify(exc) == ClassifiedFailure(
        kind="malformed", retryable=retryable, error="MalformedResponse: no choices in the answer"
    )


def test_a_json_body_cut_short_is_malformed_and_retried() -> None:
    with pytest.raises(json.JSONDecodeError) as raised:
        json.loads('{"choices": [')
    assert _classify(raised.value) == ClassifiedFailure(
        kind="malformed",
        retryable=True,
        error="JSONDecodeError: Expecting value: line 1 column 14 (char 13)",
    )


# Errors inside a 200 stream ---------------------------------------------------------------


def _stream_error(body: object) -> openai.APIError:
    """What openai's stream raises for an error event: ``APIError`` with the event's error."""
    return openai.APIError("An error occurred during streaming", OPENAI_REQUEST, body=body)


STREAM_ERROR = "APIError: An error occurred during streaming"


def test_anthropic_overloaded_event_in_a_200_stream_is_a_529() -> None:
    """anthropic raises an ``error`` event as ``APIStatusError`` of the stream's 200 response."""
    body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    exc = anthropic.APIStatusError("Overloaded", response=_anthropic_response(200), body=body)
    assert _classify(exc, now_epoch=RETRY_EPOCH) == ClassifiedFailure(
        kind="status",
        retryable=True,
        error="APIStatusError: Overloaded",
        status_code=529,
        code="overloaded_error",
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"error": {"message": "upstream failed"}, "status_code": 502}, 502),
        ({"error": {"message": "busy", "status": 503}}, 503),
        ({"message": "bad request", "status_code": "400"}, 400),
        ({"message": "Rate limit exceeded", "code": "429"}, 429),
        ({"message": "continue", "code": 100}, 100),
        ({"message": "last", "code": 599}, 599),
    ],
    ids=["beside", "inside", "string", "openrouter-code", "lowest", "highest"],
)
def test_a_stream_error_carrying_a_status_is_handled_as_that_status(
    body: object, status: int
) -> None:
    """Beside the error, inside it, or as a numeric ``code`` (OpenRouter), number or digits."""
    failure = _classify(_stream_error(body))
    assert (failure.status_code, failure.code) == (status, None)
    if status == 429:
        assert (failure.kind, failure.retryable) == ("rate_limited", True)
    else:
        assert failure.kind == "status"
        assert failure.retryable is (status >= 500)
    assert failure.error == STREAM_ERROR


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (None, None),
        ("plain text event", None),
        ({"error": "boom"}, None),
        ({"message": "odd", "code": 99}, "99"),
        ({"message": "odd", "code": 600}, "600"),
        ({"message": "odd", "code": True}, "True"),
        ({"message": "failed", "code": "server_overloaded"}, "server_overloaded"),
    ],
    ids=["none", "text", "string-error", "below-100", "above-599", "bool", "named"],
)
def test_a_stream_error_without_a_status_is_retried(body: object, code: str | None) -> None:
    """A body that names no status (none, not an object, a number outside 100-599) is retried
    once more; a code that is no status is kept as the provider's code."""
    assert _classify(_stream_error(body), now_epoch=RETRY_EPOCH) == ClassifiedFailure(
        kind="status", retryable=True, error=STREAM_ERROR, code=code
    )


def test_a_stream_error_with_an_unreadable_type_names_no_status() -> None:
    failure = _classify(_stream_error({"type": ["overloaded_error"], "message": "odd"}))
    assert (failure.kind, failure.retryable, failure.status_code) == ("status", True, None)


# How a failure is shown -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "shown"),
    [
        (ValueError("line one\nline two"), "ValueError: line one line two"),
        (ValueError("  padded  "), "ValueError: padded"),
        (ValueError(), "ValueError"),
        (ValueError("x" * 300), "ValueError: " + "x" * 300),
        (ValueError("x" * 301), "ValueError: " + "x" * 300 + "..."),
    ],
    ids=["newline", "padded", "empty", "300", "301"],
)
def test_describe_exception_is_one_line_of_at_most_300_characters(
    exc: BaseException, shown: str
) -> None:
    assert describe_exception(exc) == shown
