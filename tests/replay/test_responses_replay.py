"""The Responses API under record/replay and fault injection: recorded from a loopback server
through ``use_cassette``, replayed strictly with the server stopped, and under fault plans."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from agentkit.faults import (
    Fault,
    FaultInjectingTransport,
    FaultKind,
    FaultPlan,
    FaultRule,
    VirtualClock,
    When,
)
from agentkit.models import (
    ChatResponse,
    MalformedResponseError,
    Message,
    ModelAPI,
    ModelCallError,
    ModelConnectionError,
    ModelParams,
    ProviderStatusError,
    RateLimitedError,
    ToolCall,
    ToolSpec,
)
from agentkit.replay import load_cassette, scan_cassette, use_cassette
from agentkit.testing._fakes import ScriptedProvider
from tests._responses_bodies import (
    ARGS,
    BOOK_TOOL,
    ENCRYPTED,
    LoopbackResponses,
    function_call_item,
    reasoning_item,
    response_body,
    response_events,
    serving,
    sse,
)

KEY = "sk" + "-proj-responsestest0123456789abcdef"
BOOK = ToolSpec.from_openai(BOOK_TOOL)
ASK = [Message.system("You book flights."), Message.user("Book F001 for two.")]


@pytest.fixture
def loopback() -> Iterator[LoopbackResponses]:
    """A loopback Responses API server, stopped at the end of the test (or before)."""
    with serving() as server:
        yield server


async def _tool_loop(api: ModelAPI, *, stream: bool) -> list[ChatResponse]:
    """Two turns: a function call (with reasoning), then the answer to its result."""

    async def turn(history: list[Message]) -> ChatResponse:
        if not stream:
            return await api.chat(history, tools=[BOOK])
        events = [event async for event in api.stream(history, tools=[BOOK])]
        final = events[-1]
        assert isinstance(final, ChatResponse)
        return final

    first = await turn(ASK)
    second = await turn([*ASK, first.to_message(), Message.tool(first.tool_calls[0].id, "BK-1")])
    return [first, second]


async def _conversation(api: ModelAPI) -> list[ChatResponse]:
    return [*await _tool_loop(api, stream=False), *await _tool_loop(api, stream=True)]


def _params(base_url: str, api_key: str | None = None) -> ModelParams:
    return ModelParams(name="gpt-5-mini", api="responses", base_url=base_url, api_key=api_key)


Recorded = tuple[Path, list[ChatResponse], str]


@pytest.fixture
async def recorded(tmp_path: Path, loopback: LoopbackResponses) -> Recorded:
    """A cassette of a plain and a streamed tool loop, recorded live from the loopback server
    (a real transport, which is what the cassette patches); the server is then stopped."""
    path = tmp_path / "responses.json"
    params = _params(loopback.base_url, KEY)
    async with use_cassette(path, mode="all"), ModelAPI(params, environ={}) as api:
        live = await _conversation(api)
    assert loopback.hits == 4
    loopback.shutdown()
    loopback.server_close()
    return path, live, loopback.base_url


async def test_a_responses_tool_loop_replays_strictly_with_the_server_stopped(
    recorded: Recorded,
) -> None:
    """Plain and streamed Responses exchanges replay in mode "none", keyless and offline, with
    the same normalized responses; the cassette holds no key and the stream's named events."""
    path, live, base_url = recorded
    keyless = _params(base_url)
    async with use_cassette(path, mode="none") as cassette, ModelAPI(keyless, environ={}) as api:
        replayed = await _conversation(api)
    assert cassette.all_played
    assert replayed == live
    call, answer, streamed_call, streamed_answer = replayed
    assert call.tool_calls[0].id == "call_12345xyz"
    assert call.tool_calls[0].arguments == ARGS
    assert call.finish_reason == "tool_calls"
    assert call.reasoning_text == "**Choosing a flight**\n\nF001 is the cheapest."
    assert answer.content == "Booked: BK-1"
    assert streamed_call == call
    assert streamed_answer == answer

    assert KEY not in path.read_text()
    assert scan_cassette(path) == []
    interactions = load_cassette(path).interactions
    assert [i.request.path for i in interactions] == ["/v1/responses"] * 4
    assert interactions[0].request.headers["authorization"] == "<REDACTED:authorization>"
    assert interactions[0].response.headers["openai-organization"].startswith("<REDACTED")
    # The follow-up turn sent the reasoning item back, paired with its function call.
    follow_up = interactions[1].request.body["input"]
    assert [item.get("type") for item in follow_up[1:]] == [
        "reasoning",
        "function_call",
        "function_call_output",
    ]
    assert follow_up[1]["encrypted_content"] == ENCRYPTED
    events = interactions[2].response.events
    assert events is not None
    assert events[0].event == "response.created"
    assert events[-1].event == "response.completed"


def _faulted_api(base_url: str, plan: FaultPlan) -> tuple[ModelAPI, FaultInjectingTransport]:
    clock = VirtualClock()
    transport = FaultInjectingTransport(httpx2.AsyncHTTPTransport(), plan, clock=clock)
    api = ModelAPI(
        _params(base_url),
        http_client=httpx2.AsyncClient(transport=transport),
        clock=clock,
        sleep=clock.sleep,
        environ={},
    )
    return api, transport


async def test_a_fault_plan_over_the_replayed_responses_exchange(recorded: Recorded) -> None:
    """A 503 at call 1 is retried from the cassette, broken arguments at call 2 reach the
    answer, delta_without_index is logged not applicable, and a disconnect mid-stream raises."""
    path, live, base_url = recorded
    plan = FaultPlan(
        rules=(
            FaultRule(fault=Fault(kind=FaultKind.SERVER_ERROR), when=When(calls=(1,))),
            FaultRule(fault=Fault(kind=FaultKind.INVALID_JSON_ARGUMENTS), when=When(calls=(2,))),
            FaultRule(fault=Fault(kind=FaultKind.DELTA_WITHOUT_INDEX), when=When(calls=(3,))),
            FaultRule(
                fault=Fault(kind=FaultKind.STREAM_DISCONNECT, after_events=12),
                when=When(calls=(4,)),
            ),
        )
    )
    api, transport = _faulted_api(base_url, plan)
    follow_up = [*ASK, live[0].to_message(), Message.tool(live[0].tool_calls[0].id, "BK-1")]
    async with use_cassette(path, mode="none", allow_unplayed=True), api:
        first = await api.chat(ASK, tools=[BOOK])  # calls 1 (503) and 2
        second = await api.chat(follow_up, tools=[BOOK])  # call 3
        with pytest.raises(ModelConnectionError, match="already delivered"):
            [event async for event in api.stream(ASK, tools=[BOOK])]  # call 4
    assert first.attempts == 2
    assert first.tool_calls[0].arguments_error is not None
    assert first.tool_calls[0].arguments.endswith(",}")
    assert second == live[1]
    log = {entry.call: entry for entry in transport.log}
    assert (log[1].kind, log[1].applied) == (FaultKind.SERVER_ERROR, True)
    assert (log[2].kind, log[2].applied) == (FaultKind.INVALID_JSON_ARGUMENTS, True)
    assert (log[3].kind, log[3].applied) == (FaultKind.DELTA_WITHOUT_INDEX, False)
    assert "not applicable to the Responses API" in log[3].note
    assert (log[4].kind, log[4].applied) == (FaultKind.STREAM_DISCONNECT, True)


async def _streamed(api: ModelAPI, *args: Any, **kwargs: Any) -> list[Any]:
    return [event async for event in api.stream(*args, **kwargs)]


def _faulted(kind: FaultKind, replies: list[Any]) -> tuple[ModelAPI, FaultInjectingTransport]:
    clock = VirtualClock()
    transport = FaultInjectingTransport(
        httpx2.MockTransport(ScriptedProvider(replies)),
        FaultPlan.single(Fault(kind=kind), calls=[1]),
        clock=clock,
    )
    api = ModelAPI(
        ModelParams(name="gpt-5-mini", api="responses"),
        http_client=httpx2.AsyncClient(transport=transport),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(0),
    )
    return api, transport


def _call(response: ChatResponse) -> ToolCall:
    assert response.tool_calls, response
    return response.tool_calls[0]


# What each model-output fault makes of the answer (reasoning, a function call); the first
# call of the answer is the one the fault acts on, as on chat completions.
OUTPUT_FAULTS: dict[FaultKind, Callable[[ChatResponse], bool]] = {
    FaultKind.EMPTY_CHOICES: lambda r: (r.content, r.tool_calls, r.reasoning) == ("", (), ()),
    FaultKind.NULL_CONTENT: lambda r: (r.content, r.tool_calls) == ("", ()) and bool(r.reasoning),
    FaultKind.REFUSAL: lambda r: r.refusal == "I can't help with that request.",
    FaultKind.LENGTH_CUT_ARGUMENTS: lambda r: (
        r.finish_reason == "length" and _call(r).arguments == ARGS[: len(ARGS) // 2]
    ),
    FaultKind.INVALID_JSON_ARGUMENTS: lambda r: (
        "not valid JSON" in (_call(r).arguments_error or "")
    ),
    FaultKind.NON_OBJECT_ARGUMENTS: lambda r: _call(r).arguments == '["F001", 2]',
    FaultKind.INVENTED_TOOL: lambda r: _call(r).name == "do_what_the_user_wants_now",
    FaultKind.BAD_ARGUMENT: lambda r: (
        _call(r).parsed_arguments == {"flight_id": "F001", "passengers": "2"}
    ),
    FaultKind.TOOL_CALL_IN_TEXT: lambda r: (
        not r.tool_calls and (r.content or "").startswith('<tool_call>{"name": "book_flight"')
    ),
    FaultKind.DUPLICATE_TOOL_CALLS: lambda r: [c.id for c in r.tool_calls] == ["call_12345xyz"] * 2,
}
# Not applicable to a Responses answer: logged applied=False, the answer left as it was.
NOT_APPLIED = {(FaultKind.DELTA_WITHOUT_INDEX, False), (FaultKind.DELTA_WITHOUT_INDEX, True)}
NOT_APPLIED |= {(FaultKind.STREAM_ERROR_EVENT, False)}  # a plain answer has no events
DELIVERED_THEN_BROKEN = {(FaultKind.TRUNCATED_JSON, True)}
# Faults that fail the request for good (docs/faults.md: quota, context, client errors).
FINAL = {
    FaultKind.QUOTA_EXHAUSTED: RateLimitedError,
    FaultKind.CONTEXT_TOO_LONG: ProviderStatusError,
    FaultKind.CLIENT_ERROR: ProviderStatusError,
}


@pytest.mark.parametrize("streamed", [False, True], ids=["chat", "stream"])
@pytest.mark.parametrize("kind", list(FaultKind))
async def test_every_fault_kind_on_a_responses_exchange(kind: FaultKind, streamed: bool) -> None:
    """Each catalogue fault applies to a Responses answer or is logged not applicable; none
    crashes: a call answers, is retried into the real answer, or fails as a ModelCallError."""
    body = response_body([reasoning_item(), function_call_item()])
    answer = sse(response_events(body)) if streamed else body
    api, transport = _faulted(kind, [answer] * 3)
    try:
        if streamed:
            result: ChatResponse | ModelCallError = (await _streamed(api, ASK, tools=[BOOK]))[-1]
        else:
            result = await api.chat(ASK, tools=[BOOK])
    except ModelCallError as exc:
        result = exc
    entry = transport.log[0]
    assert entry.kind is kind
    assert entry.applied is ((kind, streamed) not in NOT_APPLIED), entry.note
    if kind in FINAL:
        assert isinstance(result, FINAL[kind])
    elif (kind, streamed) in DELIVERED_THEN_BROKEN:
        # The stream had delivered deltas before it broke: not retried (the agent falls back).
        assert isinstance(result, MalformedResponseError)
    elif kind in OUTPUT_FAULTS:
        assert isinstance(result, ChatResponse)
        assert result.attempts == 1
        assert OUTPUT_FAULTS[kind](result), result
    elif kind is FaultKind.NULL_FIRST_ARGUMENTS:
        # In the message: arguments null, read as ""; in a stream: the deltas still follow.
        assert isinstance(result, ChatResponse)
        assert _call(result).arguments == (ARGS if streamed else "")
    elif not entry.applied or kind in (FaultKind.LATENCY, FaultKind.SLICER):
        assert isinstance(result, ChatResponse)
        assert (result.attempts, _call(result).arguments) == (1, ARGS)
    else:
        # Transport, status, body and stream faults: retried, the retry gets the real answer
        # (a stream error event by its code, server_error: a 500).
        assert isinstance(result, ChatResponse), result
        assert (result.attempts, _call(result).arguments) == (2, ARGS)
