"""Every public package's ``__all__`` is exactly its public surface, in ruff's (isort) order."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import pytest

PACKAGES = [
    "agentkit",
    "agentkit.actions",
    "agentkit.agents",
    "agentkit.envs",
    "agentkit.faults",
    "agentkit.flight",
    "agentkit.models",
    "agentkit.replay",
    "agentkit.testing",
]


# What agentkit.actions (a module, not a package) imports for its own use.
_ACTIONS_IMPORTS = {
    "BaseModel",
    "ConfigDict",
    "Final",
    "Iterable",
    "Literal",
    "Mapping",
    "UsageError",
}


def _isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions (ruff RUF022)."""
    if name.isupper() or (name.upper() == name and "_" in name):
        return 0, name
    return (1 if name[0].isupper() else 2), name


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_exactly_the_public_names(name: str) -> None:
    """Public names are exported, private ones are not, and ``__all__`` is sorted."""
    module = importlib.import_module(name)
    public = {
        member
        for member in dir(module)
        if not member.startswith("_")
        and not isinstance(getattr(module, member), types.ModuleType)
        and member not in ("annotations", "TYPE_CHECKING", "Any", "importlib")
        and not (name == "agentkit.actions" and member in _ACTIONS_IMPORTS)
    }
    assert module.__all__ == sorted(module.__all__, key=_isort_key)
    assert set(module.__all__) == public
    for member in module.__all__:
        assert getattr(module, member) is not None


def test_importing_the_package_does_not_load_the_provider_sdks() -> None:
    """`import agentkit` and the pytest plugin stay light: openai and anthropic load on first use."""
    code = (
        "import sys, agentkit, agentkit.testing._plugin\n"
        "assert 'openai' not in sys.modules and 'anthropic' not in sys.modules, 'SDK imported'\n"
        "from agentkit import ModelAPI\n"
        "assert 'openai' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
