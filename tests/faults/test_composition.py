"""A fault plan composes with replay: faults at the planned calls, recorded answers elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2

from agentkit._run import decision_classes
from agentkit.agents import ToolEnabledFlightBookingAgent, run_episode
from agentkit.faults import (
    Fault,
    FaultInjectingTransport,
    FaultKind,
    FaultPlan,
    FaultRule,
    VirtualClock,
    When,
)
from agentkit.flight import FlightBookingEnv, rule_based_action
from agentkit.models import ModelAPI, ModelParams
from agentkit.replay import use_cassette
from agentkit.testing import ScriptedProvider, chat_completion

SEED = 11
OPTIONS = {"task_id": "easy-004"}


def _scripted_answers() -> list[dict[str, object]]:
    """What a perfect model says on this task: the aggressive policy's actions, as tool calls."""
    env = FlightBookingEnv()
    observation, _ = env.reset(seed=SEED, options=OPTIONS)
    answers = []
    done = False
    while not done:
        action = json.loads(rule_based_action(observation, "aggressive"))
        answers.append(
            chat_completion(
                tool_calls=[
                    (f"call_{len(answers)}", action["name"], json.dumps(action["arguments"]))
                ]
            )
        )
        observation, _, terminated, truncated, _ = env.step(json.dumps(action))
        done = terminated or truncated
    return answers


def _agent(
    client: httpx2.AsyncClient, clock: VirtualClock | None = None, log: list[object] | None = None
) -> ToolEnabledFlightBookingAgent:
    api = ModelAPI(
        ModelParams(name="gpt-4", infer_kwargs={"temperature": 0}),
        http_client=client,
        clock=clock,
        sleep=clock.sleep if clock else None,
    )
    # Under faults, a request the fault made unrecorded is expected: fall back on it.
    return ToolEnabledFlightBookingAgent(
        strategy="aggressive", api=api, fault_log=log, fallback_on_setup_errors=log is not None
    )


async def test_timeout_at_call_2_and_broken_arguments_at_call_4_over_a_replay(
    tmp_path: Path,
) -> None:
    """Retry at call 2, repair-then-fallback at call 4, the recorded answer at every other call."""
    path = tmp_path / "episode.json"
    answers = _scripted_answers()
    recorder = httpx2.AsyncClient(transport=httpx2.MockTransport(ScriptedProvider(answers)))
    async with use_cassette(path, mode="all"):
        recorded = await run_episode(
            FlightBookingEnv(), _agent(recorder), seed=SEED, options=OPTIONS
        )
    assert recorded.success
    assert {step.decision.source for step in recorded.steps} == {"tool_call"}

    plan = FaultPlan(
        rules=(
            FaultRule(fault=Fault(kind=FaultKind.READ_TIMEOUT), when=When(calls=(2,))),
            FaultRule(fault=Fault(kind=FaultKind.INVALID_JSON_ARGUMENTS), when=When(calls=(4,))),
        )
    )
    clock = VirtualClock()
    transport = FaultInjectingTransport(httpx2.AsyncHTTPTransport(), plan, clock=clock)
    async with use_cassette(path, mode="none", allow_mismatches=True) as cassette:
        faulted = await run_episode(
            FlightBookingEnv(),
            _agent(httpx2.AsyncClient(transport=transport), clock, transport.log),
            seed=SEED,
            options=OPTIONS,
        )

    sources = [step.decision.source for step in faulted.steps]
    # Call 1 = step 0; call 2 (step 1) times out and call 3 retries it; call 4 (step 2) is broken,
    # its repair re-ask (call 5) was never recorded, so the rule-based action is taken.
    assert faulted.steps[1].decision.attempts == 2
    assert [f["kind"] for f in faulted.steps[1].decision.faults] == ["read_timeout"]
    assert faulted.steps[1].decision.source == "tool_call"
    assert faulted.steps[2].decision.source == "fallback"
    assert "the repair call failed: ReplayMismatchError" in (faulted.steps[2].decision.reason or "")
    assert faulted.steps[2].decision.fallback_class == "setup"
    assert decision_classes(faulted)[2] == "off_recording"
    assert decision_classes(faulted).count("model") == len(sources) - 1
    assert [f["kind"] for f in faulted.steps[2].decision.faults] == ["invalid_json_arguments"]
    assert sources[:2] + sources[3:] == ["tool_call"] * (len(sources) - 1)
    # The fallback chose what the recording did, so every later request matched the cassette.
    assert [s.action for s in faulted.steps] == [s.action for s in recorded.steps]
    assert len(cassette.mismatches) == 1
    assert cassette.all_played
    assert faulted.success
