"""``FaultPlan``: which fault, at which call. JSON on disk, deterministic under its seed.

>>> plan = FaultPlan(rules=[FaultRule(fault=Fault(kind="read_timeout"), when=When(calls=[2]))])
>>> plan.model_dump_json()  # doctest: +SKIP
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agentkit._errors import UsageError, describe_validation_error
from agentkit.faults._catalog import FaultKind

__all__ = ["PLAN_VERSION", "Fault", "FaultPlan", "FaultRule", "When", "load_plan"]

PLAN_VERSION = 1


class Fault(BaseModel):
    """One fault and its parameters (each kind reads the ones it needs; the rest are ignored)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    kind: FaultKind
    """Which fault (see ``CATALOGUE``)."""
    status: int | None = Field(default=None, ge=400, le=599)
    """For ``server_error`` / ``client_error``: the status (default 503 / 401)."""
    retry_after_s: float | None = Field(default=None, ge=0)
    """For ``rate_limited`` (or any status fault): sent as ``retry-after`` (seconds)."""
    retry_after_ms: int | None = Field(default=None, ge=0)
    """For ``rate_limited`` (or any status fault): sent as ``retry-after-ms``."""
    after_events: int = Field(default=2, ge=0)
    """For ``stream_disconnect``, ``stream_truncated`` and ``stream_error_event``: how many
    events pass before the fault."""
    variant: str | None = None
    """For ``non_object_arguments`` (list / empty / object_not_string) and ``bad_argument``
    (drop_required / wrong_type)."""
    latency_s: float = Field(default=1.0, ge=0)
    """For ``latency``: the delay, on the injected clock."""
    jitter_s: float = Field(default=0.0, ge=0)
    """For ``latency``: an extra uniform(0, jitter_s) delay, drawn from the plan's seed."""
    limit_bytes: int = Field(default=64, ge=0)
    """For ``limit_data``: bytes delivered before the body is cut."""
    slice_bytes: int = Field(default=7, ge=1)
    """For ``slicer``: the largest slice of the re-chunked body."""


class When(BaseModel):
    """When a rule fires, counting the requests that pass its filters (1 = the first).

    Conditions combine with *or*; filters (``endpoint``, ``model``) narrow what is counted.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    calls: tuple[int, ...] = ()
    """Fire at these call numbers."""
    every: int | None = Field(default=None, ge=1)
    """Fire at every n-th call."""
    probability: float | None = Field(default=None, ge=0, le=1)
    """Fire with this probability, drawn from the plan's seed and the call number."""
    first: int | None = Field(default=None, ge=0)
    """Fire on the first n calls: "fail n times, then succeed"."""
    endpoint: str | None = None
    """Only count requests whose path ends with this (e.g. ``/chat/completions``)."""
    model: str | None = None
    """Only count requests whose JSON body names this model."""

    @model_validator(mode="after")
    def _some_condition(self) -> Self:
        if (
            not self.calls
            and self.every is None
            and self.probability is None
            and self.first is None
        ):
            raise ValueError("a When needs calls, every, probability or first: it would never fire")
        if any(call < 1 for call in self.calls):
            raise ValueError(f"call numbers start at 1, got {list(self.calls)}")
        return self

    def selects(self, path: str, body: Any) -> bool:
        """Whether a request passes the filters (and so is counted)."""
        if self.endpoint is not None and not path.endswith(self.endpoint):
            return False
        if self.model is not None:
            return isinstance(body, dict) and body.get("model") == self.model
        return True

    def fires(self, number: int, rng: random.Random) -> bool:
        """Whether the rule fires at its ``number``-th counted call."""
        if number in self.calls:
            return True
        if self.every is not None and number % self.every == 0:
            return True
        if self.first is not None and number <= self.first:
            return True
        return self.probability is not None and rng.random() < self.probability


class FaultRule(BaseModel):
    """A fault and when it fires."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    fault: Fault
    """What to inject."""
    when: When
    """When to inject it."""


class FaultPlan(BaseModel):
    """Rules checked in order for each request; the first that fires injects its fault.

    Same plan, same seed, same requests: same faults, in any process.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    version: int = PLAN_VERSION
    """The file format's version."""
    seed: int = 0
    """Seeds probabilities and jitter."""
    name: str = ""
    """A label for reports."""
    rules: tuple[FaultRule, ...] = ()
    """The rules, first match wins."""

    @model_validator(mode="after")
    def _known_version(self) -> Self:
        if self.version != PLAN_VERSION:
            raise ValueError(
                f"fault plan version {self.version} is not supported (this agentkit reads "
                f"version {PLAN_VERSION}); rewrite the plan in the current format"
            )
        return self

    @classmethod
    def single(cls, fault: Fault | FaultKind | str, *, seed: int = 0, **when: Any) -> FaultPlan:
        """A one-rule plan: ``FaultPlan.single("read_timeout", calls=[2])``."""
        if not isinstance(fault, Fault):
            fault = Fault(kind=FaultKind(fault))
        return cls(seed=seed, rules=(FaultRule(fault=fault, when=When(**when)),))

    def rng_for(self, rule_index: int, number: int) -> random.Random:
        """The random source of one rule at one call: independent of every other draw."""
        return random.Random(f"{self.seed}:{rule_index}:{number}")

    def save(self, path: str | Path) -> None:
        """Write the plan as JSON (atomically: a temporary file, then a rename)."""
        target = Path(path)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_text(self.model_dump_json(indent=2, exclude_defaults=True) + "\n")
        temporary.replace(target)


def load_plan(path: str | Path) -> FaultPlan:
    """Read a plan file; a bad file raises ``UsageError`` naming the file and the problem."""
    source = Path(path)
    try:
        data = json.loads(source.read_text())
    except FileNotFoundError:
        raise UsageError(f"fault plan {source} does not exist") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"fault plan {source} is not valid JSON: {exc}") from None
    try:
        return FaultPlan.model_validate(data)
    except ValidationError as exc:
        raise UsageError(
            f"fault plan {source} is not a valid plan:\n{describe_validation_error(exc)}"
        ) from None
