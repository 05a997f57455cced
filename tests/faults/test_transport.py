"""Every catalogue fault, injected below the real openai SDK, surfaces as the catalogue says."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
import pytest

from agentkit.faults import (
    CATALOGUE,
    Fault,
    FaultInjectingTransport,
    FaultKind,
    FaultPlan,
    FaultRule,
    VirtualClock,
    When,
)
from agentkit.models import ChatResponse, Message, ModelAPI, ModelParams
from agentkit.testing._fakes import (
    ScriptedProvider,
    chat_completion,
    chat_completion_chunks,
    sse_response,
)

K = FaultKind
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "select_flight",
            "description": "Pick a flight",
            "parameters": {
                "type": "object",
                "properties": {"flight_id": {"type": "string"}, "passengers": {"type": "integer"}},
                "required": ["flight_id", "passengers"],
            },
        },
    }
]
ARGS = '{"flight_id": "F001", "passengers": 2}'
ANSWER = chat_completion(content="Picking F001.", tool_calls=[("call_1", "select_flight", ARGS)])
STREAM = chat_completion_chunks(
    content="Picking F001.", tool_calls=[("call_1", "select_flight", ARGS)]
)


def _client(
    fault: Fault, replies: list[Any], clock: VirtualClock | None = None
) -> tuple[openai.AsyncOpenAI, FaultInjectingTransport]:
    transport = FaultInjectingTransport(
        httpx2.MockTransport(ScriptedProvider(replies)),
        FaultPlan.single(fault, calls=[1]),
        clock=clock,
    )
    client = openai.AsyncOpenAI(
        api_key="test",
        base_url="http://provider.test/v1",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=transport),
    )
    return client, transport


async def _create(fault: Fault, **kwargs: Any) -> Any:
    client, _ = _client(fault, [ANSWER])
    return await client.chat.completions.create(
        model="gpt-4",
        messages=[{"role": "user", "content": "book"}],
        tools=TOOLS,
        **kwargs,  # type: ignore[arg-type]
    )


async def _stream(fault: Fault) -> list[Any]:
    client, _ = _client(fault, [sse_response(STREAM)])
    stream = await client.chat.completions.create(
        model="gpt-4",
        messages=[{"role": "user", "content": "book"}],
        tools=TOOLS,
        stream=True,  # type: ignore[arg-type]
    )
    return [chunk async for chunk in stream]


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        (K.CONNECT_REFUSED, openai.APIConnectionError),
        (K.CONNECT_TIMEOUT, openai.APITimeoutError),
        (K.READ_TIMEOUT, openai.APITimeoutError),
        (K.CONNECTION_RESET, openai.APIConnectionError),
        (K.READ_ERROR, openai.APIConnectionError),
        (K.RATE_LIMITED, openai.RateLimitError),
        (K.QUOTA_EXHAUSTED, openai.RateLimitError),
        (K.SERVER_ERROR, openai.InternalServerError),
        (K.CONTEXT_TOO_LONG, openai.BadRequestError),
        (K.CLIENT_ERROR, openai.AuthenticationError),
        (K.TRUNCATED_JSON, json.JSONDecodeError),
    ],
)
async def test_rows_that_raise(kind: FaultKind, error: type[Exception]) -> None:
    """Rows 1-3, 6-10 and 13: the SDK raises the table's exception."""
    with pytest.raises(error):
        await _create(Fault(kind=kind, retry_after_ms=250))


async def test_rate_limit_carries_retry_after_and_quota_says_do_not_retry() -> None:
    """Row 6 sends retry-after headers; row 7 sends insufficient_quota and x-should-retry: false."""
    with pytest.raises(openai.RateLimitError) as limited:
        await _create(Fault(kind=K.RATE_LIMITED, retry_after_s=2, retry_after_ms=250))
    assert limited.value.response.headers["retry-after"] == "2"
    assert limited.value.response.headers["retry-after-ms"] == "250"
    with pytest.raises(openai.RateLimitError) as quota:
        await _create(Fault(kind=K.QUOTA_EXHAUSTED))
    assert quota.value.code == "insufficient_quota"
    assert quota.value.response.headers["x-should-retry"] == "false"


@pytest.mark.parametrize("status", [408, 409, 500, 502, 503, 529])
async def test_server_error_statuses(status: int) -> None:
    """Row 8: each status reaches the SDK as an APIStatusError with that code."""
    with pytest.raises(openai.APIStatusError) as caught:
        await _create(Fault(kind=K.SERVER_ERROR, status=status))
    assert caught.value.status_code == status


async def test_body_faults_pass_through_the_sdk() -> None:
    """Rows 12, 14, 15: an HTML page comes back as str, wrong shapes as lenient objects."""
    assert isinstance(await _create(Fault(kind=K.HTML_GATEWAY)), str)
    assert (await _create(Fault(kind=K.WRONG_SHAPE))).choices == "x"
    assert (await _create(Fault(kind=K.EMPTY_CHOICES))).choices == []


def _message(completion: Any) -> Any:
    return completion.choices[0].message


async def test_output_faults_mutate_the_real_answer() -> None:
    """Rows 16-22 and 24: the recorded answer is changed as the table says, nothing raises."""
    assert _message(await _create(Fault(kind=K.NULL_CONTENT))).content is None
    assert _message(await _create(Fault(kind=K.NULL_CONTENT))).tool_calls is None
    assert _message(await _create(Fault(kind=K.REFUSAL))).refusal
    cut = await _create(Fault(kind=K.LENGTH_CUT_ARGUMENTS))
    assert cut.choices[0].finish_reason == "length"
    assert ARGS.startswith(_message(cut).tool_calls[0].function.arguments)
    with pytest.raises(json.JSONDecodeError):
        json.loads(
            _message(await _create(Fault(kind=K.INVALID_JSON_ARGUMENTS)))
            .tool_calls[0]
            .function.arguments
        )
    listed = (
        _message(await _create(Fault(kind=K.NON_OBJECT_ARGUMENTS))).tool_calls[0].function.arguments
    )
    assert json.loads(listed) == ["F001", 2]
    as_object = _message(
        await _create(Fault(kind=K.NON_OBJECT_ARGUMENTS, variant="object_not_string"))
    )
    assert as_object.tool_calls[0].function.arguments == {"flight_id": "F001", "passengers": 2}
    assert (
        _message(await _create(Fault(kind=K.INVENTED_TOOL))).tool_calls[0].function.name
        == "do_what_the_user_wants_now"
    )
    dropped = _message(
        await _create(Fault(kind=K.BAD_ARGUMENT, variant="drop_required"))
    ).tool_calls[0]
    assert json.loads(dropped.function.arguments) == {"passengers": 2}
    typed = _message(await _create(Fault(kind=K.BAD_ARGUMENT))).tool_calls[0]
    assert json.loads(typed.function.arguments)["passengers"] == "2"
    in_text = _message(await _create(Fault(kind=K.TOOL_CALL_IN_TEXT)))
    assert in_text.tool_calls is None
    assert in_text.content.startswith("<tool_call>")
    duplicated = _message(await _create(Fault(kind=K.DUPLICATE_TOOL_CALLS))).tool_calls
    assert [c.id for c in duplicated] == ["call_1", "call_1"]
    assert (
        _message(await _create(Fault(kind=K.NULL_FIRST_ARGUMENTS))).tool_calls[0].function.arguments
        is None
    )


async def test_stream_disconnect_raises_while_iterating() -> None:
    """Row 4: the stream breaks after some events with APIConnectionError."""
    client, _ = _client(Fault(kind=K.STREAM_DISCONNECT, after_events=3), [sse_response(STREAM)])
    stream = await client.chat.completions.create(
        model="gpt-4", messages=[{"role": "user", "content": "x"}], stream=True
    )
    seen: list[Any] = []

    async def consume() -> None:
        async for chunk in stream:
            seen.append(chunk)

    with pytest.raises(openai.APIConnectionError):
        await consume()
    assert len(seen) == 3


async def test_stream_truncated_ends_silently_without_finish_reason() -> None:
    """Row 5: no exception, but no chunk carries a finish reason."""
    chunks = await _stream(Fault(kind=K.STREAM_TRUNCATED, after_events=4))
    assert len(chunks) == 4
    assert all(c.choices[0].finish_reason is None for c in chunks)


async def test_stream_error_event_raises_api_error() -> None:
    """Row 11: an error event inside the stream surfaces as APIError."""
    with pytest.raises(openai.APIError):
        await _stream(Fault(kind=K.STREAM_ERROR_EVENT, after_events=2))


async def test_deltas_without_index_and_null_first_arguments() -> None:
    """Rows 23 and 25 reshape the stream's tool-call deltas."""
    no_index = await _stream(Fault(kind=K.DELTA_WITHOUT_INDEX))
    deltas = [d for c in no_index for ch in c.choices for d in ch.delta.tool_calls or ()]
    assert deltas
    assert all(getattr(d, "index", None) is None for d in deltas)
    null_first = await _stream(Fault(kind=K.NULL_FIRST_ARGUMENTS))
    first = next(d for c in null_first for ch in c.choices for d in ch.delta.tool_calls or ())
    assert first.function.arguments is None


async def _model_api_answer(fault: Fault) -> ChatResponse:
    transport = FaultInjectingTransport(
        httpx2.MockTransport(ScriptedProvider([sse_response(STREAM)])),
        FaultPlan.single(fault, calls=[1]),
    )
    api = ModelAPI(ModelParams(name="gpt-4"), http_client=httpx2.AsyncClient(transport=transport))
    events = [event async for event in api.stream([Message.user("book")], tools=TOOLS)]
    final = events[-1]
    assert isinstance(final, ChatResponse)
    return final


async def test_network_shapes() -> None:
    """The slicer changes nothing the parser sees; latency moves only the virtual clock."""
    plain = await _model_api_answer(Fault(kind=K.LATENCY, latency_s=0))
    sliced = await _model_api_answer(Fault(kind=K.SLICER, slice_bytes=3))
    assert sliced == plain
    assert (await _model_api_answer(Fault(kind=K.DELTA_WITHOUT_INDEX))) == plain
    clock = VirtualClock()
    client, transport = _client(Fault(kind=K.LATENCY, latency_s=2.0, jitter_s=1.0), [ANSWER], clock)
    await client.chat.completions.create(model="gpt-4", messages=[{"role": "user", "content": "x"}])
    assert 2.0 <= clock.now <= 3.0
    assert transport.log[0].note.startswith("delayed")


async def test_limit_data_cuts_the_body() -> None:
    """limit_data delivers only the first bytes: the SDK meets truncated JSON."""
    with pytest.raises(json.JSONDecodeError):
        await _create(Fault(kind=K.LIMIT_DATA, limit_bytes=30))


async def test_the_log_names_each_fault_and_untouched_calls_pass_through() -> None:
    """Only the planned call is faulted; the log records its call number, kind and parameters."""
    provider = ScriptedProvider([ANSWER, ANSWER, ANSWER])
    plan = FaultPlan.single(Fault(kind=K.SERVER_ERROR, status=502), calls=[2])
    transport = FaultInjectingTransport(httpx2.MockTransport(provider), plan)
    client = openai.AsyncOpenAI(
        api_key="t",
        base_url="http://p.test/v1",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=transport),
    )
    results = []
    for _ in range(3):
        try:
            results.append(
                (
                    await client.chat.completions.create(
                        model="gpt-4", messages=[{"role": "user", "content": "x"}]
                    )
                )
                .choices[0]
                .message.content
            )
        except openai.APIStatusError as exc:
            results.append(exc.status_code)
    assert results == ["Picking F001.", 502, "Picking F001."]
    assert len(provider.requests) == 2  # the faulted call never reached the provider
    (entry,) = transport.log
    assert (entry.call, entry.kind, entry.params) == (2, K.SERVER_ERROR, {"status": 502})


def test_sync_clients_work_too() -> None:
    """The transport serves sync clients with the same plan semantics."""
    transport = FaultInjectingTransport(
        httpx2.MockTransport(ScriptedProvider([ANSWER])),
        FaultPlan.single("read_timeout", calls=[1]),
    )
    client = openai.OpenAI(
        api_key="t",
        base_url="http://p.test/v1",
        max_retries=0,
        http_client=httpx2.Client(transport=transport),
    )
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="gpt-4", messages=[{"role": "user", "content": "x"}])
    assert (
        client.chat.completions.create(model="gpt-4", messages=[{"role": "user", "content": "x"}])
        .choices[0]
        .message.content
    )


def test_every_catalogue_row_is_covered() -> None:
    """The catalogue numbers its faults 1 to 25 (docs/faults.md), with no gap."""
    assert {info.row for info in CATALOGUE.values() if info.row} == set(range(1, 26))
    assert set(CATALOGUE) == set(FaultKind)


def test_rules_count_calls_independently_of_each_other() -> None:
    """A rule's call numbers do not shift when an earlier rule fires first."""
    plan = FaultPlan(
        rules=(
            FaultRule(fault=Fault(kind=K.SERVER_ERROR), when=When(calls=(2,))),
            FaultRule(fault=Fault(kind=K.CLIENT_ERROR), when=When(calls=(2, 3))),
        )
    )
    transport = FaultInjectingTransport(httpx2.MockTransport(ScriptedProvider([ANSWER] * 4)), plan)
    client = httpx2.Client(transport=transport)
    statuses = [
        client.post("http://p.test/v1/chat/completions", json={}).status_code for _ in range(4)
    ]
    assert statuses == [200, 503, 401, 200]
    assert [(entry.call, entry.rule) for entry in transport.log] == [(2, 0), (3, 1)]


def test_stream_rewriting_reads_content_given_as_parts() -> None:
    """A Mistral-style answer (content as thinking and text parts) survives a stream rewrite."""
    from agentkit.faults._mutate import rechunk_completion, stream_to_completion

    completion = {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": [
                        {"type": "thinking", "thinking": [{"type": "text", "text": "hm"}]},
                        {"type": "text", "text": "Oslo on Tuesday."},
                    ],
                },
                "finish_reason": "stop",
            }
        ],
    }
    events = rechunk_completion(completion, piece=5)
    assert (
        "".join(
            event.json()["choices"][0]["delta"].get("content", "")
            for event in events
            if event.data != "[DONE]" and event.json().get("choices")
        )
        == "Oslo on Tuesday."
    )
    rebuilt = stream_to_completion(events)
    assert rebuilt is not None
    assert rebuilt["choices"][0]["message"]["content"] == "Oslo on Tuesday."
