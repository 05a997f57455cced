"""Prices follow the published formula, and the oracle price is the true minimum."""

from __future__ import annotations

import itertools
from typing import Any

from agentkit.flight import FlightBookingEnv, format_action, oracle_action

# τ-bench's airline policy, written out independently of the package's tables.
FREE_BAGS = {
    "regular": {"basic_economy": 0, "economy": 1, "business": 2},
    "silver": {"basic_economy": 1, "economy": 2, "business": 3},
    "gold": {"basic_economy": 2, "economy": 3, "business": 3},
}


def expected_total(
    fare: int, people: int, bags: int, insured: bool, membership: str, cabin: str, coupon: Any
) -> int:
    subtotal = fare * people + 30 * people * insured
    subtotal += 50 * max(0, bags - FREE_BAGS[membership][cabin] * people)
    if coupon is None or subtotal < coupon["min_subtotal"]:
        return subtotal
    if coupon["kind"] == "percent":
        return subtotal - subtotal * coupon["value"] // 100
    return subtotal - min(coupon["value"], subtotal)


def test_cart_lines_add_up_for_a_worked_example() -> None:
    """Two gold passengers in basic economy with 5 bags and insurance, priced by hand."""
    env = FlightBookingEnv()
    obs, _ = env.reset(seed=0, options={"task_id": "hard-000"})
    obs, *_ = env.step(oracle_action(obs) or "")
    flight = obs["results"][0]
    people = obs["task"]["passengers"][:2]
    for action in (
        format_action("select_flight", {"flight_id": flight["id"], "cabin": "basic_economy"}),
        format_action("add_to_cart", {"passengers": people, "checked_bags": 5, "insurance": True}),
    ):
        obs, *_ = env.step(action)
    cart, membership = obs["cart"], obs["task"]["traveller"]["membership"]
    fare = flight["fares"]["basic_economy"]
    free = FREE_BAGS[membership]["basic_economy"] * 2
    assert cart["fare_total"] == 2 * fare
    assert cart["insurance_total"] == 60
    assert cart["bag_fee_total"] == 50 * (5 - free)
    assert cart["total"] == 2 * fare + 60 + 50 * (5 - free)
    assert obs["policy"]["free_bags_per_passenger"] == FREE_BAGS[membership]


def test_oracle_price_is_the_brute_force_minimum() -> None:
    """Over every flight, cabin, valid coupon and allowed insurance (both when the task leaves it
    open), the cheapest feasible total is the oracle price."""
    env = FlightBookingEnv()
    optional = 0
    for seed, difficulty in itertools.product(range(150), ("easy", "medium", "hard")):
        obs, info = env.reset(seed=seed, options={"difficulty": difficulty})
        task = obs["task"]
        # White box: the episode's hidden draw (sold-out seats, unexpired codes).
        assert env._episode is not None
        draw = env._episode.draw
        obs, *_ = env.step(
            format_action(
                "search_flights",
                {
                    "origin": task["origin"],
                    "destination": task["destination"],
                    "date": task["date"],
                },
            )
        )
        c, people = task["constraints"], len(task["passengers"])
        insurances = [False, True] if task["insurance"] is None else [task["insurance"]]
        optional += task["insurance"] is None
        totals = []
        for flight in obs["results"]:
            assert flight["seats"] == draw.seats[flight["id"]]
            for cabin, fare in flight["fares"].items():
                if (
                    flight["seats"][cabin] < people
                    or (c["max_stops"] is not None and flight["stops"] > c["max_stops"])
                    or (c["depart_after"] is not None and flight["depart"] < c["depart_after"])
                    or (c["cabin"] is not None and cabin != c["cabin"])
                    or (c["airline"] is not None and flight["airline"] != c["airline"])
                ):
                    continue
                coupons = [None, *(k for k in task["coupons"] if k["code"] in draw.valid_codes)]
                for insured, coupon in itertools.product(insurances, coupons):
                    totals.append(
                        expected_total(
                            fare,
                            people,
                            task["checked_bags"],
                            insured,
                            task["traveller"]["membership"],
                            cabin,
                            coupon,
                        )
                    )
        assert info["oracle_price"] == min(totals), (seed, difficulty)
        assert info["oracle_price"] <= task["budget"]
    assert optional > 50  # a third of the medium and hard tasks leave insurance open
