"""The public surface of agentkit.flight."""

from __future__ import annotations

import types

import agentkit.flight


def test_all_is_sorted_and_is_the_public_surface() -> None:
    """__all__ is isort-sorted (as ruff's RUF022 wants) and names exactly the public members."""
    names = agentkit.flight.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    for name in names:  # the domain and the agents load on first use
        getattr(agentkit.flight, name)
    public = {
        name
        for name, value in vars(agentkit.flight).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(names) == public


def test_the_names_other_layers_rely_on_are_exported() -> None:
    """Agents build on these names; renaming one breaks them."""
    for name in (
        "FlightBookingEnv",
        "FlightObservation",
        "TOOL_NAMES",
        "tool_specs",
        "to_anthropic_tool",
        "anthropic_tool_specs",
        "legal_tools",
        "parse_action",
        "format_action",
        "load_tasks",
        "Task",
        "oracle_action",
        "solve_oracle",
        "SearchFlightsArgs",
    ):
        assert name in agentkit.flight.__all__
