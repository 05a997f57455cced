"""Reading an action the fast way gives what json.loads and model_validate give."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from agentkit.flight import format_action
from agentkit.flight._actions import ToolCall, _describe, _read_call, _read_json
from agentkit.flight._tools import ARG_MODELS

JSON_TEXTS = [
    '{"name": "restart"}',
    '{"name": "restart"}  \n\t\r',
    '{"name": "restart"} x',
    '{"name": "restart"}{}',
    '{"name": "restart",}',
    '{"a": [1, 2.5, -3e2, true, false, null, "\\u00e9"], "b": {"c": {}}}',
    '{"a": NaN, "b": Infinity}',
    '{"a": "\\ud800"}',
    '{"a": 1, "a": 2}',
    "{",
    "{}",
    "{" * 5_000,
    '{"a": ' * 3_000 + "1" + "}" * 3_000,
]


def _loads(text: str) -> tuple[str, Any]:
    try:
        return "value", json.loads(text)
    except (ValueError, RecursionError) as exc:
        return "error", type(exc).__name__


def _read(text: str) -> tuple[str, Any]:
    try:
        return "value", _read_json(text)
    except (ValueError, RecursionError) as exc:
        return "error", type(exc).__name__


@pytest.mark.parametrize("text", JSON_TEXTS, ids=range(len(JSON_TEXTS)))
def test_read_json_reads_what_json_loads_reads(text: str) -> None:
    """Values, trailing whitespace and extra data alike (errors as the same exception type)."""
    assert _read(text) == _loads(text)


CALLS = [
    ("search_flights", {"origin": "BOS", "destination": "SFO", "date": "2024-05-20"}),
    ("search_flights", {"origin": "bos", "destination": "SFO", "date": "2024-05-20"}),
    ("search_flights", {"origin": "BOS", "destination": "SFO", "date": 20240520}),
    ("filter_results", {"max_price": 300, "depart_after": "09:00"}),
    ("filter_results", {"max_stops": 2, "extra": 1}),
    ("select_flight", {"flight_id": "F123", "cabin": "economy"}),
    ("select_flight", {"flight_id": "F123", "cabin": "first"}),
    (
        "add_to_cart",
        {
            "passengers": [{"first_name": "Ada", "last_name": "Lee", "dob": "1990-01-02"}],
            "checked_bags": 1,
            "insurance": True,
        },
    ),
    ("add_to_cart", {"passengers": [{"first_name": ""}], "checked_bags": "1"}),
    ("enter_card", {"payment_id": "gift_card_1"}),
    ("abort", {}),
]


@pytest.mark.parametrize(("name", "arguments"), CALLS, ids=range(len(CALLS)))
def test_read_call_validates_as_model_validate(name: str, arguments: dict[str, Any]) -> None:
    """The validator called directly gives model_validate's model, or its errors' description."""
    text = format_action(name, arguments)
    read = json.loads(text)["arguments"]  # in the action's (sorted) key order, which errors show
    try:
        expected = ToolCall(name, ARG_MODELS[name].model_validate(read), None)
    except ValidationError as exc:
        expected = ToolCall(name, None, _describe(name, exc))
    assert _read_call(text) == expected
