"""The desk's six tools: one pydantic argument model each, and the rules of when each is allowed.

The env and the agent's domain both read these: the schema a model sees, the validation the env
applies and the legality the agent checks cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

REFUND_WINDOW_DAYS: Final = 30
"""Refunds are allowed up to this many days after delivery."""

OrderStatus = Literal["processing", "shipped", "delivered"]
RefundReason = Literal["damaged", "wrong_item", "changed_mind"]
EscalationReason = Literal["outside_refund_window", "not_delivered_yet", "already_shipped", "other"]
State = Literal["new", "order_found", "resolved", "escalated", "closed"]
"""new: the ticket is open, its order not looked up; order_found: the order is shown;
resolved: the order was refunded, changed or cancelled; escalated: a human has the ticket;
closed: the episode is over."""

_ORDER_ID = r"^[A-Z][0-9]{1,3}$"


class _Args(BaseModel):
    # strict: a schema that says string means string; extra keys are a mistake worth reporting.
    model_config = ConfigDict(extra="forbid", strict=True, use_attribute_docstrings=True)


class LookupOrderArgs(_Args):
    """Look up the ticket's order: its status, delivery, total and shipping address."""

    order_id: str = Field(pattern=_ORDER_ID)
    """The order's id, e.g. A17."""


class RefundOrderArgs(_Args):
    """Refund a delivered order in full (only within the refund window)."""

    order_id: str = Field(pattern=_ORDER_ID)
    """The order to refund."""
    reason: RefundReason
    """Why the customer wants the refund."""


class ChangeAddressArgs(_Args):
    """Change the shipping address of an order that has not shipped yet."""

    order_id: str = Field(pattern=_ORDER_ID)
    """The order to change."""
    address: str = Field(min_length=5, max_length=200)
    """The new shipping address, as the customer wrote it."""


class CancelOrderArgs(_Args):
    """Cancel an order that has not shipped yet."""

    order_id: str = Field(pattern=_ORDER_ID)
    """The order to cancel."""


class EscalateArgs(_Args):
    """Hand the ticket to a human colleague when policy does not let you resolve it."""

    reason: EscalationReason = "other"
    """Why you could not resolve it yourself (the colleague's queue is sorted by it)."""


class CloseTicketArgs(_Args):
    """Close the ticket and end the conversation."""


TOOLS: Final[dict[str, type[BaseModel]]] = {
    "lookup_order": LookupOrderArgs,
    "refund_order": RefundOrderArgs,
    "change_address": ChangeAddressArgs,
    "cancel_order": CancelOrderArgs,
    "escalate": EscalateArgs,
    "close_ticket": CloseTicketArgs,
}
"""Every tool and its argument model, in the order prompts list them."""


def refundable(order: object, window_days: int = REFUND_WINDOW_DAYS) -> bool:
    """Whether ``order`` was delivered no more than ``window_days`` ago."""
    if not isinstance(order, Mapping) or order.get("status") != "delivered":
        return False
    days = order.get("delivered_days_ago")
    return isinstance(days, int) and not isinstance(days, bool) and 0 <= days <= window_days


def not_shipped(order: object) -> bool:
    """Whether ``order`` can still be changed or cancelled."""
    return isinstance(order, Mapping) and order.get("status") == "processing"


def allowed_tools(state: object, order: object, window_days: int = REFUND_WINDOW_DAYS) -> list[str]:
    """The tools allowed in ``state`` for the order shown (``[]`` for a closed or unknown state).

    >>> allowed_tools("order_found", {"status": "delivered", "delivered_days_ago": 3})
    ['refund_order', 'escalate', 'close_ticket']
    """
    if state == "new":
        return ["lookup_order", "close_ticket"]
    if state == "order_found":
        allowed = {"escalate", "close_ticket"}
        if refundable(order, window_days):
            allowed.add("refund_order")
        if not_shipped(order):
            allowed |= {"change_address", "cancel_order"}
        return [tool for tool in TOOLS if tool in allowed]
    if state in ("resolved", "escalated"):
        return ["close_ticket"]
    return []


def order_problem(order_id: str, ticket_order: Any) -> str | None:
    """Why ``order_id`` cannot be acted on in a ticket about ``ticket_order``; None if it can."""
    if order_id != ticket_order:
        return f"order {order_id} is not on this ticket; the ticket is about order {ticket_order}"
    return None
