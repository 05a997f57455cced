"""The fault catalogue: every fault kind agentkit injects, and how its agents answer it.

The rows are plain data in ``_table.py`` (what ``agentkit faults list`` prints without pydantic);
here they become validated ``FaultInfo`` models. ``docs/faults.md`` is rendered from ``CATALOGUE``
(``catalogue_markdown()``), so the three cannot drift.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from agentkit.faults._table import (
    CATALOGUE_ROWS,
    HANDLERS,
    LAYERS,
    FallbackClassName,
    FaultHandler,
    FaultKind,
    FaultLayer,
)

__all__ = [
    "CATALOGUE",
    "HANDLERS",
    "LAYERS",
    "FallbackClassName",
    "FaultHandler",
    "FaultInfo",
    "FaultKind",
    "FaultLayer",
]


class FaultInfo(BaseModel):
    """What a fault kind is, where it acts, what a robust agent does about it, and what
    agentkit's tool-calling agent does (with the fault's default parameters).

    >>> CATALOGUE[FaultKind.READ_TIMEOUT].handled_by
    'retry'
    """

    model_config = ConfigDict(frozen=True)

    row: int | None
    """Its number in the catalogue (docs/faults.md); kinds sharing one are variants of a fault.
    None for the network shapes."""
    layer: FaultLayer
    """Where it acts."""
    summary: str
    """What it injects."""
    sdk_gives: str
    """What the SDK then raises or returns."""
    agent_does: str
    """What a robust agent does about it."""
    handled_by: FaultHandler
    """What answers it on a plain (``chat()``) call."""
    stream_handled_by: FaultHandler
    """What answers it on a streamed call (``stream=True``)."""
    fallback_class: FallbackClassName | None
    """The ``DecisionRecord.fallback_class`` when the fault persists; None if it never leads to a
    fallback."""


CATALOGUE: dict[FaultKind, FaultInfo] = {
    kind: FaultInfo(**row._asdict()) for kind, row in CATALOGUE_ROWS.items()
}
"""Every fault kind's ``FaultInfo``, in catalogue order."""
