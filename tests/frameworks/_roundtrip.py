"""Record through a framework against the loopback server, stop it, replay with the guard shut.

Each framework test runs the same code twice: once recording (mode ``once``) against a running
:class:`~tests._model_server.ModelServer`, then, with that server stopped, replaying in mode
``none`` with ``block_loopback=True``, so neither the network nor a local server can answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from agentkit.replay import Cassette, use_cassette
from tests._model_server import serving

T = TypeVar("T")


@dataclass
class RoundTrip(Generic[T]):
    """What the two runs returned, and what happened on the way."""

    recorded: T
    """The framework's result while recording."""
    replayed: T
    """Its result while replaying."""
    hits: list[str]
    """``"METHOD /path"`` of the requests the server answered while recording."""
    replay: Cassette
    """The replaying cassette, for assertions."""


def _check(recording: Cassette, replay: Cassette) -> None:
    assert recording.recorded, "the recording captured nothing"
    assert replay.all_played, f"left unplayed: {replay.unplayed}"
    assert replay.mismatches == []
    assert replay.play_count == len(recording.recorded)


def record_then_replay(path: Path, run: Callable[[str], T], **options: Any) -> RoundTrip[T]:
    """``run(base_url)`` recorded against the server, then replayed with the server stopped."""
    with serving() as server:
        with use_cassette(path, mode="once", **options) as recording:
            recorded = run(server.base_url)
        hits = list(server.hits)
    with use_cassette(path, mode="none", block_loopback=True, **options) as replay:
        replayed = run(server.base_url)
    _check(recording, replay)
    return RoundTrip(recorded, replayed, hits, replay)


async def arecord_then_replay(
    path: Path, run: Callable[[str], Awaitable[T]], **options: Any
) -> RoundTrip[T]:
    """The async form of :func:`record_then_replay`."""
    with serving() as server:
        async with use_cassette(path, mode="once", **options) as recording:
            recorded = await run(server.base_url)
        hits = list(server.hits)
    async with use_cassette(path, mode="none", block_loopback=True, **options) as replay:
        replayed = await run(server.base_url)
    _check(recording, replay)
    return RoundTrip(recorded, replayed, hits, replay)
