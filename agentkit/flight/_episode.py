"""One episode: its mutable state, the ten tools' transitions, and the observations it shows.

State lives in plain dicts; an observation is built fresh on every call (users keep observations,
so none may share a mutable object with another or with the episode) by shallow copies of known
shapes, which is far cheaper than a generic deep copy or pydantic validation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final

from pydantic import BaseModel

from agentkit.flight import _tools as t
from agentkit.flight._actions import ToolCall
from agentkit.flight._catalog import (
    AIRLINES,
    AIRPORTS,
    BAG_FEE,
    FIRST_TRAVEL_DATE,
    FREE_BAGS,
    INSURANCE_FEE,
    LAST_TRAVEL_DATE,
    generate_flights,
)
from agentkit.flight._generate import EpisodeDraw
from agentkit.flight._models import TaskBrief
from agentkit.flight._pricing import booking_checks, coupon_discount, price_cart
from agentkit.flight._tools import legal_tools_for

__all__ = ["TERMINAL_STATES", "Episode"]

TERMINAL_STATES: Final = frozenset({"receipt", "aborted"})
_BRIEF_KEYS: Final = tuple(TaskBrief.model_fields)  # what observations show of a task
_FILTER_KEYS: Final = ("max_price", "max_stops", "depart_after", "airline")
_AIRPORT_SET: Final = frozenset(AIRPORTS)
_BOOKABLE_DATES: Final = frozenset(
    (dt.date.fromisoformat(FIRST_TRAVEL_DATE) + dt.timedelta(days=days)).isoformat()
    for days in range(
        (dt.date.fromisoformat(LAST_TRAVEL_DATE) - dt.date.fromisoformat(FIRST_TRAVEL_DATE)).days
        + 1
    )
)

Outcome = tuple[str | None, str | None]  # (error, message)
_SearchOutcome = tuple[dict[str, Any], list[dict[str, Any]], str]  # (search, listings, message)

# Observations are copied on every step: map() runs dict.copy over a list without a Python frame
# per item, a fifth cheaper than a comprehension.
_copy_dict = dict.copy


def _copy_listing(listing: dict[str, Any]) -> dict[str, Any]:
    return {**listing, "fares": {**listing["fares"]}, "seats": {**listing["seats"]}}


def _copy_listings(listings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    copies = [*map(_copy_dict, listings)]
    for listing in copies:  # {**d} copies without a method call: a tenth cheaper than d.copy()
        listing["fares"] = {**listing["fares"]}
        listing["seats"] = {**listing["seats"]}
    return copies


def _copy_cart(cart: dict[str, Any]) -> dict[str, Any]:
    return {
        **cart,
        "flight": _copy_listing(cart["flight"]),
        "passengers": [*map(_copy_dict, cart["passengers"])],
    }


class Episode:
    """The state of one episode and the transitions of the ten tools.

    ``run`` never raises on agent input: every refusal comes back as an error string and leaves the
    booking state as it was.
    """

    def __init__(
        self, task: dict[str, Any], draw: EpisodeDraw, *, max_steps: int, max_errors: int
    ) -> None:
        self.task = task
        self.draw = draw
        self.max_steps = max_steps
        self.max_errors = max_errors
        self.brief = brief = {key: task[key] for key in _BRIEF_KEYS}
        membership = task["traveller"]["membership"]
        self.policy: dict[str, Any] = {
            "insurance_per_passenger": INSURANCE_FEE,
            "bag_fee": BAG_FEE,
            "free_bags_per_passenger": FREE_BAGS[membership],
        }
        # Every observation copies the brief and the policy; their parts are fixed for the
        # episode, so they are looked up once here rather than on every step.
        traveller = brief["traveller"]
        self._brief_parts = (
            brief,
            brief["passengers"],
            brief["constraints"],
            brief["coupons"],
            traveller,
            traveller["payment_methods"],
        )
        self._free_bags = self.policy["free_bags_per_passenger"]
        # Every observation is a copy of this, the episode's limits in place and the parts that
        # may be None set only when they are not: a third cheaper than an 18-key dict display.
        self._observation_template: dict[str, Any] = {
            "state": None,
            "step": None,
            "max_steps": max_steps,
            "errors": None,
            "max_errors": max_errors,
            "error": None,
            "message": None,
            "legal_tools": None,
            "task": None,
            "policy": None,
            "search": None,
            "filters": None,
            "results": None,
            "selection": None,
            "cart": None,
            "payment": None,
            "receipt": None,
            "coupons_rejected": None,
        }
        # Sold-outs apply to this episode's copy of the catalogue, never to the task's flights.
        route = (task["origin"], task["destination"], task["date"])
        self._catalog = {
            route: [{**f, "seats": draw.seats[f["id"]]} for f in task["flights"]],
        }
        # Each search query's (query dict, listings, message), see _search_flights.
        self._searches: dict[tuple[str, str, str, int], _SearchOutcome] = {}
        self._methods = {m["id"]: m for m in task["traveller"]["payment_methods"]}
        self._coupons = {c["code"]: c for c in task["coupons"]}
        self.step = 0
        self.errors = 0
        self.state = "search_form"
        self.search: dict[str, Any] | None = None
        self.filters: dict[str, Any] | None = None
        self.searched: list[dict[str, Any]] = []  # the search's listings, before filters
        self.results: list[dict[str, Any]] = []
        self.selection: dict[str, str] | None = None
        self.cart: dict[str, Any] | None = None
        self.payment: dict[str, Any] | None = None
        self.receipt: dict[str, Any] | None = None
        self.coupons_rejected: list[str] = []
        self.checks: dict[str, bool] | None = None
        self.paid: int | None = None
        self._decline_pending = draw.decline
        self._three_ds_pending = draw.three_ds

    # -- observation ---------------------------------------------------------------------------

    @property
    def terminated(self) -> bool:
        """Ended in a receipt or an abort."""
        return self.state in TERMINAL_STATES

    @property
    def truncated(self) -> bool:
        """Cut off by ``max_steps`` or ``max_errors`` before it ended."""
        return self.state not in TERMINAL_STATES and (
            self.step >= self.max_steps or self.errors >= self.max_errors
        )

    def legal(self) -> tuple[str, ...]:
        """The tools legal now: nothing once the episode is over, truncation included."""
        return () if self.truncated else self.flow_tools()

    def flow_tools(self) -> tuple[str, ...]:
        """The tools the booking flow allows in the current state, truncation not considered."""
        payment = self.payment
        has_method = payment is not None and payment["payment_id"] is not None
        return legal_tools_for(self.state, self.selection is not None, has_method)

    def observation(
        self, error: str | None, message: str | None, legal: tuple[str, ...] | None = None
    ) -> dict[str, Any]:
        """A fresh observation dict in the shape of :class:`FlightObservation`.

        ``legal`` saves recomputing :meth:`legal` when the caller has it already.
        """
        brief, passengers, constraints, coupons, traveller, methods = self._brief_parts
        task = brief.copy()
        task["passengers"] = [*map(_copy_dict, passengers)]
        task["constraints"] = constraints.copy()
        task["coupons"] = [*map(_copy_dict, coupons)]
        task["traveller"] = traveller = traveller.copy()
        traveller["payment_methods"] = [*map(_copy_dict, methods)]
        policy = self.policy.copy()
        policy["free_bags_per_passenger"] = self._free_bags.copy()
        obs = self._observation_template.copy()
        obs["state"] = self.state
        obs["step"] = self.step
        obs["errors"] = self.errors
        obs["error"] = error
        obs["message"] = message
        obs["legal_tools"] = [*(self.legal() if legal is None else legal)]
        obs["task"] = task
        obs["policy"] = policy
        if self.search is not None:
            obs["search"] = {**self.search}
        if self.filters is not None:
            obs["filters"] = {**self.filters}
        results = self.results
        obs["results"] = _copy_listings(results) if results else []
        if self.selection is not None:
            obs["selection"] = {**self.selection}
        if self.cart is not None:
            obs["cart"] = _copy_cart(self.cart)
        if self.payment is not None:
            obs["payment"] = {**self.payment}
        if self.receipt is not None:
            obs["receipt"] = {**self.receipt}
        obs["coupons_rejected"] = [*self.coupons_rejected]
        return obs

    def potential(self) -> float:
        """Progress towards a booking, for potential-based shaping (0 on the search form)."""
        state = self.state
        if state == "search_results":
            s = self.search
            on_task = s is not None and (s["origin"], s["destination"], s["date"]) == (
                self.task["origin"],
                self.task["destination"],
                self.task["date"],
            )
            return float(on_task) + float(on_task and self.selection is not None)
        return _POTENTIALS.get(state, 0.0)

    def final_state(self) -> dict[str, Any]:
        """The outcome that ``state_hash`` covers: what was booked, not how."""
        booking = None
        if self.receipt is not None and self.cart is not None:
            cart = self.cart
            booking = {
                "flight_id": cart["flight"]["id"],
                "flight_number": cart["flight"]["flight_number"],
                "date": cart["flight"]["date"],
                "cabin": cart["cabin"],
                "passengers": cart["passengers"],
                "checked_bags": cart["checked_bags"],
                "insurance": cart["insurance"],
                "coupon": cart["coupon"],
                "paid": self.paid,
                "payment_id": self.receipt["payment_id"],
                "booking_id": self.receipt["booking_id"],
            }
        return {"task_id": self.task["id"], "state": self.state, "booking": booking}

    # -- transitions ---------------------------------------------------------------------------

    def run(self, call: ToolCall, legal: tuple[str, ...]) -> Outcome:
        """Run a tool call: check the tool is legal now and its arguments valid, apply it.

        For an episode that is not over (the environment answers steps after the end itself).
        ``legal`` is :meth:`flow_tools` of the current state, which the environment has from
        the step before.
        """
        name = call.name
        if name not in legal:
            allowed = ", ".join(legal) or "none (the episode is over)"
            return f"{name} is not available in state {self.state}; legal now: {allowed}", None
        if call.arguments is None:
            return call.problem, None
        return _HANDLERS[name](self, call.arguments)

    def _search_flights(self, a: t.SearchFlightsArgs) -> Outcome:
        # Within an episode a search's outcome is a function of its query (the catalogue is fixed
        # once drawn, and later steps replace the query dict and the listing list, never change
        # them), so a repeat reuses it: agents and policies search the task's route again and
        # again, after every restart.
        query = (a.origin, a.destination, a.date, a.max_stops)
        outcome = self._searches.get(query)
        if outcome is None:
            refusal = _search_refusal(a)
            if refusal is not None:
                return refusal, None
            outcome = self._searches[query] = self._search_outcome(a)
        self.search, self.searched, message = outcome
        self.results = self.searched
        self.filters = None
        self.selection = None
        self.state = "search_results"
        return None, message

    def _search_outcome(self, a: t.SearchFlightsArgs) -> _SearchOutcome:
        """The query, listings and message of a search already checked by ``_search_refusal``."""
        route, max_stops = (a.origin, a.destination, a.date), a.max_stops
        listings = self._catalog.get(route)
        if listings is not None:
            # Listings have 0 or 1 stops, so a search for at most 1 keeps them all.
            searched = (
                list(listings)
                if max_stops >= 1
                else [f for f in listings if f["stops"] <= max_stops]
            )
        else:
            # A nonstop search of a route not seen yet builds only the nonstop listings; a
            # search with stops builds them all, which the catalogue then keeps.
            searched = generate_flights(self.task["catalog_seed"], *route, max_stops)
            if max_stops >= 1:
                self._catalog[route] = searched
        search = {
            "origin": a.origin,
            "destination": a.destination,
            "date": a.date,
            "max_stops": max_stops,
        }
        n = len(searched)
        message = f"{n} flight{'s' if n != 1 else ''} {a.origin}->{a.destination} on {a.date}"
        return search, searched, message

    def _filter_results(self, a: t.FilterResultsArgs) -> Outcome:
        max_price, max_stops = a.max_price, a.max_stops
        depart_after, airline = a.depart_after, a.airline
        if max_price is None and max_stops is None and depart_after is None and airline is None:
            return f"give at least one filter: {', '.join(_FILTER_KEYS)}", None
        if airline is not None and airline not in AIRLINES:
            return f"unknown airline {airline!r}; airlines: {', '.join(AIRLINES)}", None
        old = self.filters
        if old is not None:  # (with none yet, the new bounds are the filters as given)
            if old["airline"] is not None and airline not in (None, old["airline"]):
                return (
                    f"results are already filtered to {old['airline']}; "
                    "search again to change airline"
                ), None
            # Filters only narrow: each bound keeps its tightest value.
            max_price = _tighter(old["max_price"], max_price, min)
            max_stops = _tighter(old["max_stops"], max_stops, min)
            depart_after = _tighter(old["depart_after"], depart_after, max)
            airline = old["airline"] or airline
        self.filters = {
            "max_price": max_price,
            "max_stops": max_stops,
            "depart_after": depart_after,
            "airline": airline,
        }
        searched = self.searched
        self.results = results = [
            f
            for f in searched
            if (max_price is None or f["price"] <= max_price)
            and (max_stops is None or f["stops"] <= max_stops)
            and (depart_after is None or f["depart"] >= depart_after)
            and (airline is None or f["airline"] == airline)
        ]
        selection = self.selection
        if selection is not None:
            selected = selection["flight_id"]
            for f in results:  # a loop, not all() over a generator: a third of the cost
                if f["id"] == selected:
                    break
            else:
                self.selection = None
        return None, f"{len(results)} of {len(searched)} flights match the filters"

    def _select_flight(self, a: t.SelectFlightArgs) -> Outcome:
        flight_id = a.flight_id
        for flight in self.results:  # a loop, not next() over a generator: a third of the cost
            if flight["id"] == flight_id:
                break
        else:
            ids = ", ".join(f["id"] for f in self.results) or "none"
            return f"flight {a.flight_id!r} is not in the current results (ids: {ids})", None
        if flight["seats"][a.cabin] == 0:
            return f"{a.cabin} is sold out on {a.flight_id}; pick another cabin or flight", None
        self.selection = {"flight_id": a.flight_id, "cabin": a.cabin}
        fare = flight["fares"][a.cabin]
        return None, f"selected {a.flight_id} in {a.cabin} at ${fare} per passenger"

    def _add_to_cart(self, a: t.AddToCartArgs) -> Outcome:
        assert self.selection is not None  # add_to_cart is legal only with a selection
        flight_id, cabin = self.selection["flight_id"], self.selection["cabin"]
        flight = next(f for f in self.results if f["id"] == flight_id)
        n, seats = len(a.passengers), flight["seats"][cabin]
        if seats < n:
            return f"only {seats} seats left in {cabin} on {flight_id}; the cart has {n}", None
        prices = price_cart(
            fare=flight["fares"][cabin],
            passengers=n,
            checked_bags=a.checked_bags,
            insurance=a.insurance,
            membership=self.task["traveller"]["membership"],
            cabin=cabin,
        )
        self.cart = {
            "flight": flight,
            "cabin": cabin,
            "passengers": [
                {"first_name": p.first_name, "last_name": p.last_name, "dob": p.dob}
                for p in a.passengers
            ],
            "checked_bags": a.checked_bags,
            "insurance": a.insurance,
            **prices,
            "coupon": None,
            "discount": 0,
            "total": prices["subtotal"],
        }
        self.state = "cart"
        return None, f"cart total ${prices['subtotal']}"

    def _apply_coupon(self, a: t.ApplyCouponArgs) -> Outcome:
        assert self.cart is not None
        coupon = self._coupons.get(a.code)
        if coupon is None:
            held = ", ".join(self._coupons) or "none"
            return f"unknown coupon code {a.code!r}; codes the traveller holds: {held}", None
        if a.code not in self.draw.valid_codes:
            if a.code not in self.coupons_rejected:
                self.coupons_rejected.append(a.code)
            return f"coupon {a.code} has expired", None
        subtotal = self.cart["subtotal"]
        discount = coupon_discount(coupon, subtotal)
        if discount is None:
            return (
                f"coupon {a.code} needs a subtotal of at least ${coupon['min_subtotal']}; "
                f"the cart's is ${subtotal}"
            ), None
        self.cart.update(coupon=a.code, discount=discount, total=subtotal - discount)
        return None, f"coupon {a.code} takes ${discount} off: total ${subtotal - discount}"

    def _proceed_to_payment(self, a: BaseModel) -> Outcome:
        assert self.cart is not None
        self.search, self.filters, self.searched, self.results = None, None, [], []
        self.selection = None
        total = self.cart["total"]
        self.payment = {
            "payment_id": None,
            "amount_due": total,
            "attempts": 0,
            "status": "awaiting_method",
        }
        self.state = "payment"
        return None, f"${total} due; enter a payment method"

    def _enter_card(self, a: t.EnterCardArgs) -> Outcome:
        assert self.payment is not None
        method = self._methods.get(a.payment_id)
        if method is None:
            saved = ", ".join(self._methods)
            return f"payment method {a.payment_id!r} is not in the profile; saved: {saved}", None
        due = self.payment["amount_due"]
        if method["balance"] is not None and method["balance"] < due:
            return (
                f"gift card {a.payment_id} has ${method['balance']}, less than the ${due} due; "
                "choose another method"
            ), None
        self.payment.update(payment_id=a.payment_id, status="ready")
        return None, f"{method['label']} will be charged ${due}"

    def _confirm_payment(self, a: BaseModel) -> Outcome:
        payment = self.payment
        assert payment is not None
        assert self.cart is not None
        payment["attempts"] += 1
        if self.state == "payment":
            if self._decline_pending:
                self._decline_pending = False
                payment["status"] = "declined"
                return None, "the issuer declined the payment; confirm again to retry"
            if self._three_ds_pending:
                self._three_ds_pending = False
                payment["status"] = "3ds_pending"
                self.state = "3ds_pending"
                return None, "3-D Secure: the bank asks you to confirm the payment once more"
        self.paid = paid = self.cart["total"]
        self.receipt = {
            "booking_id": self.draw.booking_id,
            "flight_id": self.cart["flight"]["id"],
            "cabin": self.cart["cabin"],
            "paid": paid,
            "payment_id": payment["payment_id"],
        }
        self.checks = booking_checks(self.task, self.cart, paid)
        self.state = "receipt"
        return None, f"booked {self.draw.booking_id}: paid ${paid}"

    def _restart(self, a: BaseModel) -> Outcome:
        self.search, self.filters, self.searched, self.results = None, None, [], []
        self.selection = self.cart = self.payment = None
        self.state = "search_form"
        return None, "back to the search form"

    def _abort(self, a: t.AbortArgs) -> Outcome:
        self.state = "aborted"
        return None, f"booking abandoned: {a.reason or 'no reason given'}"


def _search_refusal(a: t.SearchFlightsArgs) -> str | None:
    """Why a search cannot run (an unknown airport, one airport twice, a date out of range)."""
    for code in (a.origin, a.destination):
        if code not in _AIRPORT_SET:
            return f"unknown airport {code!r}; airports served: {', '.join(AIRPORTS)}"
    if a.origin == a.destination:
        return f"origin and destination are both {a.origin}; pick two different airports"
    if a.date not in _BOOKABLE_DATES:  # else it is a calendar date inside the window
        try:
            dt.date.fromisoformat(a.date)
        except ValueError:
            return f"date {a.date!r} is not a calendar date; use YYYY-MM-DD"
        if not FIRST_TRAVEL_DATE <= a.date <= LAST_TRAVEL_DATE:
            return (
                f"date {a.date} is outside the bookable window "
                f"{FIRST_TRAVEL_DATE} to {LAST_TRAVEL_DATE}"
            )
    return None


def _tighter(old: Any, new: Any, pick: Callable[[Any, Any], Any]) -> Any:
    if old is None or new is None:
        return new if old is None else old
    return pick(old, new)


_POTENTIALS: Final = {"cart": 3.0, "payment": 4.0, "3ds_pending": 5.0}
_HANDLERS: Final[dict[str, Callable[[Episode, Any], Outcome]]] = {
    "search_flights": Episode._search_flights,
    "filter_results": Episode._filter_results,
    "select_flight": Episode._select_flight,
    "add_to_cart": Episode._add_to_cart,
    "apply_coupon": Episode._apply_coupon,
    "proceed_to_payment": Episode._proceed_to_payment,
    "enter_card": Episode._enter_card,
    "confirm_payment": Episode._confirm_payment,
    "restart": Episode._restart,
    "abort": Episode._abort,
}
