"""The public surface of agentkit.replay."""

from __future__ import annotations

import agentkit.replay
from agentkit._errors import AgentKitError
from agentkit.replay import (
    CassetteFormatError,
    NetworkBlockedError,
    RecordMode,
    ReplayError,
    ReplayMismatchError,
    SecretFoundError,
    UnplayedInteractionsError,
)


def test_all_is_sorted_and_exported() -> None:
    """__all__ is sorted and every name in it exists."""
    names = agentkit.replay.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert all(hasattr(agentkit.replay, name) for name in names)
    public = {n for n in vars(agentkit.replay) if not n.startswith("_")}
    assert set(names) == public


def test_errors_share_the_agentkit_root() -> None:
    """Every replay error is a ReplayError and an AgentKitError."""
    for error in (
        CassetteFormatError,
        NetworkBlockedError,
        ReplayMismatchError,
        SecretFoundError,
        UnplayedInteractionsError,
    ):
        assert issubclass(error, ReplayError)
    assert issubclass(ReplayError, AgentKitError)


def test_record_mode_values() -> None:
    """Record modes are the four string values the CLI and plugin accept."""
    assert [m.value for m in RecordMode] == ["none", "once", "new_episodes", "all"]
