"""Model-level replay (``model_replay``) answers ``ModelAPI`` exactly as HTTP-level replay does:
the same answers and stream events for every shipped cassette, the same mismatch diagnostics,
the same strictness; recording and transport faults are refused with a clear error."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import httpx2
import pytest

from agentkit import UsageError
from agentkit.faults import (
    Fault,
    FaultInjectingTransport,
    FaultKind,
    FaultPlan,
    FaultRule,
    When,
)
from agentkit.models import (
    AdapterProvider,
    ChatResponse,
    Message,
    ModelAPI,
    ModelCallError,
    ModelParams,
    RetryPolicy,
    ThinkingPart,
    ToolCall,
    ToolSpec,
    WireReply,
    allow_missing_credentials,
    serve_wire,
    temporary_provider,
)
from agentkit.replay import (
    Cassette,
    CassetteNotFoundError,
    ReplayMismatchError,
    UnplayedInteractionsError,
    load_cassette,
    model_replay,
    use_cassette,
)
from agentkit.testing._fakes import (
    ScriptedProvider,
    anthropic_message,
    anthropic_stream_events,
    chat_completion,
    chat_completion_chunks,
    sse_response,
)
from tests._responses_bodies import (
    BOOK_TOOL,
    function_call_item,
    message_item,
    reasoning_item,
    response_body,
    response_events,
    sse,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(
    path
    for pattern in (
        "cassettes/**/*.json",
        "agentkit/_data/**/*.json",
        "examples/**/cassettes/**/*.json",
    )
    for path in ROOT.glob(pattern)
)
SENT_AS_PARAMETERS = {"model", "messages", "tools", "tool_choice", "response_format"}
STREAM_KEYS = {"stream", "stream_options"}
BOOK = ToolSpec.from_openai(BOOK_TOOL)

Outcome = tuple[str, Any]
"""What one call gave: ("answer", ChatResponse), ("stream", events) or ("error", facts)."""


# -- calls rebuilt from recorded chat-completion requests ----------------------------------


def _message(wire: dict[str, Any]) -> Message:
    role = wire["role"]
    if role == "tool":
        return Message.tool(wire["tool_call_id"], wire["content"])
    if role != "assistant":
        return Message(role=role, content=wire["content"])
    calls = tuple(
        ToolCall(id=c["id"], name=c["function"]["name"], arguments=c["function"]["arguments"])
        for c in wire.get("tool_calls") or ()
    )
    reasoning = wire.get("reasoning_content")
    parts = (ThinkingPart(thinking=reasoning, origin="reasoning_content"),) if reasoning else ()
    return Message.assistant(wire.get("content") or None, calls, reasoning=parts)


class Call:
    """The ``ModelAPI`` call that sends a recorded chat-completions request."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.stream = body.get("stream") is True
        if self.stream:
            assert body.get("stream_options") == {"include_usage": True}
        self.params = ModelParams(
            name=body["model"],
            provider="proxy",
            infer_kwargs={
                k: v for k, v in body.items() if k not in SENT_AS_PARAMETERS | STREAM_KEYS
            },
            retry=RetryPolicy(max_attempts=1, breaker_threshold=10**6),
        )
        self.arguments: dict[str, Any] = {
            "messages": [_message(m) for m in body["messages"]],
            "tools": [ToolSpec.from_openai(t) for t in body.get("tools") or ()] or None,
            "tool_choice": body.get("tool_choice"),
            "response_format": body.get("response_format"),
        }


async def _outcome(api: ModelAPI, stream: bool, arguments: dict[str, Any]) -> Outcome:
    try:
        if stream:
            return "stream", [event async for event in api.stream(**arguments)]
        return "answer", await api.chat(**arguments)
    except ModelCallError as exc:
        return "error", (type(exc).__name__, str(exc), exc.attempts)


def _api(params: ModelParams, http_client: httpx2.AsyncClient | None = None) -> ModelAPI:
    # A still clock and no sleeping: attempts record no elapsed time that could differ.
    return ModelAPI(
        params,
        http_client=http_client,
        environ={},
        clock=lambda: 0.0,
        sleep=_no_sleep,
        rng=random.Random(0),
    )


async def _no_sleep(seconds: float) -> None:
    return None


Replayer = Callable[[Path], AbstractAsyncContextManager[Cassette]]


def _http(path: Path) -> AbstractAsyncContextManager[Cassette]:
    return use_cassette(path, mode="none")


def _model(path: Path) -> AbstractAsyncContextManager[Cassette]:
    return model_replay(path, mode="none")


async def _replay_file(path: Path, replayer: Replayer) -> tuple[list[Outcome], list[int], bool]:
    calls = [Call(i.request.body) for i in load_cassette(path).interactions]
    apis: dict[str, ModelAPI] = {}
    outcomes = []
    async with replayer(path) as cassette:
        for call in calls:
            key = call.params.model_dump_json()
            api = apis.setdefault(key, _api(call.params))
            outcomes.append(await _outcome(api, call.stream, call.arguments))
        played, all_played = cassette.played_indices, cassette.all_played
    return outcomes, played, all_played


def test_the_shipped_cassettes_are_found() -> None:
    """The equivalence below covers the repository's cassettes, streamed ones among them."""
    assert len(SHIPPED) >= 40
    streamed = [p for p in SHIPPED if any(i.response.events for i in load_cassette(p).interactions)]
    assert streamed


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
async def test_every_shipped_interaction_replays_the_same_at_model_level(path: Path) -> None:
    """Each recorded call, made again through ModelAPI, gets the same answer (or stream events,
    or error) from model-level replay as from HTTP replay, and plays the same interactions."""
    http, http_played, http_all = await _replay_file(path, _http)
    model, model_played, model_all = await _replay_file(path, _model)
    assert len(model) == len(load_cassette(path).interactions)
    assert [kind for kind, _ in model] == [kind for kind, _ in http]
    for number, (by_model, by_http) in enumerate(zip(model, http, strict=True)):
        assert by_model == by_http, f"interaction {number} of {path.name}"
    assert any(kind != "error" for kind, _ in model)
    assert (model_played, model_all) == (http_played, http_all)
    assert model_all


# -- the other adapters and error answers, recorded here through the SDKs --------------------


async def _record(path: Path, params: ModelParams, replies: list[Any], calls: list[Any]) -> None:
    client = httpx2.AsyncClient(transport=httpx2.MockTransport(ScriptedProvider(replies)))
    api = _api(params, http_client=client)
    async with use_cassette(path, mode="all"):
        for stream, arguments in calls:
            await _outcome(api, stream, arguments)


async def _both(path: Path, params: ModelParams, calls: list[Any]) -> list[Outcome]:
    results = []
    for replayer in (_http, _model):
        api = _api(params)
        async with replayer(path) as cassette:
            results.append([await _outcome(api, stream, arguments) for stream, arguments in calls])
            assert cassette.all_played
    assert results[0] == results[1]
    return results[1]


ASK = {"messages": [Message.system("You book flights."), Message.user("Book F001 for two.")]}
WITH_TOOLS = {**ASK, "tools": [BOOK], "tool_choice": "book_flight"}
ARGS = '{"flight_id":"F001","passengers":2}'


def _status(code: int, **headers: str) -> httpx2.Response:
    return httpx2.Response(
        code, headers=headers, json={"error": {"message": f"status {code}", "type": "x"}}
    )


async def test_chat_completions_options_errors_and_streams(tmp_path: Path) -> None:
    """Tools, a named tool_choice, response_format and an unknown infer kwarg (sent via
    extra_body) match; status errors and a stream's error payload raise the same errors."""
    path = tmp_path / "chat.json"
    params = ModelParams(
        name="gpt-4",
        infer_kwargs={"temperature": 0.2, "top_k": 5},
        retry=RetryPolicy(max_attempts=2),
    )
    schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    calls = [
        (False, WITH_TOOLS),
        (False, {**ASK, "response_format": schema}),
        (True, WITH_TOOLS),
        (False, ASK),
        (False, ASK),
        (True, ASK),
    ]
    broken_stream = [chat_completion_chunks(content="par")[0], {"error": {"message": "boom"}}]
    replies = [
        chat_completion(tool_calls=[("c1", "book_flight", ARGS)]),
        chat_completion(content='{"ok": true}'),
        sse_response(chat_completion_chunks(tool_calls=[("c1", "book_flight", ARGS)])),
        _status(429, **{"retry-after": "2"}),
        chat_completion(content="after the retry"),
        _status(500),
        _status(503),
        sse_response(broken_stream),
        sse_response(broken_stream),
    ]
    await _record(path, params, replies, calls)
    outcomes = await _both(path, params, calls)
    assert outcomes[0][1].tool_calls[0].name == "book_flight"
    assert outcomes[2][0] == "stream"
    assert outcomes[2][1][-1].tool_calls[0].arguments == ARGS
    assert outcomes[3][1].content == "after the retry"
    assert outcomes[3][1].attempts == 2
    assert outcomes[4][0] == "error"
    assert outcomes[4][1][0] == "ProviderStatusError"
    assert outcomes[5][0] == "error"
    assert "boom" in outcomes[5][1][1]


async def test_a_stream_ends_by_done_or_is_cut_short_alike(tmp_path: Path) -> None:
    """A chat stream with no finish reason is complete when it ends with [DONE], and cut short
    (a MalformedResponseError) when it just stops, at either level."""
    path = tmp_path / "ends.json"
    params = ModelParams(name="gpt-4", retry=RetryPolicy(max_attempts=1))
    chunks = chat_completion_chunks(content="no reason given")
    for chunk in chunks:
        for choice in chunk["choices"]:
            choice["finish_reason"] = None
    calls = [(True, ASK), (True, ASK)]
    replies = [sse_response(chunks), sse_response(chunks, done=False)]
    await _record(path, params, replies, calls)
    outcomes = await _both(path, params, calls)
    assert outcomes[0][1][-1].content == "no reason given"
    assert outcomes[1][0] == "error"
    assert outcomes[1][1][0] == "MalformedResponseError"


async def test_responses_api_answers_streams_and_failures(tmp_path: Path) -> None:
    """The Responses adapter: a function call with reasoning, a streamed answer and a failed
    response give the same results at model level."""
    path = tmp_path / "responses.json"
    params = ModelParams(name="gpt-5-mini", api="responses", retry=RetryPolicy(max_attempts=1))
    answer = response_body([reasoning_item(), function_call_item()])
    streamed = response_body([message_item("Booked.")])
    failed = response_body([], status="failed", error={"code": "server_error", "message": "x"})
    calls = [(False, WITH_TOOLS), (True, ASK), (False, ASK)]
    await _record(path, params, [answer, sse(response_events(streamed)), failed], calls)
    outcomes = await _both(path, params, calls)
    assert outcomes[0][1].tool_calls[0].name == "book_flight"
    assert outcomes[1][1][-1].content == "Booked."
    assert outcomes[2][0] == "error"


async def test_anthropic_answers_streams_and_error_events(tmp_path: Path) -> None:
    """The Anthropic adapter: a tool call, a streamed text answer (with a ping) and a stream
    error event give the same results at model level."""
    path = tmp_path / "anthropic.json"
    params = ModelParams(name="anthropic/claude-test", retry=RetryPolicy(max_attempts=1))
    events = anthropic_stream_events(content="Booked, two seats.")
    with_ping = [events[0], ("ping", {"type": "ping"}), *events[1:]]
    error = [events[0], ("error", {"type": "error", "error": {"type": "overloaded_error"}})]
    calls = [(False, WITH_TOOLS), (True, ASK), (True, ASK)]
    replies = [
        anthropic_message(tool_calls=[("t1", "book_flight", {"flight_id": "F001"})]),
        sse_response(with_ping, done=False),
        sse_response(error, done=False),
    ]
    await _record(path, params, replies, calls)
    outcomes = await _both(path, params, calls)
    assert outcomes[0][1].tool_calls[0].parsed_arguments == {"flight_id": "F001"}
    assert outcomes[1][1][-1].content == "Booked, two seats."
    assert outcomes[2][0] == "error"


# -- diagnostics and strictness ------------------------------------------------------------


def _demo() -> Path:
    return next(p for p in SHIPPED if "ToolEnabledLLMAgent-balanced.json" in p.name)


async def test_a_mismatch_gets_the_same_diagnostic() -> None:
    """A changed request fails with the same ReplayMismatchError message, diff and requests."""
    body = load_cassette(_demo()).interactions[0].request.body
    call = Call(body)
    messages = list(call.arguments["messages"])
    messages[-1] = Message.user(str(messages[-1].content) + " (and a window seat)")
    errors = []
    for replayer in (use_cassette, model_replay):
        async with replayer(_demo(), allow_mismatches=True, allow_unplayed=True) as cassette:
            with pytest.raises(ReplayMismatchError) as caught:
                await _api(call.params).chat(**{**call.arguments, "messages": messages})
            assert cassette.mismatches == [caught.value]
        errors.append(caught.value)
    http, model = errors
    assert "(and a window seat)" in model.diff
    assert (str(model), model.diff) == (str(http), http.diff)
    assert model.closest == http.closest
    assert model.request.model_dump(exclude={"headers"}) == http.request.model_dump(
        exclude={"headers"}
    )


async def _play_first(replayer: Callable[..., Any], counts: list[int]) -> None:
    call = Call(load_cassette(_demo()).interactions[0].request.body)
    async with replayer(_demo()) as cassette:
        await _api(call.params).chat(**call.arguments)
        counts.append(cassette.play_count)


async def test_unplayed_interactions_fail_the_same_way() -> None:
    """Leaving recordings unplayed fails the block with the same error at either level."""
    interactions = load_cassette(_demo()).interactions
    messages: list[str] = []
    counts: list[int] = []
    for replayer in (use_cassette, model_replay):
        with pytest.raises(UnplayedInteractionsError) as caught:
            await _play_first(replayer, counts)
        messages.append(str(caught.value))
    assert counts == [1, 1]
    assert messages[0] == messages[1]
    assert f"{len(interactions) - 1}" in messages[1]


SECRET = "booking-" + "0123456789abcdef"


async def _secret_calls(path: Path, replayer: Callable[..., Any], **options: Any) -> Outcome:
    asked = {"messages": [Message.user(f"my booking token is {SECRET}")]}
    async with replayer(path, secret_env_vars=["BOOKING_TOKEN"], **options) as cassette:
        outcome = await _outcome(_api(ModelParams(name="gpt-4")), False, asked)
        if options.get("allow_mismatches"):
            assert len(cassette.mismatches) == 1
        else:
            assert cassette.mismatches == []
    return outcome


async def test_a_request_with_a_secret_is_redacted_before_matching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret in the request is redacted in the cassette; replaying the same request matches
    the redacted recording at either level (model level: by the bridge's way)."""
    monkeypatch.setenv("BOOKING_TOKEN", SECRET)
    path = tmp_path / "secret.json"
    asked = {"messages": [Message.user(f"my booking token is {SECRET}")]}
    await _record(
        path, ModelParams(name="gpt-4"), [chat_completion(content="ok")], [(False, asked)]
    )
    assert SECRET not in path.read_text()
    outcomes = [await _secret_calls(path, replayer) for replayer in (use_cassette, model_replay)]
    assert outcomes[0] == outcomes[1]
    assert outcomes[1][1].content == "ok"


async def test_a_cassette_holding_a_secret_mismatches_alike_with_the_sent_one_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recorded while the secret was not configured, the request no longer matches once it is
    (it is redacted before matching): both levels fail alike, the sent secret redacted."""
    path = tmp_path / "unredacted.json"
    asked = {"messages": [Message.user(f"my booking token is {SECRET}")]}
    await _record(
        path, ModelParams(name="gpt-4"), [chat_completion(content="ok")], [(False, asked)]
    )
    assert SECRET in path.read_text()
    monkeypatch.setenv("BOOKING_TOKEN", SECRET)
    errors = []
    for replayer in (use_cassette, model_replay):
        with pytest.raises(ReplayMismatchError) as caught:
            await _secret_calls(path, replayer, allow_mismatches=True, allow_unplayed=True)
        errors.append(caught.value)
    assert str(errors[0]) == str(errors[1])
    assert errors[1].diff.endswith("-> 'my booking token is <REDACTED:BOOKING_TOKEN>'")
    assert SECRET not in json.dumps(errors[1].request.body)


@pytest.mark.parametrize("mode", ["all", "rewrite", "new_episodes"])
def test_recording_modes_are_refused(tmp_path: Path, mode: str) -> None:
    """Model level only replays: a recording mode is a UsageError naming the fix."""
    with pytest.raises(UsageError, match=r"only replays.*use_cassette\("):
        model_replay(tmp_path / "x.json", mode=mode)


def test_once_without_a_file_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    """Mode once with no file would record: refused; mode none with no file: not found."""
    with pytest.raises(UsageError, match="does not exist yet"):
        model_replay(tmp_path / "x.json", mode="once")
    with pytest.raises(CassetteNotFoundError, match=r"x\.json"), model_replay(tmp_path / "x.json"):
        pass


def test_record_mode_from_the_environment_is_checked_on_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$AGENTKIT_RECORD_MODE=all refuses at entry, before any file is written."""
    monkeypatch.setenv("AGENTKIT_RECORD_MODE", "all")
    context = model_replay(tmp_path / "x.json")
    with pytest.raises(UsageError, match="only replays"), context:
        pass
    assert not (tmp_path / "x.json").exists()


async def test_an_own_adapter_is_refused_clearly() -> None:
    """A provider with its own adapter cannot be served at model level: it says so."""

    class Echo:
        def __init__(self, **_: Any) -> None: ...

        async def chat(self, request: Any, *, timeout: float) -> ChatResponse:
            return ChatResponse(content="echo", finish_reason="stop")

        async def stream(self, request: Any, *, timeout: float) -> AsyncIterator[Any]:
            yield ChatResponse(content="echo", finish_reason="stop")

        def classify(self, exc: BaseException, *, now_epoch: float | None) -> None:
            return None

        async def aclose(self) -> None: ...

    with temporary_provider(AdapterProvider(name="echo", adapter=Echo)):
        api = _api(ModelParams(name="echo/x"))
        with serve_wire(lambda request: WireReply(200)), pytest.raises(UsageError) as caught:
            await api.chat(ASK["messages"])
    assert "Echo" in str(caught.value)
    assert "use_cassette" in str(caught.value)


# -- fault plans ---------------------------------------------------------------------------


def test_transport_faults_are_refused_as_not_applicable() -> None:
    """A plan with transport or network faults is refused, naming them and the HTTP-level way."""
    plan = FaultPlan(
        rules=(
            FaultRule(fault=Fault(kind=FaultKind.READ_TIMEOUT), when=When(calls=(1,))),
            FaultRule(fault=Fault(kind=FaultKind.LATENCY), when=When(calls=(2,))),
            FaultRule(fault=Fault(kind=FaultKind.NULL_CONTENT), when=When(calls=(3,))),
        )
    )
    with pytest.raises(UsageError) as caught:
        model_replay(_demo(), faults=plan)
    message = str(caught.value)
    assert "read_timeout (transport)" in message
    assert "latency (network)" in message
    assert "null_content" not in message
    assert "FaultInjectingTransport" in message


@pytest.mark.parametrize(
    "kinds",
    [
        (FaultKind.INVALID_JSON_ARGUMENTS,),
        (FaultKind.INVENTED_TOOL,),
        (FaultKind.RATE_LIMITED,),
        (FaultKind.SERVER_ERROR, FaultKind.NULL_CONTENT),
    ],
    ids=lambda kinds: "+".join(k.value for k in kinds),
)
async def test_output_and_status_faults_apply_as_over_http(kinds: Sequence[FaultKind]) -> None:
    """Output and status faults of a plan change the answers as they do at the HTTP level, and
    a fault standing in for an answer leaves the recording for the retry."""
    plan = FaultPlan(
        rules=tuple(
            FaultRule(fault=Fault(kind=kind), when=When(calls=(number,)))
            for number, kind in enumerate(kinds, start=1)
        )
    )
    interactions = load_cassette(_demo()).interactions
    calls = [Call(i.request.body) for i in interactions[:3]]
    params = calls[0].params.model_copy(update={"retry": RetryPolicy(max_attempts=3)})
    results, logs = [], []
    transport = FaultInjectingTransport(httpx2.AsyncHTTPTransport(), plan)
    async with use_cassette(_demo(), allow_unplayed=True):
        api = _api(params, http_client=httpx2.AsyncClient(transport=transport))
        results.append([await _outcome(api, False, c.arguments) for c in calls])
    logs.append([(f.call, f.kind, f.applied) for f in transport.log])
    context = model_replay(_demo(), allow_unplayed=True, faults=plan)
    async with context:
        api = _api(params)
        results.append([await _outcome(api, False, c.arguments) for c in calls])
    logs.append([(f.call, f.kind, f.applied) for f in context.injected])
    async with model_replay(_demo(), allow_unplayed=True):
        api = _api(params)
        plain = [await _outcome(api, False, c.arguments) for c in calls]
    assert results[0] == results[1]
    assert results[1] != plain
    assert logs[0] == logs[1]
    assert [kind for _, kind, _ in logs[1]] == list(kinds)


async def test_served_requests_carry_the_sdk_body() -> None:
    """The stand-in's body is the SDK's JSON: compact, extra_body merged over the arguments."""
    seen = []

    def server(request: Any) -> WireReply:
        seen.append(request)
        return WireReply(200, body=chat_completion(content="hi"))

    api = _api(ModelParams(name="gpt-4", infer_kwargs={"top_k": 3, "temperature": 0.5}))
    with allow_missing_credentials(), serve_wire(server):
        assert (await api.chat(ASK["messages"])).content == "hi"
    (request,) = seen
    assert request.url == "http://model-endpoint.invalid/v1/chat/completions"
    assert json.loads(request.content) == {
        "model": "gpt-4",
        "messages": [
            {"role": "system", "content": "You book flights."},
            {"role": "user", "content": "Book F001 for two."},
        ],
        "temperature": 0.5,
        "top_k": 3,
    }
    assert b", " not in request.content
    assert request.stream is False
