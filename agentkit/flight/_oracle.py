"""A rule-based policy that books at the oracle price, acting on the observation alone.

It plans the cheapest feasible itinerary from the visible results (uninsured when the task leaves
insurance to the traveller, unless insuring lifts the cart over a coupon's minimum and so costs
less), assuming every coupon not yet rejected is valid; when a coupon turns out to have expired
(it then shows in ``coupons_rejected``), it re-plans, restarting if a different flight is now
cheaper. It is what the tests use to prove every task solvable, and what agents can fall back on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from agentkit._errors import UsageError
from agentkit.flight._actions import format_action
from agentkit.flight._env import FlightBookingEnv
from agentkit.flight._pricing import Itinerary, best_itinerary, same_passengers

__all__ = ["OracleRun", "oracle_action", "payment_method_for", "solve_oracle", "wanted_search"]


def wanted_search(task: Mapping[str, Any]) -> dict[str, Any]:
    max_stops = task["constraints"]["max_stops"]
    return {
        "origin": task["origin"],
        "destination": task["destination"],
        "date": task["date"],
        "max_stops": 1 if max_stops is None else max_stops,
    }


def _plan(obs: Mapping[str, Any]) -> Itinerary | None:
    task = obs["task"]
    rejected = set(obs["coupons_rejected"])
    codes = {c["code"] for c in task["coupons"] if c["code"] not in rejected}
    return best_itinerary(task, obs["results"], codes)


def _cart_matches(cart: Mapping[str, Any], task: Mapping[str, Any], plan: Itinerary) -> bool:
    return (
        cart["flight"]["id"] == plan.flight_id
        and cart["cabin"] == plan.cabin
        and cart["checked_bags"] == task["checked_bags"]
        and cart["insurance"] == plan.insurance
        and same_passengers(cart["passengers"], task["passengers"])
    )


def payment_method_for(task: Mapping[str, Any], due: int) -> str | None:
    for method in task["traveller"]["payment_methods"]:
        if method["balance"] is None or method["balance"] >= due:
            return str(method["id"])
    return None


def oracle_action(observation: Mapping[str, Any]) -> str | None:
    """Return the next action of the oracle policy, or ``None`` once the episode is over.

    >>> from agentkit.flight import FlightBookingEnv
    >>> obs, _ = FlightBookingEnv().reset(seed=0)
    >>> oracle_action(obs).startswith('{"name": "search_flights"')
    True
    """
    obs, state, task = observation, observation["state"], observation["task"]
    if state in ("receipt", "aborted"):
        return None
    if state in ("search_form", "search_results"):
        wanted = wanted_search(task)
        if state == "search_form" or obs["search"] != wanted or obs["filters"] is not None:
            return format_action("search_flights", wanted)
        plan = _plan(obs)
        if plan is None:
            return format_action("abort", {"reason": "no flight meets the constraints and budget"})
        if obs["selection"] != {"flight_id": plan.flight_id, "cabin": plan.cabin}:
            return format_action(
                "select_flight", {"flight_id": plan.flight_id, "cabin": plan.cabin}
            )
        return format_action(
            "add_to_cart",
            {
                "passengers": task["passengers"],
                "checked_bags": task["checked_bags"],
                "insurance": plan.insurance,
            },
        )
    if state == "cart":
        cart, plan = obs["cart"], _plan(obs)
        if plan is None or not _cart_matches(cart, task, plan):
            return format_action("restart")
        if plan.coupon is not None and cart["coupon"] != plan.coupon:
            return format_action("apply_coupon", {"code": plan.coupon})
        return format_action("proceed_to_payment")
    if state == "payment":
        payment = obs["payment"]
        if payment["payment_id"] is None:
            method = payment_method_for(task, payment["amount_due"])
            if method is None:
                return format_action("abort", {"reason": "no saved method covers the total"})
            return format_action("enter_card", {"payment_id": method})
        return format_action("confirm_payment")
    return format_action("confirm_payment")  # 3ds_pending


class OracleRun(NamedTuple):
    """The outcome of :func:`solve_oracle`."""

    actions: list[str]
    """The actions taken, in order."""
    total_reward: float
    """The sum of rewards over the run."""
    terminated: bool
    """Whether the episode ended in a receipt or an abort."""
    truncated: bool
    """Whether it hit ``max_steps`` or ``max_errors``."""
    observation: dict[str, Any]
    """The last observation."""
    info: dict[str, Any]
    """The last info."""


def solve_oracle(env: FlightBookingEnv, observation: Mapping[str, Any]) -> OracleRun:
    """Play the oracle policy from ``observation`` (the env's current one) to the episode's end.

    >>> env = FlightBookingEnv()
    >>> run = solve_oracle(env, env.reset(seed=3)[0])
    >>> run.total_reward, run.info["regret"]
    (1.0, 0)
    """
    obs: dict[str, Any] = dict(observation)
    info: dict[str, Any] = {}
    actions: list[str] = []
    total = 0.0
    terminated = truncated = False
    while not (terminated or truncated):
        action = oracle_action(obs)
        if action is None:
            break
        actions.append(action)
        obs, reward, terminated, truncated, info = env.step(action)
        total += float(reward)
    if not actions:
        raise UsageError("solve_oracle got an observation of a finished episode; reset first")
    return OracleRun(actions, total, terminated, truncated, obs, info)
