"""Record/replay through the real openai SDK (recording against a fake provider)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx2
import openai
import pytest

from agentkit.replay import (
    RecordMode,
    ReplayMismatchError,
    UnplayedInteractionsError,
    load_cassette,
    use_cassette,
)

from ._providers import (
    BOOK_TOOL,
    SEARCH_TOOL,
    FakeOpenAI,
    async_openai_client,
    openai_client,
    unreachable,
    user,
)


def test_plain_round_trip_replays_without_the_provider(tmp_path: Path) -> None:
    """A recorded completion replays with the same content while the provider is unreachable."""
    path = tmp_path / "c.json"
    provider = FakeOpenAI()
    with use_cassette(path, mode="once") as cassette:
        recorded = openai_client(provider).chat.completions.create(
            model="gpt-4", messages=user("book the cheapest")
        )
    assert cassette.record_mode is RecordMode.ONCE
    assert provider.calls == 1
    with use_cassette(path) as cassette:
        replayed = openai_client(unreachable).chat.completions.create(
            model="gpt-4", messages=user("book the cheapest")
        )
    assert replayed.choices[0].message.content == "echo: book the cheapest"
    assert replayed.model_dump() == recorded.model_dump()
    assert cassette.all_played
    assert cassette.play_count == 1


def test_cassette_stores_parsed_bodies(tmp_path: Path) -> None:
    """The file holds the request and response bodies as JSON objects, not escaped strings."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="all"):
        openai_client(FakeOpenAI()).chat.completions.create(model="gpt-4", messages=user("hello"))
    data = json.loads(path.read_text())
    assert data["version"] == 1
    interaction = data["interactions"][0]
    assert interaction["request"]["method"] == "POST"
    assert interaction["request"]["path"] == "/v1/chat/completions"
    assert interaction["request"]["body"]["messages"][1] == {"role": "user", "content": "hello"}
    assert interaction["response"]["body"]["choices"][0]["message"]["content"] == "echo: hello"
    assert not any(h.startswith("x-stainless") for h in interaction["request"]["headers"])


def test_tool_call_round_trip(tmp_path: Path) -> None:
    """A tool-calling completion replays with the same tool call and arguments."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="once"):
        openai_client(FakeOpenAI()).chat.completions.create(
            model="gpt-4", messages=user("book F1"), tools=[BOOK_TOOL]
        )
    with use_cassette(path):
        reply = openai_client(unreachable).chat.completions.create(
            model="gpt-4", messages=user("book F1"), tools=[BOOK_TOOL]
        )
    calls = reply.choices[0].message.tool_calls
    assert calls is not None
    assert calls[0].function.name == "book_flight"
    assert json.loads(calls[0].function.arguments) == {"flight_id": "F1"}


def test_streamed_round_trip_keeps_events(tmp_path: Path) -> None:
    """A streamed completion is stored as SSE events and replays the same chunks in order."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="once"):
        stream = openai_client(FakeOpenAI()).chat.completions.create(
            model="gpt-4", messages=user("hi"), stream=True
        )
        recorded = [chunk.model_dump() for chunk in stream]
    events = load_cassette(path).interactions[0].response.events
    assert events is not None
    assert [e.data if isinstance(e.data, str) else "chunk" for e in events] == [
        "chunk",
        "chunk",
        "[DONE]",
    ]
    with use_cassette(path):
        stream = openai_client(unreachable).chat.completions.create(
            model="gpt-4", messages=user("hi"), stream=True
        )
        replayed = [chunk.model_dump() for chunk in stream]
    assert replayed == recorded
    assert [c["choices"][0]["delta"]["content"] for c in replayed] == ["echo: ", "hi"]


async def test_async_client_round_trip(tmp_path: Path) -> None:
    """The async client records and replays through the same cassette machinery."""
    path = tmp_path / "c.json"
    async with use_cassette(path, mode="once"):
        await async_openai_client(FakeOpenAI()).chat.completions.create(
            model="gpt-4", messages=user("async")
        )
    async with use_cassette(path) as cassette:
        reply = await async_openai_client(unreachable).chat.completions.create(
            model="gpt-4", messages=user("async")
        )
    assert reply.choices[0].message.content == "echo: async"
    assert cassette.all_played


async def test_default_client_replays_against_any_base_url(tmp_path: Path) -> None:
    """A cassette recorded via one base URL replays through the SDK's default HTTP client."""
    path = tmp_path / "c.json"
    async with use_cassette(path, mode="once"):
        await async_openai_client(FakeOpenAI()).chat.completions.create(
            model="gpt-4", messages=user("default")
        )
    client = openai.AsyncOpenAI(api_key="sk-other", base_url="http://127.0.0.1:9/v1")
    async with use_cassette(path):
        reply = await client.chat.completions.create(model="gpt-4", messages=user("default"))
    await client.close()
    assert reply.choices[0].message.content == "echo: default"


def test_reordered_requests_replay_by_content(tmp_path: Path) -> None:
    """Requests sent in another order than recorded each get their own response."""
    path = tmp_path / "c.json"
    prompts = ["first", "second", "third"]
    with use_cassette(path, mode="once"):
        client = openai_client(FakeOpenAI())
        for prompt in prompts:
            client.chat.completions.create(model="gpt-4", messages=user(prompt))
    with use_cassette(path) as cassette:
        client = openai_client(unreachable)
        replies = {
            prompt: client.chat.completions.create(model="gpt-4", messages=user(prompt))
            for prompt in reversed(prompts)
        }
    assert {p: r.choices[0].message.content for p, r in replies.items()} == {
        p: f"echo: {p}" for p in prompts
    }
    assert cassette.all_played


def test_identical_requests_replay_in_recorded_order(tmp_path: Path) -> None:
    """Two identical requests get the two recorded responses in recorded order."""
    path = tmp_path / "c.json"
    answers = iter(["one", "two"])

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json={"answer": next(answers)})

    with use_cassette(path, mode="once"):
        client = httpx2.Client(transport=httpx2.MockTransport(handler))
        for _ in range(2):
            client.post("https://x.test/ask", json={"q": 1})
    with use_cassette(path):
        client = httpx2.Client(transport=httpx2.MockTransport(unreachable))
        got = [client.post("http://y.test/ask", json={"q": 1}).json()["answer"] for _ in range(2)]
    assert got == ["one", "two"]


def test_changed_prompt_fails_with_message_diff(tmp_path: Path) -> None:
    """A drifted prompt raises ReplayMismatchError naming the changed message and how to re-record."""
    path = tmp_path / "c.json"
    messages = [*user("hello"), {"role": "assistant", "content": "hi"}]
    with use_cassette(path, mode="once"):
        openai_client(FakeOpenAI()).chat.completions.create(
            model="gpt-4",
            messages=[*messages, {"role": "user", "content": "book the cheapest"}],
            tools=[BOOK_TOOL],
        )
    with (
        pytest.raises(ReplayMismatchError) as caught,
        use_cassette(path, allow_unplayed=True),
    ):
        openai_client(unreachable).chat.completions.create(
            model="gpt-4",
            messages=[*messages, {"role": "user", "content": "book cheapest"}],
            tools=[BOOK_TOOL, SEARCH_TOOL],
        )
    error = caught.value
    assert error.cassette_path == path
    assert error.closest is not None
    assert "messages[3] (user): content changed: 'book the cheapest' -> 'book cheapest'" in (
        error.diff
    )
    assert "tools: 'search_flights' added" in error.diff
    assert "--agentkit-record-mode=rewrite" in str(error)
    assert "AGENTKIT_RECORD_MODE=rewrite" in str(error)
    assert str(path) in str(error)


def test_repeated_request_beyond_recording_is_a_mismatch(tmp_path: Path) -> None:
    """Sending a recorded request more often than recorded says so instead of replaying again."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="once"):
        openai_client(FakeOpenAI()).chat.completions.create(model="gpt-4", messages=user("x"))
    with use_cassette(path, allow_mismatches=True):
        client = openai_client(unreachable)
        client.chat.completions.create(model="gpt-4", messages=user("x"))
        with pytest.raises(ReplayMismatchError, match="recorded 1 time"):
            client.chat.completions.create(model="gpt-4", messages=user("x"))


def test_unplayed_interactions_fail_unless_allowed(tmp_path: Path) -> None:
    """Closing a replay cassette with unplayed interactions raises, unless allow_unplayed."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="once"):
        client = openai_client(FakeOpenAI())
        for prompt in ("a", "b"):
            client.chat.completions.create(model="gpt-4", messages=user(prompt))
    with pytest.raises(UnplayedInteractionsError) as caught, use_cassette(path):
        openai_client(unreachable).chat.completions.create(model="gpt-4", messages=user("a"))
    assert caught.value.unplayed == ["POST /v1/chat/completions"]
    with use_cassette(path, allow_unplayed=True) as cassette:
        openai_client(unreachable).chat.completions.create(model="gpt-4", messages=user("a"))
    assert cassette.play_count == 1
    assert not cassette.all_played


def test_new_episodes_appends_and_all_rewrites(tmp_path: Path) -> None:
    """new_episodes replays known requests and appends new ones; all re-records from scratch."""
    path = tmp_path / "c.json"
    provider = FakeOpenAI()
    with use_cassette(path, mode="once"):
        openai_client(provider).chat.completions.create(model="gpt-4", messages=user("a"))
    with use_cassette(path, mode="new_episodes"):
        client = openai_client(provider)
        client.chat.completions.create(model="gpt-4", messages=user("a"))
        client.chat.completions.create(model="gpt-4", messages=user("b"))
    assert provider.calls == 2
    assert len(load_cassette(path).interactions) == 2
    with use_cassette(path, mode="all"):
        openai_client(provider).chat.completions.create(model="gpt-4", messages=user("c"))
    assert provider.calls == 3
    bodies = [i.request.body["messages"][1]["content"] for i in load_cassette(path).interactions]
    assert bodies == ["c"]


def test_once_with_existing_cassette_does_not_record(tmp_path: Path) -> None:
    """Mode once on an existing cassette refuses new requests instead of recording them."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="once"):
        openai_client(FakeOpenAI()).chat.completions.create(model="gpt-4", messages=user("a"))
    before = path.read_bytes()
    with pytest.raises(ReplayMismatchError), use_cassette(path, mode="once", allow_unplayed=True):
        openai_client(FakeOpenAI()).chat.completions.create(model="gpt-4", messages=user("z"))
    assert path.read_bytes() == before


async def test_concurrent_recorded_requests_all_land(tmp_path: Path) -> None:
    """Twenty asyncio.gather-ed requests recorded at once are all in the file and all replay."""
    path = tmp_path / "c.json"
    prompts = [f"request {i}" for i in range(20)]
    async with use_cassette(path, mode="once"):
        client = async_openai_client(FakeOpenAI())
        await asyncio.gather(
            *(client.chat.completions.create(model="gpt-4", messages=user(p)) for p in prompts)
        )
    stored = {i.request.body["messages"][1]["content"] for i in load_cassette(path).interactions}
    assert stored == set(prompts)
    async with use_cassette(path) as cassette:
        client = async_openai_client(unreachable)
        replies = await asyncio.gather(
            *(client.chat.completions.create(model="gpt-4", messages=user(p)) for p in prompts)
        )
    assert [r.choices[0].message.content for r in replies] == [f"echo: {p}" for p in prompts]
    assert cassette.all_played


def test_decorator_sync_and_env_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a decorator, use_cassette records per AGENTKIT_RECORD_MODE and then replays."""
    path = tmp_path / "c.json"
    provider = FakeOpenAI()

    @use_cassette(path)
    def ask(handler: FakeOpenAI | object) -> str | None:
        client = openai_client(handler)  # type: ignore[arg-type]
        reply = client.chat.completions.create(model="gpt-4", messages=user("deco"))
        return reply.choices[0].message.content

    monkeypatch.setenv("AGENTKIT_RECORD_MODE", "once")
    assert ask(provider) == "echo: deco"
    monkeypatch.setenv("AGENTKIT_RECORD_MODE", "none")
    assert ask(unreachable) == "echo: deco"
    assert provider.calls == 1


async def test_decorator_async(tmp_path: Path) -> None:
    """As a decorator on a coroutine function, use_cassette is active while it is awaited."""
    path = tmp_path / "c.json"

    @use_cassette(path, mode="once")
    async def ask(handler: object) -> str | None:
        client = async_openai_client(handler)  # type: ignore[arg-type]
        reply = await client.chat.completions.create(model="gpt-4", messages=user("adeco"))
        return reply.choices[0].message.content

    assert await ask(FakeOpenAI()) == "echo: adeco"
    assert len(load_cassette(path).interactions) == 1
