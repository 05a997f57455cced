"""Per catalogue row, the agent does what the catalogue says (docs/faults.md, the ``agentkit``
column): retry, shrink, repair, read the text, tolerate or fall back, in the stated class.

Each fault is injected below the real openai SDK, once (at the first call) or at every call, on
a plain and on a streamed call; the scripted model answers correctly otherwise.
"""

from __future__ import annotations

import json
from typing import Any, get_args

import httpx2
import pytest

from agentkit.agents import FallbackClass, ToolEnabledFlightBookingAgent
from agentkit.faults import (
    CATALOGUE,
    Fault,
    FaultHandler,
    FaultInjectingTransport,
    FaultKind,
    FaultPlan,
    VirtualClock,
)
from agentkit.flight import FlightBookingEnv, is_legal
from agentkit.models import ModelAPI, ModelParams, ProviderStatusError
from agentkit.testing import (
    ScriptedProvider,
    chat_completion,
    chat_completion_chunks,
    sse_response,
)

K = FaultKind
MAX_ATTEMPTS = 3  # RetryPolicy's default

# What each handler looks like in the decision record: (source, model calls, HTTP attempts),
# for a fault injected once, then for a fault at every call.
ONCE: dict[FaultHandler, tuple[str, int, int]] = {
    "retry": ("tool_call", 1, 2),
    "shrink": ("tool_call", 2, 2),
    "repair": ("repair", 2, 2),
    "read_text": ("model_text", 1, 1),
    "fallback": ("fallback", 1, 1),
    "raise": ("fallback", 1, 1),  # built with fallback_on_setup_errors=True
    "tolerated": ("tool_call", 1, 1),
    "not_applied": ("tool_call", 1, 1),
}
PERSISTENT: dict[FaultHandler, tuple[str, int, int]] = {
    **ONCE,
    "retry": ("fallback", 1, MAX_ATTEMPTS),
    "shrink": ("fallback", 2, 2),
    "repair": ("fallback", 2, 2),
}
CASES = [
    pytest.param(kind, stream, every, id=f"{kind.value}-{mode}-{'every' if every else 'once'}")
    for kind in CATALOGUE
    for stream, mode in ((False, "plain"), (True, "stream"))
    for every in (False, True)
]


def test_every_handler_has_an_expectation() -> None:
    """The expectations cover every handler, and every fallback class is a real one."""
    assert set(ONCE) == set(PERSISTENT) == set(get_args(FaultHandler))
    classes = {info.fallback_class for info in CATALOGUE.values()} - {None}
    assert classes <= set(get_args(FallbackClass))


def _agent(
    kind: FaultKind, *, stream: bool, every: bool, opt_in: bool = True
) -> tuple[ToolEnabledFlightBookingAgent, dict[str, Any], dict[str, Any]]:
    observation, _ = FlightBookingEnv().reset(seed=2, options={"difficulty": "easy"})
    task = observation["task"]
    arguments = {
        "origin": task["origin"],
        "destination": task["destination"],
        "date": task["date"],
        "max_stops": 1,
    }
    calls = [("call_1", "search_flights", json.dumps(arguments))]
    answer = sse_response(chat_completion_chunks(tool_calls=calls)) if stream else None
    provider = ScriptedProvider([answer or chat_completion(tool_calls=calls)] * 6)
    fault = Fault(
        kind=kind, retry_after_ms=100, variant="drop_required" if kind is K.BAD_ARGUMENT else None
    )
    when: dict[str, Any] = {"every": 1} if every else {"calls": [1]}
    clock = VirtualClock()
    transport = FaultInjectingTransport(
        httpx2.MockTransport(provider), FaultPlan.single(fault, **when), clock=clock
    )
    api = ModelAPI(
        ModelParams(name="gpt-4"),
        http_client=httpx2.AsyncClient(transport=transport),
        clock=clock,
        sleep=clock.sleep,
    )
    agent = ToolEnabledFlightBookingAgent(
        api=api, fault_log=transport.log, fallback_on_setup_errors=opt_in, stream=stream
    )
    return agent, observation, arguments


@pytest.mark.parametrize(("kind", "stream", "every"), CASES)
async def test_agent_handles_the_fault_as_the_catalogue_says(
    kind: FaultKind, stream: bool, every: bool
) -> None:
    """The decision's source, calls, attempts and fallback class are what the catalogue's
    handler for this kind (plain or streamed) implies; the action is always legal."""
    info = CATALOGUE[kind]
    handler = info.stream_handled_by if stream else info.handled_by
    agent, observation, arguments = _agent(kind, stream=stream, every=every)
    action = await agent.select_action(observation)
    decision = agent.last_decision
    assert decision is not None
    assert is_legal(observation, action)
    expected = (PERSISTENT if every else ONCE)[handler]
    assert (decision.source, decision.model_calls, decision.attempts) == expected, decision.reason
    assert {f["kind"] for f in decision.faults} == {kind.value}
    assert all(f["applied"] for f in decision.faults) == (handler != "not_applied")
    if decision.source == "fallback":
        assert decision.reason
        assert decision.fallback_class == info.fallback_class
    else:
        assert decision.fallback_class is None
        assert json.loads(action) == {"name": "search_flights", "arguments": arguments}
    if decision.source == "repair":
        assert decision.reason


async def test_a_rejected_request_raises_unless_the_agent_opts_in() -> None:
    """A 401 is the developer's to fix: select_action raises it, its record says setup."""
    assert CATALOGUE[K.CLIENT_ERROR].handled_by == "raise"
    agent, observation, _ = _agent(K.CLIENT_ERROR, stream=False, every=False, opt_in=False)
    with pytest.raises(ProviderStatusError) as raised:
        await agent.select_action(observation)
    assert raised.value.status_code == 401
    assert agent.last_decision is not None
    assert agent.last_decision.fallback_class == "setup"
    assert agent.last_decision.error_type == "ProviderStatusError"
    assert is_legal(observation, agent.last_decision.action)
