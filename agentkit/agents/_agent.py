"""The LLM agents: ask the model, check its answer, repair once, and fall back to the rules.

``await agent.select_action(observation)`` never raises (cancellation aside) and always returns
an action legal in the observation's state, within the decision deadline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from agentkit._errors import UsageError
from agentkit.agents._decision import DecisionRecord, DecisionSource, Exchange
from agentkit.agents._domain import check_call, flight_tools, safe_legal_tools
from agentkit.agents._interpret import Interpretation, interpret
from agentkit.agents._memory import Memory
from agentkit.agents._policies import is_legal, rule_based_action
from agentkit.agents._prompt import build_messages, repair_message_text
from agentkit.agents._skills import SkillLibrary
from agentkit.agents._strategy import Strategy, get_strategy
from agentkit.envs import format_action
from agentkit.models import (
    ChatResponse,
    Message,
    ModelAPI,
    ModelCallError,
    ModelParams,
    ProviderStatusError,
    RetryPolicy,
    ToolSpec,
)

__all__ = [
    "FlightBookingOpenAIAgent",
    "LLMAgent",
    "OpenAILLMAgent",
    "ToolEnabledFlightBookingAgent",
    "ToolEnabledLLMAgent",
]

logger = logging.getLogger("agentkit.agents")


class _Decision:
    """The mutable state of one decision, frozen into a ``DecisionRecord`` at the end."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.attempts = 0
        self.input_tokens = 0
        self.output_tokens = 0

    def called(
        self, messages: Sequence[Message], response: ChatResponse, error: str | None
    ) -> None:
        self.exchanges.append(Exchange(messages=tuple(messages), response=response, error=error))
        self.attempts += response.attempts
        if response.usage is not None:
            self.input_tokens += response.usage.input_tokens
            self.output_tokens += response.usage.output_tokens

    def failed(self, messages: Sequence[Message], exc: BaseException) -> None:
        self.exchanges.append(Exchange(messages=tuple(messages), error=_describe(exc)))
        self.attempts += len(exc.attempts) if isinstance(exc, ModelCallError) else 1


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ModelCallError):
        return f"{type(exc).__name__}: {exc.summary}"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:500]


def _is_context_too_long(exc: BaseException) -> bool:
    return isinstance(exc, ProviderStatusError) and exc.code == "context_length_exceeded"


class LLMAgent:
    """An agent that asks a model for the next action as text and parses it.

    >>> agent = LLMAgent(model="gpt-4", strategy="balanced", temperature=0.7)
    >>> # action = await agent.select_action(observation)

    ``api`` replaces the default ``ModelAPI`` (for replay, faults or a shared breaker);
    ``infer_kwargs`` are sent with every request. ``fault_log`` is a fault transport's log: the
    entries added during a decision are copied into its record.
    """

    tool_mode: ClassVar[bool] = False
    kind: ClassVar[str] = "text"

    def __init__(
        self,
        model: str = "gpt-4",
        strategy: str | Strategy = "balanced",
        temperature: float | None = 0.7,
        *,
        api: ModelAPI | None = None,
        memory_window: int = 5,
        skills: SkillLibrary | None = None,
        skills_in_prompt: int = 2,
        decision_deadline_s: float = 60.0,
        retry: RetryPolicy | None = None,
        fault_log: Sequence[Any] | None = None,
        stream: bool = False,
        clock: Callable[[], float] = time.perf_counter,
        **infer_kwargs: Any,
    ) -> None:
        self.strategy = get_strategy(strategy)
        if decision_deadline_s <= 0:
            raise UsageError(f"decision_deadline_s must be > 0, got {decision_deadline_s}")
        if api is None:
            if temperature is not None:
                infer_kwargs["temperature"] = temperature
            params = ModelParams(
                name=model,
                infer_kwargs=infer_kwargs,
                retry=retry or RetryPolicy(deadline_s=decision_deadline_s),
            )
            api = ModelAPI(params)
        self.api = api
        self.memory = Memory(memory_window)
        self.skills = skills
        self.skills_in_prompt = skills_in_prompt
        self.decision_deadline_s = decision_deadline_s
        self.fault_log = fault_log
        self.stream = stream
        self._clock = clock
        self._pending: tuple[int, str] | None = None
        self.last_decision: DecisionRecord | None = None

    @property
    def model(self) -> str:
        return self.api.model_params.name

    def tools(self) -> tuple[ToolSpec, ...]:
        """Tool schemas sent with each request (none for a text agent)."""
        return ()

    def reset(self, seed: int = 0) -> None:
        """Forget the episode: memory cleared, skill choice reseeded."""
        self.memory.clear()
        self._pending = None
        self.last_decision = None
        if self.skills is not None:
            self.skills.reseed(seed)

    async def select_action(self, observation: Mapping[str, Any]) -> str:
        """The next action: legal in ``observation``'s state, whatever the model does."""
        started = self._clock()
        faults_before = len(self.fault_log) if self.fault_log is not None else 0
        self._remember(observation)
        decision = _Decision()
        action: str | None = None
        source: DecisionSource = "fallback"
        reason: str | None = None
        try:
            async with asyncio.timeout(self.decision_deadline_s):
                action, source, reason = await self._decide(observation, decision)
        except TimeoutError:
            reason = f"the decision deadline of {self.decision_deadline_s:g}s passed"
        except UsageError as exc:
            reason = f"misconfigured: {exc}"
            logger.warning("agentkit agent falls back: %s", exc)
        except Exception as exc:  # the promise: never raise, always act
            reason = f"unexpected {_describe(exc)}"
            logger.warning("agentkit agent falls back: %s", reason)
            logger.debug("the unexpected error", exc_info=True)
        if action is None or not is_legal(observation, action):
            action = _fallback(observation, self.strategy)
            source = "fallback"
        faults: tuple[dict[str, Any], ...] = ()
        if self.fault_log is not None:
            faults = tuple(_as_dict(entry) for entry in list(self.fault_log)[faults_before:])
        self.last_decision = DecisionRecord(
            action=action,
            source=source,
            reason=reason,
            model_calls=len(decision.exchanges),
            attempts=decision.attempts,
            input_tokens=decision.input_tokens,
            output_tokens=decision.output_tokens,
            latency_ms=round((self._clock() - started) * 1000, 3),
            exchanges=tuple(decision.exchanges),
            faults=faults,
        )
        step = observation.get("step") if isinstance(observation, Mapping) else None
        self._pending = (step if isinstance(step, int) else -1, action)
        return action

    def _remember(self, observation: object) -> None:
        if self._pending is not None:
            self.memory.record(*self._pending, observation)
            self._pending = None

    async def _decide(
        self, observation: Mapping[str, Any], decision: _Decision
    ) -> tuple[str | None, DecisionSource, str | None]:
        legal = safe_legal_tools(observation)
        if not legal:
            return None, "fallback", "the observation allows no tool (or cannot be read)"
        chosen = self.skills.choose(self.skills_in_prompt) if self.skills else []
        messages = build_messages(
            observation,
            strategy=self.strategy,
            legal=legal,
            memory=self.memory,
            skills=chosen,
            tool_mode=self.tool_mode,
        )
        response = await self._ask(messages, decision, observation)
        if response is None:
            return None, "fallback", decision.exchanges[-1].error
        first = interpret(observation, response, tool_mode=self.tool_mode)
        decision.exchanges[-1] = decision.exchanges[-1].model_copy(update={"error": first.error})
        if first.action is not None:
            return first.action, "tool_call" if first.source == "tool_call" else "model_text", None
        if not first.repairable:
            return None, "fallback", first.error
        repaired = await self._repair(messages, response, first, legal, decision, observation)
        if repaired.action is not None:
            return repaired.action, "repair", first.error
        return None, "fallback", f"{first.error}; after repair: {repaired.error}"

    async def _call(self, messages: list[Message]) -> ChatResponse:
        tools = self.tools()
        tool_choice = "auto" if tools else None
        if not self.stream:
            return await self.api.chat(messages, tools=tools or None, tool_choice=tool_choice)
        final: ChatResponse | None = None
        async for event in self.api.stream(messages, tools=tools or None, tool_choice=tool_choice):
            if isinstance(event, ChatResponse):
                final = event
        if final is None:  # ModelAPI.stream always ends with one; guard against a broken double
            raise RuntimeError("the model stream ended without a final ChatResponse")
        return final

    async def _ask(
        self, messages: list[Message], decision: _Decision, observation: object
    ) -> ChatResponse | None:
        try:
            response = await self._call(messages)
        except Exception as exc:  # a failed call is recorded and answered by the fallback
            decision.failed(messages, exc)
            if not _is_context_too_long(exc):
                return None
            # Context too long (FAULTS.md row 9): shrink the history once and ask again.
            messages = build_messages(
                observation,
                strategy=self.strategy,
                legal=safe_legal_tools(observation),
                memory=Memory(0),
                skills=[],
                tool_mode=self.tool_mode,
            )
            try:
                response = await self._call(messages)
            except Exception as retry_exc:
                decision.failed(messages, retry_exc)
                return None
        decision.called(messages, response, None)
        return response

    async def _repair(
        self,
        messages: list[Message],
        response: ChatResponse,
        problem: Interpretation,
        legal: list[str],
        decision: _Decision,
        observation: Mapping[str, Any],
    ) -> Interpretation:
        """One re-ask with the error fed back (FAULTS.md "Policy": one repair, then fall back)."""
        feedback = repair_message_text(problem.error or "it could not be read", legal)
        follow_up = [*messages, response.to_message()]
        if response.tool_calls:
            # Every tool call must be answered before the conversation may go on.
            answered = dict.fromkeys(call.id for call in response.tool_calls)
            follow_up += [Message.tool(call_id, feedback) for call_id in answered]
        else:
            follow_up.append(Message.user(feedback))
        repaired = await self._ask(follow_up, decision, observation)
        if repaired is None:
            return Interpretation(action=None, error=decision.exchanges[-1].error)
        result = interpret(observation, repaired, tool_mode=self.tool_mode)
        decision.exchanges[-1] = decision.exchanges[-1].model_copy(update={"error": result.error})
        return result


def _fallback(observation: Mapping[str, Any], strategy: Strategy) -> str:
    """The strategy's rule-based action; if even that is not legal here, the plainest legal one."""
    action = rule_based_action(observation, strategy.name, strategy.params)
    legal = safe_legal_tools(observation)
    if not legal or is_legal(observation, action):
        return action
    for name in legal:
        candidate, _ = check_call(observation, name, {})
        if candidate is not None:
            return candidate
    return format_action("abort", {"reason": "no usable action in this observation"})


def _as_dict(entry: Any) -> dict[str, Any]:
    if hasattr(entry, "model_dump"):
        dumped: dict[str, Any] = entry.model_dump(mode="json")
        return dumped
    return dict(entry) if isinstance(entry, Mapping) else {"entry": repr(entry)}


class OpenAILLMAgent(LLMAgent):
    """A text agent bound to an OpenAI-compatible provider (the model proxy or Stepcast)."""

    def __init__(self, model: str = "gpt-4", *args: Any, **kwargs: Any) -> None:
        if model.startswith("anthropic/"):
            raise UsageError(
                f"OpenAILLMAgent talks to OpenAI-compatible providers, not {model!r}; use "
                "LLMAgent for Anthropic models"
            )
        super().__init__(model, *args, **kwargs)


class ToolEnabledLLMAgent(LLMAgent):
    """An agent that sends the tool schemas (``tool_choice="auto"``) and acts on tool calls."""

    tool_mode: ClassVar[bool] = True
    kind: ClassVar[str] = "tool"

    def tools(self) -> tuple[ToolSpec, ...]:
        return flight_tools()


class FlightBookingOpenAIAgent(OpenAILLMAgent):
    """The flight-booking text agent on an OpenAI-compatible endpoint.

    >>> agent = FlightBookingOpenAIAgent(model="gpt-4", strategy="balanced", temperature=0.7)
    """


class ToolEnabledFlightBookingAgent(ToolEnabledLLMAgent):
    """The flight-booking agent that acts through tool calls."""
