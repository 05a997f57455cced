"""The provider registry: which backends a model name can reach, and how each is configured.

The built-ins (``proxy``, ``stepcast``, ``anthropic``) are registered here the way a user's own
are: an OpenAI-compatible endpoint is a name and two environment variables, anything else is a
factory of adapters (``ProviderAdapter``).

>>> groq = OpenAICompatibleProvider(
...     name="groq", base_url_env="GROQ_API_BASE", api_key_env="GROQ_API_KEY",
...     default_base_url="https://api.groq.com/openai/v1",
... )
>>> with temporary_provider(groq):
...     ModelParams(name="groq/llama-3.1-8b-instant").resolve({}).base_url
'https://api.groq.com/openai/v1'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, PlainValidator

from agentkit._errors import UsageError
from agentkit.models._wire import ProviderAdapter

if TYPE_CHECKING:
    import httpx2

__all__ = [
    "AdapterFactory",
    "AdapterProvider",
    "OpenAICompatibleProvider",
    "Provider",
    "ProviderSpec",
    "WireAPI",
    "is_registered",
    "provider_spec",
    "register_provider",
    "registered_providers",
    "temporary_provider",
    "unregister_provider",
]

Provider: TypeAlias = str
"""A registered provider's name, e.g. ``"proxy"``; ``registered_providers()`` lists them."""

WireAPI: TypeAlias = Literal["chat_completions", "responses"]
"""Which OpenAI API an OpenAI-compatible provider is spoken to with: chat completions
(``POST {base}/chat/completions``) or the Responses API (``POST {base}/responses``)."""

_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_ENV_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


class AdapterFactory(Protocol):
    """Builds a ``ProviderAdapter`` for one ``ModelAPI``; an adapter class itself is one.

    ``base_url`` and ``api_key`` come from ``ModelParams`` or the provider's environment
    variables; either is None when the provider declares no such variable, or when the call
    runs offline (an injected ``http_client``, a replaying cassette). ``http_client`` is the
    injected client, the seam for replay and faults: an adapter on httpx2 should send through it.
    """

    def __call__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        http_client: httpx2.AsyncClient | None,
    ) -> ProviderAdapter: ...


def _callable(value: Any) -> Any:
    if not callable(value):
        raise ValueError(
            f"expected a callable (an adapter class or a function) that takes base_url=, "
            f"api_key= and http_client= and returns a ProviderAdapter, got {value!r}"
        )
    return value


class OpenAICompatibleProvider(BaseModel):
    """An endpoint that speaks OpenAI's chat-completions wire, reached with the ``openai`` SDK.

    >>> register_provider(OpenAICompatibleProvider(
    ...     name="groq", base_url_env="GROQ_API_BASE", api_key_env="GROQ_API_KEY"
    ... )).openai_compatible
    True
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str = Field(pattern=_NAME_PATTERN)
    """The provider's name, and the model-name prefix that picks it (``groq/llama-3``)."""
    base_url_env: str = Field(pattern=_ENV_PATTERN)
    """The environment variable holding the API base URL (``https://host/v1``)."""
    api_key_env: str = Field(pattern=_ENV_PATTERN)
    """The environment variable holding the API key; its value is never logged or recorded."""
    default_base_url: str | None = None
    """The base URL when the environment variable is unset; None makes it required."""
    api: WireAPI = "chat_completions"
    """The API its models are called through unless ``ModelParams(api=...)`` says otherwise:
    ``"chat_completions"``, or ``"responses"`` for OpenAI's Responses API."""

    @property
    def openai_compatible(self) -> bool:
        """Always True: agents may use the chat-completions features (``response_format``)."""
        return True

    def create_adapter(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        http_client: httpx2.AsyncClient | None,
        api: WireAPI | None = None,
    ) -> ProviderAdapter:
        """The adapter one ``ModelAPI`` calls through, for ``api`` (default: the provider's)."""
        # Each built-in adapter imports its SDK (about 1 s): loaded when first used, so that
        # importing agentkit.models (the CLI, replay, the pytest plugin) stays fast.
        if (api or self.api) == "responses":
            from agentkit.models._responses import ResponsesAdapter

            return ResponsesAdapter(base_url=base_url, api_key=api_key, http_client=http_client)
        from agentkit.models._openai_compat import OpenAICompatAdapter

        return OpenAICompatAdapter(base_url=base_url, api_key=api_key, http_client=http_client)


class AdapterProvider(BaseModel):
    """A backend served by your own ``ProviderAdapter``, built by ``adapter``.

    Leave an environment variable unset (None) when the backend needs no such value; a declared
    one is required for a live call, and a missing one is named in the error.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str = Field(pattern=_NAME_PATTERN)
    """The provider's name, and the model-name prefix that picks it (``mine/model-x``)."""
    adapter: Annotated[AdapterFactory, PlainValidator(_callable)]
    """Builds the adapter: an adapter class, or a function taking the same keywords."""
    base_url_env: str | None = Field(default=None, pattern=_ENV_PATTERN)
    """The environment variable holding the base URL, or None if the backend needs none."""
    api_key_env: str | None = Field(default=None, pattern=_ENV_PATTERN)
    """The environment variable holding the API key, or None if the backend needs none."""
    default_base_url: str | None = None
    """The base URL when the environment variable is unset."""
    openai_compatible: bool = False
    """Whether the backend takes OpenAI's chat-completions options (``response_format``)."""

    def create_adapter(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        http_client: httpx2.AsyncClient | None,
    ) -> ProviderAdapter:
        """The adapter one ``ModelAPI`` calls through."""
        return self.adapter(base_url=base_url, api_key=api_key, http_client=http_client)


ProviderSpec: TypeAlias = OpenAICompatibleProvider | AdapterProvider
"""What ``register_provider`` takes: either kind of provider."""


def _anthropic_adapter(
    *, base_url: str | None, api_key: str | None, http_client: httpx2.AsyncClient | None
) -> ProviderAdapter:
    """The built-in ``anthropic`` provider's ``AdapterFactory``."""
    from agentkit.models._anthropic import AnthropicAdapter

    return AnthropicAdapter(base_url=base_url, api_key=api_key, http_client=http_client)


_BUILTINS: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        OpenAICompatibleProvider(
            name="proxy", base_url_env="MODEL_PROXY_API_BASE", api_key_env="MODEL_PROXY_API_KEY"
        ),
        OpenAICompatibleProvider(
            name="stepcast", base_url_env="STEPCAST_API_BASE", api_key_env="STEPCAST_API_KEY"
        ),
        AdapterProvider(
            name="anthropic",
            adapter=_anthropic_adapter,
            base_url_env="ANTHROPIC_BASE_URL",
            api_key_env="ANTHROPIC_API_KEY",
            default_base_url="https://api.anthropic.com",
        ),
    )
}

# Process-wide, like the codec registry: a registration made at import time must be seen by
# every ModelAPI. Tests use temporary_provider, which restores what it changed.
_registry: dict[str, ProviderSpec] = dict(_BUILTINS)


def _example_env(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name).upper()


def _how_to_register(name: str) -> str:
    env = _example_env(name)
    return (
        f"register it first: register_provider(OpenAICompatibleProvider(name={name!r}, "
        f"base_url_env={env + '_API_BASE'!r}, api_key_env={env + '_API_KEY'!r})) for an "
        f"OpenAI-compatible endpoint, or register_provider(AdapterProvider(name={name!r}, "
        "adapter=...)) for your own ProviderAdapter (both in agentkit.models)"
    )


def provider_spec(name: str) -> ProviderSpec:
    """The registered provider called ``name``; ``UsageError`` naming the registered ones if none."""
    spec = _registry.get(name)
    if spec is None:
        known = ", ".join(repr(n) for n in sorted(_registry))
        raise UsageError(
            f"unknown provider {name!r}: the registered providers are {known}; "
            + _how_to_register(name)
        )
    return spec


def is_registered(name: str) -> bool:
    """Whether a provider called ``name`` is registered."""
    return name in _registry


def registered_providers() -> Mapping[str, ProviderSpec]:
    """Every registered provider by name, built-ins included (a snapshot, sorted by name).

    >>> sorted(registered_providers())
    ['anthropic', 'proxy', 'stepcast']
    """
    return {name: _registry[name] for name in sorted(_registry)}


def register_provider(spec: ProviderSpec, *, replace: bool = False) -> ProviderSpec:
    """Make ``spec`` reachable by its name: ``ModelParams(provider=name)`` or a ``name/`` prefix.

    A name already taken (a built-in's too) raises ``UsageError`` unless ``replace=True``.
    Returns ``spec``.
    """
    if not isinstance(spec, OpenAICompatibleProvider | AdapterProvider):
        raise UsageError(
            "register_provider expects an OpenAICompatibleProvider or an AdapterProvider, got "
            f"{type(spec).__name__}: {spec!r}"
        )
    current = _registry.get(spec.name)
    if current is not None and not replace:
        raise UsageError(
            f"a provider named {spec.name!r} is already registered ({current!r}); pass "
            f"replace=True to replace it, or unregister_provider({spec.name!r}) first"
        )
    _registry[spec.name] = spec
    return spec


def unregister_provider(name: str) -> ProviderSpec:
    """Remove a registration and return it; a replaced built-in comes back.

    The built-ins themselves cannot be removed (model names without a prefix need ``proxy``).
    """
    current = _registry.get(name)
    if current is None:
        known = ", ".join(repr(n) for n in sorted(_registry))
        raise UsageError(f"no provider named {name!r} is registered (registered: {known})")
    builtin = _BUILTINS.get(name)
    if builtin is None:
        del _registry[name]
    elif current is builtin:
        raise UsageError(
            f"{name!r} is a built-in provider and cannot be unregistered; to point it "
            f"elsewhere, register_provider(..., replace=True)"
        )
    else:
        _registry[name] = builtin
    return current


@contextmanager
def temporary_provider(spec: ProviderSpec, *, replace: bool = False) -> Iterator[ProviderSpec]:
    """Register ``spec`` for the ``with`` block, then put back what was there (tests use this).

    >>> with temporary_provider(AdapterProvider(name="echo", adapter=EchoAdapter)):
    ...     api = ModelAPI(ModelParams(name="echo/any"))
    """
    previous = _registry.get(spec.name)
    register_provider(spec, replace=replace)
    try:
        yield spec
    finally:
        if previous is None:
            _registry.pop(spec.name, None)
        else:
            _registry[spec.name] = previous
