"""The LLM agents through the real openai SDK: answers, repairs, fallbacks, memory, skills."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import pytest

from agentkit import UsageError
from agentkit.agents import (
    FlightBookingOpenAIAgent,
    SkillLibrary,
    ToolEnabledFlightBookingAgent,
    Trajectory,
    run_episode,
)
from agentkit.faults import Fault, FaultKind, FaultPlan
from agentkit.flight import FlightBookingEnv, is_legal
from agentkit.testing._fakes import chat_completion

from .conftest import MakeAgent

K = FaultKind


def _search_args(obs: dict[str, Any]) -> str:
    task = obs["task"]
    return json.dumps(
        {
            "origin": task["origin"],
            "destination": task["destination"],
            "date": task["date"],
            "max_stops": 1,
        }
    )


def _search_call(obs: dict[str, Any]) -> dict[str, Any]:
    return chat_completion(tool_calls=[("call_1", "search_flights", _search_args(obs))])


def _search_text(obs: dict[str, Any]) -> dict[str, Any]:
    return chat_completion(
        content=f'{{"name": "search_flights", "arguments": {_search_args(obs)}}}'
    )


async def test_tool_call_answer_becomes_the_action(
    make_agent: MakeAgent, observation: dict[str, Any]
) -> None:
    """A valid tool call is the action; tools, tool_choice and temperature reach the request body."""
    agent, provider, _ = make_agent([_search_call(observation)], temperature=0.3)
    action = await agent.select_action(observation)
    assert json.loads(action)["name"] == "search_flights"
    assert agent.last_decision.source == "tool_call"
    assert agent.last_decision.reason is None
    body = provider.bodies()[0]
    assert body["temperature"] == 0.3
    assert body["tool_choice"] == "auto"
    assert len(body["tools"]) == 10


async def test_text_agent_parses_the_answer(
    make_agent: MakeAgent, observation: dict[str, Any]
) -> None:
    """A text agent sends no tools and parses the JSON action from the answer's text."""
    agent, provider, _ = make_agent(
        [_search_text(observation)], agent_class=FlightBookingOpenAIAgent
    )
    action = await agent.select_action(observation)
    assert json.loads(action)["name"] == "search_flights"
    assert agent.last_decision.source == "model_text"
    assert "tools" not in provider.bodies()[0]


def test_constructor_takes_temperature_to_the_request_params() -> None:
    """FlightBookingOpenAIAgent(model=, strategy=, temperature=) puts temperature in infer_kwargs."""
    agent = FlightBookingOpenAIAgent(
        model="gpt-4", strategy="conservative", temperature=0.2, max_tokens=256
    )
    assert agent.api.model_params.infer_kwargs == {"temperature": 0.2, "max_tokens": 256}
    assert agent.strategy.name == "conservative"
    with pytest.raises(UsageError, match="unknown strategy 'reckless'"):
        FlightBookingOpenAIAgent(strategy="reckless")


REPAIRED = [
    K.LENGTH_CUT_ARGUMENTS,
    K.INVALID_JSON_ARGUMENTS,
    K.NON_OBJECT_ARGUMENTS,
    K.INVENTED_TOOL,
    K.BAD_ARGUMENT,
]


@pytest.mark.parametrize("kind", REPAIRED)
async def test_malformed_answer_is_repaired_once(
    make_agent: MakeAgent, observation: dict[str, Any], kind: FaultKind
) -> None:
    """Rows 17-21: the error is fed back once, and the corrected answer is used."""
    plan = FaultPlan.single(
        Fault(kind=kind, variant="drop_required" if kind is K.BAD_ARGUMENT else None), calls=[1]
    )
    agent, provider, _transport = make_agent([_search_call(observation)] * 2, plan=plan)
    action = await agent.select_action(observation)
    decision = agent.last_decision
    assert is_legal(observation, action)
    assert decision.source == "repair"
    assert decision.reason
    assert decision.model_calls == 2
    repair_request = provider.bodies()[1]["messages"]
    assert repair_request[-1]["role"] == "tool"
    assert "cannot be used" in repair_request[-1]["content"]
    assert [f["kind"] for f in decision.faults] == [kind.value]


@pytest.mark.parametrize("kind", REPAIRED)
async def test_malformed_twice_falls_back(
    make_agent: MakeAgent, observation: dict[str, Any], kind: FaultKind
) -> None:
    """Rows 17-21 again after the repair: the rule-based action is taken, legal, with the reason."""
    plan = FaultPlan.single(Fault(kind=kind), first=2)
    agent, _, _ = make_agent([_search_call(observation)] * 2, plan=plan)
    action = await agent.select_action(observation)
    assert is_legal(observation, action)
    assert agent.last_decision.source == "fallback"
    assert "after repair" in agent.last_decision.reason


@pytest.mark.parametrize("kind", [K.NULL_CONTENT, K.REFUSAL, K.EMPTY_CHOICES])
async def test_empty_refused_or_choiceless_answers_fall_back_without_looping(
    make_agent: MakeAgent, observation: dict[str, Any], kind: FaultKind
) -> None:
    """Rows 15-16: no repair re-ask, straight to a legal fallback."""
    agent, provider, _ = make_agent(
        [_search_call(observation)] * 2, plan=FaultPlan.single(kind, first=2)
    )
    action = await agent.select_action(observation)
    assert is_legal(observation, action)
    assert agent.last_decision.source == "fallback"
    assert len(provider.requests) == 1


async def test_tool_call_written_in_text_is_accepted(
    make_agent: MakeAgent, observation: dict[str, Any]
) -> None:
    """Row 22: a <tool_call> in the text is parsed rather than wasted."""
    agent, _, _ = make_agent(
        [_search_call(observation)], plan=FaultPlan.single(K.TOOL_CALL_IN_TEXT, calls=[1])
    )
    action = await agent.select_action(observation)
    assert json.loads(action)["name"] == "search_flights"
    assert agent.last_decision.source == "model_text"


async def test_duplicate_calls_execute_once(
    make_agent: MakeAgent, observation: dict[str, Any]
) -> None:
    """Row 24: two calls with one id give one action."""
    agent, _, _ = make_agent(
        [_search_call(observation)], plan=FaultPlan.single(K.DUPLICATE_TOOL_CALLS, calls=[1])
    )
    assert json.loads(await agent.select_action(observation))["name"] == "search_flights"
    assert agent.last_decision.source == "tool_call"


@pytest.mark.parametrize("kind", [K.DELTA_WITHOUT_INDEX, K.NULL_FIRST_ARGUMENTS])
async def test_streaming_agent_survives_delta_faults(
    make_agent: MakeAgent, observation: dict[str, Any], kind: FaultKind
) -> None:
    """Rows 23 and 25: a streaming agent assembles tolerant deltas into the same tool call."""
    from agentkit.testing._fakes import chat_completion_chunks, sse_response

    chunks = chat_completion_chunks(
        tool_calls=[("call_1", "search_flights", _search_args(observation))]
    )
    agent, _, transport = make_agent(
        [sse_response(chunks)], plan=FaultPlan.single(kind, calls=[1]), stream=True
    )
    action = await agent.select_action(observation)
    assert json.loads(action)["name"] == "search_flights"
    assert agent.last_decision.source == "tool_call"
    assert transport.log[0].applied


async def test_model_failure_falls_back_with_the_reason(
    make_agent: MakeAgent, observation: dict[str, Any]
) -> None:
    """A model call that fails after its retries leads to the fallback, naming the error."""
    agent, provider, _ = make_agent(
        [], plan=FaultPlan.single(Fault(kind=K.SERVER_ERROR, status=503), first=5)
    )
    action = await agent.select_action(observation)
    assert is_legal(observation, action)
    decision = agent.last_decision
    assert decision.source == "fallback"
    assert "ProviderStatusError" in decision.reason
    assert decision.attempts == 2
    assert [f["kind"] for f in decision.faults] == ["server_error", "server_error"]
    assert provider.requests == []


async def test_decision_deadline_bounds_a_hanging_model(observation: dict[str, Any]) -> None:
    """A model that never answers is abandoned at the decision deadline, with a legal fallback."""
    from agentkit.models import ModelAPI, ModelParams

    never = asyncio.Event()

    async def hang(request: httpx2.Request) -> httpx2.Response:
        await never.wait()
        raise AssertionError("unreachable")

    api = ModelAPI(
        ModelParams(name="gpt-4"),
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(hang)),
    )
    agent = ToolEnabledFlightBookingAgent(api=api, decision_deadline_s=0.01)
    action = await agent.select_action(observation)
    assert is_legal(observation, action)
    assert "deadline" in agent.last_decision.reason


@pytest.mark.parametrize(
    "garbage", [{}, {"state": "cart"}, {"state": 7, "legal_tools": "x"}, "not a dict", None]
)
async def test_garbage_observations_never_raise(make_agent: MakeAgent, garbage: Any) -> None:
    """Whatever the observation, select_action returns a string and records a fallback."""
    agent, _, _ = make_agent([chat_completion(content="")])
    action = await agent.select_action(garbage)
    assert isinstance(action, str)
    assert agent.last_decision.source == "fallback"


async def test_memory_window_in_the_prompt(make_agent: MakeAgent) -> None:
    """Only the last `memory_window` rounds appear in the prompt."""
    env = FlightBookingEnv()
    agent, _provider, _ = make_agent(
        [], memory_window=3, plan=FaultPlan.single(K.CONNECT_REFUSED, first=100)
    )
    trajectory = await run_episode(env, agent, seed=1, max_steps=6)
    last_prompt = trajectory.steps[-1].decision.exchanges[0].messages[-1].content
    assert last_prompt.count("\n- step ") == 3
    assert "- step 4:" in last_prompt
    assert "- step 1:" not in last_prompt


async def test_skills_learned_from_success_only(make_agent: MakeAgent, tmp_path: Any) -> None:
    """A successful episode adds a skill that the next prompt shows; a failed one adds none."""
    library = SkillLibrary(tmp_path / "skills.json", seed=0)
    agent, _, _ = make_agent(
        [], skills=library, plan=FaultPlan.single(K.CONNECT_REFUSED, first=1000)
    )
    failed = await run_episode(FlightBookingEnv(), agent, seed=5, max_steps=2)
    assert not failed.success
    assert library.skills == ()
    won = await run_episode(FlightBookingEnv(), agent, seed=5, options={"difficulty": "easy"})
    assert won.success
    (skill,) = library.skills
    assert skill.tools[0] == "search_flights"
    assert skill.tools[-1] == "confirm_payment"
    assert json.loads((tmp_path / "skills.json").read_text())["skills"][0]["tools"] == list(
        skill.tools
    )
    nxt = await run_episode(FlightBookingEnv(), agent, seed=6, max_steps=1)
    prompt = nxt.steps[0].decision.exchanges[0].messages[-1].content
    assert "booked successfully before" in prompt
    assert " -> ".join(skill.tools) in prompt


async def test_trajectory_round_trips_and_digests_deterministically(make_agent: MakeAgent) -> None:
    """A trajectory survives JSON, and the same seed and script give the same digest."""
    digests = []
    for _ in range(2):
        agent, _, _ = make_agent([], plan=FaultPlan.single(K.CONNECT_REFUSED, first=1000))
        trajectory = await run_episode(
            FlightBookingEnv(), agent, seed=9, options={"difficulty": "easy"}
        )
        assert Trajectory.model_validate_json(trajectory.model_dump_json()) == trajectory
        digests.append(trajectory.digest())
    assert digests[0] == digests[1]
    assert trajectory.success
    assert trajectory.fallback_rate() == 1.0


def test_a_paused_answer_is_never_acted_on() -> None:
    """Anthropic's pause_turn marks a partial turn: even a valid call in it is not executed."""
    from agentkit.agents._interpret import interpret
    from agentkit.flight import FLIGHT_DOMAIN
    from agentkit.models import ChatResponse, ToolCall

    observation, _ = FlightBookingEnv().reset(seed=0, options={"task_id": "easy-000"})
    call = ToolCall(id="c1", name="abort", arguments='{"reason": "done"}')
    for finish, acted in (("pause_turn", False), ("tool_calls", True)):
        response = ChatResponse(model="m", content=None, tool_calls=(call,), finish_reason=finish)
        found = interpret(observation, response, domain=FLIGHT_DOMAIN, tool_mode=True)
        assert (found.action is not None) is acted, finish
    paused = ChatResponse(model="m", content=None, tool_calls=(call,), finish_reason="pause_turn")
    error = interpret(observation, paused, domain=FLIGHT_DOMAIN, tool_mode=True).error
    assert error == "the answer was paused (finish_reason=pause_turn)"
