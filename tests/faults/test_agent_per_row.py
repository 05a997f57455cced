"""Per FAULTS.md row, the agent does what the table says: retry, repair, normalise or fall back.

Each fault is injected once (at the first call) below the real openai SDK; the scripted model
answers correctly otherwise.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from agentkit.agents import ToolEnabledFlightBookingAgent, is_legal
from agentkit.envs import FlightBookingEnv
from agentkit.faults import (
    CATALOGUE,
    Fault,
    FaultInjectingTransport,
    FaultKind,
    FaultPlan,
    VirtualClock,
)
from agentkit.models import ModelAPI, ModelParams, ProviderStatusError
from agentkit.testing import ScriptedProvider, chat_completion

K = FaultKind

# (fault, what the table says the agent does) -> (decision source, model calls, HTTP attempts)
RETRIED = {"source": "tool_call", "calls": 1, "attempts": 2}
REPAIRED = {"source": "repair", "calls": 2, "attempts": 2}
FELL_BACK_AT_ONCE = {"source": "fallback", "calls": 1, "attempts": 1}
# Why each fallback of the table happened (DecisionRecord.fallback_class).
FALLBACK_CLASS: dict[FaultKind, str] = {
    K.QUOTA_EXHAUSTED: "model_call",
    K.CLIENT_ERROR: "setup",  # a 401: the developer's key, raised unless opted in
    K.EMPTY_CHOICES: "model_call",
    K.NULL_CONTENT: "model_output",
    K.REFUSAL: "model_output",
}
UNHARMED = {"source": "tool_call", "calls": 1, "attempts": 1}
EXPECTED: dict[FaultKind, dict[str, Any]] = {
    K.CONNECT_REFUSED: RETRIED,
    K.CONNECT_TIMEOUT: RETRIED,
    K.READ_TIMEOUT: RETRIED,
    K.CONNECTION_RESET: RETRIED,
    K.READ_ERROR: RETRIED,
    K.STREAM_DISCONNECT: RETRIED,  # a plain answer cut mid-body: retried like a reset
    K.STREAM_TRUNCATED: RETRIED,  # truncated JSON
    K.RATE_LIMITED: RETRIED,
    K.QUOTA_EXHAUSTED: FELL_BACK_AT_ONCE,
    K.SERVER_ERROR: RETRIED,
    K.CONTEXT_TOO_LONG: {"source": "tool_call", "calls": 2, "attempts": 2},  # shrunk, asked again
    K.CLIENT_ERROR: FELL_BACK_AT_ONCE,
    K.STREAM_ERROR_EVENT: UNHARMED,  # nothing to act on in a plain answer (logged as not applied)
    K.HTML_GATEWAY: RETRIED,
    K.TRUNCATED_JSON: RETRIED,
    K.WRONG_SHAPE: RETRIED,
    K.EMPTY_CHOICES: FELL_BACK_AT_ONCE,
    K.NULL_CONTENT: FELL_BACK_AT_ONCE,
    K.REFUSAL: FELL_BACK_AT_ONCE,
    K.LENGTH_CUT_ARGUMENTS: REPAIRED,
    K.INVALID_JSON_ARGUMENTS: REPAIRED,
    K.NON_OBJECT_ARGUMENTS: REPAIRED,
    K.INVENTED_TOOL: REPAIRED,
    K.BAD_ARGUMENT: REPAIRED,
    K.TOOL_CALL_IN_TEXT: {"source": "model_text", "calls": 1, "attempts": 1},
    K.DELTA_WITHOUT_INDEX: UNHARMED,  # only streams have deltas
    K.DUPLICATE_TOOL_CALLS: UNHARMED,  # executed once
    K.NULL_FIRST_ARGUMENTS: REPAIRED,  # a whole answer with null arguments misses required ones
    K.LATENCY: UNHARMED,
    K.SLICER: UNHARMED,
    K.LIMIT_DATA: RETRIED,
}


def test_every_kind_has_an_expectation() -> None:
    """The table below covers the whole catalogue."""
    assert set(EXPECTED) == set(CATALOGUE)


@pytest.mark.parametrize("kind", list(EXPECTED), ids=[k.value for k in EXPECTED])
async def test_agent_handles_the_fault_as_the_table_says(kind: FaultKind) -> None:
    """One fault at the first call: the agent retries, repairs, or falls back, always legally."""
    observation, _ = FlightBookingEnv().reset(seed=2, options={"difficulty": "easy"})
    task = observation["task"]
    arguments = {
        "origin": task["origin"],
        "destination": task["destination"],
        "date": task["date"],
        "max_stops": 1,
    }
    answer = chat_completion(tool_calls=[("call_1", "search_flights", json.dumps(arguments))])
    provider = ScriptedProvider([answer] * 3)
    fault = Fault(
        kind=kind, retry_after_ms=100, variant="drop_required" if kind is K.BAD_ARGUMENT else None
    )
    clock = VirtualClock()
    transport = FaultInjectingTransport(
        httpx2.MockTransport(provider), FaultPlan.single(fault, calls=[1]), clock=clock
    )
    api = ModelAPI(
        ModelParams(name="gpt-4"),
        http_client=httpx2.AsyncClient(transport=transport),
        clock=clock,
        sleep=clock.sleep,
    )
    setup = FALLBACK_CLASS.get(kind) == "setup"
    agent = ToolEnabledFlightBookingAgent(
        api=api, fault_log=transport.log, fallback_on_setup_errors=setup
    )
    action = await agent.select_action(observation)
    decision = agent.last_decision
    expected = EXPECTED[kind]
    assert is_legal(observation, action)
    assert (decision.source, decision.model_calls, decision.attempts) == (
        expected["source"],
        expected["calls"],
        expected["attempts"],
    ), decision.reason
    assert [f["kind"] for f in decision.faults] == [kind.value]
    if decision.source in ("fallback", "repair"):
        assert decision.reason
    assert decision.fallback_class == FALLBACK_CLASS.get(kind)
    if decision.source != "fallback":
        assert json.loads(action) == {"name": "search_flights", "arguments": arguments}


async def test_a_rejected_request_raises_unless_the_agent_opts_in() -> None:
    """A 401 is the developer's to fix: select_action raises it, its record says setup."""
    observation, _ = FlightBookingEnv().reset(seed=2, options={"difficulty": "easy"})
    provider = ScriptedProvider([chat_completion(content="unused")])
    transport = FaultInjectingTransport(
        httpx2.MockTransport(provider), FaultPlan.single(K.CLIENT_ERROR, calls=[1])
    )
    api = ModelAPI(ModelParams(name="gpt-4"), http_client=httpx2.AsyncClient(transport=transport))
    agent = ToolEnabledFlightBookingAgent(api=api, fault_log=transport.log)
    with pytest.raises(ProviderStatusError) as raised:
        await agent.select_action(observation)
    assert raised.value.status_code == 401
    assert agent.last_decision is not None
    assert agent.last_decision.fallback_class == "setup"
    assert agent.last_decision.error_type == "ProviderStatusError"
    assert is_legal(observation, agent.last_decision.action)
