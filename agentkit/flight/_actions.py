"""Reading and writing actions: the three forms an action string may take.

1. JSON tool call: ``{"name": "select_flight", "arguments": {"flight_id": "F012", "cabin": "economy"}}``
   (``arguments`` may also be a JSON-encoded string, as OpenAI sends it, or omitted).
2. Function style: ``select_flight(flight_id="F012", cabin="economy")``, keyword arguments with
   literal values (``true``/``false``/``null`` are accepted next to Python's spellings).
3. A bare tool name: ``proceed_to_payment``.

Tool names match exactly, never by substring: ``confirm`` is an unknown tool, not ``confirm_payment``.
Parsing never raises on a string; anything unreadable yields an :class:`ActionError` whose message
says what was received and what is expected.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from agentkit._errors import UsageError
from agentkit.envs._tools import ARG_MODELS, TOOL_NAMES

__all__ = ["MAX_ACTION_CHARS", "ActionError", "ParsedAction", "format_action", "parse_action"]

_CALL: Final = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)", re.DOTALL)
_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAMED_CONSTANTS: Final[dict[str, Any]] = {
    "true": True, "false": False, "null": None, "True": True, "False": False, "None": None,
}  # fmt: skip
_FORMS: Final = (
    'write a JSON tool call {"name": "<tool>", "arguments": {...}}, a call such as '
    'select_flight(flight_id="F012", cabin="economy"), or a bare tool name such as '
    "proceed_to_payment"
)
_TOOLS: Final = ", ".join(TOOL_NAMES)
#: Longer actions are refused unread: no tool call needs this much, and parsing costs grow.
MAX_ACTION_CHARS: Final = 16_384


class ParsedAction(BaseModel):
    """An action that named a known tool; its arguments are not validated yet."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str
    """One of :data:`TOOL_NAMES`."""
    arguments: dict[str, Any]
    """The arguments as written; the tool's argument model validates them when the env runs it."""
    form: Literal["json", "function", "bare"]
    """Which of the three forms the action used."""


class ActionError(BaseModel):
    """An action string that could not be read as a call of a known tool."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    message: str
    """What was wrong and what is expected instead."""


def _clip(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _unknown(name: str) -> ActionError:
    return ActionError(message=f"unknown tool {name!r}; the tools are: {_TOOLS}")


class _NotLiteral(Exception):
    pass


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, type(None))):
        return node.value  # bool is an int
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(item) for item in node.elts]
    if isinstance(node, ast.Dict):
        keys = [_literal(k) if k is not None else None for k in node.keys]
        if not all(isinstance(k, str) for k in keys):
            raise _NotLiteral("dictionary keys must be strings")
        return {k: _literal(v) for k, v in zip(keys, node.values, strict=True)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _literal(node.operand)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Name) and node.id in _NAMED_CONSTANTS:
        return _NAMED_CONSTANTS[node.id]
    raise _NotLiteral(f"{ast.unparse(node)[:40]!r} is not a literal value")


def _parse_json(text: str) -> ParsedAction | ActionError:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return ActionError(message=f"invalid JSON in action {_clip(text)}: {exc}; {_FORMS}")
    if not isinstance(data, dict):
        return ActionError(message=f"a JSON action must be an object; got {_clip(text)}; {_FORMS}")
    extra = sorted(set(data) - {"name", "arguments"})
    if extra:
        return ActionError(
            message=f"unexpected keys {extra} in JSON action {_clip(text)}; "
            'expected only "name" and "arguments"'
        )
    name = data.get("name")
    if not isinstance(name, str):
        return ActionError(message=f'a JSON action needs a string "name"; got {_clip(text)}')
    if name not in ARG_MODELS:
        return _unknown(name)
    arguments = data.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else None
        except (ValueError, RecursionError) as exc:
            return ActionError(message=f"the arguments string of {name} is not valid JSON: {exc}")
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        return ActionError(
            message=f'"arguments" of {name} must be a JSON object; got {type(arguments).__name__}'
        )
    return ParsedAction(name=name, arguments=arguments, form="json")


def _parse_call(name: str, inner: str, text: str) -> ParsedAction | ActionError:
    if name not in ARG_MODELS:
        return _unknown(name)
    if not inner.strip():
        return ParsedAction(name=name, arguments={}, form="function")
    try:
        tree = ast.parse(f"f({inner})", mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        detail = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
        return ActionError(message=f"cannot read the arguments of {_clip(text)}: {detail}")
    call = tree.body
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "f"):
        return ActionError(message=f"cannot read the arguments of {_clip(text)}; {_FORMS}")
    if call.args or any(kw.arg is None for kw in call.keywords):
        return ActionError(
            message=f"{name} takes keyword arguments only, e.g. "
            'select_flight(flight_id="F012", cabin="economy"); got ' + _clip(text)
        )
    try:
        arguments = {str(kw.arg): _literal(kw.value) for kw in call.keywords}
    except (_NotLiteral, RecursionError) as exc:
        return ActionError(message=f"argument of {name} in {_clip(text)}: {exc}")
    return ParsedAction(name=name, arguments=arguments, form="function")


def parse_action(text: object) -> ParsedAction | ActionError:
    """Read an action string in any of the three forms; never raises.

    >>> parse_action('select_flight(flight_id="F012", cabin="economy")').arguments
    {'flight_id': 'F012', 'cabin': 'economy'}
    >>> parse_action("confirm").message.startswith("unknown tool 'confirm'")
    True
    """
    if not isinstance(text, str):
        return ActionError(message=f"an action must be a str; got {type(text).__name__}")
    if len(text) > MAX_ACTION_CHARS:
        return ActionError(
            message=f"the action is {len(text):,} characters long; at most {MAX_ACTION_CHARS:,}"
        )
    stripped = text.strip()
    if stripped in ARG_MODELS:
        return ParsedAction(name=stripped, arguments={}, form="bare")
    if not stripped:
        return ActionError(message=f"the action is empty; {_FORMS}")
    if stripped[0] == "{":
        return _parse_json(stripped)
    match = _CALL.fullmatch(stripped)
    if match:
        return _parse_call(match[1], match[2], stripped)
    if _IDENTIFIER.fullmatch(stripped):
        return _unknown(stripped)
    return ActionError(message=f"cannot read action {_clip(stripped)}; {_FORMS}")


def format_action(name: str, arguments: Mapping[str, Any] | None = None) -> str:
    """Write the canonical action string: a JSON tool call with sorted argument keys.

    >>> format_action("select_flight", {"flight_id": "F012", "cabin": "economy"})
    '{"name": "select_flight", "arguments": {"cabin": "economy", "flight_id": "F012"}}'
    """
    if name not in ARG_MODELS:
        raise UsageError(f"unknown tool {name!r}; expected one of: {_TOOLS}")
    arguments = {} if arguments is None else dict(arguments)
    body = json.dumps(arguments, sort_keys=True, ensure_ascii=False)
    return f'{{"name": {json.dumps(name)}, "arguments": {body}}}'
