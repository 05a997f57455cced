"""The pytest plugin agentkit registers through the ``pytest11`` entry point.

Kept light: importing it costs nothing for test suites that never use agentkit's fixtures
(record/replay itself is imported only when a cassette is used).
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

from agentkit._errors import exception_chain
from agentkit.testing._cassette_fixtures import (
    CALL_EXCEPTION_KEY,
    MARKER,
    RECORD_MODE_KEY,
    agentkit_cassette,
    agentkit_cassette_path,
    agentkit_vcr_config,
)

__all__ = [
    "agentkit_cassette",
    "agentkit_cassette_path",
    "agentkit_snapshot",
    "agentkit_vcr_config",
]

_RECORD_MODES = ("none", "once", "new_episodes", "all", "rewrite")
_RECORD_MODE_ENV = "AGENTKIT_RECORD_MODE"


@pytest.fixture
def agentkit_snapshot(snapshot: Any) -> Any:
    """syrupy's ``snapshot`` storing trajectories and prompts as JSON, volatile values masked.

    Update stored snapshots with ``pytest --snapshot-update``.
    """
    from agentkit.testing._snapshot import TrajectorySnapshotExtension

    return snapshot.use_extension(TrajectorySnapshotExtension)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("agentkit", "agentkit: record/replay and live-model tests")
    group.addoption(
        "--run-live",
        action="store_true",
        default=False,
        help="Run tests marked 'live' (they call a real model endpoint).",
    )
    group.addoption(
        "--agentkit-record-mode",
        action="store",
        default=None,
        choices=_RECORD_MODES,
        help=(
            "Record mode of agentkit cassettes: none (replay only, the default), once, "
            "new_episodes, all or rewrite (drop the cassette, record what the test sends now: "
            f"the one to re-record with). Default: ${_RECORD_MODE_ENV}, else none."
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "live: needs a live model endpoint; skipped unless --run-live is given"
    )
    config.addinivalue_line(
        "markers",
        f"{MARKER}(path=None, **options): run the test inside an agentkit cassette "
        "(default path cassettes/<test folder>/<test file>/<test name>.json, one per test; "
        "options are use_cassette's).",
    )
    mode = config.getoption("--agentkit-record-mode") or os.environ.get(_RECORD_MODE_ENV) or None
    if mode is not None and mode not in _RECORD_MODES:
        raise pytest.UsageError(
            f"${_RECORD_MODE_ENV}={mode!r} is not a record mode; expected one of "
            f"{', '.join(_RECORD_MODES)}."
        )
    config.stash[RECORD_MODE_KEY] = mode


def pytest_report_header(config: pytest.Config) -> str | None:
    mode = config.stash.get(RECORD_MODE_KEY, None)
    return None if mode is None else f"agentkit: record mode {mode}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        # Marked tests get their cassette without asking for the fixture.
        names = getattr(item, "fixturenames", None)
        marked = item.get_closest_marker(MARKER) is not None
        if marked and names is not None and "agentkit_cassette" not in names:
            names.append("agentkit_cassette")
    if config.getoption("--run-live"):
        return
    skip_live = pytest.mark.skip(reason="live model test: run with --run-live")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip_live)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    try:
        return (yield)
    except BaseException as exc:
        # The cassette fixture closes after this; it skips the unplayed check for a failed test.
        item.stash[CALL_EXCEPTION_KEY] = exc
        lead_with_mismatch(item, exc)
        raise


def lead_with_mismatch(item: pytest.Item, exc: BaseException) -> None:
    """Make a replay mismatch that the code swallowed the first thing the failure report shows.

    A test that fails in its body (a snapshot assertion, an ``assert`` on the trajectory) after
    its cassette could not answer a request fails *because of* the mismatch: it becomes the
    root of the exception chain, so pytest prints it, with its diff, before the assertion.
    """
    cassette = getattr(item, "funcargs", {}).get("agentkit_cassette")
    mismatches = list(getattr(cassette, "mismatches", ()))
    chain = list(exception_chain(exc))
    if not mismatches or any(e is m for e in chain for m in mismatches):
        return
    chain[-1].__cause__ = mismatches[0]
    exc.add_note(
        f"agentkit: {len(mismatches)} request(s) of this test had no recording in its cassette "
        "(the first is shown at the top of this report); the failure above follows from it."
    )
