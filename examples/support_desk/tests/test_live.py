"""Record the episodes from a live model server (skipped unless ``--run-live``).

    python -m pytest --run-live -m live      # then: python -m pytest --snapshot-update

Each test rewrites its cassette under ``cassettes/episodes/``; see README.md for the server.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest

from support_desk import DESK
from support_desk.episodes import EPISODES, Episode, play

pytestmark = pytest.mark.live


@pytest.mark.parametrize(
    "episode",
    [
        pytest.param(e, id=e.name, marks=pytest.mark.agentkit_cassette(e.cassette, mode="rewrite"))
        for e in EPISODES
    ],
)
async def test_record(episode: Episode) -> None:
    """Play the episode against the live server; every action it took is legal."""
    if not os.environ.get("MODEL_PROXY_API_BASE"):
        pytest.fail(
            "recording needs a live server: start llama.cpp's (see README.md) and set "
            "MODEL_PROXY_API_BASE=http://127.0.0.1:8765/v1 MODEL_PROXY_API_KEY=local"
        )
    trajectory = await play(episode)
    assert all(DESK.is_legal(step.observation, step.action) for step in trajectory.steps)
    sources = Counter(step.decision.source for step in trajectory.steps)
    print(f"{episode.name}: success={trajectory.success} sources={dict(sources)}")
