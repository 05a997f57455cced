"""Writing files that several processes share: a lock, an atomic replace, a change stamp.

Cassettes and skill libraries are read-modify-write files that two pytest-xdist workers (or two
``agentkit run`` processes) may save at once. Every writer takes :func:`file_lock`, re-reads the
file if its :func:`file_stamp` changed since it loaded it, merges, and writes with
:func:`write_atomically`. Example::

    with file_lock(path):
        if file_stamp(path) != stamp_when_loaded:
            ...  # re-read and merge what another writer saved
        write_atomically(path, data)

Names are chosen so one ``.gitignore`` line covers each: temporary files end in ``.tmp``, the
lock file (removed on release, left only by a killed process) in ``.agentkit-lock``.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, NamedTuple

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "LOCK_SUFFIX",
    "TEMPORARY_SUFFIX",
    "FileStamp",
    "file_lock",
    "file_stamp",
    "lock_path",
    "open_stamped",
    "read_stamped",
    "remove_leftover_temporaries",
    "temporary_path",
    "write_atomically",
]

LOCK_SUFFIX = ".agentkit-lock"
"""How the lock file beside ``path`` ends (``.<name>.agentkit-lock``)."""
TEMPORARY_SUFFIX = ".tmp"
"""How a temporary file beside ``path`` ends (``.<name>.<16 hex digits>.tmp``)."""


class FileStamp(NamedTuple):
    """What identifies one version of a file: every atomic save makes a new inode and mtime."""

    device: int
    inode: int
    size: int
    modified_ns: int
    changed_ns: int

    @classmethod
    def of(cls, result: os.stat_result) -> FileStamp:
        return cls(
            result.st_dev, result.st_ino, result.st_size, result.st_mtime_ns, result.st_ctime_ns
        )


def file_stamp(path: Path) -> FileStamp | None:
    """The stamp of the file at ``path`` now, or None when there is none."""
    try:
        return FileStamp.of(os.stat(path))
    except FileNotFoundError:
        return None


def read_stamped(path: Path) -> tuple[bytes, FileStamp]:
    """The bytes of ``path`` and the stamp of exactly that version (taken from the open file, so
    a save landing between the read and the stamp cannot go unnoticed)."""
    with open_stamped(path) as (handle, stamp):
        return handle.read(), stamp


@contextlib.contextmanager
def open_stamped(path: Path) -> Iterator[tuple[IO[bytes], FileStamp]]:
    """``path`` open for reading (binary) and the stamp of the version it holds, as for
    :func:`read_stamped`, for a reader that takes it in parts."""
    with open(path, "rb") as handle:
        yield handle, FileStamp.of(os.fstat(handle.fileno()))


def lock_path(path: Path) -> Path:
    """The lock file that guards ``path``."""
    return path.with_name(f".{path.name}{LOCK_SUFFIX}")


def temporary_path(path: Path) -> Path:
    """A fresh temporary name beside ``path``; unique, so concurrent writers never share one."""
    # os.urandom, as secrets.token_hex does, without importing secrets (random, hashlib, base64:
    # a fifth of a cached `agentkit cassettes show`).
    return path.with_name(f".{path.name}.{os.urandom(8).hex()}{TEMPORARY_SUFFIX}")


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock for writing ``path`` (across processes; blocks until free).

    The lock file is removed on release. A waiter that wakes on a lock file already removed
    (its inode no longer at the name) tries again, so two writers never hold "the" lock at once.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    name = lock_path(path)
    while True:
        descriptor = os.open(name, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            _lock(descriptor)
            with contextlib.suppress(FileNotFoundError):
                if os.path.samestat(os.fstat(descriptor), os.stat(name)):
                    break
        except BaseException:
            os.close(descriptor)
            raise
        os.close(descriptor)
    try:
        yield
    finally:
        # Unlinked while still held: a waiter then sees a stale inode and retries.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
        os.close(descriptor)


def _lock(descriptor: int) -> None:
    if fcntl is not None:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    else:  # pragma: no cover - Windows: msvcrt locks a byte range, retrying for ~10 s
        import msvcrt

        msvcrt.locking(descriptor, msvcrt.LK_LOCK, 1)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``: a reader sees the
    old file or the new one, never half of one.

    The file gets the mode a plain ``open(path, "w")`` would give it: an existing file keeps its
    mode, a new one gets ``0o666`` less the umask. The temporary file is removed on any exception,
    ``KeyboardInterrupt`` included.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        existing_mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        existing_mode = None
    temporary = temporary_path(path)
    try:
        # os.open applies the umask to 0o666, like open(); mkstemp would force 0o600.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with open(descriptor, "wb") as handle:
            if existing_mode is not None:
                os.fchmod(handle.fileno(), existing_mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def remove_leftover_temporaries(path: Path) -> list[Path]:
    """Remove temporary files of ``path`` that a killed writer left (call it holding
    :func:`file_lock`: every live writer of ``path`` writes its temporary under that lock).

    Also removes the ``.tmp`` names older agentkit versions used (``mkstemp``'s eight random
    characters). Returns what was removed.
    """
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(?:[0-9a-f]{{16}}|[a-z0-9_]{{8}})\.tmp")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(path.parent))
    except FileNotFoundError:
        return removed
    for entry in entries:
        if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed
