"""The prompts. Nothing in them changes from run to run (no time, no random ids): replay matches
requests on their bodies, so a prompt must be a pure function of its inputs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from agentkit.agents._domain import Domain
from agentkit.agents._memory import Memory
from agentkit.agents._skills import Skill
from agentkit.agents._strategy import Strategy
from agentkit.models import Message, ToolSpec

__all__ = ["build_messages", "repair_message_text", "system_prompt", "tool_catalogue"]

_TEXT_MODE = (
    "Answer with exactly one action and nothing else, as a JSON object: "
    '{"name": "<tool name>", "arguments": {...}}. The tools:'
)
_TOOL_MODE = "Call exactly one of the provided tools per turn; do not answer in prose."


def _type_of(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return " | ".join(json.dumps(value) for value in schema["enum"])
    if "anyOf" in schema:
        return " | ".join(
            _type_of(option) for option in schema["anyOf"] if option.get("type") != "null"
        )
    if schema.get("type") == "array":
        return f"list of {_type_of(schema.get('items', {}))}"
    if schema.get("type") == "object":
        return "{" + ", ".join(schema.get("properties", {})) + "}"
    return str(schema.get("type", "any"))


def _signature(tool: ToolSpec) -> str:
    properties: dict[str, Any] = tool.parameters.get("properties", {})
    required = set(tool.parameters.get("required", ()))
    arguments = ", ".join(
        f"{name}{'' if name in required else '?'}: {_type_of(spec)}"
        for name, spec in properties.items()
    )
    return f"{tool.name}({arguments})"


def tool_catalogue(tools: Sequence[ToolSpec]) -> str:
    """One line per tool: a compact signature (``?`` marks optional arguments) and what it does."""
    return "\n".join(f"- {_signature(tool)}: {tool.description}" for tool in tools)


def system_prompt(domain: Domain, strategy: Strategy, *, tool_mode: bool) -> str:
    """The domain's task, the strategy's section, and how to answer (text mode lists the tools)."""
    mode = _TOOL_MODE if tool_mode else f"{_TEXT_MODE}\n{tool_catalogue(domain.tools())}"
    return f"{domain.task}\n\n{strategy.prompt}\n\n{mode}"


def build_messages(
    observation: object,
    *,
    domain: Domain,
    strategy: Strategy,
    legal: list[str],
    memory: Memory,
    skills: list[Skill],
    tool_mode: bool,
) -> list[Message]:
    """The system and user messages for one decision."""
    parts = [f"Observation:\n{domain.render_observation(observation)}"]
    parts.append(f"Tools allowed now: {', '.join(legal) or 'none'}")
    if memory.rounds:
        parts.append(f"Your recent steps:\n{memory.render()}")
    if skills:
        listed = "\n".join(f"- {skill.render()}" for skill in skills)
        parts.append(f"Tool sequences that booked successfully before:\n{listed}")
    parts.append("Choose the next action.")
    return [
        Message.system(system_prompt(domain, strategy, tool_mode=tool_mode)),
        Message.user("\n\n".join(parts)),
    ]


def repair_message_text(error: str, legal: list[str]) -> str:
    """What a repair re-ask tells the model."""
    return (
        f"That action cannot be used: {error}. Tools allowed now: {', '.join(legal) or 'none'}. "
        "Reply with one corrected action."
    )
