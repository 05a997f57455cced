"""Fault injection: the fault catalogue as deterministic plans, applied at the HTTP transport.

Every kind, what it does on the wire and how the agents answer it: docs/faults.md (rendered from
``CATALOGUE`` by ``catalogue_markdown()``), or ``agentkit faults list`` (which prints
``CATALOGUE_ROWS``, the same rows as plain tuples, without loading pydantic).

>>> from agentkit.faults import FaultPlan, FaultInjectingTransport
>>> plan = FaultPlan.single("read_timeout", calls=[2])
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agentkit.faults._table import (
    CATALOGUE_ROWS,
    FaultHandler,
    FaultKind,
    FaultLayer,
    FaultRow,
    handling_text,
)

if TYPE_CHECKING:
    from agentkit.faults._catalog import CATALOGUE, FaultInfo
    from agentkit.faults._docs import catalogue_markdown
    from agentkit.faults._plan import PLAN_VERSION, Fault, FaultPlan, FaultRule, When, load_plan
    from agentkit.faults._transport import FaultInjectingTransport, InjectedFault, VirtualClock

__all__ = [
    "CATALOGUE",
    "CATALOGUE_ROWS",
    "PLAN_VERSION",
    "Fault",
    "FaultHandler",
    "FaultInfo",
    "FaultInjectingTransport",
    "FaultKind",
    "FaultLayer",
    "FaultPlan",
    "FaultRow",
    "FaultRule",
    "InjectedFault",
    "VirtualClock",
    "When",
    "catalogue_markdown",
    "handling_text",
    "load_plan",
]

# Loaded on first use: pydantic builds the catalogue's and the plans' models on import (about
# 90 ms), and the transport imports httpx2 (about 40 ms). `agentkit faults list` prints the plain
# rows of _table.py and pays for neither.
_LAZY = {
    "CATALOGUE": "_catalog",
    "FaultInfo": "_catalog",
    "catalogue_markdown": "_docs",
    "PLAN_VERSION": "_plan",
    "Fault": "_plan",
    "FaultPlan": "_plan",
    "FaultRule": "_plan",
    "When": "_plan",
    "load_plan": "_plan",
    "FaultInjectingTransport": "_transport",
    "InjectedFault": "_transport",
    "VirtualClock": "_transport",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agentkit.faults' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"agentkit.faults.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
