"""Throughput of ``FlightBookingEnv`` against Gymnasium's ``CartPole-v1``, and reset time.

    python benchmarks/env_step.py            # 200,000 steps of each env, 3,000 resets per kind
    python benchmarks/env_step.py --quick    # 30,000 steps, 500 resets
    python benchmarks/env_step.py --check    # exit 1 if a goal fails

Both envs come from ``gymnasium.make`` (so both pay its wrappers) and take random actions: CartPole
a random push, the flight env a canonical JSON tool call of a random legal tool with plausible
(sometimes refused) arguments, ``abort`` rare so episodes run long. Only the time inside
``env.step`` is counted, never the making of actions or the resets between episodes. The two envs
run in alternating rounds, so drift on a busy machine hits both; each env's figure is its median
round, and the goal is a ratio of the two from the same run: the flight env at least half as many
steps per second as CartPole. Resets are timed one by one; the goal is a median under 1 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import gymnasium as gym

from agentkit.flight import AIRLINES, AIRPORTS, CABINS, ENV_ID, format_action

GOAL_RATIO = 0.5
GOAL_RESET_MS = 1.0
BASELINE_ID = "CartPole-v1"


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


Episode = tuple[int, dict[str, Any] | None, list[Any]]  # (reset seed, reset options, actions)


def flight_script(steps: int, seed: int) -> list[Episode]:
    """Play the flight env with random legal actions (untimed) and keep what was played."""
    env, rng = gym.make(ENV_ID), random.Random(seed)
    script: list[Episode] = []
    while sum(len(actions) for _, _, actions in script) < steps:
        reset_seed = seed + len(script)
        options = {"difficulty": ("hard", "easy", "medium")[len(script) % 3]}
        obs, _ = env.reset(seed=reset_seed, options=options)
        actions: list[Any] = []
        done = False
        while not done:
            actions.append(random_action(obs, rng))
            obs, _, terminated, truncated, _ = env.step(actions[-1])
            done = terminated or truncated
        script.append((reset_seed, options, actions))
    return script


def cartpole_script(steps: int, seed: int) -> list[Episode]:
    """Play ``CartPole-v1`` with random pushes (untimed) and keep what was played."""
    env, rng = gym.make(BASELINE_ID), random.Random(seed)
    script: list[Episode] = []
    while sum(len(actions) for _, _, actions in script) < steps:
        reset_seed = seed + len(script)
        env.reset(seed=reset_seed)
        actions: list[Any] = []
        done = False
        while not done:
            actions.append(rng.randrange(2))
            _, _, terminated, truncated, _ = env.step(actions[-1])
            done = terminated or truncated
        script.append((reset_seed, None, actions))
    return script


def replay(env: gym.Env[Any, Any], script: list[Episode]) -> tuple[float, float, int]:
    """Wall-clock and CPU seconds inside ``env.step`` replaying ``script``; steps replayed.

    Resets are not timed. Both envs are deterministic, so a replay plays exactly the recorded
    episodes; each must end on its last action, or the figures would describe something else.
    """
    wall, cpu = time.perf_counter, time.process_time
    spent_wall = spent_cpu = 0.0
    steps = 0
    for reset_seed, options, actions in script:
        env.reset(seed=reset_seed, options=options)
        step = env.step
        start_wall, start_cpu = wall(), cpu()
        for action in actions:
            _, _, terminated, truncated, _ = step(action)
        spent_cpu += cpu() - start_cpu
        spent_wall += wall() - start_wall
        if not (terminated or truncated):
            raise SystemExit(f"replay diverged: episode with seed {reset_seed} did not end")
        steps += len(actions)
    return spent_wall, spent_cpu, steps


def record_scripts(total: int, seed: int) -> dict[str, list[Episode]]:
    return {"flight": flight_script(total, seed), "cartpole": cartpole_script(total, seed)}


def bench_steps(total: int, rounds: int, seed: int = 0) -> dict[str, Any]:
    """Steps per second of each env over alternating rounds, by wall clock and CPU time."""
    # Recorded in another process, so that nothing the env remembers of an action string it read
    # (its parse memo) makes the timed replay cheaper than playing live.
    with ProcessPoolExecutor(max_workers=1) as pool:
        scripts = pool.submit(record_scripts, total, seed).result()
        warm_up = pool.submit(record_scripts, 2_000, seed + 1_000_000).result()
    envs = {"flight": gym.make(ENV_ID), "cartpole": gym.make(BASELINE_ID)}
    for name, env in envs.items():  # first-call checks of the wrappers, imports, fixtures
        replay(env, warm_up[name])
    rates: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in envs}
    steps = dict.fromkeys(envs, 0)
    for i in range(rounds):
        for name, env in envs.items():
            wall, cpu, n = replay(env, scripts[name][i::rounds])
            rates[name]["wall"].append(n / wall)
            rates[name]["cpu"].append(n / cpu)
            steps[name] += n
    return {
        "rates": {
            name: {clock: statistics.median(r) for clock, r in by_clock.items()}
            for name, by_clock in rates.items()
        },
        "ratios": {
            clock: [
                f / c for f, c in zip(rates["flight"][clock], rates["cartpole"][clock], strict=True)
            ]
            for clock in ("wall", "cpu")
        },
        "steps": steps,
        "episodes": {name: len(script) for name, script in scripts.items()},
    }


def bench_resets(count: int) -> dict[str, list[float]]:
    """Milliseconds of each ``reset``, by kind of reset."""
    env = gym.make(ENV_ID)
    kinds: dict[str, list[dict[str, Any]]] = {
        "seeded task (easy/medium/hard)": [{"difficulty": d} for d in ("easy", "medium", "hard")],
        "shipped task (task_id)": [
            {"task_id": f"{d}-{i:03d}"} for d in ("easy", "medium", "hard") for i in range(3)
        ],
    }
    clock = time.perf_counter
    results: dict[str, list[float]] = {}
    for kind, options in kinds.items():
        for o in options:  # warm up: fixture files are read and validated once per process
            env.reset(seed=0, options=o)
        times = []
        for i in range(count):
            start = clock()
            env.reset(seed=i, options=options[i % len(options)])
            times.append((clock() - start) * 1000)
        results[kind] = times
    return results


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def load_average() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--steps", type=int, default=None, help="steps of each env (200,000)")
    parser.add_argument("--resets", type=int, default=None, help="resets per kind (3,000)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (5)")
    parser.add_argument("--quick", action="store_true", help="30,000 steps and 500 resets")
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal fails")
    args = parser.parse_args()
    steps = args.steps or (30_000 if args.quick else 200_000)
    resets = args.resets or (500 if args.quick else 3_000)

    print(f"load average at start: {load_average()}")
    s = bench_steps(steps, args.rounds)
    flight, cartpole = s["rates"]["flight"], s["rates"]["cartpole"]
    print(
        f"step:  {ENV_ID} {flight['wall']:,.0f} steps/s wall clock, {flight['cpu']:,.0f} CPU time "
        f"({s['steps']['flight']:,} steps, {s['episodes']['flight']:,} episodes)"
    )
    print(
        f"       {BASELINE_ID} {cartpole['wall']:,.0f} steps/s wall clock, "
        f"{cartpole['cpu']:,.0f} CPU time ({s['steps']['cartpole']:,} steps, "
        f"{s['episodes']['cartpole']:,} episodes)"
    )
    ratios = {clock: flight[clock] / cartpole[clock] for clock in ("wall", "cpu")}
    ratio_ok = min(ratios.values()) >= GOAL_RATIO
    spread = "; ".join(
        f"{clock} " + ", ".join(f"{r:.2f}" for r in s["ratios"][clock]) for clock in ("wall", "cpu")
    )
    print(
        f"ratio: {ratios['wall']:.2f}x CartPole wall clock, {ratios['cpu']:.2f}x CPU time "
        f"(medians of {args.rounds} alternating rounds; per round: {spread}; "
        f"goal >= {GOAL_RATIO}x on both) {verdict(ratio_ok)}"
    )
    reset_times = bench_resets(resets)
    everything = [ms for times in reset_times.values() for ms in times]
    median = statistics.median(everything)
    reset_ok = median < GOAL_RESET_MS
    kinds = "; ".join(
        f"{kind} {statistics.median(times):.3f} ms" for kind, times in reset_times.items()
    )
    print(
        f"reset: median {median:.3f} ms over {len(everything):,} resets ({kinds}; "
        f"goal < {GOAL_RESET_MS} ms) {verdict(reset_ok)}"
    )
    print(f"load average at end:   {load_average()}")
    return 0 if not args.check or (ratio_ok and reset_ok) else 1


if __name__ == "__main__":
    sys.exit(main())
