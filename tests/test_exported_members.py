"""Every public package's ``__all__`` is exactly its public surface, sorted."""

from __future__ import annotations

import importlib
import types

import pytest

PACKAGES = [
    "agentkit",
    "agentkit.agents",
    "agentkit.envs",
    "agentkit.faults",
    "agentkit.models",
    "agentkit.replay",
    "agentkit.testing",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_exactly_the_public_names(name: str) -> None:
    """Public names are exported, private ones are not, and ``__all__`` is sorted."""
    module = importlib.import_module(name)
    public = {
        member
        for member, value in vars(module).items()
        if not member.startswith("_")
        and not isinstance(value, types.ModuleType)
        and member != "annotations"
    }
    assert sorted(module.__all__) == module.__all__
    assert set(module.__all__) == public
