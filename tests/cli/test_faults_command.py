"""agentkit faults list / matrix, and agentkit record's checks that need no live model."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentkit._matrix import fault_matrix
from agentkit._record import recorded_cassette
from agentkit.cli import app
from agentkit.faults import CATALOGUE, FaultKind, catalogue_markdown
from agentkit.faults._docs import handling_text

RECORDED_DIR = Path(__file__).parents[2] / "cassettes" / "recorded"


def test_list_shows_the_whole_catalogue(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fault kind appears on one row with its number, what it injects and how agentkit
    answers it; the output says where the full page is."""
    monkeypatch.setenv("COLUMNS", "1000")  # one line per row, nothing wrapped
    result = runner.invoke(app, ["faults", "list"])
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    assert "the SDK gives" in rows.pop("kind")  # the header row
    assert set(rows) == {kind.value for kind in FaultKind}
    for kind, info in CATALOGUE.items():
        row = rows[kind.value]
        assert info.summary.replace("`", "") in row
        assert handling_text(info) in row
        assert f"│ {info.row or '-'} " in row
    assert "docs/faults.md" in result.output


def test_list_as_markdown_prints_the_docs_section(runner: CliRunner) -> None:
    """--markdown prints exactly the catalogue section of docs/faults.md, unwrapped."""
    result = runner.invoke(app, ["faults", "list", "--markdown"])
    assert result.exit_code == 0, result.output
    assert result.output == catalogue_markdown()
    docs = (Path(__file__).parents[2] / "docs" / "faults.md").read_text(encoding="utf-8")
    assert result.output in docs


def test_matrix_over_the_recorded_episodes(runner: CliRunner) -> None:
    """Two fault kinds over every recorded agent and strategy: all actions legal, exit 0, and
    beside each kind how many faults fired and how much the model still decided."""
    result = runner.invoke(
        app, ["faults", "matrix", "--kind", "read_timeout", "--kind", "invalid_json_arguments"]
    )
    assert result.exit_code == 0, result.output
    for column in ("faults fired", "legal actions", "model decided", "fallbacks by class"):
        assert column in result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    assert {"none", "read_timeout", "invalid_json_arguments"} <= set(rows)
    assert "100.0%" in rows["read_timeout"]
    assert "not fired" not in result.output


def test_a_kind_that_cannot_fire_says_so(tmp_path: Path) -> None:
    """Over recordings with no streamed episode, a stream-only fault is reported as not fired,
    with the reason, and is never scored."""
    shutil.copy(
        recorded_cassette(RECORDED_DIR, "ToolEnabledFlightBookingAgent", "balanced"),
        recorded_cassette(tmp_path, "ToolEnabledFlightBookingAgent", "balanced"),
    )
    cells = asyncio.run(
        fault_matrix(
            tmp_path,
            agents=("ToolEnabledFlightBookingAgent",),
            strategies=("balanced",),
            kinds=(FaultKind.STREAM_ERROR_EVENT, FaultKind.READ_TIMEOUT),
            schedules=("every-2nd",),
        )
    )
    silent, fired = cells
    assert not silent.fired
    assert silent.steps == 0
    assert "needs streamed recordings" in silent.not_fired[0]
    assert fired.fired
    assert fired.faults_injected > 0
    assert fired.legal_actions == fired.steps


def test_every_kind_fires_over_the_shipped_recordings() -> None:
    """Over the shipped cassettes (the balanced strategy, streamed recordings for the stream
    kinds) every fault kind acts at least once or says why it cannot; every action is legal."""
    cells = asyncio.run(
        fault_matrix(RECORDED_DIR, strategies=("balanced",), schedules=("every-2nd",))
    )
    silent = {c.kind for c in cells} - {c.kind for c in cells if c.fired}
    # The one kind that cannot fire here says why: Gemma's streamed answers hold no tool call,
    # so there is no tool-call delta to drop an index from.
    assert silent == {"delta_without_index"}, [c.not_fired for c in cells if c.kind in silent]
    reasons = {r for c in cells if c.kind in silent for r in c.not_fired}
    assert reasons == {"the stream had no tool calls"}
    assert all(c.legal_actions == c.steps for c in cells)
    assert {c.kind for c in cells} == {k.value for k in FaultKind}


def test_record_against_the_proxy_needs_its_base_url(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--server proxy without MODEL_PROXY_API_BASE says which variable to set."""
    monkeypatch.delenv("MODEL_PROXY_API_BASE", raising=False)
    result = runner.invoke(app, ["record", "--server", "proxy"])
    assert result.exit_code == 2
    assert "MODEL_PROXY_API_BASE is not set" in result.output
