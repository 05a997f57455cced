"""The ten tools: their argument models, their schemas, and which are legal in which state.

Schemas are generated from the pydantic argument models, so the JSON schema an LLM sees and the
validation the environment applies cannot drift apart.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from agentkit._errors import UsageError
from agentkit.actions import tool_spec
from agentkit.flight._catalog import Cabin

__all__ = [
    "ARG_MODELS",
    "DESCRIPTIONS",
    "TOOL_NAMES",
    "AbortArgs",
    "AddToCartArgs",
    "ApplyCouponArgs",
    "ConfirmPaymentArgs",
    "EnterCardArgs",
    "FilterResultsArgs",
    "PassengerArgs",
    "ProceedToPaymentArgs",
    "RestartArgs",
    "SearchFlightsArgs",
    "SelectFlightArgs",
    "anthropic_tool_specs",
    "legal_tools",
    "legal_tools_for",
    "to_anthropic_tool",
    "tool_specs",
]


class _Args(BaseModel):
    # strict: a schema that says integer means integer ("3" is a wrong-typed argument, not 3).
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True
    )


class SearchFlightsArgs(_Args):
    """Arguments of ``search_flights``."""

    origin: str = Field(pattern=r"^[A-Z]{3}$")
    """IATA code of the departure airport, e.g. BOS."""
    destination: str = Field(pattern=r"^[A-Z]{3}$")
    """IATA code of the arrival airport, e.g. SFO."""
    date: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    """Departure date, YYYY-MM-DD."""
    max_stops: int = Field(default=1, ge=0, le=1)
    """0 for nonstop flights only, 1 to include one-stop flights."""


class FilterResultsArgs(_Args):
    """Arguments of ``filter_results``: give at least one."""

    max_price: int | None = Field(default=None, ge=0)
    """Keep listings whose headline (economy) price per passenger is at most this many dollars."""
    max_stops: int | None = Field(default=None, ge=0, le=1)
    """Keep listings with at most this many stops."""
    depart_after: str | None = Field(default=None, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    """Keep listings departing at or after this local time, HH:MM."""
    airline: str | None = None
    """Keep listings of this airline."""


class SelectFlightArgs(_Args):
    """Arguments of ``select_flight``."""

    flight_id: str
    """A flight id from the current results, e.g. F012."""
    cabin: Cabin
    """The cabin to book."""


class PassengerArgs(_Args):
    """One passenger of the booking."""

    first_name: str = Field(min_length=1, max_length=50)
    """Given name."""
    last_name: str = Field(min_length=1, max_length=50)
    """Family name."""
    dob: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    """Date of birth, YYYY-MM-DD."""


class AddToCartArgs(_Args):
    """Arguments of ``add_to_cart``."""

    passengers: list[PassengerArgs] = Field(min_length=1, max_length=5)
    """Everyone travelling (1 to 5)."""
    checked_bags: int = Field(ge=0, le=20)
    """Total checked bags for the whole party."""
    insurance: bool
    """Travel insurance for every passenger ($30 each)."""


class ApplyCouponArgs(_Args):
    """Arguments of ``apply_coupon``."""

    code: str = Field(min_length=1, max_length=40)
    """The coupon code; a cart holds one coupon, a new valid code replaces the old one."""


class ProceedToPaymentArgs(_Args):
    """``proceed_to_payment`` takes no arguments."""


class EnterCardArgs(_Args):
    """Arguments of ``enter_card``."""

    payment_id: str = Field(min_length=1)
    """The id of a payment method in the traveller's profile."""


class ConfirmPaymentArgs(_Args):
    """``confirm_payment`` takes no arguments."""


class RestartArgs(_Args):
    """``restart`` takes no arguments."""


class AbortArgs(_Args):
    """Arguments of ``abort``."""

    reason: str = Field(default="", max_length=500)
    """Why the booking is abandoned."""


DESCRIPTIONS: Final[dict[str, str]] = {
    "search_flights": "Search one-way flights on a route and date. Replaces the current results.",
    "filter_results": "Narrow the current search results; filters accumulate until the next search.",
    "select_flight": "Select a flight from the current results and a cabin to book.",
    "add_to_cart": "Put the selected flight in the cart for these passengers, bags and insurance, "
    "and price it.",
    "apply_coupon": "Apply a coupon code to the cart; an invalid or expired code gives an error.",
    "proceed_to_payment": "Move from the cart to payment.",
    "enter_card": "Choose a saved payment method; a gift card must cover the whole total.",
    "confirm_payment": "Charge the payment method. It may be declined once, or ask for a second "
    "confirmation (3-D Secure): then call confirm_payment again.",
    "restart": "Drop the search, selection, cart and payment and go back to the search form.",
    "abort": "Give up the booking and end the episode.",
}

#: Every tool, in the order the booking flow uses them.
ARG_MODELS: Final[dict[str, type[BaseModel]]] = {
    "search_flights": SearchFlightsArgs,
    "filter_results": FilterResultsArgs,
    "select_flight": SelectFlightArgs,
    "add_to_cart": AddToCartArgs,
    "apply_coupon": ApplyCouponArgs,
    "proceed_to_payment": ProceedToPaymentArgs,
    "enter_card": EnterCardArgs,
    "confirm_payment": ConfirmPaymentArgs,
    "restart": RestartArgs,
    "abort": AbortArgs,
}
#: The ten tool names, in flow order.
TOOL_NAMES: Final[tuple[str, ...]] = tuple(ARG_MODELS)


def _spec(name: str) -> dict[str, Any]:
    return tool_spec(name, ARG_MODELS[name], DESCRIPTIONS[name])


_SPECS: Final = tuple(_spec(name) for name in TOOL_NAMES)


def tool_specs(names: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Return the tools in OpenAI function format (fresh copies: callers may mutate them).

    ``names`` restricts the list, e.g. to ``legal_tools(observation)``.

    >>> tool_specs(["restart"])[0]["function"]["name"]
    'restart'
    """
    if names is None:
        return copy.deepcopy(list(_SPECS))
    unknown = [n for n in names if n not in ARG_MODELS]
    if unknown:
        raise UsageError(f"unknown tool names {unknown}; expected names from {list(TOOL_NAMES)}")
    wanted = set(names)
    return copy.deepcopy([s for s in _SPECS if s["function"]["name"] in wanted])


def to_anthropic_tool(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Convert one OpenAI-format tool spec to Anthropic's ``{name, description, input_schema}``."""
    if spec.get("type") != "function" or not isinstance(spec.get("function"), Mapping):
        raise UsageError(
            f"expected an OpenAI tool spec {{'type': 'function', 'function': {{...}}}}, got "
            f"keys {sorted(spec)}; build one with agentkit.flight.tool_specs()"
        )
    function = spec["function"]
    return {
        "name": function["name"],
        "description": function.get("description", ""),
        "input_schema": copy.deepcopy(function["parameters"]),
    }


def anthropic_tool_specs() -> list[dict[str, Any]]:
    """Return the ten tools in Anthropic's ``{name, description, input_schema}`` format."""
    return [to_anthropic_tool(spec) for spec in tool_specs()]


_ALWAYS: Final = ("restart", "abort")


def legal_tools_for(state: str, has_selection: bool, has_method: bool) -> tuple[str, ...]:
    """The tools legal in ``state``; the flags say whether a flight is selected / a payment
    method entered. This is the rule :func:`legal_tools` applies to an observation."""
    return _LEGAL[(state, has_selection, has_method)]


def _legal(state: str, has_selection: bool, has_method: bool) -> tuple[str, ...]:
    names: tuple[str, ...]
    if state == "search_form":
        names = ("search_flights", "abort")
    elif state == "search_results":
        names = ("search_flights", "filter_results", "select_flight", *_ALWAYS)
        if has_selection:
            names += ("add_to_cart",)
    elif state == "cart":
        names = ("apply_coupon", "proceed_to_payment", *_ALWAYS)
    elif state == "payment":
        names = ("enter_card", *_ALWAYS) + (("confirm_payment",) if has_method else ())
    elif state == "3ds_pending":
        names = ("confirm_payment", *_ALWAYS)
    else:  # receipt, aborted: the episode is over
        names = ()
    return tuple(n for n in TOOL_NAMES if n in names)


_STATES: Final = (
    "search_form", "search_results", "cart", "payment", "3ds_pending", "receipt", "aborted",
)  # fmt: skip
_LEGAL: Final = {
    (s, sel, method): _legal(s, sel, method)
    for s in _STATES
    for sel in (False, True)
    for method in (False, True)
}


def _exhausted(observation: Mapping[str, Any], count: str, limit: str) -> bool:
    return bool(observation.get(count, 0) >= observation.get(limit, float("inf")))


def legal_tools(observation: Mapping[str, Any]) -> list[str]:
    """Return the tool names legal in an observation's state, in flow order.

    ``add_to_cart`` needs a selected flight and ``confirm_payment`` (outside 3-D Secure) an entered
    payment method; ``receipt`` and ``aborted`` allow nothing, nor does a truncated episode
    (``step >= max_steps`` or ``errors >= max_errors``).
    """
    if _exhausted(observation, "step", "max_steps") or _exhausted(
        observation, "errors", "max_errors"
    ):
        return []
    payment = observation.get("payment")
    has_method = bool(payment and payment.get("payment_id"))
    return list(
        _LEGAL[(observation["state"], observation.get("selection") is not None, has_method)]
    )
