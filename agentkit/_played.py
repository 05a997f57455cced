"""Which interactions of a cassette the last ``agentkit run`` used: the ``<cassette>.played``
file beside it, which ``agentkit cassettes verify`` and ``prune`` read.
Its own module, light to import, so that the ``agentkit cassettes`` commands need not load the
runner (agents, environments, the model layer); and read without pydantic, which would cost a
remembered ``verify`` (agentkit/_cli/_cache.py) most of its start-up time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from agentkit._files import write_atomically

__all__ = ["PlayedRecord", "played_path", "read_played", "write_played"]


class PlayedRecord(NamedTuple):
    """Which interactions of a cassette the last run used (for ``agentkit cassettes prune``)."""

    interactions: int
    """How many interactions the cassette held after the run."""
    played: list[int]
    """Positions of the interactions the run replayed or recorded."""


_SHAPE = '{"interactions": <count>, "played": [<position>, ...]}'


def played_path(cassette: Path) -> Path:
    return cassette.with_name(cassette.name + ".played")


def write_played(cassette: Path, played: list[int], interactions: int) -> None:
    record = {"interactions": interactions, "played": sorted(set(played))}
    # A unique temporary name per write: concurrent runs never rename each other's file away.
    text = json.dumps(record, separators=(",", ":")) + "\n"
    write_atomically(played_path(cassette), text.encode("utf-8"))


def read_played(cassette: Path) -> PlayedRecord | None:
    """The record beside ``cassette``; None when there is none. Raises ``ValueError`` (naming
    what is wrong) for a file that is not UTF-8, not JSON, or not a record's shape."""
    try:
        text = played_path(cassette).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    data = json.loads(text)
    if not isinstance(data, dict) or set(data) != {"interactions", "played"}:
        raise ValueError(f"expected {_SHAPE}")
    count, played = data["interactions"], data["played"]
    if not _is_count(count) or not isinstance(played, list) or not all(map(_is_count, played)):
        raise ValueError(f"expected {_SHAPE} with counts and positions >= 0")
    return PlayedRecord(interactions=count, played=played)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
