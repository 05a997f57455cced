"""Provider resolution and credentials."""

from __future__ import annotations

import pytest

from agentkit import UsageError
from agentkit.models import Message, ModelAPI, ModelParams, allow_missing_credentials


@pytest.mark.parametrize(
    ("name", "provider", "model"),
    [
        ("gpt-4", "proxy", "gpt-4"),
        ("stepcast/qwen-72b", "stepcast", "qwen-72b"),
        ("anthropic/claude-sonnet", "anthropic", "claude-sonnet"),
        ("proxy/gpt-4o", "proxy", "gpt-4o"),
        ("meta-llama/Llama-3-8B", "proxy", "meta-llama/Llama-3-8B"),
    ],
)
def test_provider_comes_from_the_name_prefix(name: str, provider: str, model: str) -> None:
    """A known prefix picks the provider; any other slash belongs to the model name."""
    config = ModelParams(name=name).resolve({})
    assert (config.provider, config.model) == (provider, model)


def test_explicit_provider_and_environment() -> None:
    """ModelParams.provider picks the adapter and its environment variables fill base and key."""
    env = {"STEPCAST_API_BASE": "https://stepcast.test/v1", "STEPCAST_API_KEY": "k-123"}
    config = ModelParams(name="qwen", provider="stepcast").resolve(env)
    assert config.base_url == "https://stepcast.test/v1"
    assert config.api_key is not None
    assert config.api_key.get_secret_value() == "k-123"
    assert "k-123" not in repr(config)


def test_conflicting_prefix_and_provider_is_a_usage_error() -> None:
    """A name prefix that contradicts the provider argument is refused with the fix."""
    with pytest.raises(UsageError, match="disagree"):
        ModelParams(name="anthropic/claude", provider="proxy").resolve({})


async def test_live_call_without_key_names_the_variable() -> None:
    """A live call with no key raises UsageError naming the variable to set, before any I/O."""
    api = ModelAPI(ModelParams(name="gpt-4"), environ={"MODEL_PROXY_API_BASE": "https://p.test/v1"})
    with pytest.raises(UsageError, match="MODEL_PROXY_API_KEY"):
        await api.chat([Message.user("hi")])
    api = ModelAPI(ModelParams(name="anthropic/claude"), environ={})
    with pytest.raises(UsageError, match="ANTHROPIC_API_KEY"):
        await api.chat([Message.user("hi")])


async def test_live_call_without_base_url_names_the_variable() -> None:
    """A proxy call with a key but no base URL names MODEL_PROXY_API_BASE."""
    api = ModelAPI(ModelParams(name="gpt-4"), environ={"MODEL_PROXY_API_KEY": "k"})
    with pytest.raises(UsageError, match="MODEL_PROXY_API_BASE"):
        await api.chat([Message.user("hi")])


def test_replay_needs_no_credentials() -> None:
    """Inside allow_missing_credentials the adapter is built with placeholders, no error."""
    api = ModelAPI(ModelParams(name="gpt-4"), environ={})
    with allow_missing_credentials():
        assert api._get_adapter() is not None
