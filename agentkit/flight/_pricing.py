"""Pricing, constraint checks and the cheapest feasible itinerary.

Pure functions over the dict shapes of :mod:`agentkit.flight._models`, shared by the environment (cart
prices, the oracle price at reset, the reward) and by the oracle policy, which calls them on an
observation: both therefore price an itinerary the same way.

Pricing: ``fare * passengers + 30 * passengers (if insured) + 50 * bags beyond the free
allowance`` gives the subtotal (dollars); a coupon then takes ``value`` % (rounded down) or ``value`` dollars off it.

A task's ``insurance`` is ``True`` or ``False`` (the cart must match) or ``None`` (the traveller's
choice: either cart passes, see :func:`insurance_choices`). The cheapest booking of an optional task
is almost always uninsured; only when insurance lifts the subtotal over a coupon's minimum can the
insured cart cost less, so the oracle prices both and books uninsured on a tie.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, NamedTuple

from agentkit.flight._catalog import BAG_FEE, CABINS, FREE_BAGS, INSURANCE_FEE

__all__ = [
    "Itinerary",
    "best_itinerary",
    "booking_checks",
    "coupon_discount",
    "insurance_choices",
    "meets_constraints",
    "price_cart",
    "same_passengers",
]


class Itinerary(NamedTuple):
    """A priced choice of flight, cabin and coupon."""

    total: int
    depart: str
    flight_id: str
    cabin: str
    coupon: str | None
    subtotal: int
    insurance: bool


def price_cart(
    *, fare: int, passengers: int, checked_bags: int, insurance: bool, membership: str, cabin: str
) -> dict[str, int]:
    """Return the cart's price lines before any coupon (all in dollars)."""
    free = FREE_BAGS[membership][cabin] * passengers
    extra = max(0, checked_bags - free)
    fare_total = fare * passengers
    insurance_total = INSURANCE_FEE * passengers if insurance else 0
    bag_fee_total = BAG_FEE * extra
    return {
        "fare": fare,
        "fare_total": fare_total,
        "insurance_total": insurance_total,
        "free_bags": free,
        "extra_bags": extra,
        "bag_fee_total": bag_fee_total,
        "subtotal": fare_total + insurance_total + bag_fee_total,
    }


def coupon_discount(coupon: Mapping[str, Any], subtotal: int) -> int | None:
    """Return the discount ``coupon`` gives on ``subtotal``, or ``None`` below its minimum."""
    if subtotal < coupon["min_subtotal"]:
        return None
    if coupon["kind"] == "percent":
        return int(subtotal * coupon["value"] // 100)
    return int(min(coupon["value"], subtotal))


def insurance_choices(task: Mapping[str, Any]) -> tuple[bool, ...]:
    """The insurance a booking of ``task`` may carry: the task's own when it fixes it, either when
    it leaves insurance to the traveller (``None``), uninsured first."""
    wanted = task["insurance"]
    return (False, True) if wanted is None else (bool(wanted),)


def meets_constraints(task: Mapping[str, Any], flight: Mapping[str, Any], cabin: str) -> bool:
    """Whether ``flight`` in ``cabin`` is on the task's route and date and meets its constraints."""
    c = task["constraints"]
    return (
        flight["origin"] == task["origin"]
        and flight["destination"] == task["destination"]
        and flight["date"] == task["date"]
        and (c["max_stops"] is None or flight["stops"] <= c["max_stops"])
        and (c["depart_after"] is None or flight["depart"] >= c["depart_after"])
        and (c["cabin"] is None or cabin == c["cabin"])
        and (c["airline"] is None or flight["airline"] == c["airline"])
    )


def best_itinerary(
    task: Mapping[str, Any], listings: Iterable[Mapping[str, Any]], codes: Collection[str]
) -> Itinerary | None:
    """Return the cheapest itinerary that meets every constraint and the budget, or ``None``.

    ``codes`` are the coupon codes to consider (the env passes the ones valid this episode; a policy
    passes the ones not yet rejected). Seats must cover the whole party. An optional insurance is
    priced both ways (see :func:`insurance_choices`). Ties go to the earlier departure, then the
    smaller flight id, then the cabin order, then no insurance, then no coupon.
    """
    n = len(task["passengers"])
    coupons = [c for c in task["coupons"] if c["code"] in codes]
    membership = task["traveller"]["membership"]
    choices = insurance_choices(task)
    best: Itinerary | None = None
    for flight in listings:
        for cabin in CABINS:
            if flight["seats"][cabin] < n or not meets_constraints(task, flight, cabin):
                continue
            for insured in choices:  # uninsured first: it wins a tie (strict < below)
                subtotal = price_cart(
                    fare=flight["fares"][cabin],
                    passengers=n,
                    checked_bags=task["checked_bags"],
                    insurance=insured,
                    membership=membership,
                    cabin=cabin,
                )["subtotal"]
                total, code = subtotal, None
                for coupon in coupons:
                    discount = coupon_discount(coupon, subtotal)
                    if discount is not None and subtotal - discount < total:
                        total, code = subtotal - discount, coupon["code"]
                candidate = Itinerary(
                    total, flight["depart"], flight["id"], cabin, code, subtotal, insured
                )
                if total <= task["budget"] and (best is None or candidate[:4] < best[:4]):
                    best = candidate
    return best


def _person(p: Mapping[str, Any]) -> tuple[str, str, str]:
    return (p["first_name"].strip().casefold(), p["last_name"].strip().casefold(), p["dob"])


def same_passengers(a: Iterable[Mapping[str, Any]], b: Iterable[Mapping[str, Any]]) -> bool:
    """Whether two passenger lists name the same people (order, case and spaces ignored)."""
    return sorted(map(_person, a)) == sorted(map(_person, b))


def booking_checks(task: Mapping[str, Any], cart: Mapping[str, Any], paid: int) -> dict[str, bool]:
    """Check a booked cart against the task: one entry per requirement, all must hold for reward."""
    flight, cabin, c = cart["flight"], cart["cabin"], task["constraints"]
    return {
        "route": flight["origin"] == task["origin"]
        and flight["destination"] == task["destination"],
        "date": flight["date"] == task["date"],
        "passengers": same_passengers(cart["passengers"], task["passengers"]),
        "checked_bags": cart["checked_bags"] == task["checked_bags"],
        # An optional insurance (None) accepts either cart; the budget check still counts its cost.
        "insurance": task["insurance"] is None or cart["insurance"] == task["insurance"],
        "max_stops": c["max_stops"] is None or flight["stops"] <= c["max_stops"],
        "depart_after": c["depart_after"] is None or flight["depart"] >= c["depart_after"],
        "cabin": c["cabin"] is None or cabin == c["cabin"],
        "airline": c["airline"] is None or flight["airline"] == c["airline"],
        "budget": paid <= task["budget"],
    }
