"""The Gymnasium contract, reset options, errors that change nothing, and truncation."""

from __future__ import annotations

import itertools
from typing import Any

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.utils.passive_env_checker import data_shares_objects

from agentkit import UsageError
from agentkit.flight import (
    ENV_ID,
    FlightBookingEnv,
    FlightObservation,
    format_action,
    oracle_action,
)

BOOKING_KEYS = ("state", "search", "filters", "results", "selection", "cart", "payment", "receipt")


def booking(obs: dict[str, Any]) -> dict[str, Any]:
    return {key: obs[key] for key in BOOKING_KEYS}


def test_check_env_passes() -> None:
    """Gymnasium's own checker, with render and close checks through the registered spec."""
    env = gym.make(ENV_ID, disable_env_checker=True).unwrapped
    assert isinstance(env, FlightBookingEnv)
    check_env(env)


def test_gymnasium_make_with_the_passive_checker() -> None:
    """gymnasium.make wraps the env in its passive checker, which stays silent."""
    env = gym.make(ENV_ID, difficulty="easy")
    obs, _ = env.reset(seed=1)
    obs, *_ = env.step(oracle_action(obs) or "")
    assert obs["state"] == "search_results"


def test_observations_validate_and_share_nothing() -> None:
    """Every observation of an oracle run validates and shares no object with another one."""
    env = FlightBookingEnv()
    seen = []
    for seed in range(3):
        obs, info = env.reset(seed=seed, options={"difficulty": "hard"})
        seen.append((obs, info))
        while (action := oracle_action(obs)) is not None:
            obs, _, _, _, info = env.step(action)
            FlightObservation.model_validate(obs)
            assert env.observation_space.contains(obs)
            seen.append((obs, info))
    for (obs_1, info_1), (obs_2, info_2) in itertools.combinations(seen, 2):
        assert not data_shares_objects(obs_1, obs_2)
        assert not data_shares_objects(info_1, info_2)


def test_mutating_an_observation_does_not_change_the_env() -> None:
    """Users keep and edit observations; the next one is unaffected."""
    env = FlightBookingEnv()
    obs, _ = env.reset(seed=5)
    obs, *_ = env.step(oracle_action(obs) or "")
    expected = env.step("garbage")[0]["results"]
    obs["results"][0]["fares"]["economy"] = -1
    obs["task"]["passengers"].clear()
    after = env.step("garbage")[0]
    assert after["results"] == expected
    assert after["task"]["passengers"]


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"seed": 1}, "unknown reset options"),
        ({"difficulty": "expert"}, "expected one of easy, medium, hard"),
        ({"task_id": "easy-999"}, "no task 'easy-999'"),
        ({"task_id": "nope"}, "does not start with a difficulty"),
        ({"task_id": "easy-001", "difficulty": "hard"}, "is easy, not hard"),
    ],
)
def test_bad_reset_options_are_usage_errors(options: dict[str, Any], match: str) -> None:
    """Misuse of reset options raises a UsageError that says what is expected."""
    with pytest.raises(UsageError, match=match):
        FlightBookingEnv().reset(seed=0, options=options)


def test_reset_options() -> None:
    """task_id plays a shipped task; difficulty draws one; neither carries over to the next reset."""
    env = FlightBookingEnv(difficulty="easy")
    obs, info = env.reset(seed=0, options={"task_id": "hard-003"})
    assert (obs["task"]["id"], info["difficulty"]) == ("hard-003", "hard")
    obs, info = env.reset(seed=0, options={"difficulty": "medium"})
    assert obs["task"]["id"].startswith("gen-medium-")
    obs, info = env.reset(seed=0)
    assert info["difficulty"] == "easy"


def test_constructor_validates_its_arguments() -> None:
    """Impossible settings fail at construction with the value received."""
    with pytest.raises(UsageError, match="difficulty='expert'"):
        FlightBookingEnv(difficulty="expert")
    with pytest.raises(UsageError, match="max_steps=0"):
        FlightBookingEnv(max_steps=0)
    with pytest.raises(UsageError, match="render_mode='human'"):
        FlightBookingEnv(render_mode="human")


def test_step_before_reset_is_a_usage_error() -> None:
    """Stepping a never-reset env is misuse, reported with the fix."""
    with pytest.raises(UsageError, match=r"call env\.reset"):
        FlightBookingEnv().step("abort")


@pytest.mark.parametrize(
    "action",
    [
        "proceed_to_payment",  # not legal on the search form
        "garbage",
        'search_flights(origin="BOS", destination="BOS", date="2024-05-20")',
        'search_flights(origin="XXX", destination="BOS", date="2024-05-20")',
        'search_flights(origin="BOS", destination="SFO", date="2024-02-30")',
        'search_flights(origin="BOS", destination="SFO", date="2025-01-01")',
        'search_flights(origin="BOS", destination="SFO")',
        '{"name": "search_flights", "arguments": {"origin": 1}}',
    ],
)
def test_errors_leave_the_booking_state_unchanged(action: str) -> None:
    """A refused action sets error, counts one error and one step, and changes nothing else."""
    env = FlightBookingEnv()
    obs, _ = env.reset(seed=2)
    after, reward, terminated, truncated, _ = env.step(action)
    assert after["error"]
    assert booking(after) == booking(obs)
    assert (after["step"], after["errors"]) == (1, 1)
    assert (reward, terminated, truncated) == (0.0, False, False)


def test_filters_only_narrow_and_keep_the_tightest_bound() -> None:
    """Filters accumulate; a looser bound does not widen the results; airline cannot change."""
    env = FlightBookingEnv()
    obs, _ = env.reset(seed=4, options={"difficulty": "easy"})
    obs, *_ = env.step(oracle_action(obs) or "")
    prices = sorted(f["price"] for f in obs["results"])
    cheap = prices[len(prices) // 2]
    obs, *_ = env.step(format_action("filter_results", {"max_price": cheap}))
    narrowed = obs["results"]
    assert narrowed
    assert all(f["price"] <= cheap for f in narrowed)
    obs, *_ = env.step(format_action("filter_results", {"max_price": prices[-1]}))
    assert obs["results"] == narrowed
    assert obs["filters"]["max_price"] == cheap
    airline = narrowed[0]["airline"]
    obs, *_ = env.step(format_action("filter_results", {"airline": airline}))
    other = next(a for a in ("Aerolux", "Bluewing") if a != airline)
    after, *_ = env.step(format_action("filter_results", {"airline": other}))
    assert "already filtered" in after["error"]
    assert env.step("filter_results")[0]["error"].startswith("give at least one filter")


def test_truncation_at_max_steps_and_max_errors() -> None:
    """max_steps and max_errors truncate (not terminate); later steps only report the end."""
    env = FlightBookingEnv(max_steps=3)
    obs, _ = env.reset(seed=0)
    search = oracle_action(obs) or ""
    results = [env.step(search) for _ in range(3)]
    assert all(r[0]["error"] is None for r in results)
    assert [r[3] for r in results] == [False, False, True]
    assert not any(r[2] for r in results)
    assert "max_steps" in results[-1][0]["message"]
    assert results[-1][0]["state"] == "search_results"  # the last allowed step still acted
    assert results[-1][0]["legal_tools"] == []
    assert results[-1][4]["state_hash"] is not None

    env = FlightBookingEnv(max_errors=2)
    env.reset(seed=0)
    assert env.step("x")[3] is False
    obs, reward, terminated, truncated, _ = env.step("y")
    assert (reward, terminated, truncated) == (0.0, False, True)
    obs, reward, terminated, truncated, _ = env.step("search_flights")
    assert "episode is over" in obs["error"]
    assert (obs["step"], obs["errors"], reward, truncated) == (3, 2, 0.0, True)


def test_abort_terminates_without_reward() -> None:
    """abort ends the episode with reward 0 and no regret."""
    env = FlightBookingEnv()
    env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step('abort(reason="changed my mind")')
    assert (obs["state"], reward, terminated, truncated) == ("aborted", 0.0, True, False)
    assert obs["legal_tools"] == []
    assert info["regret"] is None
    assert len(info["state_hash"]) == 64


def test_info_keys() -> None:
    """info always carries the same keys; regret and constraints appear once paid."""
    env = FlightBookingEnv()
    obs, info = env.reset(seed=1)
    keys = {
        "task_id",
        "difficulty",
        "oracle_price",
        "legal_tools",
        "regret",
        "constraints",
        "state_hash",
    }
    assert set(info) == keys
    assert info["legal_tools"] == obs["legal_tools"]
    assert (info["regret"], info["constraints"], info["state_hash"]) == (None, None, None)


def test_render_ansi() -> None:
    """The ansi render is a text summary naming the state and the results."""
    env = FlightBookingEnv(render_mode="ansi")
    obs, _ = env.reset(seed=0)
    env.step(oracle_action(obs) or "")
    text = env.render()
    assert text is not None
    assert "search_results" in text
    assert FlightBookingEnv().render() is None
