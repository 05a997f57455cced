"""Reading an action out of a model's answer, and saying exactly what is wrong when there is none."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agentkit.actions import ParsedAction
from agentkit.agents._domain import Domain
from agentkit.models import ChatResponse

__all__ = ["Interpretation", "interpret"]

_FENCE = re.compile(r"```(?:json|python)?\s*(.*?)```", re.DOTALL)
_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)


@dataclass(frozen=True)
class Interpretation:
    """An action, or why the answer gave none."""

    action: str | None
    source: str = "model_text"
    error: str | None = None
    repairable: bool = True
    """False for answers a re-ask will not fix (refusals, empty answers): fall back at once."""


def _first_object(text: str) -> str | None:
    start = text.find("{")
    depth = 0
    for position in range(start, len(text)) if start >= 0 else ():
        char = text[position]
        depth += (char == "{") - (char == "}")
        if depth == 0:
            return text[start : position + 1]
    return None


def _candidates(text: str) -> list[str]:
    stripped = text.strip()
    found = [stripped]
    found += [m.strip() for m in _TAGGED.findall(stripped)]
    found += [m.strip() for m in _FENCE.findall(stripped)]
    obj = _first_object(stripped)
    if obj:
        found.append(obj)
    lines = [line.strip() for line in stripped.splitlines() if line.strip()]
    if lines:
        found.append(lines[-1])
    return list(dict.fromkeys(c for c in found if c))


def _from_text(
    observation: object, text: str, domain: Domain, legal: Sequence[str] | None
) -> Interpretation:
    first_error: str | None = None
    for candidate in _candidates(text):
        parsed = domain.parse_action(candidate)
        if not isinstance(parsed, ParsedAction):
            continue
        action, error = domain.check_call(observation, parsed.name, parsed.arguments, legal=legal)
        if action is not None:
            return Interpretation(action=action)
        first_error = first_error or error
    if first_error is None:
        parsed_whole = domain.parse_action(text.strip())
        first_error = getattr(parsed_whole, "message", "no action found in the answer")
    return Interpretation(action=None, error=first_error)


def interpret(
    observation: object,
    response: ChatResponse,
    *,
    domain: Domain,
    tool_mode: bool,
    legal: Sequence[str] | None = None,
) -> Interpretation:
    """The action in ``response``, checked by ``domain`` against the observation's legal tools
    (``legal``, when the caller has them already) and the tools' argument models."""
    if response.finish_reason == "pause_turn":
        # Anthropic paused a long turn: what came so far is not the answer (never act on it).
        return Interpretation(action=None, error="the answer was paused (finish_reason=pause_turn)")
    if response.finish_reason == "length":
        # A cut answer may parse and still be wrong (docs/faults.md row 17): never execute it.
        return Interpretation(action=None, error="the answer was cut off (finish_reason=length)")
    if response.refusal:
        return Interpretation(
            action=None, error=f"the model refused: {response.refusal[:200]}", repairable=False
        )
    if response.tool_calls:
        # One action per step: the first call decides, so a call repeated with the same id
        # (docs/faults.md row 24) is executed once.
        call = response.tool_calls[0]
        if call.arguments_error is not None:
            return Interpretation(
                action=None, source="tool_call", error=f"{call.name}: {call.arguments_error}"
            )
        action, error = domain.check_call(
            observation, call.name, call.parsed_arguments, legal=legal
        )
        return Interpretation(action=action, source="tool_call", error=error)
    if response.content and response.content.strip():
        found = _from_text(observation, response.content, domain, legal)
        if found.action is None and tool_mode:
            return Interpretation(action=None, error=f"no tool call in the answer ({found.error})")
        return found
    return Interpretation(
        action=None, error="the answer was empty: no text and no tool call", repairable=False
    )
