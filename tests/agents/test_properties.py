"""Property tests: whatever the observation, the model's answer and the faults, every agent
returns a legal action, never raises, stays within its deadline, and says why it fell back."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
from hypothesis import given
from hypothesis import strategies as st

from agentkit.agents import (
    FlightBookingOpenAIAgent,
    LLMAgent,
    OpenAILLMAgent,
    ToolEnabledFlightBookingAgent,
    ToolEnabledLLMAgent,
    failure_class,
)
from agentkit.faults import FaultInjectingTransport, FaultPlan, VirtualClock
from agentkit.flight import FLIGHT_DOMAIN, ParsedAction, parse_action
from agentkit.models import ModelAPI, ModelParams, ProviderStatusError, RetryPolicy
from agentkit.testing._fakes import ScriptedProvider
from agentkit.testing.strategies import fault_plans, model_responses, observations

AGENTS = [
    LLMAgent,
    OpenAILLMAgent,
    ToolEnabledLLMAgent,
    FlightBookingOpenAIAgent,
    ToolEnabledFlightBookingAgent,
]
DEADLINE_S = 5.0


async def _decide(
    agent_class: type[LLMAgent],
    strategy: str,
    observation: Any,
    answer: dict[str, Any],
    plan: FaultPlan,
) -> Any:
    clock = VirtualClock()
    transport = FaultInjectingTransport(
        httpx2.MockTransport(ScriptedProvider([answer] * 8)), plan, clock=clock
    )
    api = ModelAPI(
        ModelParams(name="gpt-4", retry=RetryPolicy(max_attempts=2, deadline_s=30)),
        http_client=httpx2.AsyncClient(transport=transport),
        clock=clock,
        sleep=clock.sleep,
    )
    agent = agent_class(
        strategy=strategy, api=api, fault_log=transport.log, decision_deadline_s=DEADLINE_S
    )
    raised: ProviderStatusError | None = None
    try:
        action = await agent.select_action(observation)
    except ProviderStatusError as exc:
        raised = exc
    if raised is not None:
        # A status the server sends when the request itself is wrong (401, 404, 422) is the
        # developer's to fix: it raises, and the decision still records the action it had.
        assert failure_class(raised) == "setup"
        assert agent.last_decision is not None
        assert agent.last_decision.fallback_class == "setup"
        action = agent.last_decision.action
    return agent, action, transport


@given(
    agent_class=st.sampled_from(AGENTS),
    strategy=st.sampled_from(["aggressive", "balanced", "conservative"]),
    observation=observations(),
    answer=model_responses(),
    plan=fault_plans(),
)
def test_select_action_always_acts_legally(
    agent_class: type[LLMAgent],
    strategy: str,
    observation: Any,
    answer: dict[str, Any],
    plan: FaultPlan,
) -> None:
    """Any agent, strategy, observation, answer and fault plan: a legal action, on time, explained."""
    agent, action, transport = asyncio.run(
        _decide(agent_class, strategy, observation, answer, plan)
    )
    decision = agent.last_decision
    assert isinstance(action, str)
    assert decision.action == action
    assert decision.latency_ms <= DEADLINE_S * 1000 + 500
    legal = FLIGHT_DOMAIN.legal_tools(observation)
    if legal:
        assert FLIGHT_DOMAIN.is_legal(observation, action), (action, legal)
    else:
        parsed = parse_action(action)
        assert isinstance(parsed, ParsedAction)
    if decision.source == "fallback":
        assert decision.reason
        applied = [entry for entry in transport.log if entry.applied]
        if applied and decision.model_calls:
            assert [f["kind"] for f in decision.faults] == [
                entry.kind.value for entry in transport.log
            ]
