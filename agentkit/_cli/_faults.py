"""``agentkit faults``: the catalogue, and the fault matrix over recorded cassettes."""

from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agentkit._cli import _common
from agentkit._cli._app import new_app
from agentkit._cli._common import fail, guard
from agentkit._cli._defaults import RECORDED_DIR, SCHEDULE_NAMES

if TYPE_CHECKING:
    from rich.table import Table

    from agentkit._matrix import MatrixCell

app = new_app(no_args_is_help=True, help="The fault catalogue and the fault matrix.")


DOCS_PAGE = "docs/faults.md"
"""Where the full catalogue lives in the agentkit repository (rendered from ``CATALOGUE``)."""


@app.command("list")
@guard
def list_faults(
    markdown: Annotated[
        bool,
        typer.Option(
            "--markdown", help=f"Print the catalogue as markdown (the tables of {DOCS_PAGE})."
        ),
    ] = False,
) -> None:
    """Print every fault kind: its number, where it acts, what it injects, what the SDK gives,
    and how agentkit's agent answers it (with the fallback class if the fault persists).

        agentkit faults list
        agentkit faults list --markdown
    """
    # The plain rows, not CATALOGUE: its pydantic models (and the plans' that the markdown
    # documents) cost more to build than the rest of the command; and a plain table, not rich's.
    from agentkit._cli._table import plain_table
    from agentkit.faults import CATALOGUE_ROWS, handling_text

    if markdown:
        from agentkit.faults import catalogue_markdown

        # Plain output: the console would wrap the table's lines at the terminal's width.
        typer.echo(catalogue_markdown(), nl=False)
        return
    rows = [
        (
            kind.value,
            str(info.row or "-"),
            info.layer,
            info.summary.replace("`", ""),
            info.sdk_gives,
            handling_text(info),
        )
        for kind, info in CATALOGUE_ROWS.items()
    ]
    headers = ("kind", "#", "layer", "injects", "the SDK gives", "agentkit")
    typer.echo(plain_table("fault catalogue", headers, rows))
    typer.echo(
        "agentkit: what answers the fault in agentkit's tool-calling agent (plain call; "
        "streamed, where it differs), → the fallback class if the fault persists."
    )
    typer.echo(
        f"The full page, with each fault's parameters and the retry / repair / fallback policy: "
        f"{DOCS_PAGE} in the agentkit repository ('agentkit faults list --markdown' prints "
        f"its tables)."
    )


def matrix_table(cells: "list[MatrixCell]") -> "Table":
    """Rows by fault kind, aggregated over agents and strategies."""
    from rich.table import Table

    grouped: dict[str, list[MatrixCell]] = defaultdict(list)
    for cell in cells:
        grouped[cell.kind].append(cell)
    table = Table(title="fault matrix (replayed recorded episodes)", title_justify="left")
    columns = ("fault kind", "episodes", "steps", "faults fired", "legal actions",
               "model decided", "booked", "fallbacks by class")  # fmt: skip
    for column in columns:
        left = column in ("fault kind", "fallbacks by class")
        table.add_column(column, justify="left" if left else "right", overflow="fold")
    for kind, group in grouped.items():
        steps = sum(c.steps for c in group)
        episodes = sum(c.episodes for c in group)
        fired = sum(c.faults_injected for c in group)
        classes: Counter[str] = Counter()
        for cell in group:
            classes.update(cell.fallbacks_by_class)
        if kind != "none" and fired == 0:
            reasons = dict.fromkeys(reason for c in group for reason in c.not_fired)
            table.add_row(
                kind, str(episodes), str(steps), "0", "-", "-", "-",
                "not fired: " + "; ".join(reasons),
            )  # fmt: skip
            continue
        table.add_row(
            kind,
            str(episodes),
            str(steps),
            "-" if kind == "none" else str(fired),
            f"{sum(c.legal_actions for c in group) / max(1, steps):.1%}",
            f"{sum(c.model_decisions for c in group) / max(1, steps):.0%}",
            f"{sum(c.successes for c in group) / max(1, episodes):.0%}",
            ", ".join(f"{name} {count}" for name, count in classes.most_common()) or "none",
        )
    return table


@app.command()
@guard
def matrix(
    cassette_dir: Annotated[
        Path, typer.Option(help="Recorded cassettes (from 'agentkit record').")
    ] = RECORDED_DIR,
    kind: Annotated[
        list[str] | None, typer.Option(help="Only these fault kinds (repeatable).")
    ] = None,
    schedule: Annotated[
        list[str] | None,
        typer.Option(help=f"When faults fire: {', '.join(SCHEDULE_NAMES)} (repeatable)."),
    ] = None,
) -> None:
    """Replay the recorded episodes of each agent and strategy under every fault kind; print
    how many faults fired, the legal-action rate (must be 100%), the model's share of the
    decisions, booking success and the fallbacks by class. A kind that never fired says why.
    Exits 1 if any action was illegal.

        agentkit faults matrix --kind read_timeout --kind invalid_json_arguments
    """
    # The matrix replays whole episodes: the agents, the environment and the model layer load
    # only for this command.
    import asyncio

    from agentkit._matrix import MATRIX_AGENTS, SCHEDULES, fault_matrix
    from agentkit.faults import FaultKind

    names = {k.value for k in FaultKind}
    for name in kind or ():
        if name not in names:
            fail(f"unknown fault kind {name!r}; 'agentkit faults list' shows them all")
    kinds = tuple(FaultKind(k) for k in kind) if kind else tuple(FaultKind)
    schedules = tuple(schedule) if schedule else ("every-2nd",)
    unknown = [s for s in schedules if s not in SCHEDULES]
    if unknown:
        fail(f"unknown schedule {unknown[0]!r}; expected one of: {', '.join(SCHEDULES)}")
    if not cassette_dir.is_dir():
        fail(f"no recorded cassettes in {cassette_dir}; run 'agentkit record' first")
    cells = asyncio.run(fault_matrix(cassette_dir, kinds=(None, *kinds), schedules=schedules))
    _common.console.print(matrix_table(cells))
    _common.console.print(
        f"agents: {', '.join(MATRIX_AGENTS)}; strategies: aggressive, balanced, conservative; "
        f"schedules: {', '.join(schedules)}; stream kinds replay the *-stream recordings"
    )
    silent = sorted(
        {c.kind for c in cells if c.kind != "none"} - {c.kind for c in cells if c.fired}
    )
    if silent:
        _common.console.print(f"not fired (nothing measured): {', '.join(silent)}")
    if any(cell.legal_actions != cell.steps for cell in cells):
        raise typer.Exit(1)
