"""Constrained decisions: a JSON schema of exactly the actions legal in an observation.

The schema is a pure function of the observation (replay stays deterministic). It admits the
legal tools only, each with its argument model, and narrows the arguments whose values the
domain says the observation offers to enums (the flight domain: flight ids in the results, the
traveller's payment ids, the task's coupon codes). Every property is required and nullable where optional, as OpenAI's
strict mode asks; llama.cpp's server turns the same schema into a grammar.

>>> schema = action_schema(observation, domain)             # doctest: +SKIP
>>> response_format("json_schema", schema)["type"]          # doctest: +SKIP
'json_schema'
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from agentkit.agents._domain import Domain
from agentkit.models import ChatResponse, ToolCall, ToolSpec

__all__ = [
    "ACTION_TOOL",
    "StructuredOutput",
    "action_schema",
    "action_tool",
    "response_format",
    "unwrap_action",
]

StructuredOutput = Literal["json_schema", "json_object"]
"""How a text agent's schema is sent: ``json_schema`` is OpenAI's strict structured output;
``json_object`` is llama.cpp's server's form (``{"type": "json_object", "schema": ...}``)."""
ACTION_TOOL = "next_action"
"""The one tool a constrained tool agent is forced to call; its argument is the action."""

_ANNOTATIONS = ("title", "description", "default", "examples")


def _strict(schema: dict[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    """The schema with references inlined, annotations dropped and every object closed with
    all its properties required (an optional one is nullable already)."""
    if "$ref" in schema:
        return _strict(copy.deepcopy(defs[schema["$ref"].rsplit("/", 1)[-1]]), defs)
    out = {key: value for key, value in schema.items() if key not in (*_ANNOTATIONS, "$defs")}
    if "properties" in out:
        out["properties"] = {name: _strict(sub, defs) for name, sub in out["properties"].items()}
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    for key in ("anyOf", "oneOf"):
        if key in out:
            out[key] = [_strict(option, defs) for option in out[key]]
    if isinstance(out.get("items"), dict):
        out["items"] = _strict(out["items"], defs)
    return out


def _arguments_schema(
    domain: Domain, tool: str, offered: Mapping[str, list[str]]
) -> dict[str, Any] | None:
    raw = domain.arguments_schema(tool)
    schema = _strict(raw, raw.get("$defs", {}))
    properties: dict[str, Any] = schema.get("properties", {})
    for name, values in offered.items():
        if name in properties:
            if not values:
                return None  # nothing to pick: the tool has no legal call here
            properties[name] = {"type": "string", "enum": values}
    schema.setdefault("properties", {})
    schema.setdefault("required", [])
    schema["type"] = "object"
    schema["additionalProperties"] = False
    return schema


def action_schema(
    observation: object, domain: Domain, *, legal: Sequence[str] | None = None
) -> dict[str, Any]:
    """``{"action": {"name": <legal tool>, "arguments": {...}}}`` for exactly the legal tools
    (``legal``: the domain's legal tools, when the caller has them already)."""
    offered = domain.offered_values(observation)
    options = []
    for tool in domain.legal_tools(observation) if legal is None else legal:
        arguments = _arguments_schema(domain, tool, offered)
        if arguments is None:
            continue
        options.append(
            {
                "type": "object",
                "properties": {"name": {"type": "string", "enum": [tool]}, "arguments": arguments},
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
        )
    # With no legal tool nothing may be admitted (``false``: an empty anyOf is no schema); an
    # agent never asks the model then.
    return {
        "type": "object",
        "properties": {"action": {"anyOf": options} if options else False},
        "required": ["action"],
        "additionalProperties": False,
    }


def response_format(kind: StructuredOutput, schema: dict[str, Any]) -> dict[str, Any]:
    """The ``response_format`` that sends ``schema`` the way ``kind`` says."""
    if kind == "json_object":
        return {"type": "json_object", "schema": schema}
    return {
        "type": "json_schema",
        "json_schema": {"name": "action", "strict": True, "schema": schema},
    }


def action_tool(schema: dict[str, Any]) -> ToolSpec:
    """The tool a constrained tool agent is forced to call."""
    return ToolSpec(
        name=ACTION_TOOL,
        description="Take the next action: one of the tools allowed now, with its arguments.",
        parameters=schema,
    )


def unwrap_action(response: ChatResponse) -> ChatResponse:
    """The answer as an unconstrained agent reads it: ``{"action": {...}}`` in the text becomes
    the action's JSON, and a ``next_action`` call becomes a call of the chosen tool. Anything
    else is left as it is, for the usual checks to report."""
    for call in response.tool_calls:
        action = (call.parsed_arguments or {}).get("action")
        if call.name == ACTION_TOOL and isinstance(action, Mapping):
            name, arguments = action.get("name"), action.get("arguments")
            if isinstance(name, str) and isinstance(arguments, Mapping):
                inner = ToolCall(id=call.id, name=name, arguments=json.dumps(dict(arguments)))
                return response.model_copy(update={"tool_calls": (inner,)})
        return response
    try:
        wrapped = json.loads(response.content or "")
    except ValueError:
        return response
    action = wrapped.get("action") if isinstance(wrapped, dict) else None
    if isinstance(action, dict):
        return response.model_copy(update={"content": json.dumps(action)})
    return response
