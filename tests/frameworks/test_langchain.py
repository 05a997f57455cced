"""langchain-openai (httpx2 through the openai SDK): ``bind_tools``, ``invoke``, ``stream``,
``ainvoke`` and ``astream``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "langchain_openai",
    reason="langchain-openai is not installed: pip install 'agentkit[frameworks]'",
)

from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from tests.frameworks._roundtrip import arecord_then_replay, record_then_replay


@tool
def get_weather(city: str) -> str:
    """The weather in ``city``."""
    return f"sunny in {city}"


def _model(base_url: str) -> ChatOpenAI:
    return ChatOpenAI(model="gpt-4o-mini", base_url=base_url, api_key="sk-test")  # type: ignore[arg-type]


def test_bind_tools_invoke_and_stream(tmp_path: Path) -> None:
    """A tool call, a plain answer and a stream, through the sync client."""

    def run(base_url: str) -> list[Any]:
        llm = _model(base_url)
        calls = llm.bind_tools([get_weather]).invoke("What is the weather in Paris?").tool_calls
        plain = llm.invoke("hi").content
        chunks = [chunk.content for chunk in llm.stream("hello")]
        return [calls, plain, chunks]

    trip = record_then_replay(tmp_path / "langchain.json", run)
    assert trip.replayed == trip.recorded
    calls, plain, chunks = trip.recorded
    assert [(c["name"], c["args"]) for c in calls] == [("get_weather", {"city": "Paris"})]
    assert plain == "echo: hi"
    assert "".join(chunks) == "echo: hello"


async def test_ainvoke_and_astream(tmp_path: Path) -> None:
    """The async client: an answer and a stream."""

    async def run(base_url: str) -> list[Any]:
        llm = _model(base_url)
        answer = (await llm.ainvoke("hi")).content
        chunks = [chunk.content async for chunk in llm.astream("hello")]
        return [answer, chunks]

    trip = await arecord_then_replay(tmp_path / "langchain.json", run)
    assert trip.replayed == trip.recorded
    assert trip.recorded[0] == "echo: hi"
    assert "".join(trip.recorded[1]) == "echo: hello"
