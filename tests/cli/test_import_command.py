"""agentkit cassettes import: vcrpy / pytest-recording cassettes into agentkit cassettes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from vcr.request import Request

from agentkit.cli import app
from agentkit.replay import load_cassette
from agentkit.testing import chat_completion
from tests.replay._vcr_files import chat_request, vcr_interaction, write_vcr_cassette

KEY = "sk" + "-proj-" + "clitest0123456789abcdefghij"


def _good(prompt: str = "hi") -> list[tuple[Request, dict[str, Any]]]:
    return [
        vcr_interaction(
            request_body={**chat_request(prompt), "api_key": KEY},
            request_headers={"authorization": f"Bearer {KEY}"},
            body=json.dumps(chat_completion(content=f"answer: {prompt}")),
        )
    ]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root holding pytest-recording cassettes; the commands run from it."""
    monkeypatch.chdir(tmp_path)
    cassettes = tmp_path / "tests" / "cassettes" / "test_chat"
    write_vcr_cassette(cassettes / "test_hi.yaml", _good())
    write_vcr_cassette(cassettes / "test_json.json", _good("j"), serializer="json")
    return tmp_path


def test_import_writes_the_plugin_layout_and_scans_clean(runner: CliRunner, project: Path) -> None:
    """Imported with the default --out from the project root, each test's cassette lands at
    cassettes/<module>/<test>.json with the planted key redacted, and scan passes on it."""
    result = runner.invoke(app, ["cassettes", "import", "tests/cassettes"])
    assert result.exit_code == 0, result.output
    written = sorted((project / "cassettes").rglob("*.json"))
    assert [p.relative_to(project).as_posix() for p in written] == [
        "cassettes/test_chat/test_hi.json",
        "cassettes/test_chat/test_json.json",
    ]
    assert "written: cassettes/test_chat/test_hi.json <- tests/cassettes" in result.output
    assert "2 of 2 cassette(s) imported into cassettes" in result.output
    assert all(KEY not in p.read_text() for p in written)
    scan = runner.invoke(app, ["cassettes", "scan", *map(str, written)])
    assert scan.exit_code == 0, scan.output
    assert "no secrets in 2 cassette(s)" in scan.output


def test_unconvertible_interactions_fail_the_command_and_their_file(
    runner: CliRunner, project: Path
) -> None:
    """A file with an interaction that cannot convert is listed with the interaction and the
    reason, is not written, and the command exits 1; the good files are still written."""
    write_vcr_cassette(
        project / "tests" / "cassettes" / "test_chat" / "test_bad.yaml",
        [
            *_good(),
            vcr_interaction(
                request_body=chat_request("z"),
                body=b"\x00\x01",
                headers={"content-encoding": ["compress"]},
            ),
        ],
    )
    result = runner.invoke(app, ["cassettes", "import", "tests/cassettes", "--out", "out"])
    assert result.exit_code == 1
    assert "not written: tests/cassettes/test_chat/test_bad.yaml" in result.output
    assert "interaction 1: the body has content-encoding 'compress'" in result.output
    assert "2 of 3 cassette(s) imported into out; 1 not written (1 problem(s))" in result.output
    assert not (project / "out" / "test_chat" / "test_bad.json").exists()
    assert (project / "out" / "test_chat" / "test_hi.json").exists()


def test_force_overwrites_and_a_rerun_is_unchanged(runner: CliRunner, project: Path) -> None:
    """A rerun over its own output reports unchanged and passes; a changed source needs --force,
    and without it the old cassette stays as it was."""
    source = project / "tests" / "cassettes" / "test_chat" / "test_hi.yaml"
    args = ["cassettes", "import", str(source), "--out", "cassettes"]
    assert runner.invoke(app, args).exit_code == 0
    target = project / "cassettes" / "test_chat" / "test_hi.json"
    rerun = runner.invoke(app, args)
    assert rerun.exit_code == 0, rerun.output
    assert "unchanged: " in rerun.output

    write_vcr_cassette(source, _good("changed"))
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1
    assert "exists with other content; pass --force" in refused.output
    assert load_cassette(target).interactions[0].request.body["messages"][0]["content"] == "hi"

    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert load_cassette(target).interactions[0].request.body["messages"][0]["content"] == (
        "changed"
    )


def test_a_missing_source_is_a_usage_error(runner: CliRunner, project: Path) -> None:
    """A source path that does not exist exits 2 naming it, and writes nothing."""
    result = runner.invoke(app, ["cassettes", "import", "tests/nowhere"])
    assert result.exit_code == 2
    assert "no such file: tests/nowhere" in result.output
    assert not (project / "cassettes").exists()
