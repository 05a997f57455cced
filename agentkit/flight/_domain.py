"""The flight-booking domain: what an agent knows of the flight world, and its strategies.

The rendering, the legality rules, the values a constrained schema narrows to and the
rule-based policies all live here; the generic agents only ever call the domain's methods.

>>> from agentkit.flight import FLIGHT_DOMAIN, FlightBookingEnv
>>> obs, _ = FlightBookingEnv().reset(seed=0, options={"task_id": "easy-000"})
>>> FLIGHT_DOMAIN.legal_tools(obs)
['search_flights', 'abort']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from agentkit.agents import Strategy, ToolDomain, clip_json, register_strategy
from agentkit.flight._actions import FLIGHT_SYNTAX
from agentkit.flight._policies import POLICY_PARAMS, PolicyParams, rule_based_action
from agentkit.flight._tools import ARG_MODELS, DESCRIPTIONS, legal_tools

__all__ = ["FLIGHT_DOMAIN", "FLIGHT_STRATEGIES", "FlightDomain"]

_MAX_STRING = 400
_MAX_LIST = 40

_TASK = (
    "You are a flight-booking agent. You act in a booking system one tool call at a time, "
    "until the traveller's booking is paid and a receipt is shown. Every hard constraint of the "
    "task and the total budget must hold for the booking to count."
)

_PROMPTS: Final = {
    "aggressive": (
        "Strategy: aggressive. Book the cheapest itinerary that meets every hard constraint and "
        "the budget, as fast as possible. Do not filter, compare at length or add extras the "
        "traveller did not ask for. Apply a valid coupon if one is offered."
    ),
    "balanced": (
        "Strategy: balanced. Weigh price against convenience: among itineraries that meet every "
        "hard constraint and the budget, prefer the best value, counting each stop as a cost. "
        "Apply a valid coupon if one is offered."
    ),
    "conservative": (
        "Strategy: conservative. Narrow the results with filter_results before choosing, prefer "
        "direct flights, and buy travel insurance when the budget allows. Never break a hard "
        "constraint or the budget; when unsure, re-check the cart before paying."
    ),
}

#: The flight domain's three strategies, registered for it by name.
FLIGHT_STRATEGIES: Final[dict[str, Strategy]] = {
    name: register_strategy(
        Strategy(name=name, prompt=_PROMPTS[name], params=params), domain="flight"
    )
    for name, params in POLICY_PARAMS.items()
}


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _ids(items: object, key: str) -> list[str]:
    if not isinstance(items, list):
        return []
    found = (item.get(key) for item in items if isinstance(item, Mapping))
    return list(dict.fromkeys(value for value in found if isinstance(value, str)))


class FlightDomain(ToolDomain):
    """The flight-booking world as an agent sees it: ten tools, state-dependent legality, a
    compact prompt rendering and the rule-based policies of the three strategies."""

    def __init__(self) -> None:
        super().__init__(
            name="flight", task=_TASK, tools=ARG_MODELS, descriptions=DESCRIPTIONS,
            syntax=FLIGHT_SYNTAX,
        )  # fmt: skip

    def legal_tools(self, observation: object) -> list[str]:
        """The tools legal in the observation's state; its ``legal_tools`` list when the state
        cannot be read; ``[]`` when neither can."""
        if not isinstance(observation, Mapping):
            return []
        try:
            return legal_tools(observation)
        except (KeyError, TypeError, AttributeError, ValueError):
            named = observation.get("legal_tools")
            if isinstance(named, list):
                return [name for name in named if isinstance(name, str) and name in ARG_MODELS]
            return []

    def render_observation(self, observation: object) -> str:
        return render_observation(observation)

    def offered_values(self, observation: object) -> dict[str, list[str]]:
        """Flight ids in the results, the traveller's payment ids, the task's coupon codes."""
        if not isinstance(observation, Mapping):
            return {}
        task = _mapping(observation.get("task"))
        traveller = _mapping(task.get("traveller"))
        return {
            "flight_id": _ids(observation.get("results"), "id"),
            "payment_id": _ids(traveller.get("payment_methods"), "id"),
            "code": _ids(task.get("coupons"), "code"),
        }

    def fallback_action(self, observation: object, strategy: Strategy) -> str:
        """The strategy's rule-based policy (:func:`rule_based_action`), with the strategy's
        ``PolicyParams`` when it has them; an unknown strategy plays ``balanced``'s."""
        params = strategy.params if isinstance(strategy.params, PolicyParams) else None
        if not isinstance(observation, Mapping):
            return rule_based_action({})
        return rule_based_action(observation, strategy.name, params)


#: The flight domain, as agents use it.
FLIGHT_DOMAIN: Final = FlightDomain()


def render_observation(observation: object) -> str:
    """The observation as the prompt shows it: compact lines for a well-formed observation (a
    small model's context is short), canonical JSON with long values cut for anything else."""
    if isinstance(observation, Mapping):
        try:
            return _render_lines(observation)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            pass  # not the shape we know: show it as it is
    return json.dumps(clip_json(observation), sort_keys=True, ensure_ascii=False, default=repr)


def _money(value: Any) -> str:
    return f"${value}"


def _flight(flight: Mapping[str, Any]) -> str:
    stops = "nonstop" if flight["stops"] == 0 else f"{flight['stops']} stop via {flight['via']}"
    cabins = ", ".join(
        f"{cabin} {_money(fare)} ({flight['seats'][cabin]} seats)"
        for cabin, fare in flight["fares"].items()
    )
    return (
        f"{flight['id']} {flight['airline']} {flight['flight_number']} {flight['date']} "
        f"{flight['depart']}-{flight['arrive']} {stops}; {cabins}"
    )


def _render_lines(obs: Mapping[str, Any]) -> str:
    task, policy = obs["task"], obs["policy"]
    c = task["constraints"]
    lines = [
        f"state: {obs['state']} (step {obs['step']} of {obs['max_steps']}, "
        f"errors {obs['errors']} of {obs['max_errors']})",
    ]
    if obs.get("error"):
        lines.append(f"last action failed: {str(obs['error'])[:_MAX_STRING]}")
    elif obs.get("message"):
        lines.append(f"last action: {str(obs['message'])[:_MAX_STRING]}")
    people = "; ".join(
        f"{p['first_name']} {p['last_name']} (born {p['dob']})" for p in task["passengers"]
    )
    # None: the task leaves insurance open. Booleans keep "yes"/"no": recorded prompts show them.
    wanted = task["insurance"]
    insurance = "optional (your choice)" if wanted is None else ("yes" if wanted else "no")
    lines += [
        f"task: {task['instruction']}",
        f"  passengers: {people}",
        f"  checked bags in total: {task['checked_bags']}; insurance: {insurance}; "
        f"budget: {_money(task['budget'])}",
        "  constraints: "
        + ", ".join(f"{key} {'any' if value is None else value}" for key, value in c.items()),
        "  coupons: "
        + (
            ", ".join(
                f"{k['code']} ({k['kind']} {k['value']}, min subtotal {_money(k['min_subtotal'])})"
                for k in task["coupons"]
            )
            or "none"
        ),
        "  payment methods: "
        + ", ".join(f"{m['id']} ({m['label']})" for m in task["traveller"]["payment_methods"]),
        f"fees: insurance {_money(policy['insurance_per_passenger'])} per passenger; "
        f"{_money(policy['bag_fee'])} per bag beyond the free allowance per passenger "
        + ", ".join(f"{cabin} {n}" for cabin, n in policy["free_bags_per_passenger"].items()),
    ]
    if obs.get("search"):
        s = obs["search"]
        lines.append(
            f"search: {s['origin']} to {s['destination']} on {s['date']}, max stops {s['max_stops']}"
        )
    if obs.get("filters"):
        lines.append(f"filters: {json.dumps(obs['filters'], sort_keys=True)}")
    if obs.get("results"):
        lines.append(f"results ({len(obs['results'])}, cheapest first):")
        lines += [f"  {_flight(f)}" for f in obs["results"][:_MAX_LIST]]
    if obs.get("selection"):
        lines.append(f"selected: {obs['selection']['flight_id']} {obs['selection']['cabin']}")
    if obs.get("cart"):
        cart = obs["cart"]
        lines.append(
            f"cart: {cart['flight']['id']} {cart['cabin']}, {len(cart['passengers'])} passenger(s), "
            f"{cart['checked_bags']} bag(s), insurance {'yes' if cart['insurance'] else 'no'}; "
            f"fares {_money(cart['fare_total'])} + insurance {_money(cart['insurance_total'])} + "
            f"bags {_money(cart['bag_fee_total'])} - coupon {cart['coupon'] or 'none'} "
            f"{_money(cart['discount'])} = total {_money(cart['total'])}"
        )
    if obs.get("payment"):
        pay = obs["payment"]
        lines.append(
            f"payment: method {pay['payment_id'] or 'not entered'}, due {_money(pay['amount_due'])}, "
            f"attempts {pay['attempts']}, status {pay['status']}"
        )
    if obs.get("receipt"):
        r = obs["receipt"]
        lines.append(
            f"receipt: booking {r['booking_id']}, {r['flight_id']} {r['cabin']}, paid {_money(r['paid'])}"
        )
    if obs.get("coupons_rejected"):
        lines.append(f"coupons rejected: {', '.join(obs['coupons_rejected'])}")
    return "\n".join(lines)
