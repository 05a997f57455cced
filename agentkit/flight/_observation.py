"""The observation an agent receives, as a pydantic model, and the Gymnasium space around it.

The environment builds observation dicts directly (validating each with pydantic would cost more than
the step itself); :class:`FlightObservation` is the contract they follow, checked by
``observation_space.contains`` and by the tests.
"""

from __future__ import annotations

from typing import Any, Literal

import gymnasium as gym
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agentkit.flight._catalog import Cabin
from agentkit.flight._models import Flight, Passenger, TaskBrief
from agentkit.flight._tools import legal_tools

__all__ = [
    "Cart",
    "Filters",
    "FlightObservation",
    "FlightObservationSpace",
    "Payment",
    "PricingPolicy",
    "Receipt",
    "SearchQuery",
    "Selection",
    "State",
]

State = Literal[
    "search_form", "search_results", "cart", "payment", "3ds_pending", "receipt", "aborted"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class PricingPolicy(_Model):
    """The fees that apply to this traveller (τ-bench's airline policy)."""

    insurance_per_passenger: int
    """Travel insurance, dollars per passenger."""
    bag_fee: int
    """Dollars per checked bag beyond the free allowance."""
    free_bags_per_passenger: dict[Cabin, int]
    """Free checked bags per passenger in each cabin, for this traveller's membership."""


class SearchQuery(_Model):
    """The search behind the current results."""

    origin: str
    """IATA code searched from."""
    destination: str
    """IATA code searched to."""
    date: str
    """Date searched, ``YYYY-MM-DD``."""
    max_stops: int
    """Most stops searched for."""


class Filters(_Model):
    """Filters applied to the current results (they accumulate until the next search)."""

    max_price: int | None = None
    """Headline price at most this."""
    max_stops: int | None = None
    """At most this many stops."""
    depart_after: str | None = None
    """Departing at or after this time."""
    airline: str | None = None
    """Only this airline."""


class Selection(_Model):
    """The flight and cabin picked with ``select_flight``."""

    flight_id: str
    """Id of a listing in the current results."""
    cabin: Cabin
    """Cabin picked."""


class Cart(_Model):
    """The priced cart: ``total = fare_total + insurance_total + bag_fee_total - discount``."""

    flight: Flight
    """The listing booked."""
    cabin: Cabin
    """The cabin booked."""
    passengers: list[Passenger]
    """Passengers on the booking."""
    checked_bags: int
    """Total checked bags."""
    insurance: bool
    """Whether every passenger is insured."""
    fare: int
    """Per-passenger fare of the cabin."""
    fare_total: int
    """``fare`` times the number of passengers."""
    insurance_total: int
    """Insurance for all passengers (0 without insurance)."""
    free_bags: int
    """Free bags for the whole party."""
    extra_bags: int
    """Bags beyond the free allowance."""
    bag_fee_total: int
    """``extra_bags`` times the bag fee."""
    subtotal: int
    """Total before the coupon."""
    coupon: str | None
    """The applied coupon code."""
    discount: int
    """Dollars the coupon takes off."""
    total: int
    """The amount to pay."""


class Payment(_Model):
    """The payment step."""

    payment_id: str | None
    """The entered payment method, if any."""
    amount_due: int
    """The cart total to charge."""
    attempts: int
    """``confirm_payment`` calls so far."""
    status: Literal["awaiting_method", "ready", "declined", "3ds_pending"]
    """Where payment stands; after ``declined``, confirming again retries."""


class Receipt(_Model):
    """The booking made."""

    booking_id: str
    """Booking reference."""
    flight_id: str
    """Flight booked."""
    cabin: Cabin
    """Cabin booked."""
    paid: int
    """Dollars charged."""
    payment_id: str
    """Payment method charged."""


class FlightObservation(_Model):
    """Everything an agent sees after each reset and step; enough to book optimally.

    Keys are stable: agents build prompts from them and the rule-based policy acts on them alone.
    """

    state: State
    """Where the booking flow stands."""
    step: int = Field(ge=0)
    """Steps taken since reset (every ``step`` call counts, errors included)."""
    max_steps: int
    """The episode is truncated when ``step`` reaches this."""
    errors: int = Field(ge=0)
    """Actions that failed so far (parse errors, bad arguments, illegal tools, refusals)."""
    max_errors: int
    """The episode is truncated when ``errors`` reaches this."""
    error: str | None
    """Why the last action failed (state unchanged), or ``None``."""
    message: str | None
    """What the last action did, in words."""
    legal_tools: list[str]
    """Tools legal now, in flow order (see :func:`legal_tools`)."""
    task: TaskBrief
    """What the traveller asks for."""
    policy: PricingPolicy
    """Fees that apply to this traveller."""
    search: SearchQuery | None
    """The search behind ``results``; kept in ``cart`` state, cleared from ``payment`` on."""
    filters: Filters | None
    """Filters applied to ``results``, if any."""
    results: list[Flight]
    """Current listings, sorted by (price, departure, id); in ``search_results`` and ``cart``
    states (so a cart can be compared with the alternatives), empty otherwise."""
    selection: Selection | None
    """The selected flight and cabin; kept in ``cart`` state, cleared from ``payment`` on."""
    cart: Cart | None
    """The cart from ``cart`` state on."""
    payment: Payment | None
    """Payment details from ``payment`` state on."""
    receipt: Receipt | None
    """The booking once paid."""
    coupons_rejected: list[str]
    """Codes refused as expired this episode (trying them again cannot succeed)."""

    @model_validator(mode="after")
    def _legal_tools_match_state(self) -> FlightObservation:
        expected = legal_tools(
            self.model_dump(
                include={
                    "state",
                    "selection",
                    "payment",
                    "step",
                    "max_steps",
                    "errors",
                    "max_errors",
                }
            )
        )
        if self.legal_tools != expected:
            raise ValueError(f"legal_tools {self.legal_tools} do not match the state: {expected}")
        return self


class FlightObservationSpace(gym.spaces.Space[dict[str, Any]]):
    """The observation space: JSON-able dicts that :class:`FlightObservation` accepts (strictly).

    ``sample()`` returns the observation of a random task after a random number of oracle steps,
    so samples cover every state of the flow.
    """

    def __init__(self, seed: int | np.random.Generator | None = None) -> None:
        super().__init__(shape=None, dtype=None, seed=seed)

    @property
    def is_np_flattened(self) -> bool:
        return False

    def contains(self, x: Any) -> bool:
        if not isinstance(x, dict):
            return False
        try:  # strict: "1" is not a step count; the env emits exact JSON types
            FlightObservation.model_validate(x, strict=True)
        except ValidationError:
            return False
        return True

    def sample(self, mask: Any = None, probability: Any = None) -> dict[str, Any]:
        if mask is not None or probability is not None:
            raise gym.error.Error("FlightObservationSpace.sample takes no mask or probability")
        # Imported here: the env module imports this one.
        from agentkit.flight._env import FlightBookingEnv
        from agentkit.flight._oracle import oracle_action

        rng = self.np_random
        difficulty = ("easy", "medium", "hard")[int(rng.integers(3))]
        env = FlightBookingEnv()
        obs, _ = env.reset(seed=int(rng.integers(2**31)), options={"difficulty": difficulty})
        for _ in range(int(rng.integers(0, 12))):
            action = oracle_action(obs)
            if action is None:
                break
            obs, *_ = env.step(action)
        return obs

    def __repr__(self) -> str:
        return "FlightObservationSpace()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FlightObservationSpace)

    def __hash__(self) -> int:
        return 0  # all instances are equal
