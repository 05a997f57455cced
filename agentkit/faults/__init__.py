"""agentkit.faults."""

__all__: list[str] = []
