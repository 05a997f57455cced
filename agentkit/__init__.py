"""agentkit: build LLM tool-calling agents and test them offline.

>>> from agentkit import ModelAPI, ModelParams
>>> api = ModelAPI(model_params=ModelParams(name="gpt-4", infer_kwargs={"temperature": 0.7}))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agentkit._errors import AgentKitError, UsageError
from agentkit._version import __version__ as __version__  # the version, as `agentkit version`

if TYPE_CHECKING:
    from agentkit.models import (
        ChatResponse,
        Message,
        ModelAPI,
        ModelCallError,
        ModelParams,
        ToolCall,
        ToolSpec,
        Usage,
    )

__all__ = [
    "AgentKitError",
    "ChatResponse",
    "Message",
    "ModelAPI",
    "ModelCallError",
    "ModelParams",
    "ToolCall",
    "ToolSpec",
    "Usage",
    "UsageError",
]

# The model layer pulls in both provider SDKs (about 2 s): load it on first use, so that the
# pytest plugin and `import agentkit.envs` stay fast.
_LAZY = frozenset(__all__) - {"AgentKitError", "UsageError"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module("agentkit.models"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'agentkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
