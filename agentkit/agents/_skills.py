"""Skills: tool sequences that booked successfully, kept with how reliable they proved.

A skill is abstract — tool names only, no arguments — so it transfers across tasks. Skills are
learned only from successful trajectories; a failed trajectory that followed a known skill lowers
its reliability and adds nothing.

Several processes may learn into one file: each save adds what this library counted since it last
read or wrote the file to what the file holds now (see :meth:`SkillLibrary.save`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentkit._errors import UsageError
from agentkit._files import file_lock, remove_leftover_temporaries, write_atomically

__all__ = ["SKILLS_FORMAT_VERSION", "Skill", "SkillLibrary"]

SKILLS_FORMAT_VERSION = 1


class Skill(BaseModel):
    """A tool sequence and its track record."""

    model_config = ConfigDict(frozen=True)

    tools: tuple[str, ...]
    """The tools in the order they were used (failed actions left out)."""
    successes: int = Field(default=0, ge=0)
    """Successful episodes that followed this sequence."""
    uses: int = Field(default=0, ge=0)
    """Episodes that followed this sequence, successful or not."""

    @property
    def reliability(self) -> float:
        """Laplace-smoothed success rate: (successes + 1) / (uses + 2)."""
        return (self.successes + 1) / (self.uses + 2)

    def render(self) -> str:
        return f"{' -> '.join(self.tools)} (reliability {self.reliability:.2f}, {self.uses} uses)"


class _SkillFile(BaseModel):
    version: int
    skills: list[Skill]


class SkillLibrary:
    """Skills learned from trajectories, optionally persisted to a JSON file.

    ``choose`` draws with a seeded RNG, weighted by reliability: the same seed and history give
    the same prompt, which replay depends on.
    """

    def __init__(
        self, path: str | Path | None = None, *, seed: int = 0, max_skills: int = 50
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.seed = seed
        self.max_skills = max_skills
        self._skills: dict[tuple[str, ...], Skill] = {}
        self._rng = random.Random(seed)
        # Per file: this library's skills as of its last read or write of that file, so a save
        # adds only what was counted since (another process may have saved in between).
        self._synced: dict[Path, dict[tuple[str, ...], Skill]] = {}
        if self.path is not None:
            loaded = _read(self.path)
            if loaded is not None:
                self._skills = loaded
            self._synced[self.path] = dict(self._skills)

    @property
    def skills(self) -> tuple[Skill, ...]:
        """All skills, most reliable first (ties by sequence, for a stable order)."""
        return tuple(_ordered(self._skills))

    def reseed(self, seed: int) -> None:
        """Restart the choice RNG (done at each episode reset, so episodes replay alike)."""
        self.seed = seed
        self._rng = random.Random(seed)

    def learn(self, tools: Sequence[str], *, success: bool) -> Skill | None:
        """Count an episode's tool sequence; a success adds it as a skill if it is new.

        Returns the skill that was added or updated, or None.
        """
        key = tuple(tools)
        if not key:
            return None
        known = self._skills.get(key)
        if known is None and not success:
            return None
        base = known or Skill(tools=key)
        updated = base.model_copy(
            update={"uses": base.uses + 1, "successes": base.successes + int(success)}
        )
        self._skills[key] = updated
        self._skills = _strongest(self._skills, self.max_skills)
        if self.path is not None:
            self.save()
        return updated

    def choose(self, k: int = 2) -> list[Skill]:
        """Up to ``k`` distinct skills, drawn by reliability with the seeded RNG."""
        pool = list(self.skills)
        chosen: list[Skill] = []
        while pool and len(chosen) < k:
            pick = self._rng.choices(pool, weights=[s.reliability for s in pool])[0]
            chosen.append(pick)
            pool.remove(pick)
        return chosen

    def save(self, path: str | Path | None = None) -> None:
        """Write the skills atomically, merged with what another process saved meanwhile.

        Under the file's lock, the file is read again and each skill this library counted
        episodes for since it last read or wrote that file gets those episodes added to the
        file's counts (two processes that each count a use of the same skill leave two uses);
        skills only the file has are kept. Then the ``max_skills`` most reliable are written.
        Saving to the library's own path makes the merged skills the library's; saving to
        another path leaves the library as it is.

        Raises:
            UsageError: no path, or the file on disk is not a skill library (it is left as is).
        """
        target = Path(path) if path is not None else self.path
        if target is None:
            raise UsageError("SkillLibrary.save() needs a path: none was given at construction")
        since = self._synced.get(target, {})
        with file_lock(target):
            on_disk = _read(target)
            merged = (
                dict(self._skills)
                if on_disk is None
                else _add_new_counts(on_disk, self._skills, since)
            )
            merged = _strongest(merged, self.max_skills)
            data = _SkillFile(version=SKILLS_FORMAT_VERSION, skills=_ordered(merged))
            remove_leftover_temporaries(target)
            write_atomically(target, (data.model_dump_json(indent=2) + "\n").encode("utf-8"))
        if target == self.path:
            self._skills = merged
        self._synced[target] = dict(self._skills)


def _ordered(skills: Mapping[tuple[str, ...], Skill]) -> list[Skill]:
    """Most reliable first, ties by sequence: a stable order for prompts and files."""
    return sorted(skills.values(), key=lambda s: (-s.reliability, s.tools))


def _strongest(skills: dict[tuple[str, ...], Skill], limit: int) -> dict[tuple[str, ...], Skill]:
    if len(skills) <= limit:
        return skills
    return {skill.tools: skill for skill in _ordered(skills)[:limit]}


def _add_new_counts(
    on_disk: Mapping[tuple[str, ...], Skill],
    ours: Mapping[tuple[str, ...], Skill],
    since: Mapping[tuple[str, ...], Skill],
) -> dict[tuple[str, ...], Skill]:
    """The file's skills plus what ``ours`` counted beyond ``since`` (never a negative count:
    a skill another process dropped or reset gets back only our new episodes)."""
    merged = dict(on_disk)
    for key, skill in ours.items():
        before = since.get(key)
        uses = skill.uses - (before.uses if before else 0)
        successes = skill.successes - (before.successes if before else 0)
        if uses <= 0 and successes <= 0:
            continue
        current = merged.get(key) or Skill(tools=key)
        merged[key] = current.model_copy(
            update={
                "uses": current.uses + max(uses, 0),
                "successes": current.successes + max(successes, 0),
            }
        )
    return merged


def _read(path: Path) -> dict[tuple[str, ...], Skill] | None:
    """The skills in the file at ``path``, or None when there is none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"skill file {path} is not valid JSON ({exc}); fix it or move it aside — "
            "agentkit will not overwrite it"
        ) from None
    version = raw.get("version") if isinstance(raw, dict) else None
    if version != SKILLS_FORMAT_VERSION:
        raise UsageError(
            f"skill file {path} has format version {version!r}, this agentkit reads "
            f"{SKILLS_FORMAT_VERSION}; move it aside to start a new library"
        )
    try:
        parsed = _SkillFile.model_validate(raw)
    except ValidationError as exc:
        raise UsageError(f"skill file {path} is not a valid skill library:\n{exc}") from None
    return {skill.tools: skill for skill in parsed.skills}
