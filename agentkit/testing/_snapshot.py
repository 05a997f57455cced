"""A syrupy extension for trajectories and prompts: readable JSON, volatile values masked,
credentials redacted with the cassettes' rules (``agentkit._redaction``).

>>> def test_trajectory(agentkit_snapshot, trajectory):
...     assert trajectory == agentkit_snapshot
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from syrupy.extensions.json import JSONSnapshotExtension

from agentkit._redaction import default_redactor

__all__ = ["VOLATILE_KEYS", "TrajectorySnapshotExtension", "mask_volatile"]

VOLATILE_KEYS = frozenset({"latency_ms", "created", "id", "system_fingerprint"})
"""Keys whose values change from run to run (timings, provider ids and timestamps); masked."""
_MASK = "<masked>"


def mask_volatile(value: Any) -> Any:
    """``value`` as plain JSON data, with volatile values replaced by a placeholder and
    credentials redacted (a snapshot is committed like a cassette).

    ``id`` is masked only where it is a provider's response id (``chatcmpl-...``, ``msg_...``):
    tool-call ids and flight ids are facts a snapshot should keep.
    """
    return default_redactor().value(_masked(value))


def _masked(value: Any) -> Any:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        masked = {}
        for key, item in value.items():
            if key in VOLATILE_KEYS and _is_volatile(key, item):
                masked[key] = _MASK
            else:
                masked[key] = _masked(item)
        return masked
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


def _is_volatile(key: str, item: Any) -> bool:
    if key != "id":
        return True
    return isinstance(item, str) and item.startswith(("chatcmpl-", "msg_"))


class TrajectorySnapshotExtension(JSONSnapshotExtension):
    """Stores pydantic models (``Trajectory``, ``Message`` lists, ...) as indented JSON with
    volatile values masked; the file diffs cleanly in review."""

    def serialize(self, data: Any, **kwargs: Any) -> Any:
        return super().serialize(mask_volatile(data), **kwargs)
