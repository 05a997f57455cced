"""The cassette commands remember what they found per file version (agentkit/_cli/_cache.py):
the same output from the cache as from the file, never a stale or a damaged result, nothing
secret stored, and the secret environment variables looked for on every scan."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentkit._cli import _cache, _cassettes
from agentkit.cli import app
from agentkit.replay import load_cassette, may_hold_secret_values, save_cassette

from .conftest import record_cassette

COMMANDS = ("show", "verify", "scan")
PLANTED = "sk" + "-proj-" + "a1b2c3d4e5" * 3
VALUE = "sk" + "-abcdefgh12345678"  # assembled: no credential-shaped literal is committed


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(_cache.CACHE_DIR_ENV, str(directory))
    monkeypatch.delenv(_cache.NO_CACHE_ENV, raising=False)
    return directory


def _settle(path: Path) -> None:
    """Make ``path`` look written long ago, as a cassette a developer re-reads is: its change
    time is now, so the clock the cache reads is moved on past the racy window too."""
    past = time.time() - 3600
    os.utime(path, (past, past))


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache's clock, :data:`_cache.RACY_SECONDS` and more after every file's change."""
    now = time.time
    monkeypatch.setattr(time, "time", lambda: now() + 10 * _cache.RACY_SECONDS)


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "cli").glob("*.json")) if (cache / "cli").is_dir() else []


def _refuse_to_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, any command that reads a cassette fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cassette was read")

    for name in ("_show_summary", "_verify_facts"):
        monkeypatch.setattr(_cassettes, name, refuse)
    monkeypatch.setattr("agentkit.replay.scan_cassette", refuse)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_second_run_prints_the_same_without_reading_the_file(
    runner: CliRunner,
    cassette: Path,
    cache: Path,
    later: None,
    command: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _settle(cassette)
    first = runner.invoke(app, ["cassettes", command, str(cassette)])
    assert first.exit_code == 0, first.output
    assert len(_entries(cache)) == 1
    _refuse_to_read(monkeypatch)
    second = runner.invoke(app, ["cassettes", command, str(cassette)])
    assert second.exit_code == 0, second.output
    assert second.output == first.output


@pytest.mark.parametrize("command", COMMANDS)
def test_the_cache_off_or_a_file_just_changed_is_read_every_time(
    runner: CliRunner,
    cassette: Path,
    cache: Path,
    command: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file changed within the racy window is never stored (two edits in one clock tick
    could share a stamp); AGENTKIT_NO_CACHE=1 stores nothing either."""
    assert runner.invoke(app, ["cassettes", command, str(cassette)]).exit_code == 0
    assert _entries(cache) == []
    _settle(cassette)
    monkeypatch.setenv(_cache.NO_CACHE_ENV, "1")
    assert runner.invoke(app, ["cassettes", command, str(cassette)]).exit_code == 0
    assert _entries(cache) == []


def test_an_edit_in_place_of_the_same_size_is_seen(
    runner: CliRunner, cassette: Path, cache: Path, later: None
) -> None:
    _settle(cassette)
    assert "answer 1" in runner.invoke(app, ["cassettes", "show", str(cassette)]).output
    text = cassette.read_text()
    with cassette.open("r+") as handle:  # same inode, same size: only the times change
        handle.write(text.replace("answer 1", "ANSWER 1"))
    assert cassette.stat().st_size == len(text.encode())
    output = runner.invoke(app, ["cassettes", "show", str(cassette)]).output
    assert "ANSWER 1" in output
    assert "answer 1" not in output


def test_a_resave_with_a_duplicate_is_flagged(
    runner: CliRunner, cassette: Path, cache: Path, later: None
) -> None:
    _settle(cassette)
    assert runner.invoke(app, ["cassettes", "verify", str(cassette)]).exit_code == 0
    loaded = load_cassette(cassette)
    loaded.interactions.append(loaded.interactions[0])
    save_cassette(cassette, loaded)
    result = runner.invoke(app, ["cassettes", "verify", str(cassette)])
    assert result.exit_code == 1
    assert "1 duplicated interaction" in result.output


def test_verify_reads_the_last_run_every_time(
    runner: CliRunner, cassette: Path, cache: Path, later: None
) -> None:
    from agentkit._played import write_played

    _settle(cassette)
    assert runner.invoke(app, ["cassettes", "verify", str(cassette)]).exit_code == 0
    write_played(cassette, [0], 2)
    result = runner.invoke(app, ["cassettes", "verify", str(cassette)])
    assert result.exit_code == 1
    assert "1 interaction(s) unused" in result.output


@pytest.mark.parametrize(
    "damage",
    [
        b"{not json",
        b"[]",
        b'{"key": [1], "result": {}}',  # another file's key
        None,  # the right key, a result of the wrong shape
    ],
    ids=["not-json", "not-an-entry", "other-key", "wrong-shape"],
)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_damaged_entry_is_recomputed(
    runner: CliRunner,
    cassette: Path,
    cache: Path,
    later: None,
    command: str,
    damage: bytes | None,
) -> None:
    _settle(cassette)
    first = runner.invoke(app, ["cassettes", command, str(cassette)])
    (entry,) = _entries(cache)
    if damage is None:
        stored = json.loads(entry.read_bytes())
        stored["result"] = {"lines": 3} if command != "scan" else [{"location": 1}]
        damage = json.dumps(stored).encode()
    entry.write_bytes(damage)
    again = runner.invoke(app, ["cassettes", command, str(cassette)])
    assert again.exit_code == first.exit_code == 0, again.output
    assert again.output == first.output


def test_an_unwritable_cache_costs_nothing_but_speed(
    runner: CliRunner, cassette: Path, tmp_path: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(_cache.CACHE_DIR_ENV, str(blocker / "cache"))
    _settle(cassette)
    for _ in range(2):
        result = runner.invoke(app, ["cassettes", "show", str(cassette)])
        assert result.exit_code == 0, result.output
        assert "answer 1" in result.output


def test_old_entries_are_removed_past_the_limit(
    runner: CliRunner, tmp_path: Path, cache: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_cache, "MAX_ENTRIES", 3)
    for number in range(5):
        path = record_cassette(tmp_path / f"c{number}.json", [f"prompt {number}"])
        _settle(path)
        assert runner.invoke(app, ["cassettes", "show", str(path)]).exit_code == 0
    assert len(_entries(cache)) == 3


def test_a_remembered_clean_scan_still_finds_a_secret_variable(
    runner: CliRunner, cassette: Path, cache: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment is not the file's: a value set after the clean scan was stored, and
    written in the cassette, is found."""
    secret = "proxy-credential-" + "x9" * 8
    text = cassette.read_text().replace("answer 0", secret)
    cassette.write_text(text)
    _settle(cassette)
    assert runner.invoke(app, ["cassettes", "scan", str(cassette)]).exit_code == 0
    monkeypatch.setenv("MODEL_PROXY_API_KEY", secret)
    result = runner.invoke(app, ["cassettes", "scan", str(cassette)])
    assert result.exit_code == 1
    assert "$MODEL_PROXY_API_KEY" in result.output
    assert secret not in result.output


def test_no_secret_lands_in_the_cache(
    runner: CliRunner, cassette: Path, cache: Path, later: None
) -> None:
    cassette.write_text(cassette.read_text().replace("answer 0", PLANTED))
    _settle(cassette)
    first = runner.invoke(app, ["cassettes", "scan", str(cassette)])
    assert first.exit_code == 1
    again = runner.invoke(app, ["cassettes", "scan", str(cassette)])
    assert again.output == first.output
    (entry,) = _entries(cache)
    assert PLANTED not in entry.read_text()
    assert PLANTED[:4] in entry.read_text()  # the masked excerpt is what is kept


@pytest.mark.parametrize(
    ("value", "text", "expected"),
    [
        (VALUE, f'{{"a": "{VALUE}"}}'.encode(), True),
        (VALUE, b'{"a": "nothing here"}', False),
        # JSON can spell the value another way: the text is not trusted to be plain.
        (VALUE, f'{{"a": "\\u0073{VALUE[1:]}"}}'.encode(), True),
        ("with/slash-12345678", b'{"a": "nothing here"}', True),
        ('with"quote-12345678', b'{"a": "nothing here"}', True),
        ("caf\u00e9-secret-12345678", b'{"a": "nothing here"}', True),
        # A non-ASCII character written as an escape is not a way to spell an ASCII value.
        (VALUE, b'{"a": "caf\\u00e9"}', False),
    ],
)
def test_may_hold_secret_values(value: str, text: bytes, expected: bool) -> None:
    environ = {"OPENAI_API_KEY": value}
    assert may_hold_secret_values(text, environ=environ) is expected


def test_with_no_secret_set_the_file_is_not_read(tmp_path: Path) -> None:
    assert may_hold_secret_values(tmp_path / "missing.json", environ={}) is False
    with pytest.raises(FileNotFoundError):
        may_hold_secret_values(tmp_path / "missing.json", environ={"OPENAI_API_KEY": "k" * 20})


def test_a_save_while_the_command_reads_is_not_stored(
    runner: CliRunner, cassette: Path, cache: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The result describes the version that was read; a save landing meanwhile makes it a
    result for no version on disk, so it is not kept."""
    _settle(cassette)
    read = _cassettes._show_summary

    def read_then_saved_over(path: Path) -> object:
        summary = read(path)
        loaded = load_cassette(path)
        save_cassette(path, loaded.model_copy(update={"interactions": loaded.interactions[:1]}))
        _settle(path)
        return summary

    monkeypatch.setattr(_cassettes, "_show_summary", read_then_saved_over)
    assert "2 interactions" in runner.invoke(app, ["cassettes", "show", str(cassette)]).output
    assert _entries(cache) == []
    monkeypatch.setattr(_cassettes, "_show_summary", read)
    assert "1 interactions" in runner.invoke(app, ["cassettes", "show", str(cassette)]).output


def test_a_change_to_the_code_that_made_a_result_is_a_miss(
    runner: CliRunner,
    cassette: Path,
    cache: Path,
    later: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An edited checkout at the same version (an editable install) recomputes its results."""
    code = tmp_path / "package" / "_cli" / "_cassettes.py"
    code.parent.mkdir(parents=True)
    code.write_text("# the show command\n")
    monkeypatch.setattr(_cache, "_PACKAGE", tmp_path / "package")
    monkeypatch.setattr(_cache, "_RESULT_CODE", ("_cli/_cassettes.py",))
    reads: list[Path] = []
    read = _cassettes._show_summary

    def counted(path: Path) -> dict[str, object]:
        reads.append(path)
        return read(path)

    monkeypatch.setattr(_cassettes, "_show_summary", counted)
    _settle(cassette)
    for _ in range(2):
        assert runner.invoke(app, ["cassettes", "show", str(cassette)]).exit_code == 0
    assert len(reads) == 1
    code.write_text("# the show command, reworded\n")
    assert runner.invoke(app, ["cassettes", "show", str(cassette)]).exit_code == 0
    assert len(reads) == 2
