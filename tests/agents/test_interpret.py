"""Reading an action out of a model's answer: what is acted on, what is not, and why not."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from pydantic import BaseModel

from agentkit.actions import ActionError, ParsedAction
from agentkit.agents import ToolDomain
from agentkit.agents._interpret import Interpretation, _first_object, interpret
from agentkit.models import ChatResponse, ToolCall


class RefundArgs(BaseModel):
    """Refund one order."""

    order_id: str


class CloseArgs(BaseModel):
    """Close the ticket."""


DESK = ToolDomain(
    name="desk", task="You run a support desk.", tools={"refund": RefundArgs, "close": CloseArgs}
)
OPEN: dict[str, Any] = {"legal_tools": ["refund", "close"]}
REFUND = DESK.format_action("refund", {"order_id": "A1"})
CLOSE = DESK.format_action("close")
REFUND_JSON = '{"name": "refund", "arguments": {"order_id": "A1"}}'
REFUND_CALL = ToolCall(id="c1", name="refund", arguments='{"order_id": "A1"}')
EMPTY = "the answer was empty: no text and no tool call"


def _read(
    content: str | None = None,
    calls: Sequence[ToolCall] = (),
    *,
    tool_mode: bool = True,
    legal: Sequence[str] | None = None,
    **fields: Any,
) -> Interpretation:
    response = ChatResponse(model="m", content=content, tool_calls=tuple(calls), **fields)
    return interpret(OPEN, response, domain=DESK, tool_mode=tool_mode, legal=legal)


def _parse_error(text: str) -> str:
    parsed = DESK.parse_action(text)
    assert isinstance(parsed, ActionError)
    return parsed.message


# -- answers that are never acted on -------------------------------------------------------------


@pytest.mark.parametrize(
    ("finish_reason", "error"),
    [
        ("length", "the answer was cut off (finish_reason=length)"),
        ("pause_turn", "the answer was paused (finish_reason=pause_turn)"),
    ],
)
def test_a_cut_or_paused_answer_is_not_acted_on(finish_reason: str, error: str) -> None:
    """A valid call in an answer cut off (or paused) mid-way is never executed, and a re-ask may fix it."""
    for content, calls in ((None, [REFUND_CALL]), (REFUND_JSON, [])):
        found = _read(content, calls, finish_reason=finish_reason)
        assert found == Interpretation(action=None, source="model_text", error=error)
        assert found.repairable is True


def test_a_complete_answer_with_the_same_call_is_acted_on() -> None:
    """The guard is the finish reason alone: the same call with a normal finish is executed."""
    for finish_reason in ("tool_calls", "stop", None):
        assert _read(None, [REFUND_CALL], finish_reason=finish_reason).action == REFUND


def test_a_refusal_is_not_acted_on_and_not_repairable() -> None:
    """A refusal wins over any call in the answer, shows its first 200 characters, and is final."""
    refusal = "I will not do that. " * 15
    found = _read(REFUND_JSON, [REFUND_CALL], refusal=refusal)
    assert found == Interpretation(
        action=None, error="the model refused: " + refusal[:200], repairable=False
    )
    assert len(found.error or "") == len("the model refused: ") + 200


def test_an_empty_refusal_is_no_refusal() -> None:
    """An empty refusal field does not stop a valid call from being executed."""
    assert _read(None, [REFUND_CALL], refusal="").action == REFUND


@pytest.mark.parametrize("content", [None, "", "   \n\t "])
def test_an_empty_answer_is_not_repairable(content: str | None) -> None:
    """No text (or only whitespace) and no tool call is final: re-asking will not fix it."""
    for tool_mode in (True, False):
        found = _read(content, tool_mode=tool_mode)
        assert found == Interpretation(action=None, error=EMPTY, repairable=False)


# -- tool calls ----------------------------------------------------------------------------------


def test_a_valid_tool_call_is_the_action() -> None:
    """A legal call with valid arguments becomes the canonical action, sourced from the tool call."""
    found = _read(None, [REFUND_CALL])
    assert found == Interpretation(action=REFUND, source="tool_call", error=None)


def test_a_call_with_broken_arguments_names_the_tool_and_the_error() -> None:
    """Arguments that are not a JSON object are not executed; the error says which call and why."""
    broken = ToolCall(id="c1", name="refund", arguments='{"order_id": ')
    assert broken.arguments_error is not None
    found = _read(None, [broken])
    assert found == Interpretation(
        action=None, source="tool_call", error=f"refund: {broken.arguments_error}"
    )


def test_a_tool_call_is_checked_against_the_legal_tools_given() -> None:
    """``legal=`` is what the call is checked against, not the observation's own list."""
    found = _read(None, [REFUND_CALL], legal=["close"])
    assert found == Interpretation(
        action=None, source="tool_call", error="refund is not allowed now; allowed now: close"
    )
    assert _read(None, [REFUND_CALL], legal=["refund"]).action == REFUND


def test_a_call_with_invalid_arguments_is_not_executed() -> None:
    """Arguments that fail the tool's model are refused with the model's complaint."""
    found = _read(None, [ToolCall(id="c1", name="refund", arguments="{}")])
    assert found.action is None
    assert found.source == "tool_call"
    assert found.error == "invalid arguments for refund: order_id: Field required"


def test_only_the_first_tool_call_is_acted_on() -> None:
    """One action per step: the first call decides, whether or not later calls are valid."""
    close = ToolCall(id="c2", name="close", arguments="{}")
    assert _read(None, [close, REFUND_CALL]).action == CLOSE
    unknown = ToolCall(id="c3", name="escalate", arguments="{}")
    found = _read(None, [unknown, REFUND_CALL])
    assert found.action is None
    assert found.error == DESK.check_call(OPEN, "escalate", {})[1]


def test_a_repeated_call_id_is_executed_once() -> None:
    """The same call twice with the same id (faults row 24) yields one action, the call's."""
    found = _read(None, [REFUND_CALL, REFUND_CALL])
    assert found == Interpretation(action=REFUND, source="tool_call")


def test_a_tool_call_wins_over_text() -> None:
    """When the answer has a call, its text is not read for another action."""
    assert _read("close", [REFUND_CALL]).action == REFUND


# -- actions written in the text -----------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        REFUND_JSON,
        f"  {REFUND_JSON}\n",
        'refund(order_id="A1")',
        f"<tool_call>{REFUND_JSON}</tool_call>",
        f"I will refund it.\n<tool_call>\n{REFUND_JSON}\n</tool_call>\nDone.",
        f"I will refund it.\n<tool_call> {REFUND_JSON}",
        f"Here it is:\n```json\n{REFUND_JSON}\n```\nAnything else?",
        f"Here it is:\n```\n{REFUND_JSON}\n```\nAnything else?",
        'Here it is:\n```python\nrefund(order_id="A1")\n```\nAnything else?',
        f"Let me think.\nI refund {REFUND_JSON}. That settles it.\nThanks!",
        f"{REFUND_JSON}\nThat settles it.",
        'Let me think about it.\nThe order is A1.\nrefund(order_id="A1")',
    ],
)
def test_an_action_written_in_the_text_is_read(content: str) -> None:
    """A call in the text (whole, tagged, fenced, an object amid prose, the last line) is the action."""
    for tool_mode in (True, False):
        found = _read(content, tool_mode=tool_mode)
        assert found == Interpretation(action=REFUND, source="model_text", error=None)


def test_the_first_object_is_the_balanced_one_from_the_first_brace() -> None:
    """Amid prose, the object read is the first balanced ``{...}``, nested braces included."""
    content = f"Plan: {REFUND_JSON}, or else {{close}} {{oops\nThanks."
    assert _read(content).action == REFUND
    later = 'Plan: {"name": "close", "arguments": {}}, or ' + REFUND_JSON + "\nThanks."
    assert _read(later).action == CLOSE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no braces at all", None),
        ("a closing } only", None),
        ("{never closed", None),
        ("{}", "{}"),
        ('{"a": {"b": {}}} and {"c": 1}', '{"a": {"b": {}}}'),
        ('so: {"a": {"b": 1}}.', '{"a": {"b": 1}}'),
        ("} {x} {y}", "{x}"),
    ],
)
def test_first_object_is_the_balanced_object_opened_by_the_first_brace(
    text: str, expected: str | None
) -> None:
    """The helper returns the first brace's balanced object exactly, and None when there is none."""
    assert _first_object(text) == expected


def test_a_whole_answer_that_is_an_action_is_read_even_with_markers_inside() -> None:
    """An answer that is one call spread over lines is read whole, even when its text holds a
    tag or fence marker that yields no action itself."""
    for marker in ("<tool_call>", "``` ```"):
        content = f'refund(\norder_id="{marker}"\n)'
        found = _read(content)
        assert found.action == DESK.format_action("refund", {"order_id": marker})


def test_an_unbalanced_object_in_prose_is_no_action() -> None:
    """A ``{`` that never closes yields no action, only the reason the text is not one."""
    content = 'I would call {"name": "refund", "arguments": {"order_id": "A1"}\nSorry.'
    found = _read(content, tool_mode=False)
    assert found == Interpretation(action=None, error=_parse_error(content))


def test_text_without_an_action_says_why() -> None:
    """Prose with no action is not executed; in tool mode the error says no tool was called."""
    content = "I am not sure what to do.\nPerhaps ask the customer."
    plain = Interpretation(action=None, error=_parse_error(content))
    assert _read(content, tool_mode=False) == plain
    assert _read(content, tool_mode=True) == Interpretation(
        action=None, error=f"no tool call in the answer ({plain.error})"
    )


def test_the_first_checked_candidate_gives_the_error() -> None:
    """Among several readable but unusable calls, the error is the first one's."""
    content = f'<tool_call>{REFUND_JSON}</tool_call>\n{{"name": "close", "arguments": {{}}}}'
    found = _read(content, tool_mode=False, legal=[])
    assert found == Interpretation(
        action=None, error="refund is not allowed now; allowed now: nothing"
    )


def test_a_later_candidate_is_tried_after_an_illegal_one() -> None:
    """An illegal call read from the text does not stop a legal one later in it from acting."""
    content = f'<tool_call>{REFUND_JSON}</tool_call>\n{{"name": "close", "arguments": {{}}}}'
    assert _read(content, legal=["close"]).action == CLOSE


class _Silent(ToolDomain):
    """A domain that rejects every call without saying why (a contract its check_call breaks)."""

    def check_call(
        self,
        observation: object,
        name: str,
        arguments: object,
        *,
        legal: Sequence[str] | None = None,
    ) -> tuple[str | None, str | None]:
        return None, None


def test_a_rejection_without_a_reason_still_has_an_error() -> None:
    """When the domain rejects a readable call without a reason, the error still says so."""
    silent = _Silent(name="silent", task="t", tools={"refund": RefundArgs, "close": CloseArgs})
    assert isinstance(silent.parse_action(REFUND_JSON), ParsedAction)
    response = ChatResponse(model="m", content=REFUND_JSON)
    found = interpret(OPEN, response, domain=silent, tool_mode=False)
    assert found == Interpretation(action=None, error="no action found in the answer")
