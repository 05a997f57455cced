"""The provider-neutral message types."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agentkit.models import ChatResponse, Message, ToolCall, ToolSpec, Usage


def test_tool_call_parses_object_arguments() -> None:
    """Valid JSON object arguments are parsed and no error is set."""
    call = ToolCall(id="c1", name="search_flights", arguments='{"origin": "SFO", "max_stops": 1}')
    assert call.parsed_arguments == {"origin": "SFO", "max_stops": 1}
    assert call.arguments_error is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"origin": "SF', "not valid JSON"),
        ("[1, 2]", "must be a JSON object, got list"),
        ('"SFO"', "must be a JSON object, got str"),
        ("null", "must be a JSON object, got NoneType"),
    ],
)
def test_tool_call_reports_why_arguments_are_unusable(raw: str, expected: str) -> None:
    """Broken or non-object arguments keep the raw string and explain the problem."""
    call = ToolCall(id="c1", name="t", arguments=raw)
    assert call.parsed_arguments is None
    assert call.arguments_error is not None
    assert expected in call.arguments_error
    assert call.arguments == raw


def test_tool_call_empty_arguments_mean_no_arguments() -> None:
    """An empty arguments string (tools without parameters) parses as an empty object."""
    assert ToolCall(id="c1", name="proceed_to_payment", arguments="").parsed_arguments == {}


def test_message_shapes_are_checked() -> None:
    """Tool messages need a call id, and only assistants carry tool calls."""
    with pytest.raises(ValidationError, match="tool_call_id"):
        Message(role="tool", content="ok")
    with pytest.raises(ValidationError, match="only assistant"):
        Message(role="user", content="x", tool_calls=(ToolCall(id="1", name="t"),))
    with pytest.raises(ValidationError, match="needs content"):
        Message(role="user")
    assert Message.tool("c1", "done").tool_call_id == "c1"


def test_tool_spec_round_trips_openai_and_converts_to_anthropic() -> None:
    """A ToolSpec reads and writes OpenAI's function form and writes Anthropic's."""
    schema = {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}
    spec = ToolSpec(name="apply_coupon", description="Apply a coupon", parameters=schema)
    assert ToolSpec.from_openai(spec.to_openai()) == spec
    assert spec.to_anthropic() == {
        "name": "apply_coupon",
        "description": "Apply a coupon",
        "input_schema": schema,
    }
    with pytest.raises(ValidationError):
        ToolSpec(name="has space")


def test_chat_response_becomes_history_message() -> None:
    """A response turns into the assistant message that goes back into the history."""
    call = ToolCall(id="c1", name="restart", arguments="{}")
    response = ChatResponse(
        content=None, tool_calls=(call,), usage=Usage(input_tokens=3, output_tokens=2)
    )
    message = response.to_message()
    assert message.role == "assistant"
    assert message.tool_calls == (call,)
    assert response.usage is not None
    assert response.usage.total_tokens == 5
