"""Constrained decisions: a JSON schema of exactly the actions legal in an observation.

The schema is a pure function of the observation (replay stays deterministic). It admits the
legal tools only, each with its argument model, and narrows the values the observation offers
to enums: flight ids in the results, the traveller's payment ids, the task's coupon codes (the
cabin is an enum already). Every property is required and nullable where optional, as OpenAI's
strict mode asks; llama.cpp's server turns the same schema into a grammar.

>>> schema = action_schema(observation)                     # doctest: +SKIP
>>> response_format("json_schema", schema)["type"]          # doctest: +SKIP
'json_schema'
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any, Literal

from agentkit.agents._domain import safe_legal_tools
from agentkit.envs import ARG_MODELS
from agentkit.models import ChatResponse, ToolCall, ToolSpec

__all__ = [
    "ACTION_TOOL",
    "StructuredOutput",
    "action_schema",
    "action_tool",
    "offered_values",
    "response_format",
    "unwrap_action",
]

StructuredOutput = Literal["json_schema", "json_object"]
"""How a text agent's schema is sent: ``json_schema`` is OpenAI's strict structured output;
``json_object`` is llama.cpp's server's form (``{"type": "json_object", "schema": ...}``)."""
ACTION_TOOL = "next_action"
"""The one tool a constrained tool agent is forced to call; its argument is the action."""

_ANNOTATIONS = ("title", "description", "default", "examples")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def offered_values(observation: object) -> dict[str, list[str]]:
    """The values the observation offers, by argument name."""
    if not isinstance(observation, Mapping):
        return {}
    task = _mapping(observation.get("task"))
    traveller = _mapping(task.get("traveller"))

    def ids(items: object, key: str) -> list[str]:
        if not isinstance(items, list):
            return []
        found = (item.get(key) for item in items if isinstance(item, Mapping))
        return list(dict.fromkeys(value for value in found if isinstance(value, str)))

    return {
        "flight_id": ids(observation.get("results"), "id"),
        "payment_id": ids(traveller.get("payment_methods"), "id"),
        "code": ids(task.get("coupons"), "code"),
    }


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


def _arguments_schema(tool: str, offered: Mapping[str, list[str]]) -> dict[str, Any] | None:
    raw = ARG_MODELS[tool].model_json_schema()
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


def action_schema(observation: object) -> dict[str, Any]:
    """``{"action": {"name": <legal tool>, "arguments": {...}}}`` for exactly the legal tools."""
    offered = offered_values(observation)
    options = []
    for tool in safe_legal_tools(observation):
        arguments = _arguments_schema(tool, offered)
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
