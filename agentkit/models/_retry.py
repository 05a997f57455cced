"""The one retry loop of a model call, and the circuit breaker in front of it.

The SDK clients are built with ``max_retries=0``: retries stack multiplicatively otherwise
(docs/faults.md, "Policy"). Time and randomness are injected so that tests never sleep and every
backoff is reproducible.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["BreakerState", "CircuitBreaker", "Clock", "RetryPolicy", "Sleep", "Timing"]

Clock = Callable[[], float]
"""Monotonic seconds."""
Sleep = Callable[[float], Awaitable[None]]
"""Waits the given seconds."""

BreakerState = Literal["closed", "open", "half_open"]


class RetryPolicy(BaseModel):
    """How a model call is retried. The defaults are docs/faults.md's policy."""

    model_config = ConfigDict(frozen=True)

    max_attempts: int = Field(default=3, ge=1)
    """Tries per call, the first one included."""
    base_delay_s: float = Field(default=0.5, ge=0)
    """Backoff before retry n is ``uniform(0, min(max_delay_s, base_delay_s * 2**n))``."""
    max_delay_s: float = Field(default=8.0, ge=0)
    """The cap of the backoff window."""
    deadline_s: float = Field(default=120.0, gt=0)
    """The whole call, waits included, must end within this many seconds of its start."""
    breaker_threshold: int = Field(default=5, ge=1)
    """Consecutive failed attempts that open the circuit breaker."""
    breaker_cooldown_s: float = Field(default=60.0, ge=0)
    """How long the breaker stays open before it lets one trial call through."""

    def backoff_window(self, retry_number: int) -> float:
        """The upper bound of the full-jitter backoff before retry ``retry_number`` (0-based)."""
        return min(self.max_delay_s, self.base_delay_s * 2.0**retry_number)


async def _asyncio_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


@dataclass
class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; half-opens after ``cooldown_s``.

    While open, calls fail fast. Half-open lets one trial call through: success closes the
    breaker, failure opens it again for another cooldown. Share one breaker between the
    ``ModelAPI`` instances that talk to the same endpoint.
    """

    threshold: int = 5
    cooldown_s: float = 60.0
    clock: Clock = time.monotonic
    _failures: int = field(default=0, init=False)
    _opened_at: float | None = field(default=None, init=False)
    _trial_in_flight: bool = field(default=False, init=False)

    @classmethod
    def from_policy(cls, policy: RetryPolicy, clock: Clock = time.monotonic) -> CircuitBreaker:
        return cls(
            threshold=policy.breaker_threshold, cooldown_s=policy.breaker_cooldown_s, clock=clock
        )

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self.clock() - self._opened_at >= self.cooldown_s:
            return "half_open"
        return "open"

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def seconds_until_half_open(self) -> float:
        if self._opened_at is None:
            return 0.0
        return max(0.0, self.cooldown_s - (self.clock() - self._opened_at))

    def allow(self) -> bool:
        """Whether a call may go out now (in half-open state, only one trial at a time)."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False

    def record_failure(self, *, trip: bool = False) -> None:
        """Count a failed attempt; ``trip`` opens the breaker at once (e.g. quota exhausted)."""
        self._failures += 1
        was_trial = self._trial_in_flight
        self._trial_in_flight = False
        if trip or was_trial or self._failures >= self.threshold:
            self._opened_at = self.clock()


@dataclass(frozen=True)
class Timing:
    """The injected clocks, sleep and random source of a retry loop."""

    clock: Clock = time.monotonic
    wall: Clock = time.time
    """Epoch seconds, only to read HTTP-date ``Retry-After`` headers."""
    sleep: Sleep = _asyncio_sleep
    rng: random.Random = field(default_factory=random.Random)
