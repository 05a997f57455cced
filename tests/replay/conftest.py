"""Shared fixtures for the record/replay tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_record_mode_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their record mode explicitly; a developer's environment must not leak in."""
    monkeypatch.delenv("AGENTKIT_RECORD_MODE", raising=False)
