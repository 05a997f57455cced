"""``agentkit demo`` and ``agentkit run``."""

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agentkit._cli import _common
from agentkit._cli._common import fail, guard
from agentkit._cli._render import decisions_line, reasons_table, summary_table, trajectory_table
from agentkit._errors import describe_validation_error

if TYPE_CHECKING:
    from agentkit._run import EpisodeResult
    from agentkit.agents import Trajectory

# The runner and the recordings load the agents, the environments and the model layer: each
# command imports them when it runs, so that `agentkit --help` and `agentkit version` do not.

__all__ = ["demo", "run"]

DEMO_STRATEGY = "balanced"


async def _demo_episodes(directory: Path, *, constrained: bool) -> "list[tuple[str, Trajectory]]":
    from agentkit._record import (
        AGENT_CLASSES,
        RecordingProfile,
        play_recorded_episode,
        recorded_cassette,
        replay_agent,
    )
    from agentkit.replay import use_cassette

    profile = RecordingProfile(constrained=constrained)
    played = []
    for agent_class in AGENT_CLASSES:
        path = recorded_cassette(directory, agent_class, DEMO_STRATEGY, constrained=constrained)
        if not path.exists():
            fail(
                f"the demo cassette {path} is missing; reinstall agentkit or run 'agentkit record'"
            )
        async with use_cassette(path, mode="none"):
            agent = replay_agent(profile, agent_class, DEMO_STRATEGY)
            trajectory = await play_recorded_episode(agent, profile)
        played.append((agent_class, trajectory))
    return played


def _summary(label: str, episodes: "list[tuple[str, Trajectory]]") -> Counter[str]:
    from agentkit._run import decision_classes

    _common.console.print(f"[bold]Summary, {label}[/]", markup=True)
    all_classes: Counter[str] = Counter()
    for agent_class, trajectory in episodes:
        sources = {
            s: sum(st.decision.source == s for st in trajectory.steps)
            for s in ("model_text", "tool_call", "repair", "fallback")
        }
        classes = Counter(decision_classes(trajectory))
        all_classes.update(classes)
        regret = trajectory.final_info.get("regret")
        fallbacks = ", ".join(f"{k} {v}" for k, v in sorted(classes.items()) if k != "model")
        _common.console.print(
            f"  {agent_class:32} reward {trajectory.total_reward:g}  steps {len(trajectory.steps):2}  "
            f"regret {regret if regret is not None else '-'}  "
            + "  ".join(f"{k} {v}" for k, v in sources.items())
            + (f"  (fallbacks: {fallbacks})" if fallbacks else "")
        )
    return all_classes


@guard
def demo(
    cassettes: Annotated[
        Path | None,
        typer.Option(
            help="Directory of recorded cassettes to replay (default: the ones agentkit ships).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Replay one recorded episode of each agent class, offline: no key, no network.

    The cassettes ship with agentkit; they hold what a real model (Gemma 3 270M on a local
    llama.cpp server) answered: in constrained mode (each request carries the schema of the
    legal actions; the steps are shown), and unconstrained for comparison. Example:

        agentkit demo
    """
    import asyncio

    from agentkit._record import DEMO_DIR

    directory = DEMO_DIR if cassettes is None else cassettes
    constrained = asyncio.run(_demo_episodes(directory, constrained=True))
    unconstrained = asyncio.run(_demo_episodes(directory, constrained=False))
    first = (
        constrained[0][1].steps[0].observation["task"]["instruction"]
        if constrained[0][1].steps
        else ""
    )
    _common.console.print(f"[bold]Task:[/] {first}\n", markup=True)
    for agent_class, trajectory in constrained:
        title = (
            f"{agent_class} ({DEMO_STRATEGY}, constrained) — "
            f"{'booked' if trajectory.success else 'not booked'}"
        )
        _common.console.print(trajectory_table(trajectory, title))
    _common.console.print()
    lines = {}
    for label, episodes in (("unconstrained", unconstrained), ("constrained", constrained)):
        classes = _summary(label, episodes)
        total = sum(classes.values())
        model = classes.pop("model", 0)
        lines[label] = f"{model} of {total} decisions came from the model; " + decisions_line(
            model / max(1, total), dict(classes.most_common())
        )
        _common.console.print(f"  {label}: {lines[label]}\n")
    # The last line is the shown (constrained) episodes' share, as one line.
    _common.console.print(lines["constrained"])


@guard
def run(
    agent: Annotated[
        str,
        typer.Option(
            help="text (FlightBookingOpenAIAgent) or tool (ToolEnabledFlightBookingAgent)."
        ),
    ] = "tool",
    strategy: Annotated[
        str, typer.Option(help="aggressive, balanced or conservative.")
    ] = "balanced",
    model: Annotated[
        str, typer.Option(help="Model name; a stepcast/ or anthropic/ prefix picks the provider.")
    ] = "gpt-4",
    episodes: Annotated[int, typer.Option(min=1, help="Number of episodes.")] = 1,
    seed: Annotated[int, typer.Option(min=0, help="Episode i uses seed + i.")] = 0,
    difficulty: Annotated[str, typer.Option(help="easy, medium or hard.")] = "easy",
    tasks: Annotated[
        Path | None,
        typer.Option(help="A task-set file (fixtures/tasks format) or a directory of them."),
    ] = None,
    record_mode: Annotated[
        str | None,
        typer.Option(
            help="none, once, new_episodes or all (default $AGENTKIT_RECORD_MODE or none)."
        ),
    ] = None,
    cassette_dir: Annotated[
        Path | None,
        typer.Option(help="Record to / replay from a cassette here; without it, calls are live."),
    ] = None,
    faults: Annotated[
        Path | None, typer.Option(help="A fault-plan JSON file (see fixtures/faults/).")
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Episodes in flight at once.")
    ] = 1,
    max_steps: Annotated[
        int | None, typer.Option(min=1, help="Stop each episode after this many steps.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the results as JSON here.")] = None,
    min_model_rate: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Fail (exit 1) when the model made less than this share of the decisions.",
        ),
    ] = None,
) -> None:
    """Run episodes and print success rate, regret, steps, the model's share of the decisions,
    fallbacks by class and tokens.

    Exits 2 on a setup failure (no key, a missing cassette, a replay mismatch, a request the
    server rejects), and 1 when --min-model-rate is not met.

    Examples:

        agentkit run --agent tool --strategy balanced --episodes 20 --cassette-dir cassettes/runs

        agentkit run --cassette-dir cassettes/runs --faults fixtures/faults/chaos.json --out results.json
    """
    import asyncio

    from pydantic import ValidationError
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from agentkit._run import RunConfig, run_episodes

    if faults is not None and not faults.is_file():
        fail(f"no such fault plan: {faults}")
    try:
        config = RunConfig.model_validate(
            {
                "agent": agent, "strategy": strategy, "model": model, "episodes": episodes,
                "seed": seed, "difficulty": difficulty, "tasks": tasks,
                "record_mode": record_mode, "cassette_dir": cassette_dir, "faults": faults,
                "concurrency": concurrency, "max_steps": max_steps,
            }
        )  # fmt: skip
    except ValidationError as exc:
        fail("invalid option:\n" + describe_validation_error(exc, name=_option))
    progress = Progress(
        TextColumn("episodes"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=_common.console, transient=True,
    )  # fmt: skip
    with progress:
        bar = progress.add_task("episodes", total=config.episodes)

        def advance(_: "EpisodeResult") -> None:
            progress.advance(bar)

        summary = asyncio.run(run_episodes(config, on_result=advance))
    _common.console.print(summary_table(summary))
    if summary.fallback_reasons:
        _common.console.print(reasons_table(summary))
    _common.console.print(decisions_line(summary.model_decision_rate, summary.fallbacks_by_class))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        temporary = out.with_name(f".{out.name}.tmp")
        temporary.write_text(summary.model_dump_json(indent=2) + "\n")
        temporary.replace(out)
        _common.console.print(f"results written to {out}")
    if summary.setup_failures:
        count = len(summary.setup_failures)
        fail(
            f"{count} decision(s) failed on setup, not on the model: "
            f"{summary.setup_failures[0]}" + (f" (and {count - 1} more)" if count > 1 else "")
        )
    if min_model_rate is not None and summary.model_decision_rate < min_model_rate:
        fail(
            f"the model made {summary.model_decision_rate:.1%} of the decisions, below "
            f"--min-model-rate {min_model_rate:g}",
            code=1,
        )


def _option(field: str) -> str:
    return "--" + field.replace("_", "-")
