"""The cassette file format: versioned JSON, parsed bodies, SSE events, atomic writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agentkit.replay import (
    CassetteFile,
    CassetteFormatError,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    SSEEvent,
    load_cassette,
    save_cassette,
    use_cassette,
)
from agentkit.replay._format import decode_body, encode_body, parse_sse, serialize_sse


def _cassette() -> CassetteFile:
    return CassetteFile(
        interactions=[
            Interaction(
                request=RecordedRequest(method="POST", path="/v1/x", body={"b": 1, "a": [1, 2]}),
                response=RecordedResponse(status=200, body={"ok": True}),
            )
        ]
    )


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    """A saved cassette loads back equal, with bodies stored as JSON objects."""
    path = tmp_path / "sub" / "c.json"
    save_cassette(path, _cassette())
    assert load_cassette(path) == _cassette()
    data = json.loads(path.read_text())
    assert data["interactions"][0]["request"]["body"] == {"b": 1, "a": [1, 2]}


def test_save_is_stable_byte_for_byte(tmp_path: Path) -> None:
    """Saving the same cassette twice gives identical bytes, so re-records diff cleanly."""
    save_cassette(tmp_path / "a.json", _cassette())
    save_cassette(tmp_path / "b.json", load_cassette(tmp_path / "a.json"))
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_save_leaves_no_temporary_files(tmp_path: Path) -> None:
    """The atomic write renames its temporary file into place and leaves nothing behind."""
    save_cassette(tmp_path / "c.json", _cassette())
    assert sorted(os.listdir(tmp_path)) == ["c.json"]


def test_failed_save_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the rename fails, the previous cassette is intact and the temporary file is removed."""
    path = tmp_path / "c.json"
    save_cassette(path, _cassette())
    before = path.read_bytes()

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        save_cassette(path, CassetteFile())
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["c.json"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"version": 1, "interactions": [', "not valid JSON"),
        ('{"version": 99, "interactions": []}', "format version 99"),
        ('["not", "a", "cassette"]', "expected a JSON object"),
        ('{"version": 1, "interactions": [{"request": {}}]}', "cassette shape"),
    ],
)
def test_bad_files_fail_clearly_and_stay_untouched(
    tmp_path: Path, content: str, problem: str
) -> None:
    """A corrupt or foreign cassette raises CassetteFormatError naming the file; it is not rewritten."""
    path = tmp_path / "c.json"
    path.write_text(content)
    for mode in ("none", "once", "new_episodes"):
        with pytest.raises(CassetteFormatError) as caught, use_cassette(path, mode=mode):
            pass
        assert problem in str(caught.value)
        assert str(path) in str(caught.value)
        assert "--agentkit-record-mode" in str(caught.value)
    assert path.read_text() == content


def test_body_encoding_keeps_json_and_text_apart() -> None:
    """Objects and arrays are parsed; other payloads (even JSON scalars) stay text."""
    assert decode_body(b'{"a": 1}') == {"a": 1}
    assert decode_body(b"[1]") == [1]
    assert decode_body(b'"quoted"') == '"quoted"'
    assert decode_body(b"{broken") == "{broken"
    assert decode_body(b"") is None
    assert encode_body({"a": "é"}) == '{"a":"é"}'.encode()
    with pytest.raises(ValueError, match="UTF-8"):
        decode_body(b"\xff\xfe")


def test_sse_round_trip_keeps_event_boundaries() -> None:
    """Parsing then serialising SSE gives the same events: names, ids, JSON and text data."""
    raw = (
        b'event: message_start\ndata: {"a": 1}\n\n'
        b": keep-alive comment\n\n"
        b"id: 7\nretry: 100\ndata: line one\ndata: line two\n\n"
        b"data: [DONE]\n\n"
    )
    events = parse_sse(raw)
    assert events == [
        SSEEvent(event="message_start", data={"a": 1}),
        SSEEvent(id="7", retry=100, data="line one\nline two"),
        SSEEvent(data="[DONE]"),
    ]
    assert parse_sse(serialize_sse(events)) == events
    assert serialize_sse(events).count(b"\n\n") == 3


def test_response_needs_a_single_body_kind(tmp_path: Path) -> None:
    """A stored binary body round-trips through base64."""
    response = RecordedResponse(status=200, body_base64="AAEC")
    save_cassette(
        tmp_path / "c.json",
        CassetteFile(
            interactions=[
                Interaction(request=RecordedRequest(method="GET", path="/"), response=response)
            ]
        ),
    )
    loaded = load_cassette(tmp_path / "c.json").interactions[0].response
    assert loaded.body_base64 == "AAEC"
    assert loaded.body is None
