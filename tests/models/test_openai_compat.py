"""ModelAPI over an OpenAI-compatible endpoint, through the real openai SDK."""

from __future__ import annotations

import httpx2

from agentkit.models import ChatResponse, Message, TextDelta, ToolCallDelta, ToolSpec
from agentkit.testing._fakes import chat_completion, chat_completion_chunks, sse_response

from .conftest import MakeAPI

SEARCH = ToolSpec(
    name="search_flights",
    description="Search flights",
    parameters={
        "type": "object",
        "properties": {"origin": {"type": "string"}, "destination": {"type": "string"}},
        "required": ["origin", "destination"],
    },
)
CONVERSATION = [Message.system("You book flights."), Message.user("SFO to JFK please")]
ARGS = '{"origin": "SFO", "destination": "JFK"}'


async def test_text_answer(make_api: MakeAPI) -> None:
    """A plain text completion becomes a ChatResponse with content, usage and model."""
    api, provider = make_api([chat_completion(content="Sure.", usage=(12, 3))])
    response = await api.chat(CONVERSATION)
    assert response.content == "Sure."
    assert response.tool_calls == ()
    assert response.finish_reason == "stop"
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens) == (12, 3)
    assert response.model == "gpt-4"
    assert provider.requests[0].url.path.endswith("/chat/completions")


async def test_tool_call_answer_and_request_body(make_api: MakeAPI) -> None:
    """Tools, tool_choice and infer_kwargs reach the wire; tool calls come back parsed."""
    api, provider = make_api(
        [chat_completion(tool_calls=[("call_1", "search_flights", ARGS)])],
        infer_kwargs={"temperature": 0.7, "max_tokens": 8192},
    )
    response = await api.chat(CONVERSATION, tools=[SEARCH], tool_choice="auto")
    body = provider.bodies()[0]
    assert body["temperature"] == 0.7
    assert body["max_tokens"] == 8192
    assert body["tool_choice"] == "auto"
    assert body["tools"] == [SEARCH.to_openai()]
    assert body["messages"] == [
        {"role": "system", "content": "You book flights."},
        {"role": "user", "content": "SFO to JFK please"},
    ]
    assert response.finish_reason == "tool_calls"
    (call,) = response.tool_calls
    assert (call.id, call.name) == ("call_1", "search_flights")
    assert call.parsed_arguments == {"origin": "SFO", "destination": "JFK"}


async def test_history_with_tool_results_is_sent_in_openai_form(make_api: MakeAPI) -> None:
    """Assistant tool calls and tool results are serialised as the chat-completions API wants."""
    api, provider = make_api([chat_completion(content="done")])
    first = chat_completion(tool_calls=[("call_1", "search_flights", ARGS)])
    previous = ChatResponse.model_validate(
        {"tool_calls": [{"id": "call_1", "name": "search_flights", "arguments": ARGS}]}
    )
    assert first["choices"][0]["message"]["tool_calls"][0]["id"] == "call_1"
    await api.chat([*CONVERSATION, previous.to_message(), Message.tool("call_1", "3 flights")])
    messages = provider.bodies()[0]["messages"]
    assert messages[2]["tool_calls"][0]["function"] == {"name": "search_flights", "arguments": ARGS}
    assert messages[3] == {"role": "tool", "tool_call_id": "call_1", "content": "3 flights"}


async def test_named_tool_choice_is_translated(make_api: MakeAPI) -> None:
    """A bare tool name as tool_choice becomes OpenAI's function-choice object."""
    api, provider = make_api([chat_completion(content="x")])
    await api.chat(CONVERSATION, tools=[SEARCH], tool_choice="search_flights")
    assert provider.bodies()[0]["tool_choice"] == {
        "type": "function",
        "function": {"name": "search_flights"},
    }


async def test_stream_yields_deltas_and_ends_with_the_chat_response(make_api: MakeAPI) -> None:
    """Streaming yields text and tool-call deltas, then the same ChatResponse chat() returns."""
    script = {"content": "Looking that up.", "tool_calls": [("call_1", "search_flights", ARGS)]}
    api, _ = make_api([chat_completion(**script), sse_response(chat_completion_chunks(**script))])
    expected = await api.chat(CONVERSATION, tools=[SEARCH])
    events = [event async for event in api.stream(CONVERSATION, tools=[SEARCH])]
    assert events[-1] == expected
    texts = [e.text for e in events if isinstance(e, TextDelta)]
    fragments = [e.arguments for e in events if isinstance(e, ToolCallDelta)]
    assert "".join(texts) == "Looking that up."
    assert len(texts) > 1
    assert "".join(fragments) == ARGS
    assert sum(isinstance(e, ChatResponse) for e in events) == 1


async def test_stream_request_asks_for_usage(make_api: MakeAPI) -> None:
    """The streamed request sets stream and include_usage, so usage matches chat()."""
    api, provider = make_api([sse_response(chat_completion_chunks(content="hi"))])
    [event async for event in api.stream(CONVERSATION)]
    body = provider.bodies()[0]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


async def test_stream_tolerates_deltas_without_index(make_api: MakeAPI) -> None:
    """Tool-call deltas without an index (docs/faults.md row 23) and null arguments (row 25) assemble."""
    chunks = chat_completion_chunks(tool_calls=[("call_1", "search_flights", ARGS)])
    for chunk in chunks:
        for choice in chunk["choices"]:
            for call in choice["delta"].get("tool_calls", []):
                del call["index"]
                if "name" in call.get("function", {}):
                    call["function"]["arguments"] = None
    api, _ = make_api([sse_response(chunks)])
    events = [event async for event in api.stream(CONVERSATION)]
    final = events[-1]
    assert isinstance(final, ChatResponse)
    (call,) = final.tool_calls
    assert call.parsed_arguments == {"origin": "SFO", "destination": "JFK"}


async def test_arguments_sent_as_object_are_normalised(make_api: MakeAPI) -> None:
    """A server that sends arguments as an object instead of a string (row 19) is normalised."""
    body = chat_completion(tool_calls=[("c1", "search_flights", "{}")])
    body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = {"origin": "SFO"}
    api, _ = make_api([httpx2.Response(200, json=body)])
    (call,) = (await api.chat(CONVERSATION)).tool_calls
    assert call.arguments == '{"origin":"SFO"}'
    assert call.parsed_arguments == {"origin": "SFO"}
