"""What the agents know of the flight-booking world: tools, legality, argument checks, rendering.

Everything here tolerates malformed observations: the agent's promise to always return a legal
action starts with never crashing on what it is shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import ValidationError

from agentkit.envs import ARG_MODELS, TOOL_NAMES, format_action, legal_tools, tool_specs
from agentkit.models import ToolSpec

__all__ = ["check_call", "flight_tools", "render_observation", "safe_legal_tools"]

_MAX_STRING = 400
_MAX_LIST = 40


@cache
def flight_tools() -> tuple[ToolSpec, ...]:
    """The ten tools as ``ToolSpec``s (all of them, every step: a stable request body)."""
    return tuple(ToolSpec.from_openai(spec) for spec in tool_specs())


def safe_legal_tools(observation: object) -> list[str]:
    """The tools legal in ``observation``; [] when it cannot be read."""
    if not isinstance(observation, Mapping):
        return []
    try:
        return legal_tools(observation)
    except (KeyError, TypeError, AttributeError, ValueError):
        named = observation.get("legal_tools")
        if isinstance(named, list):
            return [name for name in named if isinstance(name, str) and name in ARG_MODELS]
        return []


def check_call(observation: object, name: str, arguments: object) -> tuple[str | None, str | None]:
    """``(action, None)`` for a legal, valid call, else ``(None, why not)`` in words for the model."""
    legal = safe_legal_tools(observation)
    if name not in ARG_MODELS:
        return None, f"unknown tool {name!r}; the tools are: {', '.join(TOOL_NAMES)}"
    if name not in legal:
        return None, f"{name} is not allowed now; allowed now: {', '.join(legal) or 'nothing'}"
    if not isinstance(arguments, dict):
        return None, f"{name} needs its arguments as a JSON object, got {type(arguments).__name__}"
    try:
        validated = ARG_MODELS[name].model_validate(arguments)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'arguments'}: {error['msg']}"
            for error in exc.errors(include_url=False)
        )
        return None, f"invalid arguments for {name}: {problems}"
    return format_action(name, validated.model_dump(mode="json", exclude_none=True)), None


def _clip(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= _MAX_STRING else value[:_MAX_STRING] + "...(cut)"
    if isinstance(value, Mapping):
        return {str(key): _clip(item) for key, item in list(value.items())[:_MAX_LIST]}
    if isinstance(value, list | tuple):
        return [_clip(item) for item in value[:_MAX_LIST]]
    if value is None or isinstance(value, bool | int | float):
        return value
    return repr(value)[:_MAX_STRING]


def render_observation(observation: object) -> str:
    """The observation as the prompt shows it: canonical JSON, long strings and lists cut."""
    return json.dumps(_clip(observation), sort_keys=True, ensure_ascii=False, default=repr)
