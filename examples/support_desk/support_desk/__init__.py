"""A customer-support desk for agentkit agents: refunds, address changes and cancellations.

>>> from support_desk import DESK, SupportDeskEnv
>>> env = SupportDeskEnv()
>>> obs, _ = env.reset(seed=3)
>>> DESK.is_legal(obs, DESK.fallback_action(obs, BALANCED))
True
"""

from support_desk.domain import (
    BALANCED,
    DESK,
    TRIAGE,
    DeskDomain,
    DeskParams,
    rule_based_action,
    triage_policy,
)
from support_desk.env import SYNTAX, DeskObservation, SupportDeskEnv
from support_desk.tickets import Order, Resolution, Ticket, correct_resolution, draw_ticket
from support_desk.tools import REFUND_WINDOW_DAYS, TOOLS, allowed_tools

__all__ = [
    "BALANCED",
    "DESK",
    "REFUND_WINDOW_DAYS",
    "SYNTAX",
    "TOOLS",
    "TRIAGE",
    "DeskDomain",
    "DeskObservation",
    "DeskParams",
    "Order",
    "Resolution",
    "SupportDeskEnv",
    "Ticket",
    "allowed_tools",
    "correct_resolution",
    "draw_ticket",
    "rule_based_action",
    "triage_policy",
]
