"""Throughput of ``FlightBookingEnv``: steps per second under random legal actions, and reset time.

    python benchmarks/env_step.py [--steps 200000] [--resets 3000]

Goal (one core): at least 20,000 steps/s and under 1 ms per reset. Actions are canonical JSON tool
calls of a random legal tool with plausible arguments (``abort`` is rare so episodes run long);
only the time inside ``env.step`` / ``env.reset`` is counted, not the making of actions.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from agentkit.flight import AIRLINES, AIRPORTS, CABINS, FlightBookingEnv, format_action

GOAL_STEPS_PER_S = 20_000
GOAL_RESET_MS = 1.0


def random_action(obs: dict[str, Any], rng: random.Random) -> str:
    """A random legal tool with plausible (sometimes refused) arguments."""
    legal = [n for n in obs["legal_tools"] if n != "abort"] or obs["legal_tools"]
    if rng.random() < 0.01:
        legal = obs["legal_tools"]
    name = rng.choice(legal)
    task = obs["task"]
    args: dict[str, Any] = {}
    if name == "search_flights":
        if rng.random() < 0.8:
            args = {
                "origin": task["origin"],
                "destination": task["destination"],
                "date": task["date"],
            }
        else:
            origin, destination = rng.sample(AIRPORTS, 2)
            args = {
                "origin": origin,
                "destination": destination,
                "date": f"2024-05-{rng.randint(16, 31)}",
            }
        args["max_stops"] = rng.randint(0, 1)
    elif name == "filter_results":
        key = rng.choice(["max_price", "max_stops", "depart_after", "airline"])
        value = {
            "max_price": rng.randint(100, 900),
            "max_stops": rng.randint(0, 1),
            "depart_after": f"{rng.randint(5, 20):02d}:00",
            "airline": rng.choice(AIRLINES),
        }[key]
        args = {key: value}
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
        args = {"reason": "benchmark"}
    return format_action(name, args)


def bench_steps(total: int, seed: int = 0) -> tuple[float, float, int]:
    """Steps per second inside ``env.step``, by wall clock and by CPU time; episodes played.

    CPU time (``time.process_time``) is what one core delivers even when other processes compete
    for the machine; wall-clock time is what a caller waits.
    """
    env = FlightBookingEnv()
    rng = random.Random(seed)
    wall, cpu = time.perf_counter, time.process_time
    spent_wall = spent_cpu = 0.0
    episodes = 0
    obs, _ = env.reset(seed=seed, options={"difficulty": "hard"})
    for i in range(total):
        action = random_action(obs, rng)
        start_wall, start_cpu = wall(), cpu()
        obs, _, terminated, truncated, _ = env.step(action)
        spent_cpu += cpu() - start_cpu
        spent_wall += wall() - start_wall
        if terminated or truncated:
            episodes += 1
            difficulty = ("easy", "medium", "hard")[i % 3]
            obs, _ = env.reset(seed=seed + i, options={"difficulty": difficulty})
    return total / spent_wall, total / spent_cpu, episodes


def bench_resets(count: int) -> dict[str, tuple[float, float]]:
    """Milliseconds per ``reset`` (wall clock, CPU time), by kind of reset."""
    env = FlightBookingEnv()
    kinds: dict[str, list[dict[str, Any]]] = {
        "seeded task (easy/medium/hard)": [{"difficulty": d} for d in ("easy", "medium", "hard")],
        "shipped task (task_id)": [
            {"task_id": f"{d}-{i:03d}"} for d in ("easy", "hard") for i in range(3)
        ],
    }
    results = {}
    for kind, options in kinds.items():
        env.reset(seed=0, options=options[0])  # warm caches (fixture files are read once)
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        for i in range(count):
            env.reset(seed=i, options=options[i % len(options)])
        results[kind] = (
            (time.perf_counter() - start_wall) / count * 1000,
            (time.process_time() - start_cpu) / count * 1000,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--resets", type=int, default=3_000)
    args = parser.parse_args()

    wall_rate, cpu_rate, episodes = bench_steps(args.steps)
    verdict = "ok" if min(wall_rate, cpu_rate) >= GOAL_STEPS_PER_S else "BELOW GOAL"
    print(
        f"step:  {wall_rate:,.0f} steps/s wall clock, {cpu_rate:,.0f} steps/s CPU time, over "
        f"{args.steps:,} random legal actions ({episodes:,} episodes; "
        f"goal >= {GOAL_STEPS_PER_S:,}) {verdict}"
    )
    for kind, (wall_ms, cpu_ms) in bench_resets(args.resets).items():
        verdict = "ok" if max(wall_ms, cpu_ms) < GOAL_RESET_MS else "ABOVE GOAL"
        print(
            f"reset: {wall_ms:.3f} ms wall clock, {cpu_ms:.3f} ms CPU time per reset, {kind} "
            f"(goal < {GOAL_RESET_MS} ms) {verdict}"
        )


if __name__ == "__main__":
    main()
