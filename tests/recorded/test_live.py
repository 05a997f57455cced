"""Against a live model (skipped unless ``--run-live``): the proxy when MODEL_PROXY_API_BASE is
set, else a local llama.cpp server with Gemma 3 270M (``pip install -e ".[live]"``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentkit._record import LocalModelServer, RecordingProfile, record_all
from agentkit.replay import load_cassette, scan_cassette

from .test_recorded_episodes import replay

pytestmark = pytest.mark.live


@contextlib.contextmanager
def _endpoint(log: Path) -> Iterator[tuple[str, str | None]]:
    base = os.environ.get("MODEL_PROXY_API_BASE")
    if base:
        yield base, os.environ.get("MODEL_PROXY_API_KEY")
        return
    with LocalModelServer(log=log).running() as url:
        yield url, None


def test_record_an_episode_live_then_replay_it(tmp_path: Path) -> None:
    """A live episode is recorded end to end: real answers, redacted, and the file replays."""
    profile = RecordingProfile(max_steps=3)
    with _endpoint(tmp_path / "server.log") as (base_url, key):
        (path,) = asyncio.run(
            record_all(
                base_url=base_url,
                api_key=key,
                directory=tmp_path,
                profile=profile,
                classes=("ToolEnabledFlightBookingAgent",),
                strategies=("balanced",),
            )
        )
    interactions = load_cassette(path).interactions
    assert interactions
    # A live server answers what it answers (llama.cpp sometimes 500s on a grammar it cannot
    # build); at least one real completion must be among the answers.
    completions = [i.response.body for i in interactions if i.response.status == 200]
    assert completions
    assert all(str(body["id"]).startswith("chatcmpl-") for body in completions)
    assert scan_cassette(path) == []
    trajectory, cassette = replay("ToolEnabledFlightBookingAgent", "balanced", tmp_path, profile)
    assert cassette.all_played
    assert len(trajectory.steps) == 3
