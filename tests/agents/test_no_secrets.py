"""Decision records, model-call errors and snapshots are redacted as they are built, and the
messages an agent sends are not."""

from __future__ import annotations

from agentkit.agents import DecisionRecord, Exchange
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
