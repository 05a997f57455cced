"""Provider resolution and credentials."""

from __future__ import annotations

import pytest

from agentkit import UsageError
from agentkit.models import Message, ModelAPI, ModelParams, allow_missing_credentials
from agentkit.testing import chat_completion

from .conftest import MakeAPI


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


@pytest.mark.parametrize(
    "params",
    [
        ModelParams(name="anthropic/claude-sonnet-4.5", provider="proxy"),
        ModelParams(name="proxy/anthropic/claude-sonnet-4.5"),
    ],
)
async def test_openrouter_style_name_goes_to_the_proxy_whole(
    make_api: MakeAPI, params: ModelParams
) -> None:
    """An explicit provider (or the proxy/ escape) sends anthropic/... to the proxy unchanged."""
    config = params.resolve({})
    assert (config.provider, config.model) == ("proxy", "anthropic/claude-sonnet-4.5")
    api, provider = make_api(
        [chat_completion(content="hi")], name=params.name, provider=params.provider
    )
    assert api.openai_compatible
    await api.chat([Message.user("hi")])
    assert provider.bodies()[0]["model"] == "anthropic/claude-sonnet-4.5"
    assert provider.requests[0].url.path.endswith("/chat/completions")


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
