"""Pydantic models of a task and its parts: the data that task fixtures hold and observations show.

Internally the environment keeps the same data as plain dicts of exactly these shapes (``model_dump``
output), so the hot path never builds models; these classes validate fixtures and observations.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agentkit.flight._catalog import AIRLINES, AIRPORTS, Cabin, Membership

__all__ = [
    "Constraints",
    "Coupon",
    "Difficulty",
    "Fares",
    "FaultRates",
    "Flight",
    "Passenger",
    "PaymentMethod",
    "Seats",
    "Task",
    "TaskBrief",
    "Traveller",
]

Difficulty = Literal["easy", "medium", "hard"]

_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Passenger(_Model):
    """A traveller on the booking, as the cart and the task name them."""

    first_name: str = Field(min_length=1, max_length=50)
    """Given name."""
    last_name: str = Field(min_length=1, max_length=50)
    """Family name."""
    dob: str = Field(pattern=_DATE)
    """Date of birth, ``YYYY-MM-DD``."""


class Fares(_Model):
    """Per-passenger fare of each cabin, in whole dollars."""

    basic_economy: int = Field(ge=0)
    """Basic economy fare."""
    economy: int = Field(ge=0)
    """Economy fare."""
    business: int = Field(ge=0)
    """Business fare."""


class Seats(_Model):
    """Seats left in each cabin; 0 means sold out."""

    basic_economy: int = Field(ge=0)
    """Seats left in basic economy."""
    economy: int = Field(ge=0)
    """Seats left in economy."""
    business: int = Field(ge=0)
    """Seats left in business."""


class Flight(_Model):
    """One itinerary on a route and date, as search results list it."""

    id: str = Field(pattern=r"^F[0-9]{3}$")
    """The id that ``select_flight`` takes, unique within one search."""
    airline: str
    """Operating airline (one of the catalogue's airlines)."""
    flight_number: str
    """Marketing flight number."""
    origin: str
    """IATA code of the departure airport."""
    destination: str
    """IATA code of the arrival airport."""
    date: str = Field(pattern=_DATE)
    """Departure date, ``YYYY-MM-DD``."""
    depart: str = Field(pattern=_TIME)
    """Local departure time, ``HH:MM``."""
    arrive: str = Field(pattern=_TIME)
    """Local arrival time, ``HH:MM`` (may be on the next day: see ``duration_min``)."""
    duration_min: int = Field(gt=0)
    """Door-to-door duration in minutes."""
    stops: int = Field(ge=0, le=1)
    """Number of stops: 0 (nonstop) or 1."""
    via: str | None
    """The connecting airport when ``stops`` is 1."""
    price: int = Field(ge=0)
    """The headline price: the economy fare per passenger (results sort and filter on it)."""
    fares: Fares
    """Per-passenger fare of each cabin."""
    seats: Seats
    """Seats left in each cabin."""

    @model_validator(mode="after")
    def _consistent(self) -> Flight:
        if self.price != self.fares.economy:
            raise ValueError(f"price {self.price} must equal the economy fare {self.fares.economy}")
        if (self.via is None) != (self.stops == 0):
            raise ValueError("via must be set exactly when the flight has a stop")
        return self


class Constraints(_Model):
    """The traveller's hard constraints; ``None`` means "no constraint"."""

    max_stops: int | None = Field(default=None, ge=0, le=1)
    """At most this many stops."""
    depart_after: str | None = Field(default=None, pattern=_TIME)
    """Departure at or after this local time, ``HH:MM``."""
    cabin: Cabin | None = None
    """Exactly this cabin."""
    airline: str | None = None
    """Exactly this airline."""


class Coupon(_Model):
    """A coupon code the traveller holds. Whether it is still valid shows only when applied."""

    code: str = Field(min_length=1)
    """The code to pass to ``apply_coupon``."""
    kind: Literal["percent", "amount"]
    """``percent``: ``value`` % off the subtotal (rounded down); ``amount``: ``value`` dollars off."""
    value: int = Field(gt=0)
    """Percent or dollars, per ``kind``."""
    min_subtotal: int = Field(default=0, ge=0)
    """The cart subtotal (before discount) must be at least this many dollars."""


class PaymentMethod(_Model):
    """A payment method saved in the traveller's profile."""

    id: str
    """The id that ``enter_card`` takes."""
    kind: Literal["credit_card", "gift_card"]
    """Credit cards cover any amount; a gift card only up to its balance."""
    label: str
    """Human-readable description."""
    balance: int | None = None
    """Gift-card balance in dollars; ``None`` for credit cards."""


class Traveller(_Model):
    """The profile of the user who books."""

    name: str
    """Full name."""
    membership: Membership
    """Membership tier; it sets the free checked-bag allowance."""
    payment_methods: list[PaymentMethod] = Field(min_length=1)
    """Saved payment methods; only these can pay."""


class FaultRates(_Model):
    """Probabilities of the seeded failure modes, sampled once per episode at reset."""

    sold_out: float = Field(ge=0.0, le=1.0)
    """Chance that a cabin of a listing on the task's route is sold out."""
    three_ds: float = Field(ge=0.0, le=1.0)
    """Chance that payment needs a second confirmation (3-D Secure)."""
    decline: float = Field(ge=0.0, le=1.0)
    """Chance that the first payment attempt is declined."""
    coupon_expired: float = Field(ge=0.0, le=1.0)
    """Chance that each coupon code has expired."""


class TaskBrief(_Model):
    """What the traveller asks for: every observation carries it under ``task``."""

    id: str
    """Stable task id, e.g. ``easy-007`` (fixtures) or ``gen-hard-1a2b3c4d`` (seeded)."""
    difficulty: Difficulty
    """Task difficulty."""
    instruction: str
    """The request in plain words, for prompts."""
    origin: str
    """IATA code to fly from."""
    destination: str
    """IATA code to fly to."""
    date: str = Field(pattern=_DATE)
    """Departure date, ``YYYY-MM-DD``."""
    passengers: list[Passenger] = Field(min_length=1, max_length=5)
    """Exactly these people must be on the booking."""
    checked_bags: int = Field(ge=0)
    """Total checked bags the party needs (the cart must carry exactly this many)."""
    insurance: bool | None
    """Whether the traveller wants travel insurance: ``True`` or ``False`` and the cart must match;
    ``None`` leaves it to the traveller's choice (either cart passes, the total must still fit the
    budget)."""
    budget: int = Field(gt=0)
    """The most the traveller will pay in total, in dollars."""
    constraints: Constraints
    """Hard constraints on the itinerary."""
    coupons: list[Coupon]
    """Coupon codes the traveller holds."""
    traveller: Traveller
    """The booking user's profile."""

    @model_validator(mode="after")
    def _known_places(self) -> TaskBrief:
        for code in (self.origin, self.destination):
            if code not in AIRPORTS:
                raise ValueError(f"unknown airport {code!r}; expected one of {', '.join(AIRPORTS)}")
        if self.origin == self.destination:
            raise ValueError("origin and destination must differ")
        airline = self.constraints.airline
        if airline is not None and airline not in AIRLINES:
            raise ValueError(f"unknown airline {airline!r}; expected one of {', '.join(AIRLINES)}")
        return self


class Task(TaskBrief):
    """A full task as fixtures store it: the brief plus the hidden world it is played in."""

    flights: list[Flight] = Field(min_length=1)
    """The catalogue's listings on the task's route and date (before sold-outs)."""
    catalog_seed: int = Field(ge=0)
    """Seeds the listings of any other route or date the agent searches."""
    faults: FaultRates
    """Rates of the failure modes each episode samples at reset."""
