"""Reading a cassette in agentkit's own layout one interaction at a time, sharing the parts its
requests repeat (issue 16, point 3: memory and load at 5,000 interactions): the same cassette
as parsing the file whole, whatever the file holds."""

from __future__ import annotations

import io
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from agentkit.replay import (
    CassetteFile,
    CassetteFormatError,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    load_cassette,
    save_cassette,
)
from agentkit.replay._format import _parse
from agentkit.replay._laid_out import read_laid_out

SHIPPED = sorted((Path(__file__).parents[2] / "cassettes").rglob("*.json"))
TOOLS = [
    {"type": "function", "function": {"name": f"tool_{i}", "parameters": {}}} for i in range(3)
]


def _whole(path: Path) -> CassetteFile:
    return _parse(path, path.read_bytes())


def _conversation(turns: int, filler: int = 0) -> CassetteFile:
    history: list[Any] = [{"role": "system", "content": "You book flights." + "x" * filler}]
    interactions = []
    for turn in range(turns):
        history = [*history, {"role": "user", "content": f"turn {turn}"}]
        body = {"model": "m", "messages": history, "tools": TOOLS, "temperature": 0.5}
        interactions.append(
            Interaction(
                request=RecordedRequest(
                    method="POST",
                    path="/v1/chat/completions",
                    headers={"content-type": "application/json"},
                    body=json.loads(json.dumps(body)),
                ),
                response=RecordedResponse(
                    status=200,
                    headers={"content-type": "application/json"},
                    body={"id": f"r{turn}", "answer": turn},
                ),
            )
        )
    return CassetteFile(interactions=interactions)


def test_there_are_shipped_cassettes() -> None:
    assert len(SHIPPED) >= 10


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_a_shipped_cassette_reads_as_it_parses_whole(path: Path) -> None:
    assert read_laid_out(io.BytesIO(path.read_bytes())) is not None  # in agentkit's layout
    assert load_cassette(path) == _whole(path)


def test_repeated_parts_are_one_object_and_the_values_are_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    save_cassette(path, _conversation(4))
    loaded = load_cassette(path)
    assert loaded == _whole(path)
    first, last = loaded.interactions[0].request, loaded.interactions[-1].request
    assert first.body["tools"] is last.body["tools"]
    assert first.body["messages"][0] is last.body["messages"][0]  # the system prompt
    assert first.headers is last.headers


def test_parts_equal_only_up_to_type_are_not_shared(tmp_path: Path) -> None:
    """``1`` and ``1.0`` (and ``true``) compare equal in Python: sharing by == would change a
    recorded body. Shared by exact JSON, each keeps its own."""
    cassette = _conversation(3)
    bodies = [interaction.request.body for interaction in cassette.interactions]
    bodies[0]["tools"] = [{"n": 1}]
    bodies[1]["tools"] = [{"n": 1.0}]
    bodies[2]["tools"] = [{"n": True}]
    bodies[1]["messages"][0] = {"role": "system", "content": "You book flights.", "n": 1}
    bodies[2]["messages"][0] = {"role": "system", "content": "You book flights.", "n": 1.0}
    path = tmp_path / "c.json"
    save_cassette(path, cassette)
    loaded = load_cassette(path)
    assert [type(i.request.body["tools"][0]["n"]) for i in loaded.interactions] == [
        int,
        float,
        bool,
    ]
    kinds = [type(i.request.body["messages"][0].get("n")) for i in loaded.interactions]
    assert kinds == [type(None), int, float]


@pytest.mark.parametrize("filler", [300_000, 2_500_000])
def test_interactions_across_read_blocks(tmp_path: Path, filler: int) -> None:
    """Many interactions split across 1 MB read blocks, and interactions longer than a block
    (read in doubling blocks)."""
    path = tmp_path / "big.json"
    save_cassette(path, _conversation(12 if filler < 1 << 20 else 3, filler=filler))
    assert path.stat().st_size > 3 * (1 << 20)
    assert load_cassette(path) == _whole(path)


def test_a_string_that_looks_like_the_separator(tmp_path: Path) -> None:
    cassette = _conversation(2)
    cassette.interactions[0].request.body["messages"][0]["content"] = '\n    },\n    {\n"x'
    path = tmp_path / "c.json"
    save_cassette(path, cassette)
    assert load_cassette(path) == _whole(path)


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda data: json.dumps(data),  # minified
        lambda data: json.dumps(data, indent=4),
        lambda data: json.dumps(data, indent=2).replace("\n", "\r\n"),
        lambda data: json.dumps({"interactions": data["interactions"], "version": 1}, indent=2),
        lambda data: json.dumps(data, indent=2) + "\n\n",
    ],
    ids=["minified", "indent-4", "crlf", "keys-swapped", "trailing-lines"],
)
def test_other_layouts_are_read_whole_alike(tmp_path: Path, rewrite: Any) -> None:
    path = tmp_path / "c.json"
    save_cassette(path, _conversation(3))
    expected = load_cassette(path)
    path.write_text(rewrite(json.loads(path.read_text(encoding="utf-8"))), encoding="utf-8")
    assert read_laid_out(io.BytesIO(path.read_bytes())) is None
    assert load_cassette(path) == expected


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"status": 200', '"status": "two hundred"'),  # fails validation
        ('"method": "POST",', '"method": "POST"'),  # not JSON
        ('"version": 1,', '"version": 99,'),
    ],
)
def test_a_broken_laid_out_file_gets_the_whole_parse_error(
    tmp_path: Path, old: str, new: str
) -> None:
    path = tmp_path / "c.json"
    save_cassette(path, _conversation(3))
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CassetteFormatError) as whole:
        _whole(path)
    with pytest.raises(CassetteFormatError) as read:
        load_cassette(path)
    assert str(read.value) == str(whole.value)


@pytest.mark.parametrize("before", range(1, 14))
def test_a_separator_across_a_block_boundary_is_found(tmp_path: Path, before: int) -> None:
    """The separator between two interactions straddles the first 1 MB read (``before`` of its
    14 bytes in it): the file is still read in parts, not given up on."""
    from agentkit.replay import _laid_out

    path = tmp_path / "c.json"
    filler = _laid_out._BLOCK // 2
    for _ in range(2):  # the second pass lands it exactly
        save_cassette(path, _conversation(2, filler=filler))
        at = path.read_bytes().find(_laid_out._BETWEEN)
        filler += _laid_out._BLOCK - before - at
    save_cassette(path, _conversation(2, filler=filler))
    assert path.read_bytes().find(_laid_out._BETWEEN) == _laid_out._BLOCK - before
    laid_out = read_laid_out(io.BytesIO(path.read_bytes()))
    assert laid_out is not None
    assert load_cassette(path) == _whole(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_read_whole(tmp_path: Path) -> None:
    """A pipe cannot be read twice: no going back to parse whole what turned out, a block in,
    not to be in agentkit's layout (here: minified)."""
    saved = tmp_path / "c.json"
    save_cassette(saved, _conversation(3))
    minified = json.dumps(json.loads(saved.read_text(encoding="utf-8"))).encode()
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_bytes(minified))
    writer.start()
    try:
        assert load_cassette(pipe) == _whole(saved)
    finally:
        writer.join(timeout=10)
