"""Memory of the last rounds: what the agent did and what came of it, shown in the prompt."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

__all__ = ["Memory", "Round"]


class Round(BaseModel):
    """One past step, as the prompt recalls it."""

    model_config = ConfigDict(frozen=True)

    step: int
    """The step number of the observation the action answered."""
    action: str
    """The action taken."""
    outcome: str
    """What happened: the error, or the env's message and the new state."""


def _outcome(observation: object) -> str:
    if not isinstance(observation, Mapping):
        return "unreadable observation"
    error = observation.get("error")
    if error:
        return f"error: {str(error)[:300]}"
    message = str(observation.get("message") or "ok")[:300]
    return f"{message} (state now {observation.get('state')})"


class Memory:
    """The last ``window`` rounds, oldest first.

    >>> memory = Memory(window=2)
    >>> memory.record(0, "lookup_order", {"state": "order_found", "message": "order A17"})
    >>> memory.render()
    '- step 0: lookup_order -> order A17 (state now order_found)'
    """

    def __init__(self, window: int = 5) -> None:
        if window < 0:
            raise ValueError(f"memory window must be >= 0, got {window}")
        self.window = window
        self._rounds: deque[Round] = deque(maxlen=window or None)

    @property
    def rounds(self) -> tuple[Round, ...]:
        return tuple(self._rounds) if self.window else ()

    def record(self, step: int, action: str, next_observation: object) -> None:
        """Remember that ``action`` at ``step`` led to ``next_observation``."""
        if self.window:
            self._rounds.append(Round(step=step, action=action, outcome=_outcome(next_observation)))

    def clear(self) -> None:
        self._rounds.clear()

    def render(self) -> str:
        return "\n".join(f"- step {r.step}: {r.action} -> {r.outcome}" for r in self.rounds)
