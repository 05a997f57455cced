"""The flight-booking environment: a seeded, deterministic Gymnasium env with ten tools.

>>> from agentkit.envs import FlightBookingEnv, oracle_action
>>> env = FlightBookingEnv()
>>> obs, info = env.reset(seed=0, options={"difficulty": "easy"})
>>> obs, reward, terminated, truncated, info = env.step(oracle_action(obs))
>>> obs["state"]
'search_results'

The environment is also registered with Gymnasium as :data:`ENV_ID`
(``gymnasium.make("agentkit/FlightBooking-v0")``).
"""

import gymnasium as _gym

from agentkit.envs._actions import ActionError, ParsedAction, format_action, parse_action
from agentkit.envs._catalog import AIRLINES, AIRPORTS, CABINS
from agentkit.envs._env import ENV_ID, FlightBookingEnv
from agentkit.envs._models import (
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
from agentkit.envs._observation import (
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
from agentkit.envs._oracle import OracleRun, oracle_action, solve_oracle
from agentkit.envs._tasks import TASK_FORMAT_VERSION, TaskSet, load_tasks
from agentkit.envs._tools import (
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

__all__ = [
    "AIRLINES",
    "AIRPORTS",
    "ARG_MODELS",
    "CABINS",
    "ENV_ID",
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
    "FlightObservation",
    "FlightObservationSpace",
    "OracleRun",
    "ParsedAction",
    "Passenger",
    "PassengerArgs",
    "Payment",
    "PaymentMethod",
    "PricingPolicy",
    "ProceedToPaymentArgs",
    "Receipt",
    "RestartArgs",
    "SearchFlightsArgs",
    "SearchQuery",
    "Seats",
    "SelectFlightArgs",
    "Selection",
    "Task",
    "TaskBrief",
    "TaskSet",
    "Traveller",
    "anthropic_tool_specs",
    "format_action",
    "legal_tools",
    "load_tasks",
    "oracle_action",
    "parse_action",
    "solve_oracle",
    "to_anthropic_tool",
    "tool_specs",
]


if ENV_ID not in _gym.registry:
    _gym.register(id=ENV_ID, entry_point="agentkit.envs._env:FlightBookingEnv")
