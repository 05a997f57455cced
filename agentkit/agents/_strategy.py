"""Strategies: a prompt section, decision parameters and a rule-based policy, by name."""

from __future__ import annotations

from typing import get_args

from pydantic import BaseModel, ConfigDict

from agentkit._errors import UsageError
from agentkit.agents._policies import POLICY_PARAMS, PolicyParams, StrategyName

__all__ = ["STRATEGIES", "Strategy", "StrategyName", "get_strategy"]

_PROMPTS: dict[StrategyName, str] = {
    "aggressive": (
        "Strategy: aggressive. Book the cheapest itinerary that meets every hard constraint and "
        "the budget, as fast as possible. Do not filter, compare at length or add extras the "
        "traveller did not ask for. Apply a valid coupon if one is offered."
    ),
    "balanced": (
        "Strategy: balanced. Weigh price against convenience: among itineraries that meet every "
        "hard constraint and the budget, prefer the best value, counting each stop as a cost. "
        "Apply a valid coupon if one is offered."
    ),
    "conservative": (
        "Strategy: conservative. Narrow the results with filter_results before choosing, prefer "
        "direct flights, and buy travel insurance when the budget allows. Never break a hard "
        "constraint or the budget; when unsure, re-check the cart before paying."
    ),
}


class Strategy(BaseModel):
    """How an agent decides: what its prompt says, and how its rule-based policy acts."""

    model_config = ConfigDict(frozen=True)

    name: StrategyName
    """aggressive, balanced or conservative."""
    prompt: str
    """The section of the system prompt that states the strategy."""
    params: PolicyParams
    """The decision parameters the rule-based policy uses."""


STRATEGIES: dict[StrategyName, Strategy] = {
    name: Strategy(name=name, prompt=_PROMPTS[name], params=POLICY_PARAMS[name])
    for name in get_args(StrategyName)
}


def get_strategy(strategy: str | Strategy) -> Strategy:
    """The strategy called ``strategy``; an unknown name raises ``UsageError`` listing the names."""
    if isinstance(strategy, Strategy):
        return strategy
    if strategy not in STRATEGIES:
        names = ", ".join(STRATEGIES)
        raise UsageError(f"unknown strategy {strategy!r}; expected one of: {names}")
    return STRATEGIES[strategy]
