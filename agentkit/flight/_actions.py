"""Reading and writing flight actions: :class:`agentkit.actions.ActionSyntax` over the ten tools.

1. JSON tool call: ``{"name": "select_flight", "arguments": {"flight_id": "F012", "cabin": "economy"}}``
   (``arguments`` may also be a JSON-encoded string, as OpenAI sends it, or omitted).
2. Function style: ``select_flight(flight_id="F012", cabin="economy")``.
3. A bare tool name: ``proceed_to_payment``.

Tool names match exactly, never by substring: ``confirm`` is an unknown tool, not ``confirm_payment``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from agentkit.actions import MAX_ACTION_CHARS, ActionError, ActionSyntax, ParsedAction
from agentkit.flight._tools import TOOL_NAMES

__all__ = [
    "FLIGHT_SYNTAX",
    "MAX_ACTION_CHARS",
    "ActionError",
    "ParsedAction",
    "format_action",
    "parse_action",
]

#: The syntax of the flight tools; its examples are the ones models have always been shown.
FLIGHT_SYNTAX: Final = ActionSyntax(
    TOOL_NAMES,
    example_call='select_flight(flight_id="F012", cabin="economy")',
    example_bare="proceed_to_payment",
)


def parse_action(text: object) -> ParsedAction | ActionError:
    """Read an action string in any of the three forms; never raises.

    >>> parse_action('select_flight(flight_id="F012", cabin="economy")').arguments
    {'flight_id': 'F012', 'cabin': 'economy'}
    >>> parse_action("confirm").message.startswith("unknown tool 'confirm'")
    True
    """
    return FLIGHT_SYNTAX.parse(text)


def format_action(name: str, arguments: Mapping[str, Any] | None = None) -> str:
    """Write the canonical action string: a JSON tool call with sorted argument keys.

    >>> format_action("select_flight", {"flight_id": "F012", "cabin": "economy"})
    '{"name": "select_flight", "arguments": {"cabin": "economy", "flight_id": "F012"}}'
    """
    return FLIGHT_SYNTAX.format(name, arguments)
