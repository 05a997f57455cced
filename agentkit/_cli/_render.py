"""Tables for trajectories and run summaries."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.table import Table

    from agentkit._run import RunSummary
    from agentkit.agents import Trajectory

__all__ = ["action_text", "decisions_line", "reasons_table", "summary_table", "trajectory_table"]


def action_text(action: str, limit: int = 70) -> str:
    """An action as ``name(arg=value, ...)``, cut to ``limit`` characters."""
    try:
        parsed = json.loads(action)
        arguments = ", ".join(
            f"{k}={json.dumps(v)}" for k, v in parsed.get("arguments", {}).items()
        )
        text = f"{parsed['name']}({arguments})"
    except (ValueError, KeyError, AttributeError, TypeError):
        text = action
    return text if len(text) <= limit else text[: limit - 3] + "..."


def trajectory_table(trajectory: Trajectory, title: str) -> Table:
    from rich.table import Table  # rich's tables load only for a command that prints one

    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("step", justify="right")
    table.add_column("action")
    table.add_column("from")
    table.add_column("class")
    table.add_column("why (if not the model's answer)", overflow="fold", max_width=48)
    table.add_column("reward", justify="right")
    for step in trajectory.steps:
        decision = step.decision
        table.add_row(
            str(step.index),
            action_text(step.action),
            decision.source,
            decision.fallback_class or "",
            (decision.reason or "")[:90],
            f"{step.reward:g}",
        )
    return table


def summary_table(summary: RunSummary) -> Table:
    from rich.table import Table

    table = Table(title="run summary", title_justify="left")
    for column in (
        "episodes",
        "success",
        "mean regret",
        "mean steps",
        "legal actions",
        "model decided",
        "fallback",
        "tokens in/out",
    ):
        table.add_column(column, justify="right")
    regret = "-" if summary.mean_regret is None else f"${summary.mean_regret:.2f}"
    table.add_row(
        str(len(summary.results)),
        f"{summary.success_rate:.0%}",
        regret,
        f"{summary.mean_steps:.1f}",
        f"{summary.legal_action_rate:.0%}",
        f"{summary.model_decision_rate:.0%}",
        f"{summary.fallback_rate:.0%}",
        f"{summary.input_tokens}/{summary.output_tokens}",
    )
    return table


def reasons_table(summary: RunSummary) -> Table:
    from rich.table import Table

    table = Table(title="fallbacks by reason", title_justify="left")
    table.add_column("reason")
    table.add_column("count", justify="right")
    for reason, count in summary.fallback_reasons.items():
        table.add_row(reason, str(count))
    return table


def decisions_line(model_rate: float, fallbacks_by_class: dict[str, int]) -> str:
    """``model decided 40% of decisions; fallbacks by class: model_output 3, setup 1``."""
    classes = ", ".join(f"{name} {count}" for name, count in fallbacks_by_class.items())
    return f"model decided {model_rate:.0%} of decisions; fallbacks by class: {classes or 'none'}"
