"""The examples in agentkit.flight docstrings run and show what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "agentkit.flight",
    "agentkit.flight._actions",
    "agentkit.flight._catalog",
    "agentkit.flight._env",
    "agentkit.flight._oracle",
    "agentkit.flight._tasks",
    "agentkit.flight._tools",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    """Each module's doctests pass (and there is at least one to run)."""
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
