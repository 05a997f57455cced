"""``ModelAPI``: one async chat API over every provider, with one retry loop."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Any, Self

import httpx2

from agentkit._errors import UsageError
from agentkit.models._loop import CallAttempts
from agentkit.models._params import ModelParams, ProviderConfig
from agentkit.models._providers import (
    OpenAICompatibleProvider,
    ProviderSpec,
    WireAPI,
    provider_spec,
)
from agentkit.models._retry import CircuitBreaker, Clock, Sleep, Timing
from agentkit.models._serve import served_adapter
from agentkit.models._types import ChatResponse, Message, StreamEvent, ToolSpec
from agentkit.models._wire import ChatRequest, ProviderAdapter, ToolChoice, answer_content

__all__ = ["ModelAPI", "allow_missing_credentials"]

_credentials_optional: ContextVar[bool] = ContextVar("agentkit_credentials_optional", default=False)


@contextmanager
def allow_missing_credentials() -> Iterator[None]:
    """Let calls go out without a configured key or base URL, for replay.

    A replayed call never reaches a provider, so it needs no credentials; ``use_cassette`` in
    replay mode enters this for you. Outside it, a live call with no key raises ``UsageError``.
    """
    token = _credentials_optional.set(True)
    try:
        yield
    finally:
        _credentials_optional.reset(token)


def _as_messages(messages: Sequence[Message | Mapping[str, Any]]) -> tuple[Message, ...]:
    return tuple(m if isinstance(m, Message) else Message.model_validate(m) for m in messages)


def _finished(response: ChatResponse, attempts: int) -> ChatResponse:
    """The answer as ``ModelAPI`` returns it, whatever the adapter: the attempts counted, and
    the one content rule applied (None beside tool calls when there is no text, else a str)."""
    content = answer_content(response.content, bool(response.tool_calls))
    return response.model_copy(update={"attempts": attempts, "content": content})


def _as_tools(tools: Sequence[ToolSpec | Mapping[str, Any]] | None) -> tuple[ToolSpec, ...]:
    return tuple(
        t if isinstance(t, ToolSpec) else ToolSpec.from_openai(dict(t)) for t in tools or ()
    )


class ModelAPI:
    """Chat with a model through its provider's official SDK.

    >>> api = ModelAPI(model_params=ModelParams(name="gpt-4", infer_kwargs={"temperature": 0.7}))
    >>> # response = await api.chat([Message.user("Hello")])

    ``http_client`` is the seam for replay and fault injection: an ``httpx2.AsyncClient`` whose
    transport serves the calls. A client passed in needs no API key. ``clock``, ``sleep`` and
    ``rng`` drive the retry loop; tests inject them so that nothing sleeps. Pass one ``breaker``
    to every ``ModelAPI`` that shares an endpoint.
    """

    def __init__(
        self,
        model_params: ModelParams,
        *,
        http_client: httpx2.AsyncClient | None = None,
        breaker: CircuitBreaker | None = None,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.model_params = model_params
        self._http_client = http_client
        defaults = Timing()
        self._timing = Timing(
            clock=clock or defaults.clock,
            wall=defaults.wall,
            sleep=sleep or defaults.sleep,
            rng=rng or random.Random(),
        )
        self.breaker = breaker or CircuitBreaker.from_policy(model_params.retry, self._timing.clock)
        self._config: ProviderConfig = model_params.resolve(environ)
        # Held from here on: re-registering the name later does not change a built ModelAPI.
        self._spec: ProviderSpec = provider_spec(self._config.provider)
        self._adapter: ProviderAdapter | None = None

    @property
    def provider(self) -> str:
        """The registered provider's name, e.g. ``"proxy"``."""
        return self._config.provider

    @property
    def openai_compatible(self) -> bool:
        """Whether the provider speaks OpenAI's chat-completions wire (``response_format`` and
        the rest): True for ``proxy``, ``stepcast`` and every ``OpenAICompatibleProvider``
        (with ``api="responses"`` too: the options are translated); what an ``AdapterProvider``
        declares otherwise (False for ``anthropic``)."""
        return self._spec.openai_compatible

    @property
    def api(self) -> WireAPI | None:
        """The OpenAI API the calls go through, ``"chat_completions"`` or ``"responses"``
        (``ModelParams.api``, else the provider's default); None for a provider with its own
        adapter (``anthropic``)."""
        return self._config.api

    @property
    def label(self) -> str:
        """``provider/model``, as errors and decision records name it."""
        return f"{self._config.provider}/{self._config.model}"

    def _get_adapter(self) -> ProviderAdapter:
        if self._adapter is None:
            base_url, api_key = self._credentials()
            spec = self._spec
            if isinstance(spec, OpenAICompatibleProvider):
                self._adapter = spec.create_adapter(
                    base_url=base_url,
                    api_key=api_key,
                    http_client=self._http_client,
                    api=self._config.api,
                )
            else:
                self._adapter = spec.create_adapter(
                    base_url=base_url, api_key=api_key, http_client=self._http_client
                )
        return self._adapter

    def check_credentials(self) -> None:
        """Raise ``UsageError`` now if a live call would lack its key or base URL.

        A call through an injected ``http_client`` or inside a replaying cassette needs neither.
        """
        self._credentials()

    def _credentials(self) -> tuple[str | None, str | None]:
        """The base URL and key, each None only offline or when the provider declares none."""
        config = self._config
        offline = self._http_client is not None or _credentials_optional.get()
        key = config.api_key.get_secret_value() if config.api_key else None
        if key is None and config.api_key_env is not None and not offline:
            raise UsageError(
                f"no API key for the {config.provider!r} provider (model {config.model!r}): set "
                f"the {config.api_key_env} environment variable, or pass "
                "ModelParams(api_key=...). To run offline, replay a cassette instead "
                "(agentkit.replay.use_cassette)."
            )
        if config.base_url is None and config.base_url_env is not None and not offline:
            raise UsageError(
                f"no API base URL for the {config.provider!r} provider: set the "
                f"{config.base_url_env} environment variable (e.g. https://host/v1), or pass "
                "ModelParams(base_url=...)."
            )
        return config.base_url, key

    def _request(
        self,
        messages: Sequence[Message | Mapping[str, Any]],
        tools: Sequence[ToolSpec | Mapping[str, Any]] | None,
        tool_choice: ToolChoice | None,
        response_format: Mapping[str, Any] | None,
    ) -> ChatRequest:
        return ChatRequest(
            model=self._config.model,
            messages=_as_messages(messages),
            tools=_as_tools(tools),
            tool_choice=tool_choice,
            infer_kwargs=dict(self.model_params.infer_kwargs),
            response_format=None if response_format is None else dict(response_format),
        )

    def _attempts(self, adapter: ProviderAdapter) -> CallAttempts:
        return CallAttempts(
            model=self.label,
            policy=self.model_params.retry,
            breaker=self.breaker,
            timing=self._timing,
            attempt_timeout_s=self.model_params.attempt_timeout_s,
            classify=adapter.classify,
        )

    async def chat(
        self,
        messages: Sequence[Message | Mapping[str, Any]],
        tools: Sequence[ToolSpec | Mapping[str, Any]] | None = None,
        tool_choice: ToolChoice | None = None,
        response_format: Mapping[str, Any] | None = None,
    ) -> ChatResponse:
        """Send the conversation and return the model's answer.

        The answer's ``content`` is its text; with no text, None when it calls tools and ``""``
        when it does not (``stream()`` ends with the same; see docs/models.md).

        ``response_format`` is the provider's structured-output setting, sent as given (e.g.
        ``{"type": "json_schema", "json_schema": {...}}``; OpenAI-compatible providers only; the
        Responses API gets it as ``text.format``).

        Raises ``ModelCallError`` (a subclass per failure kind, with every attempt) when the
        retry policy gives up, and ``UsageError`` for a live call with no credentials.
        """
        request = self._request(messages, tools, tool_choice, response_format)
        adapter = served_adapter(self._get_adapter())
        attempts = self._attempts(adapter)
        while True:
            timeout = attempts.begin()
            try:
                response = await adapter.chat(request, timeout=timeout)
            except Exception as exc:
                await attempts.failed(exc)
                continue
            return _finished(response, attempts.succeeded())

    async def stream(
        self,
        messages: Sequence[Message | Mapping[str, Any]],
        tools: Sequence[ToolSpec | Mapping[str, Any]] | None = None,
        tool_choice: ToolChoice | None = None,
        response_format: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """Stream the answer: ``TextDelta`` and ``ToolCallDelta`` events, then one ``ChatResponse``.

        The final ``ChatResponse`` equals what ``chat()`` returns for the same exchange. A failure
        before the first delta is retried like ``chat()``; once deltas have been yielded the
        stream cannot be replayed to the caller, so a failure then raises at once.
        """
        request = self._request(messages, tools, tool_choice, response_format)
        adapter = served_adapter(self._get_adapter())
        attempts = self._attempts(adapter)
        while True:
            timeout = attempts.begin()
            delivered = False
            final: ChatResponse | None = None
            try:
                async for event in adapter.stream(request, timeout=timeout):
                    if isinstance(event, ChatResponse):
                        final = event
                        continue
                    delivered = True
                    yield event
            except Exception as exc:
                await attempts.failed(exc, may_retry=not delivered)
                continue
            if final is None:
                raise UsageError(
                    f"the {self.provider!r} provider's adapter ended a stream without its final "
                    "ChatResponse; ProviderAdapter.stream must yield one last"
                )
            yield _finished(final, attempts.succeeded())
            return

    async def aclose(self) -> None:
        """Close the SDK client (an injected ``http_client`` is left to its owner)."""
        if self._adapter is not None:
            await self._adapter.aclose()
            self._adapter = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
