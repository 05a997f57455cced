"""Shipped task sets: versioned data, regenerable by the script, at least 50 per difficulty."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from agentkit import UsageError
from agentkit.envs import TASK_FORMAT_VERSION, Task, load_tasks
from agentkit.envs._gen_tasks import main, render_task_set
from agentkit.envs._generate import generate_task
from agentkit.envs._tasks import default_tasks_dir

DIFFICULTIES = ("easy", "medium", "hard")


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_shipped_sets_are_what_the_script_writes(difficulty: str) -> None:
    """The fixture file is byte-identical to the deterministic generator's output."""
    path = default_tasks_dir() / f"{difficulty}.json"
    assert path.read_text(encoding="utf-8") == render_task_set(difficulty), (
        "fixtures/tasks drifted from the generator: rerun `python -m agentkit.envs._gen_tasks` "
        "(this changes the shipped tasks, so scores on old and new sets are not comparable)"
    )


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_sets_load_with_unique_ids(difficulty: str) -> None:
    """Each set loads, holds at least 50 tasks of its difficulty, with ids <difficulty>-NNN."""
    tasks = load_tasks(difficulty)
    assert len(tasks) >= 50
    assert [t.id for t in tasks] == [f"{difficulty}-{i:03d}" for i in range(len(tasks))]
    assert {t.difficulty for t in tasks} == {difficulty}


def test_generated_tasks_validate_as_task_models() -> None:
    """The dicts the env generates at reset are valid Task models (the fixtures' schema)."""
    for seed in range(100):
        for difficulty in DIFFICULTIES:
            Task.model_validate(generate_task(np.random.default_rng(seed), difficulty))


def test_difficulties_differ_in_the_way_they_should() -> None:
    """Hard tasks have more passengers, constraints and coupons than easy ones."""
    easy, hard = load_tasks("easy"), load_tasks("hard")
    assert {len(t.passengers) for t in easy} == {1}
    assert min(len(t.passengers) for t in hard) >= 2
    constraints = [sum(v is not None for v in t.constraints.model_dump().values()) for t in hard]
    assert min(constraints) >= 2
    assert {len(t.coupons) for t in hard} == {3}


def test_check_mode_reports_a_stale_file(tmp_path: Path) -> None:
    """`_gen_tasks --check` exits 1 on a differing file and 0 once regenerated."""
    assert main(["--out", str(tmp_path), "--count", "2"]) == 0
    assert main(["--out", str(tmp_path), "--count", "2", "--check"]) == 0
    (tmp_path / "easy.json").write_text("{}", encoding="utf-8")
    assert main(["--out", str(tmp_path), "--count", "2", "--check"]) == 1


def test_a_wrong_format_version_says_how_to_fix_it(tmp_path: Path) -> None:
    """A task set of another format version is refused with the command to regenerate it."""
    data = json.loads((default_tasks_dir() / "easy.json").read_text(encoding="utf-8"))
    data["format_version"] = TASK_FORMAT_VERSION + 1
    (tmp_path / "easy.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(UsageError, match=r"python -m agentkit\.envs\._gen_tasks"):
        load_tasks("easy", tmp_path)
    with pytest.raises(UsageError, match="no task set"):
        load_tasks("hard", tmp_path)
    with pytest.raises(UsageError, match="unknown difficulty"):
        load_tasks("expert")
