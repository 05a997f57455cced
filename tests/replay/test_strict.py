"""The strict options: an empty recording as an error (``on_empty``), and a guard that refuses
loopback too (``block_loopback``), for suites whose real model server is local."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx2
import pytest

from agentkit._errors import UsageError
from agentkit.replay import (
    CassetteFile,
    NetworkBlockedError,
    ReplayError,
    ReplayMismatchError,
    block_network,
    load_cassette,
    save_cassette,
    use_cassette,
)
from agentkit.replay._errors import EmptyCassetteError
from tests._model_server import serving

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def test_on_empty_error_fails_a_recording_that_captured_nothing(tmp_path: Path) -> None:
    """The error names the cassette, the mode, the intercepted libraries and the likely cause."""
    path = tmp_path / "c.json"
    with (
        pytest.raises(EmptyCassetteError) as raised,
        use_cassette(path, mode="once", on_empty="error"),
    ):
        pass
    assert isinstance(raised.value, ReplayError)
    assert raised.value.path == path
    assert raised.value.mode == "once"
    message = str(raised.value)
    assert f"cassette {path} recorded no interaction in mode 'once'" in message
    assert "through httpx, httpx2" in message
    assert "client library is not intercepted (requests, urllib3" in message
    assert not path.exists()


def test_on_empty_error_names_requests_that_went_to_ignored_routes(tmp_path: Path) -> None:
    """A recording whose only requests were ignored says so: they are never recorded."""
    with (
        serving() as server,
        pytest.raises(EmptyCassetteError, match=r"1 request\(s\) went to ignored routes"),
        use_cassette(
            tmp_path / "c.json", mode="once", on_empty="error", ignore_hosts=["127.0.0.1"]
        ),
        httpx2.Client() as client,
    ):
        client.get(f"{server.root}/metrics")


def test_an_empty_recording_does_not_hide_the_blocks_own_failure(tmp_path: Path) -> None:
    """When the block raised, its exception propagates alone: no EmptyCassetteError, and no
    warning that filterwarnings=error would turn into the reported failure."""
    for on_empty in ("error", "warn"):
        with (
            pytest.raises(KeyError, match="boom"),
            use_cassette(tmp_path / "c.json", mode="once", on_empty=on_empty),  # type: ignore[arg-type]
        ):
            raise KeyError("boom")


def test_on_empty_ignore_is_silent_and_bad_values_fail_at_the_call(tmp_path: Path) -> None:
    """ "ignore" neither warns nor raises (filterwarnings=error would show a warning); a value
    that is not a choice is a UsageError before the block runs."""
    with use_cassette(tmp_path / "c.json", mode="once", on_empty="ignore"):
        pass
    with pytest.raises(UsageError, match=r"on_empty must be one of 'warn', 'error' or 'ignore'"):
        use_cassette(tmp_path / "c.json", on_empty="raise")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="on_background_mismatch must be one of"):
        use_cassette(tmp_path / "c.json", on_background_mismatch=True)  # type: ignore[arg-type]


def test_a_replay_that_sends_nothing_is_not_an_empty_recording(tmp_path: Path) -> None:
    """on_empty concerns recording blocks: a replay-only block that sends nothing is fine."""
    path = tmp_path / "c.json"
    save_cassette(path, CassetteFile())
    with use_cassette(path, on_empty="error"):
        pass


def test_block_loopback_refuses_a_local_server_that_is_still_up(tmp_path: Path) -> None:
    """Recorded against a local server, replayed with block_loopback: the server stays up, yet
    an unrecorded request is a mismatch and a raw connection to it is refused."""
    path = tmp_path / "c.json"
    with serving() as server:
        with use_cassette(path, mode="once", block_loopback=True), httpx2.Client() as client:
            # Recording: the guard is off, the local server answers.
            client.post(f"{server.base_url}/chat/completions", json=CHAT)
        assert len(load_cassette(path).interactions) == 1
        changed = {**CHAT, "messages": [{"role": "user", "content": "bye"}]}
        with (
            pytest.raises(ReplayMismatchError),
            use_cassette(path, block_loopback=True, allow_unplayed=True),
            httpx2.Client() as client,
        ):
            client.post(f"{server.base_url}/chat/completions", json=changed)
        host, port = server.server_address[:2]
        with (
            pytest.raises(NetworkBlockedError) as blocked,
            use_cassette(path, block_loopback=True, allow_unplayed=True),
        ):
            socket.create_connection((str(host), int(port)), timeout=5)
        assert server.hits == ["POST /v1/chat/completions"]
    assert blocked.value.loopback
    assert blocked.value.port == port
    assert "block_loopback=True" in str(blocked.value)


def test_a_loopback_refusing_guard_nests_inside_an_ordinary_one() -> None:
    """Loopback is refused while any active guard asks for it, and open again after."""
    with serving() as server:
        address = server.server_address[:2]
        with block_network():
            socket.create_connection(address, timeout=5).close()
            with (
                block_network(allow_loopback=False),
                pytest.raises(NetworkBlockedError, match="refuses loopback"),
            ):
                socket.create_connection(address, timeout=5)
            socket.create_connection(address, timeout=5).close()
            with pytest.raises(NetworkBlockedError, match="allows loopback connections only"):
                socket.create_connection(("192.0.2.1", 443), timeout=5)
