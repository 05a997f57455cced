"""Property test: legal calls, wrong-state calls, bad arguments and garbage never break the env."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from agentkit.flight import (
    AIRLINES,
    AIRPORTS,
    CABINS,
    TOOL_NAMES,
    FlightBookingEnv,
    format_action,
    legal_tools,
    oracle_action,
)

DIFFICULTIES = ("easy", "medium", "hard")
BOOKING_KEYS = ("state", "search", "filters", "results", "selection", "cart", "payment", "receipt")
FREE_BAGS = {  # τ-bench's allowance, written out independently of the package
    "regular": {"basic_economy": 0, "economy": 1, "business": 2},
    "silver": {"basic_economy": 1, "economy": 2, "business": 3},
    "gold": {"basic_economy": 2, "economy": 3, "business": 3},
}
REQUIRED = {
    "search_flights": ("origin", "destination", "date"),
    "select_flight": ("flight_id", "cabin"),
    "add_to_cart": ("passengers", "checked_bags", "insurance"),
    "apply_coupon": ("code",),
    "enter_card": ("payment_id",),
}

times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 30]))
dates = st.builds(lambda d: f"2024-05-{d:02d}", st.integers(10, 31)) | st.just("2024-06-14")
people = st.fixed_dictionaries(
    {
        "first_name": st.sampled_from(["Ava", "Zed"]),
        "last_name": st.sampled_from(["Kim", "Okafor"]),
        "dob": st.just("1990-01-02"),
    }
)


def valid_arguments(name: str, obs: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Arguments that satisfy the tool's schema, biased towards the task's own values."""
    task = obs["task"]
    if name == "search_flights":
        return st.fixed_dictionaries(
            {
                "origin": st.just(task["origin"]) | st.sampled_from(AIRPORTS),
                "destination": st.just(task["destination"]) | st.sampled_from(AIRPORTS),
                "date": st.just(task["date"]) | dates,
            },
            optional={"max_stops": st.integers(0, 1)},
        )
    if name == "filter_results":
        return st.fixed_dictionaries(
            {},
            optional={
                "max_price": st.integers(0, 2000),
                "max_stops": st.integers(0, 1),
                "depart_after": times,
                "airline": st.sampled_from(AIRLINES),
            },
        )
    if name == "select_flight":
        ids = [f["id"] for f in obs["results"]] or ["F100"]
        return st.fixed_dictionaries(
            {"flight_id": st.sampled_from(ids), "cabin": st.sampled_from(CABINS)}
        )
    if name == "add_to_cart":
        passengers = st.just(task["passengers"]) | st.lists(people, min_size=1, max_size=5)
        return st.fixed_dictionaries(
            {
                "passengers": passengers,
                "checked_bags": st.just(task["checked_bags"]) | st.integers(0, 8),
                "insurance": st.booleans(),
            }
        )
    if name == "apply_coupon":
        codes = [c["code"] for c in task["coupons"]] + ["NOTACODE"]
        return st.fixed_dictionaries({"code": st.sampled_from(codes)})
    if name == "enter_card":
        ids = [m["id"] for m in task["traveller"]["payment_methods"]] + ["credit_card_0000"]
        return st.fixed_dictionaries({"payment_id": st.sampled_from(ids)})
    if name == "abort":
        return st.fixed_dictionaries({}, optional={"reason": st.text(max_size=20)})
    return st.just({})


def booking(obs: dict[str, Any]) -> dict[str, Any]:
    return {key: obs[key] for key in BOOKING_KEYS}


class FlightMachine(RuleBasedStateMachine):
    """Drives one env through random legal and illegal traffic and checks invariants after each."""

    def __init__(self) -> None:
        super().__init__()
        self.env = FlightBookingEnv(max_steps=40, max_errors=15)

    @initialize(seed=st.integers(0, 10_000), difficulty=st.sampled_from(DIFFICULTIES))
    def reset(self, seed: int, difficulty: str) -> None:
        self.obs, self.info = self.env.reset(seed=seed, options={"difficulty": difficulty})
        self.steps = 0
        self.total = 0.0
        self.reward = 0.0
        self.terminated = self.truncated = False

    def step(self, action: str) -> dict[str, Any]:
        before = self.obs
        self.obs, reward, self.terminated, self.truncated, self.info = self.env.step(action)
        self.reward = float(reward)
        self.total += self.reward
        self.steps += 1
        event(f"state {self.obs['state']}")
        return before

    @property
    def live(self) -> bool:
        return not (self.terminated or self.truncated)

    @rule(seed=st.integers(0, 10_000), difficulty=st.sampled_from(DIFFICULTIES))
    def reset_again(self, seed: int, difficulty: str) -> None:
        self.reset(seed, difficulty)

    @precondition(lambda self: self.live and self.obs["legal_tools"])
    @rule(data=st.data())
    def legal_call(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(self.obs["legal_tools"]))
        self.step(format_action(name, data.draw(valid_arguments(name, self.obs))))
        error = self.obs["error"]
        assert error is None or not error.startswith(("bad arguments", "unknown tool")), error

    @precondition(lambda self: self.live)
    @rule()
    def oracle_call(self) -> None:
        """The oracle's next action, so that runs reach carts, payment and receipts."""
        action = oracle_action(self.obs)
        assert action is not None
        self.step(action)
        assert self.obs["error"] is None or "expired" in self.obs["error"]

    @precondition(lambda self: self.live)
    @rule(data=st.data())
    def wrong_state_call(self, data: st.DataObject) -> None:
        illegal = [n for n in TOOL_NAMES if n not in self.obs["legal_tools"]]
        name = data.draw(st.sampled_from(illegal))
        before = self.step(format_action(name, data.draw(valid_arguments(name, self.obs))))
        assert f"{name} is not available in state {before['state']}" in self.obs["error"]
        assert booking(self.obs) == booking(before)

    @precondition(lambda self: self.live and set(REQUIRED) & set(self.obs["legal_tools"]))
    @rule(data=st.data())
    def bad_arguments(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(set(REQUIRED) & set(self.obs["legal_tools"]))))
        args = dict(data.draw(valid_arguments(name, self.obs)))
        key = data.draw(st.sampled_from(REQUIRED[name]))
        mutation = data.draw(st.sampled_from(["drop", "retype", "extra"]))
        if mutation == "drop":
            del args[key]
        elif mutation == "retype":
            args[key] = {"passengers": "Ava Kim", "checked_bags": "2", "insurance": "yes"}.get(
                key, 12
            )
        else:
            args["unexpected"] = 1
        before = self.step(format_action(name, args))
        assert self.obs["error"].startswith(f"bad arguments for {name}")
        assert booking(self.obs) == booking(before)

    @precondition(lambda self: self.live)
    @rule(
        text=st.text(max_size=60)
        | st.sampled_from(["confirm", "payment", "{", "{}", "abort(1)", "restart()()", "[]"])
    )
    def garbage(self, text: str) -> None:
        before = self.step(text)
        if self.obs["error"] is not None:
            assert booking(self.obs) == booking(before)

    @rule()
    def after_the_end(self) -> None:
        """Steps after the episode ended only report that it is over."""
        if self.live:
            return
        before = self.step("confirm_payment")
        assert "episode is over" in self.obs["error"]
        assert booking(self.obs) == booking(before)
        assert self.reward == 0.0

    @invariant()
    def observation_is_valid(self) -> None:
        assert self.env.observation_space.contains(self.obs)
        assert self.obs["legal_tools"] == legal_tools(self.obs) == self.info["legal_tools"]

    @invariant()
    def step_count(self) -> None:
        assert self.obs["step"] == self.steps

    @invariant()
    def cart_total_is_the_pricing_formula(self) -> None:
        cart = self.obs["cart"]
        if cart is None:
            return
        task = self.obs["task"]
        n = len(cart["passengers"])
        free = FREE_BAGS[task["traveller"]["membership"]][cart["cabin"]] * n
        fare = cart["flight"]["fares"][cart["cabin"]]
        subtotal = fare * n + 30 * n * cart["insurance"] + 50 * max(0, cart["checked_bags"] - free)
        discount = 0
        if cart["coupon"] is not None:
            coupon = next(c for c in task["coupons"] if c["code"] == cart["coupon"])
            assert subtotal >= coupon["min_subtotal"]
            discount = (
                subtotal * coupon["value"] // 100
                if coupon["kind"] == "percent"
                else min(coupon["value"], subtotal)
            )
        assert (cart["fare"], cart["subtotal"], cart["total"]) == (
            fare,
            subtotal,
            subtotal - discount,
        )

    @invariant()
    def terminated_only_at_receipt_or_abort(self) -> None:
        if self.terminated:
            assert self.obs["state"] in ("receipt", "aborted")
        if self.obs["state"] in ("receipt", "aborted"):
            assert self.terminated
            assert self.obs["legal_tools"] == []

    @invariant()
    def reward_is_zero_or_one(self) -> None:
        assert self.reward in (0.0, 1.0)
        assert self.total in (0.0, 1.0)
        if self.reward == 1.0:
            assert self.obs["state"] == "receipt"
            assert all(self.info["constraints"].values())


# Fast by default; a deep profile (tests/conftest.py) with more examples takes over.
FlightMachine.TestCase.settings = settings(
    max_examples=settings.default.max_examples if settings.default.max_examples > 100 else 50,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestFlightMachine = FlightMachine.TestCase
