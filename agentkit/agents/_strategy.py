"""Strategies: how an agent decides, by name: a prompt section and a fallback policy.

A strategy is an object (pass it to an agent) or a name in the registry. A name is looked up
among the strategies registered for the agent's domain first, then among those registered for
every domain. The flight domain's three (``aggressive``, ``balanced``, ``conservative``) are
registered for it the same way a user registers their own.

>>> calm = Strategy(name="calm", prompt="Strategy: calm. Take the safest action.")
>>> _ = register_strategy(calm, domain="my-desk")
>>> get_strategy("calm", domain="my-desk").prompt
'Strategy: calm. Take the safest action.'
>>> unregister_strategy("calm", domain="my-desk")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny

from agentkit._errors import UsageError
from agentkit.agents._registry import load_built_in

__all__ = [
    "FallbackPolicy",
    "Strategy",
    "get_strategy",
    "register_strategy",
    "strategy_names",
    "unregister_strategy",
]

FallbackPolicy = Callable[[Mapping[str, Any]], str]
"""A rule-based policy: the next action string for an observation."""


class Strategy(BaseModel):
    """How an agent decides: what its prompt says, and how its rule-based fallback acts."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    name: str = Field(min_length=1)
    """The strategy's name, as trajectories and the registry know it."""
    prompt: str
    """The section of the system prompt that states the strategy."""
    params: SerializeAsAny[BaseModel] | None = None
    """Parameters the domain's rule-based fallback reads (the flight domain's ``PolicyParams``);
    ``None``: the domain's defaults for this strategy's name."""
    policy: FallbackPolicy | None = Field(default=None, exclude=True)
    """A fallback policy of the strategy's own, used instead of the domain's. Whatever it
    returns is checked: an illegal action, or an exception, gives way to the domain's fallback."""


_REGISTRY: dict[tuple[str | None, str], Strategy] = {}


def _scope(domain: str | None) -> str:
    return "every domain" if domain is None else f"the {domain!r} domain"


def register_strategy(
    strategy: Strategy, *, domain: str | None = None, replace: bool = False
) -> Strategy:
    """Make ``strategy`` available by its name to agents of ``domain`` (``None``: of every
    domain). Registering a taken name raises ``UsageError`` unless ``replace=True``."""
    if not isinstance(strategy, Strategy):
        raise UsageError(
            f"register_strategy takes a Strategy, got {type(strategy).__name__}; build one with "
            "Strategy(name=..., prompt=..., params=... or policy=...)"
        )
    key = (domain, strategy.name)
    if key in _REGISTRY and not replace and _REGISTRY[key] != strategy:
        raise UsageError(
            f"a strategy named {strategy.name!r} is registered for {_scope(domain)} already; "
            "pass replace=True to replace it, or choose another name"
        )
    _REGISTRY[key] = strategy
    return strategy


def unregister_strategy(name: str, *, domain: str | None = None) -> None:
    """Remove a registered strategy; an unknown one raises ``UsageError``."""
    if _REGISTRY.pop((domain, name), None) is None:
        raise UsageError(f"no strategy named {name!r} is registered for {_scope(domain)}")


def strategy_names(domain: str | None = None) -> list[str]:
    """The names an agent of ``domain`` can use: the domain's own first, then the shared ones."""
    if domain is not None:
        load_built_in(domain)
    own = [name for scope, name in _REGISTRY if scope == domain and domain is not None]
    shared = [name for scope, name in _REGISTRY if scope is None]
    return list(dict.fromkeys(own + shared))


def get_strategy(strategy: str | Strategy, domain: str | None = None) -> Strategy:
    """The strategy called ``strategy`` for ``domain``; an unknown name raises ``UsageError``
    listing the names there are."""
    if isinstance(strategy, Strategy):
        return strategy
    if not isinstance(strategy, str):
        raise UsageError(f"strategy must be a name or a Strategy, got {type(strategy).__name__}")
    if domain is not None:
        load_built_in(domain)
    found = _REGISTRY.get((domain, strategy)) if domain is not None else None
    found = found or _REGISTRY.get((None, strategy))
    if found is None:
        names = ", ".join(strategy_names(domain)) or "none registered"
        raise UsageError(
            f"unknown strategy {strategy!r} for {_scope(domain)}; expected one of: {names}. "
            "Pass strategy=Strategy(name=..., prompt=...) or register one with "
            "agentkit.agents.register_strategy"
        )
    return found
