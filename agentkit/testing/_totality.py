"""``check_fallback_total``: a property test that any domain's agent always acts legally.

Whatever the observation (valid or broken), whatever the model answers (tool calls valid or
broken, prose, refusals, empty or cut answers) and whatever the network does (a generated fault
plan), the agent returns an action that its domain finds legal, explains every fallback, and
raises only for what is the developer's to fix (``setup``: a status like 401 or 404 that a
fault plan injected), recording the decision even then.

>>> from agentkit.agents import ToolEnabledLLMAgent
>>> check_fallback_total(                                   # doctest: +SKIP
...     lambda api: ToolEnabledLLMAgent(domain=MY_DOMAIN, api=api),
...     adversarial(my_observations()),
... )
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx2
from hypothesis import given, settings
from hypothesis import strategies as st

from agentkit._errors import UsageError
from agentkit.agents import LLMAgent, failure_class
from agentkit.faults import FaultInjectingTransport, FaultPlan, VirtualClock
from agentkit.models import ModelAPI, ModelParams, ProviderStatusError, RetryPolicy
from agentkit.testing._fakes import ScriptedProvider
from agentkit.testing.strategies import fault_plans, model_responses

__all__ = ["check_fallback_total"]

# Every call of one decision gets the same answer: a first ask, retries, a repair re-ask.
_REPLIES_PER_DECISION = 8


def _api(answer: dict[str, Any], plan: FaultPlan | None) -> ModelAPI:
    clock = VirtualClock()
    provider = httpx2.MockTransport(ScriptedProvider([answer] * _REPLIES_PER_DECISION))
    transport = FaultInjectingTransport(provider, plan or FaultPlan(), clock=clock)
    api = ModelAPI(
        ModelParams(name="gpt-4", retry=RetryPolicy(max_attempts=2, deadline_s=30)),
        http_client=httpx2.AsyncClient(transport=transport),
        clock=clock,
        sleep=clock.sleep,
    )
    return api


def _built(make_agent: Callable[[ModelAPI], LLMAgent], api: ModelAPI) -> LLMAgent:
    agent = make_agent(api)
    if not isinstance(agent, LLMAgent):
        raise UsageError(
            f"make_agent must return an agentkit agent (an LLMAgent), got "
            f"{type(agent).__name__}; build it with api=api, e.g. "
            "lambda api: ToolEnabledLLMAgent(domain=MY_DOMAIN, api=api)"
        )
    if agent.api is not api:
        raise UsageError(
            "make_agent must build its agent with the ModelAPI it is given (api=api): the "
            "check serves the model's answers and the faults through it"
        )
    return agent


async def _decide(agent: LLMAgent, observation: Any) -> tuple[str, BaseException | None]:
    try:
        return await agent.select_action(observation), None
    except Exception as exc:
        return "", exc


def _check_one(
    make_agent: Callable[[ModelAPI], LLMAgent],
    observation: Any,
    answer: dict[str, Any],
    plan: FaultPlan,
) -> None:
    api = _api(answer, plan)
    agent = _built(make_agent, api)
    action, raised = asyncio.run(_decide(agent, observation))
    decision = agent.last_decision
    if raised is not None:
        # Only the developer's mistakes may raise, and here the only one there can be is a
        # status the fault plan injected (401, 404, ...): anything else is a bug, the domain's
        # or agentkit's, and fails the check.
        a_setup_status = (
            isinstance(raised, ProviderStatusError) and failure_class(raised) == "setup"
        )
        assert a_setup_status, (
            f"select_action raised {type(raised).__name__}: {raised}; the model's and the "
            "network's failures must fall back, and the domain's methods must never raise"
        )
        assert decision is not None, "a decision that raised must still be recorded"
        assert decision.fallback_class == "setup", decision
        action = decision.action
    assert isinstance(action, str), f"select_action returned {type(action).__name__}, not a str"
    assert decision is not None, "select_action must record last_decision"
    assert decision.action == action, (decision.action, action)
    legal = agent.domain.legal_tools(observation)
    if legal:
        assert agent.domain.is_legal(observation, action), (
            f"the action {action!r} is not legal here; the tools legal now: {legal}; the "
            f"decision: source={decision.source}, reason={decision.reason}"
        )
    if decision.source == "fallback":
        assert decision.reason, "a fallback must say why"
        assert decision.fallback_class is not None, "a fallback must carry its class"


def check_fallback_total(
    make_agent: Callable[[ModelAPI], LLMAgent],
    observations: st.SearchStrategy[Any],
    *,
    answers: st.SearchStrategy[dict[str, Any]] | None = None,
    plans: st.SearchStrategy[FaultPlan] | None = None,
    max_examples: int | None = None,
) -> None:
    """Check, with hypothesis, that the agent ``make_agent`` builds always acts legally.

    ``make_agent(api)`` builds the agent under test with ``api=api``. ``observations`` draws the
    domain's observations (wrap them in ``strategies.adversarial`` to add broken ones);
    ``answers`` the model's answers (default: ``strategies.model_responses`` over the domain's
    tools, valid and broken); ``plans`` the fault plans (default: ``strategies.fault_plans``,
    the whole catalogue). ``max_examples`` overrides the active hypothesis profile's.

    Raises hypothesis's falsifying example on the first violation: an action the domain finds
    illegal (while some action is legal), a fallback without a reason or class, or an exception
    other than a ``setup`` status the plan injected (a domain method that raises is one).
    """
    domain = _built(make_agent, _api({}, None)).domain
    if answers is None:
        answers = model_responses([tool.to_openai() for tool in domain.tools()])
    if plans is None:
        plans = fault_plans()

    @given(observation=observations, answer=answers, plan=plans)
    def fallback_is_total(observation: Any, answer: dict[str, Any], plan: FaultPlan) -> None:
        _check_one(make_agent, observation, answer, plan)

    if max_examples is not None:
        fallback_is_total = settings(max_examples=max_examples)(fallback_is_total)
    fallback_is_total()
