"""litellm: ``completion`` (sync, its own httpx client) and ``acompletion`` (async, aiohttp),
plain and streamed; its price-list download is answered by a default rule."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "litellm", reason="litellm is not installed: pip install 'agentkit[frameworks]'"
)

import litellm
from litellm.litellm_core_utils.get_model_cost_map import get_model_cost_map
from litellm.llms.custom_httpx.async_client_cleanup import close_litellm_async_clients

import agentkit.replay._vcr
from agentkit.replay import CassetteFile, save_cassette, use_cassette
from agentkit.replay._errors import EmptyCassetteError
from agentkit.replay._ignore import DEFAULT_IGNORE_ROUTES, find_route
from tests._model_server import serving
from tests.frameworks._roundtrip import arecord_then_replay, record_then_replay

# litellm builds a pydantic model of a TypedDict with ReadOnly items on its first call.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Items? .* (is|are) using the `ReadOnly` qualifier:UserWarning"
)

MESSAGES = [{"role": "user", "content": "hi"}]


def _options(base_url: str) -> dict[str, Any]:
    return {
        "model": "openai/gpt-4o-mini",
        "api_base": base_url,
        "api_key": "sk-test",
        "messages": MESSAGES,
    }


@pytest.fixture
async def _closes_litellm_clients() -> AsyncIterator[None]:
    """litellm caches its aiohttp sessions: close them before the test's event loop goes."""
    yield
    await close_litellm_async_clients()
    litellm.in_memory_llm_clients_cache.flush_cache()


def test_completion_plain_and_streamed(tmp_path: Path) -> None:
    """The sync path replays a plain and a streamed completion identically."""

    def run(base_url: str) -> list[Any]:
        plain = litellm.completion(**_options(base_url))
        stream = litellm.completion(**_options(base_url), stream=True)
        return [plain.choices[0].message.content, [c.choices[0].delta.content for c in stream]]

    trip = record_then_replay(tmp_path / "litellm.json", run)
    assert trip.replayed == trip.recorded
    assert trip.recorded[0] == "echo: hi"
    assert "".join(d or "" for d in trip.recorded[1]) == "echo: hi"


@pytest.mark.usefixtures("_closes_litellm_clients")
async def test_acompletion_plain_and_streamed_through_aiohttp(tmp_path: Path) -> None:
    """The async path, which sends through aiohttp, replays identically, stream included."""

    async def run(base_url: str) -> list[Any]:
        plain = await litellm.acompletion(**_options(base_url))
        stream = await litellm.acompletion(**_options(base_url), stream=True)
        deltas = [chunk.choices[0].delta.content async for chunk in stream]
        return [plain.choices[0].message.content, deltas]

    trip = await arecord_then_replay(tmp_path / "litellm.json", run)
    assert trip.replayed == trip.recorded
    assert trip.recorded[0] == "echo: hi"
    assert "".join(d or "" for d in trip.recorded[1]) == "echo: hi"


@pytest.mark.usefixtures("_closes_litellm_clients")
async def test_without_the_aiohttp_patcher_acompletion_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's failure, reproduced: with only the httpx patchers, the async path reaches
    the server unrecorded, and on_empty="error" says so instead of passing silently."""
    monkeypatch.setattr(agentkit.replay._vcr, "INTERCEPTED_LIBRARIES", ("httpx", "httpx2"))
    with serving() as server:
        with pytest.raises(EmptyCassetteError, match="recorded no interaction"):
            async with use_cassette(tmp_path / "litellm.json", mode="once", on_empty="error"):
                await litellm.acompletion(**_options(server.base_url))
        assert server.hits == ["POST /v1/chat/completions"]


def test_the_price_list_download_is_answered_in_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """litellm's own price-list fetch, from a thread, gets the default rule's 404 in replay:
    litellm keeps its bundled list, no request leaves, the block passes."""
    assert find_route(DEFAULT_IGNORE_ROUTES, "GET", litellm.model_cost_map_url) is not None
    monkeypatch.delenv("LITELLM_LOCAL_MODEL_COST_MAP", raising=False)
    path = tmp_path / "empty.json"
    save_cassette(path, CassetteFile())
    loaded: list[dict[str, Any]] = []
    fetch = threading.Thread(
        target=lambda: loaded.append(
            get_model_cost_map(url=litellm.model_cost_map_url, max_attempts=1)
        ),
        name="price-list",
    )
    with use_cassette(path) as cassette:
        fetch.start()
        fetch.join()
    assert len(loaded[0]) > 100  # the bundled price list
    assert [(i.action, i.origin) for i in cassette.ignored] == [("answer", "thread 'price-list'")]
    assert cassette.mismatches == []
