"""agentkit.envs."""

__all__: list[str] = []
