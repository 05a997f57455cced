"""Faults under the replay: a fault plan sits below the SDK, over the cassette, and the desk
agent still acts legally, retrying, repairing or falling back as agentkit's catalogue says."""

from __future__ import annotations

import json

import pytest
from agentkit.faults import Fault, FaultPlan

from support_desk import DESK, SupportDeskEnv, rule_based_action
from support_desk.episodes import EPISODES, FLAKY, play

FLAKY_EPISODE = next(e for e in EPISODES if e.faults == FLAKY)
REFUND = next(e for e in EPISODES if e.name == "tool-balanced-refund")
DOWN = FaultPlan.single(Fault(kind="server_error", status=503), every=1)


@pytest.mark.agentkit_cassette(FLAKY_EPISODE.cassette)
async def test_a_503_then_a_malformed_tool_call() -> None:
    """Recorded under the plan: the 503 is retried (its retry got the real answer), and the
    call whose arguments were broken is repaired by one re-ask that the real model answered."""
    trajectory = await play(FLAKY_EPISODE)
    first, second, third = trajectory.steps

    assert [f["kind"] for f in first.decision.faults] == ["server_error"]
    assert (first.decision.source, first.decision.attempts) == ("tool_call", 2)

    assert [f["kind"] for f in second.decision.faults] == ["invalid_json_arguments"]
    assert second.decision.source == "repair"
    assert second.decision.model_calls == 2
    assert "arguments are not valid JSON" in (second.decision.reason or "")
    assert json.loads(second.action)["name"] == "escalate"

    assert (third.decision.source, third.decision.faults) == ("tool_call", ())
    assert all(DESK.is_legal(step.observation, step.action) for step in trajectory.steps)
    assert trajectory.success  # escalating a refund 57 days after delivery is correct


@pytest.mark.agentkit_cassette(REFUND.cassette, allow_unplayed=True)
async def test_with_the_endpoint_down_the_rules_resolve_the_ticket() -> None:
    """Every call answered 503: each decision retries, falls back (``model_call``), until the
    circuit breaker opens; the balanced rules refund the order the model wrongly escalated."""
    trajectory = await play(REFUND.model_copy(update={"faults": DOWN}))

    assert [json.loads(step.action)["name"] for step in trajectory.steps] == [
        "lookup_order",
        "refund_order",
        "close_ticket",
    ]
    decisions = [step.decision for step in trajectory.steps]
    for step, decision in zip(trajectory.steps, decisions, strict=True):
        assert (decision.source, decision.fallback_class) == ("fallback", "model_call")
        assert decision.error_type == "ProviderStatusError"
        assert step.action == rule_based_action(step.observation)
    # Two attempts per decision (RetryPolicy(max_attempts=2)); the fifth failure in a row
    # opens the breaker, so the last decision stops after one.
    assert [d.attempts for d in decisions] == [2, 2, 1]
    assert [len(d.faults) for d in decisions] == [2, 2, 1]
    assert "the circuit breaker opened after 5 consecutive failures" in (decisions[-1].reason or "")
    assert trajectory.success


def test_the_rules_alone_resolve_the_recorded_tickets() -> None:
    """What the endpoint-down test relies on: the rules win every recorded ticket."""
    for episode in EPISODES:
        env = SupportDeskEnv()
        observation, _ = env.reset(seed=episode.seed, options={"wants": episode.wants})
        reward, done = 0.0, False
        while not done:
            observation, got, terminated, truncated, _ = env.step(rule_based_action(observation))
            reward, done = reward + float(got), terminated or truncated
        assert reward == 1.0, episode.name
