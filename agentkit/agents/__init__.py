"""The agents: LLM agents generic over a domain, with strategies, memory, skills and a
rule-based fallback, and ``run_episode`` to record what they do.

>>> from agentkit.agents import FlightBookingOpenAIAgent
>>> agent = FlightBookingOpenAIAgent(model="gpt-4", strategy="balanced", temperature=0.7)
>>> # action = await agent.select_action(observation)   # always legal

An agent of your own world: a :class:`ToolDomain` of your tools (one pydantic argument model
each) with its legality and fallback rules, then ``ToolEnabledLLMAgent(domain=my_domain, ...)``.
The flight-booking agents are these same classes bound to :data:`agentkit.flight.FLIGHT_DOMAIN`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agentkit.agents._agent import (
    DEFAULT_MODEL,
    DEFAULT_TEMPERATURE,
    LLMAgent,
    OpenAILLMAgent,
    ToolEnabledLLMAgent,
    failure_class,
)
from agentkit.agents._constrain import ACTION_TOOL, StructuredOutput, action_schema
from agentkit.agents._decision import (
    MODEL_SOURCES,
    DecisionRecord,
    DecisionSource,
    Exchange,
    FallbackClass,
)
from agentkit.agents._domain import Domain, ToolDomain, clip_json
from agentkit.agents._episode import Step, Trajectory, run_episode
from agentkit.agents._memory import Memory, Round
from agentkit.agents._registry import DEFAULT_DOMAIN, domain_names, get_domain, register_domain
from agentkit.agents._skills import SKILLS_FORMAT_VERSION, Skill, SkillLibrary
from agentkit.agents._strategy import (
    FallbackPolicy,
    Strategy,
    get_strategy,
    register_strategy,
    strategy_names,
    unregister_strategy,
)

if TYPE_CHECKING:
    from agentkit.flight import FlightBookingOpenAIAgent, ToolEnabledFlightBookingAgent

__all__ = [
    "ACTION_TOOL",
    "DEFAULT_DOMAIN",
    "DEFAULT_MODEL",
    "DEFAULT_TEMPERATURE",
    "MODEL_SOURCES",
    "SKILLS_FORMAT_VERSION",
    "DecisionRecord",
    "DecisionSource",
    "Domain",
    "Exchange",
    "FallbackClass",
    "FallbackPolicy",
    "FlightBookingOpenAIAgent",
    "LLMAgent",
    "Memory",
    "OpenAILLMAgent",
    "Round",
    "Skill",
    "SkillLibrary",
    "Step",
    "Strategy",
    "StructuredOutput",
    "ToolDomain",
    "ToolEnabledFlightBookingAgent",
    "ToolEnabledLLMAgent",
    "Trajectory",
    "action_schema",
    "clip_json",
    "domain_names",
    "failure_class",
    "get_domain",
    "get_strategy",
    "register_domain",
    "register_strategy",
    "run_episode",
    "strategy_names",
    "unregister_strategy",
]

# The flight agents live with their domain (which imports this package): load them on first use.
_BOUND_AGENTS = frozenset({"FlightBookingOpenAIAgent", "ToolEnabledFlightBookingAgent"})


def __getattr__(name: str) -> Any:
    if name in _BOUND_AGENTS:
        value = getattr(importlib.import_module("agentkit.flight"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'agentkit.agents' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
