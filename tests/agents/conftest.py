"""Fixtures for agent tests: agents over the real openai SDK with scripted answers and faults."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from agentkit.agents import LLMAgent, ToolEnabledFlightBookingAgent
from agentkit.faults import FaultInjectingTransport, FaultPlan
from agentkit.flight import FlightBookingEnv
from agentkit.models import ModelAPI, ModelParams, RetryPolicy
from agentkit.testing._fakes import FakeClock, Reply, ScriptedProvider

MakeAgent = Callable[..., tuple[Any, ScriptedProvider, FaultInjectingTransport]]


@pytest.fixture
def observation() -> dict[str, Any]:
    """The first observation of a seeded episode (state search_form)."""
    obs, _ = FlightBookingEnv().reset(seed=3, options={"difficulty": "easy"})
    return obs


@pytest.fixture
def make_agent() -> MakeAgent:
    """An agent whose model answers from ``replies``, through an optional fault plan."""

    def make(
        replies: list[Reply],
        *,
        agent_class: type[LLMAgent] = ToolEnabledFlightBookingAgent,
        plan: FaultPlan | None = None,
        strategy: str = "balanced",
        temperature: float = 0.7,
        **agent_kwargs: Any,
    ) -> tuple[Any, ScriptedProvider, FaultInjectingTransport]:
        provider = ScriptedProvider(list(replies))
        transport = FaultInjectingTransport(httpx2.MockTransport(provider), plan or FaultPlan())
        clock = FakeClock()
        api = ModelAPI(
            ModelParams(
                name="gpt-4",
                infer_kwargs={"temperature": temperature},
                retry=RetryPolicy(max_attempts=2),
            ),
            http_client=httpx2.AsyncClient(transport=transport),
            clock=clock,
            sleep=clock.sleep,
        )
        agent = agent_class(strategy=strategy, api=api, fault_log=transport.log, **agent_kwargs)
        return agent, provider, transport

    return make
