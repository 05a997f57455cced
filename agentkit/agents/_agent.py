"""The LLM agents: ask the model, check its answer, repair once, and fall back to the rules.

``await agent.select_action(observation)`` never raises (cancellation aside) and always returns
an action legal in the observation's state, within the decision deadline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from agentkit._errors import UsageError
from agentkit._redaction import default_redactor
from agentkit.agents._constrain import (
    ACTION_TOOL,
    StructuredOutput,
    action_schema,
    action_tool,
    response_format,
    unwrap_action,
)
from agentkit.agents._decision import (
    DecisionRecord,
    DecisionSource,
    Exchange,
    FallbackClass,
    redacted_text,
)
from agentkit.agents._domain import Domain
from agentkit.agents._interpret import Interpretation, interpret
from agentkit.agents._memory import Memory
from agentkit.agents._prompt import build_messages, repair_message_text
from agentkit.agents._registry import DEFAULT_DOMAIN, resolve_domain
from agentkit.agents._skills import SkillLibrary
from agentkit.agents._strategy import Strategy, get_strategy
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
    "DEFAULT_MODEL",
    "DEFAULT_TEMPERATURE",
    "LLMAgent",
    "OpenAILLMAgent",
    "ToolEnabledLLMAgent",
    "failure_class",
]

logger = logging.getLogger("agentkit.agents")


class _Decision:
    """The mutable state of one decision, frozen into a ``DecisionRecord`` at the end."""

    def __init__(self, legal: list[str]) -> None:
        self.legal = legal
        """The tools the observation allows (read once per decision)."""
        self.exchanges: list[Exchange] = []
        self.attempts = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.repairing: str | None = None
        """The first answer's problem while its repair re-ask is under way."""

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


@dataclass
class _Outcome:
    """What a decision came to: an action, or why there is none and which class of failure."""

    action: str | None
    source: DecisionSource
    reason: str | None = None
    fallback_class: FallbackClass | None = None
    error_type: str | None = None


class _CallFailed(Exception):
    """A model call failed in a way the fallback answers (``model_call``); carries the cause."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(_describe(cause))
        self.cause = cause


def _describe(exc: BaseException) -> str:
    """One line naming ``exc``, credentials redacted (an SDK error may echo the key)."""
    if isinstance(exc, ModelCallError):
        text = f"{type(exc).__name__}: {exc.summary}"
    else:
        text = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    # Redacted before the cut, so a credential is never half-kept.
    return default_redactor().text(text)[:500]


def _with_error(exchange: Exchange, error: str | None) -> Exchange:
    """``exchange`` with ``error`` set, redacted (``model_copy`` would skip the validators)."""
    return exchange.model_copy(update={"error": redacted_text(error)})


def _is_context_too_long(exc: BaseException) -> bool:
    return isinstance(exc, ProviderStatusError) and exc.code == "context_length_exceeded"


# 4xx statuses that say nothing about the request itself: a timeout, a conflict, a rate limit.
_TRANSIENT_CLIENT_STATUS = frozenset({408, 409, 429})


def failure_class(exc: BaseException) -> FallbackClass:
    """The class of a failed decision's exception: ``model_call`` for what the model's endpoint
    or the network did, ``setup`` for everything on the developer's side."""
    if isinstance(exc, ProviderStatusError):
        status = exc.status_code
        rejected = (
            status is not None
            and 400 <= status < 500
            and status not in _TRANSIENT_CLIENT_STATUS
            and not _is_context_too_long(exc)
        )
        # The server refused the request as sent (a bad key, an unknown model, a malformed
        # body): retrying or falling back cannot fix that, the developer can.
        return "setup" if rejected else "model_call"
    if isinstance(exc, ModelCallError | TimeoutError):
        return "model_call"
    return "setup"


class _DefaultTemperature(float):
    """The temperature an agent uses when none is given: 0.7, but recognisably not chosen."""

    def __repr__(self) -> str:
        return f"{float(self):g}"


class _DefaultModel(str):
    """The model an agent uses when none is given: ``gpt-4``, but recognisably not chosen."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(str(self))


DEFAULT_TEMPERATURE: float = _DefaultTemperature(0.7)
DEFAULT_MODEL: str = _DefaultModel("gpt-4")


class LLMAgent:
    """An agent that asks a model for the next action as text and parses it.

    >>> agent = LLMAgent(model="gpt-4", strategy="balanced", temperature=0.7)
    >>> # action = await agent.select_action(observation)

    ``domain`` is the world the agent acts in: a :class:`Domain` (e.g. a ``ToolDomain`` of your
    own tools) or a registered name; by default the flight-booking example. ``strategy`` is a
    :class:`Strategy` or a name registered for that domain (or for every domain).

    ``api`` replaces the default ``ModelAPI`` (for replay, faults or a shared breaker): the model,
    temperature, retry policy and inference settings are then the api's own, and passing any of
    them too raises ``UsageError``. ``infer_kwargs`` are sent with every request. ``fault_log``
    is a fault transport's log: the entries added during a decision are copied into its record.

    What the model and the network do wrong is answered by the strategy's rule-based policy;
    what the developer got wrong (``setup``: no key, a replay mismatch, a request the server
    rejects, a bug) raises, unless ``fallback_on_setup_errors=True``.

    ``constrained=True`` sends with every request a JSON schema of exactly the actions legal in
    the observation: a text agent through ``response_format`` (``structured_output``:
    ``json_schema``, OpenAI's strict form, or ``json_object``, llama.cpp's server's), a tool
    agent as one forced tool, ``next_action``, whose argument is the action.
    """

    tool_mode: ClassVar[bool] = False
    kind: ClassVar[str] = "text"
    default_domain: ClassVar[str] = DEFAULT_DOMAIN
    """The registered domain an agent of this class acts in when given none."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        strategy: str | Strategy = "balanced",
        temperature: float | None = DEFAULT_TEMPERATURE,
        *,
        domain: Domain | str | None = None,
        api: ModelAPI | None = None,
        memory_window: int = 5,
        skills: SkillLibrary | None = None,
        skills_in_prompt: int = 2,
        decision_deadline_s: float = 60.0,
        retry: RetryPolicy | None = None,
        fault_log: Sequence[Any] | None = None,
        stream: bool = False,
        fallback_on_setup_errors: bool = False,
        constrained: bool = False,
        structured_output: StructuredOutput = "json_schema",
        clock: Callable[[], float] = time.perf_counter,
        **infer_kwargs: Any,
    ) -> None:
        self.domain: Domain = resolve_domain(self.default_domain if domain is None else domain)
        self.strategy: Strategy = get_strategy(strategy, self.domain.name)
        if decision_deadline_s <= 0:
            raise UsageError(f"decision_deadline_s must be > 0, got {decision_deadline_s}")
        if api is None:
            if temperature is not None:
                infer_kwargs["temperature"] = float(temperature)
            params = ModelParams(
                name=str(model),
                infer_kwargs=infer_kwargs,
                retry=retry or RetryPolicy(deadline_s=decision_deadline_s),
            )
            api = ModelAPI(params)
        else:
            _check_no_conflict(api, model, temperature, retry, infer_kwargs)
        self.api = api
        self._check_provider()
        self.memory = Memory(memory_window)
        self.skills = skills
        self.skills_in_prompt = skills_in_prompt
        self.decision_deadline_s = decision_deadline_s
        self.fault_log = fault_log
        self.stream = stream
        self.fallback_on_setup_errors = fallback_on_setup_errors
        self.constrained = constrained
        self.structured_output = structured_output
        if constrained and not self.tool_mode and not self.api.openai_compatible:
            raise UsageError(
                "a constrained text agent needs structured output, which Anthropic's API does "
                "not offer; use ToolEnabledLLMAgent(constrained=True): it forces tool use"
            )
        self._clock = clock
        self._pending: tuple[int, str] | None = None
        self.last_decision: DecisionRecord | None = None

    @property
    def model(self) -> str:
        return self.api.model_params.name

    def _check_provider(self) -> None:
        """Subclasses bound to a provider family refuse the others here."""

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
        """The next action: legal in ``observation``'s state, whatever the model does.

        Raises the original error of a ``setup`` failure (see ``FallbackClass``) unless the agent
        was built with ``fallback_on_setup_errors=True``; ``last_decision`` records it either way.
        """
        started = self._clock()
        faults_before = len(self.fault_log) if self.fault_log is not None else 0
        self._remember(observation)
        legal = self.domain.legal_tools(observation)
        decision = _Decision(legal)
        setup_error: BaseException | None = None
        try:
            async with asyncio.timeout(self.decision_deadline_s):
                outcome = await self._decide(observation, decision)
        except TimeoutError:
            outcome = _Outcome(
                None,
                "fallback",
                f"the decision deadline of {self.decision_deadline_s:g}s passed",
                "model_call",
                "TimeoutError",
            )
        except Exception as exc:
            # Only setup failures reach here: _ask turns the model's and the network's own
            # failures into outcomes. A bug inside agentkit is a setup failure too.
            outcome = _failed_call(decision, exc, "setup")
            setup_error = exc
            if self.fallback_on_setup_errors:
                logger.warning("agentkit agent falls back on a setup failure: %s", outcome.reason)
        action = outcome.action
        if action is None or not self.domain.is_legal(observation, action):
            if action is not None:  # cannot happen with check_call; guard the promise anyway
                outcome = _Outcome(None, "fallback", "the model's action is not legal here",
                                   "model_output")  # fmt: skip
            action = _fallback(observation, self.strategy, self.domain, legal)
        faults: tuple[dict[str, Any], ...] = ()
        if self.fault_log is not None:
            faults = tuple(_as_dict(entry) for entry in list(self.fault_log)[faults_before:])
        is_fallback = outcome.action is None
        self.last_decision = DecisionRecord(
            action=action,
            source="fallback" if is_fallback else outcome.source,
            reason=outcome.reason,
            fallback_class=outcome.fallback_class if is_fallback else None,
            error_type=outcome.error_type if is_fallback else None,
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
        if setup_error is not None and not self.fallback_on_setup_errors:
            raise setup_error
        return action

    def _remember(self, observation: object) -> None:
        if self._pending is not None:
            self.memory.record(*self._pending, observation)
            self._pending = None

    async def _decide(self, observation: Mapping[str, Any], decision: _Decision) -> _Outcome:
        legal = decision.legal
        if not legal:
            return _Outcome(
                None,
                "fallback",
                "the observation allows no tool (or cannot be read)",
                "observation",
            )
        chosen = self.skills.choose(self.skills_in_prompt) if self.skills else []
        messages = build_messages(
            observation,
            domain=self.domain,
            strategy=self.strategy,
            legal=legal,
            memory=self.memory,
            skills=chosen,
            tool_mode=self._prompt_tool_mode,
        )
        try:
            response = await self._ask(messages, decision, observation)
        except _CallFailed as failed:
            return _failed_call(decision, failed.cause, "model_call")
        first = self._interpret(observation, response, legal)
        decision.exchanges[-1] = _with_error(decision.exchanges[-1], first.error)
        if first.action is not None:
            source: DecisionSource = "tool_call" if first.source == "tool_call" else "model_text"
            return _Outcome(first.action, source)
        if not first.repairable:
            return _Outcome(None, "fallback", first.error, "model_output")
        decision.repairing = first.error
        try:
            repaired = await self._repair(messages, response, first, legal, decision, observation)
        except _CallFailed as failed:
            return _failed_call(decision, failed.cause, "model_call")
        if repaired.action is not None:
            return _Outcome(repaired.action, "repair", first.error)
        return _Outcome(
            None, "fallback", f"{first.error}; after repair: {repaired.error}", "model_output"
        )

    @property
    def _prompt_tool_mode(self) -> bool:
        # A constrained agent's prompt lists the tools itself: its one forced tool (or its
        # schema) is not what a chat template shows the model.
        return self.tool_mode and not self.constrained

    def _interpret(
        self, observation: object, response: ChatResponse, legal: list[str]
    ) -> Interpretation:
        readable = unwrap_action(response) if self.constrained else response
        return interpret(
            observation, readable, domain=self.domain, tool_mode=self.tool_mode, legal=legal
        )

    async def _call(
        self, messages: list[Message], observation: object, legal: list[str]
    ) -> ChatResponse:
        tools = self.tools()
        tool_choice: str | None = "auto" if tools else None
        structured: dict[str, Any] | None = None
        if self.constrained:
            schema = action_schema(observation, self.domain, legal=legal)
            if self.tool_mode:
                tools, tool_choice = (action_tool(schema),), ACTION_TOOL
            else:
                structured = response_format(self.structured_output, schema)
        if not self.stream:
            return await self.api.chat(
                messages, tools=tools or None, tool_choice=tool_choice, response_format=structured
            )
        final: ChatResponse | None = None
        async for event in self.api.stream(
            messages, tools=tools or None, tool_choice=tool_choice, response_format=structured
        ):
            if isinstance(event, ChatResponse):
                final = event
        if final is None:  # ModelAPI.stream always ends with one; guard against a broken double
            raise RuntimeError("the model stream ended without a final ChatResponse")
        return final

    async def _call_once(
        self, messages: list[Message], decision: _Decision, observation: object
    ) -> ChatResponse:
        """One call; a ``model_call`` failure becomes ``_CallFailed``, a setup failure propagates."""
        try:
            return await self._call(messages, observation, decision.legal)
        except Exception as exc:
            decision.failed(messages, exc)
            if failure_class(exc) == "setup":
                raise
            raise _CallFailed(exc) from exc

    async def _ask(
        self, messages: list[Message], decision: _Decision, observation: object
    ) -> ChatResponse:
        try:
            response = await self._call_once(messages, decision, observation)
        except _CallFailed as failed:
            if not _is_context_too_long(failed.cause):
                raise
            # Context too long (docs/faults.md row 9): shrink the history once and ask again.
            messages = build_messages(
                observation,
                domain=self.domain,
                strategy=self.strategy,
                legal=decision.legal,
                memory=Memory(0),
                skills=[],
                tool_mode=self._prompt_tool_mode,
            )
            response = await self._call_once(messages, decision, observation)
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
        """One re-ask with the error fed back (docs/faults.md "Policy": one repair, then fall back)."""
        feedback = repair_message_text(problem.error or "it could not be read", legal)
        follow_up = [*messages, response.to_message()]
        if response.tool_calls:
            # Every tool call must be answered before the conversation may go on.
            answered = dict.fromkeys(call.id for call in response.tool_calls)
            follow_up += [Message.tool(call_id, feedback) for call_id in answered]
        else:
            follow_up.append(Message.user(feedback))
        repaired = await self._ask(follow_up, decision, observation)
        result = self._interpret(observation, repaired, legal)
        decision.exchanges[-1] = _with_error(decision.exchanges[-1], result.error)
        return result


def _failed_call(decision: _Decision, exc: BaseException, cls: FallbackClass) -> _Outcome:
    """The fallback outcome of a call that failed; a failed repair says what it was repairing."""
    reason = _describe(exc)
    if decision.repairing is not None:
        reason = f"{decision.repairing}; the repair call failed: {reason}"
    return _Outcome(None, "fallback", reason, cls, type(exc).__name__)


def _check_no_conflict(
    api: ModelAPI,
    model: str,
    temperature: float | None,
    retry: RetryPolicy | None,
    infer_kwargs: Mapping[str, Any],
) -> None:
    """With ``api=``, the api's own settings are sent: anything else given would be dropped."""
    given = []
    if not isinstance(model, _DefaultModel) and model != api.model_params.name:
        given.append(f"model={model!r} (the api's model is {api.model_params.name!r})")
    if not isinstance(temperature, _DefaultTemperature):
        given.append(f"temperature={temperature!r}")
    if retry is not None:
        given.append("retry=...")
    given += [f"{name}={value!r}" for name, value in infer_kwargs.items()]
    if given:
        raise UsageError(
            f"the agent was given api= and also {', '.join(given)}; with api= the requests "
            "carry the api's own settings, so these would be dropped. Put them in the api's "
            "ModelParams(name=..., infer_kwargs={...}, retry=...) instead, or leave out api=."
        )


def _fallback(observation: object, strategy: Strategy, domain: Domain, legal: list[str]) -> str:
    """The strategy's own policy if it has one, else the domain's rule-based action; if neither
    is legal here, the plainest legal call."""
    policies: list[Callable[[], str]] = [lambda: domain.fallback_action(observation, strategy)]
    if strategy.policy is not None and isinstance(observation, Mapping):
        policy, seen = strategy.policy, observation
        policies.insert(0, lambda: policy(seen))
    answers = []
    for policy_call in policies:
        try:
            action = policy_call()
        except Exception:
            logger.exception("agentkit fallback policy of strategy %r raised", strategy.name)
            continue
        if not isinstance(action, str):
            continue
        if domain.is_legal(observation, action):
            return action
        answers.append(action)
    for name in legal:
        candidate, _ = domain.check_call(observation, name, {}, legal=legal)
        if candidate is not None and domain.is_legal(observation, candidate):
            return candidate
    # Nothing legal can be built (or nothing is legal at all: a finished episode): the domain's
    # own answer is as good as any, and the env says what is wrong with it.
    return answers[-1] if answers else domain.fallback_action(observation, strategy)


def _as_dict(entry: Any) -> dict[str, Any]:
    if hasattr(entry, "model_dump"):
        dumped: dict[str, Any] = entry.model_dump(mode="json")
        return dumped
    return dict(entry) if isinstance(entry, Mapping) else {"entry": repr(entry)}


class OpenAILLMAgent(LLMAgent):
    """A text agent bound to an OpenAI-compatible provider (the model proxy or Stepcast)."""

    def _check_provider(self) -> None:
        if not self.api.openai_compatible:
            raise UsageError(
                f"OpenAILLMAgent talks to OpenAI-compatible providers, not {self.api.label!r}; "
                "use LLMAgent for Anthropic models"
            )


class ToolEnabledLLMAgent(LLMAgent):
    """An agent that sends the tool schemas (``tool_choice="auto"``) and acts on tool calls."""

    tool_mode: ClassVar[bool] = True
    kind: ClassVar[str] = "tool"

    def tools(self) -> tuple[ToolSpec, ...]:
        return self.domain.tools()
