"""The network guard blocks non-loopback connections while replaying."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from agentkit.replay import (
    CassetteFile,
    EmptyCassetteWarning,
    NetworkBlockedError,
    block_network,
    save_cassette,
    use_cassette,
)


def test_real_connect_to_non_loopback_is_blocked_before_sending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A socket connect to a TEST-NET address raises NetworkBlockedError; the OS is never asked."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect

    def spy(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", spy)
    empty = tmp_path / "none.json"
    save_cassette(empty, CassetteFile())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkBlockedError) as caught, use_cassette(empty):
            sock.connect(("192.0.2.1", 443))
    finally:
        sock.close()
    assert attempts == []
    assert caught.value.host == "192.0.2.1"
    assert "record" in str(caught.value)
    assert socket.socket.connect is spy  # restored on exit


def test_dns_lookup_is_blocked_but_loopback_allowed() -> None:
    """Name lookups of remote hosts are refused; a loopback server stays reachable."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        with block_network():
            with pytest.raises(NetworkBlockedError, match=r"api\.openai\.com"):
                socket.getaddrinfo("api.openai.com", 443)
            assert socket.getaddrinfo("localhost", 80)
            client = socket.create_connection(server.getsockname(), timeout=5)
            client.close()
    finally:
        server.close()


def test_guard_only_in_replay_mode_and_restored(tmp_path: Path) -> None:
    """Recording modes leave sockets alone, and nested guards unpatch only at the outermost exit."""
    original = socket.socket.connect
    with (
        pytest.warns(EmptyCassetteWarning),
        use_cassette(tmp_path / "c.json", mode="new_episodes", allow_unplayed=True),
    ):
        assert socket.socket.connect is original
    with block_network():
        with block_network():
            assert socket.socket.connect is not original
        assert socket.socket.connect is not original
    assert socket.socket.connect is original
