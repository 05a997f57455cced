"""Bad input: one clear line on stderr, exit status 2, never a traceback (unless --verbose)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentkit.cli import app
from agentkit.faults import FaultKind
from agentkit.replay import CassetteFile, save_cassette


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--agent", "robot"], "--agent: Input should be 'text' or 'tool' (got 'robot')"),
        (["run", "--strategy", "reckless"], "strategy"),
        (["run", "--difficulty", "extreme"], "difficulty"),
        (["run", "--faults", "missing-plan.json"], "no such fault plan: missing-plan.json"),
        (["cassettes", "show", "missing.json"], "no such file"),
        (["faults", "matrix", "--kind", "gremlins"], "unknown fault kind 'gremlins'"),
        (["faults", "matrix", "--schedule", "hourly"], "unknown schedule 'hourly'"),
        (["record", "--agent-class", "Robot"], "unknown agent class 'Robot'"),
        (["record", "--server", "cloud"], "--server 'cloud'"),
        (["demo", "--cassettes", "nowhere"], "demo cassette"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    runner: CliRunner, args: list[str], message: str
) -> None:
    """Each user error names what was wrong, in one line, with status 2."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_malformed_files_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    """A fault plan or cassette that is not valid JSON is named, with status 2."""
    plan = tmp_path / "plan.json"
    plan.write_text("{oops")
    result = runner.invoke(app, ["run", "--faults", str(plan)])
    assert result.exit_code == 2
    assert "plan.json is not valid JSON" in result.output
    cassette = tmp_path / "broken.json"
    cassette.write_text("{oops")
    result = runner.invoke(app, ["cassettes", "verify", str(cassette)])
    assert result.exit_code == 2
    assert "broken.json" in result.output
    assert cassette.read_text() == "{oops"  # left untouched


def test_a_fault_plan_with_a_bad_kind_names_the_field_the_value_and_the_valid_kinds(
    runner: CliRunner, tmp_path: Path
) -> None:
    """The whole validation error reaches the user: field, bad value, every valid kind."""
    plan = tmp_path / "f.json"
    plan.write_text(
        json.dumps(
            {"version": 1, "rules": [{"fault": {"kind": "read_timout"}, "when": {"every": 1}}]}
        )
    )
    result = runner.invoke(app, ["run", "--faults", str(plan)])
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())
    assert f"fault plan {plan} is not a valid plan:" in output
    assert "rules.0.fault.kind" in output
    assert "(got 'read_timout')" in output
    for kind in FaultKind:
        assert f"'{kind.value}'" in output


def test_a_multi_line_error_is_never_cut(runner: CliRunner, tmp_path: Path) -> None:
    """A replay mismatch keeps its diff lines under the one-line summary."""
    cassettes = tmp_path / "c"
    save_cassette(cassettes / "tool-balanced-gpt-4.json", CassetteFile())
    result = runner.invoke(app, ["run", "--cassette-dir", str(cassettes), "--max-steps", "1"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("error: Replay mismatch in cassette")
    assert any("To record it, run: agentkit run" in line for line in lines[1:])


def test_click_level_errors_exit_2(runner: CliRunner) -> None:
    """Unknown options and missing arguments are usage errors too."""
    assert runner.invoke(app, ["run", "--episodes", "zero"]).exit_code == 2
    assert runner.invoke(app, ["cassettes", "diff", "only-one.json"]).exit_code == 2


def test_verbose_shows_the_traceback() -> None:
    """--verbose lets the exception through, so the traceback is shown."""
    result = subprocess.run(
        [sys.executable, "-m", "agentkit", "--verbose", "cassettes", "show", "missing.json"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    quiet = subprocess.run(
        [sys.executable, "-m", "agentkit", "cassettes", "show", "missing.json"],
        capture_output=True,
        text=True,
    )
    assert quiet.returncode == 2
    assert "Traceback" not in quiet.stderr
    assert quiet.stderr.strip().count("\n") == 0


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    """--help works on every command and shows how to call it."""
    for args in (
        ["demo"],
        ["run"],
        ["record"],
        ["faults", "list"],
        ["faults", "matrix"],
        *(["cassettes", c] for c in ("show", "verify", "scan", "diff", "prune")),
    ):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, args
        assert "agentkit " in result.output, args
