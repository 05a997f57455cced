"""The examples in agentkit.envs docstrings run and show what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "agentkit.envs",
    "agentkit.envs._actions",
    "agentkit.envs._catalog",
    "agentkit.envs._env",
    "agentkit.envs._oracle",
    "agentkit.envs._tasks",
    "agentkit.envs._tools",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    """Each module's doctests pass (and there is at least one to run)."""
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
