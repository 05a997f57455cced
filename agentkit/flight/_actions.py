"""Reading and writing flight actions: :class:`agentkit.actions.ActionSyntax` over the ten tools.

1. JSON tool call: ``{"name": "select_flight", "arguments": {"flight_id": "F012", "cabin": "economy"}}``
   (``arguments`` may also be a JSON-encoded string, as OpenAI sends it, or omitted).
2. Function style: ``select_flight(flight_id="F012", cabin="economy")``.
3. A bare tool name: ``proceed_to_payment``.

Tool names match exactly, never by substring: ``confirm`` is an unknown tool, not ``confirm_payment``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from pydantic import BaseModel, ValidationError

from agentkit.actions import MAX_ACTION_CHARS, ActionError, ActionSyntax, ParsedAction
from agentkit.flight._tools import ARG_MODELS, TOOL_NAMES

__all__ = [
    "FLIGHT_SYNTAX",
    "MAX_ACTION_CHARS",
    "ActionError",
    "ParsedAction",
    "ToolCall",
    "format_action",
    "parse_action",
    "read_action",
    "read_call",
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


_TOOLS: Final = frozenset(TOOL_NAMES)
_JSON_KEYS: Final = frozenset({"name", "arguments"})
# json.loads runs Python around its C scanner (whitespace regexes, a decode method); raw_decode
# reads a value that starts at the first character in a third of the time.
_JSON_DECODER: Final = json.JSONDecoder()


def _read_json(text: str) -> Any:
    """``json.loads(text)`` for a ``text`` that starts with its value (no BOM, no whitespace)."""
    value, end = _JSON_DECODER.raw_decode(text)
    # Anything after the value (whitespace, or extra data it refuses) is json.loads's to judge.
    return value if end == len(text) else json.loads(text)


def read_action(text: object) -> tuple[str, dict[str, Any]] | str:
    """``(name, arguments)`` of an action :func:`parse_action` reads, else its error message.

    What the environment reads on every step. The common case, a JSON call whose arguments are
    an object (or absent), is read without building a :class:`ParsedAction`; anything else goes
    through :func:`parse_action`, so results and messages are the same as its own.

    >>> read_action('{"name": "enter_card", "arguments": {"payment_id": "gift_card_1"}}')
    ('enter_card', {'payment_id': 'gift_card_1'})
    >>> read_action("confirm").startswith("unknown tool 'confirm'")
    True
    """
    # A string that json.loads accepts differs from its strip() only by JSON whitespace, so
    # parse_action would read the very same object from it.
    if type(text) is str and text[:1] == "{" and len(text) <= MAX_ACTION_CHARS:
        try:
            data = _read_json(text)
        except (ValueError, RecursionError):
            data = None
        if type(data) is dict and data.keys() <= _JSON_KEYS:
            name, arguments = data.get("name"), data.get("arguments")
            if arguments is None:
                arguments = {}
            if type(name) is str and name in _TOOLS and type(arguments) is dict:
                return name, arguments
    parsed = FLIGHT_SYNTAX.parse(text)
    if isinstance(parsed, ActionError):
        return parsed.message
    return parsed.name, parsed.arguments


class ToolCall(NamedTuple):
    """A call of a known tool, its arguments validated against the tool's argument model."""

    name: str
    """The tool called."""
    arguments: BaseModel | None
    """The validated (frozen) arguments; ``None`` when they are invalid."""
    problem: str | None
    """Why the arguments are invalid, naming the fields and the tool's signature; else ``None``."""


def _signature(name: str) -> str:
    fields = ARG_MODELS[name].model_fields
    return f"{name}({', '.join(p if f.is_required() else p + '?' for p, f in fields.items())})"


_SIGNATURES: Final = {name: _signature(name) for name in TOOL_NAMES}


def _describe(name: str, exc: ValidationError) -> str:
    problems = []
    for e in exc.errors(include_url=False)[:5]:
        where = ".".join(str(part) for part in e["loc"]) or "arguments"
        got = repr(e.get("input"))
        problems.append(f"{where}: {e['msg']} (got {got[:40]})")
    return f"bad arguments for {name}: {'; '.join(problems)}; expected {_SIGNATURES[name]}"


# Each tool's pydantic-core validator, called directly: model_validate is a Python wrapper around
# the same call that was a third of its cost.
_VALIDATORS: Final = {name: model.__pydantic_validator__ for name, model in ARG_MODELS.items()}


def _read_call(text: object) -> ToolCall | str:
    read = read_action(text)
    if isinstance(read, str):
        return read
    name, arguments = read
    try:
        return ToolCall(name, _VALIDATORS[name].validate_python(arguments), None)
    except ValidationError as exc:
        return ToolCall(name, None, _describe(name, exc))


# Agents and policies send the same few action strings over and over (the task's search, a
# select, restart), and reading one is a function of its text alone: remembered, a repeat costs a
# dict lookup instead of JSON parsing and validation. What is kept is immutable (strings, tuples,
# frozen models) and bounded in number and size: about 900 bytes an entry for typical calls, so
# some 7 MB when full. Random play over the ten tools repeats a long tail of calls; 8192 entries
# keep most of it, where 4096 missed twice as often.
_MEMO_ENTRIES: Final = 8192
_MEMO_CHARS: Final = 1024
_read_call_memo = functools.lru_cache(maxsize=_MEMO_ENTRIES)(_read_call)


def read_call(text: object) -> ToolCall | str:
    """The tool call an action string makes, arguments validated, or why it cannot be read.

    Whether the tool is legal in the current state is the episode's to check, before
    ``problem``: an illegal tool is refused as such whatever its arguments.

    >>> read_call("restart")
    ToolCall(name='restart', arguments=RestartArgs(), problem=None)
    >>> read_call('select_flight(flight_id="F012")').problem[:46]
    'bad arguments for select_flight: cabin: Field '
    """
    if type(text) is str and len(text) <= _MEMO_CHARS:
        return _read_call_memo(text)
    return _read_call(text)


def format_action(name: str, arguments: Mapping[str, Any] | None = None) -> str:
    """Write the canonical action string: a JSON tool call with sorted argument keys.

    >>> format_action("select_flight", {"flight_id": "F012", "cabin": "economy"})
    '{"name": "select_flight", "arguments": {"cabin": "economy", "flight_id": "F012"}}'
    """
    return FLIGHT_SYNTAX.format(name, arguments)
