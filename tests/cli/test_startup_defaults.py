"""The values ``--help`` shows without importing the heavy modules equal the originals there."""

from __future__ import annotations

from agentkit import _matrix, _record
from agentkit._cli import _defaults


def test_the_recorded_directory_is_the_recorders() -> None:
    """``agentkit record --out-dir`` and ``faults matrix --cassette-dir`` default to it."""
    assert _defaults.RECORDED_DIR == _record.RECORDED_DIR


def test_the_schedule_names_are_the_matrixs() -> None:
    """``faults matrix --help`` lists exactly the schedules the matrix knows, in its order."""
    assert tuple(_matrix.SCHEDULES) == _defaults.SCHEDULE_NAMES
