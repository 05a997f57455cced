"""Running episodes in bulk: agents on tasks, optionally over cassettes and under a fault plan.

The engine behind ``agentkit run``, ``agentkit demo``, ``agentkit faults matrix`` and the
fault-matrix benchmark. It is the one module that wires every layer together.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shlex
import shutil
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import httpx2
from pydantic import BaseModel, ConfigDict, Field

from agentkit._errors import UsageError
from agentkit._played import PlayedRecord, played_path, read_played, write_played
from agentkit.agents import LLMAgent, Trajectory, run_episode
from agentkit.faults import FaultInjectingTransport, FaultPlan, VirtualClock, load_plan
from agentkit.flight import (
    FlightBookingEnv,
    FlightBookingOpenAIAgent,
    StrategyName,
    ToolEnabledFlightBookingAgent,
    is_legal,
    load_tasks,
)
from agentkit.models import ModelAPI, ModelParams
from agentkit.replay import RecordMode, resolve_record_mode, use_cassette

__all__ = [
    "AGENT_KINDS",
    "DECISION_CLASSES",
    "AgentKind",
    "EpisodeResult",
    "PlayedRecord",
    "RunConfig",
    "RunSummary",
    "cassette_path",
    "decision_classes",
    "played_path",
    "read_played",
    "run_episodes",
    "summarise",
    "write_played",
]

AgentKind = Literal["text", "tool"]
AGENT_KINDS: dict[AgentKind, type[LLMAgent]] = {
    "text": FlightBookingOpenAIAgent,
    "tool": ToolEnabledFlightBookingAgent,
}
Difficulty = Literal["easy", "medium", "hard"]


class RunConfig(BaseModel):
    """What ``agentkit run`` does."""

    model_config = ConfigDict(frozen=True)

    agent: AgentKind = "tool"
    """text: FlightBookingOpenAIAgent; tool: ToolEnabledFlightBookingAgent."""
    strategy: StrategyName = "balanced"
    """The agent's strategy."""
    model: str = "gpt-4"
    """The model name (a ``stepcast/`` or ``anthropic/`` prefix picks the provider)."""
    episodes: int = Field(default=1, ge=1, le=100_000)
    """How many episodes."""
    seed: int = Field(default=0, ge=0)
    """Episode i resets with seed + i and plays task (seed + i) mod the task count."""
    difficulty: Difficulty = "easy"
    """Which task set to play (a ``tasks`` file names its own difficulty)."""
    tasks: Path | None = None
    """A task-set file (the format of ``fixtures/tasks/<difficulty>.json``) or a directory of
    such files, instead of the shipped sets."""
    record_mode: RecordMode | None = None
    """The cassette's record mode; default ``$AGENTKIT_RECORD_MODE`` or ``none``."""
    cassette_dir: Path | None = None
    """Where the run's cassette lives; without it, calls go to the live provider."""
    faults: Path | None = None
    """A fault-plan file applied to every episode's model calls (call numbers per episode)."""
    concurrency: int = Field(default=1, ge=1, le=64)
    """Episodes in flight at once."""
    max_steps: int | None = Field(default=None, ge=1)
    """Stop an episode after this many steps (the env has its own limit too)."""
    temperature: float = 0.0
    """Sampling temperature sent with every request."""
    max_tokens: int = Field(default=512, ge=1)
    """Tokens the model may generate per call."""

    def command(self, record_mode: str | None = None) -> str:
        """The ``agentkit run`` command line for this configuration (``record_mode`` replacing
        its own): what error messages quote to record the run's cassette. A fault plan is left
        out: a cassette is recorded from the real answers."""
        parts = ["agentkit", "run"]
        defaults = RunConfig()
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name in _NOT_CLI_OPTIONS or value is None or value == getattr(defaults, name):
                continue
            parts += [f"--{name.replace('_', '-')}", shlex.quote(str(value))]
        mode = record_mode or (self.record_mode.value if self.record_mode else None)
        if mode is not None:
            parts += ["--record-mode", mode]
        return " ".join(parts)


_NOT_CLI_OPTIONS = frozenset({"record_mode", "faults", "temperature", "max_tokens"})


class EpisodeResult(BaseModel):
    """One episode, summarised."""

    model_config = ConfigDict(frozen=True)

    episode: int
    seed: int
    task_id: str | None
    success: bool
    reward: float
    regret: float | None
    """What was paid above the cheapest feasible price; None without a booking."""
    steps: int
    legal_actions: int
    """Steps whose action was legal in the observation it answered."""
    sources: dict[str, int]
    """Decisions by source: model_text, tool_call, repair, fallback."""
    model_decisions: int
    """Decisions the model made (tool call, text or repair)."""
    fallback_classes: dict[str, int]
    """Fallbacks by class (see ``DECISION_CLASSES``)."""
    fallback_reasons: dict[str, int]
    """Fallbacks by reason (the reason's first clause)."""
    setup_failures: list[str] = Field(default_factory=list)
    """The reasons of ``setup`` fallbacks that no injected fault explains: the run fails on them."""
    input_tokens: int
    output_tokens: int
    faults_injected: int
    digest: str
    """The trajectory's digest: equal digests, equal episodes."""


class RunSummary(BaseModel):
    """A run's results and their aggregates (the JSON that ``--out`` writes)."""

    model_config = ConfigDict(frozen=True)

    config: RunConfig
    results: list[EpisodeResult]
    success_rate: float
    mean_regret: float | None
    mean_steps: float
    legal_action_rate: float
    model_decision_rate: float
    """The share of decisions the model made (tool call, text or repair)."""
    fallback_rate: float
    fallbacks_by_class: dict[str, int]
    """Fallbacks by class (see ``DECISION_CLASSES``)."""
    fallback_reasons: dict[str, int]
    setup_failures: list[str]
    """``setup`` fallbacks that no injected fault explains (the CLI exits 2 on any)."""
    input_tokens: int
    output_tokens: int


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "model"


def cassette_path(directory: Path, agent: AgentKind, strategy: str, model: str) -> Path:
    """The cassette of one (agent, strategy, model) under ``directory``."""
    return directory / f"{agent}-{strategy}-{_slug(model)}.json"


def _reason_key(reason: str | None) -> str:
    if not reason:
        return "unknown"
    head = reason.split(":", 1)[0].split(";", 1)[0].strip()
    return head[:60] or "unknown"


DECISION_CLASSES: dict[str, str] = {
    "model_output": "the model answered; the answer was unusable",
    "model_call": "the model call failed after retries (timeouts, 429, 5xx, broken streams)",
    "setup": "the developer's side: no key, a replay mismatch, a rejected request, a bug",
    "setup_injected": "a setup-class failure that an injected fault stood in for (e.g. a 401)",
    "off_recording": "no recording for the request: an injected fault had changed the episode",
    "observation": "the observation offered no legal tool, so the model was not asked",
}
"""The classes a fallback is counted in, in run summaries and the fault matrix."""


def decision_classes(trajectory: Trajectory) -> list[str]:
    """Each step's class (see :meth:`Trajectory.decision_classes`)."""
    return trajectory.decision_classes()


def _result(episode: int, trajectory: Trajectory, faults: int) -> EpisodeResult:
    sources = Counter(step.decision.source for step in trajectory.steps)
    classes = decision_classes(trajectory)
    reasons = Counter(
        _reason_key(step.decision.reason)
        for step in trajectory.steps
        if step.decision.source == "fallback"
    )
    regret = trajectory.final_info.get("regret")
    return EpisodeResult(
        episode=episode,
        seed=trajectory.seed,
        task_id=trajectory.task_id,
        success=trajectory.success,
        reward=trajectory.total_reward,
        regret=float(regret) if isinstance(regret, int | float) else None,
        steps=len(trajectory.steps),
        legal_actions=sum(is_legal(step.observation, step.action) for step in trajectory.steps),
        sources=dict(sorted(sources.items())),
        model_decisions=classes.count("model"),
        fallback_classes=dict(sorted(Counter(c for c in classes if c != "model").items())),
        fallback_reasons=dict(sorted(reasons.items())),
        setup_failures=[
            f"step {step.index}: {step.decision.reason}"
            for step, cls in zip(trajectory.steps, classes, strict=True)
            if cls == "setup"
        ],
        input_tokens=sum(step.decision.input_tokens for step in trajectory.steps),
        output_tokens=sum(step.decision.output_tokens for step in trajectory.steps),
        faults_injected=faults,
        digest=trajectory.digest(),
    )


def summarise(config: RunConfig, results: list[EpisodeResult]) -> RunSummary:
    """Aggregate episode results."""
    results = sorted(results, key=lambda r: r.episode)
    count = max(1, len(results))
    steps = sum(r.steps for r in results)
    regrets = [r.regret for r in results if r.success and r.regret is not None]
    reasons: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    for result in results:
        reasons.update(result.fallback_reasons)
        classes.update(result.fallback_classes)
    return RunSummary(
        config=config,
        results=results,
        success_rate=sum(r.success for r in results) / count,
        mean_regret=sum(regrets) / len(regrets) if regrets else None,
        mean_steps=steps / count,
        legal_action_rate=sum(r.legal_actions for r in results) / max(1, steps),
        model_decision_rate=sum(r.model_decisions for r in results) / max(1, steps),
        fallback_rate=sum(r.sources.get("fallback", 0) for r in results) / max(1, steps),
        fallbacks_by_class=dict(classes.most_common()),
        fallback_reasons=dict(reasons.most_common()),
        setup_failures=[
            f"episode {r.episode}, {failure}" for r in results for failure in r.setup_failures
        ],
        input_tokens=sum(r.input_tokens for r in results),
        output_tokens=sum(r.output_tokens for r in results),
    )


@contextlib.contextmanager
def _task_source(config: RunConfig) -> Iterator[tuple[Path | None, list[str]]]:
    """The directory the env reads tasks from, and the ids to play in order.

    The env looks a task up as ``<directory>/<difficulty>.json``; a task-set file with another
    name is served from a temporary directory under that name.
    """
    source, difficulty = config.tasks, config.difficulty
    with tempfile.TemporaryDirectory(prefix="agentkit-tasks-") as scratch:
        if source is not None and source.is_file():
            try:
                declared = json.loads(source.read_text()).get("difficulty")
            except (json.JSONDecodeError, AttributeError) as exc:
                raise UsageError(f"task set {source} is not a JSON task set: {exc}") from None
            if declared not in ("easy", "medium", "hard"):
                raise UsageError(
                    f"task set {source} declares difficulty {declared!r}; expected easy, "
                    "medium or hard"
                )
            difficulty = declared
            if source.name != f"{difficulty}.json":
                shutil.copyfile(source, Path(scratch) / f"{difficulty}.json")
                source = Path(scratch)
            else:
                source = source.parent
        elif source is not None and not source.is_dir():
            raise UsageError(
                f"no task set at {source}: pass a task-set file or a directory of them"
            )
        tasks = load_tasks(difficulty, source)
        if not tasks:
            raise UsageError(f"the {difficulty} task set has no tasks")
        yield source, [task.id for task in tasks]


@contextlib.asynccontextmanager
async def _cassette(config: RunConfig) -> AsyncIterator[None]:
    if config.cassette_dir is None:
        yield
        return
    path = cassette_path(config.cassette_dir, config.agent, config.strategy, config.model)
    # Drift fails the run through the agents (a replay mismatch is a setup failure); under a
    # fault plan, requests after a fault changed the episode have no recording, and the
    # summary counts them as off_recording instead.
    async with use_cassette(
        path,
        mode=config.record_mode,
        allow_unplayed=True,
        allow_mismatches=config.faults is not None,
        record_command=config.command("rewrite"),
    ) as cassette:
        yield
    if path.exists():  # replay with nothing recorded writes no cassette: nothing to prune
        recorded = range(len(cassette.loaded), len(cassette.interactions))
        write_played(path, [*cassette.played_indices, *recorded], len(cassette.interactions))


def _calls_go_live(config: RunConfig) -> bool:
    if config.cassette_dir is None:
        return True
    mode = resolve_record_mode(config.record_mode)
    existing = cassette_path(config.cassette_dir, config.agent, config.strategy, config.model)
    return mode in (RecordMode.NEW_EPISODES, RecordMode.ALL) or (
        mode is RecordMode.ONCE and not existing.exists()
    )


async def run_episodes(
    config: RunConfig,
    *,
    on_result: Callable[[EpisodeResult], None] | None = None,
    keep_trajectories: list[Trajectory] | None = None,
) -> RunSummary:
    """Play ``config.episodes`` episodes and summarise them.

    ``on_result`` is called as each episode ends (for progress bars); ``keep_trajectories``,
    when given, receives every trajectory in episode order.
    """
    plan = load_plan(config.faults) if config.faults is not None else None
    if _calls_go_live(config):
        # Fail before the first episode: a missing key would otherwise turn every decision into
        # a fallback whose reason only the summary table shows.
        ModelAPI(ModelParams(name=config.model)).check_credentials()
    with _task_source(config) as (tasks_dir, task_ids):
        return await _run(config, plan, tasks_dir, task_ids, on_result, keep_trajectories)


async def _run(
    config: RunConfig,
    plan: FaultPlan | None,
    tasks_dir: Path | None,
    task_ids: list[str],
    on_result: Callable[[EpisodeResult], None] | None,
    keep_trajectories: list[Trajectory] | None,
) -> RunSummary:
    gate = asyncio.Semaphore(config.concurrency)
    trajectories: dict[int, Trajectory] = {}

    async def one(episode: int) -> EpisodeResult:
        async with gate:
            seed = config.seed + episode
            agent, log, client = _agent(config, plan)
            try:
                trajectory = await run_episode(
                    FlightBookingEnv(tasks_dir=tasks_dir),
                    agent,
                    seed=seed,
                    max_steps=config.max_steps,
                    options={"task_id": task_ids[seed % len(task_ids)]},
                    learn=False,
                )
            finally:
                # The agent's API closes the client it made; one we injected is ours to close.
                await agent.api.aclose()
                if client is not None:
                    await client.aclose()
            trajectories[episode] = trajectory
            result = _result(episode, trajectory, len(log))
            if on_result is not None:
                on_result(result)
            return result

    async with _cassette(config):
        results = await asyncio.gather(*(one(i) for i in range(config.episodes)))
    if keep_trajectories is not None:
        keep_trajectories.extend(trajectories[i] for i in sorted(trajectories))
    return summarise(config, list(results))


def _agent(
    config: RunConfig, plan: FaultPlan | None
) -> tuple[LLMAgent, list[Any], httpx2.AsyncClient | None]:
    # Each episode has its own breaker: episodes stay independent, so a run's results do not
    # depend on which episodes happened to overlap.
    params = ModelParams(
        name=config.model,
        infer_kwargs={"temperature": config.temperature, "max_tokens": config.max_tokens},
    )
    client: httpx2.AsyncClient | None = None
    if plan is None:
        api = ModelAPI(params)
        log: list[Any] = []
    else:
        # Faults run on a virtual clock: injected latency and retry waits never sleep.
        clock = VirtualClock()
        transport = FaultInjectingTransport(httpx2.AsyncHTTPTransport(), plan, clock=clock)
        client = httpx2.AsyncClient(transport=transport)
        api = ModelAPI(params, http_client=client, clock=clock, sleep=clock.sleep)
        log = transport.log
    # Under a fault plan a setup-class failure may be the plan's own doing (an injected 401, a
    # request the fault made unrecorded): the agent falls back and the summary sorts them out.
    agent = AGENT_KINDS[config.agent](
        strategy=config.strategy,
        api=api,
        fault_log=log,
        fallback_on_setup_errors=plan is not None,
    )
    return agent, log, client
