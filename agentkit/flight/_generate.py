"""Task generation and per-episode fault sampling, both driven by one ``numpy`` Generator.

Tasks are rejection-sampled until an itinerary meets every constraint; the budget is then set from
the cheapest one. Whether a medium or hard task leaves insurance to the traveller is decided apart
from the Generator, by a hash of the task id (itself drawn, or given for fixtures), so adding that
choice shifted no other draw. Episode faults (sold-out cabins, expired coupons, 3-D Secure, a first
decline) are re-sampled until the task stays feasible. Nothing reads global state: the outcome is a
function of the Generator's state (and a given task id) alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple, TypeVar

import numpy as np

from agentkit._errors import AgentKitError
from agentkit.flight._catalog import (
    AIRLINES,
    AIRPORTS,
    CABINS,
    FIRST_TRAVEL_DATE,
    Cabin,
    generate_flights,
)
from agentkit.flight._pricing import Itinerary, best_itinerary

__all__ = ["EpisodeDraw", "generate_task", "sample_episode"]

_T = TypeVar("_T")

_FIRST_NAMES: Final = (
    "Ava", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jade",
    "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq",
)  # fmt: skip
_LAST_NAMES: Final = (
    "Adams", "Brown", "Costa", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
    "Kim", "Lopez", "Moreau", "Nguyen", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Weber",
)  # fmt: skip
_COUPON_WORDS: Final = ("SAVE", "SPRING", "SUMMER", "FLY", "TRAVEL", "WELCOME", "HOLIDAY")
_DEPART_AFTER: Final = ("07:00", "09:00", "11:00", "13:00", "15:00")
_CARD_BRANDS: Final = ("Visa", "Mastercard", "Amex")
_BOOKING_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_TASK_ATTEMPTS: Final = 200
_EPISODE_ATTEMPTS: Final = 20
_NO_BUDGET: Final = 10**9


@dataclass(frozen=True)
class _Profile:
    passengers: tuple[int, int]
    memberships: tuple[str, ...]
    bags_per_passenger: int
    insurance: float  # chance that the traveller wants insurance
    insurance_optional: float  # share of tasks leaving it to the traveller (decided by task id)
    constraints: tuple[int, int]
    coupons: int
    min_subtotal: float  # chance that a coupon has a minimum subtotal
    budget_factor: tuple[float, float]
    faults: dict[str, float]


_PROFILES: Final[dict[str, _Profile]] = {
    "easy": _Profile(
        passengers=(1, 1),
        memberships=("regular",),
        bags_per_passenger=1,
        insurance=0.2,
        insurance_optional=0.0,  # easy tasks are recorded prompts: they must never change
        constraints=(0, 1),
        coupons=1,
        min_subtotal=0.0,
        budget_factor=(1.3, 1.6),
        faults={"sold_out": 0.0, "three_ds": 0.1, "decline": 0.0, "coupon_expired": 0.0},
    ),
    "medium": _Profile(
        passengers=(1, 3),
        memberships=("regular", "silver", "gold"),
        bags_per_passenger=2,
        insurance=0.4,
        insurance_optional=1 / 3,
        constraints=(1, 2),
        coupons=2,
        min_subtotal=0.3,
        budget_factor=(1.1, 1.25),
        faults={"sold_out": 0.1, "three_ds": 0.3, "decline": 0.15, "coupon_expired": 0.3},
    ),
    "hard": _Profile(
        passengers=(2, 5),
        memberships=("regular", "silver", "gold"),
        bags_per_passenger=2,
        insurance=0.5,
        insurance_optional=1 / 3,
        constraints=(2, 4),
        coupons=3,
        min_subtotal=0.6,
        budget_factor=(1.0, 1.06),
        faults={"sold_out": 0.25, "three_ds": 0.5, "decline": 0.3, "coupon_expired": 0.4},
    ),
}


class _Uniforms:
    """Uniform draws from a Generator, fetched 64 at a time (one C call instead of 64)."""

    __slots__ = ("_buffer", "_rng")

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._buffer: list[float] = []

    def u(self) -> float:
        if not self._buffer:
            self._buffer = self._rng.random(64).tolist()[::-1]
        return self._buffer.pop()

    def chance(self, p: float) -> bool:
        return self.u() < p

    def int(self, low: int, high: int) -> int:
        """A whole number in ``[low, high]``."""
        return low + int(self.u() * (high - low + 1))

    def choice(self, options: Sequence[_T]) -> _T:
        return options[int(self.u() * len(options))]

    def shuffled(self, items: Sequence[_T]) -> list[_T]:
        keyed = sorted(range(len(items)), key=lambda _: self.u())
        return [items[i] for i in keyed]


def _ceil(value: float, step: int) -> int:
    return -(-int(value) // step) * step


def _money(amount: int) -> str:
    return f"${amount:,}"


def _passengers(draw: _Uniforms, count: int) -> list[dict[str, str]]:
    people: list[dict[str, str]] = []
    names: set[tuple[str, str]] = set()
    while len(people) < count:
        name = (draw.choice(_FIRST_NAMES), draw.choice(_LAST_NAMES))
        if name in names:
            continue
        names.add(name)
        dob = f"{draw.int(1950, 2008)}-{draw.int(1, 12):02d}-{draw.int(1, 28):02d}"
        people.append({"first_name": name[0], "last_name": name[1], "dob": dob})
    return people


def _constraints(draw: _Uniforms, count: int) -> dict[str, Any]:
    kinds = draw.shuffled(("max_stops", "depart_after", "cabin", "airline"))[:count]
    return {
        "max_stops": 0 if "max_stops" in kinds else None,
        "depart_after": draw.choice(_DEPART_AFTER) if "depart_after" in kinds else None,
        "cabin": draw.choice(CABINS) if "cabin" in kinds else None,
        "airline": draw.choice(AIRLINES) if "airline" in kinds else None,
    }


def _coupons(draw: _Uniforms, profile: _Profile, subtotal: int) -> list[dict[str, Any]]:
    coupons: list[dict[str, Any]] = []
    while len(coupons) < profile.coupons:
        if draw.chance(0.5):
            kind, value = "percent", draw.choice((5, 10, 15, 20))
            code = f"{draw.choice(_COUPON_WORDS)}{value}"
        else:
            kind, value = "amount", draw.choice((25, 50, 75, 100))
            code = f"{draw.choice(_COUPON_WORDS)}{value}USD"
        minimum = 0
        if draw.chance(profile.min_subtotal):
            minimum = _ceil(subtotal * (0.8 + 0.5 * draw.u()), 50)
        if kind == "amount":  # a fixed discount never takes more than half a cart
            minimum = max(minimum, 2 * value)
        if all(c["code"] != code for c in coupons):
            coupons.append({"code": code, "kind": kind, "value": value, "min_subtotal": minimum})
    return coupons


def _payment_methods(
    draw: _Uniforms, difficulty: str, oracle: int, budget: int
) -> list[dict[str, Any]]:
    def card() -> dict[str, Any]:
        digits = draw.int(1000, 9999)
        label = f"{draw.choice(_CARD_BRANDS)} ending {digits}"
        return {
            "id": f"credit_card_{digits}",
            "kind": "credit_card",
            "label": label,
            "balance": None,
        }

    def gift(balance: int) -> dict[str, Any]:
        digits = draw.int(1000, 9999)
        label = f"gift card {digits} (balance {_money(balance)})"
        return {
            "id": f"gift_card_{digits}",
            "kind": "gift_card",
            "label": label,
            "balance": balance,
        }

    if difficulty == "easy":
        return [card()]
    short = gift(max(10, int(oracle * (0.3 + 0.6 * draw.u()))))
    if difficulty == "medium":
        methods = [card(), gift(draw.int(5, 100) * 10)]
    elif draw.chance(0.5):
        methods = [short, gift(budget + draw.int(0, 20) * 10)]
    else:
        methods = [card(), short]
    if len({m["id"] for m in methods}) != len(methods):  # same four digits drawn twice
        methods[1] = {**methods[1], "id": methods[1]["id"] + "b"}
    return draw.shuffled(methods)


def _insurance_optional(task_id: str, share: float) -> bool:
    """Whether the task leaves insurance to the traveller: a share of task ids, by SHA-256.

    It draws nothing from the Generator, so every other field of a task (and of every task after
    it) is what it was before optional insurance existed; ``share`` 0 decides without hashing.
    """
    if share <= 0.0:
        return False
    digest = hashlib.sha256(f"insurance:{task_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") < share * 2**64


_INSURANCE_WORDS: Final = {
    True: "with travel insurance",
    False: "without travel insurance",
    None: "travel insurance optional (the traveller's choice)",
}


def _instruction(task: dict[str, Any]) -> str:
    people = ", ".join(f"{p['first_name']} {p['last_name']}" for p in task["passengers"])
    n = len(task["passengers"])
    c = task["constraints"]
    wants = [
        "nonstop only" if c["max_stops"] == 0 else "",
        f"departing at or after {c['depart_after']}" if c["depart_after"] else "",
        f"{c['cabin'].replace('_', ' ')} cabin" if c["cabin"] else "",
        f"on {c['airline']}" if c["airline"] else "",
    ]
    wanted = "; ".join(w for w in wants if w) or "no other requirements"
    codes = ", ".join(c["code"] for c in task["coupons"]) or "none"
    return (
        f"Book a one-way flight from {task['origin']} to {task['destination']} on {task['date']} "
        f"for {n} passenger{'s' if n > 1 else ''} ({people}) with {task['checked_bags']} checked "
        f"bag{'' if task['checked_bags'] == 1 else 's'} in total and "
        f"{_INSURANCE_WORDS[task['insurance']]}. Requirements: {wanted}. "
        f"Total budget {_money(task['budget'])}. Coupon codes to try: {codes}. "
        "Pay with a method saved in the traveller's profile."
    )


def _draw_task(draw: _Uniforms, difficulty: str, task_id: str | None) -> dict[str, Any] | None:
    profile = _PROFILES[difficulty]
    catalog_seed = int(draw.u() * 2**32)
    origin, destination = draw.shuffled(AIRPORTS)[:2]
    date = (
        dt.date.fromisoformat(FIRST_TRAVEL_DATE) + dt.timedelta(days=draw.int(0, 29))
    ).isoformat()
    passengers = _passengers(draw, draw.int(*profile.passengers))
    flights = generate_flights(catalog_seed, origin, destination, date)
    task: dict[str, Any] = {
        "id": task_id or f"gen-{difficulty}-{catalog_seed:08x}",
        "difficulty": difficulty,
        "instruction": "",
        "origin": origin,
        "destination": destination,
        "date": date,
        "passengers": passengers,
        "checked_bags": sum(draw.int(0, profile.bags_per_passenger) for _ in passengers),
        "insurance": draw.chance(profile.insurance),
        "budget": _NO_BUDGET,
        "constraints": _constraints(draw, draw.int(*profile.constraints)),
        "coupons": [],
        "traveller": {
            "name": f"{passengers[0]['first_name']} {passengers[0]['last_name']}",
            "membership": draw.choice(profile.memberships),
            "payment_methods": [],
        },
        "flights": flights,
        "catalog_seed": catalog_seed,
        "faults": dict(profile.faults),
    }
    plain = best_itinerary(task, flights, ())
    if plain is None:
        return None  # rejection: nothing on this route meets the constraints
    task["coupons"] = _coupons(draw, profile, plain.subtotal)
    oracle = best_itinerary(task, flights, [c["code"] for c in task["coupons"]])
    assert oracle is not None  # a coupon only lowers a price
    low, high = profile.budget_factor
    task["budget"] = _ceil(oracle.total * (low + (high - low) * draw.u()), 10)
    methods = _payment_methods(draw, difficulty, oracle.total, task["budget"])
    task["traveller"]["payment_methods"] = methods
    # Decided last, so coupons and budget stay as drawn (priced with the drawn insurance choice):
    # the budget may leave room for insurance or not, which is what a careful traveller weighs.
    if _insurance_optional(task["id"], profile.insurance_optional):
        task["insurance"] = None
    task["instruction"] = _instruction(task)
    return task


def generate_task(
    rng: np.random.Generator, difficulty: str, task_id: str | None = None
) -> dict[str, Any]:
    """Draw a feasible task of ``difficulty`` (a dict in the shape of :class:`Task`)."""
    if difficulty not in _PROFILES:
        raise ValueError(f"unknown difficulty {difficulty!r}; expected easy, medium or hard")
    draw = _Uniforms(rng)
    for _ in range(_TASK_ATTEMPTS):
        task = _draw_task(draw, difficulty, task_id)
        if task is not None:
            return task
    raise AgentKitError(f"no feasible {difficulty} task after {_TASK_ATTEMPTS} draws")


class EpisodeDraw(NamedTuple):
    """What one episode pre-samples at reset, so that no step draws randomness."""

    seats: dict[str, dict[Cabin, int]]
    """Seats left per flight id and cabin on the task's route after sold-outs."""
    valid_codes: frozenset[str]
    """Coupon codes that have not expired."""
    three_ds: bool
    """Whether payment needs a second confirmation."""
    decline: bool
    """Whether the first payment attempt is declined."""
    booking_id: str
    """The receipt's booking reference."""
    oracle: Itinerary
    """The cheapest feasible itinerary under these faults."""


def sample_episode(task: dict[str, Any], rng: np.random.Generator) -> EpisodeDraw:
    """Sample the episode's faults, re-drawing until the task stays feasible.

    After a bounded number of draws it falls back to no sold-outs and every coupon valid, which is
    feasible for every task the generator makes; a task that is infeasible even then is a broken
    fixture and raises :class:`AgentKitError`.
    """
    draw = _Uniforms(rng)
    rates, flights = task["faults"], task["flights"]
    codes = [c["code"] for c in task["coupons"]]
    for _ in range(_EPISODE_ATTEMPTS):
        seats = {
            f["id"]: {c: 0 if draw.chance(rates["sold_out"]) else f["seats"][c] for c in CABINS}
            for f in flights
        }
        valid = frozenset(code for code in codes if not draw.chance(rates["coupon_expired"]))
        listings = [{**f, "seats": seats[f["id"]]} for f in flights]
        oracle = best_itinerary(task, listings, valid)
        if oracle is not None:
            break
    else:
        seats = {f["id"]: dict(f["seats"]) for f in flights}
        valid = frozenset(codes)
        oracle = best_itinerary(task, flights, valid)
        if oracle is None:
            raise AgentKitError(
                f"task {task['id']!r} is infeasible: no flight meets its constraints within the "
                f"budget of {_money(task['budget'])}; fix or regenerate the task set"
            )
    three_ds = draw.chance(rates["three_ds"])
    decline = draw.chance(rates["decline"])
    booking_id = "BK" + "".join(draw.choice(_BOOKING_ALPHABET) for _ in range(6))
    return EpisodeDraw(seats, valid, three_ds, decline, booking_id, oracle)
