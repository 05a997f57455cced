"""ModelAPI over Anthropic's Messages API, through the real anthropic SDK."""

from __future__ import annotations

from typing import Any

import pytest

from agentkit.models import (
    ChatResponse,
    MalformedResponseError,
    Message,
    ModelCallError,
    RetryPolicy,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
    Usage,
)
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
        ("model_context_window_exceeded", "length"),
        ("refusal", "refusal"),
    ],
)
async def test_stop_reasons_map_to_finish_reasons(
    make_api: MakeAPI, stop_reason: str, finish_reason: str
) -> None:
    """Anthropic's stop reasons are translated to agentkit's finish reasons."""
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


def _web_search_exchange() -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """A web-search answer as Anthropic documents it: message_start's usage is a first estimate,
    message_delta's carries the cumulative counts (server tool calls included)."""
    final_usage = {
        "input_tokens": 10682,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": 510,
        "server_tool_use": {"web_search_requests": 1},
    }
    message = anthropic_message(content="Oslo is sunny.")
    message["usage"] = final_usage
    events = anthropic_stream_events(content="Oslo is sunny.")
    events[0][1]["message"]["usage"] = {
        "input_tokens": 2679,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": 3,
    }
    kind, delta = events[-2]
    assert kind == "message_delta"
    delta["usage"] = final_usage
    return message, events


async def test_stream_usage_takes_message_delta_cumulative_counts(make_api: MakeAPI) -> None:
    """message_delta's cumulative usage supersedes message_start's, so stream() equals chat()."""
    message, events = _web_search_exchange()
    api, _ = make_api([message, sse_response(events, done=False)], name=NAME)
    expected = await api.chat([Message.user("weather?")])
    final = [event async for event in api.stream([Message.user("weather?")])][-1]
    assert isinstance(final, ChatResponse)
    assert final.usage is not None
    assert (final.usage.input_tokens, final.usage.output_tokens) == (10682, 510)
    assert final == expected


async def test_stream_keeps_message_start_counts_message_delta_omits(make_api: MakeAPI) -> None:
    """Counts that message_delta leaves out (cache reads here) survive from message_start."""
    events = anthropic_stream_events(content="ok")
    events[0][1]["message"]["usage"] = {
        "input_tokens": 5,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 900,
        "output_tokens": 1,
    }
    events[-2][1]["usage"] = {"output_tokens": 7}
    api, _ = make_api([sse_response(events, done=False)], name=NAME)
    final = [event async for event in api.stream([Message.user("hi")])][-1]
    assert isinstance(final, ChatResponse)
    assert final.usage == Usage(
        input_tokens=905, output_tokens=7, cache_read_tokens=900, cache_write_tokens=0
    )


async def test_usage_counts_cache_reads_and_writes_as_input(make_api: MakeAPI) -> None:
    """input_tokens includes cache reads and writes (OpenAI's meaning); each is also kept apart."""
    message = anthropic_message(content="ok")
    message["usage"] = {
        "input_tokens": 12,
        "cache_creation_input_tokens": 300,
        "cache_read_input_tokens": 2000,
        "output_tokens": 40,
    }
    api, _ = make_api([message], name=NAME)
    usage = (await api.chat([Message.user("hi")])).usage
    assert usage == Usage(
        input_tokens=2312, output_tokens=40, cache_read_tokens=2000, cache_write_tokens=300
    )


@pytest.mark.parametrize(
    ("stop_reason", "finish_reason"),
    [("pause_turn", "pause_turn"), ("refusal", "refusal")],
)
async def test_pause_turn_and_refusal_have_their_own_finish_reasons(
    make_api: MakeAPI, stop_reason: str, finish_reason: str
) -> None:
    """A paused turn is not a finished one, and a refusal is not a content filter."""
    script = {"content": "Searching the web", "stop_reason": stop_reason}
    api, _ = make_api(
        [anthropic_message(**script), sse_response(anthropic_stream_events(**script), done=False)],
        name=NAME,
    )
    chat = await api.chat([Message.user("hi")])
    final = [event async for event in api.stream([Message.user("hi")])][-1]
    assert chat.finish_reason == finish_reason
    assert final == chat


async def test_tool_call_only_answer_has_no_content_in_chat_and_stream(make_api: MakeAPI) -> None:
    """An answer of tool calls alone has content None; an answer with nothing at all has ""."""
    calls = {"tool_calls": [("tu_1", "search_flights", {"origin": "SFO"})]}
    empty = anthropic_message()
    api, _ = make_api(
        [
            anthropic_message(**calls),
            sse_response(anthropic_stream_events(**calls), done=False),
            empty,
            sse_response(anthropic_stream_events(), done=False),
        ],
        name=NAME,
    )
    chat = await api.chat([Message.user("go")], tools=[SEARCH])
    streamed = [event async for event in api.stream([Message.user("go")], tools=[SEARCH])][-1]
    assert chat.content is None
    assert streamed == chat
    nothing = await api.chat([Message.user("go")])
    streamed_nothing = [event async for event in api.stream([Message.user("go")])][-1]
    assert nothing.content == ""
    assert streamed_nothing == nothing


@pytest.mark.parametrize(
    ("error_type", "status", "retryable"),
    [
        ("overloaded_error", 529, True),
        ("api_error", 500, True),
        ("rate_limit_error", 429, True),
        ("invalid_request_error", 400, False),
    ],
)
async def test_stream_error_event_is_classified_like_its_status(
    make_api: MakeAPI, error_type: str, status: int, retryable: bool
) -> None:
    """An in-stream `event: error` is handled as the HTTP status its error type stands for."""
    error = ("error", {"type": "error", "error": {"type": error_type, "message": "boom"}})
    broken = sse_response([anthropic_stream_events(content="x")[0], error], done=False)
    api, provider = make_api([broken], name=NAME, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(ModelCallError) as caught:
        [event async for event in api.stream([Message.user("hi")])]
    assert len(provider.requests) == 1
    assert (caught.value.status_code, caught.value.retryable) == (status, retryable)
    assert caught.value.code == error_type


async def test_an_unreadable_stream_event_is_malformed_not_a_raw_error(make_api: MakeAPI) -> None:
    """A delta the model shaped wrong is a non-retryable MalformedResponseError, never a bug."""
    events = anthropic_stream_events(content="ok")
    kind, data = events[2]
    assert kind == "content_block_delta"
    data["delta"]["text"] = {"not": "text"}
    api, provider = make_api([sse_response(events, done=False)] * 3, name=NAME)
    with pytest.raises(MalformedResponseError) as caught:
        [event async for event in api.stream([Message.user("hi")])]
    assert not caught.value.retryable
    assert len(provider.requests) == 1
