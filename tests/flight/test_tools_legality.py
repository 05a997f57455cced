"""The legal-tool rule at its edges: counters and limits an observation may lack."""

from __future__ import annotations

from agentkit.flight import legal_tools

SEARCH_FORM = ["search_flights", "abort"]


def test_a_missing_counter_counts_as_zero() -> None:
    """Without a step (or error) count the episode has used none, so a limit of one is not reached."""
    assert legal_tools({"state": "search_form", "max_steps": 1}) == SEARCH_FORM
    assert legal_tools({"state": "search_form", "max_errors": 1}) == SEARCH_FORM
    assert legal_tools({"state": "search_form", "step": 1, "max_steps": 1}) == []
    assert legal_tools({"state": "search_form", "errors": 1, "max_errors": 1}) == []


def test_a_missing_limit_never_truncates() -> None:
    """Without max_steps or max_errors, no count is too many."""
    huge = {"state": "search_form", "step": 10**12, "errors": 10**12}
    assert legal_tools(huge) == SEARCH_FORM
