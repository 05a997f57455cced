"""What ``agentkit cassettes show|verify|scan`` found in a file, remembered until the file changes.

Reading a 1,000-interaction cassette (19 MB of JSON) takes longer than the whole start-up budget
of issue 16: parsing alone is 1.3-2.4 times ``python -c "import typer, rich"``. A developer runs
these commands again and again on files that have not changed since, so each result is kept in
a small file under the user's cache directory, and the next run on the same version of the file
prints it without reading the cassette.

- **The key** is the command, agentkit's version, the result format, the file's absolute path and
  its stamp: device, inode, size, and modification and change times in nanoseconds. An atomic
  save makes a new inode; an edit in place a new change time, which no tool can set back. The
  key also holds the size and modification time of the modules whose code makes the results,
  so that an edited checkout (an editable install, same version) never prints an old format.
- **A file changed in the last** :data:`RACY_SECONDS` is not remembered: two edits within one
  tick of the file system's clock could leave the same stamp (git's "racy clean" rule).
- **What is stored** is what the command prints, nothing more. A cassette holds no secret, and
  what a scan finds is masked. ``scan`` stores only its pattern findings and looks for the
  secret environment variables' values in every run (``replay.may_hold_secret_values``).
- ``AGENTKIT_CACHE_DIR`` moves the cache (default ``$XDG_CACHE_HOME/agentkit`` or
  ``~/.cache/agentkit``); ``AGENTKIT_NO_CACHE=1`` turns it off. A cache that cannot be read or
  written is passed over: the command reads the cassette as if there were none.
"""

from __future__ import annotations

import json
import os
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from agentkit._files import FileStamp, write_atomically
from agentkit._version import __version__

__all__ = [
    "CACHE_DIR_ENV",
    "MAX_ENTRIES",
    "NOT_REMEMBERED",
    "NO_CACHE_ENV",
    "RACY_SECONDS",
    "cache_directory",
    "recall",
    "remembered",
]

CACHE_DIR_ENV = "AGENTKIT_CACHE_DIR"
NO_CACHE_ENV = "AGENTKIT_NO_CACHE"
RACY_SECONDS = 2.0
"""A file modified or changed less than this long ago is read, never remembered."""
MAX_ENTRIES = 256
"""Past this many results, the oldest are removed (each is one file version's result)."""
_FORMAT = 1
"""The layout of a stored result: a change makes every older one a miss."""

T = TypeVar("T")


def cache_directory() -> Path | None:
    """Where results are kept, or None when ``AGENTKIT_NO_CACHE`` is set."""
    if os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0"):
        return None
    chosen = os.environ.get(CACHE_DIR_ENV)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "agentkit"


NOT_REMEMBERED: object = object()
""":func:`recall`'s answer when no result is kept for this version of the file."""


def recall(command: str, path: Path, valid: Callable[[object], bool]) -> object:
    """The result :func:`remembered` keeps for ``command`` on this version of the file at
    ``path`` if it passes ``valid``, else :data:`NOT_REMEMBERED`; never reads the file."""
    directory = cache_directory()
    if directory is None:
        return NOT_REMEMBERED
    try:
        stamp = FileStamp.of(os.stat(path))
    except (OSError, ValueError):
        return NOT_REMEMBERED
    return _stored(*_entry(directory, command, path, stamp), valid)


def remembered(
    command: str, path: Path, compute: Callable[[], T], valid: Callable[[object], bool]
) -> T:
    """``compute()``'s result for the file at ``path``, from the cache when this version of the
    file was seen before and the stored result passes ``valid`` (a damaged or foreign cache file
    is recomputed, never trusted). ``compute`` must depend on nothing but the file's bytes and
    return JSON-serialisable data."""
    directory = cache_directory()
    try:
        stamp = FileStamp.of(os.stat(path))
    except (OSError, ValueError):
        return compute()  # it raises the error that names what is wrong with the path
    if directory is None:
        return compute()
    entry, key = _entry(directory, command, path, stamp)
    stored = _stored(entry, key, valid)
    if stored is not NOT_REMEMBERED:
        return stored  # type: ignore[return-value]
    result = compute()
    if _settled(stamp) and _unchanged(path, stamp):
        _store(entry, {"key": key, "result": result})
    return result


def _entry(
    directory: Path, command: str, path: Path, stamp: FileStamp
) -> tuple[Path, list[object]]:
    key = _key(command, path, stamp)
    return directory / "cli" / f"{zlib.crc32(json.dumps(key).encode()):08x}.json", key


def _stored(entry: Path, key: list[object], valid: Callable[[object], bool]) -> object:
    try:
        stored = json.loads(entry.read_bytes())
        if stored["key"] == key and valid(stored["result"]):
            return stored["result"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return NOT_REMEMBERED


_PACKAGE = Path(__file__).resolve().parents[1]
_RESULT_CODE = (
    "_cli/_cassettes.py",
    "_cli/_quick.py",
    "replay/_format.py",
    "replay/_laid_out.py",
    "replay/_match.py",
    "replay/_scan.py",
    "_redaction.py",
)
"""The modules (under the package) whose code decides what show, verify and scan report."""


def _code_stamp() -> list[int]:
    stamp = []
    for name in _RESULT_CODE:
        try:
            result = os.stat(_PACKAGE / name)
        except OSError:
            return [-1]  # a layout other than the source tree's: the version alone decides
        stamp += [result.st_size, result.st_mtime_ns]
    return stamp


def _key(command: str, path: Path, stamp: FileStamp) -> list[object]:
    """What a stored result must have been computed for, compared in full on every read: the
    file name (a checksum of the key) only finds it, so two keys sharing a name are two misses,
    never one's result for the other."""
    return [_FORMAT, __version__, *_code_stamp(), command, os.path.abspath(path), *stamp]


def _settled(stamp: FileStamp) -> bool:
    latest = max(stamp.modified_ns, stamp.changed_ns) / 1e9
    return time.time() - latest >= RACY_SECONDS


def _unchanged(path: Path, stamp: FileStamp) -> bool:
    """Whether ``path`` still has ``stamp``: a save while the command read it is not stored."""
    try:
        return FileStamp.of(os.stat(path)) == stamp
    except OSError:
        return False


def _store(entry: Path, content: object) -> None:
    try:
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomically(entry, json.dumps(content, ensure_ascii=False).encode("utf-8"))
        _evict(entry.parent)
    except (OSError, TypeError, ValueError):
        pass  # an unwritable cache costs the next run its speed, nothing else


def _evict(directory: Path) -> None:
    entries = list(directory.glob("*.json"))
    if len(entries) <= MAX_ENTRIES:
        return
    by_age = sorted(entries, key=lambda entry: entry.stat().st_mtime_ns)
    for entry in by_age[: len(entries) - MAX_ENTRIES]:
        entry.unlink(missing_ok=True)
