"""What the agents know of the flight-booking world: tools, legality, argument checks, rendering.

Everything here tolerates malformed observations: the agent's promise to always return a legal
action starts with never crashing on what it is shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import ValidationError

from agentkit.envs import ARG_MODELS, TOOL_NAMES, format_action, legal_tools, tool_specs
from agentkit.models import ToolSpec

__all__ = ["check_call", "flight_tools", "render_observation", "safe_legal_tools"]

_MAX_STRING = 400
_MAX_LIST = 40


@cache
def flight_tools() -> tuple[ToolSpec, ...]:
    """The ten tools as ``ToolSpec``s (all of them, every step: a stable request body)."""
    return tuple(ToolSpec.from_openai(spec) for spec in tool_specs())


def safe_legal_tools(observation: object) -> list[str]:
    """The tools legal in ``observation``; [] when it cannot be read."""
    if not isinstance(observation, Mapping):
        return []
    try:
        return legal_tools(observation)
    except (KeyError, TypeError, AttributeError, ValueError):
        named = observation.get("legal_tools")
        if isinstance(named, list):
            return [name for name in named if isinstance(name, str) and name in ARG_MODELS]
        return []


def check_call(observation: object, name: str, arguments: object) -> tuple[str | None, str | None]:
    """``(action, None)`` for a legal, valid call, else ``(None, why not)`` in words for the model."""
    legal = safe_legal_tools(observation)
    if name not in ARG_MODELS:
        return None, f"unknown tool {name!r}; the tools are: {', '.join(TOOL_NAMES)}"
    if name not in legal:
        return None, f"{name} is not allowed now; allowed now: {', '.join(legal) or 'nothing'}"
    if not isinstance(arguments, dict):
        return None, f"{name} needs its arguments as a JSON object, got {type(arguments).__name__}"
    try:
        validated = ARG_MODELS[name].model_validate(arguments)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'arguments'}: {error['msg']}"
            for error in exc.errors(include_url=False)
        )
        return None, f"invalid arguments for {name}: {problems}"
    return format_action(name, validated.model_dump(mode="json", exclude_none=True)), None


def _clip(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= _MAX_STRING else value[:_MAX_STRING] + "...(cut)"
    if isinstance(value, Mapping):
        return {str(key): _clip(item) for key, item in list(value.items())[:_MAX_LIST]}
    if isinstance(value, list | tuple):
        return [_clip(item) for item in value[:_MAX_LIST]]
    if value is None or isinstance(value, bool | int | float):
        return value
    return repr(value)[:_MAX_STRING]


def render_observation(observation: object) -> str:
    """The observation as the prompt shows it: compact lines for a well-formed observation (a
    small model's context is short), canonical JSON with long values cut for anything else."""
    if isinstance(observation, Mapping):
        try:
            return _render_lines(observation)
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            pass  # not the shape we know: show it as it is
    return json.dumps(_clip(observation), sort_keys=True, ensure_ascii=False, default=repr)


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
