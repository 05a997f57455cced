"""model_replay's other ways in: as a decorator of sync and async functions (a fresh cassette
per call), refused when entered twice, and a fault plan over streamed answers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx2
import pytest

from agentkit import UsageError
from agentkit.faults import Fault, FaultKind, FaultPlan, FaultRule, When
from agentkit.models import Message, ModelAPI, ModelParams, RetryPolicy
from agentkit.replay import model_replay, use_cassette
from agentkit.testing import ScriptedProvider, chat_completion, chat_completion_chunks
from agentkit.testing._fakes import sse_response

ASK = [Message.system("You book flights."), Message.user("Book F001 for two.")]
PARAMS = ModelParams(name="gpt-4", api_key="sk-test", retry=RetryPolicy(max_attempts=1))


def _api(http_client: httpx2.AsyncClient | None = None) -> ModelAPI:
    return ModelAPI(PARAMS, http_client=http_client, environ={})


def _recorded(path: Path, *, stream: bool) -> Path:
    reply: Any = (
        sse_response(chat_completion_chunks(content="Booked F001."))
        if stream
        else chat_completion(content="Booked F001.")
    )

    async def record() -> None:
        provider = ScriptedProvider([reply])
        api = _api(httpx2.AsyncClient(transport=httpx2.MockTransport(provider)))
        async with use_cassette(path, mode="all"):
            if stream:
                [event async for event in api.stream(ASK)]
            else:
                await api.chat(ASK)

    asyncio.run(record())
    return path


def test_a_decorated_sync_function_replays_in_a_fresh_cassette_per_call(tmp_path: Path) -> None:
    path = _recorded(tmp_path / "chat.json", stream=False)

    @model_replay(path, mode="none")
    def book() -> str | None:
        return asyncio.run(_api().chat(ASK)).content

    assert book.__name__ == "book"
    # Twice: one recorded answer, played once per call, so each call has its own cassette.
    assert book() == "Booked F001."
    assert book() == "Booked F001."


async def test_a_decorated_async_function_replays_in_a_fresh_cassette_per_call(
    tmp_path: Path,
) -> None:
    path = await asyncio.to_thread(_recorded, tmp_path / "chat.json", stream=False)

    @model_replay(path, mode="none")
    async def book() -> str | None:
        return (await _api().chat(ASK)).content

    assert asyncio.iscoroutinefunction(book)
    assert await book() == "Booked F001."
    assert await book() == "Booked F001."


def test_entering_one_context_twice_is_refused(tmp_path: Path) -> None:
    path = _recorded(tmp_path / "chat.json", stream=False)
    context = model_replay(path, mode="none", allow_unplayed=True)
    with context, pytest.raises(UsageError) as raised, context:
        pytest.fail("the second entry must not run")
    assert str(raised.value) == (
        "This model_replay(...) context is already active; it cannot be entered twice. "
        "Call model_replay(...) again for a second, nested cassette."
    )


async def test_a_fault_plan_passes_a_streamed_answer_through_unchanged_when_nothing_fires(
    tmp_path: Path,
) -> None:
    path = await asyncio.to_thread(_recorded, tmp_path / "stream.json", stream=True)
    plan = FaultPlan(
        rules=(FaultRule(fault=Fault(kind=FaultKind.NULL_CONTENT), when=When(calls=(9,))),)
    )
    outcomes = []
    for faults in (None, plan):
        context = model_replay(path, mode="none", faults=faults)
        async with context as cassette:
            events = [event async for event in _api().stream(ASK)]
            assert cassette.all_played
        outcomes.append(events)
        assert context.injected == []
    assert outcomes[0] == outcomes[1]
    assert outcomes[1]
