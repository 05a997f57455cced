"""``ModelParams``: which model, on which provider, with which inference settings."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from agentkit._errors import UsageError
from agentkit.models._providers import (
    AdapterProvider,
    Provider,
    ProviderSpec,
    WireAPI,
    is_registered,
    provider_spec,
    registered_providers,
)
from agentkit.models._retry import RetryPolicy

__all__ = ["PROVIDERS", "ModelParams", "Provider", "ProviderConfig"]


class _ProviderEnvironment(Mapping[str, tuple[str | None, str | None]]):
    """A live, read-only view of the registry: each provider's (base URL, API key) variables."""

    def __getitem__(self, name: str) -> tuple[str | None, str | None]:
        if not is_registered(name):
            raise KeyError(name)
        spec = provider_spec(name)
        return spec.base_url_env, spec.api_key_env

    def __iter__(self) -> Iterator[str]:
        return iter(registered_providers())

    def __len__(self) -> int:
        return len(registered_providers())


PROVIDERS: Mapping[str, tuple[str | None, str | None]] = _ProviderEnvironment()
"""Each registered provider's (base URL, API key) environment variables; kept for callers from
before the registry (``registered_providers()`` gives the whole specs)."""


class ProviderConfig(BaseModel):
    """Where and how to reach a provider, resolved from ``ModelParams`` and the environment."""

    model_config = ConfigDict(frozen=True)

    provider: Provider
    """The registered provider's name."""
    model: str
    """The model name as the provider gets it (a prefix that picked the provider removed)."""
    base_url: str | None
    """The API base URL, or None when none is configured (fine only for replay)."""
    api_key: SecretStr | None
    """The API key, or None when none is configured (fine only for replay)."""
    base_url_env: str | None
    """The environment variable that configures ``base_url``; None if the provider has none."""
    api_key_env: str | None
    """The environment variable that configures ``api_key``; None if the provider has none."""
    api: WireAPI | None = None
    """The OpenAI API the calls go through (``ModelParams.api``, else the provider's default);
    None for a provider with its own adapter, which speaks its own API."""


class ModelParams(BaseModel):
    """Which model to call and how.

    >>> ModelParams(name="stepcast/qwen-72b").resolve({}).provider
    'stepcast'
    """

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    """The model name. Without ``provider``, a registered provider's name as prefix
    (``stepcast/``, ``anthropic/``, ``proxy/``, ``groq/``) picks that provider and is removed;
    any other name goes to the proxy whole. ``proxy/anthropic/claude-sonnet-4.5`` sends
    ``anthropic/claude-sonnet-4.5`` to the proxy."""
    provider: Provider | None = None
    """A registered provider's name (checked when resolved). Given, it wins: the name goes to
    it whole (``name="anthropic/claude-sonnet-4.5", provider="proxy"`` asks the proxy for
    OpenRouter's name), only a prefix naming this same provider is removed. Default: the
    name's prefix, else the model proxy."""
    infer_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Inference settings sent with every request (temperature, max_tokens, top_p, ...)."""
    base_url: str | None = None
    """Overrides the provider's base-URL environment variable."""
    api_key: SecretStr | None = None
    """Overrides the provider's API-key environment variable. Never logged or recorded."""
    attempt_timeout_s: float = Field(default=60.0, gt=0)
    """The HTTP timeout of one attempt (capped by the time left before the call's deadline)."""
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    """How failed calls are retried and when the circuit breaker opens."""
    api: WireAPI | None = None
    """Which OpenAI API to call: ``"chat_completions"`` or ``"responses"`` (OpenAI's Responses
    API, ``POST {base}/responses``). None takes the provider's default
    (``OpenAICompatibleProvider.api``, ``"chat_completions"`` unless set). OpenAI-compatible
    providers only: a provider with its own adapter (``anthropic``) refuses ``"responses"``."""

    def resolve(self, environ: Mapping[str, str] | None = None) -> ProviderConfig:
        """Resolve the provider, model name, base URL and key; the environment fills the gaps.

        Raises ``UsageError`` for a provider that is not registered.
        """
        env = os.environ if environ is None else environ
        spec, model = self._split_name()
        base_env, key_env = spec.base_url_env, spec.api_key_env
        from_env = env.get(base_env) if base_env else None
        base_url = self.base_url or from_env or spec.default_base_url
        key = self.api_key or (SecretStr(env[key_env]) if key_env and env.get(key_env) else None)
        return ProviderConfig(
            provider=spec.name,
            model=model,
            base_url=base_url,
            api_key=key,
            base_url_env=base_env,
            api_key_env=key_env,
            api=self._api(spec, model),
        )

    def _api(self, spec: ProviderSpec, model: str) -> WireAPI | None:
        if isinstance(spec, AdapterProvider):
            if self.api == "responses":
                raise UsageError(
                    f"ModelParams(api='responses') asks for OpenAI's Responses API, but the "
                    f"{spec.name!r} provider (model {model!r}) is served by its own adapter, "
                    "which speaks its own API: leave out api= for it, or pick an "
                    "OpenAI-compatible provider (ModelParams(name=..., provider='proxy', "
                    "api='responses'))"
                )
            return None
        return self.api or spec.api

    def _split_name(self) -> tuple[ProviderSpec, str]:
        # The one place a name's prefix is read. An explicit provider wins: served names like
        # OpenRouter's "anthropic/claude-sonnet-4.5" start with another provider's name.
        prefix, slash, rest = self.name.partition("/")
        if self.provider is not None:
            spec = provider_spec(self.provider)
            return spec, rest if slash and prefix == self.provider else self.name
        if slash and is_registered(prefix):
            return provider_spec(prefix), rest
        return provider_spec("proxy"), self.name
