"""Write the shipped task sets: ``python -m agentkit.flight._gen_tasks [--out DIR] [--check]``.

Task ``<difficulty>-<i>`` is drawn from ``numpy.random.default_rng([SET_SEED, d, i])`` (``d`` the
difficulty's index), so the files are a pure function of this script and the generator. ``--check``
compares instead of writing and exits 1 when a file differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np

from agentkit.flight._generate import generate_task
from agentkit.flight._models import Task
from agentkit.flight._tasks import DIFFICULTIES, TASK_FORMAT_VERSION, TaskSet, default_tasks_dir

__all__ = ["TASKS_PER_SET", "main", "render_task_set"]

SET_SEED: Final = 20240515
TASKS_PER_SET: Final = 60


def render_task_set(difficulty: str, count: int = TASKS_PER_SET) -> str:
    """The JSON text of one difficulty's task set."""
    d = DIFFICULTIES.index(difficulty)
    tasks = [
        Task.model_validate(
            generate_task(
                np.random.default_rng([SET_SEED, d, i]), difficulty, f"{difficulty}-{i:03d}"
            )
        )
        for i in range(count)
    ]
    task_set = TaskSet(
        format_version=TASK_FORMAT_VERSION,
        difficulty=difficulty,
        generated_by="python -m agentkit.flight._gen_tasks",
        tasks=tasks,
    )
    return _layout(task_set.model_dump(mode="json"))


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _layout(data: dict[str, Any]) -> str:
    """One line per task field and per flight: readable, diffable and a third of ``indent=1``."""
    out = ["{"]
    out += [f"  {_compact(k)}: {_compact(v)}," for k, v in data.items() if k != "tasks"]
    out.append('  "tasks": [')
    for i, task in enumerate(data["tasks"]):
        out.append("    {")
        fields = [f"      {_compact(k)}: {_compact(v)}" for k, v in task.items() if k != "flights"]
        flights = ",\n".join(f"        {_compact(f)}" for f in task["flights"])
        fields.append(f'      "flights": [\n{flights}\n      ]')
        out.append(",\n".join(fields))
        out.append("    }" + ("," if i < len(data["tasks"]) - 1 else ""))
    out += ["  ]", "}"]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=default_tasks_dir(), help="output directory")
    parser.add_argument("--count", type=int, default=TASKS_PER_SET, help="tasks per difficulty")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    stale = []
    for difficulty in DIFFICULTIES:
        path = args.out / f"{difficulty}.json"
        text = render_task_set(difficulty, args.count)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {args.count} tasks to {path}")
    for path in stale:
        print(f"{path} differs from the generator's output; rerun without --check", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
