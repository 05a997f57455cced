"""Skills: tool sequences that booked successfully, kept with how reliable they proved.

A skill is abstract — tool names only, no arguments — so it transfers across tasks. Skills are
learned only from successful trajectories; a failed trajectory that followed a known skill lowers
its reliability and adds nothing.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentkit._errors import UsageError

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
        if self.path is not None and self.path.exists():
            self._load(self.path)

    @property
    def skills(self) -> tuple[Skill, ...]:
        """All skills, most reliable first (ties by sequence, for a stable order)."""
        return tuple(sorted(self._skills.values(), key=lambda s: (-s.reliability, s.tools)))

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
        if len(self._skills) > self.max_skills:
            weakest = self.skills[-1]
            del self._skills[weakest.tools]
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
        """Write the skills atomically (a temporary file in the same folder, then a rename)."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise UsageError("SkillLibrary.save() needs a path: none was given at construction")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = _SkillFile(version=SKILLS_FORMAT_VERSION, skills=list(self.skills))
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(data.model_dump_json(indent=2) + "\n")
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _load(self, path: Path) -> None:
        try:
            raw = json.loads(path.read_text())
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
        self._skills = {skill.tools: skill for skill in parsed.skills}
