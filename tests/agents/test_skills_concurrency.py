"""Several processes learning into one skill file: every counted episode survives."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from agentkit._errors import UsageError
from agentkit.agents import SkillLibrary


def _learn_in_a_process(path: str, tools: list[str], episodes: int, barrier: Barrier) -> None:
    """Child process: open the library, wait for the other learner, count episodes."""
    library = SkillLibrary(path)
    barrier.wait(timeout=60)
    for episode in range(episodes):
        library.learn(tools, success=episode % 2 == 0)


def _counts(path: Path) -> dict[tuple[str, ...], tuple[int, int]]:
    skills = json.loads(path.read_text())["skills"]
    return {tuple(s["tools"]): (s["uses"], s["successes"]) for s in skills}


def test_two_processes_learning_into_one_file_keep_every_episode(tmp_path: Path) -> None:
    """20 episodes each, on a shared skill and on one of their own: 40 uses of the shared one,
    20 of each own one, successes likewise."""
    path = tmp_path / "skills.json"
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(4)
    jobs = [
        (["search", "book"], 20),
        (["search", "book"], 20),
        (["lookup", "a"], 20),
        (["lookup", "b"], 20),
    ]
    processes = [
        context.Process(target=_learn_in_a_process, args=(str(path), tools, episodes, barrier))
        for tools, episodes in jobs
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    assert _counts(path) == {
        ("search", "book"): (40, 20),
        ("lookup", "a"): (20, 10),
        ("lookup", "b"): (20, 10),
    }


def test_same_skill_learned_by_two_libraries_adds_their_counts(tmp_path: Path) -> None:
    """The conflict rule: each save adds what that library counted since it last read or wrote
    the file; a skill only the file has is kept, and the saver adopts the merged skills."""
    path = tmp_path / "skills.json"
    SkillLibrary(path).learn(["a"], success=True)  # the file starts with a: 1 use
    first, second = SkillLibrary(path), SkillLibrary(path)
    first.learn(["a"], success=True)
    second.learn(["a"], success=False)
    second.learn(["b"], success=True)
    first.learn(["a"], success=True)
    assert _counts(path) == {("a",): (4, 3), ("b",): (1, 1)}
    assert {s.tools: s.uses for s in first.skills} == {("a",): 4, ("b",): 1}


def test_saving_to_another_file_adds_to_it_and_leaves_the_library(tmp_path: Path) -> None:
    """save(other) adds this library's counts to the other file's, once per episode."""
    other = tmp_path / "other.json"
    SkillLibrary(other).learn(["a"], success=True)
    library = SkillLibrary()
    library.learn(["a"], success=True)
    library.save(other)
    library.save(other)  # nothing new counted since: nothing added
    assert _counts(other) == {("a",): (2, 2)}
    assert [(s.tools, s.uses) for s in library.skills] == [(("a",), 1)]


def test_the_merged_file_keeps_the_most_reliable_max_skills(tmp_path: Path) -> None:
    """Two learners' skills together are cut to max_skills, the least reliable dropped."""
    path = tmp_path / "skills.json"
    first, second = SkillLibrary(path, max_skills=2), SkillLibrary(path, max_skills=2)
    first.learn(["strong"], success=True)
    first.learn(["strong"], success=True)
    second.learn(["weak"], success=True)
    second.learn(["weak"], success=False)
    second.learn(["middle"], success=True)
    assert set(_counts(path)) == {("strong",), ("middle",)}


def test_a_file_made_invalid_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    """If the file is no longer a skill library when a learner saves, the save refuses with a
    UsageError naming it and leaves it as it is."""
    path = tmp_path / "skills.json"
    library = SkillLibrary(path)
    path.write_text("{broken")
    with pytest.raises(UsageError, match="is not valid JSON"):
        library.learn(["a"], success=True)
    assert path.read_text() == "{broken"


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_the_skill_file_gets_the_mode_the_umask_gives(tmp_path: Path, mask: int, mode: int) -> None:
    """A new skill file gets 0o666 less the umask; no temporary or lock file is left."""
    saved = os.umask(mask)
    try:
        SkillLibrary(tmp_path / "skills.json").learn(["a"], success=True)
    finally:
        os.umask(saved)
    assert stat.S_IMODE((tmp_path / "skills.json").stat().st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["skills.json"]


def test_an_interrupted_save_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KeyboardInterrupt mid-write removes the temporary file; the old file stays whole."""
    path = tmp_path / "skills.json"
    library = SkillLibrary(path)
    library.learn(["a"], success=True)
    before = path.read_text()

    def interrupt(descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("agentkit._files.os.fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        library.learn(["b"], success=True)
    assert [p.name for p in tmp_path.iterdir()] == ["skills.json"]
    assert path.read_text() == before
