"""Reading actions in the three forms, and never by substring."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentkit import UsageError
from agentkit.flight import TOOL_NAMES, ActionError, ParsedAction, format_action, parse_action


def parsed(text: object) -> ParsedAction:
    result = parse_action(text)
    assert isinstance(result, ParsedAction), result
    return result


def failed(text: object) -> str:
    result = parse_action(text)
    assert isinstance(result, ActionError), result
    return result.message


def test_json_tool_call() -> None:
    """A JSON call gives its name and arguments."""
    action = parsed(
        '{"name": "select_flight", "arguments": {"flight_id": "F012", "cabin": "economy"}}'
    )
    assert (action.name, action.arguments, action.form) == (
        "select_flight",
        {"flight_id": "F012", "cabin": "economy"},
        "json",
    )


def test_json_arguments_may_be_an_encoded_string_or_missing() -> None:
    """OpenAI sends arguments as a JSON string; a tool without arguments may omit them."""
    action = parsed(
        json.dumps({"name": "enter_card", "arguments": '{"payment_id": "gift_card_1"}'})
    )
    assert action.arguments == {"payment_id": "gift_card_1"}
    assert parsed('{"name": "restart"}').arguments == {}
    assert parsed('{"name": "restart", "arguments": null}').arguments == {}


def test_function_style_call() -> None:
    """Keyword calls with literal values parse, JSON spellings of constants included."""
    action = parsed('select_flight(flight_id="F012", cabin="economy")')
    assert action.arguments == {"flight_id": "F012", "cabin": "economy"}
    assert action.form == "function"
    cart = parsed(
        "add_to_cart(passengers=[{'first_name': 'Ava', 'last_name': 'Kim', 'dob': '1990-01-02'}], "
        "checked_bags=2, insurance=true)"
    )
    assert cart.arguments["insurance"] is True
    assert cart.arguments["checked_bags"] == 2
    assert parsed("filter_results(max_price=-5)").arguments == {"max_price": -5}
    assert parsed("proceed_to_payment()").arguments == {}


def test_bare_name() -> None:
    """A bare tool name, surrounding whitespace allowed, is a call without arguments."""
    action = parsed("  proceed_to_payment\n")
    assert (action.name, action.arguments, action.form) == ("proceed_to_payment", {}, "bare")


@pytest.mark.parametrize("text", ["confirm", "payment", "proceed", "Confirm_Payment", "abort_now"])
def test_names_match_exactly_never_by_substring(text: str) -> None:
    """The original gym mapped confirm_payment-like text by substring; here it is an unknown tool."""
    assert failed(text).startswith(f"unknown tool {text!r}")


def test_confirm_payment_is_not_proceed_to_payment() -> None:
    """The original gym's bug: 'confirm_payment' must never become 'proceed_to_payment'."""
    assert parsed("confirm_payment").name == "confirm_payment"
    assert parsed('{"name": "confirm_payment"}').name == "confirm_payment"
    assert failed('{"name": "payment"}').startswith("unknown tool")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("please book the cheapest flight", "cannot read action"),
        ('{"name": "abort", "arguments": [1]}', "must be a JSON object"),
        ('{"name": "abort", "args": {}}', "unexpected keys"),
        ('{"arguments": {}}', '"name"'),
        ("[1, 2]", "cannot read action"),
        ('{"name": "abort"', "invalid JSON"),
        ('{"name": "enter_card", "arguments": "{bad"}', "not valid JSON"),
        ('select_flight("F012", "economy")', "keyword arguments only"),
        ("select_flight(**x)", "keyword arguments only"),
        ("select_flight(flight_id=os.system('x'))", "not a literal"),
        ("select_flight(flight_id=)", "cannot read the arguments"),
        ("select_flight(a=1)(b=2)", "cannot read"),
    ],
)
def test_unreadable_actions_say_what_was_wrong(text: str, fragment: str) -> None:
    """Each malformed action yields an error naming the problem."""
    assert fragment in failed(text)


def test_non_string_actions_are_errors_not_exceptions() -> None:
    """A dict or None passed as an action is refused with a message."""
    assert "must be a str" in failed({"name": "abort"})
    assert "must be a str" in failed(None)


@pytest.mark.parametrize(
    "text",
    ["(" * 5000, "[" * 100_000, "select_flight(" + "[" * 3000 + ")", "{" + '"a":[' * 5000, "\x00"],
)
def test_pathological_inputs_do_not_raise(text: str) -> None:
    """Deep nesting and null bytes come back as errors (no RecursionError, no crash)."""
    assert isinstance(parse_action(text), ActionError)


@given(st.text(max_size=200))
def test_parse_action_never_raises(text: str) -> None:
    """Any string parses to an action or an error."""
    assert isinstance(parse_action(text), (ParsedAction, ActionError))


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_format_action_round_trips(name: str) -> None:
    """format_action writes the canonical JSON form, which parses back to the same call."""
    arguments = {"z": 1, "a": [True, None, "é"]}
    text = format_action(name, arguments)
    assert text == format_action(name, dict(reversed(arguments.items())))
    back = parsed(text)
    assert (back.name, back.arguments) == (name, arguments)


def test_format_action_refuses_unknown_tools() -> None:
    """A typo in a tool name is caught when the action is written, not later."""
    with pytest.raises(UsageError, match="unknown tool 'confirm'"):
        format_action("confirm")


def test_overlong_actions_are_refused_unread() -> None:
    """A megabyte of text is an error naming the limit, not a slow parse."""
    assert "at most 16,384" in failed("restart" + " " * 1_000_000)
