"""The fault matrix: recorded episodes replayed under every fault kind, for every agent and
strategy. Legal-action rate must be 100%; beside it each cell says how many faults really fired,
how much of the acting the model still did, and why the rest fell back.

A cell whose fault never fired measures nothing, and says so (with the fault layer's own reason,
e.g. a stream fault over an answer that was not streamed) instead of scoring 100%.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import httpx2
from pydantic import BaseModel, ConfigDict, Field

from agentkit._record import (
    RecordingProfile,
    play_recorded_episode,
    recorded_cassette,
    replay_agent,
)
from agentkit._run import decision_classes
from agentkit.faults import (
    CATALOGUE,
    Fault,
    FaultInjectingTransport,
    FaultKind,
    FaultPlan,
    FaultRule,
    VirtualClock,
    When,
)
from agentkit.flight import is_legal
from agentkit.replay import use_cassette

__all__ = ["MATRIX_AGENTS", "SCHEDULES", "MatrixCell", "fault_matrix", "wants_stream"]

MATRIX_AGENTS = ("FlightBookingOpenAIAgent", "ToolEnabledFlightBookingAgent")
SCHEDULES: dict[str, When] = {
    "first-call": When(calls=(1,)),
    "every-2nd": When(every=2),
    "every-call": When(every=1),
}
"""When the fault fires in an episode; each schedule is one episode per cell."""


def wants_stream(kind: FaultKind | None) -> bool:
    """Whether ``kind`` acts only on streamed answers (its cells replay streamed recordings)."""
    return kind is not None and CATALOGUE[kind].layer == "stream"


class MatrixCell(BaseModel):
    """One (agent, strategy, fault kind) cell."""

    model_config = ConfigDict(frozen=True)

    agent: str
    strategy: str
    kind: str
    """The fault kind, or ``none`` for the baseline."""
    streamed: bool = False
    """Whether the cell replayed streamed recordings."""
    episodes: int
    steps: int
    legal_actions: int
    successes: int
    model_decisions: int
    """Decisions the model made (tool call, text or repair)."""
    fallbacks: int
    fallbacks_by_class: dict[str, int] = Field(default_factory=dict)
    """Fallbacks by class, as ``agentkit run`` counts them (``off_recording``: the fault had
    changed the episode, so later requests were never recorded)."""
    faults_injected: int
    """Faults that really acted on a request or an answer."""
    not_fired: list[str] = Field(default_factory=list)
    """Why a scheduled fault did not act, one entry per distinct reason."""

    @property
    def fired(self) -> bool:
        return self.kind == "none" or self.faults_injected > 0

    @property
    def legal_rate(self) -> float:
        return self.legal_actions / max(1, self.steps)

    @property
    def success_rate(self) -> float:
        return self.successes / max(1, self.episodes)

    @property
    def fallback_rate(self) -> float:
        return self.fallbacks / max(1, self.steps)

    @property
    def model_rate(self) -> float:
        return self.model_decisions / max(1, self.steps)


async def _cell(
    directory: Path,
    agent_class: str,
    strategy: str,
    kind: FaultKind | None,
    schedules: Iterable[str],
    stream: bool,
) -> MatrixCell:
    profile = RecordingProfile(stream=stream)
    path = recorded_cassette(directory, agent_class, strategy, stream=stream)
    episodes = steps = legal = successes = model = fallbacks = injected = 0
    classes: Counter[str] = Counter()
    not_fired: dict[str, None] = {}
    for schedule in schedules:
        rules = (
            () if kind is None else (FaultRule(fault=Fault(kind=kind), when=SCHEDULES[schedule]),)
        )
        clock = VirtualClock()
        transport = FaultInjectingTransport(
            httpx2.AsyncHTTPTransport(), FaultPlan(rules=rules), clock=clock
        )
        # The baseline must replay exactly: a mismatch there fails the matrix. Under a fault,
        # later requests may never have been recorded: the agent falls back on them, and they
        # are counted as off_recording.
        async with (
            use_cassette(path, mode="none", allow_unplayed=True, allow_mismatches=kind is not None),
            httpx2.AsyncClient(transport=transport) as client,
        ):
            agent = replay_agent(
                profile,
                agent_class,
                strategy,
                http_client=client,
                clock=clock,  # retries wait on the fault clock: a matrix run never sleeps
                sleep=clock.sleep,
                fault_log=transport.log,
                fallback_on_setup_errors=kind is not None,
            )
            trajectory = await play_recorded_episode(agent, profile)
        per_step = decision_classes(trajectory)
        episodes += 1
        steps += len(trajectory.steps)
        legal += sum(is_legal(step.observation, step.action) for step in trajectory.steps)
        successes += trajectory.success
        model += per_step.count("model")
        fallbacks += sum(step.decision.source == "fallback" for step in trajectory.steps)
        classes.update(c for c in per_step if c != "model")
        injected += sum(entry.applied for entry in transport.log)
        not_fired.update(dict.fromkeys(e.note for e in transport.log if not e.applied))
        if kind is not None and not transport.log:
            not_fired[f"the {schedule} schedule selected none of the episode's requests"] = None
    return MatrixCell(
        agent=agent_class, strategy=strategy, kind=kind.value if kind else "none",
        streamed=stream, episodes=episodes, steps=steps, legal_actions=legal,
        successes=successes, model_decisions=model, fallbacks=fallbacks,
        fallbacks_by_class=dict(classes.most_common()), faults_injected=injected,
        not_fired=list(not_fired) if injected == 0 else [],
    )  # fmt: skip


def _missing_stream_cell(agent_class: str, strategy: str, kind: FaultKind) -> MatrixCell:
    return MatrixCell(
        agent=agent_class, strategy=strategy, kind=kind.value, streamed=True, episodes=0,
        steps=0, legal_actions=0, successes=0, model_decisions=0, fallbacks=0,
        faults_injected=0,
        not_fired=[
            "a stream fault needs streamed recordings, and there are none for this agent and "
            "strategy (agentkit record --stream)"
        ],
    )  # fmt: skip


async def fault_matrix(
    directory: Path,
    *,
    agents: Iterable[str] = MATRIX_AGENTS,
    strategies: Iterable[str] = ("aggressive", "balanced", "conservative"),
    kinds: Iterable[FaultKind | None] = tuple(FaultKind),
    schedules: Iterable[str] = tuple(SCHEDULES),
    on_cell: Callable[[MatrixCell], None] | None = None,
) -> list[MatrixCell]:
    """Every (agent, strategy, kind) cell, replaying ``directory``'s recorded cassettes.

    A kind of None is the baseline: the recorded episodes replayed with no fault. Stream-only
    kinds replay the streamed recordings (``*-stream.json``) where there are some.
    """
    cells = []
    schedules = tuple(schedules)
    for agent_class in agents:
        for strategy in strategies:
            for kind in kinds:
                stream = wants_stream(kind)
                if (
                    stream
                    and not recorded_cassette(
                        directory, agent_class, strategy, stream=True
                    ).exists()
                ):
                    assert kind is not None
                    cell = _missing_stream_cell(agent_class, strategy, kind)
                else:
                    cell = await _cell(directory, agent_class, strategy, kind, schedules, stream)
                cells.append(cell)
                if on_cell is not None:
                    on_cell(cell)
    return cells
