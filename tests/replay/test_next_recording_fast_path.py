"""The fast path that serves a request which is, exactly, the next unplayed recording (issue 16):
it answers what the canonical match would, and hands everything else to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentkit.replay import (
    CassetteFile,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    ReplayMismatchError,
    save_cassette,
    use_cassette,
)
from agentkit.replay._match import (
    InteractionIndex,
    canonical_body,
    request_key,
    strict_fingerprint,
    wire_bytes,
)

URL = "https://api.openai.com/v1/chat/completions"


def _chat(content: str, **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": content}], **extra}


def _interaction(body: dict[str, Any], answer: str) -> Interaction:
    return Interaction(
        request=RecordedRequest(method="POST", path="/v1/chat/completions", body=body),
        response=RecordedResponse(status=200, body={"answer": answer}),
    )


def _refuse(request: httpx2.Request) -> httpx2.Response:
    raise AssertionError(f"the network was reached: {request.url}")


def _send(client: httpx2.Client, raw: bytes) -> Any:
    response = client.post(URL, content=raw, headers={"content-type": "application/json"})
    return response.json()["answer"]


def _compact(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    ("a", "b"),
    [(1, 1.0), (1, True), (0.0, -0.0), ("1", 1), ([1], (1,)), (None, False)],
)
def test_the_fingerprint_tells_types_apart(a: Any, b: Any) -> None:
    assert strict_fingerprint({"x": a}) != strict_fingerprint({"x": b})
    assert strict_fingerprint({"x": a}) == strict_fingerprint({"x": a})


def test_the_fingerprint_ignores_top_level_order_only() -> None:
    assert strict_fingerprint({"a": 1, "b": 2}) == strict_fingerprint({"b": 2, "a": 1})
    nested = strict_fingerprint({"m": {"a": 1, "b": 2}})
    assert nested != strict_fingerprint({"m": {"b": 2, "a": 1}})  # a miss, never a false hit
    assert strict_fingerprint({"x": object()}) is None


def test_equal_wire_bytes_mean_equal_canonical_bodies() -> None:
    body = _chat("café", temperature=0.5)
    sent = wire_bytes(body)
    assert sent is not None
    assert canonical_body(json.loads(sent)) == canonical_body(body)
    assert wire_bytes("plain text") is None


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
"""JSON values as a cassette holds them (no lone surrogates: UTF-8 cannot carry them)."""


@settings(deadline=None)
@given(_JSON.filter(lambda value: isinstance(value, dict | list)))
def test_wire_bytes_parse_back_to_the_same_canonical_body(body: Any) -> None:
    """Whatever pydantic-core writes for a recorded body, bytes equal to it are that body: a
    request the fast path serves is one the canonical match would serve."""
    sent = wire_bytes(body)
    assert sent is not None
    assert canonical_body(json.loads(sent)) == canonical_body(body)


@settings(deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    ).filter(lambda value: isinstance(value, dict | list))
)
def test_wire_bytes_are_what_an_sdk_sends(body: Any) -> None:
    """The SDKs send ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))``: the same
    bytes, so the fast path serves them (floats aside: a few spell differently, then the
    canonical path serves them)."""
    try:
        sdk = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no client sends that as UTF-8
        assert wire_bytes(body) is None
        return
    assert wire_bytes(body) == sdk


def test_common_floats_are_spelt_as_the_sdks_spell_them() -> None:
    body = {"temperature": 0.7, "top_p": 1.0, "big": 1e20, "tiny": 5e-324, "zero": -0.0}
    assert wire_bytes(body) == json.dumps(body, separators=(",", ":")).encode()
    assert wire_bytes({"x": float("nan")}) == b'{"x":NaN}'  # never null, which null would equal


def test_the_index_serves_the_next_recording_and_the_canonical_path_skips_it() -> None:
    interactions = [_interaction(_chat("one"), "1"), _interaction(_chat("two"), "2")]
    index = InteractionIndex(interactions)
    route = RecordedRequest(method="POST", path="/v1/chat/completions")
    first = strict_fingerprint(_chat("one"))
    assert first is not None
    assert index.take_first_if(route, strict_fingerprint, first) == 0
    # The same request again is no longer the next recording, and its key has nothing left.
    assert index.take_first_if(route, strict_fingerprint, first) is None
    assert index.take(request_key(interactions[0].request, ())) is None
    assert index.take(request_key(interactions[1].request, ())) == 1
    assert index.played == [True, True]


def test_a_recording_taken_out_of_order_is_not_served_twice() -> None:
    interactions = [_interaction(_chat("one"), "1"), _interaction(_chat("two"), "2")]
    index = InteractionIndex(interactions)
    route = RecordedRequest(method="POST", path="/v1/chat/completions")
    assert index.take(request_key(interactions[1].request, ())) == 1
    second = strict_fingerprint(_chat("two"))
    assert second is not None
    assert index.take_first_if(route, strict_fingerprint, second) is None  # 0 comes first
    first = strict_fingerprint(_chat("one"))
    assert first is not None
    assert index.take_first_if(route, strict_fingerprint, first) == 0
    other_route = RecordedRequest(method="POST", path="/v1/other")
    assert index.take_first_if(other_route, strict_fingerprint, first) is None


def test_a_dirty_body_is_left_to_the_canonical_match() -> None:
    index = InteractionIndex([_interaction(_chat("one"), "1")])
    route = RecordedRequest(method="POST", path="/v1/chat/completions")
    first = strict_fingerprint(_chat("one"))
    assert first is not None
    assert index.take_first_if(route, strict_fingerprint, first, clean=lambda body: False) is None
    assert index.played == [False]


def test_http_replay_answers_alike_in_order_out_of_order_and_reformatted(tmp_path: Path) -> None:
    """In order (the fast path), out of order, with nested keys reordered or spaced out (the
    canonical way): every request gets its own recorded answer."""
    bodies = [_chat(f"prompt {i}", temperature=0.5) for i in range(4)]
    path = tmp_path / "c.json"
    save_cassette(
        path, CassetteFile(interactions=[_interaction(b, str(i)) for i, b in enumerate(bodies)])
    )
    reordered = {"model": "gpt-4o", "messages": [{"content": "prompt 2", "role": "user"}],
                 "temperature": 0.5}  # fmt: skip
    with (
        use_cassette(path, mode="none") as cassette,
        httpx2.Client(transport=httpx2.MockTransport(_refuse)) as client,
    ):
        assert _send(client, _compact(bodies[0])) == "0"
        assert _send(client, _compact(bodies[3])) == "3"
        assert _send(client, _compact(reordered)) == "2"
        assert _send(client, json.dumps(bodies[1], indent=2).encode()) == "1"
    assert cassette.play_count == 4


def test_http_replay_never_serves_a_different_number_type(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    save_cassette(path, CassetteFile(interactions=[_interaction(_chat("hi", temperature=1), "0")]))
    with (
        pytest.raises(ReplayMismatchError),
        use_cassette(path, mode="none"),
        httpx2.Client(transport=httpx2.MockTransport(_refuse)) as client,
    ):
        _send(client, _compact(_chat("hi", temperature=1.0)))


def test_a_sent_credential_is_still_redacted_before_matching(tmp_path: Path) -> None:
    """The recording holds the redacted body; the client sends the credential: not the next
    recording byte for byte, so it is matched the canonical way, after redaction."""
    secret = "sk" + "-proj-" + "q8w7e6r5t4" * 3
    path = tmp_path / "c.json"
    with (
        use_cassette(path, mode="all"),
        httpx2.Client(
            transport=httpx2.MockTransport(lambda r: httpx2.Response(200, json={"answer": "ok"}))
        ) as client,
    ):
        assert _send(client, _compact(_chat("hi", api_key=secret))) == "ok"
    assert secret not in path.read_text()
    with (
        use_cassette(path, mode="none") as cassette,
        httpx2.Client(transport=httpx2.MockTransport(_refuse)) as client,
    ):
        assert _send(client, _compact(_chat("hi", api_key=secret))) == "ok"
    assert cassette.play_count == 1


def test_requests_in_recorded_order_take_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the speed of replay rests on: in recorded order, no request reaches the canonical
    match; the first one out of order does."""
    from agentkit.replay import Cassette

    bodies = [_chat(f"prompt {i}") for i in range(3)]
    path = tmp_path / "c.json"
    save_cassette(
        path, CassetteFile(interactions=[_interaction(b, str(i)) for i, b in enumerate(bodies)])
    )
    canonical: list[object] = []
    replay = Cassette.replay

    def counted(self: Cassette, *args: Any, **kwargs: Any) -> Any:
        canonical.append(args)
        return replay(self, *args, **kwargs)

    monkeypatch.setattr(Cassette, "replay", counted)
    with (
        use_cassette(path, mode="none"),
        httpx2.Client(transport=httpx2.MockTransport(_refuse)) as client,
    ):
        assert [_send(client, _compact(b)) for b in bodies[:2]] == ["0", "1"]
        assert canonical == []
        assert _send(client, json.dumps(bodies[2], indent=1).encode()) == "2"
        assert len(canonical) == 1
