"""Canonical matching, the lazy index and the closest-request diff."""

from __future__ import annotations

from agentkit.replay import Interaction, RecordedRequest, RecordedResponse, diff_requests
from agentkit.replay._match import InteractionIndex, canonical_body, parse_paths


def _req(body: object, path: str = "/v1/chat/completions") -> RecordedRequest:
    return RecordedRequest(method="POST", path=path, body=body)


def _interaction(body: object) -> Interaction:
    return Interaction(request=_req(body), response=RecordedResponse(status=200, body={"b": body}))


def test_canonical_body_ignores_key_order_and_ignored_paths() -> None:
    """Key order never matters; ignored paths (with * wildcards) are left out."""
    ignore = parse_paths(["stream_options", "messages.*.cache_control"])
    a = {"model": "m", "messages": [{"role": "user", "cache_control": 1}], "stream_options": 1}
    b = {"messages": [{"role": "user", "cache_control": 2}], "model": "m"}
    assert canonical_body(a, ignore) == canonical_body(b, ignore)
    assert canonical_body(a) != canonical_body(b)
    assert a["stream_options"] == 1  # the stored body itself is not modified


def test_index_returns_identical_requests_in_order_then_none() -> None:
    """The index hands out identical requests' interactions in recorded order, then runs dry."""
    interactions = [_interaction({"q": 1}), _interaction({"q": 2}), _interaction({"q": 1})]
    index = InteractionIndex(interactions)
    key = index.key(_req({"q": 1}))
    assert index.take(key) == 0
    assert index.take(key) == 2
    assert index.take(key) is None
    assert index.played == [True, False, True]
    assert index.times_recorded(key) == 2


def test_index_is_lazy_for_in_order_replay() -> None:
    """Replaying in recorded order computes one key per request, not the whole cassette."""
    interactions = [_interaction({"q": i}) for i in range(1000)]
    index = InteractionIndex(interactions)
    for i in range(3):
        assert index.take(index.key(_req({"q": i}))) == i
    assert len(index._keys) == 3


def test_closest_prefers_same_route_and_longest_message_prefix() -> None:
    """The closest recorded request shares the route and the most leading messages."""
    shared = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    interactions = [
        _interaction({"messages": [{"role": "system", "content": "other"}]}),
        _interaction({"messages": [*shared, {"role": "assistant", "content": "a"}]}),
    ]
    index = InteractionIndex(interactions)
    closest = index.closest(_req({"messages": [*shared, {"role": "assistant", "content": "b"}]}))
    assert closest == interactions[1].request


def test_diff_names_messages_tools_and_fields() -> None:
    """The diff reports changed, added and removed messages, tools by name, and scalar fields."""
    tool = {"type": "function", "function": {"name": "book", "parameters": {"type": "object"}}}
    changed_tool = {"type": "function", "function": {"name": "book", "parameters": {}}}
    old = {
        "model": "gpt-4",
        "temperature": 0.7,
        "messages": [{"role": "user", "content": "book the cheapest"}],
        "tools": [tool, {"name": "search"}],
    }
    new = {
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": "book cheapest"},
            {"role": "assistant", "content": "ok"},
        ],
        "tools": [changed_tool],
        "stream": True,
    }
    lines = diff_requests(_req(old), _req(new, "/v2/chat")).splitlines()
    assert lines == [
        "route changed: POST /v1/chat/completions -> POST /v2/chat",
        "model changed: 'gpt-4' -> 'gpt-4o'",
        "temperature removed (was 0.7)",
        "messages[0] (user): content changed: 'book the cheapest' -> 'book cheapest'",
        'messages[1] (assistant) added: {"role": "assistant", "content": "ok"}',
        "tools: 'search' removed",
        "tools['book']: function.parameters changed",
        "stream added: true",
    ]


def test_diff_of_long_strings_shows_the_difference() -> None:
    """For long prompts the diff shows the neighbourhood of the first change, not the start."""
    base = "You are a careful flight booking assistant. " * 5
    old = {"messages": [{"role": "system", "content": base + "Prefer aisle seats."}]}
    new = {"messages": [{"role": "system", "content": base + "Prefer window seats."}]}
    diff = diff_requests(_req(old), _req(new))
    assert "aisle" in diff
    assert "window" in diff
    assert diff.startswith("messages[0] (system): content changed: '...")
