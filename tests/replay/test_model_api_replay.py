"""ModelAPI replays a cassette with no key configured, and records through an injected client."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from agentkit import UsageError
from agentkit.models import Message, ModelAPI, ModelParams
from agentkit.replay import use_cassette
from agentkit.testing._fakes import ScriptedProvider, chat_completion

HELLO = [Message.user("hello")]


async def test_replay_needs_no_key_but_live_does(tmp_path: Path) -> None:
    """Recorded once, a call replays with no key or base URL; outside the cassette it is refused."""
    path = tmp_path / "hello.json"
    provider = ScriptedProvider([chat_completion(content="hi there")])
    recorder = ModelAPI(
        ModelParams(name="gpt-4"),
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(provider)),
    )
    async with use_cassette(path, mode="all"):
        assert (await recorder.chat(HELLO)).content == "hi there"

    keyless = ModelAPI(ModelParams(name="gpt-4"), environ={})
    async with use_cassette(path, mode="none"):
        assert (await keyless.chat(HELLO)).content == "hi there"
    with pytest.raises(UsageError, match="MODEL_PROXY_API_KEY"):
        await ModelAPI(ModelParams(name="gpt-4"), environ={}).chat(HELLO)
