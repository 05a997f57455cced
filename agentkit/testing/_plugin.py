"""The pytest plugin agentkit registers through the ``pytest11`` entry point.

Kept light: importing it costs nothing for test suites that never use agentkit's fixtures.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("agentkit", "agentkit: record/replay and live-model tests")
    group.addoption(
        "--run-live",
        action="store_true",
        default=False,
        help="Run tests marked 'live' (they call a real model endpoint).",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "live: needs a live model endpoint; skipped unless --run-live is given"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-live"):
        return
    skip_live = pytest.mark.skip(reason="live model test: run with --run-live")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip_live)
