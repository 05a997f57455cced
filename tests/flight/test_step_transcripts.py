"""The step's caches and fast paths leave every transcript as it was, key order included.

Random play reaches what the oracle never does: searches of other routes with and without stops
(each route's nonstop listings first, then all of them), repeated searches and filters, refused
and unreadable actions, truncation, shaping and steps after the end.
"""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

from agentkit.flight import AIRLINES, AIRPORTS, CABINS, FlightBookingEnv, format_action

_ODD_ACTIONS = (
    "restart",
    "nonsense",
    "confirm",
    '{"name": "restart"} {}',
    '{"name": "select_flight", "arguments": {"flight_id": 3}}',
    'search_flights(origin="BOS", destination="BOS", date="2024-05-20")',
    '{"name": "search_flights", "arguments": {"origin": "BOS", "destination": "XYZ", '
    '"date": "2024-05-20"}}',
    '{"name": "search_flights", "arguments": {"origin": "BOS", "destination": "SFO", '
    '"date": "2024-07-20"}}',
    '{"name": "filter_results", "arguments": {}}',
    '{"name": "filter_results", "arguments": {"airline": "Nope"}}',
)
_Route = tuple[str, str, str]  # (origin, destination, date)
_CONFIGS: tuple[dict[str, Any], ...] = (
    {},
    {"shaping": 0.5},
    {"max_steps": 12, "max_errors": 3},
    {"difficulty": "hard", "max_errors": 5},
)
_OPTIONS: tuple[dict[str, str] | None, ...] = (
    {"difficulty": "easy"},
    {"difficulty": "medium"},
    {"difficulty": "hard"},
    None,
    {"task_id": "hard-004"},
    {"task_id": "easy-011"},
)


def _random_action(obs: dict[str, Any], rng: random.Random, routes: list[_Route]) -> str:
    """A random legal tool, its arguments plausible, sometimes refused, often repeated."""
    if rng.random() < 0.05 or not obs["legal_tools"]:
        return rng.choice(_ODD_ACTIONS)
    # Aborts are rare and restarts few, so that episodes reach carts, payments and receipts.
    legal = [n for n in obs["legal_tools"] if n not in ("abort", "restart")]
    if not legal or rng.random() < 0.08:
        legal = obs["legal_tools"]
    name = rng.choice(legal)
    task = obs["task"]
    args: dict[str, Any] = {}
    if name == "search_flights":
        route: _Route
        if rng.random() < 0.5:
            route = (task["origin"], task["destination"], task["date"])
        elif routes and rng.random() < 0.5:
            route = rng.choice(routes)  # an earlier route again, perhaps with other stops
        else:
            origin, destination = rng.sample(AIRPORTS, 2)
            route = (origin, destination, f"2024-05-{rng.randint(16, 31)}")
            routes.append(route)
        origin, destination, date = route
        args = {"origin": origin, "destination": destination, "date": date}
        args["max_stops"] = rng.randint(0, 1)
    elif name == "filter_results":
        key = rng.choice(["max_price", "max_stops", "depart_after", "airline"])
        args = {
            key: {
                "max_price": rng.randint(100, 900),
                "max_stops": rng.randint(0, 1),
                "depart_after": f"{rng.randint(5, 20):02d}:00",
                "airline": rng.choice(AIRLINES),
            }[key]
        }
    elif name == "select_flight":
        ids = [f["id"] for f in obs["results"]] or ["F100"]
        args = {"flight_id": rng.choice(ids), "cabin": rng.choice(CABINS)}
    elif name == "add_to_cart":
        args = {
            "passengers": task["passengers"],
            "checked_bags": task["checked_bags"],
            "insurance": bool(task["insurance"]),
        }
    elif name == "apply_coupon":
        args = {"code": rng.choice([c["code"] for c in task["coupons"]] + ["BOGUS"])}
    elif name == "enter_card":
        args = {"payment_id": rng.choice(task["traveller"]["payment_methods"])["id"]}
    elif name == "abort":
        args = {"reason": "test"}
    return format_action(name, args)


def _transcripts_digest(episodes: int) -> str:
    """sha256 of every reset's and step's outputs as JSON in their own key order."""
    digest = hashlib.sha256()
    for seed in range(episodes):
        env = FlightBookingEnv(**_CONFIGS[seed % len(_CONFIGS)])
        rng = random.Random(seed)
        routes: list[_Route] = []
        obs, info = env.reset(seed=seed, options=_OPTIONS[seed % len(_OPTIONS)])
        digest.update(json.dumps([obs, info]).encode())
        for _ in range(80):
            action = _random_action(obs, rng, routes)
            obs, reward, terminated, truncated, info = env.step(action)
            digest.update(json.dumps([action, obs, reward, terminated, truncated, info]).encode())
            if (terminated or truncated) and rng.random() < 0.5:
                break  # else it plays on past the end
    return digest.hexdigest()


# Computed with the environment as it was before its step was made faster (the search cache,
# nonstop-only listings, observation and info templates, legal tools kept between steps, JSON
# read by raw_decode, arguments checked by the validators themselves).
TRANSCRIPTS_SHA256 = "570e44a17d8f6c0d5cbe595125849251dbce92dbbdf73c0e8557a353c2749ff5"


def test_transcripts_are_what_they_always_were() -> None:
    assert _transcripts_digest(240) == TRANSCRIPTS_SHA256


def _vandalise(value: Any) -> None:
    """Change every dict and list inside ``value``, as a careless caller might."""
    if isinstance(value, dict):
        for item in list(value.values()):
            _vandalise(item)
        for key in list(value):
            value[key] = "vandalised"
        value["vandalised"] = True
    elif isinstance(value, list):
        for item in value:
            _vandalise(item)
        value.append("vandalised")


def test_changing_what_the_env_returned_changes_nothing_it_returns_later() -> None:
    """Observations and infos share nothing with the episode, its caches or one another: an env
    whose every output is vandalised returns what an untouched twin returns."""
    for seed in range(60):
        config, options = _CONFIGS[seed % len(_CONFIGS)], _OPTIONS[seed % len(_OPTIONS)]
        touched, untouched = FlightBookingEnv(**config), FlightBookingEnv(**config)
        rng = random.Random(seed)
        routes: list[_Route] = []
        first = touched.reset(seed=seed, options=options)
        assert json.dumps(first) == json.dumps(untouched.reset(seed=seed, options=options))
        obs = json.loads(json.dumps(first))[0]
        _vandalise(first)
        for _ in range(60):
            action = _random_action(obs, rng, routes)
            step = touched.step(action)
            assert json.dumps(step) == json.dumps(untouched.step(action))
            obs = json.loads(json.dumps(step))[0]
            _vandalise(step[0])
            _vandalise(step[4])
