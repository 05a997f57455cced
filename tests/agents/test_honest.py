"""Honest failure: the fallback answers the model and the network, never the developer's mistakes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest

from agentkit import UsageError
from agentkit.agents import (
    FlightBookingOpenAIAgent,
    LLMAgent,
    ToolEnabledFlightBookingAgent,
)
from agentkit.faults import Fault, FaultKind, FaultPlan
from agentkit.flight import is_legal
from agentkit.models import ModelAPI, ModelParams
from agentkit.replay import CassetteFile, ReplayMismatchError, save_cassette, use_cassette
from agentkit.testing import ScriptedProvider, chat_completion

from .conftest import MakeAgent

K = FaultKind


@pytest.fixture
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with no provider configured."""
    for name in ("MODEL_PROXY_API_KEY", "MODEL_PROXY_API_BASE", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_keys")
async def test_a_keyless_live_agent_raises_at_its_first_decision(
    observation: dict[str, Any],
) -> None:
    """The README's agent with no key set: the first decision raises the UsageError naming the
    variable, instead of a green run of fallbacks; the record still says why."""
    agent = ToolEnabledFlightBookingAgent(model="gpt-4", strategy="balanced", temperature=0.7)
    with pytest.raises(UsageError, match="set the MODEL_PROXY_API_KEY environment variable"):
        await agent.select_action(observation)
    decision = agent.last_decision
    assert decision is not None
    assert decision.fallback_class == "setup"
    assert decision.error_type == "UsageError"
    assert is_legal(observation, decision.action)


@pytest.mark.usefixtures("no_keys")
async def test_opting_in_falls_back_on_setup_failures_and_says_so(
    observation: dict[str, Any],
) -> None:
    """fallback_on_setup_errors=True keeps acting, and the record names the class."""
    agent = ToolEnabledFlightBookingAgent(model="gpt-4", fallback_on_setup_errors=True)
    action = await agent.select_action(observation)
    assert is_legal(observation, action)
    assert agent.last_decision is not None
    assert agent.last_decision.source == "fallback"
    assert agent.last_decision.fallback_class == "setup"
    assert "MODEL_PROXY_API_KEY" in (agent.last_decision.reason or "")


@pytest.mark.parametrize("model", ["gpt-4", "anthropic/claude-test"])
async def test_a_replay_mismatch_inside_an_agent_raises_it(
    tmp_path: Path, observation: dict[str, Any], model: str
) -> None:
    """A request the cassette cannot answer raises the ReplayMismatchError itself, through both
    SDKs (anthropic wraps it in APIConnectionError), and is not retried."""
    path = tmp_path / "empty.json"
    save_cassette(path, CassetteFile())
    api = ModelAPI(ModelParams(name=model))
    agent = LLMAgent(api=api)
    with pytest.raises(ReplayMismatchError, match="the cassette is empty"):
        async with use_cassette(path) as cassette:
            await agent.select_action(observation)
    assert len(cassette.mismatches) == 1  # one request: a mismatch is never retried
    assert agent.last_decision is not None
    assert agent.last_decision.error_type == "ReplayMismatchError"
    await api.aclose()


@pytest.mark.parametrize(
    ("kind", "fallback_class"),
    [
        (K.NULL_CONTENT, "model_output"),
        (K.REFUSAL, "model_output"),
        (K.SERVER_ERROR, "model_call"),
        (K.READ_TIMEOUT, "model_call"),
        (K.QUOTA_EXHAUSTED, "model_call"),
    ],
)
async def test_the_model_and_the_network_are_answered_by_the_fallback(
    make_agent: MakeAgent, observation: dict[str, Any], kind: FaultKind, fallback_class: str
) -> None:
    """What the model or the network does wrong never raises; the record says which it was."""
    agent, _, _ = make_agent(
        [chat_completion(content="")] * 4, plan=FaultPlan.single(kind, first=9)
    )
    action = await agent.select_action(observation)
    assert is_legal(observation, action)
    assert agent.last_decision.source == "fallback"
    assert agent.last_decision.fallback_class == fallback_class


async def test_the_model_deciding_has_no_fallback_class(
    make_agent: MakeAgent, observation: dict[str, Any]
) -> None:
    """A decision the model made carries no fallback class."""
    task = observation["task"]
    arguments = {"origin": task["origin"], "destination": task["destination"],
                 "date": task["date"], "max_stops": 1}  # fmt: skip
    answer = chat_completion(tool_calls=[("c1", "search_flights", json.dumps(arguments))])
    agent, _, _ = make_agent([answer])
    await agent.select_action(observation)
    assert agent.last_decision.source == "tool_call"
    assert agent.last_decision.fallback_class is None


async def test_the_repair_request_carries_the_assistant_content_key(
    make_agent: MakeAgent, observation: dict[str, Any]
) -> None:
    """llama.cpp's chat templates read ``content`` of the assistant message that carries the
    tool calls (a missing key is a 500): the repair re-ask sends it as "", never null."""
    plan = FaultPlan.single(Fault(kind=K.INVENTED_TOOL), calls=[1])
    task = observation["task"]
    arguments = json.dumps({"origin": task["origin"], "destination": task["destination"],
                            "date": task["date"], "max_stops": 1})  # fmt: skip
    answer = chat_completion(tool_calls=[("call_1", "search_flights", arguments)])
    agent, provider, _ = make_agent([answer, answer], plan=plan)
    await agent.select_action(observation)
    assert agent.last_decision.source == "repair"
    follow_up = provider.bodies()[1]["messages"]
    assert [m["role"] for m in follow_up] == ["system", "user", "assistant", "tool"]
    invented = follow_up[2]["tool_calls"][0]["function"]["name"]
    assert follow_up[2] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": invented, "arguments": arguments},
            }
        ],
    }
    assert follow_up[3]["tool_call_id"] == "call_1"


def test_api_and_agent_settings_conflict_loudly() -> None:
    """With api=, a temperature, model, retry or inference setting given to the agent would be
    dropped: UsageError naming each; the defaults alone are fine."""
    api = ModelAPI(
        ModelParams(name="gemma", infer_kwargs={"temperature": 0.0}),
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(ScriptedProvider([]))),
    )
    agent = FlightBookingOpenAIAgent(api=api)
    assert agent.api is api
    assert agent.model == "gemma"
    with pytest.raises(UsageError) as raised:
        FlightBookingOpenAIAgent(api=api, temperature=0.7, max_tokens=64)
    message = str(raised.value)
    assert "temperature=0.7" in message
    assert "max_tokens=64" in message
    assert "ModelParams" in message
    with pytest.raises(UsageError, match=r"model='gpt-4' \(the api's model is 'gemma'\)"):
        FlightBookingOpenAIAgent(model="gpt-4", api=api)
    FlightBookingOpenAIAgent(model="gemma", api=api)  # the api's own model is no conflict


def test_defaults_read_as_the_values_they_are() -> None:
    """The constructors show their real defaults (0.7, 'gpt-4') to help() and editors."""
    import inspect

    parameters = inspect.signature(FlightBookingOpenAIAgent).parameters
    assert repr(parameters["temperature"].default) == "0.7"
    assert repr(parameters["model"].default) == "'gpt-4'"
    assert "fallback_on_setup_errors" in parameters
    agent = FlightBookingOpenAIAgent()
    assert agent.api.model_params.infer_kwargs == {"temperature": 0.7}
    assert agent.model == "gpt-4"


def test_the_openai_agent_refuses_anthropic() -> None:
    """OpenAILLMAgent is for OpenAI-compatible providers, by name or by api."""
    with pytest.raises(UsageError, match="use LLMAgent for Anthropic models"):
        FlightBookingOpenAIAgent(model="anthropic/claude-test")
