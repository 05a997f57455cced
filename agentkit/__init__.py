"""agentkit: build LLM tool-calling agents and test them offline."""

from agentkit._errors import AgentKitError, UsageError

__all__ = ["AgentKitError", "UsageError"]
