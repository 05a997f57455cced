"""``SupportDeskEnv``: one customer ticket per episode, handled one tool call at a time."""

from __future__ import annotations

import string
from typing import Any, SupportsFloat

import gymnasium as gym
from agentkit.actions import ActionError, ActionSyntax
from pydantic import BaseModel, ConfigDict, ValidationError

from support_desk.tickets import (
    Order,
    Resolution,
    Ticket,
    Wants,
    correct_resolution,
    draw_ticket,
    same_address,
)
from support_desk.tools import REFUND_WINDOW_DAYS, TOOLS, State, allowed_tools, order_problem

SYNTAX = ActionSyntax(
    TOOLS, example_call='lookup_order(order_id="A17")', example_bare="close_ticket"
)
"""How the desk reads action strings (JSON tool calls, ``name(key=value)``, bare names)."""


class DeskObservation(BaseModel):
    """What the agent sees after every step (the env hands it out as a plain dict)."""

    model_config = ConfigDict(extra="forbid", strict=True, use_attribute_docstrings=True)

    task: Ticket
    """The ticket."""
    state: State
    """Where the ticket is."""
    order: Order | None
    """The order, once looked up."""
    refund_window_days: int
    """Refunds are allowed up to this many days after delivery."""
    legal_tools: list[str]
    """The tools allowed now."""
    step: int
    """Steps taken so far."""
    max_steps: int
    """The episode is cut short after this many steps."""
    error: str | None
    """Why the last action failed; None if it worked."""
    message: str | None
    """What the last action did."""


class DeskObservationSpace(gym.spaces.Space[dict[str, Any]]):
    """Dicts that :class:`DeskObservation` accepts."""

    def __init__(self) -> None:
        super().__init__(shape=None, dtype=None)

    @property
    def is_np_flattened(self) -> bool:
        return False

    def contains(self, x: Any) -> bool:
        try:
            DeskObservation.model_validate(x)
        except ValidationError:
            return False
        return True


class SupportDeskEnv(gym.Env[dict[str, Any], str]):
    """A support desk: look the order up, resolve what policy allows, escalate the rest, close.

    >>> env = SupportDeskEnv()
    >>> obs, info = env.reset(seed=3, options={"wants": "refund"})
    >>> obs["state"], obs["legal_tools"]
    ('new', ['lookup_order', 'close_ticket'])

    **Actions** are strings, read by :data:`SYNTAX`. An unreadable action, a tool not allowed
    now, bad arguments or another order's id leave the ticket as it was and set ``error``.

    **Reward**: 1.0 when the ticket is closed after the correct resolution (the refund with the
    customer's reason, the address change to the customer's address, the cancellation, or an
    escalation when policy allows none of these), else 0.0. Closing ends the episode
    (``terminated``); ``max_steps`` steps cut it short (``truncated``).

    **reset** ``options``: ``{"wants": "refund" | "change_address" | "cancel"}`` fixes the kind
    of request; everything else is drawn from the seed.
    """

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012

    def __init__(
        self, *, max_steps: int = 10, refund_window_days: int = REFUND_WINDOW_DAYS
    ) -> None:
        if max_steps < 1:
            raise ValueError(f"max_steps must be at least 1, got {max_steps}")
        self.max_steps = max_steps
        self.refund_window_days = refund_window_days
        self.observation_space = DeskObservationSpace()
        self.action_space = gym.spaces.Text(max_length=2048, min_length=0, charset=string.printable)
        self._drawn: tuple[Ticket, Order] | None = None
        self._state: State = "new"
        self._shown = False
        self._step = 0
        self._done: Resolution | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        super().reset(seed=seed)
        options = dict(options or {})
        wants: Wants | None = options.pop("wants", None)
        if options:
            raise ValueError(f"unknown reset options {sorted(options)}; the env takes only 'wants'")
        if wants not in (None, "refund", "change_address", "cancel"):
            raise ValueError(f"wants={wants!r}; expected refund, change_address or cancel")
        self._drawn = draw_ticket(self.np_random, wants)
        self._state, self._shown, self._step, self._done = "new", False, 0, None
        ticket, _ = self._drawn
        return self._observe(None, f"new ticket {ticket.id} from {ticket.customer}"), self._info()

    def step(self, action: str) -> tuple[dict[str, Any], SupportsFloat, bool, bool, dict[str, Any]]:
        ticket, order = self._case
        if self._over:
            self._step += 1
            over = "the episode is over; call reset() for a new ticket"
            closed = self._state == "closed"
            return self._observe(over, None), 0.0, closed, not closed, self._info()
        error, message = self._run(action)
        self._step += 1
        terminated = self._state == "closed"
        truncated = not terminated and self._step >= self.max_steps
        correct = self._done == correct_resolution(ticket, order)
        reward = 1.0 if terminated and correct else 0.0
        return self._observe(error, message), reward, terminated, truncated, self._info()

    @property
    def _over(self) -> bool:
        return self._state == "closed" or self._step >= self.max_steps

    @property
    def _case(self) -> tuple[Ticket, Order]:
        if self._drawn is None:
            raise RuntimeError("step() was called before reset(); call env.reset(seed=...) first")
        return self._drawn

    # -- the tools ----------------------------------------------------------------------------

    def _run(self, action: str) -> tuple[str | None, str | None]:
        """``(error, None)`` if the action failed, else ``(None, what it did)``."""
        parsed = SYNTAX.parse(action)
        if isinstance(parsed, ActionError):
            return parsed.message, None
        legal = self._legal()
        if parsed.name not in legal:
            allowed = ", ".join(legal)
            return (
                f"{parsed.name} is not allowed now (state {self._state}); allowed: {allowed}",
                None,
            )
        try:
            args = TOOLS[parsed.name].model_validate(parsed.arguments).model_dump()
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}"
                for e in exc.errors(include_url=False)
            )
            return f"invalid arguments for {parsed.name}: {problems}", None
        ticket, order = self._case
        problem = order_problem(args["order_id"], ticket.order_id) if "order_id" in args else None
        if problem:
            return problem, None
        return None, self._execute(parsed.name, args, order)

    def _execute(self, tool: str, args: dict[str, Any], order: Order) -> str:
        """Run a legal, valid call; what it did."""
        match tool:
            case "lookup_order":
                self._state, self._shown = "order_found", True
                return f"order {order.id} found: {order.status}"
            case "refund_order":
                self._resolve("resolved", Resolution(tool=tool, details=(args["reason"],)))
                return f"refunded ${order.total:.2f} for order {order.id}"
            case "change_address":
                address = same_address(args["address"])
                self._resolve("resolved", Resolution(tool=tool, details=(address,)))
                return f"order {order.id} will ship to {args['address']}"
            case "cancel_order":
                self._resolve("resolved", Resolution(tool=tool))
                return f"order {order.id} cancelled"
            case "escalate":
                self._resolve("escalated", Resolution(tool=tool))
                return "a colleague has the ticket now"
            case _:  # close_ticket
                self._state = "closed"
                return "ticket closed"

    def _resolve(self, state: State, resolution: Resolution) -> None:
        self._state, self._done = state, resolution

    # -- what the agent sees --------------------------------------------------------------------

    def _legal(self) -> list[str]:
        _, order = self._case
        return allowed_tools(
            self._state, order.model_dump() if self._shown else None, self.refund_window_days
        )

    def _observe(self, error: str | None, message: str | None) -> dict[str, Any]:
        ticket, order = self._case
        return {
            "task": ticket.model_dump(),
            "state": self._state,
            "order": order.model_dump() if self._shown else None,
            "refund_window_days": self.refund_window_days,
            "legal_tools": [] if self._over else self._legal(),
            "step": self._step,
            "max_steps": self.max_steps,
            "error": error,
            "message": message,
        }

    def _info(self) -> dict[str, Any]:
        ticket, order = self._case
        return {
            "task_id": ticket.id,
            "expected": correct_resolution(ticket, order).model_dump(),
            "resolution": None if self._done is None else self._done.model_dump(),
        }
