"""Record/replay through the real anthropic SDK (recording against a fake provider)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import anthropic
import pytest

from agentkit.replay import ReplayMismatchError, load_cassette, use_cassette

from ._providers import FakeAnthropic, anthropic_client, async_anthropic_client, unreachable

MESSAGES = [{"role": "user", "content": "find a flight"}]


def test_plain_round_trip(tmp_path: Path) -> None:
    """A recorded Anthropic message replays with the same content blocks."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="once"):
        recorded = anthropic_client(FakeAnthropic()).messages.create(
            model="claude-x", max_tokens=100, messages=MESSAGES
        )
    with use_cassette(path) as cassette:
        replayed = anthropic_client(unreachable).messages.create(
            model="claude-x", max_tokens=100, messages=MESSAGES
        )
    assert replayed.model_dump() == recorded.model_dump()
    assert cassette.all_played


def test_streamed_create_keeps_named_events(tmp_path: Path) -> None:
    """messages.create(stream=True) is stored as named events and replays the same events."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="once"):
        stream = anthropic_client(FakeAnthropic()).messages.create(
            model="claude-x", max_tokens=100, messages=MESSAGES, stream=True
        )
        recorded = [event.model_dump() for event in stream]
    events = load_cassette(path).interactions[0].response.events
    assert events is not None
    assert [e.event for e in events][:3] == ["message_start", "ping", "content_block_start"]
    with use_cassette(path):
        stream = anthropic_client(unreachable).messages.create(
            model="claude-x", max_tokens=100, messages=MESSAGES, stream=True
        )
        replayed = [event.model_dump() for event in stream]
    assert replayed == recorded
    # The SDK swallows pings; every other stored event reaches the caller, in order.
    assert [r["type"] for r in replayed] == [e.event for e in events if e.event != "ping"]


async def test_messages_stream_helper_async(tmp_path: Path) -> None:
    """The async messages.stream helper replays the same final text."""
    path = tmp_path / "c.json"
    async with use_cassette(path, mode="once"):
        client = async_anthropic_client(FakeAnthropic())
        async with client.messages.stream(
            model="claude-x", max_tokens=100, messages=MESSAGES
        ) as stream:
            recorded = await stream.get_final_text()
    async with use_cassette(path):
        client = async_anthropic_client(unreachable)
        async with client.messages.stream(
            model="claude-x", max_tokens=100, messages=MESSAGES
        ) as stream:
            replayed = await stream.get_final_text()
    assert replayed == recorded == "echo: find a flight"


def test_mismatch_surfaces_through_sdk_wrapping(tmp_path: Path) -> None:
    """The anthropic SDK wraps transport errors, yet the cassette re-raises the mismatch itself."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="once"):
        anthropic_client(FakeAnthropic()).messages.create(
            model="claude-x", max_tokens=100, messages=MESSAGES
        )
    with pytest.raises(ReplayMismatchError) as caught, use_cassette(path, allow_unplayed=True):
        anthropic_client(unreachable).messages.create(
            model="claude-x",
            max_tokens=100,
            messages=[{"role": "user", "content": "find two flights"}],
        )
    assert "messages[0] (user): content changed: 'find a flight' -> 'find two flights'" in (
        caught.value.diff
    )


def test_sdk_sees_its_own_error_type_inside_the_block(tmp_path: Path) -> None:
    """Inside the block the anthropic SDK raises its wrapped error with the mismatch as cause."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="once"):
        anthropic_client(FakeAnthropic()).messages.create(
            model="claude-x", max_tokens=100, messages=MESSAGES
        )
    with use_cassette(path, allow_unplayed=True, allow_mismatches=True) as cassette:
        with pytest.raises(anthropic.APIConnectionError) as caught:
            anthropic_client(unreachable).messages.create(
                model="claude-x", max_tokens=100, messages=[{"role": "user", "content": "other"}]
            )
        assert isinstance(caught.value.__cause__, ReplayMismatchError)
    assert len(cassette.mismatches) == 1


def test_a_caught_mismatch_still_fails_the_block(tmp_path: Path) -> None:
    """Code that swallows the SDK's error (an agent falling back) cannot hide the drift."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="once"):
        anthropic_client(FakeAnthropic()).messages.create(
            model="claude-x", max_tokens=100, messages=MESSAGES
        )

    def swallowing_call() -> None:
        with (
            use_cassette(path, allow_unplayed=True),
            contextlib.suppress(
                anthropic.APIConnectionError  # swallowed, as a fallback would
            ),
        ):
            anthropic_client(unreachable).messages.create(
                model="claude-x", max_tokens=100, messages=[{"role": "user", "content": "other"}]
            )

    with pytest.raises(ReplayMismatchError, match="content changed: 'find a flight' -> 'other'"):
        swallowing_call()
