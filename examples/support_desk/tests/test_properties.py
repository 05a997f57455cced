"""The fallback is total: whatever the observation (valid or broken), the model's answer and the
faults, a desk agent returns an action the desk finds legal, and says why it fell back."""

from __future__ import annotations

from typing import Literal

import pytest
from agentkit.agents import LLMAgent
from agentkit.models import ModelAPI
from agentkit.testing import check_fallback_total
from agentkit.testing.strategies import adversarial

from support_desk.episodes import desk_agent
from support_desk.strategies import valid_observations


@pytest.mark.parametrize("constrained", [True, False], ids=["constrained", "free"])
@pytest.mark.parametrize("strategy", ["balanced", "triage"])
@pytest.mark.parametrize("agent", ["tool", "text"])
def test_the_desk_agent_always_acts_legally(
    agent: Literal["tool", "text"], strategy: str, constrained: bool
) -> None:
    """agentkit's property check over desk observations, broken ones included, every kind of
    model answer and generated fault plans."""

    def make_agent(api: ModelAPI) -> LLMAgent:
        return desk_agent(api, agent=agent, strategy=strategy, constrained=constrained)

    check_fallback_total(make_agent, adversarial(valid_observations()))
