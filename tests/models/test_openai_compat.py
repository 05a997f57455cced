"""ModelAPI over an OpenAI-compatible endpoint, through the real openai SDK."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from agentkit.models import (
    ChatResponse,
    MalformedResponseError,
    Message,
    ModelCallError,
    ProviderStatusError,
    RetryPolicy,
    TextDelta,
    ToolCallDelta,
    ToolSpec,
    Usage,
)
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


def _without_finish_reason(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chunks as Snowflake Cortex streams them: no finish_reason anywhere, usage at the end."""
    kept = [chunk for chunk in chunks if not any(c["finish_reason"] for c in chunk["choices"])]
    assert len(kept) == len(chunks) - 1
    assert "usage" in kept[-1]
    return kept


@pytest.mark.parametrize(
    ("script", "finish_reason"),
    [
        ({"content": "Sure."}, "stop"),
        ({"tool_calls": [("call_1", "search_flights", ARGS)]}, "tool_calls"),
    ],
)
async def test_complete_stream_without_finish_reason_is_accepted(
    make_api: MakeAPI, script: dict[str, Any], finish_reason: str
) -> None:
    """A stream ending in usage and [DONE] but no finish_reason is complete, like chat() with ""."""
    body = chat_completion(**script)
    body["choices"][0]["finish_reason"] = ""
    stream = sse_response(_without_finish_reason(chat_completion_chunks(**script)))
    api, provider = make_api([body, stream])
    chat = await api.chat(CONVERSATION, tools=[SEARCH])
    final = [event async for event in api.stream(CONVERSATION, tools=[SEARCH])][-1]
    assert chat.finish_reason == finish_reason
    assert final == chat
    assert len(provider.requests) == 2


async def test_stream_without_finish_reason_or_done_is_still_cut_short(make_api: MakeAPI) -> None:
    """Without [DONE] a stream that never said why it stopped was cut: not retried into a lie."""
    cut = sse_response(_without_finish_reason(chat_completion_chunks(content="Sure.")), done=False)
    api, _ = make_api([cut], retry=RetryPolicy(max_attempts=1))
    with pytest.raises(MalformedResponseError, match="cut short"):
        [event async for event in api.stream(CONVERSATION)]


MISTRAL_PARTS = [
    {"type": "thinking", "thinking": [{"type": "text", "text": "The user wants SFO-JFK."}]},
    {"type": "text", "text": "Searching "},
    {"type": "text", "text": "now."},
]


async def test_content_as_a_list_of_parts_is_normalised(make_api: MakeAPI) -> None:
    """Mistral's [thinking, text] content parts become text, at the first attempt."""
    body = chat_completion(content=None, model="magistral-medium-latest")
    body["choices"][0]["message"]["content"] = MISTRAL_PARTS
    api, provider = make_api([body])
    response = await api.chat(CONVERSATION)
    assert response.content == "Searching now."
    assert len(provider.requests) == 1


async def test_streamed_content_parts_are_normalised(make_api: MakeAPI) -> None:
    """Streamed deltas whose content is a list of parts assemble like chat() reads them."""
    body = chat_completion(content=None)
    body["choices"][0]["message"]["content"] = MISTRAL_PARTS
    head, template, *tail = chat_completion_chunks(content="x")
    choice = template["choices"][0]
    parts = [
        {**template, "choices": [{**choice, "delta": {"content": [part]}}]}
        for part in MISTRAL_PARTS
    ]
    api, _ = make_api([sse_response([head, *parts, *tail]), body])
    events = [event async for event in api.stream(CONVERSATION)]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Searching now."
    assert events[-1] == await api.chat(CONVERSATION)


@pytest.mark.parametrize("content", [42, [{"no_type": "x"}], ["text"]])
async def test_unreadable_content_is_malformed_and_not_retried(
    make_api: MakeAPI, content: object
) -> None:
    """A message content of no known shape is a MalformedResponseError at the first attempt."""
    body = chat_completion(content=None)
    body["choices"][0]["message"]["content"] = content
    chunk = chat_completion_chunks(content="x")[1]
    chunk["choices"][0]["delta"]["content"] = content
    api, provider = make_api([body, sse_response([chunk])])
    with pytest.raises(MalformedResponseError) as chat_error:
        await api.chat(CONVERSATION)
    with pytest.raises(MalformedResponseError) as stream_error:
        [event async for event in api.stream(CONVERSATION)]
    assert len(provider.requests) == 2
    assert not chat_error.value.retryable
    assert not stream_error.value.retryable


GROQ_TOOL_USE_FAILED = {
    "message": "Failed to call a function. Please adjust your prompt. See 'failed_generation' "
    "for more details.",
    "type": "invalid_request_error",
    "code": "tool_use_failed",
    "failed_generation": '<function=search_flights{"origin": "SFO"}</function>',
}


@pytest.mark.parametrize(
    ("event", "status", "code", "retryable"),
    [
        # Groq: `event: error`, the status beside the error object.
        (
            ("error", {"error": GROQ_TOOL_USE_FAILED, "status_code": 400}),
            400,
            "tool_use_failed",
            False,
        ),
        # ... or inside it.
        (
            ("error", {"error": {**GROQ_TOOL_USE_FAILED, "status_code": 400}}),
            400,
            "tool_use_failed",
            False,
        ),
        # OpenRouter: a chunk with an error whose code is the HTTP status.
        (
            {
                "id": "gen-1",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "openai/gpt-4o",
                "error": {"code": 400, "message": "Provider returned error"},
                "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}],
            },
            400,
            None,
            False,
        ),
        ({"error": {"code": 502, "message": "Provider disconnected"}}, 502, None, True),
        ({"error": {"code": 429, "message": "Rate limit exceeded"}}, 429, None, True),
        (
            {"error": {"message": "The server had an error.", "type": "server_error"}},
            500,
            "server_error",
            True,
        ),
    ],
)
async def test_stream_error_is_classified_like_its_status(
    make_api: MakeAPI, event: Any, status: int, code: str | None, retryable: bool
) -> None:
    """An error inside a 200 stream is retried, or not, as the status it carries would be."""
    head = chat_completion_chunks(content="x")[0]
    api, provider = make_api([sse_response([head, event])], retry=RetryPolicy(max_attempts=1))
    with pytest.raises(ModelCallError) as caught:
        [e async for e in api.stream(CONVERSATION)]
    assert (caught.value.status_code, caught.value.retryable) == (status, retryable)
    assert caught.value.code == code
    assert len(provider.requests) == 1


async def test_stream_error_with_a_client_status_is_sent_once(make_api: MakeAPI) -> None:
    """Groq's tool_use_failed in a stream is not sent three times."""
    error = ("error", {"error": GROQ_TOOL_USE_FAILED, "status_code": 400})
    head = chat_completion_chunks(content="x")[0]
    api, provider = make_api([sse_response([head, error], done=False)] * 3)
    with pytest.raises(ProviderStatusError, match="Failed to call a function"):
        [e async for e in api.stream(CONVERSATION)]
    assert len(provider.requests) == 1


async def test_usage_keeps_cached_tokens_apart(make_api: MakeAPI) -> None:
    """prompt_tokens already counts cached tokens; cached_tokens is carried as cache reads."""
    body = chat_completion(content="ok", usage=(1200, 30))
    body["usage"]["prompt_tokens_details"] = {"cached_tokens": 1024}
    chunks = chat_completion_chunks(content="ok", usage=(1200, 30))
    chunks[-1]["usage"]["prompt_tokens_details"] = {"cached_tokens": 1024}
    api, _ = make_api([body, sse_response(chunks)])
    chat = await api.chat(CONVERSATION)
    final = [event async for event in api.stream(CONVERSATION)][-1]
    assert chat.usage == Usage(input_tokens=1200, output_tokens=30, cache_read_tokens=1024)
    assert chat.usage.cache_read_tokens == 1024
    assert final == chat


async def test_tool_call_only_answer_has_no_content_in_chat_and_stream(make_api: MakeAPI) -> None:
    """content "" beside tool calls reads as None, as the stream has it; a bare answer is ""."""
    calls = {"tool_calls": [("call_1", "search_flights", ARGS)]}
    with_empty_text = chat_completion(content="", **calls)
    nothing = chat_completion(content="")
    api, _ = make_api(
        [
            with_empty_text,
            sse_response(chat_completion_chunks(**calls)),
            nothing,
            sse_response(chat_completion_chunks()),
        ]
    )
    chat = await api.chat(CONVERSATION, tools=[SEARCH])
    streamed = [event async for event in api.stream(CONVERSATION, tools=[SEARCH])][-1]
    assert chat.content is None
    assert streamed == chat
    empty = await api.chat(CONVERSATION)
    streamed_empty = [event async for event in api.stream(CONVERSATION)][-1]
    assert empty.content == ""
    assert streamed_empty == empty
