"""Rule-based policies (issue 4): success, regret and steps per strategy, and decision latency.

    python benchmarks/policies.py [--tasks N] [--repeats 3]

Each strategy's ``rule_based_action`` plays every shipped task of each difficulty alone (task i
with seed i, as the tests do); the oracle policy (``agentkit.flight.oracle_action``, cheapest
feasible itinerary) plays the same episodes as the baseline. Regret is paid - oracle price, over
successful bookings. Latency is the time of one policy call, measured over every observation the
runs met, each replayed ``--repeats`` times after the runs (so the env's time is not counted); the
goal is under 1 ms per decision.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agentkit.flight import (
    POLICY_PARAMS,
    FlightBookingEnv,
    load_tasks,
    oracle_action,
    rule_based_action,
)

DIFFICULTIES = ("easy", "medium", "hard")
GOAL_US = 1000.0
GOAL_SUCCESS = 0.95
Policy = Callable[[Mapping[str, Any]], str | None]


@dataclass
class Cell:
    """One policy on one difficulty."""

    episodes: int = 0
    successes: int = 0
    regrets: list[int] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)


def policies() -> dict[str, Policy]:
    def strategy(name: Any) -> Policy:
        return lambda obs: rule_based_action(obs, name)

    return {"oracle": oracle_action} | {name: strategy(name) for name in POLICY_PARAMS}


def play(policy: Policy, difficulty: str, limit: int | None, seen: list[Any]) -> Cell:
    """Play the first ``limit`` tasks of a difficulty; append every observation to ``seen``."""
    cell, env = Cell(), FlightBookingEnv()
    for seed, task in enumerate(load_tasks(difficulty)[:limit]):
        obs, info = env.reset(seed=seed, options={"task_id": task.id})
        total, done = 0.0, False
        while not done:
            seen.append(obs)
            action = policy(obs)
            if action is None:  # the oracle stops once the episode is over
                break
            obs, reward, terminated, truncated, info = env.step(action)
            total += float(reward)
            done = terminated or truncated
        cell.episodes += 1
        cell.steps.append(obs["step"])
        if total == 1.0:
            cell.successes += 1
            cell.regrets.append(info["regret"])
    return cell


def latencies_us(policy: Policy, observations: list[Any], repeats: int) -> list[float]:
    """Microseconds per call, every observation ``repeats`` times, with the collector off."""
    clock = time.perf_counter_ns
    out: list[float] = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            for obs in observations:
                start = clock()
                policy(obs)
                out.append((clock() - start) / 1000)
    finally:
        gc.enable()
    return out


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tasks", type=int, default=None, help="tasks per difficulty (all)")
    parser.add_argument("--repeats", type=int, default=3, help="timed replays per observation")
    args = parser.parse_args()

    cells: dict[tuple[str, str], Cell] = {}
    seen: dict[str, list[Any]] = {}
    for name, policy in policies().items():
        seen[name] = []
        for difficulty in DIFFICULTIES:
            cells[name, difficulty] = play(policy, difficulty, args.tasks, seen[name])

    print(
        f"{'policy':<13} {'difficulty':<10} {'tasks':>5} {'success':>8} {'regret $':>9} {'steps':>6}"
    )
    for (name, difficulty), cell in cells.items():
        rate = cell.successes / cell.episodes
        regret = statistics.mean(cell.regrets) if cell.regrets else float("nan")
        flag = "" if name == "oracle" or difficulty == "hard" or rate >= GOAL_SUCCESS else "  BELOW"
        print(
            f"{name:<13} {difficulty:<10} {cell.episodes:>5} {rate:>8.1%} {regret:>9.2f} "
            f"{statistics.mean(cell.steps):>6.2f}{flag}"
        )

    print(f"\ndecision latency over the observations each policy met (x{args.repeats}):")
    everything: list[float] = []
    for name, policy in policies().items():
        times = latencies_us(policy, seen[name], args.repeats)
        if name != "oracle":
            everything += times
        print(
            f"{name:<13} {len(times):>6} calls  mean {statistics.mean(times):7.1f} us  "
            f"p99 {p99(times):7.1f} us  max {max(times):8.1f} us"
        )
    mean, tail = statistics.mean(everything), p99(everything)
    verdict = "ok" if tail < GOAL_US else "ABOVE GOAL"
    print(
        f"{'fallback':<13} {len(everything):>6} calls  mean {mean:7.1f} us  p99 {tail:7.1f} us  "
        f"(goal < {GOAL_US:.0f} us per decision; oracle is the baseline) {verdict}"
    )


if __name__ == "__main__":
    main()
