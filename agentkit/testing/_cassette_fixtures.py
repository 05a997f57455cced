"""Cassette fixtures for the pytest plugin: one cassette per test, activated by marker or fixture.

Example::

    @pytest.mark.agentkit_cassette                 # cassettes/test_booking/test_books.json
    async def test_books(agent): ...

    @pytest.fixture
    def agentkit_vcr_config():                     # override to configure every cassette
        return {
            "ignore_paths": ["stream_options"],
            "ignore_routes": ["POST https://telemetry.example.com/*"],  # never recorded
            "block_loopback": True,                # the real model server is local
            "on_empty": "error",                   # a recording that captured nothing fails
        }

agentkit.replay is imported only when a cassette is used, so the plugin costs nothing otherwise.
"""

from __future__ import annotations

import inspect
import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from agentkit._errors import UsageError, exception_chain

if TYPE_CHECKING:
    from agentkit.replay import Cassette

__all__ = [
    "CALL_EXCEPTION_KEY",
    "MARKER",
    "RECORD_MODE_KEY",
    "agentkit_cassette",
    "agentkit_cassette_path",
    "agentkit_vcr_config",
    "default_cassette_path",
    "marker_options",
]

MARKER = "agentkit_cassette"
RECORD_MODE_KEY = pytest.StashKey[str | None]()
"""The record mode given on the command line or in ``$AGENTKIT_RECORD_MODE`` (None: not given)."""
CALL_EXCEPTION_KEY = pytest.StashKey[BaseException]()
"""The exception the test body raised, so the cassette can close knowing the test failed."""


def _allowed_options() -> set[str]:
    from agentkit.replay import use_cassette

    return set(inspect.signature(use_cassette).parameters) - {"path"}


def marker_options(marker: pytest.Mark) -> dict[str, Any]:
    """The use_cassette options of an ``agentkit_cassette`` marker, validated (``path`` included
    when given)."""
    if len(marker.args) > 1:
        raise UsageError(
            f"@pytest.mark.{MARKER} takes at most one positional argument (the cassette path), "
            f"got {len(marker.args)}: {marker.args!r}."
        )
    options = dict(marker.kwargs)
    if marker.args:
        if "path" in options:
            raise UsageError(f"@pytest.mark.{MARKER} got the path both positionally and as path=.")
        options["path"] = marker.args[0]
    unknown = sorted(set(options) - _allowed_options() - {"path"})
    if unknown:
        raise UsageError(
            f"@pytest.mark.{MARKER} got unknown option(s) {unknown}; expected any of "
            f"{sorted(_allowed_options() | {'path'})} (the keyword arguments of use_cassette)."
        )
    path = options.get("path")
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise UsageError(
            f"@pytest.mark.{MARKER} path must be a string or path, got {path!r} "
            f"(type={type(path).__name__})."
        )
    return options


def _sanitize(name: str) -> str:
    # Parametrized ids carry brackets, slashes and spaces: keep file names portable.
    return re.sub(r"[^\w.\-]+", "-", name).strip("-") or "cassette"


def default_cassette_path(item: pytest.Item) -> Path:
    """``<rootdir>/cassettes/<test module>/<test name>.json`` (class name prefixed, ids sanitized)."""
    name = item.name
    cls = getattr(item, "cls", None)
    if cls is not None:
        name = f"{cls.__name__}.{name}"
    module = Path(str(item.path)).stem
    return item.config.rootpath / "cassettes" / _sanitize(module) / f"{_sanitize(name)}.json"


@pytest.fixture
def agentkit_vcr_config() -> dict[str, Any]:
    """Options passed to ``use_cassette`` for every cassette; override it to configure them
    (any keyword of ``use_cassette``: ``ignore_hosts``, ``ignore_routes``, ``block_loopback``,
    ``on_empty``, ``on_background_mismatch``, ...). A marker's options override these."""
    return {}


@pytest.fixture
def agentkit_cassette_path(request: pytest.FixtureRequest) -> Path:
    """Where this test's cassette lives when the marker does not name a path."""
    return default_cassette_path(request.node)


@pytest.fixture
def agentkit_cassette(
    request: pytest.FixtureRequest,
    agentkit_vcr_config: dict[str, Any],
    agentkit_cassette_path: Path,
) -> Iterator[Cassette]:
    """The test's cassette, active for the whole test (tests marked ``agentkit_cassette`` get it
    automatically). Record mode: ``--agentkit-record-mode``, else ``$AGENTKIT_RECORD_MODE``, else
    the marker's or ``agentkit_vcr_config``'s ``mode``, else ``none``."""
    from agentkit.replay import ReplayError, use_cassette

    options = dict(agentkit_vcr_config)
    unknown = sorted(set(options) - _allowed_options() - {"path"})
    if unknown:
        raise UsageError(
            f"agentkit_vcr_config returned unknown option(s) {unknown}; expected keyword "
            f"arguments of use_cassette: {sorted(_allowed_options())}."
        )
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        options.update(marker_options(marker))
    path = Path(options.pop("path", None) or agentkit_cassette_path)
    if not path.is_absolute():
        path = request.config.rootpath / path
    override = request.config.stash.get(RECORD_MODE_KEY, None)
    if override is not None:
        options["mode"] = override
    options.setdefault("mode", "none")
    options.setdefault(
        "record_command",
        f"python -m pytest --agentkit-record-mode=rewrite {shlex.quote(request.node.nodeid)}",
    )
    context = use_cassette(path, **options)
    cassette = context.__enter__()
    yield cassette
    error = request.node.stash.get(CALL_EXCEPTION_KEY, None)
    if error is None:
        context.__exit__(None, None, None)
    else:
        try:
            context.__exit__(type(error), error, error.__traceback__)
        except ReplayError as again:
            # Already in the failure's report (the plugin puts a swallowed mismatch at the root
            # of the test's exception chain): a second report at teardown would only repeat it.
            if not any(e is again for e in exception_chain(error)):
                raise
