"""Cassette fixtures for the pytest plugin: one cassette per test, activated by marker or fixture.

Example::

    @pytest.mark.agentkit_cassette       # tests/test_booking.py: cassettes/tests/test_booking/test_books.json
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

import hashlib
import inspect
import os
import re
import shlex
import warnings
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
    "LegacyCassettePathWarning",
    "agentkit_cassette",
    "agentkit_cassette_path",
    "agentkit_vcr_config",
    "default_cassette_path",
    "legacy_cassette_path",
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


_UNSAFE = re.compile(r"[^\w.\-]+")
_MAX_NAME_BYTES = 96
"""Readable part of one path component; with the hash and ``.json`` well under the 255-byte
limit of common file systems."""


def _file_name(name: str) -> str:
    """``name`` as one portable path component, distinct for distinct names.

    A name made only of letters, digits, ``_``, ``.`` and ``-`` (a plain test name) is kept as
    is. Any other name is sanitized for reading (``test_x[a b]``: ``test_x-a-b``) and, as
    sanitizing maps several names to one, suffixed with ``~`` and a hash of the exact name:
    ``~`` never survives sanitizing, so a suffixed name never equals a kept one. Names longer
    than 96 bytes are cut and hashed the same way.
    """
    readable = _UNSAFE.sub("-", name).strip("-").lstrip(".")
    if readable == name and len(name.encode("utf-8")) <= _MAX_NAME_BYTES:
        return name
    cut = readable.encode("utf-8")[:_MAX_NAME_BYTES].decode("utf-8", "ignore").rstrip("-")
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    return f"{cut or 'cassette'}~{digest}"


def _test_name(item: pytest.Item) -> str:
    """The test's name below its file: classes (nested ones too) and the name, dot-joined."""
    names: list[str] = []
    node: pytest.Item | pytest.Collector | None = item
    while node is not None and not isinstance(node, pytest.File):
        names.append(node.name)
        node = node.parent
    if node is None:  # not collected from a file: the name alone
        return item.name
    return ".".join(reversed(names))


def default_cassette_path(item: pytest.Item) -> Path:
    """``<rootdir>/cassettes/<test file's folder>/<test file>/<test name>.json``.

    The folder is relative to the rootdir, the test file's ``.py`` is dropped, the test name
    carries its classes (``TestBooking.test_books``); each part is kept when it is a plain
    name, else sanitized and suffixed with a hash (``test_x[a b]``: ``test_x-a-b~<hash>``). So
    two tests never share a cassette: not two parametrizations, not two same-named test files
    in two folders. Example: ``tests/a/test_same.py::test_x`` records
    ``cassettes/tests/a/test_same/test_x.json``.
    """
    root = item.config.rootpath
    module = Path(str(item.path))
    try:
        folders = list(module.parent.relative_to(root).parts)
    except ValueError:  # a test file outside the rootdir: its folder's name, and a hash
        folders = [f"{module.parent.name}~{_digest(str(module.parent))}"]
    stem = module.stem if module.suffix == ".py" else module.name
    parts = [_file_name(part) for part in [*folders, stem]]
    return root.joinpath("cassettes", *parts, f"{_file_name(_test_name(item))}.json")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def _legacy_sanitize(name: str) -> str:
    return _UNSAFE.sub("-", name).strip("-") or "cassette"


def legacy_cassette_path(item: pytest.Item) -> Path:
    """Where agentkit 0.1 put the test's cassette: ``<rootdir>/cassettes/<test module>/<test
    name>.json``, the innermost class prefixed and ids sanitized without a hash (so two tests
    could share it). Still replayed from when the current path has no file."""
    name = item.name
    cls = getattr(item, "cls", None)
    if cls is not None:
        name = f"{cls.__name__}.{name}"
    module = Path(str(item.path)).stem
    return (
        item.config.rootpath
        / "cassettes"
        / _legacy_sanitize(module)
        / f"{_legacy_sanitize(name)}.json"
    )


class LegacyCassettePathWarning(UserWarning):
    """A test recorded to its current cassette path while a file at its 0.1 path exists."""


def _with_legacy_fallback(item: pytest.Item, path: Path, mode: str) -> Path:
    """``path``, or the test's 0.1 cassette when only that one exists: replayed from in place
    (modes none and once), copied to ``path`` first when recording adds to it (new_episodes).
    Re-recording (all, rewrite) writes ``path`` and says the old file is no longer read."""
    if path.exists():
        return path
    legacy = legacy_cassette_path(item)
    try:
        found = legacy != path and legacy.is_file()
    except OSError:  # a name too long to exist: the reason the current rule hashes long ids
        found = False
    if not found:
        return path
    if mode in ("none", "once"):
        return legacy
    if mode == "new_episodes":
        from agentkit._files import file_lock, write_atomically

        with file_lock(path):
            if not path.exists():
                write_atomically(path, legacy.read_bytes())
        return path
    warnings.warn(
        LegacyCassettePathWarning(
            f"{item.nodeid} recorded to {path}; its cassette from agentkit 0.1 at {legacy} is "
            "no longer read by this test: delete it once no other test replays from it."
        ),
        stacklevel=1,
    )
    return path


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
    from agentkit.replay import ReplayError, resolve_record_mode, use_cassette

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
    given = options.pop("path", None)
    path = Path(given or agentkit_cassette_path)
    if not path.is_absolute():
        path = request.config.rootpath / path
    override = request.config.stash.get(RECORD_MODE_KEY, None)
    if override is not None:
        options["mode"] = override
    options.setdefault("mode", "none")
    if given is None and path == default_cassette_path(request.node):
        mode = resolve_record_mode(options["mode"]).value
        path = _with_legacy_fallback(request.node, path, mode)
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
