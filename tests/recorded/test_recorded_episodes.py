"""The committed cassettes hold a real model's answers; replaying them is deterministic, and the
trajectories match their snapshots.

Re-record with ``agentkit record`` (live), then ``pytest --snapshot-update tests/recorded``.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

from agentkit._record import (
    AGENT_CLASSES,
    DEMO_DIR,
    STRATEGY_NAMES,
    RecordingProfile,
    play_recorded_episode,
    recorded_cassette,
    replay_agent,
)
from agentkit._run import decision_classes
from agentkit.agents import ACTION_TOOL, Trajectory
from agentkit.flight import is_legal
from agentkit.replay import load_cassette, scan_cassette, use_cassette

RECORDED = Path(__file__).parents[2] / "cassettes" / "recorded"
CASES = [(agent_class, strategy) for agent_class in AGENT_CLASSES for strategy in STRATEGY_NAMES]
LLAMA_ID = re.compile(r"^chatcmpl-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def replay(
    agent_class: str,
    strategy: str,
    directory: Path = RECORDED,
    profile: RecordingProfile | None = None,
) -> tuple[Trajectory, Any]:
    """Replay one recorded episode strictly: every request must match, every answer be used."""
    profile = profile or RecordingProfile()

    async def go() -> tuple[Trajectory, Any]:
        path = recorded_cassette(
            directory,
            agent_class,
            strategy,
            stream=profile.stream,
            constrained=profile.constrained,
        )
        async with use_cassette(path, mode="none") as cassette:
            trajectory = await play_recorded_episode(
                replay_agent(profile, agent_class, strategy), profile
            )
        return trajectory, cassette

    return asyncio.run(go())


@pytest.mark.parametrize(("agent_class", "strategy"), CASES)
def test_replay_is_strict_and_deterministic(
    agent_class: str, strategy: str, agentkit_snapshot: Any
) -> None:
    """Every recorded request is sent again exactly, the same digest comes out twice, and the
    trajectory equals its snapshot."""
    first, cassette = replay(agent_class, strategy)
    second, _ = replay(agent_class, strategy)
    assert cassette.all_played
    assert cassette.mismatches == []
    assert first.digest() == second.digest()
    assert first.steps
    assert first == agentkit_snapshot


@pytest.mark.parametrize(("agent_class", "strategy"), CASES)
def test_constrained_replay_is_strict_and_deterministic(
    agent_class: str, strategy: str, agentkit_snapshot: Any
) -> None:
    """The constrained recordings replay exactly, twice alike, and equal their snapshots. Every
    recorded request carries the schema of the legal actions (strict matching then proves it is
    the one the code computes for that observation)."""
    profile = RecordingProfile(constrained=True)
    first, cassette = replay(agent_class, strategy, profile=profile)
    second, _ = replay(agent_class, strategy, profile=profile)
    assert cassette.all_played
    assert cassette.mismatches == []
    assert first.digest() == second.digest()
    tool_mode = AGENT_CLASSES[agent_class].tool_mode
    for interaction in cassette.loaded:
        body = interaction.request.body
        if tool_mode:
            assert body["tool_choice"] == {"type": "function", "function": {"name": ACTION_TOOL}}
            assert [t["function"]["name"] for t in body["tools"]] == [ACTION_TOOL]
        else:
            assert body["response_format"]["type"] == "json_object"
            assert body["response_format"]["schema"]["required"] == ["action"]
    assert first.steps[0].decision.exchanges[0].messages[0].role == "system"
    assert first == agentkit_snapshot


def test_constrained_decisions_come_from_the_model() -> None:
    """At least 80% of the constrained recordings' decisions were the model's own, and every
    action was legal (issue goal); whether they booked is the model's doing and is shown."""
    steps = model = legal = 0
    for agent_class, strategy in CASES:
        trajectory, _ = replay(agent_class, strategy, profile=RecordingProfile(constrained=True))
        steps += len(trajectory.steps)
        model += decision_classes(trajectory).count("model")
        legal += sum(is_legal(s.observation, s.action) for s in trajectory.steps)
    assert model / steps >= 0.8, (model, steps)
    assert legal == steps


@pytest.mark.parametrize(("agent_class", "strategy"), CASES)
def test_cassettes_hold_the_real_servers_answers(agent_class: str, strategy: str) -> None:
    """The answers carry llama.cpp's completion ids and token counts, and no secrets."""
    path = recorded_cassette(RECORDED, agent_class, strategy)
    cassette = load_cassette(path)
    assert cassette.interactions
    answered = [i for i in cassette.interactions if i.response.status == 200]
    assert answered
    for interaction in answered:
        body = interaction.response.body
        assert isinstance(body, dict)
        assert LLAMA_ID.match(body["id"]), body["id"]
        assert body["usage"]["prompt_tokens"] > 100
        assert interaction.request.body["model"] == RecordingProfile().model
    # The repair re-ask once got llama.cpp's 500 on every tool agent: the request it could not
    # render must never be recorded again.
    rejected = [i.response.body for i in cassette.interactions if i.response.status >= 400]
    assert not any("has no attribute 'content'" in json.dumps(body) for body in rejected)
    assert scan_cassette(path) == []


@pytest.mark.parametrize(
    "agent_class", ["FlightBookingOpenAIAgent", "ToolEnabledFlightBookingAgent"]
)
def test_streamed_recordings_replay_strictly(agent_class: str) -> None:
    """The streamed episodes (the fault matrix's stream faults act on them) hold real SSE
    answers and replay exactly, twice alike."""
    profile = RecordingProfile(stream=True)
    path = recorded_cassette(RECORDED, agent_class, "balanced", stream=True)
    answered = [i for i in load_cassette(path).interactions if i.response.status == 200]
    assert answered
    # llama.cpp's server sometimes answers a stream request with a 200 and no event at all;
    # the agent took those as model_call failures (a stream cut short), retried, then fell back.
    streamed = [i for i in answered if i.response.events]
    assert streamed
    assert all(i.response.events is not None for i in answered)
    assert all(i.response.events[-1].data == "[DONE]" for i in streamed)
    assert all(i.request.body["stream"] is True for i in answered)
    first, cassette = replay(agent_class, "balanced", profile=profile)
    second, _ = replay(agent_class, "balanced", profile=profile)
    assert cassette.all_played
    assert cassette.mismatches == []
    assert first.digest() == second.digest()
    assert scan_cassette(path) == []


def test_demo_cassettes_are_the_recorded_balanced_ones() -> None:
    """The package's demo data is exactly what `agentkit record` wrote for the balanced strategy."""
    for agent_class in AGENT_CLASSES:
        for constrained in (False, True):
            bundled = recorded_cassette(DEMO_DIR, agent_class, "balanced", constrained=constrained)
            recorded = recorded_cassette(RECORDED, agent_class, "balanced", constrained=constrained)
            assert json.loads(bundled.read_text()) == json.loads(recorded.read_text())


def test_replayed_decisions_come_from_the_real_answers() -> None:
    """Across the recordings the model's own answers drove some steps and the fallback others:
    the replay is of real, imperfect model output, not of a script."""
    sources: dict[str, int] = {}
    for agent_class, strategy in CASES:
        trajectory, _ = replay(agent_class, strategy)
        for step in trajectory.steps:
            sources[step.decision.source] = sources.get(step.decision.source, 0) + 1
    from_model = (
        sources.get("tool_call", 0) + sources.get("model_text", 0) + sources.get("repair", 0)
    )
    assert from_model > 0, sources
    assert sources.get("fallback", 0) > 0, sources


def test_digests_agree_across_processes_and_xdist(pytester: pytest.Pytester) -> None:
    """Two recorded episodes replayed in pytest-xdist workers give the digests computed here."""
    cases = CASES[::7]
    expected = {f"{a}-{s}": replay(a, s)[0].digest() for a, s in cases}
    out = pytester.path / "digests.json"
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\naddopts = -p no:benchmark\n"
    )
    pytester.makepyfile(
        test_inner=f"""
import json, pytest
from pathlib import Path
from tests.recorded.test_recorded_episodes import replay

@pytest.mark.parametrize("agent_class,strategy", {cases!r})
def test_digest(agent_class, strategy):
    path = Path({str(out)!r}).with_suffix(f".{{agent_class}}-{{strategy}}.json")
    path.write_text(json.dumps({{f"{{agent_class}}-{{strategy}}": replay(agent_class, strategy)[0].digest()}}))
"""
    )
    pytester.syspathinsert(Path(__file__).parents[2])
    pytester.runpytest_subprocess("-n", "2", "-p", "xdist").assert_outcomes(passed=len(cases))
    seen: dict[str, str] = {}
    for part in pytester.path.glob("digests.*.json"):
        seen.update(json.loads(part.read_text()))
    assert seen == expected
