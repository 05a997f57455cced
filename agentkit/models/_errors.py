"""Errors of a model call, each carrying the history of its attempts.

Messages are redacted (``agentkit._redaction``, the rules cassettes use): a provider that echoes
the key in a 401 does not put it into the error text, the attempts or a log line.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from agentkit._errors import AgentKitError
from agentkit._redaction import default_redactor

__all__ = [
    "Attempt",
    "CircuitOpenError",
    "FailureKind",
    "MalformedResponseError",
    "ModelCallError",
    "ModelConnectionError",
    "ModelTimeoutError",
    "ProviderStatusError",
    "RateLimitedError",
    "SDKErrorCause",
]

FailureKind = Literal[
    "timeout", "connection", "rate_limited", "quota", "status", "malformed", "circuit_open"
]
"""The class of a failed attempt (see docs/faults.md for how each one is handled)."""


class Attempt(BaseModel):
    """One try of a model call that failed."""

    model_config = ConfigDict(frozen=True)

    number: int
    """1 for the first try."""
    kind: FailureKind
    """What class of failure it was."""
    error: str
    """The exception's type and message, as raised by the SDK or by validation."""
    status_code: int | None = None
    """The HTTP status, when there was a response."""
    retryable: bool
    """Whether the policy allows another try after this kind of failure."""
    elapsed_s: float
    """Seconds from the start of the call to the end of this attempt (injected clock)."""
    retry_after_s: float | None = None
    """The delay the server asked for (``retry-after-ms`` / ``retry-after``), if any."""
    waited_s: float | None = None
    """How long the loop waited before the next attempt; None when there was none."""

    @field_validator("error", mode="after")
    @classmethod
    def _redact_error(cls, error: str) -> str:
        return default_redactor().text(error)


class ModelCallError(AgentKitError):
    """A model call failed, after as many attempts as the retry policy allowed.

    ``attempts`` holds every failed try in order; ``status_code`` and ``code`` (the provider's
    error code, e.g. ``context_length_exceeded``) describe the last one; ``str(error)`` says what
    happened and what to do.
    """

    kind: FailureKind = "connection"
    hint = "check the endpoint and try again."

    def __init__(
        self,
        summary: str,
        *,
        model: str,
        attempts: tuple[Attempt, ...] = (),
        status_code: int | None = None,
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.summary = default_redactor().text(summary)
        self.model = model
        self.attempts = attempts
        self.status_code = status_code
        self.code = code
        if hint is not None:
            self.hint = hint
        super().__init__(self._render())

    @property
    def retryable(self) -> bool:
        """Whether the last failure was of a kind worth retrying later."""
        return bool(self.attempts) and self.attempts[-1].retryable

    def _render(self) -> str:
        count = len(self.attempts)
        lines = [
            f"model call to {self.model!r} failed after {count} attempt{'s' * (count != 1)}: "
            f"{self.summary}"
        ]
        for attempt in self.attempts:
            status = f" HTTP {attempt.status_code}" if attempt.status_code is not None else ""
            waited = f", waited {attempt.waited_s:.2f}s" if attempt.waited_s is not None else ""
            lines.append(f"  #{attempt.number} {attempt.kind}{status}: {attempt.error}{waited}")
        lines.append(f"What to do: {self.hint}")
        return "\n".join(lines)


class ModelTimeoutError(ModelCallError):
    """The provider did not answer within the attempt's timeout or the call's deadline."""

    kind = "timeout"
    hint = "the provider is slow or unreachable; raise RetryPolicy.deadline_s or try later."


class ModelConnectionError(ModelCallError):
    """The connection failed or broke (refused, reset, dropped mid-stream)."""

    kind = "connection"
    hint = "check that the API base URL is right and the endpoint is up."


class RateLimitedError(ModelCallError):
    """HTTP 429: too many requests, or the account's quota is exhausted."""

    kind = "rate_limited"
    hint = (
        "slow down or wait for the rate limit to reset; for insufficient_quota, add credit "
        "to the account (retrying does not help)."
    )


class ProviderStatusError(ModelCallError):
    """The provider answered with an error status (4xx other than 429, or 5xx)."""

    kind = "status"
    hint = "see the status: 400/422 mean the request is wrong, 401/403 the key, 5xx the provider."


class MalformedResponseError(ModelCallError):
    """The provider answered, but not with a well-formed chat completion."""

    kind = "malformed"
    hint = (
        "the endpoint returned something that is not a chat completion (a gateway page, "
        "truncated JSON, a cut stream); check the base URL or try again."
    )


class CircuitOpenError(ModelCallError):
    """Recent calls failed in a row, so the circuit breaker refuses calls until its cooldown ends."""

    kind = "circuit_open"
    hint = "the provider has been failing; calls resume after the breaker's cooldown."


class SDKErrorCause(Exception):
    """The ``__cause__`` of a :class:`ModelCallError`: the SDK exception's class and message,
    redacted, with its traceback.

    The raw SDK exception is not chained because its text can echo a credential (a 401 that
    quotes the key, a URL with a password), and a traceback printed by pytest or a logger
    would then carry it.
    """

    def __init__(self, original: BaseException) -> None:
        self.sdk_class = f"{type(original).__module__}.{type(original).__qualname__}"
        """The SDK exception's class, e.g. ``'openai.AuthenticationError'``."""
        super().__init__(f"{self.sdk_class}: {default_redactor().text(str(original))}")
        self.__traceback__ = original.__traceback__
