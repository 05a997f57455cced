"""The model layer: one async chat API over OpenAI-compatible endpoints and Anthropic.

>>> from agentkit.models import ModelAPI, ModelParams, Message
>>> api = ModelAPI(model_params=ModelParams(name="gpt-4", infer_kwargs={"temperature": 0.7}))
"""

from agentkit.models._api import ModelAPI, allow_missing_credentials
from agentkit.models._errors import (
    Attempt,
    CircuitOpenError,
    MalformedResponseError,
    ModelCallError,
    ModelConnectionError,
    ModelTimeoutError,
    ProviderStatusError,
    RateLimitedError,
)
from agentkit.models._params import ModelParams, Provider, ProviderConfig
from agentkit.models._retry import CircuitBreaker, Clock, RetryPolicy, Sleep
from agentkit.models._types import (
    ChatResponse,
    FinishReason,
    Message,
    Role,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
    Usage,
)

__all__ = [
    "Attempt",
    "ChatResponse",
    "CircuitBreaker",
    "CircuitOpenError",
    "Clock",
    "FinishReason",
    "MalformedResponseError",
    "Message",
    "ModelAPI",
    "ModelCallError",
    "ModelConnectionError",
    "ModelParams",
    "ModelTimeoutError",
    "Provider",
    "ProviderConfig",
    "ProviderStatusError",
    "RateLimitedError",
    "RetryPolicy",
    "Role",
    "Sleep",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolCallDelta",
    "ToolSpec",
    "Usage",
    "allow_missing_credentials",
]
