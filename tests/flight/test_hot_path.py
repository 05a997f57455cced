"""The step's fast paths give what the plain paths give: action reading, its memo, the catalogue."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentkit.flight import AIRPORTS, FlightBookingEnv, format_action, oracle_action
from agentkit.flight._actions import (
    _read_call,
    _read_call_memo,
    parse_action,
    read_action,
    read_call,
)
from agentkit.flight._catalog import generate_flights


def _plain(text: object) -> tuple[str, dict[str, Any]] | str:
    parsed = parse_action(text)
    return parsed.message if hasattr(parsed, "message") else (parsed.name, parsed.arguments)


ACTIONS = [
    '{"name": "restart", "arguments": {}}',
    '{"name": "restart"}',
    '{"name": "restart", "arguments": null}',
    '  {"name": "restart", "arguments": {}}\n',
    '{"name": "restart", "arguments": {}}\x0b',  # str.strip() removes it, JSON does not
    '{"arguments": {"code": "SAVE10"}, "name": "apply_coupon"}',
    '{"name": "enter_card", "arguments": "{\\"payment_id\\": \\"gift_card_1\\"}"}',
    '{"name": "enter_card", "arguments": ""}',
    '{"name": "enter_card", "arguments": [1]}',
    '{"name": "confirm", "arguments": {}}',
    '{"name": 3, "arguments": {}}',
    '{"name": ["restart"], "arguments": {}}',
    '{"name": "restart", "arguments": {}, "extra": 1}',
    '{"name": "restart", "name": "abort"}',
    "{not json",
    "[1, 2]",
    '{"name": "search_flights", "arguments": {"max_stops": NaN}}',
    "x" * 20_000,
    "{" + " " * 20_000 + "}",
    'select_flight(flight_id="F012", cabin="economy")',
    "proceed_to_payment",
    "",
    None,
    12,
]


@pytest.mark.parametrize("text", ACTIONS, ids=range(len(ACTIONS)))
def test_read_action_reads_what_parse_action_reads(text: object) -> None:
    """The JSON fast path agrees with the full parser, errors included."""
    assert read_action(text) == _plain(text)


@given(
    name=st.sampled_from(["restart", "abort", "select_flight", "confirm", ""]),
    arguments=st.one_of(
        st.none(),
        st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=5))),
        st.text(max_size=10),
        st.integers(),
    ),
    extra=st.dictionaries(st.sampled_from(["name", "arguments", "x"]), st.integers(), max_size=1),
    padding=st.sampled_from(["", " ", "\n", "\t "]),
)
def test_read_action_agrees_on_generated_json(
    name: str, arguments: Any, extra: dict[str, int], padding: str
) -> None:
    text = json.dumps({"name": name, "arguments": arguments, **extra}) + padding
    assert read_action(text) == _plain(text)


def test_memoised_calls_equal_fresh_reads() -> None:
    """A remembered call is the call read afresh, for valid and invalid arguments alike."""
    texts = [
        format_action("select_flight", {"flight_id": "F012", "cabin": "economy"}),
        format_action("select_flight", {"flight_id": "F012", "cabin": "first"}),
        format_action("add_to_cart", {"passengers": [], "checked_bags": 1, "insurance": True}),
        "restart",
        "nonsense",
    ]
    for text in texts:
        assert read_call(text) == read_call(text) == _read_call(text)
    assert read_call(texts[0]) is read_call(texts[0])  # remembered, not re-read
    long = format_action("abort", {"reason": "x" * 2_000})
    assert read_call(long) is not read_call(long)  # too long to remember
    assert read_call(long) == _read_call(long)


def _transcript(seed: int) -> list[Any]:
    env = FlightBookingEnv()
    obs, info = env.reset(seed=seed, options={"difficulty": "hard"})
    seen: list[Any] = [obs, info]
    bad = format_action("add_to_cart", {"passengers": [], "checked_bags": 0, "insurance": False})
    while (action := oracle_action(obs)) is not None:
        for text in (bad, action):  # a refused call, then the oracle's
            out = env.step(text)
            seen.append(out)
            obs = out[0]
    return seen


def test_the_memo_carries_nothing_between_episodes_or_seeds() -> None:
    """Episodes played with a warm memo equal the same episodes played with an empty one."""
    _read_call_memo.cache_clear()
    cold = [_transcript(seed) for seed in (3, 4)]
    # Warm: every action of both episodes is remembered, and other seeds played in between.
    for seed in (4, 3, 5):
        _transcript(seed)
    assert _read_call_memo.cache_info().hits > 0
    assert [_transcript(seed) for seed in (3, 4)] == cold


def test_a_remembered_valid_call_is_still_refused_when_not_legal() -> None:
    """Legality is checked on every step, before the remembered arguments."""
    env = FlightBookingEnv()
    obs, _ = env.reset(seed=2, options={"difficulty": "easy"})
    search = oracle_action(obs)
    assert search is not None
    obs, *_ = env.step(search)
    assert obs["error"] is None
    select = format_action(
        "select_flight", {"flight_id": obs["results"][0]["id"], "cabin": "economy"}
    )
    env.step(select)
    obs, *_ = env.step("restart")
    obs, *_ = env.step(select)  # valid arguments, remembered, but select is not legal here
    assert obs["error"] is not None
    assert obs["error"].startswith("select_flight is not available in state search_form")
    bad = format_action("select_flight", {"flight_id": "F012"})
    obs, *_ = env.step(bad)  # invalid arguments, still refused as not legal first
    assert obs["error"].startswith("select_flight is not available in state search_form")


# sha256 of json.dumps of every listing below, computed with the listing generator as it was
# before its rewrite for speed (numpy seeded from a list of ints, one Python draw at a time).
CATALOGUE_SHA256 = "3cba2d73b26a72c64965a555954aff235114e68ad5851ea86fbf45c5ea7667bc"


def test_the_catalogue_is_what_it_always_was() -> None:
    """Seeds above 2**32 take the other seeding path; both give the listings of before."""
    digest = hashlib.sha256()
    for seed in (0, 1, 7, 2**31 + 5, 2**32 - 1, 2**32, 2**40 + 3):
        for origin in AIRPORTS[::3]:
            for destination in AIRPORTS[1::3]:
                if origin != destination:
                    for date in ("2024-05-16", "2024-05-31", "2024-06-14"):
                        listings = generate_flights(seed, origin, destination, date)
                        digest.update(json.dumps(listings).encode())
    assert digest.hexdigest() == CATALOGUE_SHA256
