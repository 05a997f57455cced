"""A pytest plugin for tools/mutation.py: a function the module runs at import time is run by
every test, so its mutants are tested against the whole folder.

mutmut attributes a function to the tests during which it was called; a call made while the test
modules are imported (``_tools._LEGAL = {... _legal(...) ...}``) falls before the first test and
is attributed to that test alone, so every other test's check of the table would be skipped.
Loaded with ``-p _mutmut_import_time`` for targets with ``fresh_import`` (each mutant imports
the package anew, so the mutant is active when the table is built); inert outside mutmut's stats
run.
"""

from __future__ import annotations

import os

import pytest

_AT_IMPORT: set[str] = set()


def _collecting_stats() -> bool:
    return os.environ.get("MUTANT_UNDER_TEST") == "stats"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Remember the functions called while the test modules were imported."""
    if _collecting_stats():
        from mutmut.state import state

        _AT_IMPORT.update(state()._stats)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Count those functions as called by this test too (before mutmut's own teardown reads them)."""
    if _collecting_stats():
        from mutmut.state import state

        state()._stats.update(_AT_IMPORT)
