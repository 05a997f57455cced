"""Requests from threads and tasks the test did not start are reported apart from its own, and
``on_background_mismatch`` decides whether they fail the block."""

from __future__ import annotations

import asyncio
import contextvars
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest

from agentkit.replay import (
    Cassette,
    CassetteFile,
    ReplayMismatchError,
    _scope,
    save_cassette,
    use_cassette,
)
from agentkit.replay._errors import BackgroundMismatchError, BackgroundRequestWarning

TRACES = "https://api.openai.com/v1/traces/ingest"
PRICES = (
    "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
)
STATS = "https://stats.example.com/collect"


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    """A recorded cassette with no interaction: every request to it is unrecorded."""
    path = tmp_path / "empty.json"
    save_cassette(path, CassetteFile())
    return path


def _in_thread(target: Callable[[], Any], name: str) -> Any:
    """Run ``target`` on a new thread named ``name``; its result, or the exception it raised."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(target())
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, name=name)
    thread.start()
    thread.join()
    return outcome[0]


def _post(url: str) -> Any:
    with httpx2.Client() as client:
        return client.post(url, json={"data": [{"id": "trace_0a1b"}]})


def test_background_telemetry_to_an_ignored_route_neither_fails_nor_reaches_the_network(
    empty: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exporter thread's trace upload (httpx2) and a price-list download (httpx, like
    litellm's) are answered by the default stand-ins in replay: no socket is opened, and the
    block passes."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def spy(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", spy)

    def download() -> httpx.Response:
        return httpx.get(PRICES, timeout=5)

    with use_cassette(empty, block_loopback=True) as cassette:
        traced = _in_thread(lambda: _post(TRACES), "trace-exporter")
        prices = _in_thread(download, "litellm-model-cost-map-retry")
    assert traced.status_code == 204
    assert prices.status_code == 404
    assert attempts == []
    assert [(i.url, i.action, i.origin) for i in cassette.ignored] == [
        (TRACES, "answer", "thread 'trace-exporter'"),
        (PRICES, "answer", "thread 'litellm-model-cost-map-retry'"),
    ]
    assert cassette.mismatches == []


def test_a_background_mismatch_is_refused_there_and_warns_by_default(empty: Path) -> None:
    """The thread gets its client's connection error (telemetry code handles it, as offline),
    caused by a BackgroundMismatchError naming the thread and the route; the block only warns."""
    with (
        pytest.warns(BackgroundRequestWarning, match=r"POST stats\.example\.com/collect from "),
        use_cassette(empty) as cassette,
    ):
        raised = _in_thread(lambda: _post(STATS), "stats-uploader")
    assert isinstance(raised, httpx2.ConnectError)
    mismatch = raised.__cause__
    assert isinstance(mismatch, BackgroundMismatchError)
    assert isinstance(mismatch, ReplayMismatchError)  # `except ReplayMismatchError` sees it
    assert mismatch.origin == "thread 'stats-uploader'"
    assert "Replay mismatch from a background thread 'stats-uploader'" in str(mismatch)
    assert "ignore_routes=['POST stats.example.com/collect']" in str(mismatch)
    assert str(raised) == str(mismatch)
    assert cassette.background_mismatches == [mismatch]


def test_background_mismatches_fail_the_block_when_asked(empty: Path) -> None:
    """on_background_mismatch="error" raises the first one at exit; "ignore" says nothing."""
    with (
        pytest.raises(BackgroundMismatchError, match="stats-uploader"),
        use_cassette(empty, on_background_mismatch="error"),
    ):
        _in_thread(lambda: _post(STATS), "stats-uploader")
    with use_cassette(empty, on_background_mismatch="ignore") as cassette:
        _in_thread(lambda: _post(STATS), "stats-uploader")
    assert len(cassette.background_mismatches) == 1


def test_the_tests_own_mismatch_still_fails_the_block_first(empty: Path) -> None:
    """A background mismatch beside one of the test's own: the own one is raised, as before."""

    def both() -> None:
        _in_thread(lambda: _post(STATS), "stats-uploader")
        with pytest.raises(ReplayMismatchError):
            _post("https://model.example.com/v1/chat/completions")

    with pytest.raises(ReplayMismatchError) as raised, use_cassette(empty):
        both()
    assert not isinstance(raised.value, BackgroundMismatchError)
    assert raised.value.request.path == "/v1/chat/completions"


async def _apost(url: str) -> Any:
    async with httpx2.AsyncClient() as client:
        return await client.post(url, json={"q": 1})


def _copied_context_thread() -> Any:
    context = contextvars.copy_context()
    return _in_thread(lambda: context.run(_post, STATS), "worker")


async def _launch(how: str) -> Any:
    if how == "task":
        return await asyncio.gather(asyncio.create_task(_apost(STATS)), return_exceptions=True)
    if how == "to_thread":
        return await asyncio.gather(asyncio.to_thread(_post, STATS), return_exceptions=True)
    return [_copied_context_thread()]


@pytest.mark.parametrize("how", ["task", "to_thread", "copy_context"])
async def test_tasks_and_threads_started_from_the_block_are_its_own(empty: Path, how: str) -> None:
    """Tasks created in the block, asyncio.to_thread and threads run in a copied context inherit
    the cassette: their mismatch is the test's own and fails the block."""
    outcomes: list[Any] = []

    async def block() -> None:
        async with use_cassette(empty):
            outcomes.extend(await _launch(how))

    with pytest.raises(ReplayMismatchError) as raised:
        await block()
    assert [type(outcome) for outcome in outcomes] == [ReplayMismatchError]
    assert type(raised.value) is ReplayMismatchError


async def test_executor_threads_and_earlier_tasks_are_background(empty: Path) -> None:
    """run_in_executor copies no context, and a task created before the block keeps the
    context it had: both are background."""
    go = asyncio.Event()

    async def early() -> Any:
        await go.wait()
        return await _apost(STATS)

    outcomes: list[Any] = []

    async def block() -> Cassette:
        async with use_cassette(empty) as cassette:
            loop = asyncio.get_running_loop()
            outcomes.extend(
                await asyncio.gather(
                    loop.run_in_executor(None, _post, STATS), return_exceptions=True
                )
            )
            go.set()
            outcomes.extend(await asyncio.gather(before, return_exceptions=True))
        return cassette

    before = asyncio.create_task(early(), name="poller")
    with pytest.warns(BackgroundRequestWarning, match="2 request"):
        cassette = await block()
    executed, polled = outcomes
    assert isinstance(executed.__cause__, BackgroundMismatchError)
    assert isinstance(polled.__cause__, BackgroundMismatchError)
    assert polled.__cause__.origin == "task 'poller' on thread 'MainThread'"
    assert len(cassette.background_mismatches) == 2


async def test_a_cassette_entered_in_one_task_and_exited_in_another_closes(empty: Path) -> None:
    """Frameworks may run a fixture's setup and teardown in different tasks: the cassette
    still closes, and afterwards the test's context owns no cassette."""
    context = use_cassette(empty, mode="new_episodes", on_empty="ignore")
    cassette = await asyncio.create_task(context.__aenter__())
    assert not _scope.is_own(cassette)  # entered in the child task's copy of the context
    await context.__aexit__(None, None, None)
    assert not _scope.is_own(cassette)


def test_a_background_mismatch_behind_the_blocks_failure_is_surfaced(empty: Path) -> None:
    """A worker thread of the test's own, not started in its context, fails on a drifted
    request and the test re-raises that: the block reports the mismatch, with its diff and
    the copy_context advice, instead of a bare connection error."""

    def block() -> None:
        raised = _in_thread(lambda: _post(STATS), "worker")
        raise RuntimeError("the agent failed") from raised

    with (
        pytest.raises(BackgroundMismatchError, match=r"contextvars\.copy_context"),
        use_cassette(empty),
    ):
        block()
