"""The step's faster paths give exactly what the plain ones gave: seeding, listings, search, filters."""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
from typing import Any

import numpy as np
import pytest

from agentkit.flight import AIRLINES, AIRPORTS, FlightBookingEnv, format_action, oracle_action
from agentkit.flight._catalog import (
    _AIRLINE_CODES,
    _AIRPORT_INDEX,
    _HHMM,
    _ROUTES,
    _TODAY,
    _uniforms,
    generate_flights,
    listing_sort_key,
)


def _entropies(count: int, seed: int) -> list[list[int]]:
    rng = random.Random(seed)
    words = [0, 1, 2**32 - 1, 2**32, 2**40 + 3, 2**64 + 7]
    return [
        [
            rng.choice([rng.randrange(2**32), rng.randrange(2**80), *words]),
            rng.randrange(len(AIRPORTS)),
            rng.randrange(len(AIRPORTS)),
            rng.randrange(30),
        ]
        for _ in range(count)
    ]


def test_uniforms_are_numpys_own_stream() -> None:
    """The reseeded generator draws what ``default_rng(entropy)`` draws, large words included."""
    for entropy in _entropies(3_000, 1):
        assert np.array_equal(_uniforms(entropy, 169), np.random.default_rng(entropy).random(169))


def test_uniforms_agree_across_threads() -> None:
    """Each thread reseeds a generator of its own: threads drawing at once get their streams."""
    entropies = _entropies(200, 2)
    expected = [np.random.default_rng(e).random(50).tolist() for e in entropies]
    results: dict[int, list[list[float]]] = {}

    def draw(index: int) -> None:
        results[index] = [_uniforms(e, 50).tolist() for e in entropies]

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[i] == expected for i in range(4))


def _plain_listings(catalog_seed: int, origin: str, destination: str, date: str) -> list[Any]:
    """The listings written the slow, obvious way: ``default_rng`` and one draw at a time."""
    day = (dt.date.fromisoformat(date) - _TODAY).days
    entropy = [catalog_seed, _AIRPORT_INDEX[origin], _AIRPORT_INDEX[destination], day]
    draws = iter(np.random.default_rng(entropy).random(169).tolist())
    count = 6 + int(next(draws) * 7)
    base_fare, base_minutes, hubs = _ROUTES[origin, destination]
    numbers: set[int] = set()
    flights = []
    for _ in range(count):
        u = [next(draws) for _ in range(14)]
        airline = AIRLINES[int(u[0] * len(AIRLINES))]
        number = 100 + int(u[12] * 900)
        while number in numbers:
            number = 100 + (number - 99) % 900
        numbers.add(number)
        depart = 300 + int(u[3] * 204) * 5
        stops = 1 if u[1] >= 0.45 else 0
        duration = base_minutes + int(u[5] * 30) + (50 + int(u[4] * 100) if stops else 0)
        economy = round(base_fare * (0.75 + 0.6 * u[6]) * (1 if stops else 1.15))  # x * 1 is x
        flights.append(
            {
                "id": f"F{number}",
                "airline": airline,
                "flight_number": f"{_AIRLINE_CODES[airline]}{100 + int(u[13] * 900)}",
                "origin": origin,
                "destination": destination,
                "date": date,
                "depart": _HHMM[depart],
                "arrive": _HHMM[(depart + duration) % 1440],
                "duration_min": duration,
                "stops": stops,
                "via": hubs[int(u[2] * len(hubs))] if stops else None,
                "price": economy,
                "fares": {
                    "basic_economy": round(economy * (0.55 + 0.25 * u[7])),
                    "economy": economy,
                    "business": round(economy * (2.0 + 1.5 * u[8])),
                },
                "seats": {
                    "basic_economy": 1 + int(u[9] * 9),
                    "economy": 1 + int(u[10] * 9),
                    "business": 1 + int(u[11] * 5),
                },
            }
        )
    return sorted(flights, key=listing_sort_key)


def test_generated_listings_equal_the_plain_generator_over_many_seeds() -> None:
    rng = random.Random(3)
    first = dt.date(2024, 5, 16)
    for entropy in _entropies(1_500, 4):
        origin, destination = rng.sample(AIRPORTS, 2)
        date = (first + dt.timedelta(days=entropy[3])).isoformat()
        listings = generate_flights(entropy[0], origin, destination, date)
        assert listings == _plain_listings(entropy[0], origin, destination, date)
        assert [type(f["price"]) for f in listings] == [int] * len(listings)


def _search(env: FlightBookingEnv, date: str, max_stops: int = 1) -> dict[str, Any]:
    args = {"origin": "BOS", "destination": "SFO", "date": date, "max_stops": max_stops}
    obs, *_ = env.step(format_action("search_flights", args))
    return obs


@pytest.mark.parametrize(
    ("date", "error"),
    [
        ("2024-02-30", "date '2024-02-30' is not a calendar date; use YYYY-MM-DD"),
        ("2024-05-15", "date 2024-05-15 is outside the bookable window 2024-05-16 to 2024-06-14"),
        ("2024-06-15", "date 2024-06-15 is outside the bookable window 2024-05-16 to 2024-06-14"),
        ("2024-05-16", None),
        ("2024-06-14", None),
    ],
)
def test_search_dates_are_checked_as_before(date: str, error: str | None) -> None:
    """Dates in the window skip the parse; any other date still gets its own error."""
    env = FlightBookingEnv()
    env.reset(seed=0, options={"difficulty": "easy"})
    assert _search(env, date)["error"] == error


def test_a_search_keeps_the_listings_with_at_most_max_stops() -> None:
    env = FlightBookingEnv()
    env.reset(seed=5, options={"difficulty": "medium"})
    assert env._episode is not None
    every = generate_flights(env._episode.task["catalog_seed"], "BOS", "SFO", "2024-05-20")
    assert {f["stops"] for f in every} == {0, 1}  # both kinds present, so the test can fail
    assert _search(env, "2024-05-20", 1)["results"] == every
    assert _search(env, "2024-05-20", 0)["results"] == [f for f in every if f["stops"] == 0]


def _passes(flight: dict[str, Any], filters: dict[str, Any]) -> bool:
    return (
        (filters["max_price"] is None or flight["price"] <= filters["max_price"])
        and (filters["max_stops"] is None or flight["stops"] <= filters["max_stops"])
        and (filters["depart_after"] is None or flight["depart"] >= filters["depart_after"])
        and (filters["airline"] is None or flight["airline"] == filters["airline"])
    )


def test_filters_keep_what_every_bound_allows() -> None:
    """Over random filter sequences, the results are the searched listings passing all bounds."""
    rng = random.Random(6)
    env = FlightBookingEnv(max_steps=10_000, max_errors=10_000)
    kept = 0
    for seed in range(40):
        obs, _ = env.reset(seed=seed, options={"difficulty": "hard"})
        obs, *_ = env.step(oracle_action(obs) or "")  # the task's search
        searched = obs["results"]
        for _ in range(4):
            key = rng.choice(["max_price", "max_stops", "depart_after", "airline"])
            value = {
                "max_price": rng.randint(100, 900),
                "max_stops": rng.randint(0, 1),
                "depart_after": f"{rng.randint(5, 20):02d}:00",
                # once filtered to an airline, results stay on it (another one is refused)
                "airline": (obs["filters"] or {}).get("airline") or rng.choice(AIRLINES),
            }[key]
            obs, *_ = env.step(format_action("filter_results", {key: value}))
            assert obs["error"] is None
            assert obs["results"] == [f for f in searched if _passes(f, obs["filters"])]
            kept += len(obs["results"])
    assert 0 < kept < 40 * 4 * 12  # filters both kept and dropped listings


def test_nonstop_listings_are_the_nonstop_part_of_the_full_list() -> None:
    """max_stops=0 builds only the nonstop listings: the very ones of the full list, in order."""
    rng = random.Random(7)
    first = dt.date(2024, 5, 16)
    one_stop_left_out = 0
    for entropy in _entropies(1_500, 8):
        origin, destination = rng.sample(AIRPORTS, 2)
        date = (first + dt.timedelta(days=entropy[3])).isoformat()
        every = generate_flights(entropy[0], origin, destination, date)
        nonstop = generate_flights(entropy[0], origin, destination, date, max_stops=0)
        assert nonstop == [f for f in every if f["stops"] == 0]
        one_stop_left_out += len(every) - len(nonstop)
    assert one_stop_left_out > 0


@pytest.mark.parametrize("date", ["2024-05-15", "2024-06-15", "2024-12-31", "2026-02-28"])
def test_dates_outside_the_bookable_window_generate_as_before(date: str) -> None:
    """Dates the day table leaves out are parsed, and give the plain generator's listings."""
    for seed in (0, 9, 2**32 - 1, 2**40 + 3):
        assert generate_flights(seed, "SEA", "MIA", date) == _plain_listings(
            seed, "SEA", "MIA", date
        )


def test_a_date_before_today_is_refused_as_numpy_refuses_it() -> None:
    """A negative day offset takes numpy's list path, which rejects it as it always did."""
    with pytest.raises(ValueError, match="non-negative"):
        generate_flights(5, "BOS", "SFO", "2024-05-01")


def test_changing_generated_listings_changes_no_later_search() -> None:
    """An episode's catalogue and its remembered searches are its own: vandalising what a search
    showed changes no later observation, of that route or the task's, nor the catalogue."""
    env = FlightBookingEnv()
    env.reset(seed=11, options={"difficulty": "easy"})
    assert env._episode is not None
    task = env._episode.task
    off_route = {"origin": "SEA", "destination": "MIA", "date": "2024-05-22"}
    on_route = {key: task[key] for key in ("origin", "destination", "date")}
    seen = []
    for args in (off_route, on_route):
        for max_stops in (0, 1):
            obs, *_ = env.step(format_action("search_flights", {**args, "max_stops": max_stops}))
            seen.append(json.dumps(obs["results"]))
            for listing in obs["results"]:
                listing["fares"]["economy"] = listing["seats"]["economy"] = -1
                listing["id"] = "F000"
            obs["results"].clear()
            obs["search"]["origin"] = "XXX"
    again = []
    for args in (off_route, on_route):
        for max_stops in (0, 1):
            obs, *_ = env.step(format_action("search_flights", {**args, "max_stops": max_stops}))
            assert obs["search"] == {**args, "max_stops": max_stops}
            again.append(json.dumps(obs["results"]))
    assert again == seen
    catalog_seed = task["catalog_seed"]
    assert json.loads(seen[1]) == generate_flights(catalog_seed, "SEA", "MIA", "2024-05-22")
