"""The plain openai SDK (httpx2), sync and async, plain, streamed and with tools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai

from tests._model_server import WEATHER
from tests.frameworks._roundtrip import arecord_then_replay, record_then_replay

TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
ASK = [{"role": "user", "content": "Weather in Paris?"}]


def test_sync_chat_stream_tools_and_responses(tmp_path: Path) -> None:
    """Chat completions plain, streamed and with a tool call, and the Responses API."""

    def run(base_url: str) -> list[Any]:
        with openai.OpenAI(base_url=base_url, api_key="sk-test") as client:
            plain = client.chat.completions.create(model="gpt-4o-mini", messages=ASK)
            stream = client.chat.completions.create(model="gpt-4o-mini", messages=ASK, stream=True)
            text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
            tools = client.chat.completions.create(model="gpt-4o-mini", messages=ASK, tools=[TOOL])
            response = client.responses.create(model="gpt-4o-mini", input="hello")
        calls = tools.choices[0].message.tool_calls or []
        return [plain.choices[0].message.content, text, [c.id for c in calls], response.output_text]

    trip = record_then_replay(tmp_path / "sdk.json", run)
    assert trip.replayed == trip.recorded
    assert trip.recorded == [
        "echo: Weather in Paris?",
        "echo: Weather in Paris?",
        ["call_1"],
        "echo: hello",
    ]


async def test_async_chat_and_streamed_responses(tmp_path: Path) -> None:
    """AsyncOpenAI: a tool round trip and a streamed Responses call."""

    async def run(base_url: str) -> list[Any]:
        async with openai.AsyncOpenAI(base_url=base_url, api_key="sk-test") as client:
            first = await client.chat.completions.create(
                model="gpt-4o-mini", messages=ASK, tools=[TOOL]
            )
            call = (first.choices[0].message.tool_calls or [])[0]
            answer = await client.chat.completions.create(
                model="gpt-4o-mini",
                tools=[TOOL],
                messages=[
                    *ASK,
                    first.choices[0].message.model_dump(exclude_none=True),
                    {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
                ],
            )
            deltas = []
            async with client.responses.stream(model="gpt-4o-mini", input="hello") as stream:
                async for event in stream:
                    if event.type == "response.output_text.delta":
                        deltas.append(event.delta)
        return [answer.choices[0].message.content, deltas]

    trip = await arecord_then_replay(tmp_path / "sdk.json", run)
    assert trip.replayed == trip.recorded
    assert trip.recorded[0] == WEATHER
    assert "".join(trip.recorded[1]) == "echo: hello"
