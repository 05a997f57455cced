"""Rule-based policies of the three strategies: the fallback that makes ``select_action`` total.

Each strategy books through the same flow (search, [filter], select, cart, [coupon], pay) and
differs in its :class:`PolicyParams`:

* ``aggressive`` books the cheapest feasible itinerary at once, never filters, and in the cart
  starts over when an expired coupon makes another itinerary cheaper;
* ``balanced`` ranks feasible itineraries by a value score, ``price_weight * total +
  stop_penalty * stops``, so it pays a little more for a nonstop flight;
* ``conservative`` narrows the results with ``filter_results`` first (the hard constraints and a
  price ceiling that keeps every affordable listing), ranks nonstop itineraries first, insures
  when the task leaves insurance open and the budget allows (an insured itinerary ranks before
  any uninsured one of the same stops), and keeps any cart that still fits.

"Feasible" means on the task's route and date, meeting every hard constraint, with seats for the
whole party, and within budget with the best coupon not yet rejected. Every action is a function of
the observation alone: no randomness, no memory between calls.

>>> from agentkit.flight import FlightBookingEnv
>>> obs, _ = FlightBookingEnv().reset(seed=0, options={"task_id": "easy-000"})
>>> rule_based_action(obs, "aggressive").startswith('{"name": "search_flights"')
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from agentkit.flight._actions import ActionError, format_action, parse_action
from agentkit.flight._catalog import CABINS
from agentkit.flight._oracle import payment_method_for, wanted_search
from agentkit.flight._pricing import coupon_discount, meets_constraints, price_cart, same_passengers
from agentkit.flight._tools import ARG_MODELS, legal_tools_for

__all__ = ["POLICY_PARAMS", "PolicyParams", "StrategyName", "is_legal", "rule_based_action"]

StrategyName = Literal["aggressive", "balanced", "conservative"]

_Args = dict[str, Any]
_Decision = tuple[str, _Args]


class PolicyParams(BaseModel):
    """The decision parameters of a strategy's rule-based policy.

    >>> POLICY_PARAMS["balanced"].model_copy(update={"stop_penalty": 80.0}).stop_penalty
    80.0
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    price_weight: float = Field(default=1.0, gt=0)
    """Weight of one dollar of the total price in the value score (lower scores win)."""
    stop_penalty: float = Field(default=0.0, ge=0)
    """Score added per stop, in the units of ``price_weight`` (dollars per stop at weight 1):
    the most extra the strategy pays for a nonstop flight."""
    prefer_direct: bool = False
    """Rank every feasible nonstop itinerary before any one-stop one, whatever their scores."""
    filter_first: bool = False
    """After searching, apply ``filter_results`` before selecting: the hard constraints as
    filters, plus a price ceiling at the highest headline price that can still fit the budget."""
    buy_insurance: bool = False
    """Insure every passenger when the task leaves insurance open and an insured itinerary fits
    the budget (it then ranks before every uninsured one with as many stops, whatever the scores).
    Without it, insurance is priced like any option and so bought only where it costs less (over
    a coupon's minimum subtotal). A task that fixes insurance is always followed: the reward
    checks it exactly."""
    rebook_if_better: bool = True
    """In the cart, start over when a re-plan (e.g. after an expired coupon) scores another
    itinerary strictly better; otherwise keep any cart that still fits the budget."""
    rebook_min_steps_left: int = Field(default=12, ge=0)
    """Start over to rebook only while at least this many steps remain before ``max_steps``
    (a cart that no longer fits the budget is always dropped)."""


#: The parameters of the three strategies.
POLICY_PARAMS: Final[dict[str, PolicyParams]] = {
    "aggressive": PolicyParams(price_weight=1.0, stop_penalty=0.0, rebook_if_better=True),
    "balanced": PolicyParams(price_weight=1.0, stop_penalty=40.0, rebook_if_better=True),
    "conservative": PolicyParams(
        price_weight=1.0,
        stop_penalty=25.0,
        prefer_direct=True,
        filter_first=True,
        buy_insurance=True,
        rebook_if_better=False,
    ),
}

_STATES: Final = frozenset(
    {"search_form", "search_results", "cart", "payment", "3ds_pending", "receipt", "aborted"}
)
_CABIN_INDEX: Final = {cabin: i for i, cabin in enumerate(CABINS)}
_OVER_REASON: Final = "the episode is over or the observation is unreadable"
#: The fallback's tools, safest first, with arguments that need nothing from the observation.
#: ``restart`` keeps the episode alive; ``filter_results(max_stops=1)`` narrows nothing.
_SAFE_ACTIONS: Final[tuple[tuple[str, str], ...]] = (
    ("restart", format_action("restart")),
    ("abort", format_action("abort", {"reason": _OVER_REASON})),
    ("filter_results", format_action("filter_results", {"max_stops": 1})),
    ("proceed_to_payment", format_action("proceed_to_payment")),
    ("confirm_payment", format_action("confirm_payment")),
)
_ABORT: Final = _SAFE_ACTIONS[1][1]


class _Option(NamedTuple):
    """A priced itinerary; options compare by ``rank`` and then by ``tiebreak``."""

    rank: tuple[int, int, float]
    """(0 if nonstop or nonstop is not preferred, else 1; 1 if uninsured and the strategy buys
    insurance, else 0; the value score)."""
    tiebreak: tuple[int, str, str, int, int]
    """(total, departure, flight id, cabin order, 1 if insured): the oracle's tie order."""
    flight_id: str
    cabin: str
    coupon: str | None
    insurance: bool


class _Unreadable(Exception):
    """The observation lacks what the state's rule needs (caught: the fallback decides)."""


# -- pricing and ranking ---------------------------------------------------------------------


def _best_coupon(coupons: Iterable[Mapping[str, Any]], subtotal: int) -> tuple[int, str | None]:
    """(total, code) with the largest discount on ``subtotal``; ties keep the earlier coupon."""
    total, code = subtotal, None
    for coupon in coupons:
        discount = coupon_discount(coupon, subtotal)
        if discount is not None and subtotal - discount < total:
            total, code = subtotal - discount, coupon["code"]
    return total, code


def _insurance_choices(task: Mapping[str, Any]) -> tuple[bool, ...]:
    """The task's insurance when it fixes it; both when it leaves insurance open. A strategy that
    does not buy insurance still prices the insured cart: over a coupon's minimum subtotal it can
    cost less (as the oracle knows), and then it is simply the cheaper booking."""
    fixed = task.get("insurance")
    return (fixed,) if isinstance(fixed, bool) else (False, True)


def _options(
    task: Mapping[str, Any],
    listings: Iterable[Mapping[str, Any]],
    codes: Iterable[str] | None,
    params: PolicyParams,
) -> Iterable[_Option]:
    """Every feasible option, one per (listing, cabin, insurance the task allows).

    ``codes`` are the coupons to count on; ``None`` means every coupon the task holds.
    """
    n = len(task["passengers"])
    budget, bags = task["budget"], task["checked_bags"]
    membership = task["traveller"]["membership"]
    wanted = None if codes is None else set(codes)
    coupons = [c for c in task["coupons"] if wanted is None or c["code"] in wanted]
    insurance_choices = _insurance_choices(task)
    for flight in listings:
        stops = flight["stops"]
        direct_rank = 1 if params.prefer_direct and stops > 0 else 0
        for cabin in CABINS:
            if flight["seats"][cabin] < n or not meets_constraints(task, flight, cabin):
                continue
            for insured in insurance_choices:
                subtotal = price_cart(
                    fare=flight["fares"][cabin],
                    passengers=n,
                    checked_bags=bags,
                    insurance=insured,
                    membership=membership,
                    cabin=cabin,
                )["subtotal"]
                total, code = _best_coupon(coupons, subtotal)
                if total <= budget:
                    score = params.price_weight * total + params.stop_penalty * stops
                    uninsured_rank = int(params.buy_insurance and not insured)
                    yield _Option(
                        (direct_rank, uninsured_rank, score),
                        (total, flight["depart"], flight["id"], _CABIN_INDEX[cabin], int(insured)),
                        flight["id"],
                        cabin,
                        code,
                        insured,
                    )


def _plan(obs: Mapping[str, Any], params: PolicyParams) -> _Option | None:
    """The strategy's pick among the visible results, counting on coupons not yet rejected."""
    task, rejected = obs["task"], obs["coupons_rejected"]
    codes = [c["code"] for c in task["coupons"] if c["code"] not in rejected]
    return min(_options(task, obs["results"], codes, params), default=None)


def _wanted_filters(
    task: Mapping[str, Any], results: Sequence[Mapping[str, Any]], params: PolicyParams
) -> dict[str, Any]:
    """The conservative filters: the hard constraints, and a price ceiling at the highest headline
    price of a listing that fits the budget with any coupon. Rejections are ignored on purpose:
    the ceiling then stays the same once applied, so filtering cannot repeat."""
    c = task["constraints"]
    affordable = [
        f["price"] for f in results if any(True for _ in _options(task, [f], None, params))
    ]
    return {
        "max_price": max(affordable, default=None),
        "max_stops": c["max_stops"],
        "depart_after": c["depart_after"],
        "airline": c["airline"],
    }


def _cart_fits_task(cart: Mapping[str, Any], task: Mapping[str, Any]) -> bool:
    """Whether the cart books what the task asks (budget aside)."""
    return (
        cart["insurance"] in _insurance_choices(task)
        and cart["checked_bags"] == task["checked_bags"]
        and same_passengers(cart["passengers"], task["passengers"])
        and meets_constraints(task, cart["flight"], cart["cabin"])
    )


# -- the rule of each state -------------------------------------------------------------------


def _at_results(obs: Mapping[str, Any], params: PolicyParams) -> _Decision:
    task = obs["task"]
    search = wanted_search(task)
    if obs["search"] != search:
        return "search_flights", search
    filters = obs["filters"]
    if params.filter_first:
        wanted = _wanted_filters(task, obs["results"], params)
        if filters is None:
            given = {k: v for k, v in wanted.items() if v is not None}
            if given:
                return "filter_results", given
        elif filters != wanted:  # someone else's filters may hide a better listing
            return "search_flights", search
    elif filters is not None:  # this strategy wants every listing of the search
        return "search_flights", search
    plan = _plan(obs, params)
    if plan is None:
        if filters is not None:
            return "search_flights", search
        return "abort", {"reason": "no flight meets the constraints within the budget"}
    selection = {"flight_id": plan.flight_id, "cabin": plan.cabin}
    if obs["selection"] != selection:
        return "select_flight", selection
    return "add_to_cart", {
        "passengers": task["passengers"],
        "checked_bags": task["checked_bags"],
        "insurance": plan.insurance,
    }


def _at_cart(obs: Mapping[str, Any], params: PolicyParams) -> _Decision:
    task, cart = obs["task"], obs["cart"]
    if not _cart_fits_task(cart, task):
        return "restart", {}
    rejected = obs["coupons_rejected"]
    usable = [c for c in task["coupons"] if c["code"] not in rejected]
    total, code = _best_coupon(usable, cart["subtotal"])
    if total > task["budget"]:  # not even the best coupon left brings it within budget
        return "restart", {}
    if params.rebook_if_better and obs["max_steps"] - obs["step"] >= params.rebook_min_steps_left:
        plan = _plan(obs, params)
        codes = [c["code"] for c in usable]
        options = _options(task, [cart["flight"]], codes, params)
        mine = min((o for o in options if o.insurance == cart["insurance"]), default=None)
        if plan is not None and mine is not None and plan.rank < mine.rank:
            return "restart", {}
    if code is not None and code != cart["coupon"] and cart["subtotal"] - total > cart["discount"]:
        return "apply_coupon", {"code": code}
    return "proceed_to_payment", {}


def _at_payment(obs: Mapping[str, Any], params: PolicyParams) -> _Decision:
    task, payment, cart = obs["task"], obs["payment"], obs["cart"]
    due = payment["amount_due"]
    if due > task["budget"] or (cart is not None and not _cart_fits_task(cart, task)):
        return "restart", {}  # paying would book something the task does not accept
    if payment["payment_id"] is None:
        method = payment_method_for(task, due)
        if method is None:
            return "abort", {"reason": f"no saved payment method covers ${due}"}
        return "enter_card", {"payment_id": method}
    return "confirm_payment", {}  # also retries after a decline


def _decide(obs: Mapping[str, Any], params: PolicyParams) -> _Decision:
    state = obs["state"]
    if state == "3ds_pending":
        return "confirm_payment", {}
    if state == "search_form":
        return "search_flights", wanted_search(obs["task"])
    if state == "search_results":
        return _at_results(obs, params)
    if state == "cart":
        return _at_cart(obs, params)
    if state == "payment":
        return _at_payment(obs, params)
    raise _Unreadable(state)


# -- legality and the fallback ------------------------------------------------------------------


def _legal_names(obs: Mapping[str, Any]) -> list[str] | None:
    """The observation's ``legal_tools`` when it is a list (unknown entries dropped); else the
    tools legal in its ``state``; ``None`` when neither can be read."""
    listed = obs.get("legal_tools")
    if isinstance(listed, list):
        return [n for n in listed if isinstance(n, str) and n in ARG_MODELS]
    state = obs.get("state")
    if not isinstance(state, str) or state not in _STATES:
        return None
    payment = obs.get("payment")
    has_method = isinstance(payment, Mapping) and bool(payment.get("payment_id"))
    return list(legal_tools_for(state, obs.get("selection") is not None, has_method))


def _valid_arguments(name: str, arguments: Mapping[str, Any]) -> bool:
    try:
        ARG_MODELS[name].model_validate(arguments)
    except ValueError:  # pydantic's ValidationError
        return False
    return True


def _fallback(observation: Mapping[str, Any]) -> str:
    """The safest legal action when the state's rule cannot decide.

    The rule: the first of ``restart``, ``abort``, ``filter_results(max_stops=1)``,
    ``proceed_to_payment``, ``confirm_payment`` that the observation lists as legal; ``abort``
    when none is (a finished episode allows nothing) or nothing can be read.
    """
    try:
        legal = _legal_names(observation)  # rule_based_action has checked it is a Mapping
        for name, action in _SAFE_ACTIONS:
            if legal is not None and name in legal:
                return action
    except Exception:
        pass
    return _ABORT


def rule_based_action(
    observation: Mapping[str, Any],
    strategy: str = "balanced",
    params: PolicyParams | None = None,
) -> str:
    """The strategy's next action, as an action string the env accepts (format_action JSON form).

    Never raises. For an observation of the env it returns an action legal in its state: the
    tool is in ``legal_tools`` and its arguments pass the tool's argument model. When the state's
    rule cannot decide (a malformed observation, a finished episode) it returns the first of
    ``restart``, ``abort``, ``filter_results(max_stops=1)``, ``proceed_to_payment``,
    ``confirm_payment`` that the observation's ``legal_tools`` (or, without a usable list, its
    ``state``) allows, and ``abort`` when none is allowed or nothing can be read. ``params``
    overrides the strategy's :data:`POLICY_PARAMS`; an unknown ``strategy`` plays ``balanced``.

    >>> rule_based_action({})
    '{"name": "abort", "arguments": {"reason": "the episode is over or the observation is unreadable"}}'
    """
    try:
        if not isinstance(observation, Mapping):
            return _ABORT
        if not isinstance(params, PolicyParams):
            params = POLICY_PARAMS.get(strategy, POLICY_PARAMS["balanced"])
        legal = _legal_names(observation)
        name, arguments = _decide(observation, params)
        if legal is not None and name in legal and _valid_arguments(name, arguments):
            return format_action(name, arguments)
    except Exception:  # a malformed observation: the fallback decides
        pass
    return _fallback(observation)


def is_legal(observation: Mapping[str, Any], action: str) -> bool:
    """Whether ``action`` parses and names a tool in the observation's legal_tools (arguments
    validated against the tool's pydantic argument model). Never raises.

    >>> from agentkit.flight import FlightBookingEnv
    >>> obs, _ = FlightBookingEnv().reset(seed=0)
    >>> is_legal(obs, "proceed_to_payment"), is_legal(obs, rule_based_action(obs))
    (False, True)
    """
    try:
        parsed = parse_action(action)
        if isinstance(parsed, ActionError):
            return False
        legal = observation.get("legal_tools") if isinstance(observation, Mapping) else None
        if not isinstance(legal, list) or parsed.name not in legal:
            return False
        return _valid_arguments(parsed.name, parsed.arguments)
    except Exception:
        return False
