"""``Redactor.leaves_unchanged``, which replay asks of every request body (issue 16): the same
verdict as redacting the value and seeing whether anything changed, however its memory of clean
strings and lists was filled before."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from agentkit._redaction import Redactor

SECRET = "hunter2-" + "correct-horse-battery"
KEY = "sk-" + "proj-A1b2C3d4E5f6G7h8I9j0K1l2M3n4"
_KEYS = st.sampled_from(
    ["content", "role", "api_key", "password", "max_tokens", "headers", "query", "authorization",
     "x-api-key", "name", "clientSecret", "tools", "messages"]
)  # fmt: skip
_TEXTS = st.sampled_from(
    ["", "hello", "Book the cheapest flight.", f"my key is {KEY}", SECRET, f"x {SECRET} y",
     "<REDACTED:api_key>", "Bearer " + "tok_abcdefghijklmnopqrstuvwxyz0123", "token=abc"]
) | st.text(max_size=12)  # fmt: skip
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXTS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(_KEYS, inner, max_size=4)
        | st.lists(st.tuples(_KEYS, _TEXTS).map(list), max_size=3)
    ),
    max_leaves=16,
)


def _redactor() -> Redactor:
    return Redactor((), environ={}, secrets={"MY_SECRET": SECRET})


@settings(deadline=None)
@given(st.lists(_JSON, min_size=1, max_size=4))
def test_the_verdict_is_whether_redaction_changes_the_value(values: list[Any]) -> None:
    """Asked in turn about several values (so the memory holds earlier ones' strings and
    lists), each answer is that of a fresh redactor's ``value``, under every context."""
    redactor = _redactor()
    for value in values:
        for under in ("", "headers", "query"):
            expected = _redactor()._value(value, under) is _unchanged()
            assert redactor.leaves_unchanged(value, under) is expected, (value, under)
            # Again, and on an equal copy (other objects, same text): the memory answers alike.
            assert redactor.leaves_unchanged(value, under) is expected
            assert redactor.leaves_unchanged(copy.deepcopy(value), under) is expected


def test_an_equal_list_is_clean_and_an_unequal_one_is_searched() -> None:
    redactor = _redactor()
    tools = [{"name": "search", "description": "Search flights."}, {"name": "pay"}]
    assert redactor.leaves_unchanged({"tools": tools})
    assert redactor.leaves_unchanged({"tools": copy.deepcopy(tools)})
    leaked = copy.deepcopy(tools)
    leaked[1]["description"] = f"use {KEY}"
    assert not redactor.leaves_unchanged({"tools": leaked})  # same key, type and length
    credential = copy.deepcopy(tools)
    credential[1]["api_key"] = "abc"
    assert not redactor.leaves_unchanged({"tools": credential})


def test_a_secret_is_found_inside_a_string_seen_clean_elsewhere() -> None:
    redactor = _redactor()
    assert redactor.leaves_unchanged({"content": "hello"})
    assert not redactor.leaves_unchanged({"content": f"hello {SECRET}"})
    assert not redactor.leaves_unchanged([SECRET])


def _unchanged() -> Any:
    from agentkit import _redaction

    return _redaction._UNCHANGED
