"""The desk domain: legality as the env sees it, argument checks a model can act on, a compact
prompt, and rule-based strategies that resolve tickets and never crash."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from agentkit.agents import (
    Strategy,
    get_strategy,
    register_strategy,
    strategy_names,
    unregister_strategy,
)
from agentkit.testing.strategies import adversarial
from hypothesis import given

from support_desk import (
    BALANCED,
    DESK,
    TOOLS,
    TRIAGE,
    DeskParams,
    SupportDeskEnv,
    rule_based_action,
    triage_policy,
)
from support_desk.strategies import valid_observations


def ticket(seed: int, wants: str, *actions: str) -> dict[str, Any]:
    """The observation after ``actions`` on the seeded ticket."""
    env = SupportDeskEnv()
    observation, _ = env.reset(seed=seed, options={"wants": wants})
    for action in actions:
        observation, *_ = env.step(action)
    return observation


def play_rules(seed: int, strategy: Strategy, wants: str | None = None) -> tuple[float, list[str]]:
    """A whole episode by the strategy's rule-based fallback: its reward and its tools."""
    env = SupportDeskEnv()
    observation, _ = env.reset(seed=seed, options=None if wants is None else {"wants": wants})
    tools, reward, done = [], 0.0, False
    while not done:
        action = strategy.policy(observation) if strategy.policy else None
        action = action or DESK.fallback_action(observation, strategy)
        tools.append(json.loads(action)["name"])
        observation, got, terminated, truncated, _ = env.step(action)
        reward += float(got)
        done = terminated or truncated
    return reward, tools


@given(valid_observations())
def test_the_domain_allows_exactly_what_the_env_lists(observation: dict[str, Any]) -> None:
    """In every observation the env produces, the domain's legal tools are the env's list."""
    assert DESK.legal_tools(observation) == observation["legal_tools"]


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"order_id": "G26"}, "invalid arguments for refund_order: reason: Field required"),
        (
            {"order_id": "G26", "reason": "too expensive"},
            "invalid arguments for refund_order: reason: Input should be 'damaged', "
            "'wrong_item' or 'changed_mind'",
        ),
        (
            {"order_id": "B3", "reason": "damaged"},
            "order B3 is not on this ticket; the ticket is about order G26",
        ),
        ("G26", "refund_order needs its arguments as a JSON object, got str"),
    ],
)
def test_check_call_tells_the_model_what_is_wrong(arguments: object, problem: str) -> None:
    """A call the env would refuse is refused before it is sent, in words a repair re-ask
    shows the model."""
    found = ticket(2, "refund", 'lookup_order(order_id="G26")')
    assert DESK.check_call(found, "refund_order", arguments) == (None, problem)


def test_check_call_refuses_tools_the_state_does_not_allow() -> None:
    """Before the lookup a refund is not allowed, whatever its arguments."""
    new = ticket(2, "refund")
    call = {"order_id": "G26", "reason": "changed_mind"}
    assert DESK.check_call(new, "refund_order", call) == (
        None,
        "refund_order is not allowed now; allowed now: lookup_order, close_ticket",
    )
    assert DESK.check_call(new, "lookup_order", {"order_id": "G26"}) == (
        '{"name": "lookup_order", "arguments": {"order_id": "G26"}}',
        None,
    )


def test_the_prompt_shows_the_ticket_the_order_and_the_policy() -> None:
    """The rendering is a few readable lines, not the raw observation."""
    rendered = DESK.render_observation(ticket(2, "refund", 'lookup_order(order_id="G26")'))
    assert rendered.splitlines() == [
        'ticket T-7557 from Sam Okafor: "I changed my mind about the desk lamp from order G26. '
        'Can I get a refund?"',
        "  category: refund (reason: changed_mind), order G26",
        "state: order_found (step 1 of 10)",
        "last action: order G26 found: delivered",
        "order G26: desk lamp, $34.00, delivered 6 days ago, ships to 310 King St, Leeds",
        "policy: refunds up to 30 days after delivery; address changes and cancellations only "
        "before the order ships",
    ]


def test_a_broken_observation_is_shown_as_json() -> None:
    """An observation of an unknown shape is rendered as it is, long values cut."""
    rendered = DESK.render_observation({"state": "new", "task": "x" * 5000})
    assert rendered.startswith('{"state": "new", "task": "xxx')
    assert rendered.endswith('...(cut)"}')
    assert len(rendered) < 500


def test_a_constrained_schema_offers_the_tickets_own_values() -> None:
    """The order id and the customer's new address narrow a constrained answer."""
    assert DESK.offered_values(ticket(1, "change_address")) == {
        "order_id": ["D51"],
        "address": ["310 King St, Leeds"],
    }
    assert DESK.offered_values(ticket(2, "refund")) == {"order_id": ["G26"]}
    assert DESK.offered_values("not an observation") == {}


@pytest.mark.parametrize("seed", range(40))
def test_the_balanced_rules_resolve_every_ticket(seed: int) -> None:
    """Looked up, resolved or escalated, closed: three steps and the reward, every time."""
    reward, tools = play_rules(seed, BALANCED)
    assert reward == 1.0
    assert len(tools) == 3
    assert tools[0] == "lookup_order"
    assert tools[-1] == "close_ticket"


def test_triage_escalates_everything() -> None:
    """The triage strategy never changes an order: it is right only when escalating is."""
    rewards = []
    for seed in range(20):
        reward, tools = play_rules(seed, TRIAGE)
        assert tools == ["lookup_order", "escalate", "close_ticket"]
        rewards.append(reward)
    assert 0 < sum(rewards) < len(rewards)


@pytest.fixture
def careful() -> Iterator[Strategy]:
    """A user's own strategy, by parameters: refunds over $100 go to a colleague."""
    strategy = register_strategy(
        Strategy(
            name="careful",
            prompt="Strategy: careful. Escalate refunds over $100.",
            params=DeskParams(escalate_refunds_over=100.0),
        ),
        domain="support_desk",
    )
    yield strategy
    unregister_strategy("careful", domain="support_desk")


def test_a_registered_strategy_steers_the_fallback(careful: Strategy) -> None:
    """By name, the careful strategy escalates a $120 refund that balanced pays out."""
    assert get_strategy("careful", "support_desk") is careful
    found = ticket(0, "refund", 'lookup_order(order_id="G64")')
    assert found["order"]["total"] == 120.0
    assert json.loads(DESK.fallback_action(found, careful))["name"] == "escalate"
    assert json.loads(DESK.fallback_action(found, BALANCED))["name"] == "refund_order"


def test_the_desk_strategies_are_registered_for_the_desk_only() -> None:
    """balanced and triage are the desk's; the flight domain's strategies are not."""
    names = strategy_names("support_desk")
    assert names[:2] == ["balanced", "triage"]
    assert "triage" not in strategy_names("flight")
    assert get_strategy("balanced", "support_desk") is BALANCED
    assert get_strategy("balanced", "support_desk") is not get_strategy("balanced", "flight")


@given(adversarial(valid_observations()))
def test_the_rules_act_legally_on_anything(observation: Any) -> None:
    """On any observation, broken ones included, the rules never raise and, whenever any
    action is legal, return a legal one."""
    actions = [rule_based_action(observation), DESK.fallback_action(observation, TRIAGE)]
    if isinstance(observation, dict):
        actions.append(triage_policy(observation))
    for action in actions:
        assert isinstance(action, str)
        if DESK.legal_tools(observation):
            assert DESK.is_legal(observation, action), (observation, action)


@given(adversarial(valid_observations()))
def test_the_domain_never_raises_and_never_floods_the_prompt(observation: Any) -> None:
    """What the agent asks of the domain before the model is called works on anything, and the
    rendered observation stays short. (``check_fallback_total`` counts an exception from the
    domain as a setup failure, so this is checked here directly.)"""
    assert len(DESK.render_observation(observation)) < 20_000
    assert isinstance(DESK.offered_values(observation), dict)
    legal = DESK.legal_tools(observation)
    assert set(legal) <= set(TOOLS)
    assert not legal or "close_ticket" in legal
