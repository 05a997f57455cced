"""The flight-booking domain: a seeded, deterministic Gymnasium env with ten tools, and what an
agent knows of it (:data:`FLIGHT_DOMAIN`: legality, rendering, the strategies' rule-based
policies) with the agents bound to it.

>>> from agentkit.flight import FlightBookingEnv, oracle_action
>>> env = FlightBookingEnv()
>>> obs, info = env.reset(seed=0, options={"difficulty": "easy"})
>>> obs, reward, terminated, truncated, info = env.step(oracle_action(obs))
>>> obs["state"]
'search_results'

The environment is also registered with Gymnasium as :data:`ENV_ID`
(``gymnasium.make("agentkit/FlightBooking-v0")``).

The env needs nothing of agentkit's model layer; the domain and the agents (which do) load on
first use, so that importing the env stays fast.
"""

import importlib as _importlib
import typing as _typing

import gymnasium as _gym

from agentkit.flight._actions import ActionError, ParsedAction, format_action, parse_action
from agentkit.flight._catalog import AIRLINES, AIRPORTS, CABINS
from agentkit.flight._env import ENV_ID, FlightBookingEnv
from agentkit.flight._models import (
    Constraints,
    Coupon,
    Fares,
    FaultRates,
    Flight,
    Passenger,
    PaymentMethod,
    Seats,
    Task,
    TaskBrief,
    Traveller,
)
from agentkit.flight._observation import (
    Cart,
    Filters,
    FlightObservation,
    FlightObservationSpace,
    Payment,
    PricingPolicy,
    Receipt,
    SearchQuery,
    Selection,
)
from agentkit.flight._oracle import OracleRun, oracle_action, solve_oracle
from agentkit.flight._policies import (
    POLICY_PARAMS,
    PolicyParams,
    StrategyName,
    is_legal,
    rule_based_action,
)
from agentkit.flight._tasks import TASK_FORMAT_VERSION, TaskSet, load_tasks
from agentkit.flight._tools import (
    ARG_MODELS,
    TOOL_NAMES,
    AbortArgs,
    AddToCartArgs,
    ApplyCouponArgs,
    ConfirmPaymentArgs,
    EnterCardArgs,
    FilterResultsArgs,
    PassengerArgs,
    ProceedToPaymentArgs,
    RestartArgs,
    SearchFlightsArgs,
    SelectFlightArgs,
    anthropic_tool_specs,
    legal_tools,
    to_anthropic_tool,
    tool_specs,
)

if _typing.TYPE_CHECKING:
    from agentkit.flight._agents import FlightBookingOpenAIAgent, ToolEnabledFlightBookingAgent
    from agentkit.flight._domain import FLIGHT_DOMAIN, FLIGHT_STRATEGIES, FlightDomain

__all__ = [
    "AIRLINES",
    "AIRPORTS",
    "ARG_MODELS",
    "CABINS",
    "ENV_ID",
    "FLIGHT_DOMAIN",
    "FLIGHT_STRATEGIES",
    "POLICY_PARAMS",
    "TASK_FORMAT_VERSION",
    "TOOL_NAMES",
    "AbortArgs",
    "ActionError",
    "AddToCartArgs",
    "ApplyCouponArgs",
    "Cart",
    "ConfirmPaymentArgs",
    "Constraints",
    "Coupon",
    "EnterCardArgs",
    "Fares",
    "FaultRates",
    "FilterResultsArgs",
    "Filters",
    "Flight",
    "FlightBookingEnv",
    "FlightBookingOpenAIAgent",
    "FlightDomain",
    "FlightObservation",
    "FlightObservationSpace",
    "OracleRun",
    "ParsedAction",
    "Passenger",
    "PassengerArgs",
    "Payment",
    "PaymentMethod",
    "PolicyParams",
    "PricingPolicy",
    "ProceedToPaymentArgs",
    "Receipt",
    "RestartArgs",
    "SearchFlightsArgs",
    "SearchQuery",
    "Seats",
    "SelectFlightArgs",
    "Selection",
    "StrategyName",
    "Task",
    "TaskBrief",
    "TaskSet",
    "ToolEnabledFlightBookingAgent",
    "Traveller",
    "anthropic_tool_specs",
    "format_action",
    "is_legal",
    "legal_tools",
    "load_tasks",
    "oracle_action",
    "parse_action",
    "rule_based_action",
    "solve_oracle",
    "to_anthropic_tool",
    "tool_specs",
]


_LAZY = {
    "FLIGHT_DOMAIN": "agentkit.flight._domain",
    "FLIGHT_STRATEGIES": "agentkit.flight._domain",
    "FlightDomain": "agentkit.flight._domain",
    "FlightBookingOpenAIAgent": "agentkit.flight._agents",
    "ToolEnabledFlightBookingAgent": "agentkit.flight._agents",
}


def __getattr__(name: str) -> _typing.Any:
    if name in _LAZY:
        value = getattr(_importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'agentkit.flight' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if ENV_ID not in _gym.registry:
    _gym.register(id=ENV_ID, entry_point="agentkit.flight._env:FlightBookingEnv")
