"""Domains: what an agent knows of the world it acts in, and nothing of how it asks a model.

An agent is generic over a :class:`Domain`: its tools, which of them an observation allows, how
a call's arguments are checked (with messages a model can act on), how an observation reads in
the prompt, the task the agent is given, and the rule-based fallback each strategy plays.
:class:`ToolDomain` builds all of it from pydantic argument models; a domain overrides what its
world decides (legality, rendering, the fallback).

Every method tolerates malformed observations: the agent's promise to always return a legal
action starts with never crashing on what it is shown.

>>> from pydantic import BaseModel
>>> class RefundArgs(BaseModel):
...     order_id: str
>>> class CloseArgs(BaseModel):
...     pass
>>> desk = ToolDomain(name="desk", task="You run a support desk.",
...                   tools={"refund": RefundArgs, "close": CloseArgs})
>>> desk.check_call({"legal_tools": ["refund"]}, "refund", {"order_id": "A1"})
('{"name": "refund", "arguments": {"order_id": "A1"}}', None)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel, ValidationError

from agentkit._errors import UsageError
from agentkit.actions import ActionError, ActionSyntax, ParsedAction, tool_spec
from agentkit.models import ToolSpec

if TYPE_CHECKING:
    from agentkit.agents._strategy import Strategy

__all__ = ["Domain", "ToolDomain", "clip_json"]

_MAX_STRING = 400
_MAX_LIST = 40


@runtime_checkable
class Domain(Protocol):
    """What an agent is generic over. :class:`ToolDomain` implements it from argument models.

    Methods taking an observation must never raise on a malformed one.
    """

    name: str
    """The domain's registry name (strategies may be registered for it)."""
    task: str
    """The task text: the system prompt's opening section (who the agent is, what counts)."""

    def tools(self) -> tuple[ToolSpec, ...]:
        """Every tool, in a stable order (sent with every request: a stable body)."""
        ...

    def legal_tools(self, observation: object) -> list[str]:
        """The tools legal in ``observation``; ``[]`` when it allows none or cannot be read."""
        ...

    def parse_action(self, text: object) -> ParsedAction | ActionError:
        """Read an action string (a model's text or an action the env would take)."""
        ...

    def check_call(
        self,
        observation: object,
        name: str,
        arguments: object,
        *,
        legal: Sequence[str] | None = None,
    ) -> tuple[str | None, str | None]:
        """``(action, None)`` for a legal, valid call, else ``(None, why not)`` in words for the
        model. ``legal`` is ``legal_tools(observation)`` when the caller has it already."""
        ...

    def is_legal(self, observation: object, action: str) -> bool:
        """Whether ``action`` is a legal, valid action in ``observation``. Never raises."""
        ...

    def render_observation(self, observation: object) -> str:
        """The observation as the prompt shows it."""
        ...

    def arguments_schema(self, tool: str) -> dict[str, Any]:
        """The JSON schema of ``tool``'s arguments, as its argument model writes it."""
        ...

    def offered_values(self, observation: object) -> dict[str, list[str]]:
        """The values an observation offers, by argument name (a constrained schema narrows
        those arguments to them). ``{}`` when the domain narrows nothing."""
        ...

    def fallback_action(self, observation: object, strategy: Strategy) -> str:
        """The strategy's rule-based action: legal in ``observation`` whenever any action is.
        Never raises."""
        ...


def clip_json(value: Any) -> Any:
    """``value`` with long strings and lists cut, so a hostile observation cannot flood a prompt."""
    if isinstance(value, str):
        return value if len(value) <= _MAX_STRING else value[:_MAX_STRING] + "...(cut)"
    if isinstance(value, Mapping):
        return {str(key): clip_json(item) for key, item in list(value.items())[:_MAX_LIST]}
    if isinstance(value, list | tuple):
        return [clip_json(item) for item in value[:_MAX_LIST]]
    if value is None or isinstance(value, bool | int | float):
        return value
    return repr(value)[:_MAX_STRING]


class ToolDomain:
    """A :class:`Domain` built from one pydantic argument model per tool.

    ``tools`` maps each tool name to its argument model, in the order the prompt lists them;
    ``descriptions`` (default: each model's docstring) say what each tool does. Override
    :meth:`legal_tools` when legality is not the observation's ``legal_tools`` list,
    :meth:`render_observation` for a compact prompt, :meth:`offered_values` to narrow a
    constrained schema, and :meth:`fallback_action` with the domain's own rules (the default
    plays the first legal tool that needs no arguments).
    """

    def __init__(
        self,
        *,
        name: str,
        task: str,
        tools: Mapping[str, type[BaseModel]],
        descriptions: Mapping[str, str] | None = None,
        syntax: ActionSyntax | None = None,
    ) -> None:
        if not tools:
            raise UsageError(f"domain {name!r} has no tools; pass tools={{name: ArgsModel}}")
        for tool, model in tools.items():
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                raise UsageError(
                    f"domain {name!r}: the tool {tool!r} maps to {model!r}; each tool needs a "
                    "pydantic BaseModel subclass describing its arguments"
                )
        self.name = name
        self.task = task
        self.argument_models: dict[str, type[BaseModel]] = dict(tools)
        described = dict(descriptions or {})
        self.descriptions = {
            tool: described.get(tool) or (model.__doc__ or "").strip()
            for tool, model in self.argument_models.items()
        }
        self.syntax = syntax or ActionSyntax(self.argument_models)
        self._tools = tuple(
            ToolSpec.from_openai(tool_spec(tool, model, self.descriptions[tool]))
            for tool, model in self.argument_models.items()
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, tools={list(self.argument_models)!r})"

    def tools(self) -> tuple[ToolSpec, ...]:
        return self._tools

    def legal_tools(self, observation: object) -> list[str]:
        """The observation's ``legal_tools`` list, unknown names dropped; ``[]`` without one."""
        if not isinstance(observation, Mapping):
            return []
        listed = observation.get("legal_tools")
        if not isinstance(listed, list):
            return []
        return [n for n in listed if isinstance(n, str) and n in self.argument_models]

    def parse_action(self, text: object) -> ParsedAction | ActionError:
        return self.syntax.parse(text)

    def format_action(self, name: str, arguments: Mapping[str, Any] | None = None) -> str:
        """The canonical action string of a call of one of the domain's tools."""
        return self.syntax.format(name, arguments)

    def check_call(
        self,
        observation: object,
        name: str,
        arguments: object,
        *,
        legal: Sequence[str] | None = None,
    ) -> tuple[str | None, str | None]:
        if legal is None:
            legal = self.legal_tools(observation)
        model = self.argument_models.get(name)
        if model is None:
            return None, self.syntax.unknown(name)
        if name not in legal:
            return None, f"{name} is not allowed now; allowed now: {', '.join(legal) or 'nothing'}"
        if not isinstance(arguments, dict):
            return None, (
                f"{name} needs its arguments as a JSON object, got {type(arguments).__name__}"
            )
        try:
            validated = model.model_validate(arguments)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in error['loc']) or 'arguments'}: {error['msg']}"
                for error in exc.errors(include_url=False)
            )
            return None, f"invalid arguments for {name}: {problems}"
        return self.format_action(name, validated.model_dump(mode="json", exclude_none=True)), None

    def is_legal(self, observation: object, action: str) -> bool:
        try:
            parsed = self.parse_action(action)
            if isinstance(parsed, ActionError):
                return False
            checked, _ = self.check_call(observation, parsed.name, parsed.arguments)
            return checked is not None
        except Exception:
            return False

    def render_observation(self, observation: object) -> str:
        """Canonical JSON, long values cut."""
        return json.dumps(clip_json(observation), sort_keys=True, ensure_ascii=False, default=repr)

    def arguments_schema(self, tool: str) -> dict[str, Any]:
        return self.argument_models[tool].model_json_schema()

    def offered_values(self, observation: object) -> dict[str, list[str]]:
        return {}

    def fallback_action(self, observation: object, strategy: Strategy) -> str:
        """The first legal tool whose arguments may all be left out; a domain with state worth
        reasoning about overrides this with its own rules."""
        legal = self.legal_tools(observation)
        for tool in legal:
            action, _ = self.check_call(observation, tool, {}, legal=legal)
            if action is not None:
                return action
        # Nothing is legal (or nothing legal can be called without arguments): any action is
        # refused, so say the plainest one.
        return self.format_action(next(iter(self.argument_models)))
