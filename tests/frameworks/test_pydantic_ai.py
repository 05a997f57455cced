"""pydantic-ai (httpx2 through the openai SDK): its default Responses model and its chat model,
``run``, ``run_sync`` and ``run_stream``, with a tool."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "pydantic_ai", reason="pydantic-ai is not installed: pip install 'agentkit[frameworks]'"
)

import openai
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider

from tests._model_server import WEATHER
from tests.frameworks._roundtrip import arecord_then_replay, record_then_replay


def _agent(model: Any) -> Agent[None, str]:
    agent: Agent[None, str] = Agent(model, instructions="Answer briefly.")

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """The weather in ``city``."""
        return f"sunny in {city}"

    return agent


async def test_the_default_openai_model_uses_the_responses_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Agent("openai:...")`` is pydantic-ai's Responses model: a tool round trip and a stream
    replay identically."""

    async def run(base_url: str) -> list[Any]:
        monkeypatch.setenv("OPENAI_BASE_URL", base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        agent = _agent("openai:gpt-4o-mini")
        assert isinstance(agent.model, OpenAIResponsesModel)
        async with agent:  # closes the provider's HTTP client on exit
            result = await agent.run("What is the weather in Paris?")
            async with agent.run_stream("hello") as stream:
                deltas = [delta async for delta in stream.stream_text(delta=True)]
        return [result.output, [m.kind for m in result.all_messages()], deltas]

    trip = await arecord_then_replay(tmp_path / "pydantic_ai.json", run)
    assert trip.replayed == trip.recorded
    assert trip.recorded[0] == WEATHER
    assert trip.recorded[1] == ["request", "response", "request", "response"]
    assert "".join(trip.recorded[2]) == WEATHER
    assert set(trip.hits) == {"POST /v1/responses"}


async def test_the_chat_model_replays_run_and_run_stream(tmp_path: Path) -> None:
    """OpenAIChatModel over chat completions, with the client closed by the test."""

    async def run(base_url: str) -> list[Any]:
        async with openai.AsyncOpenAI(base_url=base_url, api_key="sk-test") as client:
            model = OpenAIChatModel("gpt-4o-mini", provider=OpenAIProvider(openai_client=client))
            result = await _agent(model).run("What is the weather in Paris?")
            async with Agent(model).run_stream("hello") as stream:
                deltas = [delta async for delta in stream.stream_text(delta=True)]
        return [result.output, deltas]

    trip = await arecord_then_replay(tmp_path / "pydantic_ai.json", run)
    assert trip.replayed == trip.recorded
    assert trip.recorded[0] == WEATHER
    assert "".join(trip.recorded[1]) == "echo: hello"
    assert set(trip.hits) == {"POST /v1/chat/completions"}


def test_run_sync(tmp_path: Path) -> None:
    """``run_sync`` from a plain test function replays like ``run``."""

    def run(base_url: str) -> str:
        model = OpenAIResponsesModel(
            "gpt-4o-mini", provider=OpenAIProvider(base_url=base_url, api_key="sk-test")
        )
        # run_sync runs on the thread's event loop and leaves it open: give it one to close.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            return _agent(model).run_sync("What is the weather in Paris?").output
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    trip = record_then_replay(tmp_path / "pydantic_ai.json", run)
    assert trip.replayed == trip.recorded == WEATHER
