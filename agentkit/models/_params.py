"""``ModelParams``: which model, on which provider, with which inference settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from agentkit._errors import UsageError
from agentkit.models._retry import RetryPolicy

__all__ = ["PROVIDERS", "ModelParams", "Provider", "ProviderConfig"]

Provider = Literal["proxy", "stepcast", "anthropic"]

PROVIDERS: dict[Provider, tuple[str, str]] = {
    "proxy": ("MODEL_PROXY_API_BASE", "MODEL_PROXY_API_KEY"),
    "stepcast": ("STEPCAST_API_BASE", "STEPCAST_API_KEY"),
    "anthropic": ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY"),
}
"""Each provider's (base URL, API key) environment variables."""

_DEFAULT_BASE_URLS: dict[Provider, str | None] = {
    "proxy": None,
    "stepcast": None,
    "anthropic": "https://api.anthropic.com",
}


class ProviderConfig(BaseModel):
    """Where and how to reach a provider, resolved from ``ModelParams`` and the environment."""

    model_config = ConfigDict(frozen=True)

    provider: Provider
    """Which adapter to use."""
    model: str
    """The model name as the provider knows it (the ``provider/`` prefix removed)."""
    base_url: str | None
    """The API base URL, or None when none is configured (fine only for replay)."""
    api_key: SecretStr | None
    """The API key, or None when none is configured (fine only for replay)."""
    base_url_env: str
    """The environment variable that configures ``base_url``."""
    api_key_env: str
    """The environment variable that configures ``api_key``."""


class ModelParams(BaseModel):
    """Which model to call and how.

    >>> ModelParams(name="stepcast/qwen-72b").resolve({}).provider
    'stepcast'
    """

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    """The model name; a ``stepcast/``, ``anthropic/`` or ``proxy/`` prefix picks the provider."""
    provider: Provider | None = None
    """The provider; overrides the name prefix. Default: the model proxy."""
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

    def resolve(self, environ: Mapping[str, str] | None = None) -> ProviderConfig:
        """Resolve the provider, model name, base URL and key; the environment fills the gaps."""
        env = os.environ if environ is None else environ
        provider, model = self._split_name()
        base_env, key_env = PROVIDERS[provider]
        base_url = self.base_url or env.get(base_env) or _DEFAULT_BASE_URLS[provider]
        key = self.api_key or (SecretStr(env[key_env]) if env.get(key_env) else None)
        return ProviderConfig(
            provider=provider,
            model=model,
            base_url=base_url,
            api_key=key,
            base_url_env=base_env,
            api_key_env=key_env,
        )

    def _split_name(self) -> tuple[Provider, str]:
        prefix, slash, rest = self.name.partition("/")
        if slash and prefix in PROVIDERS:
            named: Provider = prefix
            if self.provider is not None and self.provider != named:
                raise UsageError(
                    f"ModelParams(name={self.name!r}, provider={self.provider!r}) disagree: the "
                    f"name's prefix says {named!r}. Drop the prefix or the provider argument."
                )
            return named, rest
        return self.provider or "proxy", self.name
