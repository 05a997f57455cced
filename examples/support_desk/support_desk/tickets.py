"""Tickets: what a customer asks for, the order it is about, and what a correct answer does.

Everything is drawn from a numpy ``Generator``, so a seed gives the same ticket on any machine.
"""

from __future__ import annotations

from typing import Final, Literal, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from support_desk.tools import (
    REFUND_WINDOW_DAYS,
    OrderStatus,
    RefundReason,
    not_shipped,
    refundable,
)

Wants = Literal["refund", "change_address", "cancel"]
T = TypeVar("T")

_CUSTOMERS: Final = ("Dana Ruiz", "Sam Okafor", "Mei Lin", "Jonas Berg", "Priya Nair", "Leo Martin")
_ADDRESSES: Final = (
    "12 Elm St, Springfield",
    "4 Harbour Rd, Portsmouth",
    "77 Via Roma, Turin",
    "9 Birch Ave, Toronto",
    "310 King St, Leeds",
)
_ITEMS: Final = (
    ("desk lamp", 34.0),
    ("wireless mouse", 25.5),
    ("coffee grinder", 89.0),
    ("rain jacket", 120.0),
    ("yoga mat", 29.99),
    ("headphones", 149.0),
)
_WANTS: Final[tuple[Wants, ...]] = ("refund", "change_address", "cancel")
_REASONS: Final[tuple[RefundReason, ...]] = ("damaged", "wrong_item", "changed_mind")
_REQUESTS: Final = {
    "damaged": "Hi, my {item} (order {order}) arrived damaged. I'd like a refund, please.",
    "wrong_item": "Order {order} is not what I ordered: no {item} in the box. Please refund me.",
    "changed_mind": "I changed my mind about the {item} from order {order}. Can I get a refund?",
    "change_address": "Please send order {order} to {address} instead, I have moved.",
    "cancel": "Please cancel order {order}, I do not need the {item} any more.",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Ticket(_Frozen):
    """The customer's request, as the agent sees it."""

    id: str
    """The ticket's id, e.g. T-4821."""
    customer: str
    """Who wrote in."""
    request: str
    """What they wrote."""
    order_id: str
    """The order the request is about."""
    wants: Wants
    """The request's category, as the help-desk form records it."""
    reason: RefundReason | None
    """For a refund: why."""
    new_address: str | None
    """For an address change: where to ship instead."""


class Order(_Frozen):
    """An order, as ``lookup_order`` shows it."""

    id: str
    """Its id."""
    item: str
    """What was bought."""
    total: float
    """What was paid, in dollars."""
    status: OrderStatus
    """processing (not shipped yet), shipped, or delivered."""
    delivered_days_ago: int | None
    """For a delivered order: how long ago."""
    ship_to: str
    """The shipping address."""


class Resolution(_Frozen):
    """What an agent did about a ticket: the tool that resolved it and the arguments that count."""

    tool: Literal["refund_order", "change_address", "cancel_order", "escalate"]
    """The resolving tool."""
    details: tuple[str, ...] = ()
    """The arguments a correct resolution must get right (the reason, the address)."""


def _pick(rng: np.random.Generator, options: tuple[T, ...]) -> T:
    return options[int(rng.integers(len(options)))]


def draw_ticket(rng: np.random.Generator, wants: Wants | None = None) -> tuple[Ticket, Order]:
    """A ticket and its order; ``wants`` fixes the request's category (default: drawn)."""
    wanted: Wants = wants if wants is not None else _pick(rng, _WANTS)
    order_id = f"{'ABCDEFGH'[int(rng.integers(8))]}{int(rng.integers(1, 100))}"
    item, price = _pick(rng, _ITEMS)
    customer = _pick(rng, _CUSTOMERS)
    ship_to, new_address = (str(a) for a in rng.choice(_ADDRESSES, size=2, replace=False))
    status: OrderStatus
    if wanted == "refund":
        status = "shipped" if rng.random() < 0.2 else "delivered"
    else:
        status = "processing" if rng.random() < 0.65 else "shipped"
    days = int(rng.integers(1, 2 * REFUND_WINDOW_DAYS + 1)) if status == "delivered" else None
    reason = _pick(rng, _REASONS) if wanted == "refund" else None
    template = _REQUESTS[wanted if reason is None else reason]
    ticket = Ticket(
        id=f"T-{int(rng.integers(1000, 10000))}",
        customer=customer,
        request=template.format(item=item, order=order_id, address=new_address),
        order_id=order_id,
        wants=wanted,
        reason=reason,
        new_address=new_address if wanted == "change_address" else None,
    )
    order = Order(
        id=order_id,
        item=item,
        total=price,
        status=status,
        delivered_days_ago=days,
        ship_to=ship_to,
    )
    return ticket, order


def correct_resolution(ticket: Ticket, order: Order) -> Resolution:
    """What the desk's policy says to do: resolve what it allows, escalate the rest."""
    dumped = order.model_dump()
    if ticket.wants == "refund" and refundable(dumped) and ticket.reason is not None:
        return Resolution(tool="refund_order", details=(ticket.reason,))
    if ticket.wants == "change_address" and not_shipped(dumped) and ticket.new_address:
        return Resolution(tool="change_address", details=(same_address(ticket.new_address),))
    if ticket.wants == "cancel" and not_shipped(dumped):
        return Resolution(tool="cancel_order")
    return Resolution(tool="escalate")


def same_address(address: str) -> str:
    """An address compared loosely: case and spacing do not matter."""
    return " ".join(address.casefold().split())
