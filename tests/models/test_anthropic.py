"""ModelAPI over Anthropic's Messages API, through the real anthropic SDK."""

from __future__ import annotations

import pytest

from agentkit.models import ChatResponse, Message, TextDelta, ToolCall, ToolCallDelta, ToolSpec
from agentkit.testing._fakes import anthropic_message, anthropic_stream_events, sse_response

from .conftest import MakeAPI

SEARCH = ToolSpec(
    name="search_flights",
    description="Search flights",
    parameters={"type": "object", "properties": {"origin": {"type": "string"}}},
)
NAME = "anthropic/claude-test"


async def test_text_answer_and_system_prompt(make_api: MakeAPI) -> None:
    """System messages become the system parameter; text blocks become content."""
    api, provider = make_api([anthropic_message(content="Hello!")], name=NAME)
    response = await api.chat([Message.system("Be brief."), Message.user("Hi")])
    body = provider.bodies()[0]
    assert body["system"] == "Be brief."
    assert body["messages"] == [{"role": "user", "content": "Hi"}]
    assert body["model"] == "claude-test"
    assert body["max_tokens"] == 1024
    assert provider.requests[0].url.path == "/v1/messages"
    assert response.content == "Hello!"
    assert response.finish_reason == "stop"


async def test_tool_use_both_ways(make_api: MakeAPI) -> None:
    """tool_use blocks become ToolCalls; ToolCalls and tool results go back as blocks."""
    api, provider = make_api(
        [
            anthropic_message(tool_calls=[("tu_1", "search_flights", {"origin": "SFO"})]),
            anthropic_message(content="Found 3."),
        ],
        name=NAME,
        infer_kwargs={"temperature": 0.2, "max_tokens": 300},
    )
    first = await api.chat([Message.user("Find flights")], tools=[SEARCH], tool_choice="required")
    assert first.finish_reason == "tool_calls"
    assert first.tool_calls == (
        ToolCall(id="tu_1", name="search_flights", arguments='{"origin":"SFO"}'),
    )
    history = [Message.user("Find flights"), first.to_message(), Message.tool("tu_1", "3 flights")]
    await api.chat(history, tools=[SEARCH], tool_choice="search_flights")
    first_body, second_body = provider.bodies()
    assert first_body["tools"] == [SEARCH.to_anthropic()]
    assert first_body["tool_choice"] == {"type": "any"}
    assert (first_body["temperature"], first_body["max_tokens"]) == (0.2, 300)
    assert second_body["tool_choice"] == {"type": "tool", "name": "search_flights"}
    assert second_body["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "tool_use", "id": "tu_1", "name": "search_flights", "input": {"origin": "SFO"}}
        ],
    }
    assert second_body["messages"][2] == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "tu_1", "content": "3 flights"}],
    }


@pytest.mark.parametrize(
    ("stop_reason", "finish_reason"),
    [
        ("end_turn", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
    ],
)
async def test_stop_reasons_map_to_finish_reasons(
    make_api: MakeAPI, stop_reason: str, finish_reason: str
) -> None:
    """Anthropic's stop reasons are translated to OpenAI's vocabulary."""
    api, _ = make_api([anthropic_message(content="x", stop_reason=stop_reason)], name=NAME)
    response = await api.chat([Message.user("hi")])
    assert response.finish_reason == finish_reason
    assert (response.refusal is not None) == (stop_reason == "refusal")


async def test_consecutive_tool_results_share_one_user_turn(make_api: MakeAPI) -> None:
    """Two tool results after one assistant turn travel in a single user message."""
    api, provider = make_api([anthropic_message(content="ok")], name=NAME)
    calls = (ToolCall(id="a", name="t", arguments="{}"), ToolCall(id="b", name="t", arguments="{}"))
    await api.chat(
        [
            Message.user("go"),
            Message.assistant(None, calls),
            Message.tool("a", "1"),
            Message.tool("b", "2"),
        ]
    )
    messages = provider.bodies()[0]["messages"]
    assert len(messages) == 3
    assert [block["tool_use_id"] for block in messages[2]["content"]] == ["a", "b"]


async def test_stream_equals_chat(make_api: MakeAPI) -> None:
    """The streamed answer ends with the ChatResponse that chat() gives for the same exchange."""
    script = {
        "content": "Searching.",
        "tool_calls": [("tu_1", "search_flights", {"origin": "SFO"})],
    }
    api, _ = make_api(
        [anthropic_message(**script), sse_response(anthropic_stream_events(**script), done=False)],
        name=NAME,
    )
    expected = await api.chat([Message.user("go")], tools=[SEARCH])
    events = [event async for event in api.stream([Message.user("go")], tools=[SEARCH])]
    assert isinstance(events[-1], ChatResponse)
    assert events[-1] == expected
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Searching."
    assert any(isinstance(e, ToolCallDelta) and e.name == "search_flights" for e in events)
