"""The policies' legality checks: which tools an observation allows, what the fallback plays when
the state's rule cannot decide, and how ``is_legal`` judges an action."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from agentkit.flight import (
    POLICY_PARAMS,
    FlightBookingEnv,
    format_action,
    is_legal,
    rule_based_action,
)

ABORT = format_action("abort", {"reason": "the episode is over or the observation is unreadable"})
RESTART = format_action("restart")
STRATEGIES = ("aggressive", "balanced", "conservative")


@functools.cache
def _episode(strategy: str, task_id: str = "easy-000") -> tuple[dict[str, Any], ...]:
    """Every observation of an episode the strategy plays, the final one included."""
    env = FlightBookingEnv()
    obs, _ = env.reset(seed=0, options={"task_id": task_id})
    seen = [obs]
    done = False
    while not done:
        obs, _, terminated, truncated, _ = env.step(rule_based_action(obs, strategy))
        seen.append(obs)
        done = terminated or truncated
    return tuple(seen)


def _without_list(obs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obs.items() if k != "legal_tools"}


def _search_form() -> dict[str, Any]:
    return copy.deepcopy(_episode("balanced")[0])


# -- which tools an observation allows -----------------------------------------------------------


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_without_a_legal_tools_list_the_state_decides(strategy: str) -> None:
    """With no usable legal_tools list, the tools legal in the state (selection, payment method
    included) admit exactly the actions the list would."""
    episode = _episode(strategy)
    actions = [rule_based_action(obs, strategy) for obs in episode]
    tools = {a.split('"')[3] for a in actions}
    assert {"add_to_cart", "enter_card", "confirm_payment"} <= tools
    for obs, action in zip(episode, actions, strict=True):
        for unusable in ({}, {"legal_tools": None}, {"legal_tools": tuple(obs["legal_tools"])}):
            assert rule_based_action({**_without_list(obs), **unusable}, strategy) == action


def test_odd_entries_of_legal_tools_are_ignored() -> None:
    """Non-strings, unhashable values and unknown names in legal_tools neither count nor crash."""
    obs = _search_form()
    expected = rule_based_action(obs)
    assert expected.startswith('{"name": "search_flights"')
    obs["legal_tools"] = [3, ["search_flights"], {"x": 1}, "bogus", "search_flights", "abort"]
    assert rule_based_action(obs) == expected


# -- the fallback --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("legal", "expected"),
    [
        (["abort", "confirm_payment", "restart"], RESTART),
        (["confirm_payment", "proceed_to_payment", "filter_results", "abort"], ABORT),
        (
            ["confirm_payment", "proceed_to_payment", "filter_results"],
            format_action("filter_results", {"max_stops": 1}),
        ),
        (
            ["confirm_payment", "search_flights", "proceed_to_payment"],
            format_action("proceed_to_payment"),
        ),
        (["enter_card", "confirm_payment"], format_action("confirm_payment")),
        (["search_flights", "select_flight", "enter_card"], ABORT),
        ([], ABORT),
    ],
)
def test_the_fallback_plays_the_first_safe_listed_tool(legal: list[str], expected: str) -> None:
    """When the rule cannot decide, the first of restart, abort, filter_results(max_stops=1),
    proceed_to_payment, confirm_payment that is listed is played; abort when none is."""
    obs = {"legal_tools": legal}
    assert rule_based_action(obs) == expected
    if expected != ABORT or "abort" in legal:
        assert is_legal(obs, expected)


@pytest.mark.parametrize(
    ("obs", "expected"),
    [
        ({"state": "cart"}, RESTART),
        ({"state": "search_results", "selection": {"flight_id": "F1"}}, RESTART),
        ({"state": "payment", "payment": {"payment_id": "card"}}, RESTART),
        ({"state": "3ds_pending"}, format_action("confirm_payment")),
        ({"state": "search_form"}, ABORT),
        ({"state": "receipt"}, ABORT),
        ({"state": "aborted"}, ABORT),
        ({"state": "boarding"}, ABORT),
        ({"state": ["cart"]}, ABORT),
        ({"state": 3}, ABORT),
    ],
)
def test_the_fallback_reads_the_state_without_a_list(obs: dict[str, Any], expected: str) -> None:
    """Without legal_tools and without a task, the state alone says which safe tool is legal."""
    assert rule_based_action(obs) == expected


def test_an_action_the_observation_does_not_list_is_not_played() -> None:
    """The rule's action is played only when legal_tools lists it; else the fallback decides."""
    obs = _search_form()
    obs["legal_tools"] = ["abort", "enter_card"]
    assert rule_based_action(obs) == ABORT
    obs["legal_tools"] = ["enter_card", "proceed_to_payment"]
    assert rule_based_action(obs) == format_action("proceed_to_payment")


def test_an_action_with_invalid_arguments_is_not_played() -> None:
    """A rule's action whose arguments fail the tool's model (a lower-case airport code from a
    corrupted task) is replaced by the fallback, even though its tool is legal."""
    obs = _search_form()
    obs["task"]["origin"] = "bos"
    assert obs["legal_tools"] == ["search_flights", "abort"]
    assert rule_based_action(obs) == ABORT
    obs["legal_tools"] = ["search_flights", "restart"]
    assert rule_based_action(obs) == RESTART


def test_strategy_and_params_choose_the_rule() -> None:
    """An unknown strategy plays balanced; params override the strategy's own; anything but a
    PolicyParams is ignored."""
    after_search = _episode("balanced")[1]
    balanced = rule_based_action(after_search, "balanced")
    conservative = rule_based_action(after_search, "conservative")
    assert balanced.startswith('{"name": "select_flight"')
    assert conservative.startswith('{"name": "filter_results"')
    assert rule_based_action(after_search, "nonsense") == balanced
    assert rule_based_action(after_search, params=POLICY_PARAMS["conservative"]) == conservative
    odd: Any = {"filter_first": True}
    assert rule_based_action(after_search, "balanced", params=odd) == balanced


# -- is_legal ------------------------------------------------------------------------------------


def test_is_legal_needs_a_list_that_names_the_tool() -> None:
    """legal_tools must be a list naming the tool: a string that contains the name is not one."""
    assert is_legal({"legal_tools": ["abort"]}, "abort")
    assert not is_legal({"legal_tools": "abort restart"}, "abort")
    assert not is_legal({"legal_tools": None}, "abort")
    assert not is_legal(["abort"], "abort")  # type: ignore[arg-type]


def test_is_legal_validates_the_arguments() -> None:
    """A listed tool is legal only with arguments its model accepts, and an unreadable action never."""
    obs = {"legal_tools": ["abort", "filter_results"]}
    assert is_legal(obs, 'abort(reason="done")')
    assert not is_legal(obs, "abort(reason=5)")
    assert not is_legal(obs, 'abort(reason="done", why="x")')
    assert not is_legal(obs, "abort(")
    assert is_legal(obs, format_action("filter_results", {"max_stops": 1}))
    assert not is_legal(obs, format_action("filter_results", {"max_stops": 2}))


class _Failing(Mapping[str, Any]):
    """A mapping whose every lookup fails."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("unreadable")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("unreadable")

    def __len__(self) -> int:
        return 1


class _LooksLikeAnObservation:
    """Not a mapping, though its ``get`` answers like one."""

    def get(self, key: str, default: Any = None) -> Any:
        return ["abort"] if key == "legal_tools" else default


def test_is_legal_reads_only_a_mapping_and_never_raises() -> None:
    """An unreadable mapping, or an object that only has a ``get``, makes nothing legal."""
    assert not is_legal(_Failing(), "abort")
    assert not is_legal(_LooksLikeAnObservation(), "abort")  # type: ignore[arg-type]
