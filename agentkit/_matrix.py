"""The fault matrix: recorded episodes replayed under every fault kind, for every agent and
strategy. Legal-action rate must be 100%; success and fallback rates show how agents cope."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import httpx2
from pydantic import BaseModel, ConfigDict

from agentkit._record import (
    RecordingProfile,
    play_recorded_episode,
    recorded_cassette,
    replay_agent,
)
from agentkit.agents import is_legal
from agentkit.faults import (
    Fault,
    FaultInjectingTransport,
    FaultKind,
    FaultPlan,
    FaultRule,
    VirtualClock,
    When,
)
from agentkit.replay import use_cassette

__all__ = ["MATRIX_AGENTS", "SCHEDULES", "MatrixCell", "fault_matrix"]

MATRIX_AGENTS = ("FlightBookingOpenAIAgent", "ToolEnabledFlightBookingAgent")
SCHEDULES: dict[str, When] = {
    "first-call": When(calls=(1,)),
    "every-2nd": When(every=2),
    "every-call": When(every=1),
}
"""When the fault fires in an episode; each schedule is one episode per cell."""


class MatrixCell(BaseModel):
    """One (agent, strategy, fault kind) cell."""

    model_config = ConfigDict(frozen=True)

    agent: str
    strategy: str
    kind: str
    episodes: int
    steps: int
    legal_actions: int
    successes: int
    fallbacks: int
    faults_injected: int

    @property
    def legal_rate(self) -> float:
        return self.legal_actions / max(1, self.steps)

    @property
    def success_rate(self) -> float:
        return self.successes / max(1, self.episodes)

    @property
    def fallback_rate(self) -> float:
        return self.fallbacks / max(1, self.steps)


async def _cell(
    directory: Path,
    agent_class: str,
    strategy: str,
    kind: FaultKind | None,
    schedules: Iterable[str],
) -> MatrixCell:
    profile = RecordingProfile()
    path = recorded_cassette(directory, agent_class, strategy)
    episodes = steps = legal = successes = fallbacks = injected = 0
    for schedule in schedules:
        rules = (
            () if kind is None else (FaultRule(fault=Fault(kind=kind), when=SCHEDULES[schedule]),)
        )
        plan = FaultPlan(rules=rules)
        clock = VirtualClock()
        transport = FaultInjectingTransport(httpx2.AsyncHTTPTransport(), plan, clock=clock)
        # Once a fault changes the episode, later requests were never recorded: the agent must
        # cope (it falls back), so mismatches are expected here, not failures.
        async with (
            use_cassette(path, mode="none", allow_unplayed=True, allow_mismatches=True),
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
            )
            trajectory = await play_recorded_episode(agent, profile)
        episodes += 1
        steps += len(trajectory.steps)
        legal += sum(is_legal(step.observation, step.action) for step in trajectory.steps)
        successes += trajectory.success
        fallbacks += sum(step.decision.source == "fallback" for step in trajectory.steps)
        injected += sum(entry.applied for entry in transport.log)
    return MatrixCell(
        agent=agent_class, strategy=strategy, kind=kind.value if kind else "none", episodes=episodes, steps=steps,
        legal_actions=legal, successes=successes, fallbacks=fallbacks, faults_injected=injected,
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

    A kind of None is the baseline: the recorded episodes replayed with no fault.
    """
    cells = []
    schedules = tuple(schedules)
    for agent_class in agents:
        for strategy in strategies:
            for kind in kinds:
                cell = await _cell(directory, agent_class, strategy, kind, schedules)
                cells.append(cell)
                if on_cell is not None:
                    on_cell(cell)
    return cells
