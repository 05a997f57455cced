"""Record modes and their advice: a missing cassette fails at entry, empty recordings warn,
``rewrite`` leaves what the next plain replay accepts."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from agentkit.replay import (
    CassetteNotFoundError,
    EmptyCassetteWarning,
    UnplayedInteractionsError,
    load_cassette,
    use_cassette,
)


def _ask(question: str) -> str:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json={"answer": question})

    client = httpx2.Client(transport=httpx2.MockTransport(handler))
    answer: str = client.post("https://model.test/ask", json={"q": question}).json()["answer"]
    return answer


def test_a_missing_cassette_in_mode_none_raises_at_entry(tmp_path: Path) -> None:
    """Even a block that sends nothing fails: the path and the record advice are in the message."""
    path = tmp_path / "cassettes" / "booking.json"
    with pytest.raises(CassetteNotFoundError) as raised, use_cassette(path):
        pass
    assert raised.value.path == path
    assert f"Cassette {path} does not exist" in str(raised.value)
    assert "--agentkit-record-mode=rewrite" in str(raised.value)
    with (
        pytest.raises(CassetteNotFoundError, match="To record it, run: make record"),
        use_cassette(path, record_command="make record"),
    ):
        pass


def test_a_recording_that_captures_nothing_warns(tmp_path: Path) -> None:
    """Mode once with no request through httpx/httpx2: a warning naming the likely cause, no file."""
    path = tmp_path / "nothing.json"
    with pytest.warns(EmptyCassetteWarning, match="aiohttp"), use_cassette(path, mode="once"):
        pass
    assert not path.exists()


def test_rewrite_drops_the_old_file_and_the_next_replay_accepts_it(tmp_path: Path) -> None:
    """rewrite keeps only what this session sent, so a plain replay afterwards passes."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="once"):
        _ask("old")
        _ask("older")
    with use_cassette(path, mode="rewrite"):
        assert _ask("new") == "new"
    assert [i.request.body for i in load_cassette(path).interactions] == [{"q": "new"}]
    with use_cassette(path) as cassette:
        assert _ask("new") == "new"
    assert cassette.all_played


def test_rewrite_with_no_request_leaves_an_empty_cassette_that_replays(tmp_path: Path) -> None:
    """A test that stopped sending requests re-records to an empty file, which replays."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="once"):
        _ask("old")
    with pytest.warns(EmptyCassetteWarning), use_cassette(path, mode="rewrite"):
        pass
    assert load_cassette(path).interactions == []
    with use_cassette(path):
        pass


def test_new_episodes_beside_stale_recordings_says_to_rewrite(tmp_path: Path) -> None:
    """new_episodes that adds a request while old ones go unused fails at exit, saying the
    cassette is stale and to re-record it; the new recording is kept all the same."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="once"):
        _ask("hello")
    with (
        pytest.raises(UnplayedInteractionsError, match="recorded in mode 'new_episodes'") as raised,
        use_cassette(path, mode="new_episodes"),
    ):
        _ask("hello again")
    assert "re-record the whole cassette" in str(raised.value).lower()
    assert "--agentkit-record-mode=rewrite" in str(raised.value)
    assert len(load_cassette(path).interactions) == 2
    with use_cassette(path, mode="new_episodes"):  # nothing new: replays, no complaint
        _ask("hello")
        _ask("hello again")
