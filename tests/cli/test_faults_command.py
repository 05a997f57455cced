"""agentkit faults list / matrix, and agentkit record's checks that need no live model."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from agentkit.cli import app
from agentkit.faults import FaultKind


def test_list_shows_the_whole_catalogue(runner: CliRunner) -> None:
    """Every fault kind appears with its FAULTS.md row."""
    result = runner.invoke(app, ["faults", "list"])
    assert result.exit_code == 0
    for kind in FaultKind:
        assert kind.value in result.output


def test_matrix_over_the_recorded_episodes(runner: CliRunner) -> None:
    """Two fault kinds over every recorded agent and strategy: all actions legal, exit 0."""
    result = runner.invoke(
        app, ["faults", "matrix", "--kind", "read_timeout", "--kind", "invalid_json_arguments"]
    )
    assert result.exit_code == 0, result.output
    assert "read_timeout" in result.output
    assert "invalid_json_arguments" in result.output
    assert "100.0%" in result.output


def test_record_against_the_proxy_needs_its_base_url(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--server proxy without MODEL_PROXY_API_BASE says which variable to set."""
    monkeypatch.delenv("MODEL_PROXY_API_BASE", raising=False)
    result = runner.invoke(app, ["record", "--server", "proxy"])
    assert result.exit_code == 2
    assert "MODEL_PROXY_API_BASE is not set" in result.output
