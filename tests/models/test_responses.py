"""ModelAPI over OpenAI's Responses API (``api="responses"``), through the real openai SDK."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from agentkit import UsageError
from agentkit.models import (
    ChatResponse,
    DocumentPart,
    ImagePart,
    MalformedResponseError,
    Message,
    ModelAPI,
    ModelCallError,
    ModelParams,
    OpenAICompatibleProvider,
    ProviderStatusError,
    RateLimitedError,
    ReasoningDelta,
    RetryPolicy,
    TextDelta,
    TextPart,
    ThinkingPart,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
    temporary_provider,
)
from agentkit.models._anthropic import to_anthropic_messages
from agentkit.models._openai_wire import to_openai_messages
from agentkit.models._responses_wire import to_responses_input
from agentkit.testing._fakes import ScriptedProvider, chat_completion
from tests._responses_bodies import (
    ARGS,
    BOOK_TOOL,
    ENCRYPTED,
    MODEL,
    function_call_item,
    message_item,
    reasoning_item,
    refusal_item,
    response_body,
    response_events,
    sse,
)

from .conftest import MakeAPI

BOOK = ToolSpec.from_openai(BOOK_TOOL)
CONVERSATION = [Message.system("You book flights."), Message.user("Book F001 for two.")]
CALL_WITH_REASONING = response_body([reasoning_item(), function_call_item()])


def _responses(make_api: MakeAPI, replies: list[Any], **params: Any) -> Any:
    return make_api(replies, name="gpt-5-mini", api="responses", **params)


async def _streamed(api: ModelAPI, *args: Any, **kwargs: Any) -> list[Any]:
    return [event async for event in api.stream(*args, **kwargs)]


async def test_model_params_select_the_responses_api(make_api: MakeAPI) -> None:
    """``ModelParams(api="responses")`` posts to /responses; the default stays chat completions."""
    api, provider = _responses(make_api, [response_body([message_item("Booked.")])])
    assert api.api == "responses"
    response = await api.chat(CONVERSATION)
    assert response.content == "Booked."
    assert provider.requests[0].url.path == "/v1/responses"
    default, chat_provider = make_api([chat_completion(content="ok")])
    assert default.api == "chat_completions"
    await default.chat(CONVERSATION)
    assert chat_provider.requests[0].url.path == "/v1/chat/completions"


async def test_a_provider_may_default_to_the_responses_api() -> None:
    """An OpenAI-compatible provider declared with ``api="responses"`` uses it unless overridden."""
    spec = OpenAICompatibleProvider(
        name="oai", base_url_env="OAI_BASE", api_key_env="OAI_KEY", api="responses"
    )
    with temporary_provider(spec):
        provider = ScriptedProvider(
            [response_body([message_item("hi")]), chat_completion(content="hi")]
        )
        client = httpx2.AsyncClient(transport=httpx2.MockTransport(provider))
        env = {"OAI_BASE": "https://api.example/v1", "OAI_KEY": "k"}
        responses = ModelAPI(ModelParams(name="oai/gpt-5"), http_client=client, environ=env)
        chat = ModelAPI(
            ModelParams(name="oai/gpt-5", api="chat_completions"), http_client=client, environ=env
        )
        assert (responses.api, chat.api) == ("responses", "chat_completions")
        await responses.chat(CONVERSATION)
        await chat.chat(CONVERSATION)
    paths = [request.url.path for request in provider.requests]
    assert paths == ["/v1/responses", "/v1/chat/completions"]


def test_anthropic_refuses_the_responses_api() -> None:
    """Anthropic speaks its own Messages API: asking it for the Responses API is a UsageError."""
    with pytest.raises(UsageError, match=r"api='responses'.*'anthropic' provider.*own adapter"):
        ModelAPI(ModelParams(name="anthropic/claude-sonnet-4-5", api="responses"))
    assert ModelAPI(ModelParams(name="anthropic/claude-sonnet-4-5")).api is None


async def test_text_usage_and_model(make_api: MakeAPI) -> None:
    """A message item is the content; input_tokens counts the cached ones, carried apart."""
    api, _ = _responses(make_api, [response_body([message_item("Booked F001.")])])
    response = await api.chat(CONVERSATION)
    assert response.content == "Booked F001."
    assert response.tool_calls == ()
    assert response.finish_reason == "stop"
    assert response.model == MODEL
    assert response.usage is not None
    assert response.usage.input_tokens == 1200
    assert response.usage.output_tokens == 80
    assert response.usage.cache_read_tokens == 1024


async def test_function_call_and_reasoning_item(make_api: MakeAPI) -> None:
    """A function_call item is a ToolCall with its call_id; the reasoning item is kept."""
    api, _ = _responses(make_api, [CALL_WITH_REASONING])
    response = await api.chat(CONVERSATION, tools=[BOOK])
    assert response.content is None
    assert response.finish_reason == "tool_calls"
    assert response.tool_calls == (
        ToolCall(id="call_12345xyz", name="book_flight", arguments=ARGS),
    )
    assert response.tool_calls[0].parsed_arguments == {"flight_id": "F001", "passengers": 2}
    (part,) = response.reasoning
    assert isinstance(part, ThinkingPart)
    assert part.origin == "reasoning_summary"
    assert part.item_id == "rs_6820f383d7c08191846711c5df8233bc"
    assert part.encrypted_content == ENCRYPTED
    assert part.followed_by == "fc_67ca09c6bedc8190a7abfec07b1a1332"
    assert response.reasoning_text == "**Choosing a flight**\n\nF001 is the cheapest."
    assert ChatResponse.model_validate_json(response.model_dump_json()) == response


def test_other_reasoning_serializes_as_before() -> None:
    """The Responses fields of a ThinkingPart are left out of its serialized form when unset."""
    assert ThinkingPart(thinking="x", signature="s").model_dump() == {
        "type": "thinking",
        "thinking": "x",
        "signature": "s",
        "origin": "thinking_block",
    }


async def test_parallel_calls_pair_only_the_first_with_the_reasoning(make_api: MakeAPI) -> None:
    """With two calls after one reasoning item, the first goes back with its item id, the
    second as a plain function_call item."""
    second = function_call_item(call_id="call_2", item_id="fc_2")
    answer = response_body([reasoning_item(), function_call_item(), second])
    api, provider = _responses(make_api, [answer, response_body([message_item("ok")])])
    first = await api.chat(CONVERSATION, tools=[BOOK])
    results = [Message.tool(call.id, "ok") for call in first.tool_calls]
    await api.chat([*CONVERSATION, first.to_message(), *results], tools=[BOOK])
    sent = provider.bodies()[1]["input"][1:]
    assert [(item["type"], item.get("id")) for item in sent] == [
        ("reasoning", "rs_6820f383d7c08191846711c5df8233bc"),
        ("function_call", "fc_67ca09c6bedc8190a7abfec07b1a1332"),
        ("function_call", None),
        ("function_call_output", None),
        ("function_call_output", None),
    ]


STREAM_CASES = {
    "text": response_body([message_item("Booked F001 for two passengers.")]),
    "call with reasoning": CALL_WITH_REASONING,
    "two summaries, text and call": response_body(
        [reasoning_item(("first", "second")), message_item("On it."), function_call_item()]
    ),
    "refusal": response_body([refusal_item("I can't help with that.")]),
    "cut at max_output_tokens": response_body(
        [reasoning_item(encrypted_content=None)],
        status="incomplete",
        incomplete="max_output_tokens",
    ),
}


@pytest.mark.parametrize("body", STREAM_CASES.values(), ids=STREAM_CASES.keys())
async def test_stream_ends_with_what_chat_returns(make_api: MakeAPI, body: Any) -> None:
    """The streamed answer's final ChatResponse equals chat()'s for the same exchange."""
    api, _ = _responses(make_api, [body, sse(response_events(body))])
    chat = await api.chat(CONVERSATION, tools=[BOOK])
    events = await _streamed(api, CONVERSATION, tools=[BOOK])
    assert isinstance(events[-1], ChatResponse)
    assert events[-1] == chat


async def test_stream_deltas(make_api: MakeAPI) -> None:
    """Summary, text and argument deltas arrive as ReasoningDelta, TextDelta and ToolCallDelta."""
    body = response_body([reasoning_item(), message_item("On it."), function_call_item()])
    api, provider = _responses(make_api, [sse(response_events(body, piece=4))])
    events = await _streamed(api, CONVERSATION, tools=[BOOK])
    assert provider.bodies()[0]["stream"] is True
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    assert reasoning == "**Choosing a flight**\n\nF001 is the cheapest."
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "On it."
    calls = [e for e in events if isinstance(e, ToolCallDelta)]
    assert (calls[0].index, calls[0].id, calls[0].name) == (0, "call_12345xyz", "book_flight")
    assert "".join(e.arguments for e in calls) == ARGS


async def test_request_body(make_api: MakeAPI) -> None:
    """Instructions, input items, function tools, tool_choice, text.format and renamed kwargs."""
    api, provider = _responses(
        make_api,
        [response_body([message_item("{}")])],
        infer_kwargs={"max_tokens": 512, "temperature": 0.2, "top_p": 0.9, "seed": 7},
    )
    schema = {"type": "object", "properties": {}, "additionalProperties": False}
    await api.chat(
        CONVERSATION,
        tools=[BOOK],
        tool_choice="book_flight",
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": schema, "strict": True},
        },
    )
    body = provider.bodies()[0]
    assert body["instructions"] == "You book flights."
    assert body["input"] == [{"role": "user", "content": "Book F001 for two."}]
    assert body["tools"] == [
        {
            "type": "function",
            "name": "book_flight",
            "description": "Book a flight by id.",
            "parameters": BOOK.parameters,
            "strict": False,
        }
    ]
    assert body["tool_choice"] == {"type": "function", "name": "book_flight"}
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "answer", "schema": schema, "strict": True}
    }
    assert (body["max_output_tokens"], body["temperature"], body["top_p"]) == (512, 0.2, 0.9)
    assert "max_tokens" not in body
    assert body["seed"] == 7  # not a Responses parameter: sent through extra_body as given
    assert provider.requests[0].headers.get("x-stainless-retry-count") == "0"


async def test_tool_loop_sends_reasoning_back_before_its_call(make_api: MakeAPI) -> None:
    """The next turn carries the reasoning item (id, encrypted content), then its paired call."""
    api, provider = _responses(
        make_api, [CALL_WITH_REASONING, response_body([message_item("Booked.")])]
    )
    first = await api.chat(CONVERSATION, tools=[BOOK])
    history = [*CONVERSATION, first.to_message(), Message.tool(first.tool_calls[0].id, "BK-1")]
    assert (await api.chat(history, tools=[BOOK])).content == "Booked."
    assert provider.bodies()[1]["input"] == [
        {"role": "user", "content": "Book F001 for two."},
        {
            "type": "reasoning",
            "id": "rs_6820f383d7c08191846711c5df8233bc",
            "summary": [
                {"type": "summary_text", "text": "**Choosing a flight**\n\nF001 is the cheapest."}
            ],
            "encrypted_content": ENCRYPTED,
        },
        {
            "type": "function_call",
            "call_id": "call_12345xyz",
            "name": "book_flight",
            "arguments": ARGS,
            "id": "fc_67ca09c6bedc8190a7abfec07b1a1332",
        },
        {"type": "function_call_output", "call_id": "call_12345xyz", "output": "BK-1"},
    ]


async def test_reasoning_before_a_message_goes_back_with_the_message_id(make_api: MakeAPI) -> None:
    """A reasoning item that preceded the answer's text goes back before it, with its id."""
    answer = response_body([reasoning_item(()), message_item("Which date?", item_id="msg_1")])
    api, provider = _responses(make_api, [answer, response_body([message_item("Booked.")])])
    first = await api.chat(CONVERSATION)
    assert first.reasoning_text == ""
    await api.chat([*CONVERSATION, first.to_message(), Message.user("Friday.")])
    sent = provider.bodies()[1]["input"]
    assert sent[1] == {
        "type": "reasoning",
        "id": "rs_6820f383d7c08191846711c5df8233bc",
        "summary": [],
        "encrypted_content": ENCRYPTED,
    }
    assert sent[2]["id"] == "msg_1"
    assert sent[2]["content"] == [{"type": "output_text", "text": "Which date?", "annotations": []}]
    assert sent[3] == {"role": "user", "content": "Friday."}


async def test_reasoning_before_an_item_not_kept_is_left_out(make_api: MakeAPI) -> None:
    """Reasoning followed by a built-in tool's call cannot be paired, so it does not go back."""
    search = {"type": "web_search_call", "id": "ws_1", "status": "completed"}
    answer = response_body([reasoning_item(item_id="rs_a"), search, message_item("Done.")])
    api, provider = _responses(make_api, [answer, response_body([message_item("ok")])])
    first = await api.chat(CONVERSATION)
    assert first.content == "Done."
    await api.chat([*CONVERSATION, first.to_message(), Message.user("thanks")])
    sent = provider.bodies()[1]["input"]
    assert [item.get("type") for item in sent] == [None, None, None]
    assert sent[1] == {"role": "assistant", "content": "Done."}


def test_reasoning_of_one_api_never_goes_to_another() -> None:
    """Responses reasoning items are not sent to chat completions or Anthropic, nor theirs here."""
    responses_part = ThinkingPart(thinking="plan", origin="reasoning_summary", item_id="rs_1")
    others = (
        ThinkingPart(thinking="deep", origin="reasoning_content"),
        ThinkingPart(thinking="signed", signature="sig"),
    )
    call = ToolCall(id="call_1", name="book_flight", arguments="{}")
    mixed = Message.assistant(None, (call,), reasoning=(responses_part, *others))
    assert "reasoning_content" in to_openai_messages((mixed,))[0]
    assert "plan" not in str(to_openai_messages((mixed,)))
    assert "plan" not in str(to_anthropic_messages((mixed,)))
    _, items = to_responses_input((mixed,))
    assert items == [
        {"type": "function_call", "call_id": "call_1", "name": "book_flight", "arguments": "{}"}
    ]


async def test_content_parts_and_tool_results(make_api: MakeAPI) -> None:
    """Images and documents become input_image / input_file parts, in tool outputs too."""
    api, provider = _responses(make_api, [response_body([message_item("ok")])])
    pdf = DocumentPart(data="JVBERi0=", filename="itinerary.pdf")
    call = ToolCall(id="call_1", name="book_flight", arguments="{}")
    await api.chat(
        [
            Message.user([TextPart(text="Match?"), ImagePart(url="https://x.test/p.png"), pdf]),
            Message.assistant(None, (call,)),
            Message.tool("call_1", [TextPart(text="see"), DocumentPart(file_id="file-1")]),
            Message.system("Answer in one word."),
        ]
    )
    body = provider.bodies()[0]
    assert "instructions" not in body
    assert body["input"][0]["content"] == [
        {"type": "input_text", "text": "Match?"},
        {"type": "input_image", "image_url": "https://x.test/p.png", "detail": "auto"},
        {
            "type": "input_file",
            "file_data": "data:application/pdf;base64,JVBERi0=",
            "filename": "itinerary.pdf",
        },
    ]
    assert body["input"][2]["output"] == [
        {"type": "input_text", "text": "see"},
        {"type": "input_file", "file_id": "file-1"},
    ]
    assert body["input"][3] == {"role": "system", "content": "Answer in one word."}


@pytest.mark.parametrize(
    ("body", "finish"),
    [
        (
            response_body(
                [message_item("F0")], status="incomplete", incomplete="max_output_tokens"
            ),
            "length",
        ),
        (
            response_body([message_item("")], status="incomplete", incomplete="content_filter"),
            "content_filter",
        ),
        (response_body([message_item("x")], status="incomplete", incomplete="max_messages"), None),
        (response_body([function_call_item()]), "tool_calls"),
        (response_body([message_item("ok")], status="cancelled"), None),
    ],
)
async def test_finish_reasons(make_api: MakeAPI, body: Any, finish: str | None) -> None:
    """completed reads as stop or tool_calls; incomplete as length or content_filter."""
    api, _ = _responses(make_api, [body])
    assert (await api.chat(CONVERSATION)).finish_reason == finish


async def test_refusal(make_api: MakeAPI) -> None:
    """A refusal part is ChatResponse.refusal, with no content, as chat completions report it."""
    api, _ = _responses(make_api, [response_body([refusal_item("I can't help with that.")])])
    response = await api.chat(CONVERSATION)
    assert (response.content, response.refusal) == ("", "I can't help with that.")
    assert response.finish_reason == "stop"


FAILED = [
    # (error object, status it stands for, retried)
    ({"code": "server_error", "message": "The server had an error."}, 500, True),
    ({"code": "rate_limit_exceeded", "message": "Slow down."}, 429, True),
    ({"code": "invalid_prompt", "message": "Flagged."}, 400, False),
    ({"code": "something_new", "message": "?"}, None, True),
]


@pytest.mark.parametrize(("error", "status", "retried"), FAILED)
async def test_failed_response_is_classified_by_its_code(
    make_api: MakeAPI, error: Any, status: int | None, retried: bool
) -> None:
    """A 200 answer with status failed is retried, or not, as its error code's status would be."""
    body = response_body([], status="failed", error=error, usage=None)
    api, provider = _responses(make_api, [body] * 3)
    with pytest.raises(ModelCallError) as caught:
        await api.chat(CONVERSATION)
    assert (caught.value.status_code, caught.value.retryable) == (status, retried)
    assert caught.value.code == error["code"]
    assert len(provider.requests) == (3 if retried else 1)


@pytest.mark.parametrize(("error", "status", "retried"), FAILED)
async def test_stream_failures_are_classified_by_their_code(
    make_api: MakeAPI, error: Any, status: int | None, retried: bool
) -> None:
    """response.failed and error events in a 200 stream are classified as their code's status."""
    body = response_body([], status="failed", error=error, usage=None)
    head = response_events(response_body([]))[:1]
    error_event = ("error", {"type": "error", **error, "param": None, "sequence_number": 1})
    replies = [sse(response_events(body)), sse([*head, error_event])]
    api, provider = _responses(make_api, replies, retry=RetryPolicy(max_attempts=1))
    for _ in replies:
        with pytest.raises(ModelCallError) as caught:
            await _streamed(api, CONVERSATION)
        assert (caught.value.status_code, caught.value.retryable) == (status, retried)
        assert caught.value.code == error["code"]
    assert len(provider.requests) == 2


async def test_rate_limit_event_is_retried_then_raised(make_api: MakeAPI) -> None:
    """A stream error event with rate_limit_exceeded is retried like a 429, then raised as one."""
    head = response_events(response_body([]))[:1]
    event = ("error", {"type": "error", "code": "rate_limit_exceeded", "message": "Slow down."})
    api, provider = _responses(make_api, [sse([*head, event])] * 3)
    with pytest.raises(RateLimitedError, match="Slow down"):
        await _streamed(api, CONVERSATION)
    assert len(provider.requests) == 3


async def test_a_stream_without_its_last_event_was_cut_short(make_api: MakeAPI) -> None:
    """A stream that ends before response.completed is a MalformedResponseError, retried when
    it had delivered nothing yet."""
    events = response_events(response_body([message_item("Booked F001 for two.")]))
    api, provider = _responses(make_api, [sse(events[:-1])])
    with pytest.raises(MalformedResponseError, match="cut short"):
        await _streamed(api, CONVERSATION)
    api, provider = _responses(make_api, [sse(events[:2]), sse(events)])
    assert (await _streamed(api, CONVERSATION))[-1].content == "Booked F001 for two."
    assert len(provider.requests) == 2


async def test_wrong_shapes(make_api: MakeAPI) -> None:
    """An output that is not a list is retried; an item the model shaped unreadably is not."""
    wrong = response_body([])
    wrong["output"] = "x"
    broken = response_body([{**function_call_item(), "arguments": 3}])
    api, provider = _responses(make_api, [wrong, wrong, wrong])
    with pytest.raises(MalformedResponseError, match="wrong shape"):
        await api.chat(CONVERSATION)
    assert len(provider.requests) == 3
    api, provider = _responses(make_api, [broken])
    with pytest.raises(MalformedResponseError) as caught:
        await api.chat(CONVERSATION)
    assert not caught.value.retryable
    assert len(provider.requests) == 1


async def test_server_errors_are_retried_by_model_api_only(make_api: MakeAPI) -> None:
    """The SDK's own retries are off: each of ModelAPI's attempts is one request."""
    error = httpx2.Response(503, json={"error": {"message": "busy", "type": "server_error"}})
    api, provider = _responses(make_api, [error, error], retry=RetryPolicy(max_attempts=2))
    with pytest.raises(ProviderStatusError):
        await api.chat(CONVERSATION)
    assert len(provider.requests) == 2
