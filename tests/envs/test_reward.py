"""Reward: 1 only for a booking that meets everything; it cannot be farmed by repetition."""

from __future__ import annotations

from typing import Any

import pytest

from agentkit.envs import FlightBookingEnv, format_action, oracle_action


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


def _book(env: FlightBookingEnv, seed: int, change: dict[str, Any]) -> tuple[Any, ...]:
    """Follow the oracle but put ``change`` into the add_to_cart arguments."""
    obs, _ = env.reset(seed=seed, options={"difficulty": "medium"})
    total = 0.0
    while (action := oracle_action(obs)) is not None:
        if '"add_to_cart"' in action:
            task = obs["task"]
            args = {
                "passengers": task["passengers"],
                "checked_bags": task["checked_bags"],
                "insurance": task["insurance"],
                **change,
            }
            action = format_action("add_to_cart", args)
        if obs["state"] == "cart" and '"restart"' in action:
            action = "proceed_to_payment"  # the oracle would rebuild a cart it does not like
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
    """Wrong insurance, bags or passengers: a receipt, the failed check named, and reward 0."""
    env = FlightBookingEnv()
    for seed in range(10):
        obs, _ = env.reset(seed=seed, options={"difficulty": "medium"})
        task = obs["task"]
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
