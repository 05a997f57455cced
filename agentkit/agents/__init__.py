"""The agents: LLM agents for the flight-booking world, with strategies, memory, skills and a
rule-based fallback, and ``run_episode`` to record what they do.

>>> from agentkit.agents import FlightBookingOpenAIAgent
>>> agent = FlightBookingOpenAIAgent(model="gpt-4", strategy="balanced", temperature=0.7)
>>> # action = await agent.select_action(observation)   # always legal, never raises
"""

from agentkit.agents._agent import (
    DEFAULT_MODEL,
    DEFAULT_TEMPERATURE,
    FlightBookingOpenAIAgent,
    LLMAgent,
    OpenAILLMAgent,
    ToolEnabledFlightBookingAgent,
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
from agentkit.agents._episode import Step, Trajectory, run_episode
from agentkit.agents._memory import Memory, Round
from agentkit.agents._policies import POLICY_PARAMS, PolicyParams, is_legal, rule_based_action
from agentkit.agents._skills import SKILLS_FORMAT_VERSION, Skill, SkillLibrary
from agentkit.agents._strategy import STRATEGIES, Strategy, StrategyName, get_strategy

__all__ = [
    "ACTION_TOOL",
    "DEFAULT_MODEL",
    "DEFAULT_TEMPERATURE",
    "MODEL_SOURCES",
    "POLICY_PARAMS",
    "SKILLS_FORMAT_VERSION",
    "STRATEGIES",
    "DecisionRecord",
    "DecisionSource",
    "Exchange",
    "FallbackClass",
    "FlightBookingOpenAIAgent",
    "LLMAgent",
    "Memory",
    "OpenAILLMAgent",
    "PolicyParams",
    "Round",
    "Skill",
    "SkillLibrary",
    "Step",
    "Strategy",
    "StrategyName",
    "StructuredOutput",
    "ToolEnabledFlightBookingAgent",
    "ToolEnabledLLMAgent",
    "Trajectory",
    "action_schema",
    "failure_class",
    "get_strategy",
    "is_legal",
    "rule_based_action",
    "run_episode",
]
