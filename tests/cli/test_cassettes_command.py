"""agentkit cassettes show / verify / scan / diff / prune."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from agentkit._run import write_played
from agentkit.cli import app
from agentkit.replay import load_cassette

from .conftest import record_cassette


def test_show_lists_each_interaction(runner: CliRunner, cassette: Path) -> None:
    """show prints one row per interaction with the request's last message and the answer."""
    result = runner.invoke(app, ["cassettes", "show", str(cassette)])
    assert result.exit_code == 0, result.output
    assert "2 interactions" in result.output
    assert "book the cheapest" in result.output
    assert "answer 1" in result.output


def test_verify_passes_a_clean_cassette_and_flags_duplicates(
    runner: CliRunner, cassette: Path, tmp_path: Path
) -> None:
    """verify exits 0 on a clean cassette and 1 when an interaction is duplicated."""
    assert runner.invoke(app, ["cassettes", "verify", str(cassette)]).exit_code == 0
    data = json.loads(cassette.read_text())
    data["interactions"].append(data["interactions"][0])
    doubled = tmp_path / "doubled.json"
    doubled.write_text(json.dumps(data))
    result = runner.invoke(app, ["cassettes", "verify", str(doubled)])
    assert result.exit_code == 1
    assert "1 duplicated interaction" in result.output


def test_verify_flags_interactions_the_last_run_did_not_use(
    runner: CliRunner, cassette: Path
) -> None:
    """After a run that used only the first interaction, verify flags the other one."""
    write_played(cassette, [0], 2)
    result = runner.invoke(app, ["cassettes", "verify", str(cassette)])
    assert result.exit_code == 1
    assert "1 interaction(s) unused" in result.output


def test_scan_fails_on_a_planted_secret(runner: CliRunner, cassette: Path, tmp_path: Path) -> None:
    """scan exits 0 on a redacted cassette and 1 when a key-shaped string was written in by hand."""
    assert runner.invoke(app, ["cassettes", "scan", str(cassette)]).exit_code == 0
    leaked = tmp_path / "leaked.json"
    leaked.write_text(cassette.read_text().replace("answer 0", "sk" + "-proj-" + "a1b2c3d4e5" * 3))
    result = runner.invoke(app, ["cassettes", "scan", str(cassette), str(leaked)])
    assert result.exit_code == 1
    assert "leaked.json" in result.output


def test_scan_and_verify_take_directories(
    runner: CliRunner, cassette: Path, tmp_path: Path
) -> None:
    """A directory stands for its cassettes (recursively); one without any is a usage error."""
    nested = tmp_path / "set" / "inner"
    nested.mkdir(parents=True)
    (nested / "a.json").write_text(cassette.read_text())
    (tmp_path / "set" / "b.json").write_text(cassette.read_text())
    scanned = runner.invoke(app, ["cassettes", "scan", str(tmp_path / "set")])
    assert scanned.exit_code == 0, scanned.output
    assert "no secrets in 2 cassette(s)" in scanned.output
    verified = runner.invoke(app, ["cassettes", "verify", str(tmp_path / "set"), str(cassette)])
    assert verified.exit_code == 0, verified.output
    assert verified.output.count("  ok") == 3
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(app, ["cassettes", "scan", str(tmp_path / "empty")])
    assert empty.exit_code == 2
    assert "no cassette (*.json)" in empty.output


def test_diff_names_the_changed_message(runner: CliRunner, cassette: Path, tmp_path: Path) -> None:
    """diff exits 0 for equal cassettes and 1 with a message-level diff for a changed prompt."""
    assert runner.invoke(app, ["cassettes", "diff", str(cassette), str(cassette)]).exit_code == 0
    changed = record_cassette(tmp_path / "changed.json", ["book SFO to SEA", "book the priciest"])
    result = runner.invoke(app, ["cassettes", "diff", str(cassette), str(changed)])
    assert result.exit_code == 1
    assert "#1 request changed" in result.output
    assert "messages[1] (user)" in result.output
    assert "priciest" in result.output


def test_prune_drops_what_the_last_run_did_not_use(runner: CliRunner, cassette: Path) -> None:
    """prune keeps the interactions the last run played, rewrites atomically, and refuses without a run."""
    result = runner.invoke(app, ["cassettes", "prune", str(cassette)])
    assert result.exit_code == 2
    assert "no record of a run" in result.output
    write_played(cassette, [1], 2)
    result = runner.invoke(app, ["cassettes", "prune", str(cassette)])
    assert result.exit_code == 0, result.output
    (kept,) = load_cassette(cassette).interactions
    assert kept.request.body["messages"][-1]["content"] == "book the cheapest"
    assert not list(cassette.parent.glob(".*tmp*"))
