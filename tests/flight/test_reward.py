"""Reward: 1 only for a booking that meets everything; it cannot be farmed by repetition."""

from __future__ import annotations

from typing import Any

import pytest

from agentkit.flight import (
    FlightBookingEnv,
    ParsedAction,
    format_action,
    oracle_action,
    parse_action,
)
from agentkit.flight._pricing import booking_checks, coupon_discount


def oracle_prefix(env: FlightBookingEnv, seed: int, k: int) -> tuple[dict[str, Any], str | None]:
    """Reset to ``seed`` and play ``k`` oracle actions; return the observation and last action."""
    obs, _ = env.reset(seed=seed, options={"difficulty": ("easy", "medium", "hard")[seed % 3]})
    last = None
    for _ in range(k):
        action = oracle_action(obs)
        if action is None:
            break
        obs, *_ = env.step(action)
        last = action
    return obs, last


BOOKING_KEYS = ("state", "search", "filters", "results", "selection", "cart", "payment", "receipt")


@pytest.mark.parametrize("shaping", [0.0, 0.1])
def test_repeating_an_action_never_earns_reward(shaping: float) -> None:
    """The original gym paid for every repeat; here a repeat that changes nothing earns 0.

    Only confirm_payment legitimately needs repeating (a decline, 3-D Secure); once it has
    booked, or any action has stopped changing the state, further repeats earn exactly nothing,
    and no episode's return exceeds 1.
    """
    env = FlightBookingEnv(shaping=shaping, max_steps=200, max_errors=200)
    idle_repeats = 0
    for seed in range(30):
        for k in range(1, 12):
            obs, last = oracle_prefix(env, seed, k)
            if last is None:
                continue
            episode_return = 0.0  # the prefix earned at most shaping, which the end gives back
            for _ in range(6):
                before = {key: obs[key] for key in BOOKING_KEYS}
                obs, reward, *_ = env.step(last)
                episode_return += float(reward)
                if {key: obs[key] for key in BOOKING_KEYS} == before:
                    assert reward == 0.0, (seed, k, last, obs["state"])
                    idle_repeats += 1
                else:
                    assert '"confirm_payment"' in last, (seed, k, last)
            assert episode_return <= 1.0 + 1e-9
    assert idle_repeats > 1000


def test_return_is_at_most_one_however_the_episode_goes() -> None:
    """Booking, then confirming again and again, still totals exactly 1."""
    env = FlightBookingEnv()
    for seed in range(20):
        obs, _ = env.reset(seed=seed)
        total = 0.0
        for _ in range(40):
            action = oracle_action(obs) or "confirm_payment"
            obs, reward, *_ = env.step(action)
            total += float(reward)
        assert total == 1.0


def test_shaping_telescopes_to_the_terminal_reward() -> None:
    """With shaping on, a loop of progress and restarts sums to 0 and a run sums to its outcome."""
    env = FlightBookingEnv(shaping=0.1, max_steps=500, max_errors=500)
    for seed in range(10):
        obs, _ = env.reset(seed=seed)
        total = 0.0
        for _ in range(5):  # farm attempt: make progress, restart, repeat
            for _ in range(3):
                obs, reward, *_ = env.step(oracle_action(obs) or "")
                total += float(reward)
            assert total > 0  # progress is rewarded...
            obs, reward, *_ = env.step("restart")
            total += float(reward)
            assert total == pytest.approx(0.0)  # ...and given back on restart
        while (action := oracle_action(obs)) is not None:
            obs, reward, *_ = env.step(action)
            total += float(reward)
        assert total == pytest.approx(1.0)


def _best_code(obs: dict[str, Any]) -> str | None:
    """The coupon not yet rejected that takes the most off the cart's subtotal."""
    cart, best, code = obs["cart"], 0, None
    for coupon in obs["task"]["coupons"]:
        discount = coupon_discount(coupon, cart["subtotal"])
        if coupon["code"] not in obs["coupons_rejected"] and (discount or 0) > best:
            best, code = discount or 0, coupon["code"]
    return code


def _book(
    env: FlightBookingEnv,
    seed: int,
    change: dict[str, Any],
    difficulty: str = "medium",
    *,
    coupons: bool = False,
) -> tuple[Any, ...]:
    """Follow the oracle but put ``change`` into the add_to_cart arguments; with ``coupons``,
    apply the best coupon to the changed cart before paying it."""
    obs, _ = env.reset(seed=seed, options={"difficulty": difficulty})
    total = 0.0
    while (action := oracle_action(obs)) is not None:
        parsed = parse_action(action)
        if isinstance(parsed, ParsedAction) and parsed.name == "add_to_cart":
            action = format_action("add_to_cart", {**parsed.arguments, **change})
        if obs["state"] == "cart" and '"restart"' in action:
            action = "proceed_to_payment"  # the oracle would rebuild a cart it does not like
            code = _best_code(obs) if coupons else None
            if code is not None and code != obs["cart"]["coupon"]:
                action = format_action("apply_coupon", {"code": code})
        obs, reward, terminated, truncated, info = env.step(action)
        total += float(reward)
        if terminated or truncated:
            break
    return obs, total, info


@pytest.mark.parametrize(
    ("change", "check"),
    [
        ({"insurance": "flip"}, "insurance"),
        ({"checked_bags": "plus_one"}, "checked_bags"),
        ({"passengers": "rename"}, "passengers"),
    ],
)
def test_a_booking_that_misses_a_requirement_earns_nothing(
    change: dict[str, str], check: str
) -> None:
    """Wrong insurance, bags or passengers: a receipt, the failed check named, and reward 0.

    Insurance is wrong only on a task that fixes it; tasks that leave it open are skipped here.
    """
    env = FlightBookingEnv()
    played = 0
    for seed in range(10):
        obs, _ = env.reset(seed=seed, options={"difficulty": "medium"})
        task = obs["task"]
        if check == "insurance" and task["insurance"] is None:
            continue
        played += 1
        real = {
            "insurance": not task["insurance"],
            "checked_bags": task["checked_bags"] + 1,
            "passengers": [{**task["passengers"][0], "first_name": "Zed"}, *task["passengers"][1:]],
        }
        obs, total, info = _book(env, seed, {key: real[key] for key in change})
        assert obs["state"] == "receipt"
        assert total == 0.0
        assert info["constraints"][check] is False
        assert info["regret"] == obs["receipt"]["paid"] - info["oracle_price"]
    assert played >= 5


def test_insurance_check_is_exact_unless_the_task_leaves_it_open() -> None:
    """booking_checks: a fixed insurance must match the cart; an open one (None) accepts both."""
    env = FlightBookingEnv()
    obs, _ = env.reset(seed=0, options={"task_id": "easy-000"})
    while (action := oracle_action(obs)) is not None:
        obs, *_ = env.step(action)
    task, cart, paid = obs["task"], obs["cart"], obs["receipt"]["paid"]
    for wanted, insured, passes in [
        (True, True, True),
        (True, False, False),
        (False, False, True),
        (False, True, False),
        (None, False, True),
        (None, True, True),
    ]:
        checks = booking_checks({**task, "insurance": wanted}, {**cart, "insurance": insured}, paid)
        assert checks["insurance"] is passes, (wanted, insured)
        assert checks["budget"] is True
    over = booking_checks({**task, "insurance": None}, cart, task["budget"] + 1)
    assert (over["insurance"], over["budget"]) == (True, False)


@pytest.mark.parametrize("difficulty", ["medium", "hard"])
def test_either_insurance_choice_earns_the_reward_on_an_optional_task(difficulty: str) -> None:
    """On a task that leaves insurance open, an uninsured and an insured booking of the oracle's
    itinerary both earn 1.0 when they fit the budget, and the insured one fails only the budget
    when it does not."""
    env = FlightBookingEnv()
    insured_wins = insured_over_budget = 0
    for seed in range(60):
        obs, _ = env.reset(seed=seed, options={"difficulty": difficulty})
        if obs["task"]["insurance"] is not None:
            continue
        for insured in (False, True):
            obs, total, info = _book(env, seed, {"insurance": insured}, difficulty, coupons=True)
            if obs["state"] == "aborted":  # no saved method covers the dearer, insured total
                assert (insured, total) == (True, 0.0), seed
                insured_over_budget += 1
                continue
            assert obs["state"] == "receipt", (seed, insured)
            assert obs["cart"]["insurance"] is insured
            assert info["constraints"]["insurance"] is True
            fits = obs["receipt"]["paid"] <= obs["task"]["budget"]
            assert info["constraints"]["budget"] is fits
            assert all(ok for name, ok in info["constraints"].items() if name != "budget")
            assert total == (1.0 if fits else 0.0), (seed, insured)
            if insured:
                insured_wins += fits
                insured_over_budget += not fits
    assert insured_wins > 0
    assert insured_over_budget > 0


def test_over_budget_booking_earns_nothing() -> None:
    """Paying more than the budget fails the budget check even when all else is right."""
    env = FlightBookingEnv(difficulty="easy")
    obs, info = env.reset(seed=11)
    obs, *_ = env.step(oracle_action(obs) or "")
    priciest = max(obs["results"], key=lambda f: f["fares"]["business"])
    task = obs["task"]
    for action in (
        format_action("select_flight", {"flight_id": priciest["id"], "cabin": "business"}),
        format_action(
            "add_to_cart",
            {
                "passengers": task["passengers"],
                "checked_bags": task["checked_bags"],
                "insurance": task["insurance"],
            },
        ),
        "proceed_to_payment",
    ):
        obs, *_ = env.step(action)
    assert obs["payment"]["amount_due"] > task["budget"]
    obs, *_ = env.step(format_action("enter_card", {"payment_id": oracle_payment_id(task)}))
    reward = 0.0
    while obs["state"] != "receipt":
        obs, reward, *_, info = env.step("confirm_payment")
    assert reward == 0.0
    assert info["constraints"]["budget"] is False


def oracle_payment_id(task: dict[str, Any]) -> str:
    return str(
        next(m["id"] for m in task["traveller"]["payment_methods"] if m["kind"] == "credit_card")
    )


def test_state_hash_covers_what_was_booked_not_how() -> None:
    """Detours with errors give the same state hash; a different booking gives another."""
    env = FlightBookingEnv()
    plain = _final_hash(env, seed=3, noise=False)
    assert _final_hash(env, seed=3, noise=True) == plain
    assert _final_hash(env, seed=4, noise=False) != plain


def _final_hash(env: FlightBookingEnv, seed: int, noise: bool) -> str:
    obs, info = env.reset(seed=seed)
    while (action := oracle_action(obs)) is not None:
        if noise:
            env.step("not an action")
        obs, _, _, _, info = env.step(action)
    return str(info["state_hash"])
