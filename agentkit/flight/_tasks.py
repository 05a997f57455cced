"""Task sets shipped as data: ``fixtures/tasks/{easy,medium,hard}.json``.

Each file is a versioned :class:`TaskSet`. The files are written by ``python -m
agentkit.flight._gen_tasks`` and then kept as they are, so scores on them stay comparable across
versions of the generator.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError

from agentkit._errors import UsageError
from agentkit.flight._models import Difficulty, Task

__all__ = [
    "DIFFICULTIES",
    "TASK_FORMAT_VERSION",
    "TaskSet",
    "default_tasks_dir",
    "find_task",
    "load_tasks",
]

#: The on-disk format version of task sets this code reads.
TASK_FORMAT_VERSION: Final = 1
DIFFICULTIES: Final[tuple[Difficulty, ...]] = ("easy", "medium", "hard")
_REGENERATE: Final = "python -m agentkit.flight._gen_tasks"


class TaskSet(BaseModel):
    """One difficulty's task set, as stored in ``fixtures/tasks/<difficulty>.json``."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    format_version: int
    """The file format version; see :data:`TASK_FORMAT_VERSION`."""
    difficulty: Difficulty
    """The difficulty of every task in the set."""
    generated_by: str
    """The command that wrote the file."""
    tasks: list[Task]
    """The tasks, ids unique within the set."""


def default_tasks_dir() -> Path:
    """The shipped task sets: inside an installed wheel, else ``fixtures/tasks`` of the source tree."""
    package = Path(__file__).resolve().parents[1]
    bundled = package / "_data" / "tasks"
    return bundled if bundled.is_dir() else package.parent / "fixtures" / "tasks"


def _check_difficulty(difficulty: str) -> None:
    if difficulty not in DIFFICULTIES:
        raise UsageError(
            f"unknown difficulty {difficulty!r}; expected one of {', '.join(DIFFICULTIES)}"
        )


@functools.cache
def _load(path: Path) -> tuple[tuple[Task, ...], dict[str, dict[str, Any]]]:
    """Validated tasks, and their dicts by id (the form the environment plays)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"no task set at {path}; pass tasks_dir= pointing at a fixtures/tasks directory, "
            f"or write the sets with `{_REGENERATE}`"
        ) from None
    version = raw.get("format_version") if isinstance(raw, dict) else None
    if version != TASK_FORMAT_VERSION:
        raise UsageError(
            f"task set {path} has format_version {version!r}, this agentkit reads version "
            f"{TASK_FORMAT_VERSION}; regenerate it with `{_REGENERATE}`"
        )
    try:
        task_set = TaskSet.model_validate(raw)
    except ValidationError as exc:
        raise UsageError(f"task set {path} is invalid: {exc}") from None
    ids = [task.id for task in task_set.tasks]
    if len(set(ids)) != len(ids):
        raise UsageError(f"task set {path} repeats task ids; ids must be unique")
    wrong = [task.id for task in task_set.tasks if task.difficulty != task_set.difficulty]
    if wrong:
        raise UsageError(f"tasks {wrong} in {path} are not {task_set.difficulty}")
    return tuple(task_set.tasks), {task.id: task.model_dump() for task in task_set.tasks}


def load_tasks(difficulty: str, directory: Path | str | None = None) -> list[Task]:
    """Load the shipped task set of one difficulty (validated, cached per file).

    >>> [t.id for t in load_tasks("easy")][:2]
    ['easy-000', 'easy-001']
    """
    _check_difficulty(difficulty)
    base = default_tasks_dir() if directory is None else Path(directory)
    return list(_load((base / f"{difficulty}.json").resolve())[0])


def find_task(task_id: str, directory: Path | str | None = None) -> dict[str, Any]:
    """Return the task dict with this id; the id's prefix names its difficulty (``easy-007``)."""
    difficulty = task_id.split("-", 1)[0]
    if difficulty not in DIFFICULTIES:
        raise UsageError(
            f"task id {task_id!r} does not start with a difficulty; expected e.g. 'easy-007'"
        )
    base = default_tasks_dir() if directory is None else Path(directory)
    by_id = _load((base / f"{difficulty}.json").resolve())[1]
    if task_id not in by_id:
        raise UsageError(
            f"no task {task_id!r} in the {difficulty} set ({len(by_id)} tasks, "
            f"e.g. {next(iter(by_id), 'none')!r})"
        )
    return by_id[task_id]
