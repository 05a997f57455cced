"""The public surface of agentkit.replay."""

from __future__ import annotations

from agentkit._errors import AgentKitError
from agentkit.replay import (
    CassetteFormatError,
    CassetteNotFoundError,
    NetworkBlockedError,
    RecordMode,
    ReplayError,
    ReplayMismatchError,
    SecretFoundError,
    UnplayedInteractionsError,
)


def test_errors_share_the_agentkit_root() -> None:
    """Every replay error is a ReplayError and an AgentKitError."""
    for error in (
        CassetteFormatError,
        CassetteNotFoundError,
        NetworkBlockedError,
        ReplayMismatchError,
        SecretFoundError,
        UnplayedInteractionsError,
    ):
        assert issubclass(error, ReplayError)
    assert issubclass(ReplayError, AgentKitError)


def test_record_mode_values() -> None:
    """Record modes are the five string values the CLI and plugin accept."""
    assert [m.value for m in RecordMode] == ["none", "once", "new_episodes", "all", "rewrite"]
