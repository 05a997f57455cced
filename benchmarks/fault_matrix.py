"""The fault matrix: every fault kind injected into the recorded episodes of each agent and
strategy (replayed from cassettes/recorded), with legal-action, booking-success and fallback rates.

Legal-action rate must be 100% in every cell. The baseline rows (kind "none") are the
same episodes replayed without a fault, measured in the same run.

    python benchmarks/fault_matrix.py                      # every kind, schedule every-2nd
    python benchmarks/fault_matrix.py --schedule every-call --schedule first-call
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import defaultdict
from pathlib import Path

from agentkit._matrix import MATRIX_AGENTS, SCHEDULES, MatrixCell, fault_matrix
from agentkit.faults import FaultKind

ROOT = Path(__file__).resolve().parents[1]


def _rate(part: int, whole: int) -> str:
    return f"{part / max(1, whole):6.1%}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cassettes", type=Path, default=ROOT / "cassettes" / "recorded")
    parser.add_argument("--schedule", action="append", choices=sorted(SCHEDULES))
    parser.add_argument("--kind", action="append", choices=[k.value for k in FaultKind])
    args = parser.parse_args()
    schedules = tuple(args.schedule or ["every-2nd"])
    kinds = (None, *(FaultKind(k) for k in args.kind)) if args.kind else (None, *FaultKind)
    started = time.perf_counter()
    cells = asyncio.run(fault_matrix(args.cassettes, kinds=kinds, schedules=schedules))
    seconds = time.perf_counter() - started

    print(
        f"fault matrix over {args.cassettes} ({', '.join(MATRIX_AGENTS)} x 3 strategies), schedules: {', '.join(schedules)}"
    )
    print(
        f"{'agent':30} {'strategy':12} {'fault kind':24} {'eps':>4} {'steps':>5} {'fired':>5} {'legal':>7} "
        f"{'model':>7} {'booked':>7}  fallbacks by class"
    )
    for cell in cells:
        classes = ", ".join(f"{k} {v}" for k, v in cell.fallbacks_by_class.items())
        if not cell.fired:
            classes = "NOT FIRED: " + "; ".join(cell.not_fired)
        print(
            f"{cell.agent:30} {cell.strategy:12} {cell.kind:24} {cell.episodes:4} {cell.steps:5} "
            f"{cell.faults_injected:5} {_rate(cell.legal_actions, cell.steps)} "
            f"{_rate(cell.model_decisions, cell.steps)} {_rate(cell.successes, cell.episodes)}  {classes}"
        )
    by_kind: dict[str, list[MatrixCell]] = defaultdict(list)
    for cell in cells:
        by_kind[cell.kind].append(cell)
    print("\nby fault kind (all agents and strategies):")
    print(f"{'fault kind':24} {'steps':>5} {'fired':>5} {'legal':>7} {'model':>7} {'booked':>7}")
    for kind, group in by_kind.items():
        steps = sum(c.steps for c in group)
        print(
            f"{kind:24} {steps:5} {sum(c.faults_injected for c in group):5} "
            f"{_rate(sum(c.legal_actions for c in group), steps)} "
            f"{_rate(sum(c.model_decisions for c in group), steps)} "
            f"{_rate(sum(c.successes for c in group), sum(c.episodes for c in group))}"
        )
    total_steps = sum(c.steps for c in cells)
    legal = sum(c.legal_actions for c in cells)
    silent = sorted(
        {c.kind for c in cells if c.kind != "none"} - {c.kind for c in cells if c.fired}
    )
    print(
        f"\n{len(cells)} cells, {sum(c.episodes for c in cells)} episodes, {total_steps} steps in {seconds:.1f}s; "
        f"legal-action rate {legal / max(1, total_steps):.2%} (goal 100%): {'PASS' if legal == total_steps else 'FAIL'}; "
        f"model decided {sum(c.model_decisions for c in cells) / max(1, total_steps):.1%}"
    )
    print(f"kinds that never fired: {', '.join(silent) or 'none'}")
    return 0 if legal == total_steps else 1


if __name__ == "__main__":
    sys.exit(main())
