"""Constrained vs unconstrained decisions of Gemma 3 270M, replayed from cassettes/recorded.

Per agent class and strategy: the share of decisions the model made (tool call, text or
repair), the legal-action rate, booking success, mean regret and the fallbacks by class. The
unconstrained episodes were recorded with llama-cpp-python's ChatML function-calling prompts;
the constrained ones with Gemma 3's own turn format and the schema of the legal actions.
Goal: at least 80% of the constrained decisions from the model, 100% of actions legal.

    python benchmarks/constrained.py
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from pathlib import Path

from agentkit._record import (
    AGENT_CLASSES,
    STRATEGY_NAMES,
    RecordingProfile,
    play_recorded_episode,
    recorded_cassette,
    replay_agent,
)
from agentkit._run import decision_classes
from agentkit.agents import Trajectory
from agentkit.flight import is_legal
from agentkit.replay import use_cassette

ROOT = Path(__file__).resolve().parents[1]


async def _replay(
    directory: Path, agent_class: str, strategy: str, constrained: bool
) -> Trajectory:
    profile = RecordingProfile(constrained=constrained)
    path = recorded_cassette(directory, agent_class, strategy, constrained=constrained)
    async with use_cassette(path, mode="none"):
        return await play_recorded_episode(replay_agent(profile, agent_class, strategy), profile)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cassettes", type=Path, default=ROOT / "cassettes" / "recorded")
    args = parser.parse_args()
    print(
        f"{'agent':30} {'strategy':12} {'mode':13} {'steps':>5} {'model':>7} {'legal':>7} "
        f"{'booked':>6} {'regret':>7}  fallbacks by class"
    )
    totals: dict[bool, Counter[str]] = {False: Counter(), True: Counter()}
    for agent_class in AGENT_CLASSES:
        for strategy in STRATEGY_NAMES:
            for constrained in (False, True):
                trajectory = asyncio.run(
                    _replay(args.cassettes, agent_class, strategy, constrained)
                )
                classes = decision_classes(trajectory)
                steps = len(trajectory.steps)
                legal = sum(is_legal(s.observation, s.action) for s in trajectory.steps)
                model = classes.count("model")
                regret = trajectory.final_info.get("regret")
                fallbacks = ", ".join(
                    f"{k} {v}" for k, v in sorted(Counter(classes).items()) if k != "model"
                )
                total = totals[constrained]
                total.update(
                    steps=steps,
                    model=model,
                    legal=legal,
                    booked=int(trajectory.success),
                    episodes=1,
                )
                print(
                    f"{agent_class:30} {strategy:12} {'constrained' if constrained else 'unconstrained':13} "
                    f"{steps:5} {model / max(1, steps):7.1%} {legal / max(1, steps):7.1%} "
                    f"{'yes' if trajectory.success else 'no':>6} "
                    f"{'-' if regret is None or not trajectory.success else f'${regret}':>7}  {fallbacks or '-'}"
                )
    print()
    for constrained, total in totals.items():
        label = "constrained" if constrained else "unconstrained"
        print(
            f"{label:13}: {total['episodes']} episodes, {total['steps']} decisions, model decided "
            f"{total['model'] / max(1, total['steps']):.1%}, legal {total['legal'] / max(1, total['steps']):.1%}, "
            f"booked {total['booked']} of {total['episodes']}"
        )
    constrained = totals[True]
    model_rate = constrained["model"] / max(1, constrained["steps"])
    legal_rate = constrained["legal"] / max(1, constrained["steps"])
    passed = model_rate >= 0.8 and legal_rate == 1.0
    print(f"goal: constrained model share >= 80% and 100% legal: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
