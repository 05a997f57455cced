"""Fault plans: schedules, determinism under a seed, files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from agentkit import UsageError
from agentkit.faults import Fault, FaultKind, FaultPlan, FaultRule, When, load_plan


def _fired(when: When, calls: int, plan: FaultPlan | None = None) -> list[int]:
    plan = plan or FaultPlan()
    return [n for n in range(1, calls + 1) if when.fires(n, plan.rng_for(0, n))]


def test_schedules() -> None:
    """At given calls, every n-th call, and the first n calls ("fail n times then succeed")."""
    assert _fired(When(calls=(2, 5)), 6) == [2, 5]
    assert _fired(When(every=3), 10) == [3, 6, 9]
    assert _fired(When(first=2), 6) == [1, 2]


def test_probability_is_deterministic_under_the_seed() -> None:
    """The same seed fires at the same calls; another seed at others; the rate is about p."""
    when = When(probability=0.3)
    first = _fired(when, 400, FaultPlan(seed=7))
    assert first == _fired(when, 400, FaultPlan(seed=7))
    assert first != _fired(when, 400, FaultPlan(seed=8))
    assert 80 <= len(first) <= 160


def test_filters_select_endpoint_and_model() -> None:
    """Endpoint and model filters narrow which requests a rule counts."""
    when = When(calls=(1,), endpoint="/chat/completions", model="gpt-4")
    assert when.selects("/v1/chat/completions", {"model": "gpt-4"})
    assert not when.selects("/v1/chat/completions", {"model": "other"})
    assert not when.selects("/v1/messages", {"model": "gpt-4"})


def test_a_when_that_never_fires_is_refused() -> None:
    """A rule with no condition, or call 0, is a mistake and says so."""
    with pytest.raises(ValidationError, match="never fire"):
        When()
    with pytest.raises(ValidationError, match="start at 1"):
        When(calls=(0,))


def test_plan_round_trips_through_a_file(tmp_path: Path) -> None:
    """A plan saved as JSON loads back equal, and the file is readable JSON."""
    plan = FaultPlan(
        seed=3,
        name="timeouts then garbage",
        rules=(
            FaultRule(fault=Fault(kind=FaultKind.READ_TIMEOUT), when=When(first=1)),
            FaultRule(
                fault=Fault(kind="bad_argument", variant="drop_required"), when=When(calls=(4,))
            ),
        ),
    )
    path = tmp_path / "plan.json"
    plan.save(path)
    assert json.loads(path.read_text())["rules"][1]["fault"]["variant"] == "drop_required"
    assert load_plan(path) == plan
    assert not list(tmp_path.glob(".*.tmp"))


def test_bad_plan_files_name_the_file_and_the_problem(tmp_path: Path) -> None:
    """Missing, malformed, unknown-kind and future-version files give a UsageError naming the file."""
    with pytest.raises(UsageError, match="does not exist"):
        load_plan(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(UsageError, match=r"broken\.json is not valid JSON"):
        load_plan(broken)
    unknown = tmp_path / "unknown.json"
    unknown.write_text(
        json.dumps({"rules": [{"fault": {"kind": "gremlins"}, "when": {"first": 1}}]})
    )
    with pytest.raises(UsageError, match="gremlins"):
        load_plan(unknown)
    future = tmp_path / "future.json"
    future.write_text(json.dumps({"version": 99}))
    with pytest.raises(UsageError, match="version 99 is not supported"):
        load_plan(future)


def test_shipped_plans_load() -> None:
    """Every plan under fixtures/faults/ is valid."""
    plans = sorted(Path(__file__).parents[2].joinpath("fixtures", "faults").glob("*.json"))
    assert plans
    for path in plans:
        assert load_plan(path).rules
