"""Against a live model (skipped unless ``--run-live``): the proxy when MODEL_PROXY_API_BASE is
set, else a local llama.cpp server with Gemma 3 270M (``pip install -e ".[live]"``)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentkit._record import ChatFormat, LocalModelServer, RecordingProfile, record_all
from agentkit.flight import is_legal
from agentkit.models import (
    ChatResponse,
    Message,
    ModelAPI,
    ModelParams,
    RetryPolicy,
    ToolCall,
    ToolSpec,
)
from agentkit.replay import load_cassette, scan_cassette

from .test_recorded_episodes import replay

pytestmark = pytest.mark.live


@contextlib.contextmanager
def _endpoint(
    log: Path, chat_format: ChatFormat = "chatml-function-calling"
) -> Iterator[tuple[str, str | None]]:
    base = os.environ.get("MODEL_PROXY_API_BASE")
    if base:
        yield base, os.environ.get("MODEL_PROXY_API_KEY")
        return
    with LocalModelServer(log=log, chat_format=chat_format).running() as url:
        yield url, None


def test_record_an_episode_live_then_replay_it(tmp_path: Path) -> None:
    """A live episode is recorded end to end: real answers, redacted, and the file replays."""
    profile = RecordingProfile(max_steps=3)
    with _endpoint(tmp_path / "server.log") as (base_url, key):
        (path,) = asyncio.run(
            record_all(
                base_url=base_url,
                api_key=key,
                directory=tmp_path,
                profile=profile,
                classes=("ToolEnabledFlightBookingAgent",),
                strategies=("balanced",),
            )
        )
    interactions = load_cassette(path).interactions
    assert interactions
    # A live server answers what it answers (llama.cpp sometimes 500s on a grammar it cannot
    # build); at least one real completion must be among the answers.
    completions = [i.response.body for i in interactions if i.response.status == 200]
    assert completions
    assert all(str(body["id"]).startswith("chatcmpl-") for body in completions)
    assert scan_cassette(path) == []
    trajectory, cassette = replay("ToolEnabledFlightBookingAgent", "balanced", tmp_path, profile)
    assert cassette.all_played
    assert len(trajectory.steps) == 3


@pytest.mark.parametrize("chat_format", ["chatml-function-calling", "gemma3"])
def test_the_repair_conversation_is_accepted_by_the_server(
    tmp_path: Path, chat_format: ChatFormat
) -> None:
    """The repair re-ask (an assistant message that carries only tool calls, then the tool
    result) gets a real completion, not llama.cpp's 500 "'dict object' has no attribute
    'content'", in both prompt formats; Gemma's own format leaves no ChatML in the answer."""
    history = [
        Message.system("You book flights. Call one tool per turn."),
        Message.user("Search flights from SFO to SEA on 2024-06-11."),
        Message.assistant(
            None,
            [ToolCall(id="call_1", name="search_flights", arguments='{"origin": "SFO"}')],
        ),
        Message.tool("call_1", "That action cannot be used: destination is missing."),
    ]
    tool = ToolSpec(
        name="search_flights",
        description="Search flights.",
        parameters={
            "type": "object",
            "properties": {"origin": {"type": "string"}, "destination": {"type": "string"}},
            "required": ["origin", "destination"],
        },
    )

    async def ask(base_url: str, key: str | None) -> ChatResponse:
        params = ModelParams(
            name="gemma-3-270m",
            base_url=base_url,
            api_key=key or "local-server-needs-no-key",
            infer_kwargs={"temperature": 0.0, "max_tokens": 64},
            attempt_timeout_s=600,
            retry=RetryPolicy(max_attempts=1, deadline_s=900),
        )
        async with ModelAPI(params) as api:
            return await api.chat(history, tools=[tool], tool_choice="auto")

    with _endpoint(tmp_path / "server.log", chat_format) as (base_url, key):
        response = asyncio.run(ask(base_url, key))
    assert response.attempts == 1
    assert response.finish_reason in ("stop", "tool_calls", "length")
    if chat_format == "gemma3":
        assert "<|im_start|>" not in (response.content or "")
        assert "<start_of_turn>" not in (response.content or "")


@pytest.mark.parametrize(
    "agent_class", ["FlightBookingOpenAIAgent", "ToolEnabledFlightBookingAgent"]
)
def test_a_constrained_episode_live_is_the_models_own(tmp_path: Path, agent_class: str) -> None:
    """In constrained mode, with Gemma's own prompt format, every decision of a short live
    episode is the model's, legal, and the recording replays."""
    profile = RecordingProfile(max_steps=3, constrained=True)
    with _endpoint(tmp_path / "server.log", "gemma3") as (base_url, key):
        asyncio.run(
            record_all(
                base_url=base_url,
                api_key=key,
                directory=tmp_path,
                profile=profile,
                classes=(agent_class,),
                strategies=("balanced",),
            )
        )
    trajectory, cassette = replay(agent_class, "balanced", tmp_path, profile)
    assert cassette.all_played
    expected = "tool_call" if "Tool" in agent_class else "model_text"
    # The grammar makes every answer a legal action; one may still be cut by max_tokens.
    assert [step.decision.source for step in trajectory.steps].count(expected) >= 2
    assert all(is_legal(step.observation, step.action) for step in trajectory.steps)
