"""Fault injection: the FAULTS.md catalogue as deterministic plans, applied at the HTTP transport.

>>> from agentkit.faults import FaultPlan, FaultInjectingTransport
>>> plan = FaultPlan.single("read_timeout", calls=[2])
"""

from agentkit.faults._catalog import CATALOGUE, FaultInfo, FaultKind, FaultLayer
from agentkit.faults._plan import PLAN_VERSION, Fault, FaultPlan, FaultRule, When, load_plan
from agentkit.faults._transport import FaultInjectingTransport, InjectedFault, VirtualClock

__all__ = [
    "CATALOGUE",
    "PLAN_VERSION",
    "Fault",
    "FaultInfo",
    "FaultInjectingTransport",
    "FaultKind",
    "FaultLayer",
    "FaultPlan",
    "FaultRule",
    "InjectedFault",
    "VirtualClock",
    "When",
    "load_plan",
]
