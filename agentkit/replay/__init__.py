"""agentkit.replay."""

__all__: list[str] = []
