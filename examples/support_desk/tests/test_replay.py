"""The recorded episodes replay strictly from their cassettes (every request matched, every
answer used), and say what the real model did: which decisions were its own, which the rules
took, and that every action was legal.

Re-record with ``python -m pytest --run-live -m live`` (README.md), then update the figures here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
from agentkit.agents import MODEL_SOURCES, Trajectory
from agentkit.replay import Cassette, load_cassette, scan_cassette, use_cassette

from support_desk import DESK
from support_desk.episodes import EPISODES, MODEL, Episode, play

BY_NAME = {episode.name: episode for episode in EPISODES}
LLAMA_ID = re.compile(r"^chatcmpl-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# What the model did in each recording: the decision sources, the tools and the outcome.
RECORDED: dict[str, tuple[list[str], list[str], bool]] = {
    "tool-balanced-refund": (
        ["tool_call", "tool_call", "tool_call"],
        ["lookup_order", "escalate", "close_ticket"],  # escalated a refund policy allowed
        False,
    ),
    "text-balanced-address": (
        ["model_text", "model_text", "model_text"],
        ["lookup_order", "change_address", "close_ticket"],
        True,
    ),
    "tool-triage-cancel": (
        ["tool_call", "tool_call", "tool_call"],
        ["lookup_order", "escalate", "close_ticket"],
        True,
    ),
    "text-balanced-cancel-unconstrained": (
        ["fallback", "fallback", "fallback"],  # unreadable answers, repairs that failed too
        ["lookup_order", "cancel_order", "close_ticket"],
        True,
    ),
    "tool-balanced-late-refund-faults": (
        ["tool_call", "repair", "tool_call"],  # see test_faults.py
        ["lookup_order", "escalate", "close_ticket"],
        True,
    ),
}


def tools(trajectory: Trajectory) -> list[str]:
    """The tool of every step's action (agents return canonical JSON tool calls)."""
    return [json.loads(step.action)["name"] for step in trajectory.steps]


async def replay(episode: Episode) -> Trajectory:
    """Replay one episode strictly, outside the plugin (for tests that replay several)."""
    async with use_cassette(episode.cassette, mode="none"):
        return await play(episode)


@pytest.mark.parametrize(
    "episode",
    [pytest.param(e, id=e.name, marks=pytest.mark.agentkit_cassette(e.cassette)) for e in EPISODES],
)
async def test_a_recorded_episode_replays_as_recorded(
    episode: Episode, agentkit_cassette: Cassette
) -> None:
    """Every action legal; the decision sources, tools and outcome those the model recorded."""
    trajectory = await play(episode)
    sources, expected_tools, success = RECORDED[episode.name]
    assert [step.decision.source for step in trajectory.steps] == sources
    assert tools(trajectory) == expected_tools
    assert trajectory.success is success
    assert all(DESK.is_legal(step.observation, step.action) for step in trajectory.steps)
    for step in trajectory.steps:
        decision = step.decision
        if decision.source == "fallback":
            assert decision.fallback_class == "model_output"
            assert decision.reason
        else:
            assert decision.fallback_class is None
    assert agentkit_cassette.mismatches == []
    assert agentkit_cassette.play_count == len(agentkit_cassette.loaded)


async def test_the_figures_over_all_recordings() -> None:
    """Constrained, the model made every decision itself; free, it made none (the rules did);
    every action of every episode was legal."""
    counts: Counter[str] = Counter()
    for episode in EPISODES:
        trajectory = await replay(episode)
        for step in trajectory.steps:
            mode = "constrained" if episode.constrained else "free"
            by = "model" if step.decision.source in MODEL_SOURCES else "fallback"
            counts[f"{mode} {by}"] += 1
            counts["legal"] += DESK.is_legal(step.observation, step.action)
            counts["steps"] += 1
        counts["successes"] += trajectory.success
    assert counts == {
        "constrained model": 12,
        "free fallback": 3,
        "legal": 15,
        "steps": 15,
        "successes": 4,
    }


async def test_replaying_twice_gives_the_same_trajectory() -> None:
    """Replay is deterministic: the same digest from two replays of each cassette."""
    for episode in EPISODES:
        assert (await replay(episode)).digest() == (await replay(episode)).digest()


@pytest.mark.parametrize("episode", EPISODES, ids=[e.name for e in EPISODES])
def test_the_cassettes_hold_the_real_servers_answers(episode: Episode) -> None:
    """The answers carry llama.cpp's completion ids and token counts; no secret was recorded."""
    interactions = load_cassette(episode.cassette).interactions
    assert interactions
    for interaction in interactions:
        body: Any = interaction.response.body
        assert interaction.response.status == 200
        assert LLAMA_ID.match(body["id"]), body["id"]
        assert body["usage"]["prompt_tokens"] > 100
        assert interaction.request.body["model"] == MODEL
    assert scan_cassette(episode.cassette) == []


@pytest.mark.agentkit_cassette(BY_NAME["tool-balanced-refund"].cassette)
async def test_the_refund_trajectory_matches_its_snapshot(agentkit_snapshot: Any) -> None:
    """The whole trajectory (prompts, answers, decisions) as stored; ``--snapshot-update``
    after a re-recording."""
    assert await play(BY_NAME["tool-balanced-refund"]) == agentkit_snapshot
