"""aiohttp (litellm's async client) is recorded and replayed like httpx2, streams included."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest

from agentkit.replay import (
    CassetteFile,
    EmptyCassetteWarning,
    NetworkBlockedError,
    ReplayMismatchError,
    load_cassette,
    save_cassette,
    use_cassette,
)
from agentkit.replay._ignore import IgnoreRoute
from agentkit.replay._vcr import intercepted_libraries
from tests._model_server import serving

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def aiohttp() -> Any:
    """The aiohttp module, or a skip when it is not installed."""
    return pytest.importorskip("aiohttp", reason="aiohttp is not installed (pip install aiohttp)")


async def _talk(aiohttp: Any, base_url: str) -> tuple[Any, list[Any], list[bytes]]:
    """A plain answer, a stream read line by line, and a stream read in chunks."""
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base_url}/chat/completions", json=CHAT) as response:
            assert response.status == 200
            plain = await response.json()
        events = []
        streamed = {**CHAT, "stream": True}
        async with session.post(f"{base_url}/chat/completions", json=streamed) as response:
            async for line in response.content:
                if line.startswith(b"data: ") and line.strip() != b"data: [DONE]":
                    events.append(json.loads(line[len(b"data: ") :]))
        async with session.post(f"{base_url}/chat/completions", json=streamed) as response:
            chunks = [chunk async for chunk in response.content.iter_chunked(64)]
    return plain, events, chunks


async def test_plain_and_streamed_answers_replay_with_the_server_stopped(
    tmp_path: Path, aiohttp: Any
) -> None:
    """Recorded once against a loopback server, replayed in mode none after it stopped: the same
    JSON answer and the same events, whether the stream is read by line or by chunk."""
    path = tmp_path / "aiohttp.json"
    with serving() as server:
        async with use_cassette(path, mode="once") as recording:
            recorded = await _talk(aiohttp, server.base_url)
        assert len(server.hits) == 3
    assert len(recording.recorded) == 3
    async with use_cassette(path, mode="none", block_loopback=True) as replay:
        replayed = await _talk(aiohttp, server.base_url)
    assert replay.all_played
    assert replayed[0] == recorded[0]
    assert replayed[1] == recorded[1]
    assert [e["choices"] for e in replayed[1]][1] == [
        {"index": 0, "delta": {"content": "echo"}, "finish_reason": None}
    ]
    assert b"".join(replayed[2]).count(b"data: ") == b"".join(recorded[2]).count(b"data: ")


async def test_compressed_answers_are_stored_decoded(tmp_path: Path, aiohttp: Any) -> None:
    """aiohttp decompresses a gzip answer but keeps its content-encoding header: the cassette
    stores the parsed JSON without that header, and SSE as events."""
    path = tmp_path / "aiohttp.json"
    with serving() as server:
        async with use_cassette(path, mode="once"):
            await _talk(aiohttp, server.base_url)
    plain, streamed, _ = load_cassette(path).interactions
    assert "content-encoding" not in plain.response.headers
    assert plain.response.body["choices"][0]["message"]["content"] == "echo: hi"
    assert plain.request.body == CHAT
    assert streamed.response.events is not None
    assert streamed.response.events[-1].data == "[DONE]"


async def test_compressed_bytes_aiohttp_did_not_decode_are_decoded_once(
    tmp_path: Path, aiohttp: Any
) -> None:
    """With auto_decompress=False (litellm's setting) the gzip bytes arrive as sent and are
    decoded for the cassette; the replay answers the client with the decoded body."""
    path = tmp_path / "aiohttp.json"
    with serving() as server:
        async with (
            use_cassette(path, mode="once"),
            aiohttp.ClientSession(auto_decompress=False) as session,
            session.post(f"{server.base_url}/chat/completions", json=CHAT) as response,
        ):
            assert response.headers["content-encoding"] == "gzip"
            await response.read()
    (interaction,) = load_cassette(path).interactions
    assert interaction.response.body["choices"][0]["message"]["content"] == "echo: hi"
    async with (
        use_cassette(path),
        aiohttp.ClientSession(auto_decompress=False) as session,
        session.post("http://127.0.0.1:9/v1/chat/completions", json=CHAT) as response,
    ):
        assert (await response.json())["choices"][0]["message"]["content"] == "echo: hi"


async def test_an_unrecorded_request_is_a_mismatch_not_a_connection(
    tmp_path: Path, aiohttp: Any
) -> None:
    """In mode none a new prompt through aiohttp fails with agentkit's diff, and the loopback
    server, still up, is never asked."""
    path = tmp_path / "aiohttp.json"
    with serving() as server:
        async with use_cassette(path, mode="once"):
            await _talk(aiohttp, server.base_url)
        changed = {**CHAT, "messages": [{"role": "user", "content": "bye"}]}
        with pytest.raises(ReplayMismatchError, match=r"content changed: 'hi' -> 'bye'"):
            async with (
                use_cassette(path, allow_unplayed=True),
                aiohttp.ClientSession() as session,
            ):
                await session.post(f"{server.base_url}/chat/completions", json=changed)
        assert len(server.hits) == 3


async def test_the_loopback_guard_stops_aiohttp_before_it_connects(aiohttp: Any) -> None:
    """aiohttp connects through Python's sockets, so block_loopback's guard stops it too (no
    cassette involved: the guard alone)."""
    from agentkit.replay import block_network

    with serving() as server:
        with block_network(allow_loopback=False):
            async with aiohttp.ClientSession() as session:
                with pytest.raises(NetworkBlockedError) as blocked:
                    await session.get(f"{server.base_url}/models")
        assert blocked.value.loopback
        assert server.hits == []


def test_without_aiohttp_the_other_libraries_still_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When aiohttp cannot be imported its patcher is skipped, httpx2 records as before, and an
    empty recording names only the libraries that are intercepted."""
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    monkeypatch.setitem(sys.modules, "aiohttp.client", None)
    assert intercepted_libraries() == ["httpx", "httpx2"]
    path = tmp_path / "httpx2.json"
    with serving() as server:
        with use_cassette(path, mode="once"), httpx2.Client() as client:
            assert client.post(f"{server.base_url}/chat/completions", json=CHAT).status_code == 200
        with (
            pytest.warns(EmptyCassetteWarning, match=r"through httpx or httpx2\."),
            use_cassette(tmp_path / "empty.json", mode="once"),
        ):
            pass
    assert len(load_cassette(path).interactions) == 1


async def test_a_followed_redirect_replays_hop_by_hop(tmp_path: Path, aiohttp: Any) -> None:
    """aiohttp follows a 302 itself: both hops are recorded, and replayed in order."""
    path = tmp_path / "aiohttp.json"
    with serving() as server:
        async with (
            use_cassette(path, mode="once"),
            aiohttp.ClientSession() as session,
            session.get(f"{server.root}/redirect") as response,
        ):
            assert await response.json() == {"landed": True}
    assert [i.request.path for i in load_cassette(path).interactions] == ["/redirect", "/landing"]
    async with (
        use_cassette(path, block_loopback=True) as replay,
        aiohttp.ClientSession() as session,
        session.get(f"{server.root}/redirect") as response,
    ):
        assert await response.json() == {"landed": True}
        assert [r.status for r in response.history] == [302]
    assert replay.all_played


async def test_bytes_and_form_bodies_match_on_replay(tmp_path: Path, aiohttp: Any) -> None:
    """aiohttp hands vcrpy its data= value, not the bytes it sends: raw bytes and form fields
    are stored and matched all the same."""
    path = tmp_path / "aiohttp.json"

    async def send(base: str) -> list[int]:
        async with aiohttp.ClientSession() as session:
            raw = await session.post(f"{base}/upload", data=b"\xff\xfebinary")
            form = await session.post(f"{base}/form", data={"field": "value"})
            return [raw.status, form.status]

    with serving() as server:
        async with use_cassette(path, mode="once"):
            assert await send(server.root) == [204, 204]
    raw, form = load_cassette(path).interactions
    assert raw.request.body.startswith("<binary: 8 bytes")
    assert form.request.body == {"field": "value"}
    async with use_cassette(path, block_loopback=True) as replay:
        assert await send(server.root) == [204, 204]
    assert replay.all_played


async def test_a_refused_ignored_route_raises_aiohttps_own_error(
    tmp_path: Path, aiohttp: Any
) -> None:
    """replay="refuse" raises aiohttp.ClientConnectionError, which aiohttp code handles."""
    path = tmp_path / "aiohttp.json"
    save_cassette(path, CassetteFile())
    rule = IgnoreRoute(host="telemetry.example.com", replay="refuse")
    async with (
        use_cassette(path, ignore_routes=[rule]) as cassette,
        aiohttp.ClientSession() as session,
    ):
        with pytest.raises(aiohttp.ClientConnectionError, match="agentkit refused GET"):
            await session.get("https://telemetry.example.com/ping")
    assert [i.action for i in cassette.ignored] == ["refuse"]
