"""A hostile server plants credentials everywhere: none reaches the cassette, the scanner finds
each in an unredacted copy, and error messages, decision records and snapshots hold none."""

from __future__ import annotations

import json
import traceback
from pathlib import Path
from typing import Any

import openai
import pytest
from pydantic import SecretStr

from agentkit.agents._decision import DecisionRecord, Exchange
from agentkit.models import (
    Message,
    ModelAPI,
    ModelCallError,
    ModelParams,
    RetryPolicy,
    SDKErrorCause,
)
from agentkit.replay import Redactor, scan_value, use_cassette
from agentkit.testing import mask_volatile
from tests.replay._hostile import (
    PROXY_KEY,
    REQUEST_BODY_EXTRA,
    REQUEST_HEADERS,
    REQUEST_QUERY,
    REQUEST_SECRETS,
    HostileServer,
    all_planted,
    hostile_server,
)

HELLO = [Message.user("hello")]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The hostile server, with its key configured as a secret environment variable."""
    monkeypatch.setenv("MODEL_PROXY_API_KEY", PROXY_KEY)
    with hostile_server() as running:
        yield running


def _api(base_url: str) -> ModelAPI:
    return ModelAPI(
        ModelParams(
            name="gpt-4",
            base_url=base_url,
            api_key=SecretStr(PROXY_KEY),
            retry=RetryPolicy(max_attempts=1),
        )
    )


async def _record(server: HostileServer, path: Path) -> tuple[Any, ModelCallError]:
    """Record a ModelAPI call, a 401 and an openai SDK call with planted request credentials."""
    async with use_cassette(path, mode="all"):
        answer = await _api(server.base_url).chat(HELLO)
        with pytest.raises(ModelCallError) as failed:
            await _api(server.bad_base_url).chat(HELLO)
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key=PROXY_KEY, max_retries=0)
        await client.chat.completions.create(
            model="gpt-4",
            messages=[{"role": "user", "content": "hi"}],
            extra_body=REQUEST_BODY_EXTRA,
            extra_headers=REQUEST_HEADERS,
            extra_query=REQUEST_QUERY,
        )
    return answer, failed.value


def _leaves(value: Any, location: str = "") -> list[tuple[str, str]]:
    """Every (location, string) in ``value``, located the way the scanner names them."""
    if isinstance(value, str):
        return [(location, value)]
    if isinstance(value, dict):
        return [
            leaf
            for key, item in value.items()
            for leaf in _leaves(item, f"{location}.{key}" if location else str(key))
        ]
    if isinstance(value, list | tuple):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, f"{location}[{i}]")]
    return []


def _leaks(text: str, *, query: bool = True) -> list[str]:
    return [
        name
        for name, value in all_planted().items()
        if value in text and (query or not name.startswith("req:query-"))
    ]


async def test_the_cassette_holds_no_planted_credential(
    server: HostileServer, tmp_path: Path
) -> None:
    """Request fields and headers, response bodies and headers: every planted value is redacted
    (query parameters once ``_vcr.py`` redacts them by name; see the next test)."""
    path = tmp_path / "hostile.json"
    await _record(server, path)
    text = path.read_text(encoding="utf-8")
    assert _leaks(text) == []
    for volatile in ("x-request-id", "openai-processing-ms", "cf-ray", "x-envoy-upstream"):
        assert volatile not in text
    findings = scan_value(json.loads(text))
    assert findings == []


async def test_query_parameters_are_redacted_by_name(server: HostileServer, tmp_path: Path) -> None:
    """``?api_key=`` and ``?token=`` are redacted whatever their value."""
    path = tmp_path / "hostile.json"
    await _record(server, path)
    text = path.read_text(encoding="utf-8")
    assert [name for name in _leaks(text) if name.startswith("req:query-")] == []


def test_redactor_query_applies_the_name_rule() -> None:
    """``Redactor.query`` replaces credential-named parameters and keeps the others."""
    redactor = Redactor(environ={})
    assert redactor.query("api_key", REQUEST_SECRETS["query-api_key"]) == "<REDACTED:api_key>"
    assert redactor.query("token", REQUEST_SECRETS["query-token"]) == "<REDACTED:token>"
    assert redactor.query("api-version", "2024-06-01") == "2024-06-01"


async def test_the_scanner_finds_each_planted_credential_in_an_unredacted_copy(
    server: HostileServer, tmp_path: Path
) -> None:
    """Every planted value sits at a location the scanner reports."""
    await _record(server, tmp_path / "hostile.json")
    copy = server.unredacted_copy()
    found = [finding.location for finding in scan_value(copy)]
    missed = []
    for name, value in all_planted().items():
        where = [loc for loc, text in _leaves(copy) if value in text]
        assert where, f"{name} was not planted"
        if not any(loc.startswith(f) or f.startswith(loc) for loc in where for f in found):
            missed.append(name)
    assert missed == []


async def test_errors_records_and_snapshots_hold_no_planted_credential(
    server: HostileServer, tmp_path: Path
) -> None:
    """A 401 echoing the key, the exchanges and decision built from these calls, and the
    snapshot of them, hold none of the planted values."""
    answer, error = await _record(server, tmp_path / "hostile.json")
    assert error.status_code == 401
    assert _leaks(str(error)) == []
    assert _leaks(error.summary) == []
    assert all(_leaks(attempt.error) == [] for attempt in error.attempts)
    exchange = Exchange(messages=(*HELLO, answer.to_message()), response=answer, error=str(error))
    record = DecisionRecord(
        action="noop", source="fallback", reason=str(error), exchanges=(exchange,)
    )
    assert _leaks(record.model_dump_json()) == []
    assert _leaks(json.dumps(mask_volatile({"raw": answer.content, "record": record}))) == []
    # The planted values did reach the live answer: the redaction above is what removed them.
    assert _leaks(answer.content or "") != []


async def test_the_printed_traceback_holds_no_planted_credential(
    server: HostileServer, tmp_path: Path
) -> None:
    """The SDK's own exception (whose text echoes the key) is not chained: its redacted stand-in
    is, so a traceback that pytest or a logger prints carries no credential."""
    _, error = await _record(server, tmp_path / "hostile.json")
    cause = error.__cause__
    assert isinstance(cause, SDKErrorCause)
    assert cause.sdk_class == "openai.AuthenticationError"
    assert cause.__traceback__ is not None  # where the SDK raised is kept
    printed = "".join(traceback.format_exception(error))
    assert "openai.AuthenticationError" in printed
    assert _leaks(printed) == []
