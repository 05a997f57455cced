"""Shipped task sets: versioned data, regenerable by the script, at least 50 per difficulty."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from agentkit import UsageError
from agentkit.flight import TASK_FORMAT_VERSION, Task, _generate, load_tasks
from agentkit.flight._gen_tasks import main, render_task_set
from agentkit.flight._generate import generate_task
from agentkit.flight._tasks import default_tasks_dir

DIFFICULTIES = ("easy", "medium", "hard")


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_shipped_sets_are_what_the_script_writes(difficulty: str) -> None:
    """The fixture file is byte-identical to the deterministic generator's output."""
    path = default_tasks_dir() / f"{difficulty}.json"
    assert path.read_text(encoding="utf-8") == render_task_set(difficulty), (
        "fixtures/tasks drifted from the generator: rerun `python -m agentkit.flight._gen_tasks` "
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
    with pytest.raises(UsageError, match=r"python -m agentkit\.flight\._gen_tasks"):
        load_tasks("easy", tmp_path)
    with pytest.raises(UsageError, match="no task set"):
        load_tasks("hard", tmp_path)
    with pytest.raises(UsageError, match="unknown difficulty"):
        load_tasks("expert")


# Recorded model traffic on easy tasks is replayed byte for byte: the easy set and seeded easy tasks
# must never change. These digests were taken before tasks could leave insurance open.
EASY_SET_SHA256 = "4eeaa6c5696dfa41a5f249959d0ae7b70850b93d19593181074a4bc696510a4c"
EASY_SEEDED_SHA256 = "75244e454c7a49316caef92c21137788ecb78ae67d526f48683e2631f84837cd"


def test_easy_tasks_never_change() -> None:
    """The shipped easy set and the easy tasks of seeds 0..199 are byte-identical to before."""
    shipped = (default_tasks_dir() / "easy.json").read_bytes()
    assert hashlib.sha256(shipped).hexdigest() == EASY_SET_SHA256
    digest = hashlib.sha256()
    for seed in range(200):
        task = generate_task(np.random.default_rng(seed), "easy")
        digest.update(json.dumps(task, sort_keys=True).encode())
    assert digest.hexdigest() == EASY_SEEDED_SHA256


@pytest.mark.parametrize("difficulty", ["medium", "hard"])
def test_about_a_third_of_medium_and_hard_tasks_leave_insurance_open(difficulty: str) -> None:
    """Shipped and seeded medium and hard tasks leave insurance open about one time in three, and
    their instruction says so; easy tasks never do."""
    shipped = load_tasks(difficulty)
    optional = [t for t in shipped if t.insurance is None]
    assert 0.25 <= len(optional) / len(shipped) <= 0.42
    for task in shipped:
        said = "travel insurance optional (the traveller's choice)" in task.instruction
        assert said is (task.insurance is None), task.id
    seeded = [generate_task(np.random.default_rng(seed), difficulty) for seed in range(300)]
    assert 0.28 <= sum(t["insurance"] is None for t in seeded) / len(seeded) <= 0.39
    assert all(t.insurance is not None for t in load_tasks("easy"))


@pytest.mark.parametrize("difficulty", ["medium", "hard"])
def test_open_insurance_shifts_no_other_draw(
    difficulty: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generated with no task leaving insurance open, every task is the same but for insurance and
    its words in the instruction: the choice takes nothing from the task's random stream."""
    with_open = [generate_task(np.random.default_rng(seed), difficulty) for seed in range(100)]
    profile = _generate._PROFILES[difficulty]
    monkeypatch.setitem(
        _generate._PROFILES, difficulty, dataclasses.replace(profile, insurance_optional=0.0)
    )
    without = [generate_task(np.random.default_rng(seed), difficulty) for seed in range(100)]
    opened = 0
    for new, old in zip(with_open, without, strict=True):
        assert isinstance(old["insurance"], bool)
        if new["insurance"] is None:
            opened += 1
            words = "with" if old["insurance"] else "without"
            wanted = old["instruction"].replace(
                f"{words} travel insurance.", "travel insurance optional (the traveller's choice)."
            )
            assert new["instruction"] == wanted
            new = {**new, "insurance": old["insurance"], "instruction": old["instruction"]}
        assert new == old
    assert opened > 20
