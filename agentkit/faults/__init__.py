"""Fault injection: the fault catalogue as deterministic plans, applied at the HTTP transport.

Every kind, what it does on the wire and how the agents answer it: docs/faults.md (rendered from
``CATALOGUE`` by ``catalogue_markdown()``), or ``agentkit faults list``.

>>> from agentkit.faults import FaultPlan, FaultInjectingTransport
>>> plan = FaultPlan.single("read_timeout", calls=[2])
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agentkit.faults._catalog import CATALOGUE, FaultHandler, FaultInfo, FaultKind, FaultLayer
from agentkit.faults._docs import catalogue_markdown
from agentkit.faults._plan import PLAN_VERSION, Fault, FaultPlan, FaultRule, When, load_plan

if TYPE_CHECKING:
    from agentkit.faults._transport import FaultInjectingTransport, InjectedFault, VirtualClock

__all__ = [
    "CATALOGUE",
    "PLAN_VERSION",
    "Fault",
    "FaultHandler",
    "FaultInfo",
    "FaultInjectingTransport",
    "FaultKind",
    "FaultLayer",
    "FaultPlan",
    "FaultRule",
    "InjectedFault",
    "VirtualClock",
    "When",
    "catalogue_markdown",
    "load_plan",
]

# The transport imports httpx2 (about 40 ms): loaded on first use, so that reading the
# catalogue or a plan (`agentkit faults list`) does not pay for it.
_TRANSPORT = frozenset({"FaultInjectingTransport", "InjectedFault", "VirtualClock"})


def __getattr__(name: str) -> Any:
    if name in _TRANSPORT:
        value = getattr(importlib.import_module("agentkit.faults._transport"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'agentkit.faults' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
