"""openai-agents (httpx2 through the openai SDK): its default Responses model and its
chat-completions model, ``Runner.run`` and ``Runner.run_streamed``, with tracing off and on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "agents", reason="openai-agents is not installed: pip install 'agentkit[frameworks]'"
)

import openai
from agents import Agent, RunConfig, Runner, function_tool, set_trace_processors
from agents.models.openai_provider import OpenAIProvider
from agents.tracing.processors import (
    BackendSpanExporter,
    BatchTraceProcessor,
    default_processor,
)

from agentkit.replay._ignore import DEFAULT_IGNORE_ROUTES, find_route
from tests._model_server import WEATHER
from tests.frameworks._roundtrip import arecord_then_replay


@function_tool
def get_weather(city: str) -> str:
    """The weather in ``city``."""
    return f"sunny in {city}"


async def _run(base_url: str, *, use_responses: bool, tracing: bool = False) -> list[Any]:
    async with openai.AsyncOpenAI(base_url=base_url, api_key="sk-test") as client:
        config = RunConfig(
            model="gpt-4o-mini",
            model_provider=OpenAIProvider(openai_client=client, use_responses=use_responses),
            tracing_disabled=not tracing,
        )
        agent = Agent(name="weather", instructions="Be brief.", tools=[get_weather])
        result = await Runner.run(agent, "What is the weather in Paris?", run_config=config)
        streamed = Runner.run_streamed(Agent(name="echo"), "hello", run_config=config)
        deltas = [
            event.data.delta
            async for event in streamed.stream_events()
            if event.type == "raw_response_event"
            and isinstance(getattr(event.data, "delta", None), str)
        ]
    return [result.final_output, streamed.final_output, deltas]


@pytest.mark.parametrize(
    ("use_responses", "route"),
    [(None, "POST /v1/responses"), (False, "POST /v1/chat/completions")],
    ids=["responses-default", "chat-completions"],
)
async def test_run_and_run_streamed_replay_identically(
    tmp_path: Path, use_responses: bool | None, route: str
) -> None:
    """A tool round trip and a streamed answer, tracing off, over either model API."""

    async def run(base_url: str) -> list[Any]:
        return await _run(base_url, use_responses=use_responses)  # type: ignore[arg-type]

    trip = await arecord_then_replay(tmp_path / "agents.json", run)
    assert trip.replayed == trip.recorded
    assert trip.recorded[:2] == [WEATHER, "echo: hello"]
    assert "".join(trip.recorded[2]) == "echo: hello"
    assert set(trip.hits) == {route}


@pytest.fixture
def exporter_thread_processor() -> Iterator[list[BatchTraceProcessor]]:
    """Installs a fresh batch processor (its own exporter thread) per use; restores the
    default processor afterwards."""
    made: list[BatchTraceProcessor] = []
    yield made
    for processor in made:
        processor.shutdown()
    set_trace_processors([default_processor()])


async def test_tracing_on_the_export_thread_is_answered_by_an_ignored_route(
    tmp_path: Path, exporter_thread_processor: list[BatchTraceProcessor]
) -> None:
    """With tracing on, spans (fresh trace ids each run) are posted from the exporter's own
    thread; on an ignored route they pass through while recording and get a stand-in while
    replaying, and the model calls replay identically."""
    trip_options: dict[str, Any] = {"ignore_routes": ["POST 127.0.0.1/v1/traces/ingest"]}

    async def run(base_url: str) -> list[Any]:
        endpoint = base_url.removesuffix("/v1") + "/v1/traces/ingest"
        processor = BatchTraceProcessor(BackendSpanExporter(api_key="sk-test", endpoint=endpoint))
        exporter_thread_processor.append(processor)
        set_trace_processors([processor])
        outcome = await _run(base_url, use_responses=False, tracing=True)
        processor.shutdown()  # the exporter thread sends what is left, and ends
        return outcome

    trip = await arecord_then_replay(tmp_path / "agents.json", run, **trip_options)
    assert trip.replayed == trip.recorded
    assert "POST /v1/traces/ingest" in trip.hits
    exported = [i for i in trip.replay.ignored if i.url.endswith("/v1/traces/ingest")]
    assert exported
    assert {i.action for i in exported} == {"answer"}
    assert all(i.origin != "thread 'MainThread'" for i in exported)


def test_the_default_rules_cover_the_installed_tracing_endpoint() -> None:
    """The exporter's built-in endpoint is one of DEFAULT_IGNORE_ROUTES, so tracing to OpenAI
    needs no setting."""
    endpoint = BackendSpanExporter().endpoint
    assert endpoint == "https://api.openai.com/v1/traces/ingest"
    assert find_route(DEFAULT_IGNORE_ROUTES, "POST", endpoint) is DEFAULT_IGNORE_ROUTES[0]
