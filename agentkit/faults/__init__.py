"""Fault injection: the fault catalogue as deterministic plans, applied at the HTTP transport.

Every kind, what it does on the wire and how the agents answer it: docs/faults.md (rendered from
``CATALOGUE`` by ``catalogue_markdown()``), or ``agentkit faults list``.

>>> from agentkit.faults import FaultPlan, FaultInjectingTransport
>>> plan = FaultPlan.single("read_timeout", calls=[2])
"""

from agentkit.faults._catalog import CATALOGUE, FaultHandler, FaultInfo, FaultKind, FaultLayer
from agentkit.faults._docs import catalogue_markdown
from agentkit.faults._plan import PLAN_VERSION, Fault, FaultPlan, FaultRule, When, load_plan
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
