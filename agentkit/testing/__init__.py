"""Test kit: the pytest plugin, hypothesis strategies and the syrupy extension."""

__all__: list[str] = []
