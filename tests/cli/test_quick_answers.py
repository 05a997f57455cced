"""``agentkit version`` and a remembered ``cassettes show|verify|scan FILE`` are printed without
typer (agentkit/_cli/_quick.py, issue 16 point 1): the very output of the typer commands, and
every other case (a flag, a finding, a run record, a directory, an option, escapes, a result
not kept) is left to typer, having printed nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentkit._cli import _cache, _quick
from agentkit._version import __version__
from agentkit.cli import app
from agentkit.replay import load_cassette, save_cassette

from .conftest import record_cassette

COMMANDS = ("show", "verify", "scan")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(_cache.CACHE_DIR_ENV, str(directory))
    monkeypatch.delenv(_cache.NO_CACHE_ENV, raising=False)
    now = time.time
    monkeypatch.setattr(time, "time", lambda: now() + 10 * _cache.RACY_SECONDS)
    return directory


def _settle(path: Path) -> Path:
    past = time.time() - 3600
    os.utime(path, (past, past))
    return path


def _quick_output(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[bool, str]:
    capsys.readouterr()
    answered = _quick.answer(argv)
    return answered, capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS)
def test_a_remembered_result_prints_as_typer_prints_it(
    runner: CliRunner,
    cassette: Path,
    cache: Path,
    command: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["cassettes", command, str(_settle(cassette))]
    assert _quick_output(argv, capsys) == (False, "")  # nothing kept yet: typer's to run
    typed = runner.invoke(app, argv)
    assert typed.exit_code == 0, typed.output
    assert _quick_output(argv, capsys) == (True, typed.output)
    # The path as typer's Path argument spells it ("./x" is "x").
    relative = ["cassettes", command, f"./{cassette.name}"]
    os.chdir(cassette.parent)
    assert _quick_output(relative, capsys) == (True, runner.invoke(app, relative).output)


def test_version(capsys: pytest.CaptureFixture[str], runner: CliRunner) -> None:
    assert _quick_output(["version"], capsys) == (True, f"{__version__}\n")
    assert runner.invoke(app, ["version"]).output == f"{__version__}\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["--verbose", "version"],
        ["version", "--help"],
        ["cassettes", "show", "--help"],
        ["cassettes", "show"],
        ["cassettes", "diff", "a.json"],
        ["cassettes", "prune", "a.json"],
        ["faults", "list"],
        [],
    ],
)
def test_anything_else_is_typers(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert _quick_output(argv, capsys) == (False, "")


def test_flags_findings_run_records_and_directories_are_typers(
    runner: CliRunner,
    cassette: Path,
    cache: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agentkit._played import write_played

    loaded = load_cassette(cassette)
    loaded.interactions.append(loaded.interactions[0])  # a duplicate: verify flags it
    save_cassette(cassette, loaded)
    argv = ["cassettes", "verify", str(_settle(cassette))]
    assert runner.invoke(app, argv).exit_code == 1
    assert _quick_output(argv, capsys) == (False, "")

    clean = _settle(record_cassette(cassette.with_name("clean.json"), ["hello"]))
    argv = ["cassettes", "verify", str(clean)]
    assert runner.invoke(app, argv).exit_code == 0
    write_played(clean, [], 1)  # a run record: "unused" is typer's to say
    assert _quick_output(argv, capsys) == (False, "")

    assert runner.invoke(app, ["cassettes", "scan", str(clean)]).exit_code == 0
    assert _quick_output(["cassettes", "scan", str(clean)], capsys)[0]
    monkeypatch.setenv("MY_SERVICE_API_KEY", "You book flights")  # a value in the file
    assert _quick_output(["cassettes", "scan", str(clean)], capsys) == (False, "")

    assert _quick_output(["cassettes", "scan", str(clean.parent)], capsys) == (False, "")


def test_a_finding_is_typers(
    runner: CliRunner, tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leaked = tmp_path / "leaked.json"
    record_cassette(leaked, ["hello"])
    text = leaked.read_text(encoding="utf-8").replace("hello", "key sk-" + "a1b2c3d4" * 4)
    leaked.write_text(text, encoding="utf-8")
    argv = ["cassettes", "scan", str(_settle(leaked))]
    assert runner.invoke(app, argv).exit_code == 1
    assert _quick_output(argv, capsys) == (False, "")


def test_terminal_escapes_are_typers(
    runner: CliRunner, tmp_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """typer strips them when the output is not a terminal, and keeps them when it is."""
    path = record_cassette(tmp_path / "escapes.json", ["\x1b[31mred\x1b[0m"])
    argv = ["cassettes", "show", str(_settle(path))]
    assert runner.invoke(app, argv).exit_code == 0
    assert _quick_output(argv, capsys) == (False, "")


def test_the_console_script_answers_without_typer_or_pydantic(
    runner: CliRunner, cassette: Path, cache: Path
) -> None:
    argv = ["cassettes", "show", str(_settle(cassette))]
    expected = runner.invoke(app, argv).output
    probe = (
        "import sys; from agentkit._cli._entry import main; sys.argv = ['agentkit', *sys.argv[1:]];"
        " main(); loaded = sorted(m for m in ('typer', 'pydantic') if m in sys.modules);"
        " sys.stderr.write(repr(loaded))"
    )
    environment = {**os.environ, _cache.CACHE_DIR_ENV: str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv], capture_output=True, text=True, env=environment
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected
    assert done.stderr == "[]"
