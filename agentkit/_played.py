"""Which interactions of a cassette the last ``agentkit run`` used: the ``<cassette>.played``
file beside it, which ``agentkit cassettes verify`` and ``prune`` read.

Its own module, light to import, so that the ``agentkit cassettes`` commands need not load the
runner (agents, environments, the model layer).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from agentkit._files import write_atomically

__all__ = ["PlayedRecord", "played_path", "read_played", "write_played"]


class PlayedRecord(BaseModel):
    """Which interactions of a cassette the last run used (for ``agentkit cassettes prune``)."""

    interactions: int
    """How many interactions the cassette held after the run."""
    played: list[int]
    """Positions of the interactions the run replayed or recorded."""


def played_path(cassette: Path) -> Path:
    return cassette.with_name(cassette.name + ".played")


def write_played(cassette: Path, played: list[int], interactions: int) -> None:
    record = PlayedRecord(interactions=interactions, played=sorted(set(played)))
    # A unique temporary name per write: concurrent runs never rename each other's file away.
    write_atomically(played_path(cassette), (record.model_dump_json() + "\n").encode("utf-8"))


def read_played(cassette: Path) -> PlayedRecord | None:
    try:
        text = played_path(cassette).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return PlayedRecord.model_validate_json(text)
