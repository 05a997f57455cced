"""Digest of one fixed run per seed: ``python tests/flight/_trace.py FIRST LAST [--consume-global]``.

Prints one sha256 per seed of the canonical JSON of every (observation, reward, terminated,
truncated, info) under a fixed action script followed by the oracle policy. The determinism test
runs it in processes with different ``PYTHONHASHSEED`` and compares the lines.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from typing import Any

import numpy as np

from agentkit.flight import FlightBookingEnv, oracle_action

DIFFICULTIES = ("easy", "medium", "hard")
SCRIPT = (
    "proceed_to_payment",  # not legal on the search form
    "book me something nice",  # unreadable
    'search_flights(origin="BOS", destination="SFO", date="2024-05-20")',  # another route
    'select_flight(flight_id="F100", cabin="economy")',
    '{"name": "filter_results", "arguments": {"max_stops": 0}}',
    "restart",
    "confirm",  # unknown tool
)


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def trace(seed: int) -> str:
    """The digest of one episode's transcript."""
    env = FlightBookingEnv()
    obs, info = env.reset(seed=seed, options={"difficulty": DIFFICULTIES[seed % 3]})
    digest = hashlib.sha256(_canonical([obs, info]))
    actions = list(SCRIPT)
    while True:
        action = actions.pop(0) if actions else oracle_action(obs)
        if action is None:
            break
        obs, reward, terminated, truncated, info = env.step(action)
        digest.update(_canonical([action, obs, reward, terminated, truncated, info]))
        if terminated or truncated:
            break
    return digest.hexdigest()


def main(argv: list[str]) -> None:
    first, last = int(argv[0]), int(argv[1])
    if "--consume-global" in argv:
        random.seed()
        np.random.seed()
        for _ in range(1 + random.randrange(100)):
            random.random()
            np.random.random(3)
    for seed in range(first, last + 1):
        print(seed, trace(seed))


if __name__ == "__main__":
    main(sys.argv[1:])
