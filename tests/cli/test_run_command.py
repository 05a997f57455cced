"""agentkit run: episodes, the summary table, and --out JSON, offline through a fault plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentkit._run import RunSummary
from agentkit.cli import app
from agentkit.faults import Fault, FaultPlan


@pytest.fixture(autouse=True)
def _proxy_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs without a cassette are live: they need a proxy configured (the plans below answer
    every call themselves, so nothing is sent)."""
    monkeypatch.setenv("MODEL_PROXY_API_BASE", "http://proxy.invalid/v1")
    monkeypatch.setenv("MODEL_PROXY_API_KEY", "test-key-not-a-secret")


def _offline_plan(tmp_path: Path) -> Path:
    """Every model call answered 401 by the fault layer: nothing reaches the network."""
    path = tmp_path / "down.json"
    FaultPlan.single(Fault(kind="client_error", status=401), every=1).save(path)
    return path


def test_run_prints_the_table_and_writes_json(runner: CliRunner, tmp_path: Path) -> None:
    """Three episodes with concurrency 2: every decision falls back, every booking succeeds."""
    out = tmp_path / "results" / "run.json"
    result = runner.invoke(
        app,
        ["run", "--agent", "text", "--strategy", "conservative", "--episodes", "3", "--seed", "4",
         "--concurrency", "2", "--faults", str(_offline_plan(tmp_path)), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "run summary" in result.output
    assert "fallbacks by reason" in result.output
    summary = RunSummary.model_validate_json(out.read_text())
    assert [r.episode for r in summary.results] == [0, 1, 2]
    assert [r.seed for r in summary.results] == [4, 5, 6]
    assert summary.success_rate == 1.0
    assert summary.legal_action_rate == 1.0
    assert summary.fallback_rate == 1.0
    # 401s are not retried; after five in a row the breaker fails the rest fast.
    assert set(summary.fallback_reasons) == {"ProviderStatusError", "CircuitOpenError"}
    assert sum(summary.fallback_reasons.values()) == sum(r.steps for r in summary.results)
    assert all(r.faults_injected == 5 for r in summary.results)
    assert summary.config.strategy == "conservative"
    keys = set(json.loads(out.read_text()))
    assert keys == {
        "config", "results", "success_rate", "mean_regret", "mean_steps", "legal_action_rate",
        "fallback_rate", "fallback_reasons", "input_tokens", "output_tokens",
    }  # fmt: skip


def test_runs_are_deterministic(runner: CliRunner, tmp_path: Path) -> None:
    """The same seed gives the same trajectories (digests), whatever the concurrency."""
    plan = _offline_plan(tmp_path)
    digests = []
    for concurrency in ("1", "3"):
        out = tmp_path / f"run-{concurrency}.json"
        args = [
            "run",
            "--episodes",
            "3",
            "--faults",
            str(plan),
            "--concurrency",
            concurrency,
            "--out",
            str(out),
        ]
        assert runner.invoke(app, args).exit_code == 0
        digests.append([r.digest for r in RunSummary.model_validate_json(out.read_text()).results])
    assert digests[0] == digests[1]


def test_replay_without_a_recording_falls_back_and_says_why(
    runner: CliRunner, tmp_path: Path
) -> None:
    """In replay mode with an empty cassette directory, the agent still books, by its rules."""
    out = tmp_path / "run.json"
    result = runner.invoke(
        app,
        ["run", "--cassette-dir", str(tmp_path / "cassettes"), "--record-mode", "none", "--max-steps", "3", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = RunSummary.model_validate_json(out.read_text())
    assert summary.fallback_rate == 1.0
    assert summary.results[0].steps == 3
    assert any("ReplayMismatchError" in reason for reason in summary.fallback_reasons)


def test_tasks_file_picks_the_tasks(runner: CliRunner, tmp_path: Path) -> None:
    """--tasks takes a task-set file of any name; its tasks are played in turn."""
    shipped = json.loads(
        (Path(__file__).parents[2] / "fixtures" / "tasks" / "medium.json").read_text()
    )
    shipped["tasks"] = shipped["tasks"][3:5]
    mine = tmp_path / "my-tasks.json"
    mine.write_text(json.dumps(shipped))
    out = tmp_path / "run.json"
    args = [
        "run",
        "--tasks",
        str(mine),
        "--episodes",
        "3",
        "--faults",
        str(_offline_plan(tmp_path)),
        "--out",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    ids = [r.task_id for r in RunSummary.model_validate_json(out.read_text()).results]
    assert ids == ["medium-003", "medium-004", "medium-003"]
    broken = tmp_path / "broken.json"
    broken.write_text("[not json")
    result = runner.invoke(app, ["run", "--tasks", str(broken)])
    assert result.exit_code == 2
    assert "task set" in result.output
    assert "broken.json is not a JSON task set" in result.output


def test_a_live_run_without_a_key_names_the_variable(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No cassette and no key: one line naming MODEL_PROXY_API_KEY, status 2, before any episode."""
    monkeypatch.delenv("MODEL_PROXY_API_KEY")
    result = runner.invoke(app, ["run", "--episodes", "2"])
    assert result.exit_code == 2
    assert "set the MODEL_PROXY_API_KEY environment variable" in result.output
