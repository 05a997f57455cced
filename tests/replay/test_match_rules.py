"""The matcher's rules, pinned by exact output (issue 17): canonical bodies, keys, the index,
the choice of the closest recording and the lines of the diff."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from agentkit.replay import Interaction, RecordedRequest, RecordedResponse, diff_requests
from agentkit.replay._match import InteractionIndex, canonical_body, parse_paths, request_key

ROUTE = "/v1/chat/completions"


def _req(
    body: Any, path: str = ROUTE, method: str = "POST", query: list[tuple[str, str]] | None = None
) -> RecordedRequest:
    return RecordedRequest(method=method, path=path, query=query or [], body=body)


def _interaction(request: RecordedRequest) -> Interaction:
    return Interaction(request=request, response=RecordedResponse(status=200, body={}))


# --- parse_paths and canonical_body -----------------------------------------------------------


def test_parse_paths_splits_on_dots_and_skips_empty_paths() -> None:
    assert parse_paths(["a", "", "b.c", "m.*.d"]) == (("a",), ("b", "c"), ("m", "*", "d"))


def test_canonical_body_is_compact_sorted_json_with_text_unescaped() -> None:
    body = {"b": [1, {"z": True, "a": None}], "a": "é"}
    assert canonical_body(body) == '{"a":"é","b":[1,{"a":null,"z":true}]}'


def test_canonical_body_of_no_body_and_of_text() -> None:
    assert canonical_body(None) == ""
    assert canonical_body("plain text", parse_paths(["a"])) == "plain text"


def test_canonical_body_drops_a_top_level_path() -> None:
    body = {"model": "m", "stream_options": {"include_usage": True}}
    assert canonical_body(body, parse_paths(["stream_options"])) == '{"model":"m"}'


def test_canonical_body_drops_a_nested_path_and_keeps_its_siblings() -> None:
    body = {"metadata": {"user_id": "u1", "tag": "t"}, "model": "m"}
    assert canonical_body(body, parse_paths(["metadata.user_id"])) == (
        '{"metadata":{"tag":"t"},"model":"m"}'
    )


def test_canonical_body_wildcard_over_a_list_drops_the_key_in_every_element() -> None:
    body = {"messages": [{"role": "a", "cache": 1}, {"role": "b"}, {"role": "c", "cache": 3}]}
    assert canonical_body(body, parse_paths(["messages.*.cache"])) == (
        '{"messages":[{"role":"a"},{"role":"b"},{"role":"c"}]}'
    )


def test_canonical_body_wildcard_over_an_object_drops_the_key_under_every_key() -> None:
    body = {"a": {"x": 1, "y": 2}, "b": {"x": 3}, "c": 4}
    assert canonical_body(body, parse_paths(["*.x"])) == '{"a":{"y":2},"b":{},"c":4}'


def test_canonical_body_wildcard_as_last_part_empties_the_object() -> None:
    assert canonical_body({"m": {"a": 1, "b": 2}, "n": 1}, parse_paths(["m.*"])) == (
        '{"m":{},"n":1}'
    )


def test_canonical_body_numeric_index_drops_from_that_element_only() -> None:
    body = {"messages": [{"c": 1, "k": 0}, {"c": 2, "k": 1}, {"c": 3, "k": 2}]}
    assert canonical_body(body, parse_paths(["messages.1.c"])) == (
        '{"messages":[{"c":1,"k":0},{"k":1},{"c":3,"k":2}]}'
    )


def test_canonical_body_index_past_the_end_or_at_a_leaf_changes_nothing() -> None:
    body = {"messages": [{"c": 1}], "n": [5, 6]}
    expected = '{"messages":[{"c":1}],"n":[5,6]}'
    assert canonical_body(body, parse_paths(["messages.4.c"])) == expected
    # A list element cannot be deleted (positions would shift): a path ending in one is a no-op.
    assert canonical_body(body, parse_paths(["n.0"])) == expected
    assert canonical_body(body, parse_paths(["n.*"])) == expected


def test_canonical_body_paths_through_scalars_or_missing_keys_change_nothing() -> None:
    body = {"a": 1, "l": ["x"], "d": {"k": 1}}
    expected = '{"a":1,"d":{"k":1},"l":["x"]}'
    for path in ("a.b", "missing", "missing.x", "l.k", "d.k.z", "l.0.z"):
        assert canonical_body(body, parse_paths([path])) == expected, path


def test_canonical_body_applies_every_path_and_leaves_the_body_untouched() -> None:
    body = {"a": {"b": 1, "c": 2}, "l": [{"x": 1}], "d": 3}
    assert canonical_body(body, parse_paths(["a.b", "l.*.x", "d"])) == '{"a":{"c":2},"l":[{}]}'
    assert body == {"a": {"b": 1, "c": 2}, "l": [{"x": 1}], "d": 3}


def test_canonical_body_of_a_top_level_list_with_a_wildcard() -> None:
    assert canonical_body([{"a": 1, "b": 2}, {"a": 3}], parse_paths(["*.a"])) == '[{"b":2},{}]'


# --- request_key ------------------------------------------------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_request_key_is_method_target_with_sorted_query_and_body_digest() -> None:
    request = _req({"b": 1, "a": 2}, query=[("z", "1"), ("a", "2")], method="post")
    assert request_key(request, ()) == ("POST", f"{ROUTE}?a=2&z=1", _digest('{"a":2,"b":1}'))


def test_request_key_without_query_is_the_bare_path() -> None:
    assert request_key(_req(None, method="GET", path="/v1/models"), ()) == (
        "GET",
        "/v1/models",
        _digest(""),
    )


def test_request_key_leaves_out_the_ignored_paths() -> None:
    body = {"model": "m", "user": "u"}
    assert request_key(_req(body), parse_paths(["user"]))[2] == _digest('{"model":"m"}')
    assert request_key(_req(body), ())[2] == _digest('{"model":"m","user":"u"}')


def test_index_key_uses_the_index_ignore_paths() -> None:
    index = InteractionIndex([], parse_paths(["user"]))
    assert index.key(_req({"model": "m", "user": "u"})) == index.key(_req({"model": "m"}))
    assert InteractionIndex([]).key(_req({"model": "m", "user": "u"})) != index.key(
        _req({"model": "m"})
    )


# --- the index ----------------------------------------------------------------------------------


def test_take_finds_a_later_interaction_and_earlier_ones_stay_available() -> None:
    interactions = [_interaction(_req({"q": i})) for i in range(4)]
    index = InteractionIndex(interactions)
    assert index.take(index.key(_req({"q": 2}))) == 2
    assert index.take(index.key(_req({"q": 0}))) == 0
    assert index.take(index.key(_req({"q": 9}))) is None
    assert index.played == [True, False, True, False]
    assert index.times_recorded(index.key(_req({"q": 3}))) == 1
    assert index.times_recorded(index.key(_req({"q": 9}))) == 0


def test_take_on_an_empty_index_is_none() -> None:
    index = InteractionIndex([])
    assert index.take(index.key(_req({}))) is None
    assert index.closest(_req({})) is None


# --- closest ----------------------------------------------------------------------------------


def _closest(recorded: list[RecordedRequest], sent: RecordedRequest, played: int = -1) -> int:
    interactions = [_interaction(request) for request in recorded]
    index = InteractionIndex(interactions)
    if played >= 0:
        index.take(index.key(recorded[played]))
    found = index.closest(sent)
    assert found is not None
    return next(i for i, interaction in enumerate(interactions) if interaction.request is found)


def test_closest_prefers_the_same_route_over_equal_fields() -> None:
    body = {"model": "m", "x": 1}
    recorded = [_req(body, path="/v1/other"), _req({"model": "other"})]
    assert _closest(recorded, _req(body)) == 1


def test_closest_needs_the_same_method_for_the_same_route() -> None:
    body = {"model": "m", "x": 1}
    recorded = [_req(body, method="PUT"), _req({"model": "other"})]
    assert _closest(recorded, _req(body)) == 1


def test_closest_prefers_unplayed_recordings() -> None:
    body = {"model": "m", "x": 1}
    recorded = [_req(body), _req({"model": "m", "x": 2})]
    assert _closest(recorded, _req({"model": "m", "x": 3}), played=0) == 1
    assert _closest(recorded, _req({"model": "m", "x": 3})) == 0


def test_closest_prefers_the_longer_shared_message_prefix_over_more_equal_fields() -> None:
    m = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]
    recorded = [
        _req({"messages": [m[0], {"role": "user", "content": "z"}], "t": 1, "u": 2}),
        _req({"messages": m, "t": 9}),
    ]
    assert _closest(recorded, _req({"messages": [*m, m[0]], "t": 1, "u": 2})) == 1


def test_closest_prefers_more_equal_fields() -> None:
    recorded = [_req({"a": 1, "b": 2, "c": 3}), _req({"a": 1, "b": 0, "c": 0})]
    assert _closest(recorded, _req({"a": 1, "b": 2, "c": 4})) == 0
    assert _closest(list(reversed(recorded)), _req({"a": 1, "b": 2, "c": 4})) == 1


def test_closest_takes_the_first_of_equally_close_recordings() -> None:
    recorded = [_req({"a": 1, "b": 1}), _req({"a": 1, "b": 2}), _req({"a": 1, "b": 3})]
    assert _closest(recorded, _req({"a": 1, "b": 4})) == 0


def test_closest_with_non_object_bodies_scores_route_and_play_only() -> None:
    recorded = [_req("text a", path="/x"), _req("text b"), _req("text c")]
    assert _closest(recorded, _req("text d")) == 1


# --- diff_requests ----------------------------------------------------------------------------


def test_diff_of_text_bodies_shows_both() -> None:
    assert diff_requests(_req("hello"), _req("hullo")) == "body changed: 'hello' -> 'hullo'"


def test_diff_of_a_text_body_against_an_object() -> None:
    assert diff_requests(_req("hello"), _req({"a": 1})) == "body changed: 'hello' -> {\"a\": 1}"


def test_diff_with_no_difference_outside_the_ignored_paths() -> None:
    assert diff_requests(_req({"a": 1}), _req({"a": 1})) == (
        "no difference outside the ignored paths"
    )


def test_diff_names_the_route_and_query_changes() -> None:
    recorded = _req(None, query=[("a", "1")])
    sent = _req(None, method="GET", path="/v2", query=[("a", "2")])
    assert diff_requests(recorded, sent).splitlines() == [
        f"route changed: POST {ROUTE} -> GET /v2",
        "query changed: [('a', '1')] -> [('a', '2')]",
    ]


def test_diff_ignores_query_order() -> None:
    recorded = _req({"a": 1}, query=[("a", "1"), ("b", "2")])
    sent = _req({"a": 2}, query=[("b", "2"), ("a", "1")])
    assert diff_requests(recorded, sent) == "a changed: 1 -> 2"


def test_diff_is_capped_at_twenty_lines() -> None:
    old = {f"k{i:02}": i for i in range(25)}
    new = {f"k{i:02}": i + 100 for i in range(25)}
    lines = diff_requests(_req(old), _req(new)).splitlines()
    assert lines == [f"k{i:02} changed: {i} -> {i + 100}" for i in range(20)] + [
        "... and 5 more differences"
    ]


def test_diff_of_exactly_twenty_lines_is_not_capped() -> None:
    old = {f"k{i:02}": i for i in range(20)}
    new = {f"k{i:02}": -i - 1 for i in range(20)}
    lines = diff_requests(_req(old), _req(new)).splitlines()
    assert len(lines) == 20
    assert lines[-1] == "k19 changed: 19 -> -20"


def test_diff_of_fields_removed_added_and_changed() -> None:
    assert diff_requests(_req({"a": 1, "b": "x"}), _req({"b": "y", "c": [1]})).splitlines() == [
        "a removed (was 1)",
        "b changed: 'x' -> 'y'",
        "c added: [1]",
    ]


def test_diff_of_long_strings_shows_the_neighbourhood_of_the_first_difference() -> None:
    old = "a" * 50 + "OLD" + "b" * 50
    new = "a" * 50 + "NEW" + "b" * 50
    line = diff_requests(_req({"p": old}), _req({"p": new}))
    tail = "a" * 20
    assert line == (f"p changed: '...{tail}OLD{'b' * 30}... -> '...{tail}NEW{'b' * 30}...")


def test_diff_of_a_long_string_that_is_a_prefix_of_the_other() -> None:
    old = "x" * 70
    new = "x" * 70 + "tail"
    assert diff_requests(_req({"p": old}), _req({"p": new})) == (
        f"p changed: '...{'x' * 20}' -> '...{'x' * 20}tail'"
    )


def test_diff_cuts_values_longer_than_sixty_characters() -> None:
    text = "y" * 58  # its repr is 60 characters: shown whole; one more is cut to 57 and "..."
    assert diff_requests(_req({"p": text}), _req({"p": text + "z"})) == (
        f"p changed: '{text}' -> '{text[:56]}..."
    )


def test_diff_of_list_elements_that_are_not_objects() -> None:
    assert diff_requests(_req({"stop": ["a", "b"]}), _req({"stop": ["a", "c"]})) == (
        "stop[1] changed: 'b' -> 'c'"
    )


def test_diff_of_messages_added_removed_and_their_fields() -> None:
    old = {"messages": [{"role": "user", "content": "a", "name": "n"}, {"role": "tool"}]}
    new = {"messages": [{"role": "user", "content": "b", "extra": 1}]}
    assert diff_requests(_req(old), _req(new)).splitlines() == [
        "messages[0] (user): content changed: 'a' -> 'b'",
        "messages[0] (user): name removed",
        "messages[0] (user): extra added: 1",
        'messages[1] (tool) removed: {"role": "tool"}',
    ]


def test_diff_of_a_message_added_without_a_role() -> None:
    assert diff_requests(_req({"messages": []}), _req({"messages": ["hi"]})) == (
        "messages[0] (?) added: 'hi'"
    )


def test_diff_of_tools_by_name_and_order() -> None:
    a = {"type": "function", "function": {"name": "a", "parameters": {"p": 1}}}
    b = {"type": "function", "function": {"name": "b"}}
    assert diff_requests(_req({"tools": [a, b]}), _req({"tools": [b, a]})) == (
        "tools: order changed: ['a', 'b'] -> ['b', 'a']"
    )
    changed = {"type": "function", "function": {"name": "a", "parameters": {"p": 2}}}
    assert diff_requests(_req({"tools": [a]}), _req({"tools": [changed]})) == (
        "tools['a']: function.parameters changed"
    )


def test_diff_of_tools_that_differ_above_the_depth_shown() -> None:
    a = {"name": "a", "x": 1}
    assert diff_requests(_req({"tools": [a]}), _req({"tools": [{"name": "a", "x": 2}]})) == (
        "tools['a']: x changed"
    )
    assert diff_requests(_req({"tools": ["t"]}), _req({"tools": ["u"]})).splitlines() == [
        "tools: \"'t'\" removed",
        "tools: \"'u'\" added",
    ]


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ({"temperature": 0.5}, {"temperature": 1}, "temperature changed: 0.5 -> 1"),
        ({"n": None}, {"n": 2}, "n changed: null -> 2"),
    ],
)
def test_diff_of_scalar_fields(old: Any, new: Any, line: str) -> None:
    assert diff_requests(_req(old), _req(new)) == line


def test_diff_of_tools_removed_added_and_changed_beyond_their_name() -> None:
    a = {"type": "function", "function": {"name": "a"}}
    b = {"type": "function", "function": {"name": "b"}}
    assert diff_requests(_req({"tools": [a]}), _req({"tools": [b]})).splitlines() == [
        "tools: 'a' removed",
        "tools: 'b' added",
    ]
    # Two tools whose shown names are cut to the same 30 characters: only "definition" differs.
    long_a, long_b = "x" * 40 + "1", "x" * 40 + "2"
    assert diff_requests(_req({"tools": [long_a]}), _req({"tools": [long_b]})) == (
        f"tools[{repr(long_a)[:27] + '...'!r}]: definition changed"
    )
