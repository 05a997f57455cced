"""Every bad file or directory given to ``agentkit cassettes``: one line naming the file and the
problem, exit status 2, no traceback, and the file left as it was (issue 15, point 8)."""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agentkit._played import played_path, write_played
from agentkit.cli import app
from tests.replay._vcr_files import chat_request, vcr_interaction, write_vcr_cassette

KEY = "sk" + "-proj-" + "badfiles0123456789abcdefgh"


def _latin1(directory: Path) -> Path:
    path = directory / "latin1.json"
    path.write_bytes('{"version": 1, "interactions": [], "x": "caf\xe9"}'.encode("latin-1"))
    return path


def _deep(directory: Path) -> Path:
    path = directory / "deep.json"
    path.write_text('{"version": 1, "interactions": [], "x": ' + "[" * 5000 + "]" * 5000 + "}")
    return path


def _empty(directory: Path) -> Path:
    path = directory / "empty.json"
    path.write_text("")
    return path


def _binary(directory: Path) -> Path:
    path = directory / "binary.json"
    path.write_bytes(bytes(range(256)) * 4)
    return path


def _directory(directory: Path) -> Path:
    path = directory / "folder.json"
    path.mkdir()
    return path


def _missing(directory: Path) -> Path:
    return directory / "missing.json"


def _under_a_file(directory: Path) -> Path:
    (directory / "plain").write_text("x")
    return directory / "plain" / "c.json"  # ENOTDIR, for root too


BAD_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "latin-1": (_latin1, "not"),
    "deeply nested": (_deep, "recursion limit|nested too deeply"),
    "empty": (_empty, "empty|EOF"),
    "binary": (_binary, "not"),
    "a directory": (_directory, "is a directory, not a file"),
    "missing": (_missing, "no such file"),
    "under a file": (_under_a_file, "a part of the path is a file, not a directory"),
}
COMMANDS = {
    "show": ["cassettes", "show"],
    "verify": ["cassettes", "verify"],
    "scan": ["cassettes", "scan"],
    "diff": ["cassettes", "diff", "{good}"],
    "prune": ["cassettes", "prune"],
}


def _good(directory: Path) -> Path:
    path = directory / "good.json"
    path.write_text(json.dumps({"version": 1, "interactions": []}))
    return path


def _assert_one_line_error(result: Any, path: Path, problem: str) -> None:
    output: str = result.output
    assert result.exit_code == 2, output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("error: ")
    assert str(path) in lines[0]
    assert re.search(problem, lines[0]), lines[0]
    assert "Traceback" not in output


@pytest.mark.parametrize("command", COMMANDS, ids=str)
@pytest.mark.parametrize("bad", BAD_FILES, ids=str)
def test_a_bad_file_is_one_line_naming_it(
    runner: CliRunner, tmp_path: Path, command: str, bad: str
) -> None:
    """Not UTF-8, nested too deeply, empty, binary, a directory, missing, a path through a file:
    each command names the file and what is wrong with it, exit 2, and leaves it alone."""
    make, problem = BAD_FILES[bad]
    if command in ("verify", "scan") and bad == "a directory":
        problem = "is a directory with no cassette"  # these two take directories
    path = make(tmp_path)
    before = path.read_bytes() if path.is_file() else None
    args = [arg.format(good=_good(tmp_path)) for arg in COMMANDS[command]]
    result = runner.invoke(app, [*args, str(path)])
    _assert_one_line_error(result, path, problem)
    assert (path.read_bytes() if path.is_file() else None) == before


@pytest.mark.parametrize("command", COMMANDS, ids=str)
def test_permission_denied_on_read_is_one_line(
    runner: CliRunner, cassette: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """An unreadable cassette (simulated: root reads any file) names the file, exit 2."""
    real_open = builtins.open

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | os.PathLike) and Path(file) == cassette:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)  # what Path.read_bytes calls
    args = [arg.format(good=_good(tmp_path)) for arg in COMMANDS[command]]
    result = runner.invoke(app, [*args, str(cassette)])
    _assert_one_line_error(result, cassette, "permission denied")


@pytest.mark.parametrize(
    ("error", "problem"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
        (OSError(errno.EROFS, "Read-only file system"), "read-only file system"),
    ],
    ids=["permission denied", "read-only"],
)
def test_prune_in_a_read_only_directory_keeps_the_cassette(
    runner: CliRunner,
    cassette: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: OSError,
    problem: str,
) -> None:
    """The atomic rename fails (as in a read-only directory; simulated, since root may write
    anywhere): one line naming the cassette, exit 2, the file unchanged, no temporary left."""
    write_played(cassette, [1], 2)
    before = cassette.read_bytes()
    listing = sorted(p.name for p in cassette.parent.iterdir())

    def refuse(source: object, target: object) -> None:
        raise type(error)(error.errno, error.strerror, str(source), None, str(target))

    monkeypatch.setattr(os, "replace", refuse)
    result = runner.invoke(app, ["cassettes", "prune", str(cassette)])
    _assert_one_line_error(result, cassette, f"cannot rewrite .*{problem}.*left unchanged")
    assert ".tmp" not in result.output  # the temporary file's name is no concern of the user's
    monkeypatch.undo()
    assert cassette.read_bytes() == before
    assert sorted(p.name for p in cassette.parent.iterdir()) == listing


def test_prune_says_when_only_the_run_record_could_not_be_updated(
    runner: CliRunner, cassette: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cassette is pruned but its .played record is stale: said so, and the next prune
    asks for a run instead of dropping anything more."""
    write_played(cassette, [1], 2)

    def refuse(*args: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(played_path(cassette)))

    monkeypatch.setattr("agentkit._played.write_played", refuse)
    result = runner.invoke(app, ["cassettes", "prune", str(cassette)])
    _assert_one_line_error(result, cassette, "was pruned, but its run record")
    monkeypatch.undo()
    again = runner.invoke(app, ["cassettes", "prune", str(cassette)])
    assert again.exit_code == 2
    assert "changed since the last run" in again.output


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"{oops", "not a run record"), (b"\xff\xfe", "not a run record")],
    ids=["not JSON", "not UTF-8"],
)
def test_a_corrupt_run_record_is_named(
    runner: CliRunner, cassette: Path, content: bytes, problem: str
) -> None:
    """verify and prune name the .played file when it is corrupt, exit 2."""
    played_path(cassette).write_bytes(content)
    for command in ("verify", "prune"):
        result = runner.invoke(app, ["cassettes", command, str(cassette)])
        _assert_one_line_error(result, played_path(cassette), problem)


def test_import_into_an_out_under_a_file_names_it(runner: CliRunner, tmp_path: Path) -> None:
    """--out below a regular file (ENOTDIR, real for root too): one line, exit 2, nothing written."""
    source = tmp_path / "vcr.yaml"
    write_vcr_cassette(
        source, [vcr_interaction(request_body=chat_request("hi"), body=json.dumps({"ok": 1}))]
    )
    (tmp_path / "plain").write_text("x")
    out = tmp_path / "plain" / "cassettes"
    result = runner.invoke(app, ["cassettes", "import", str(source), "--out", str(out)])
    _assert_one_line_error(result, tmp_path / "plain", "is a file, not a directory")


def test_import_of_a_file_that_cannot_be_written_lists_it(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A destination that cannot be written is that file's problem (listed, exit 1); the
    command does not crash and no temporary is left behind."""
    source = tmp_path / "vcr.yaml"
    write_vcr_cassette(
        source, [vcr_interaction(request_body=chat_request("hi"), body=json.dumps({"ok": 1}))]
    )

    def refuse(source: object, target: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(source), None, str(target))

    monkeypatch.setattr(os, "replace", refuse)
    out = tmp_path / "out"
    result = runner.invoke(app, ["cassettes", "import", str(source), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"cannot write {out / 'vcr.json'}: permission denied" in result.output
    assert not any(p.is_file() for p in out.rglob("*"))


@pytest.mark.parametrize("depth", [900, 5000])
def test_import_of_a_deeply_nested_body_lists_it(
    runner: CliRunner, tmp_path: Path, depth: int
) -> None:
    """A body nested too deeply to convert is that file's problem, not a RecursionError."""
    body = '{"messages": ' + "[" * depth + "]" * depth + "}"
    source = tmp_path / "deep.json"
    source.write_text(
        json.dumps(
            {
                "version": 1,
                "interactions": [
                    {
                        "request": {
                            "method": "POST",
                            "uri": "https://api.openai.com/v1/chat/completions",
                            "body": body,
                            "headers": {"content-type": ["application/json"]},
                        },
                        "response": {
                            "status": {"code": 200, "message": "OK"},
                            "headers": {"content-type": ["application/json"]},
                            "body": {"string": body},
                        },
                    }
                ],
            }
        )
    )
    result = runner.invoke(app, ["cassettes", "import", str(source), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "nested too deeply" in result.output


def test_scan_masks_a_secret_used_as_a_key(runner: CliRunner, tmp_path: Path) -> None:
    """A credential planted as a JSON key and as a value: each finding says where (interaction,
    field path), and the planted text never appears whole in the output."""
    path = tmp_path / "leak.json"
    interaction = {
        "request": {
            "method": "POST",
            "path": "/v1/chat/completions",
            "headers": {},
            "body": {KEY: {"nested": "x"}, "note": f"key is {KEY}"},
        },
        "response": {"status": 200, "body": {"ok": 1}},
    }
    path.write_text(json.dumps({"version": 1, "interactions": [interaction, interaction]}))
    result = runner.invoke(app, ["cassettes", "scan", str(path)])
    assert result.exit_code == 1, result.output
    assert KEY not in result.output
    assert KEY[:12] not in result.output  # masked to its first four characters
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert len(lines) == 4, result.output
    assert f"{path}: interactions[1].request.body.<{KEY[:4]}…({len(KEY)} chars)> (key): " in (
        result.output
    )
    assert f"{path}: interactions[0].request.body.note: openai-key: {KEY[:4]}…" in result.output


def test_scan_findings_are_printed_as_they_are(runner: CliRunner, tmp_path: Path) -> None:
    """A location with brackets is not taken for console markup."""
    path = tmp_path / "leak.json"
    request = {"method": "POST", "path": "/", "body": {"[bold]x": KEY}}
    interaction = {"request": request, "response": {"status": 200}}
    path.write_text(json.dumps({"version": 1, "interactions": [interaction]}))
    result = runner.invoke(app, ["cassettes", "scan", str(path)])
    assert result.exit_code == 1
    assert "interactions[0].request.body.[bold]x: openai-key" in result.output
