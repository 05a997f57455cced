"""Decision records, model-call errors and snapshots are redacted as they are built, and the
messages an agent sends are not."""

from __future__ import annotations

from typing import Any

from agentkit.agents import DecisionRecord, Exchange, Trajectory, run_episode
from agentkit.models import ChatResponse, Message, ProviderStatusError
from agentkit.models._errors import Attempt
from agentkit.testing import mask_volatile

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THs"
GITHUB = "ghp" + "_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3s1"  # assembled: no key-shaped literal


def test_an_error_echoing_the_key_does_not_carry_it() -> None:
    """A 401 whose message echoes a configured key loses it in the text and the attempts."""
    error = ProviderStatusError(
        f"HTTP 401 Incorrect API key provided: {GITHUB}",
        model="gpt-4",
        attempts=(
            Attempt(number=1, kind="status", error=f"key {GITHUB}", retryable=False, elapsed_s=0),
        ),
        status_code=401,
    )
    assert GITHUB not in str(error)
    assert GITHUB not in error.attempts[0].error
    assert "<REDACTED:github-token>" in str(error)


def test_records_are_redacted_and_the_messages_sent_are_not() -> None:
    """An exchange and a decision keep no credential; the message objects passed in are untouched."""
    sent = Message.user(f"my token is {JWT}")
    answer = ChatResponse.model_validate({"content": f"echo {GITHUB}", "model": "m"})
    exchange = Exchange(messages=(sent,), response=answer, error=f"failed: {JWT}")
    record = DecisionRecord(action="a", source="fallback", reason=GITHUB, exchanges=(exchange,))
    dumped = record.model_dump_json()
    assert JWT not in dumped
    assert GITHUB not in dumped
    assert JWT in sent.model_dump_json()  # what the agent sends stays as it was
    assert record.model_copy() == record


def test_snapshot_masking_redacts() -> None:
    """``mask_volatile`` applies the same redaction rules."""
    masked = mask_volatile({"note": f"{GITHUB} and {JWT}", "id": "chatcmpl-1"})
    assert masked == {"note": "<REDACTED:github-token> and <REDACTED:jwt>", "id": "<masked>"}


class _EchoingEnv:
    """A tool that echoes a credential into every observation and the final info."""

    def __init__(self) -> None:
        self.steps = 0

    def reset(self, *, seed: int | None = None, options: Any = None) -> tuple[Any, dict[str, Any]]:
        self.steps = 0
        return {"task": {"id": "t1"}, "result": f"token={GITHUB}", "password": "hunter22"}, {}

    def step(self, action: str) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        self.steps += 1
        return {"result": f"bearer {JWT}"}, 1.0, self.steps >= 2, False, {"echo": GITHUB}


class _Agent:
    last_decision: DecisionRecord | None = None

    def reset(self, seed: int = 0) -> None:
        self.last_decision = None

    async def select_action(self, observation: Any) -> str:
        self.last_decision = DecisionRecord(action="act", source="fallback")
        return f"act(note={GITHUB!r})"


async def test_trajectories_hold_no_credential_an_env_echoed() -> None:
    """Observations, actions, the final observation and info are redacted as steps are built."""
    trajectory = await run_episode(_EchoingEnv(), _Agent(), seed=0)
    dumped = trajectory.model_dump_json()
    for secret in (GITHUB, JWT, "hunter22"):
        assert secret not in dumped
    assert trajectory.steps[0].observation["task"] == {"id": "t1"}  # the rest is kept
    assert trajectory.steps[0].observation["result"] == "token=<REDACTED:github-token>"
    assert trajectory.task_id == "t1"
    assert Trajectory.model_validate_json(dumped) == trajectory
