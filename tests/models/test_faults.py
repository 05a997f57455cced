"""docs/faults.md rows 1-3, 6-10 and 12-15: each surfaces as the right error after the right attempts."""

from __future__ import annotations

import json

import httpx2
import pytest

from agentkit.models import (
    MalformedResponseError,
    Message,
    ModelCallError,
    ModelConnectionError,
    ModelTimeoutError,
    ProviderStatusError,
    RateLimitedError,
)
from agentkit.testing._fakes import anthropic_message, chat_completion

from .conftest import MakeAPI

HELLO = [Message.user("hello")]
OPENAI = "gpt-4"
ANTHROPIC = "anthropic/claude-test"


def _request_error(kind: type[httpx2.RequestError]) -> httpx2.RequestError:
    return kind("injected", request=httpx2.Request("POST", "https://provider.test/"))


def _status(code: int, body: object = None, **headers: str) -> httpx2.Response:
    payload = body if body is not None else {"error": {"message": f"status {code}", "type": "x"}}
    return httpx2.Response(code, json=payload, headers=headers)


def _malformed_completion(field: str, value: object) -> httpx2.Response:
    body = chat_completion(content="x")
    body[field] = value
    return httpx2.Response(200, json=body)


CASES = [
    # (row, reply, error class, attempts)
    ("1 connection refused", _request_error(httpx2.ConnectError), ModelConnectionError, 3),
    ("2 connect timeout", _request_error(httpx2.ConnectTimeout), ModelTimeoutError, 3),
    ("2 read timeout", _request_error(httpx2.ReadTimeout), ModelTimeoutError, 3),
    ("3 reset", _request_error(httpx2.RemoteProtocolError), ModelConnectionError, 3),
    ("3 read error", _request_error(httpx2.ReadError), ModelConnectionError, 3),
    ("6 rate limited", _status(429, **{"retry-after-ms": "10"}), RateLimitedError, 3),
    (
        "7 quota",
        _status(429, {"error": {"code": "insufficient_quota", "message": "q"}}),
        RateLimitedError,
        1,
    ),
    ("7 should-retry false", _status(429, **{"x-should-retry": "false"}), RateLimitedError, 1),
    ("8 408", _status(408), ProviderStatusError, 3),
    ("8 409", _status(409), ProviderStatusError, 3),
    ("8 500", _status(500), ProviderStatusError, 3),
    ("8 502", _status(502), ProviderStatusError, 3),
    ("8 503", _status(503), ProviderStatusError, 3),
    ("8 529", _status(529), ProviderStatusError, 3),
    (
        "9 context too long",
        _status(400, {"error": {"code": "context_length_exceeded", "message": "too long"}}),
        ProviderStatusError,
        1,
    ),
    ("10 401", _status(401), ProviderStatusError, 1),
    ("10 403", _status(403), ProviderStatusError, 1),
    ("10 404", _status(404), ProviderStatusError, 1),
    ("10 422", _status(422), ProviderStatusError, 1),
    (
        "12 html gateway page",
        httpx2.Response(
            200, text="<html>502 Bad Gateway</html>", headers={"content-type": "text/html"}
        ),
        MalformedResponseError,
        3,
    ),
    (
        "13 truncated json",
        httpx2.Response(
            200,
            content=json.dumps(chat_completion(content="x")).encode()[:40],
            headers={"content-type": "application/json"},
        ),
        MalformedResponseError,
        3,
    ),
    ("14 wrong shape", _malformed_completion("choices", "x"), MalformedResponseError, 3),
    ("15 no choices", _malformed_completion("choices", []), MalformedResponseError, 1),
]


@pytest.mark.parametrize(("row", "reply", "error", "attempts"), CASES, ids=[c[0] for c in CASES])
async def test_openai_fault_surfaces_as_agentkit_error(
    make_api: MakeAPI,
    row: str,
    reply: httpx2.Response | Exception,
    error: type[ModelCallError],
    attempts: int,
) -> None:
    """Through the openai SDK, the fault gives the table's error after the policy's attempts."""
    api, provider = make_api([reply] * 3)
    with pytest.raises(error) as caught:
        await api.chat(HELLO)
    assert type(caught.value) is error
    assert len(provider.requests) == attempts
    assert len(caught.value.attempts) == attempts
    assert f"failed after {attempts} attempt" in str(caught.value)
    assert "What to do:" in str(caught.value)


ANTHROPIC_CASES = [
    c for c in CASES if c[0][:2].strip() in {"1", "2", "3", "6", "7", "8", "10", "13"}
]


@pytest.mark.parametrize(
    ("row", "reply", "error", "attempts"), ANTHROPIC_CASES, ids=[c[0] for c in ANTHROPIC_CASES]
)
async def test_anthropic_fault_surfaces_as_agentkit_error(
    make_api: MakeAPI,
    row: str,
    reply: httpx2.Response | Exception,
    error: type[ModelCallError],
    attempts: int,
) -> None:
    """Through the anthropic SDK, transport and status faults classify the same way."""
    if row.startswith("13"):
        reply = httpx2.Response(
            200,
            content=json.dumps(anthropic_message(content="x")).encode()[:40],
            headers={"content-type": "application/json"},
        )
    api, provider = make_api([reply] * 3, name=ANTHROPIC)
    with pytest.raises(error) as caught:
        await api.chat(HELLO)
    assert len(provider.requests) == attempts
    assert len(caught.value.attempts) == attempts


async def test_status_errors_carry_the_status_code(make_api: MakeAPI) -> None:
    """A status failure keeps the HTTP status on the error and on every attempt."""
    api, _ = make_api([_status(503)] * 3)
    with pytest.raises(ProviderStatusError) as caught:
        await api.chat(HELLO)
    assert caught.value.status_code == 503
    assert [a.status_code for a in caught.value.attempts] == [503, 503, 503]
    assert caught.value.retryable


async def test_transient_fault_then_success(make_api: MakeAPI) -> None:
    """Two failures then an answer: the call succeeds on its third attempt."""
    api, provider = make_api(
        [_status(503), _request_error(httpx2.ReadTimeout), chat_completion(content="ok")]
    )
    response = await api.chat(HELLO)
    assert response.content == "ok"
    assert len(provider.requests) == 3


async def test_a_bug_is_not_a_model_failure(make_api: MakeAPI) -> None:
    """An exception that is not a model-call failure propagates unchanged and is not retried."""
    api, provider = make_api([ZeroDivisionError("bug in a handler")] * 3)
    with pytest.raises(ZeroDivisionError):
        await api.chat(HELLO)
    assert len(provider.requests) == 1
