"""agentkit: build LLM tool-calling agents and test them offline.

>>> from agentkit import ModelAPI, ModelParams
>>> api = ModelAPI(model_params=ModelParams(name="gpt-4", infer_kwargs={"temperature": 0.7}))
"""

from agentkit._errors import AgentKitError, UsageError
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
