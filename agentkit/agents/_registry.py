"""The domain registry: a domain by name, the built-in one loaded on first use."""

from __future__ import annotations

import importlib

from agentkit._errors import UsageError
from agentkit.agents._domain import Domain

__all__ = [
    "DEFAULT_DOMAIN",
    "domain_names",
    "get_domain",
    "load_built_in",
    "register_domain",
    "resolve_domain",
]

DEFAULT_DOMAIN = "flight"
"""The domain an agent acts in when given none: the worked example that ships with agentkit."""

# Built-in domains, imported when first asked for (``package:attribute``): importing agentkit's
# agents must not import every domain.
_BUILT_IN: dict[str, str] = {"flight": "agentkit.flight:FLIGHT_DOMAIN"}
_REGISTRY: dict[str, Domain] = {}


def register_domain(domain: Domain, *, replace: bool = False) -> Domain:
    """Make ``domain`` available by its ``name``; a taken name raises unless ``replace=True``."""
    if not isinstance(domain, Domain):
        raise UsageError(
            f"register_domain takes a Domain (e.g. a ToolDomain), got {type(domain).__name__}; "
            "it lacks some of: name, task, tools, legal_tools, parse_action, check_call, "
            "is_legal, render_observation, arguments_schema, offered_values, fallback_action"
        )
    known = _REGISTRY.get(domain.name)
    if known is not None and known is not domain and not replace:
        raise UsageError(
            f"a domain named {domain.name!r} is registered already; pass replace=True to "
            "replace it, or choose another name"
        )
    _REGISTRY[domain.name] = domain
    return domain


def domain_names() -> list[str]:
    """Every registered domain's name, the built-in ones included."""
    return list(dict.fromkeys([*_BUILT_IN, *_REGISTRY]))


def load_built_in(name: str) -> None:
    """Load the built-in domain ``name`` (which registers its strategies) if it is one."""
    if name not in _REGISTRY and name in _BUILT_IN:
        module, _, attribute = _BUILT_IN[name].partition(":")
        register_domain(getattr(importlib.import_module(module), attribute))


def get_domain(name: str) -> Domain:
    """The domain registered as ``name``; an unknown name raises ``UsageError``."""
    load_built_in(name)
    if name not in _REGISTRY:
        raise UsageError(
            f"unknown domain {name!r}; registered: {', '.join(domain_names())}. Pass the domain "
            "object itself (domain=MyDomain(...)) or register it with register_domain"
        )
    return _REGISTRY[name]


def resolve_domain(domain: Domain | str) -> Domain:
    """``domain`` itself, or the registered domain of that name."""
    if isinstance(domain, str):
        return get_domain(domain)
    if not isinstance(domain, Domain):
        raise UsageError(
            f"domain must be a Domain or a registered name, got {type(domain).__name__}; build "
            "one with agentkit.agents.ToolDomain(name=..., task=..., tools={...})"
        )
    return domain
