"""The provider registry: built-ins, registered OpenAI-compatible endpoints, custom adapters."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from pydantic import ValidationError

from agentkit import UsageError
from agentkit.models import (
    AdapterProvider,
    ChatRequest,
    ChatResponse,
    ClassifiedFailure,
    Message,
    ModelAPI,
    ModelParams,
    OpenAICompatibleProvider,
    ProviderAdapter,
    ProviderStatusError,
    RateLimitedError,
    RetryPolicy,
    StreamEvent,
    TextDelta,
    classify_sdk_error,
    register_provider,
    registered_providers,
    temporary_provider,
    unregister_provider,
)
from agentkit.models._params import PROVIDERS
from agentkit.testing import (
    FakeClock,
    ScriptedProvider,
    chat_completion,
    chat_completion_chunks,
    sse_response,
)

HELLO = [Message.user("hello")]

GROQ = OpenAICompatibleProvider(
    name="groq",
    base_url_env="GROQ_API_BASE",
    api_key_env="GROQ_API_KEY",
    default_base_url="https://api.groq.com/openai/v1",
)


@pytest.fixture(autouse=True)
def _registry_is_left_as_found() -> Iterator[None]:
    """Every test here puts the registry back; a leak fails the test that caused it."""
    before = registered_providers()
    yield
    assert registered_providers() == before


def _client(provider: ScriptedProvider) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.MockTransport(provider))


# A custom backend: its own errors, its own adapter, its own classification.


class Busy(Exception):
    """The backend is overloaded: worth another try after ``wait`` seconds."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"busy, retry in {wait}s")
        self.wait = wait


class Denied(Exception):
    """The backend refuses the request: retrying cannot help."""


@dataclass
class EchoBackend:
    """What the adapters of one test share: the script of outcomes, and what they were given."""

    script: list[BaseException | str] = field(default_factory=list)
    built_with: list[dict[str, Any]] = field(default_factory=list)
    calls: int = 0
    closed: int = 0

    def next_outcome(self) -> str:
        self.calls += 1
        outcome = self.script.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def factory(
        self, *, base_url: str | None, api_key: str | None, http_client: httpx2.AsyncClient | None
    ) -> ProviderAdapter:
        self.built_with.append(
            {"base_url": base_url, "api_key": api_key, "http_client": http_client}
        )
        return EchoAdapter(self)


@dataclass
class EchoAdapter:
    """Answers with the scripted text; classifies ``Busy`` and ``Denied``, nothing else."""

    backend: EchoBackend

    async def chat(self, request: ChatRequest, *, timeout: float) -> ChatResponse:
        text = self.backend.next_outcome()
        return ChatResponse(content=f"{request.model}: {text}", finish_reason="stop")

    async def stream(self, request: ChatRequest, *, timeout: float) -> AsyncIterator[StreamEvent]:
        text = self.backend.next_outcome()
        for word in text.split():
            yield TextDelta(text=word)
        yield ChatResponse(content=text.replace(" ", ""), finish_reason="stop")

    def classify(self, exc: BaseException, *, now_epoch: float | None) -> ClassifiedFailure | None:
        if isinstance(exc, Busy):
            return ClassifiedFailure(kind="rate_limited", retryable=True, retry_after_s=exc.wait)
        if isinstance(exc, Denied):
            return ClassifiedFailure(kind="status", retryable=False, status_code=403)
        return classify_sdk_error(exc, now_epoch=now_epoch)

    async def aclose(self) -> None:
        self.backend.closed += 1


def _echo_api(
    backend: EchoBackend, clock: FakeClock, name: str = "echo/parrot-1", **spec: Any
) -> tuple[ModelAPI, AdapterProvider]:
    provider = AdapterProvider(name="echo", adapter=backend.factory, **spec)
    register_provider(provider)
    api = ModelAPI(
        ModelParams(name=name, retry=RetryPolicy(max_attempts=3)),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(0),
        environ={},
    )
    return api, provider


@pytest.fixture
def echo() -> Iterator[EchoBackend]:
    backend = EchoBackend()
    yield backend
    if "echo" in registered_providers():
        unregister_provider("echo")


def test_builtins_are_in_the_registry() -> None:
    """proxy and stepcast are OpenAI-compatible endpoints, anthropic an adapter, each with its env vars."""
    providers = registered_providers()
    assert set(providers) >= {"proxy", "stepcast", "anthropic"}
    proxy, stepcast, anthropic = providers["proxy"], providers["stepcast"], providers["anthropic"]
    assert isinstance(proxy, OpenAICompatibleProvider)
    assert (proxy.base_url_env, proxy.api_key_env) == (
        "MODEL_PROXY_API_BASE",
        "MODEL_PROXY_API_KEY",
    )
    assert isinstance(stepcast, OpenAICompatibleProvider)
    assert (stepcast.base_url_env, stepcast.api_key_env) == (
        "STEPCAST_API_BASE",
        "STEPCAST_API_KEY",
    )
    assert isinstance(anthropic, AdapterProvider)
    assert (anthropic.base_url_env, anthropic.api_key_env) == (
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_API_KEY",
    )
    assert anthropic.default_base_url == "https://api.anthropic.com"
    assert [p.openai_compatible for p in (proxy, stepcast, anthropic)] == [True, True, False]


@pytest.mark.parametrize(
    ("name", "openai_compatible"),
    [("gpt-4", True), ("stepcast/qwen", True), ("anthropic/claude", False), ("groq/llama", True)],
)
def test_model_api_says_whether_its_provider_speaks_openai(
    name: str, openai_compatible: bool
) -> None:
    """ModelAPI.openai_compatible is True for the proxy, Stepcast and registered endpoints only."""
    with temporary_provider(GROQ):
        assert ModelAPI(ModelParams(name=name), environ={}).openai_compatible is openai_compatible


async def test_registered_openai_compatible_provider_end_to_end() -> None:
    """A groq/ model goes through the openai SDK to GROQ_API_BASE with GROQ_API_KEY's value."""
    scripted = ScriptedProvider(
        [chat_completion(content="hi there", model="llama-3", usage=(7, 3))]
    )
    environ = {"GROQ_API_BASE": "https://groq.test/openai/v1", "GROQ_API_KEY": "gsk-from-env"}
    with temporary_provider(GROQ):
        api = ModelAPI(
            ModelParams(name="groq/llama-3", infer_kwargs={"temperature": 0.1}),
            http_client=_client(scripted),
            environ=environ,
        )
        response = await api.chat(HELLO)
    (request,) = scripted.requests
    assert str(request.url) == "https://groq.test/openai/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer gsk-from-env"
    body = json.loads(request.content)
    assert (body["model"], body["temperature"]) == ("llama-3", 0.1)
    assert body["messages"] == [{"role": "user", "content": "hello"}]
    assert (api.provider, api.label, api.openai_compatible) == ("groq", "groq/llama-3", True)
    assert (response.content, response.finish_reason, response.model) == (
        "hi there",
        "stop",
        "llama-3",
    )
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens) == (7, 3)


async def test_registered_provider_streams_and_uses_its_default_base_url() -> None:
    """With its base-URL variable unset, the provider's default URL is used; streaming works too."""
    scripted = ScriptedProvider([sse_response(chat_completion_chunks(content="streamed"))])
    with temporary_provider(GROQ):
        api = ModelAPI(
            ModelParams(name="groq/llama-3"),
            http_client=_client(scripted),
            environ={"GROQ_API_KEY": "gsk-2"},
        )
        events = [event async for event in api.stream(HELLO)]
    (request,) = scripted.requests
    assert str(request.url) == "https://api.groq.com/openai/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer gsk-2"
    final = events[-1]
    assert isinstance(final, ChatResponse)
    assert final.content == "streamed"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "streamed"


async def test_missing_credentials_name_the_providers_own_variables() -> None:
    """A live call with no key names GROQ_API_KEY; with no base URL and no default, GROQ_API_BASE."""
    with temporary_provider(GROQ):
        api = ModelAPI(ModelParams(name="groq/llama-3"), environ={})
        with pytest.raises(UsageError, match="set the GROQ_API_KEY environment variable"):
            await api.chat(HELLO)
    no_default = GROQ.model_copy(update={"default_base_url": None})
    with temporary_provider(no_default):
        api = ModelAPI(ModelParams(name="groq/llama-3"), environ={"GROQ_API_KEY": "k"})
        with pytest.raises(UsageError, match="set the GROQ_API_BASE environment variable"):
            await api.chat(HELLO)


async def test_custom_adapter_chat_retries_what_it_classifies_retryable(
    echo: EchoBackend,
) -> None:
    """A Busy error, classified retryable with a wait, is retried after exactly that wait."""
    clock = FakeClock()
    echo.script = [Busy(wait=1.5), "pong"]
    api, _ = _echo_api(echo, clock)
    response = await api.chat(HELLO)
    assert (response.content, response.attempts) == ("parrot-1: pong", 2)
    assert clock.sleeps == [1.5]
    assert echo.calls == 2


async def test_custom_adapter_chat_gives_up_on_what_it_classifies_final(
    echo: EchoBackend,
) -> None:
    """A Denied error, classified not retryable, fails after one attempt with its status."""
    clock = FakeClock()
    echo.script = [Denied("no access to parrot-1"), "never reached"]
    api, _ = _echo_api(echo, clock)
    with pytest.raises(ProviderStatusError) as caught:
        await api.chat(HELLO)
    assert echo.calls == 1
    assert clock.sleeps == []
    (attempt,) = caught.value.attempts
    assert (attempt.kind, attempt.status_code, attempt.retryable) == ("status", 403, False)
    assert attempt.error == "Denied: no access to parrot-1"
    assert caught.value.model == "echo/parrot-1"


async def test_custom_adapter_unclassified_error_propagates(echo: EchoBackend) -> None:
    """An exception the adapter does not classify is a bug: raised unchanged, never retried."""
    echo.script = [KeyError("bug"), "never reached"]
    api, _ = _echo_api(echo, FakeClock())
    with pytest.raises(KeyError, match="bug"):
        await api.chat(HELLO)
    assert echo.calls == 1


async def test_custom_adapter_stream_retries_before_the_first_delta(echo: EchoBackend) -> None:
    """ModelAPI.stream retries a retryable failure, then yields the deltas and one final answer."""
    clock = FakeClock()
    echo.script = [Busy(wait=0.25), Busy(wait=0.5), "po ng"]
    api, _ = _echo_api(echo, clock)
    events = [event async for event in api.stream(HELLO)]
    assert events[:-1] == [TextDelta(text="po"), TextDelta(text="ng")]
    final = events[-1]
    assert isinstance(final, ChatResponse)
    assert (final.content, final.attempts) == ("pong", 3)
    assert clock.sleeps == [0.25, 0.5]


async def test_custom_adapter_retries_end_at_the_policys_limit(echo: EchoBackend) -> None:
    """A backend that stays busy ends in RateLimitedError once max_attempts is spent."""
    echo.script = [Busy(wait=0.1)] * 3
    api, _ = _echo_api(echo, FakeClock())
    with pytest.raises(RateLimitedError, match="max_attempts=3"):
        await api.chat(HELLO)
    assert echo.calls == 3


async def test_custom_adapter_factory_gets_its_own_credentials_and_the_client(
    echo: EchoBackend,
) -> None:
    """The factory receives the base URL and key from the provider's variables and the client."""
    echo.script = ["ok"]
    register_provider(
        AdapterProvider(
            name="echo",
            adapter=echo.factory,
            base_url_env="ECHO_URL",
            api_key_env="ECHO_TOKEN",
            openai_compatible=True,
        )
    )
    client = httpx2.AsyncClient()
    environ = {"ECHO_URL": "https://echo.test", "ECHO_TOKEN": "t-1"}
    async with ModelAPI(
        ModelParams(name="echo/parrot-2"), http_client=client, environ=environ
    ) as api:
        assert api.openai_compatible is True
        assert (await api.chat(HELLO)).content == "parrot-2: ok"
    assert echo.built_with == [
        {"base_url": "https://echo.test", "api_key": "t-1", "http_client": client}
    ]
    assert echo.closed == 1
    await client.aclose()


async def test_custom_adapter_without_variables_needs_no_credentials(echo: EchoBackend) -> None:
    """A provider that declares no variables makes live calls with None for both."""
    echo.script = ["ok"]
    api, provider = _echo_api(echo, FakeClock())
    assert (provider.base_url_env, provider.api_key_env, api.openai_compatible) == (
        None,
        None,
        False,
    )
    api.check_credentials()
    await api.chat(HELLO)
    assert echo.built_with == [{"base_url": None, "api_key": None, "http_client": None}]


async def test_custom_adapter_with_a_declared_key_requires_it(echo: EchoBackend) -> None:
    """A declared API-key variable is required for a live call, and the error names it."""
    _echo_api(echo, FakeClock(), api_key_env="ECHO_TOKEN")
    api = ModelAPI(ModelParams(name="echo/x"), environ={})
    with pytest.raises(UsageError, match="ECHO_TOKEN"):
        api.check_credentials()


async def test_a_stream_without_its_final_answer_is_refused(echo: EchoBackend) -> None:
    """An adapter whose stream never yields the final ChatResponse breaks the protocol: UsageError."""

    class Truncating(EchoAdapter):
        async def stream(
            self, request: ChatRequest, *, timeout: float
        ) -> AsyncIterator[StreamEvent]:
            yield TextDelta(text="half")

    register_provider(AdapterProvider(name="echo", adapter=lambda **_: Truncating(echo)))
    api = ModelAPI(ModelParams(name="echo/x"), environ={})
    with pytest.raises(UsageError, match="final ChatResponse"):
        _ = [event async for event in api.stream(HELLO)]


@pytest.mark.parametrize(
    ("name", "provider", "expected"),
    [
        ("groq/llama-3", None, ("groq", "llama-3")),
        ("llama-3", "groq", ("groq", "llama-3")),
        ("groq/llama-3", "groq", ("groq", "llama-3")),
        ("stepcast/qwen", None, ("stepcast", "qwen")),
        ("proxy/groq/llama-3", None, ("proxy", "groq/llama-3")),
        ("mistral/large", None, ("proxy", "mistral/large")),
    ],
)
def test_a_registered_name_prefix_picks_the_provider(
    name: str, provider: str | None, expected: tuple[str, str]
) -> None:
    """A registered prefix picks its provider and is removed; an unregistered one stays in the name."""
    with temporary_provider(GROQ):
        config = ModelParams(name=name, provider=provider).resolve({})
    assert (config.provider, config.model) == expected


def test_an_explicit_provider_takes_a_foreign_prefix_as_part_of_the_name() -> None:
    """With ModelParams.provider set, another provider's prefix is part of the model's name."""
    with temporary_provider(GROQ):
        config = ModelParams(name="groq/llama-3", provider="stepcast").resolve({})
    assert (config.provider, config.model) == ("stepcast", "groq/llama-3")


def test_unknown_provider_names_the_registered_ones_and_how_to_register() -> None:
    """ModelParams(provider=<unregistered>) fails at resolution with the list and the fix."""
    params = ModelParams(name="llama-3", provider="together")
    with pytest.raises(UsageError) as caught:
        ModelAPI(params, environ={})
    message = str(caught.value)
    assert "unknown provider 'together'" in message
    assert "'anthropic', 'proxy', 'stepcast'" in message
    assert "register_provider(OpenAICompatibleProvider(name='together'" in message
    assert "api_key_env='TOGETHER_API_KEY'" in message
    assert "AdapterProvider(name='together', adapter=...)" in message


def test_registering_a_taken_name_raises_unless_replace() -> None:
    """A second registration of a name (or a built-in's) raises; replace=True swaps it."""
    other = GROQ.model_copy(update={"api_key_env": "OTHER_GROQ_KEY"})
    with temporary_provider(GROQ):
        with pytest.raises(UsageError, match=r"'groq' is already registered.*replace=True"):
            register_provider(other)
        with pytest.raises(UsageError, match="'proxy' is already registered"):
            register_provider(GROQ.model_copy(update={"name": "proxy"}))
        register_provider(other, replace=True)
        assert registered_providers()["groq"] is other
    assert "groq" not in registered_providers()


def test_temporary_provider_restores_a_replaced_builtin() -> None:
    """Replacing the proxy for a block points it elsewhere; afterwards the built-in is back."""
    builtin = registered_providers()["proxy"]
    elsewhere = OpenAICompatibleProvider(
        name="proxy", base_url_env="MY_PROXY_BASE", api_key_env="MY_PROXY_KEY"
    )
    with temporary_provider(elsewhere, replace=True):
        config = ModelParams(name="gpt-4").resolve({"MY_PROXY_BASE": "https://mine.test/v1"})
        assert (config.base_url, config.api_key_env) == ("https://mine.test/v1", "MY_PROXY_KEY")
    assert registered_providers()["proxy"] is builtin


def test_unregister_removes_and_restores() -> None:
    """unregister_provider removes a user's provider, brings back a replaced built-in, and refuses the rest."""
    builtin = registered_providers()["stepcast"]
    register_provider(GROQ)
    assert unregister_provider("groq") is GROQ
    assert "groq" not in registered_providers()
    with pytest.raises(UsageError, match="no provider named 'groq'"):
        unregister_provider("groq")
    with pytest.raises(UsageError, match="built-in"):
        unregister_provider("stepcast")
    replacement = GROQ.model_copy(update={"name": "stepcast"})
    register_provider(replacement, replace=True)
    assert unregister_provider("stepcast") is replacement
    assert registered_providers()["stepcast"] is builtin


def test_register_provider_refuses_what_is_not_a_spec() -> None:
    """Passing a dict instead of a provider spec is a UsageError naming both spec classes."""
    with pytest.raises(
        UsageError, match="OpenAICompatibleProvider or an AdapterProvider, got dict"
    ):
        register_provider({"name": "groq"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "gr/oq"},
        {"name": ""},
        {"api_key_env": "gsk-a-key-not-a-name"},
        {"base_url_env": "https://api.groq.com"},
        {"api_key_var": "GROQ_API_KEY"},
    ],
)
def test_specs_are_validated(fields: dict[str, Any]) -> None:
    """Names without slashes, environment-variable names (not values), no unknown fields."""
    with pytest.raises(ValidationError):
        OpenAICompatibleProvider.model_validate({**GROQ.model_dump(), **fields})


def test_adapter_must_be_callable() -> None:
    """AdapterProvider(adapter=<not callable>) says what a factory must be."""
    with pytest.raises(ValidationError, match="base_url=, api_key= and http_client="):
        AdapterProvider(name="x", adapter="my_module.MyAdapter")


def test_providers_mapping_still_reads_the_registry() -> None:
    """The old PROVIDERS mapping gives (base URL env, key env) for built-ins and registered ones."""
    assert PROVIDERS["proxy"] == ("MODEL_PROXY_API_BASE", "MODEL_PROXY_API_KEY")
    assert PROVIDERS["anthropic"] == ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY")
    assert "groq" not in PROVIDERS
    with temporary_provider(GROQ):
        assert PROVIDERS["groq"] == ("GROQ_API_BASE", "GROQ_API_KEY")
        assert "groq" in set(PROVIDERS)
        assert len(PROVIDERS) == len(registered_providers())
