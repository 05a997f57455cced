"""Reasoning is kept on the answer and sent back on the next turn, through both SDKs."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from agentkit.models import (
    ChatResponse,
    Message,
    ReasoningDelta,
    RedactedThinkingPart,
    ThinkingPart,
    ToolSpec,
)
from agentkit.testing import (
    anthropic_message,
    anthropic_stream_events,
    chat_completion,
    chat_completion_chunks,
    sse_response,
)

from .conftest import MakeAPI

WEATHER = ToolSpec(
    name="get_weather",
    description="The weather in a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}},
)
QUESTION = Message.user("Weather in Oslo?")
THOUGHT = "The user wants Oslo's weather; I should call get_weather."
SIGNATURE = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"
REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"
CALL = ("toolu_01", "get_weather", {"city": "Oslo"})
ANTHROPIC = "anthropic/claude-sonnet-4-5"


def _thinking_message() -> dict[str, Any]:
    """An extended-thinking answer as Anthropic documents it: thinking, redacted, tool_use."""
    message = anthropic_message(tool_calls=[CALL])
    message["content"] = [
        {"type": "thinking", "thinking": THOUGHT, "signature": SIGNATURE},
        {"type": "redacted_thinking", "data": REDACTED},
        *message["content"],
    ]
    return message


def _thinking_events() -> list[tuple[str, dict[str, Any]]]:
    """The same answer streamed: thinking_delta pieces, then signature_delta, then the rest."""
    start, *rest = anthropic_stream_events(tool_calls=[CALL])
    for _, data in rest:
        if "index" in data:
            data["index"] += 2
    half = len(THOUGHT) // 2

    def block(kind: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return kind, {"type": kind, **payload}

    thinking = [
        block(
            "content_block_start",
            {"index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
        ),
        *(
            block(
                "content_block_delta",
                {"index": 0, "delta": {"type": "thinking_delta", "thinking": piece}},
            )
            for piece in (THOUGHT[:half], THOUGHT[half:])
        ),
        block(
            "content_block_delta",
            {"index": 0, "delta": {"type": "signature_delta", "signature": SIGNATURE}},
        ),
        block("content_block_stop", {"index": 0}),
        block(
            "content_block_start",
            {"index": 1, "content_block": {"type": "redacted_thinking", "data": REDACTED}},
        ),
        block("content_block_stop", {"index": 1}),
    ]
    return [start, *thinking, *rest]


async def _follow_up(api: Any, first: ChatResponse) -> None:
    await api.chat(
        [QUESTION, first.to_message(), Message.tool(CALL[0], "Sunny, 21 C")], tools=[WEATHER]
    )


async def test_thinking_round_trip_through_the_anthropic_sdk(make_api: MakeAPI) -> None:
    """Thinking and redacted blocks are on the answer and go back, signed, before the tool_use."""
    api, provider = make_api(
        [_thinking_message(), anthropic_message(content="Sunny.")], name=ANTHROPIC
    )
    first = await api.chat([QUESTION], tools=[WEATHER])
    assert first.reasoning == (
        ThinkingPart(thinking=THOUGHT, signature=SIGNATURE),
        RedactedThinkingPart(data=REDACTED),
    )
    assert first.reasoning_text == THOUGHT
    assert first.content is None
    await _follow_up(api, first)
    assert provider.bodies()[1]["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": THOUGHT, "signature": SIGNATURE},
            {"type": "redacted_thinking", "data": REDACTED},
            {
                "type": "tool_use",
                "id": "toolu_01",
                "name": "get_weather",
                "input": {"city": "Oslo"},
            },
        ],
    }


async def test_streamed_thinking_equals_chat_and_goes_back_signed(make_api: MakeAPI) -> None:
    """A streamed thinking block assembles with its signature, as chat() reads it."""
    api, provider = make_api(
        [
            _thinking_message(),
            sse_response(_thinking_events(), done=False),
            anthropic_message(content="Sunny."),
        ],
        name=ANTHROPIC,
    )
    expected = await api.chat([QUESTION], tools=[WEATHER])
    events = [event async for event in api.stream([QUESTION], tools=[WEATHER])]
    final = events[-1]
    assert isinstance(final, ChatResponse)
    assert final == expected
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == THOUGHT
    await _follow_up(api, final)
    assert provider.bodies()[2]["messages"][1]["content"][0]["signature"] == SIGNATURE


def _deepseek_answer() -> dict[str, Any]:
    """DeepSeek's thinking mode: reasoning_content beside the tool call."""
    body = chat_completion(tool_calls=[("call_0", "get_weather", '{"city": "Oslo"}')])
    body["choices"][0]["message"]["reasoning_content"] = THOUGHT
    return body


def _deepseek_chunks() -> list[dict[str, Any]]:
    head, *rest = chat_completion_chunks(tool_calls=[("call_0", "get_weather", '{"city": "Oslo"}')])
    pieces = [THOUGHT[i : i + 16] for i in range(0, len(THOUGHT), 16)]
    choice = head["choices"][0]
    thinking = [
        {**head, "choices": [{**choice, "delta": {"reasoning_content": piece}}]} for piece in pieces
    ]
    return [head, *thinking, *rest]


async def test_reasoning_content_round_trip_openai_compatible(make_api: MakeAPI) -> None:
    """reasoning_content is read (plain and streamed alike) and sent back with the tool call."""
    api, provider = make_api(
        [_deepseek_answer(), sse_response(_deepseek_chunks()), chat_completion(content="Sunny.")],
        name="deepseek-reasoner",
    )
    first = await api.chat([QUESTION], tools=[WEATHER])
    assert first.reasoning == (ThinkingPart(thinking=THOUGHT, origin="reasoning_content"),)
    events = [event async for event in api.stream([QUESTION], tools=[WEATHER])]
    assert events[-1] == first
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == THOUGHT
    await _follow_up(api, first)
    assistant = provider.bodies()[2]["messages"][1]
    assert assistant["reasoning_content"] == THOUGHT
    assert assistant["tool_calls"][0]["function"]["name"] == "get_weather"


async def test_mistral_thinking_is_kept_but_not_sent_back(make_api: MakeAPI) -> None:
    """Mistral's thinking content part is on the answer; Mistral refuses it in a request."""
    body = chat_completion(content=None, tool_calls=[("c1", "get_weather", '{"city": "Oslo"}')])
    body["choices"][0]["message"]["content"] = [
        {"type": "thinking", "thinking": [{"type": "text", "text": THOUGHT}]}
    ]
    api, provider = make_api([body, chat_completion(content="Sunny.")], name="magistral-medium")
    first = await api.chat([QUESTION], tools=[WEATHER])
    assert first.reasoning == (ThinkingPart(thinking=THOUGHT, origin="content_part"),)
    assert first.content is None
    await api.chat([QUESTION, first.to_message(), Message.tool("c1", "Sunny")], tools=[WEATHER])
    assert "reasoning_content" not in provider.bodies()[1]["messages"][1]


async def test_a_provider_gets_back_only_its_own_kind_of_reasoning(make_api: MakeAPI) -> None:
    """Anthropic's signed thinking is not sent to an OpenAI-compatible server, nor the reverse."""
    signed = Message.assistant(
        "Checking.", reasoning=(ThinkingPart(thinking=THOUGHT, signature=SIGNATURE),)
    )
    unsigned = Message.assistant(
        "Checking.", reasoning=(ThinkingPart(thinking=THOUGHT, origin="reasoning_content"),)
    )
    openai_api, openai_provider = make_api([chat_completion(content="ok")])
    await openai_api.chat([QUESTION, signed, Message.user("go on")])
    assert openai_provider.bodies()[0]["messages"][1] == {
        "role": "assistant",
        "content": "Checking.",
    }
    anthropic_api, anthropic_provider = make_api([anthropic_message(content="ok")], name=ANTHROPIC)
    await anthropic_api.chat([QUESTION, unsigned, Message.user("go on")])
    assert anthropic_provider.bodies()[0]["messages"][1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Checking."}],
    }


def test_reasoning_only_on_assistant_messages_and_kept_by_to_message() -> None:
    """A response's reasoning travels into its history message; other roles carry none."""
    part = ThinkingPart(thinking=THOUGHT, signature=SIGNATURE)
    assert ChatResponse(content="x", reasoning=(part,)).to_message().reasoning == (part,)
    with pytest.raises(ValidationError, match="only assistant messages carry reasoning"):
        Message(role="user", content="x", reasoning=(part,))
