"""agentkit run: episodes, the summary table, and --out JSON, offline through a fault plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentkit._run import RunSummary
from agentkit.cli import app
from agentkit.faults import Fault, FaultPlan
from agentkit.replay import CassetteFile, save_cassette


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
    assert "model decided 0% of decisions; fallbacks by class:" in result.output
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
    # The injected 401s stand in for setup failures (not the developer's): no setup failure.
    assert summary.fallbacks_by_class == {
        "setup_injected": 15,
        "model_call": sum(r.steps for r in summary.results) - 15,
    }
    assert summary.model_decision_rate == 0.0
    assert summary.setup_failures == []
    assert summary.config.strategy == "conservative"
    keys = set(json.loads(out.read_text()))
    assert keys == {
        "config", "results", "success_rate", "mean_regret", "mean_steps", "legal_action_rate",
        "model_decision_rate", "fallback_rate", "fallbacks_by_class", "fallback_reasons",
        "setup_failures", "input_tokens", "output_tokens",
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


def test_replay_of_a_missing_cassette_fails_with_the_record_command(
    runner: CliRunner, tmp_path: Path
) -> None:
    """In replay mode with no cassette, the run exits 2 before any episode, naming the file and
    the exact command that records it."""
    out = tmp_path / "run.json"
    cassettes = tmp_path / "cassettes"
    result = runner.invoke(
        app,
        ["run", "--cassette-dir", str(cassettes), "--record-mode", "none", "--max-steps", "3", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())
    assert f"Cassette {cassettes / 'tool-balanced-gpt-4.json'} does not exist" in output
    assert (
        f"To record it, run: agentkit run --cassette-dir {cassettes} --max-steps 3 "
        "--record-mode rewrite" in output
    )
    assert not out.exists()


def test_replay_mismatch_fails_the_run(runner: CliRunner, tmp_path: Path) -> None:
    """A request the cassette cannot answer is a setup failure: exit 2 with the mismatch, not a
    green run of fallbacks."""
    cassettes = tmp_path / "cassettes"
    save_cassette(cassettes / "tool-balanced-gpt-4.json", CassetteFile())
    result = runner.invoke(app, ["run", "--cassette-dir", str(cassettes), "--max-steps", "3"])
    assert result.exit_code == 2, result.output
    assert "Replay mismatch in cassette" in result.output
    assert "the cassette is empty" in result.output
    assert "success" not in result.output


def test_min_model_rate_fails_a_run_the_model_did_not_decide(
    runner: CliRunner, tmp_path: Path
) -> None:
    """--min-model-rate exits 1 when the fallback made the decisions."""
    result = runner.invoke(
        app,
        ["run", "--episodes", "1", "--max-steps", "2", "--faults", str(_offline_plan(tmp_path)),
         "--min-model-rate", "0.5"],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "the model made 0.0% of the decisions, below --min-model-rate 0.5" in result.output


def test_a_real_setup_failure_under_a_fault_plan_fails_the_run(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Under a plan that injects nothing into the first call, a replay miss there is the
    developer's: exit 2, naming the step."""
    cassettes = tmp_path / "cassettes"
    save_cassette(cassettes / "tool-balanced-gpt-4.json", CassetteFile())
    plan = tmp_path / "late.json"
    FaultPlan.single(Fault(kind="read_timeout"), calls=[99]).save(plan)
    result = runner.invoke(
        app,
        ["run", "--cassette-dir", str(cassettes), "--max-steps", "2", "--faults", str(plan)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "failed on setup, not on the model: episode 0, step 0: ReplayMismatchError" in (
        " ".join(result.output.split())
    )


def test_invalid_option_names_the_option_not_the_model(runner: CliRunner) -> None:
    """A bad --strategy names the option, the value and the valid ones; no internal class name."""
    result = runner.invoke(app, ["run", "--strategy", "reckless"])
    assert result.exit_code == 2
    assert "--strategy: Input should be 'aggressive', 'balanced' or 'conservative'" in (
        result.output
    )
    assert "'reckless'" in result.output
    assert "RunConfig" not in result.output


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
