"""``run_episode``: an agent acts in an environment until the episode ends; a ``Trajectory`` results.

Observations, actions and the final info are redacted as steps are built (the rules cassettes
use, like the decision records): a tool that echoes a credential does not put it into a
trajectory that is dumped, snapshotted or logged.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol, SupportsFloat

from pydantic import BaseModel, ConfigDict, field_validator

from agentkit._redaction import default_redactor
from agentkit.agents._decision import MODEL_SOURCES, DecisionRecord

__all__ = ["Step", "Trajectory", "run_episode"]

TRAJECTORY_VERSION = 1


class Step(BaseModel):
    """One step: what the agent saw, how it decided, what it did, what it earned."""

    model_config = ConfigDict(frozen=True)

    index: int
    """0 for the first step."""
    observation: dict[str, Any]
    """The observation the agent acted on."""
    action: str
    """The action sent to the environment."""
    reward: float
    """The reward the step earned."""
    terminated: bool
    """Whether the episode ended by reaching a terminal state."""
    truncated: bool
    """Whether the episode was cut short (step or error limit)."""
    decision: DecisionRecord
    """How the action was chosen: the messages sent, the model's answers, the source, the cost."""

    @field_validator("observation", mode="after")
    @classmethod
    def _redact_observation(cls, observation: dict[str, Any]) -> dict[str, Any]:
        return _redacted(observation)

    @field_validator("action", mode="after")
    @classmethod
    def _redact_action(cls, action: str) -> str:
        return default_redactor().text(action)


class Trajectory(BaseModel):
    """A whole episode. Round-trips through JSON; ``digest()`` identifies it across runs."""

    model_config = ConfigDict(frozen=True)

    version: int = TRAJECTORY_VERSION
    """The format's version."""
    agent: str
    """The agent's class name."""
    strategy: str
    """The agent's strategy."""
    model: str
    """The model name the agent was configured with."""
    seed: int
    """The reset seed."""
    task_id: str | None
    """The task's id, when the observation names one."""
    steps: tuple[Step, ...]
    """Every step, in order."""
    final_observation: dict[str, Any]
    """The observation after the last step."""
    total_reward: float
    """The sum of the steps' rewards."""
    success: bool
    """Whether the episode terminated with a total reward of at least 1 (the env's reward for
    a task done: in the flight domain, a valid booking)."""
    final_info: dict[str, Any]
    """The environment's last ``info`` (regret, constraint checks, state hash...)."""

    @field_validator("final_observation", "final_info", mode="after")
    @classmethod
    def _redact_final(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _redacted(value)

    def tools_used(self) -> list[str]:
        """The tool of every step whose action did not fail, in order (what skills learn from)."""
        names = []
        following = [step.observation for step in self.steps[1:]] + [self.final_observation]
        for step, after in zip(self.steps, following, strict=True):
            if not after.get("error"):
                names.append(
                    json.loads(step.action)["name"] if step.action.startswith("{") else step.action
                )
        return names

    def decision_classes(self) -> list[str]:
        """Each step's class: ``model`` when the model decided, else its fallback class.

        A ``setup`` fallback is ``off_recording`` when it is a replay mismatch after a fault
        changed the episode (in this decision or earlier), and ``setup_injected`` when the
        decision had an injected fault that stood in for the failure (an injected 401).
        """
        classes = []
        fault_fired = False
        for step in self.steps:
            decision = step.decision
            injected_here = any(fault.get("applied", True) for fault in decision.faults)
            if decision.source in MODEL_SOURCES:
                classes.append("model")
            elif decision.fallback_class != "setup":
                classes.append(decision.fallback_class or "model_output")
            elif (fault_fired or injected_here) and decision.error_type == "ReplayMismatchError":
                classes.append("off_recording")
            elif injected_here:
                classes.append("setup_injected")
            else:
                classes.append("setup")
            fault_fired = fault_fired or injected_here
        return classes

    def fallback_rate(self) -> float:
        """The share of steps whose action came from the rule-based fallback."""
        if not self.steps:
            return 0.0
        return sum(step.decision.source == "fallback" for step in self.steps) / len(self.steps)

    def digest(self) -> str:
        """sha256 of the trajectory's canonical JSON, volatile values (latency) left out."""
        data = self.model_dump(mode="json")
        for step in data["steps"]:
            step["decision"].pop("latency_ms", None)
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


class _Env(Protocol):
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]: ...

    def step(self, action: str) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]: ...


class _Agent(Protocol):
    last_decision: DecisionRecord | None

    def reset(self, seed: int = 0) -> None: ...

    async def select_action(self, observation: Any) -> str: ...


async def run_episode(
    env: _Env,
    agent: _Agent,
    *,
    seed: int = 0,
    max_steps: int | None = None,
    options: dict[str, Any] | None = None,
    learn: bool = True,
) -> Trajectory:
    """Reset ``env`` with ``seed`` and let ``agent`` act until the episode ends.

    ``env`` is any Gymnasium-style env whose actions are strings and whose observations are
    JSON-able dicts; the trajectory's ``task_id`` is the first observation's ``task.id`` when
    it has one.

    ``max_steps`` stops early (the env has its own limit too). With ``learn``, an agent that has
    a skill library learns from the trajectory: a success adds its tool sequence.
    """
    observation, info = env.reset(seed=seed, options=options)
    agent.reset(seed)
    steps: list[Step] = []
    total = 0.0
    terminated = truncated = False
    while not (terminated or truncated) and (max_steps is None or len(steps) < max_steps):
        action = await agent.select_action(observation)
        decision = agent.last_decision
        assert decision is not None, "select_action must set last_decision"
        next_observation, reward, terminated, truncated, info = env.step(action)
        steps.append(
            Step(
                index=len(steps),
                observation=observation,
                action=action,
                reward=float(reward),
                terminated=terminated,
                truncated=truncated,
                decision=decision,
            )
        )
        total += float(reward)
        observation = next_observation
    task = steps[0].observation.get("task") if steps else None
    trajectory = Trajectory(
        agent=type(agent).__name__,
        strategy=str(getattr(getattr(agent, "strategy", None), "name", "")),
        model=str(getattr(agent, "model", "")),
        seed=seed,
        task_id=task.get("id") if isinstance(task, dict) else None,
        steps=tuple(steps),
        final_observation=observation,
        total_reward=total,
        success=terminated and total >= 1.0,
        final_info=_jsonable(info),
    )
    skills = getattr(agent, "skills", None)
    if learn and skills is not None:
        skills.learn(trajectory.tools_used(), success=trajectory.success)
    return trajectory


def _redacted(value: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = default_redactor().value(value)
    return clean


def _jsonable(info: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(info, default=repr))
    return loaded
