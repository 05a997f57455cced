"""The start-up hook of child interpreters: a child started inside a network-guard block
(it inherits :data:`~agentkit.replay._guard.CHILD_ENV_VAR`) is sealed before any of its code runs.

``agentkit_network_guard.pth`` (installed next to the package, by a wheel and by an editable
install alike) loads this file by path when the variable is set and calls
:func:`seal_from_environment`; this file loads the guard by path too: importing
``agentkit.replay`` would load both provider SDKs (about 1.5 s) into every child. The guard loaded here is a module of its own (:data:`MODULE_NAME`); if the child imports
``agentkit.replay`` later, that guard stacks on this one.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from types import ModuleType

__all__ = ["MODULE_NAME", "seal", "seal_from_environment"]

MODULE_NAME = "_agentkit_child_network_guard"
# The same name as _guard.CHILD_ENV_VAR (a test checks): this file cannot import the guard.
CHILD_ENV_VAR = "AGENTKIT_NETWORK_GUARD"


def seal(value: str) -> ModuleType:
    """Load the guard and seal this interpreter with it (``value`` is the inherited variable)."""
    guard = sys.modules.get(MODULE_NAME)
    if guard is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_guard.py")
        spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"agentkit cannot load its network guard from {path}")
        guard = importlib.util.module_from_spec(spec)
        sys.modules[MODULE_NAME] = guard
        spec.loader.exec_module(guard)
        guard.seal_child(value)
    return guard


def seal_from_environment() -> None:
    """What the .pth line calls: seal with the inherited variable, if there is one."""
    value = os.environ.get(CHILD_ENV_VAR)
    if value:
        seal(value)
