"""Actions as strings, for any set of tools: how they are written, read and described.

An agent hands its environment one action string per step. Three forms are read:

1. JSON tool call: ``{"name": "refund_order", "arguments": {"order_id": "A1"}}`` (``arguments``
   may also be a JSON-encoded string, as OpenAI sends it, or omitted).
2. Function style: ``refund_order(order_id="A1")``, keyword arguments with literal values
   (``true``/``false``/``null`` are accepted next to Python's spellings).
3. A bare tool name: ``close_ticket``.

Tool names match exactly, never by substring. Reading never raises on a string; anything
unreadable yields an :class:`ActionError` whose message says what was received and what is
expected. Nothing here knows a domain: an environment or a domain builds one
:class:`ActionSyntax` over its own tool names.

>>> syntax = ActionSyntax(["refund_order", "close_ticket"])
>>> syntax.parse('refund_order(order_id="A1")').arguments
{'order_id': 'A1'}
>>> syntax.format("close_ticket")
'{"name": "close_ticket", "arguments": {}}'
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from agentkit._errors import UsageError

__all__ = [
    "MAX_ACTION_CHARS",
    "ActionError",
    "ActionSyntax",
    "ParsedAction",
    "format_action",
    "tool_spec",
]

_CALL: Final = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)", re.DOTALL)
_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAMED_CONSTANTS: Final[dict[str, Any]] = {
    "true": True, "false": False, "null": None, "True": True, "False": False, "None": None,
}  # fmt: skip
#: Longer actions are refused unread: no tool call needs this much, and parsing costs grow.
MAX_ACTION_CHARS: Final = 16_384


class ParsedAction(BaseModel):
    """An action that named a known tool; its arguments are not validated yet."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str
    """One of the syntax's tool names."""
    arguments: dict[str, Any]
    """The arguments as written; the tool's argument model validates them when the env runs it."""
    form: Literal["json", "function", "bare"]
    """Which of the three forms the action used."""


class ActionError(BaseModel):
    """An action string that could not be read as a call of a known tool."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    message: str
    """What was wrong and what is expected instead."""


def format_action(name: str, arguments: Mapping[str, Any] | None = None) -> str:
    """Write the canonical action string: a JSON tool call with sorted argument keys.

    >>> format_action("refund_order", {"order_id": "A1", "amount": 5})
    '{"name": "refund_order", "arguments": {"amount": 5, "order_id": "A1"}}'
    """
    body = json.dumps(
        {} if arguments is None else dict(arguments), sort_keys=True, ensure_ascii=False
    )
    return f'{{"name": {json.dumps(name)}, "arguments": {body}}}'


def _clip(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


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


class ActionSyntax:
    """Reads and writes the action strings of one set of tools.

    ``example_call`` and ``example_bare`` appear in error messages (a model reads them in a
    repair re-ask); by default they are built from the first tool names.
    """

    def __init__(
        self,
        tools: Iterable[str],
        *,
        example_call: str | None = None,
        example_bare: str | None = None,
    ) -> None:
        self.tools: tuple[str, ...] = tuple(dict.fromkeys(tools))
        if not self.tools:
            raise UsageError("an ActionSyntax needs at least one tool name")
        self._known = frozenset(self.tools)
        self.example_call = example_call or f"{self.tools[0]}(...)"
        self.example_bare = example_bare or self.tools[-1]
        self._forms = (
            'write a JSON tool call {"name": "<tool>", "arguments": {...}}, a call such as '
            f"{self.example_call}, or a bare tool name such as {self.example_bare}"
        )
        self._listed = ", ".join(self.tools)

    def __repr__(self) -> str:
        return f"ActionSyntax({list(self.tools)!r})"

    def unknown(self, name: str) -> str:
        """The message for a call of a tool that does not exist."""
        return f"unknown tool {name!r}; the tools are: {self._listed}"

    def format(self, name: str, arguments: Mapping[str, Any] | None = None) -> str:
        """:func:`format_action`, for a known tool only (an unknown one raises ``UsageError``)."""
        if name not in self._known:
            raise UsageError(f"unknown tool {name!r}; expected one of: {self._listed}")
        return format_action(name, arguments)

    def parse(self, text: object) -> ParsedAction | ActionError:
        """Read an action string in any of the three forms; never raises."""
        if not isinstance(text, str):
            return ActionError(message=f"an action must be a str; got {type(text).__name__}")
        if len(text) > MAX_ACTION_CHARS:
            return ActionError(
                message=f"the action is {len(text):,} characters long; at most {MAX_ACTION_CHARS:,}"
            )
        stripped = text.strip()
        if stripped in self._known:
            return ParsedAction(name=stripped, arguments={}, form="bare")
        if not stripped:
            return ActionError(message=f"the action is empty; {self._forms}")
        if stripped[0] == "{":
            return self._parse_json(stripped)
        match = _CALL.fullmatch(stripped)
        if match:
            return self._parse_call(match[1], match[2], stripped)
        if _IDENTIFIER.fullmatch(stripped):
            return ActionError(message=self.unknown(stripped))
        return ActionError(message=f"cannot read action {_clip(stripped)}; {self._forms}")

    def _parse_json(self, text: str) -> ParsedAction | ActionError:
        forms = self._forms
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            return ActionError(message=f"invalid JSON in action {_clip(text)}: {exc}; {forms}")
        if not isinstance(data, dict):
            return ActionError(
                message=f"a JSON action must be an object; got {_clip(text)}; {forms}"
            )
        extra = sorted(set(data) - {"name", "arguments"})
        if extra:
            return ActionError(
                message=f"unexpected keys {extra} in JSON action {_clip(text)}; "
                'expected only "name" and "arguments"'
            )
        name = data.get("name")
        if not isinstance(name, str):
            return ActionError(message=f'a JSON action needs a string "name"; got {_clip(text)}')
        if name not in self._known:
            return ActionError(message=self.unknown(name))
        arguments = data.get("arguments")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments) if arguments.strip() else None
            except (ValueError, RecursionError) as exc:
                return ActionError(
                    message=f"the arguments string of {name} is not valid JSON: {exc}"
                )
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, dict):
            return ActionError(
                message=f'"arguments" of {name} must be a JSON object; '
                f"got {type(arguments).__name__}"
            )
        return ParsedAction(name=name, arguments=arguments, form="json")

    def _parse_call(self, name: str, inner: str, text: str) -> ParsedAction | ActionError:
        if name not in self._known:
            return ActionError(message=self.unknown(name))
        if not inner.strip():
            return ParsedAction(name=name, arguments={}, form="function")
        try:
            tree = ast.parse(f"f({inner})", mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            detail = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
            return ActionError(message=f"cannot read the arguments of {_clip(text)}: {detail}")
        call = tree.body
        if not (
            isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "f"
        ):
            return ActionError(message=f"cannot read the arguments of {_clip(text)}; {self._forms}")
        if call.args or any(kw.arg is None for kw in call.keywords):
            return ActionError(
                message=f"{name} takes keyword arguments only, e.g. "
                f"{self.example_call}; got " + _clip(text)
            )
        try:
            arguments = {str(kw.arg): _literal(kw.value) for kw in call.keywords}
        except (_NotLiteral, RecursionError) as exc:
            return ActionError(message=f"argument of {name} in {_clip(text)}: {exc}")
        return ParsedAction(name=name, arguments=arguments, form="function")


def _inline(schema: Any, defs: Mapping[str, Any]) -> Any:
    """Resolve ``$ref`` into ``$defs`` and drop pydantic's ``title`` keywords: an LLM tool schema
    should be one self-contained object."""
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        target = _inline(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
        siblings = {k: _inline(v, defs) for k, v in schema.items() if k not in ("$ref", "title")}
        return {**target, **siblings}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("title", "$defs"):
            continue
        if key == "properties":  # keys here are field names, not keywords: keep them all
            out[key] = {name: _inline(sub, defs) for name, sub in value.items()}
        else:
            out[key] = _inline(value, defs)
    return out


def tool_spec(name: str, arguments: type[BaseModel], description: str) -> dict[str, Any]:
    """One tool in OpenAI function format, its parameters generated from its argument model
    (references inlined, titles dropped), so the schema a model sees and the validation an
    environment applies cannot drift apart.

    >>> class RefundArgs(BaseModel):
    ...     order_id: str
    >>> tool_spec("refund_order", RefundArgs, "Refund an order.")["function"]["parameters"]
    {'properties': {'order_id': {'type': 'string'}}, 'required': ['order_id'], 'type': 'object'}
    """
    schema = arguments.model_json_schema()
    parameters = _inline(schema, schema.get("$defs", {}))
    parameters.pop("description", None)
    parameters.setdefault("properties", {})
    parameters.setdefault("required", [])
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }
