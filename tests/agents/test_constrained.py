"""Constrained decisions: the schema of an observation admits exactly its legal actions, and
constrained agents send it the way each provider takes it."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentkit import UsageError
from agentkit.agents import (
    ACTION_TOOL,
    FlightBookingOpenAIAgent,
    LLMAgent,
    ToolEnabledFlightBookingAgent,
)
from agentkit.agents import action_schema as generic_action_schema
from agentkit.flight import (
    ARG_MODELS,
    FLIGHT_DOMAIN,
    TOOL_NAMES,
    ParsedAction,
    format_action,
    is_legal,
    parse_action,
    rule_based_action,
)
from agentkit.models import ModelAPI, ModelParams
from agentkit.testing import chat_completion
from agentkit.testing.strategies import tool_calls, valid_observations

from .conftest import MakeAgent

OFFERED_FIELDS = ("flight_id", "payment_id", "code")


def action_schema(observation: object) -> dict[str, Any]:
    """The flight domain's schema of the legal actions."""
    return generic_action_schema(observation, FLIGHT_DOMAIN)


def offered_values(observation: dict[str, Any]) -> dict[str, list[str]]:
    """What the observation offers, read here independently of the code under test."""
    task = observation.get("task") or {}
    return {
        "flight_id": [flight["id"] for flight in observation.get("results") or []],
        "payment_id": [m["id"] for m in (task.get("traveller") or {}).get("payment_methods", [])],
        "code": [coupon["code"] for coupon in task.get("coupons") or []],
    }


def _wrapped(name: str, arguments: Any) -> dict[str, Any]:
    """The action as the schema frames it, with every optional field spelled out (as strict
    structured output writes it)."""
    model = ARG_MODELS.get(name)
    if model is not None and isinstance(arguments, dict):
        with contextlib.suppress(ValueError):
            arguments = model.model_validate(arguments).model_dump(mode="json")
    return {"action": {"name": name, "arguments": arguments}}


def _legal_here(observation: dict[str, Any], name: str, arguments: Any) -> bool:
    """Legal (the tool allowed now, its arguments valid) and every offered value is offered."""
    if name not in ARG_MODELS or not isinstance(arguments, dict):
        return False
    if not is_legal(observation, format_action(name, arguments)):
        return False
    offered = offered_values(observation)
    return all(arguments[field] in offered[field] for field in OFFERED_FIELDS if field in arguments)


def _admits(schema: dict[str, Any], instance: dict[str, Any]) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(instance)


def _candidates(observation: dict[str, Any], drawn: list[Any]) -> list[tuple[str, Any]]:
    """Legal actions of the state (the strategies' own), the values the observation offers
    and near misses of them, and drawn tool calls of any shape."""
    found: list[tuple[str, Any]] = []
    for strategy in ("aggressive", "balanced", "conservative"):
        parsed = parse_action(rule_based_action(observation, strategy))
        if isinstance(parsed, ParsedAction):
            found.append((parsed.name, dict(parsed.arguments)))
    offered = offered_values(observation)
    for flight in offered["flight_id"][:3]:
        for cabin in ("basic_economy", "economy", "business"):
            found.append(("select_flight", {"flight_id": flight, "cabin": cabin}))
    found += [("enter_card", {"payment_id": p}) for p in offered["payment_id"]]
    found += [("apply_coupon", {"code": c}) for c in offered["code"]]
    found += [
        ("select_flight", {"flight_id": "F999", "cabin": "economy"}),
        ("enter_card", {"payment_id": "card_not_in_profile"}),
        ("apply_coupon", {"code": "NOT-A-COUPON"}),
        ("abort", {"reason": "done", "extra": 1}),
    ]
    found += [(name, {}) for name in TOOL_NAMES]
    for call in drawn:
        found.append(
            (
                call.name,
                call.parsed_arguments if call.parsed_arguments is not None else call.arguments,
            )
        )
    return found


@given(observation=valid_observations(), drawn=st.lists(tool_calls(), max_size=6))
def test_the_schema_admits_exactly_the_legal_actions(
    observation: dict[str, Any], drawn: list[Any]
) -> None:
    """For observations in every state: an action is admitted if and only if it is legal there
    and takes only values the observation offers."""
    schema = action_schema(observation)
    jsonschema.Draft202012Validator.check_schema(schema)
    for name, arguments in _candidates(observation, drawn):
        assert _admits(schema, _wrapped(name, arguments)) == _legal_here(
            observation, name, arguments
        ), (observation["state"], name, arguments)


@given(observation=valid_observations())
def test_the_schema_is_a_pure_function_of_the_observation(observation: dict[str, Any]) -> None:
    """The same observation gives the same schema, byte for byte (replay stays exact)."""
    first = json.dumps(action_schema(observation), sort_keys=True)
    assert json.dumps(action_schema(json.loads(json.dumps(observation))), sort_keys=True) == first


def test_an_observation_with_no_legal_tool_admits_nothing() -> None:
    """A finished episode offers no action at all."""
    schema = action_schema({"state": "receipt", "legal_tools": []})
    assert schema["properties"]["action"] is False
    assert not _admits(schema, _wrapped("abort", {"reason": ""}))


async def test_a_constrained_text_agent_sends_the_schema_as_response_format(
    make_agent: MakeAgent, observation: dict[str, Any]
) -> None:
    """json_schema (OpenAI's strict form) by default, json_object + schema for llama.cpp; the
    wrapped answer is the action."""
    task = observation["task"]
    arguments = {"origin": task["origin"], "destination": task["destination"],
                 "date": task["date"], "max_stops": 1}  # fmt: skip
    answer = chat_completion(
        content=json.dumps({"action": {"name": "search_flights", "arguments": arguments}})
    )
    for kind in ("json_schema", "json_object"):
        agent, provider, _ = make_agent(
            [answer], agent_class=FlightBookingOpenAIAgent, constrained=True,
            structured_output=kind,
        )  # fmt: skip
        action = await agent.select_action(observation)
        assert json.loads(action) == {"name": "search_flights", "arguments": arguments}
        assert agent.last_decision.source == "model_text"
        body = provider.bodies()[0]
        assert "tools" not in body
        sent = body["response_format"]
        assert sent["type"] == kind
        schema = sent["schema"] if kind == "json_object" else sent["json_schema"]["schema"]
        assert sent.get("json_schema", {}).get("strict", True) is True
        assert schema == action_schema(observation)


async def test_a_constrained_tool_agent_is_forced_to_call_next_action(
    make_agent: MakeAgent, observation: dict[str, Any]
) -> None:
    """One tool, next_action, forced; its argument is unwrapped into the chosen tool's call."""
    task = observation["task"]
    arguments = {"origin": task["origin"], "destination": task["destination"],
                 "date": task["date"], "max_stops": 0}  # fmt: skip
    call = json.dumps({"action": {"name": "search_flights", "arguments": arguments}})
    agent, provider, _ = make_agent(
        [chat_completion(tool_calls=[("c1", ACTION_TOOL, call)])], constrained=True
    )
    action = await agent.select_action(observation)
    assert json.loads(action) == {"name": "search_flights", "arguments": arguments}
    assert agent.last_decision.source == "tool_call"
    body = provider.bodies()[0]
    assert [tool["function"]["name"] for tool in body["tools"]] == [ACTION_TOOL]
    assert body["tools"][0]["function"]["parameters"] == action_schema(observation)
    assert body["tool_choice"] == {"type": "function", "function": {"name": ACTION_TOOL}}
    assert "response_format" not in body


def test_anthropic_text_agents_cannot_be_constrained() -> None:
    """Anthropic has no structured output for text: the constructor says to use a tool agent."""
    with pytest.raises(UsageError, match="ToolEnabledLLMAgent"):
        LLMAgent(model="anthropic/claude-test", constrained=True)
    api = ModelAPI(ModelParams(name="anthropic/claude-test"))
    ToolEnabledFlightBookingAgent(api=api, constrained=True)  # forced tool use: supported
