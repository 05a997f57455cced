"""agentkit cassettes verify reports responses replay could not play, before a replay does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentkit.cli import app


def _cassette(path: Path, response: dict[str, object]) -> Path:
    interactions = [
        {"request": {"method": "GET", "path": "/ok"}, "response": {"status": 200, "body": "fine"}},
        {"request": {"method": "POST", "path": "/v1/chat/completions"}, "response": response},
    ]
    path.write_text(json.dumps({"version": 1, "interactions": interactions}))
    return path


@pytest.mark.parametrize(
    ("response", "problem"),
    [
        ({"status": 200, "body_base64": "%%%not base64"}, "body_base64 is not valid base64"),
        (
            {"status": 200, "body": {"id": "x"}, "events": [{"data": {"id": "x"}}]},
            "it has both body and events",
        ),
    ],
    ids=["undecodable-base64", "body-and-events"],
)
def test_verify_fails_on_one_line_naming_file_interaction_and_problem(
    runner: CliRunner, tmp_path: Path, response: dict[str, object], problem: str
) -> None:
    """Exit 2 and one line on stderr: the file, interaction 1 with its request, the problem."""
    path = _cassette(tmp_path / "broken.json", response)
    result = runner.invoke(app, ["cassettes", "verify", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0]
    assert "interaction 1 (POST /v1/chat/completions)" in lines[0]
    assert problem in lines[0]
    assert "ok" not in result.stdout.split()


def test_verify_still_passes_the_same_cassette_repaired(runner: CliRunner, tmp_path: Path) -> None:
    """With only events (or only valid base64) the same cassette verifies ok."""
    for response in (
        {"status": 200, "events": [{"data": {"id": "x"}}]},
        {"status": 200, "body_base64": "AAEC"},
    ):
        path = _cassette(tmp_path / "repaired.json", response)
        result = runner.invoke(app, ["cassettes", "verify", str(path)])
        assert result.exit_code == 0, result.output
        assert "ok" in result.stdout
