"""The model layer: one async chat API over registered providers (OpenAI-compatible endpoints,
through chat completions or the Responses API; Anthropic; your own adapters).

>>> from agentkit.models import ModelAPI, ModelParams, Message
>>> api = ModelAPI(model_params=ModelParams(name="gpt-4", infer_kwargs={"temperature": 0.7}))
"""

from agentkit.models._api import ModelAPI, allow_missing_credentials
from agentkit.models._classify import ClassifiedFailure, classify_sdk_error
from agentkit.models._content import (
    ContentPart,
    DocumentPart,
    ImagePart,
    ReasoningOrigin,
    ReasoningPart,
    RedactedThinkingPart,
    TextPart,
    ThinkingPart,
)
from agentkit.models._errors import (
    Attempt,
    CircuitOpenError,
    FailureKind,
    MalformedResponseError,
    ModelCallError,
    ModelConnectionError,
    ModelTimeoutError,
    ProviderStatusError,
    RateLimitedError,
    SDKErrorCause,
)
from agentkit.models._params import ModelParams, ProviderConfig
from agentkit.models._providers import (
    AdapterFactory,
    AdapterProvider,
    OpenAICompatibleProvider,
    Provider,
    ProviderSpec,
    WireAPI,
    register_provider,
    registered_providers,
    temporary_provider,
    unregister_provider,
)
from agentkit.models._retry import CircuitBreaker, Clock, RetryPolicy, Sleep
from agentkit.models._types import (
    ChatResponse,
    FinishReason,
    Message,
    ReasoningDelta,
    Role,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
    Usage,
)
from agentkit.models._wire import ChatRequest, ProviderAdapter, ToolChoice

__all__ = [
    "AdapterFactory",
    "AdapterProvider",
    "Attempt",
    "ChatRequest",
    "ChatResponse",
    "CircuitBreaker",
    "CircuitOpenError",
    "ClassifiedFailure",
    "Clock",
    "ContentPart",
    "DocumentPart",
    "FailureKind",
    "FinishReason",
    "ImagePart",
    "MalformedResponseError",
    "Message",
    "ModelAPI",
    "ModelCallError",
    "ModelConnectionError",
    "ModelParams",
    "ModelTimeoutError",
    "OpenAICompatibleProvider",
    "Provider",
    "ProviderAdapter",
    "ProviderConfig",
    "ProviderSpec",
    "ProviderStatusError",
    "RateLimitedError",
    "ReasoningDelta",
    "ReasoningOrigin",
    "ReasoningPart",
    "RedactedThinkingPart",
    "RetryPolicy",
    "Role",
    "SDKErrorCause",
    "Sleep",
    "StreamEvent",
    "TextDelta",
    "TextPart",
    "ThinkingPart",
    "ToolCall",
    "ToolCallDelta",
    "ToolChoice",
    "ToolSpec",
    "Usage",
    "WireAPI",
    "allow_missing_credentials",
    "classify_sdk_error",
    "register_provider",
    "registered_providers",
    "temporary_provider",
    "unregister_provider",
]
