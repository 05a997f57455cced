"""The record of one decision: where the action came from, why, and what it cost.

Records are redacted as they are built (``agentkit._redaction``, the rules cassettes use): a key
the provider echoed, or a credential in the model's answer, never reaches ``last_decision``, a
trajectory file or a snapshot. The agent sends its own messages, never these copies, so what is
sent is unchanged; and a recording and its replay give the same records (the cassette holds the
redacted answer, which redacts to itself).
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agentkit._redaction import default_redactor
from agentkit.models import ChatResponse, Message

__all__ = ["MODEL_SOURCES", "DecisionRecord", "DecisionSource", "Exchange", "FallbackClass"]

DecisionSource = Literal["model_text", "tool_call", "repair", "fallback"]
"""model_text: parsed from the answer's text; tool_call: the answer's tool call; repair: the
answer to a re-ask that fed the error back; fallback: the strategy's rule-based policy."""

MODEL_SOURCES: frozenset[DecisionSource] = frozenset({"model_text", "tool_call", "repair"})
"""The sources that mean the model made the decision."""

FallbackClass = Literal["model_output", "model_call", "setup", "observation"]
"""Why a fallback happened.

- ``model_output``: the model answered, and the answer was unusable (malformed or illegal tool
  calls, unreadable text, a refusal, an empty or cut-off answer).
- ``model_call``: the call failed after the retry loop (timeouts, 429, 5xx, broken streams, an
  open circuit breaker, the decision deadline).
- ``setup``: the developer's side is wrong (no key or another ``UsageError``, a replay mismatch
  or missing cassette, the network guard, a request the server rejects as malformed, a bug).
  Agents raise these unless built with ``fallback_on_setup_errors=True``.
- ``observation``: the observation offered no legal tool or could not be read, so the model
  was not asked.
"""


_Model = TypeVar("_Model", bound=BaseModel)


def redacted_model(model: _Model) -> _Model:
    """``model`` itself when it holds no credential, else a redacted copy."""
    data = model.model_dump(mode="json")
    clean = default_redactor().value(data)
    return model if clean is data else type(model).model_validate(clean)


def redacted_text(text: str | None) -> str | None:
    """``text`` with credentials replaced (None stays None)."""
    return None if text is None else default_redactor().text(text)


class Exchange(BaseModel):
    """One model call of a decision: what was sent and what came back."""

    model_config = ConfigDict(frozen=True)

    messages: tuple[Message, ...]
    """The conversation sent."""
    response: ChatResponse | None = None
    """The model's answer; None when the call failed."""
    error: str | None = None
    """Why the call failed or its answer was unusable; None when it gave the action."""

    @field_validator("messages", mode="after")
    @classmethod
    def _redact_messages(cls, messages: tuple[Message, ...]) -> tuple[Message, ...]:
        return tuple(redacted_model(message) for message in messages)

    @field_validator("response", mode="after")
    @classmethod
    def _redact_response(cls, response: ChatResponse | None) -> ChatResponse | None:
        return None if response is None else redacted_model(response)

    @field_validator("error", mode="after")
    @classmethod
    def _redact_error(cls, error: str | None) -> str | None:
        return redacted_text(error)


class DecisionRecord(BaseModel):
    """Why ``select_action`` returned what it did. Stored per step in the ``Trajectory``."""

    model_config = ConfigDict(frozen=True)

    action: str
    """The action returned (always legal in the observation's state)."""
    source: DecisionSource
    """Where the action came from."""
    reason: str | None = None
    """Why the fallback was taken (or the repair needed); None when the model's first answer served."""

    @field_validator("reason", mode="after")
    @classmethod
    def _redact_reason(cls, reason: str | None) -> str | None:
        return redacted_text(reason)

    fallback_class: FallbackClass | None = None
    """For a fallback: which class of failure caused it; None when the model decided."""
    error_type: str | None = None
    """For a fallback caused by an exception: its class name (e.g. ``ReplayMismatchError``)."""
    model_calls: int = 0
    """Chat calls made (the first ask and any repair re-ask)."""
    attempts: int = 0
    """HTTP attempts over all calls, retries included."""
    input_tokens: int = 0
    """Prompt tokens over all calls."""
    output_tokens: int = 0
    """Generated tokens over all calls."""
    latency_ms: float = 0.0
    """Wall time of the decision. Volatile: excluded from trajectory digests."""
    exchanges: tuple[Exchange, ...] = ()
    """Every model call of the decision, in order."""
    faults: tuple[dict[str, Any], ...] = Field(default=())
    """Faults injected into this decision's calls, from the fault log the agent was given."""
