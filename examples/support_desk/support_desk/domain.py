"""The desk as an agent sees it: a ``ToolDomain`` of the six tools, its rule-based fallback and
its strategies.

>>> from support_desk import SupportDeskEnv
>>> obs, _ = SupportDeskEnv().reset(seed=3, options={"wants": "refund"})
>>> DESK.legal_tools(obs)
['lookup_order', 'close_ticket']
>>> DESK.fallback_action(obs, BALANCED)
'{"name": "lookup_order", "arguments": {"order_id": "G9"}}'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from agentkit.agents import Strategy, ToolDomain, clip_json, register_strategy
from pydantic import BaseModel, ConfigDict

from support_desk.env import SYNTAX
from support_desk.tools import (
    REFUND_WINDOW_DAYS,
    TOOLS,
    allowed_tools,
    not_shipped,
    order_problem,
    refundable,
)

__all__ = [
    "BALANCED",
    "DESK",
    "TRIAGE",
    "DeskDomain",
    "DeskParams",
    "rule_based_action",
    "triage_policy",
]

_TASK = (
    "You are a customer-support agent for an online shop. You handle one ticket at a time, one "
    "tool call per turn: look up the order the customer writes about, do what they ask if the "
    "shop's policy allows it, otherwise escalate to a colleague, then close the ticket."
)


class DeskParams(BaseModel):
    """What a strategy's rule-based fallback may resolve by itself."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    escalate_refunds_over: float | None = None
    """Refunds of orders above this total go to a colleague even when policy allows them;
    None: refund whatever policy allows."""


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class DeskDomain(ToolDomain):
    """The six desk tools, legality from the ticket's state, a compact prompt rendering, and
    a fallback that resolves what policy allows and escalates the rest."""

    def __init__(self) -> None:
        super().__init__(name="support_desk", task=_TASK, tools=TOOLS, syntax=SYNTAX)

    def legal_tools(self, observation: object) -> list[str]:
        """What the desk's rules allow in the observation's state; nothing when the observation
        lists no tool (a closed or cut-short episode). Whenever anything is allowed,
        ``close_ticket`` is."""
        if not isinstance(observation, Mapping) or observation.get("legal_tools") == []:
            return []
        window = observation.get("refund_window_days")
        if not isinstance(window, int) or isinstance(window, bool):
            window = REFUND_WINDOW_DAYS
        return allowed_tools(observation.get("state"), observation.get("order"), window)

    def check_call(
        self,
        observation: object,
        name: str,
        arguments: object,
        *,
        legal: Sequence[str] | None = None,
    ) -> tuple[str | None, str | None]:
        """The generic checks, then one of the desk's: the order must be the ticket's."""
        action, problem = super().check_call(observation, name, arguments, legal=legal)
        ticket_order = _mapping(_mapping(observation).get("task")).get("order_id")
        if action is not None and isinstance(ticket_order, str):
            given = _mapping(arguments).get("order_id")
            if isinstance(given, str):
                problem = order_problem(given, ticket_order)
                if problem:
                    return None, problem
        return action, problem

    def render_observation(self, observation: object) -> str:
        """A few lines for a well-formed observation, canonical JSON for anything else; long
        values cut either way, so a hostile observation cannot flood the prompt."""
        clipped = clip_json(observation)
        if isinstance(clipped, Mapping):
            try:
                return _render_lines(clipped)
            except (KeyError, TypeError, ValueError, AttributeError):
                pass
        return json.dumps(clipped, sort_keys=True, default=repr)

    def offered_values(self, observation: object) -> dict[str, list[str]]:
        """The ticket's order id and, for an address change, the customer's new address."""
        ticket = _mapping(_mapping(observation).get("task"))
        offered = {}
        for argument, key in (("order_id", "order_id"), ("address", "new_address")):
            value = ticket.get(key)
            if isinstance(value, str) and value:
                offered[argument] = [value]
        return offered

    def fallback_action(self, observation: object, strategy: Strategy) -> str:
        params = strategy.params if isinstance(strategy.params, DeskParams) else DeskParams()
        return rule_based_action(observation, params)


DESK: Final = DeskDomain()
"""The desk domain, as agents use it."""


def _call(observation: object, tool: str, arguments: dict[str, Any]) -> str | None:
    """The canonical action if it is legal and valid here, else None."""
    action, _ = DESK.check_call(observation, tool, arguments)
    return action


def _resolving_call(
    ticket: Mapping[str, Any], order: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    wants, order_id = ticket.get("wants"), order.get("id")
    if wants == "refund":
        return "refund_order", {"order_id": order_id, "reason": ticket.get("reason")}
    if wants == "change_address":
        return "change_address", {"order_id": order_id, "address": ticket.get("new_address")}
    return "cancel_order", {"order_id": order_id}


def _escalation(ticket: Mapping[str, Any], order: Mapping[str, Any]) -> str:
    """Escalate, saying why policy stood in the way ("other": a strategy chose not to resolve)."""
    reason = "other"
    if ticket.get("wants") == "refund" and not refundable(order):
        delivered = order.get("status") == "delivered"
        reason = "outside_refund_window" if delivered else "not_delivered_yet"
    elif ticket.get("wants") in ("change_address", "cancel") and not not_shipped(order):
        reason = "already_shipped"
    return SYNTAX.format("escalate", {"reason": reason})


def rule_based_action(observation: object, params: DeskParams | None = None) -> str:
    """The next action by the desk's rules: look up, resolve what policy allows (and ``params``
    do not hold back), else escalate; then close. Legal whenever any action is; never raises.
    """
    action = _by_the_rules(_mapping(observation), params or DeskParams())
    # Whenever anything is legal, closing is: the answer to an observation the rules cannot read.
    return action if DESK.is_legal(observation, action) else SYNTAX.format("close_ticket")


def _by_the_rules(obs: Mapping[str, Any], params: DeskParams) -> str:
    ticket, order = _mapping(obs.get("task")), _mapping(obs.get("order"))
    state = obs.get("state")
    if state == "new":
        lookup = _call(obs, "lookup_order", {"order_id": ticket.get("order_id")})
        return lookup or SYNTAX.format("close_ticket")
    if state == "order_found":
        tool, arguments = _resolving_call(ticket, order)
        total = order.get("total")
        held_back = (
            tool == "refund_order"
            and params.escalate_refunds_over is not None
            and (not isinstance(total, int | float) or total > params.escalate_refunds_over)
        )
        resolved = None if held_back else _call(obs, tool, arguments)
        return resolved or _escalation(ticket, order)
    return SYNTAX.format("close_ticket")


def triage_policy(observation: Mapping[str, Any]) -> str:
    """A first-line desk: look the order up, hand every ticket to a colleague, close."""
    if observation.get("state") == "order_found":
        return _escalation(_mapping(observation.get("task")), _mapping(observation.get("order")))
    return rule_based_action(observation)


BALANCED: Final = register_strategy(
    Strategy(
        name="balanced",
        prompt=(
            "Strategy: balanced. Resolve what policy allows yourself: refund delivered orders "
            "within the refund window, change the address of or cancel orders not shipped yet. "
            "Escalate anything else. Close the ticket once it is resolved or escalated."
        ),
        params=DeskParams(),
    ),
    domain="support_desk",
)
TRIAGE: Final = register_strategy(
    Strategy(
        name="triage",
        prompt=(
            "Strategy: triage. Look up the order, then escalate the ticket to a colleague, "
            "and close it. Never refund, change or cancel an order yourself."
        ),
        policy=triage_policy,
    ),
    domain="support_desk",
)


def _money(value: Any) -> str:
    return f"${float(value):.2f}"


def _render_lines(obs: Mapping[str, Any]) -> str:
    ticket = obs["task"]
    category = ticket["wants"]
    if ticket.get("reason"):
        category += f" (reason: {ticket['reason']})"
    if ticket.get("new_address"):
        category += f" (to: {ticket['new_address']})"
    lines = [
        f"ticket {ticket['id']} from {ticket['customer']}: {json.dumps(str(ticket['request']))}",
        f"  category: {category}, order {ticket['order_id']}",
        f"state: {obs['state']} (step {obs['step']} of {obs['max_steps']})",
    ]
    if obs.get("error"):
        lines.append(f"last action failed: {obs['error']}")
    elif obs.get("message"):
        lines.append(f"last action: {obs['message']}")
    order = obs.get("order")
    if order is None:
        lines.append("order: not looked up yet")
    else:
        status = order["status"]
        if status == "delivered":
            status += f" {order['delivered_days_ago']} days ago"
        lines.append(
            f"order {order['id']}: {order['item']}, {_money(order['total'])}, {status}, "
            f"ships to {order['ship_to']}"
        )
    lines.append(
        f"policy: refunds up to {int(obs['refund_window_days'])} days after delivery; address "
        "changes and cancellations only before the order ships"
    )
    return "\n".join(lines)
