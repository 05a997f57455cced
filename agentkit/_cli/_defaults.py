"""Values that ``--help`` shows, owned by modules too heavy to import for ``--help``.

``agentkit._record`` and ``agentkit._matrix`` load the agents, the environments and the model
layer; a command imports them when it runs. tests/cli/test_startup_defaults.py keeps these equal
to the originals.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["RECORDED_DIR", "SCHEDULE_NAMES"]

RECORDED_DIR = Path("cassettes") / "recorded"
"""``agentkit._record.RECORDED_DIR``: where ``agentkit record`` writes."""
SCHEDULE_NAMES = ("first-call", "every-2nd", "every-call")
"""The keys of ``agentkit._matrix.SCHEDULES``: when a fault fires in the fault matrix."""
