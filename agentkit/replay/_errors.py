"""Exceptions raised by record/replay.

Every message says what happened, what was expected and how to fix it; the attributes carry the
same facts for code that handles the error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from agentkit._errors import AgentKitError

if TYPE_CHECKING:
    from agentkit.replay._format import RecordedRequest
    from agentkit.replay._scan import SecretFinding

__all__ = [
    "BackgroundMismatchError",
    "BackgroundRequestWarning",
    "CassetteFormatError",
    "CassetteNotFoundError",
    "EmptyCassetteError",
    "EmptyCassetteWarning",
    "NetworkBlockedError",
    "ReplayError",
    "ReplayMismatchError",
    "SecretFoundError",
    "UnplayedInteractionsError",
    "rerecord_hint",
]


def rerecord_hint(mode: str = "rewrite", *, command: str | None = None) -> str:
    """How to (re-)record a cassette, as one sentence for error messages.

    Every message that advises recording says this, so that following any of them leaves a
    cassette that the next plain replay accepts: ``rewrite`` drops the old file and records
    what the code sends now (``once`` records a file that does not exist yet). ``command`` is
    the exact command that records this cassette, when the caller knows it.
    """
    if command is not None:
        return f"To record it, run: {command}"
    return (
        f"To record it, re-run with --agentkit-record-mode={mode} (pytest), "
        f"AGENTKIT_RECORD_MODE={mode} (environment variable), use_cassette(..., mode={mode!r}) "
        f"(code) or `agentkit run ... --record-mode {mode}` (CLI)."
    )


class ReplayError(AgentKitError):
    """Base class of every record/replay failure."""


class ReplayMismatchError(ReplayError):
    """A request has no unplayed recorded counterpart in the cassette.

    Attributes:
        cassette_path: the cassette that was searched.
        request: the request the code sent (redacted like a recorded one).
        closest: the recorded request most like it, or ``None`` if the cassette has none.
        diff: what differs between ``closest`` and ``request``, one line per change.
    """

    def __init__(
        self,
        cassette_path: Path,
        request: RecordedRequest,
        closest: RecordedRequest | None,
        diff: str,
        *,
        record_command: str | None = None,
    ) -> None:
        self.cassette_path = cassette_path
        self.request = request
        self.closest = closest
        self.diff = diff
        super().__init__(
            _mismatch_message(cassette_path, request, closest, diff)
            + "If the change is intended, re-record the cassette. "
            + rerecord_hint(command=record_command)
        )


class BackgroundMismatchError(ReplayMismatchError):
    """A replay mismatch of a request the test did not make itself: from a thread or an asyncio
    task that did not inherit the cassette's context (a library's telemetry thread, a task
    created before the block). That thread gets its client library's connection error, caused by
    this one (telemetry code handles those, as when offline); whether it also fails the block is
    ``use_cassette(..., on_background_mismatch=...)``.

    Attributes:
        origin: the thread (and task) that sent the request, e.g. ``thread 'exporter'``.
        host: the host it was sent to.
    """

    def __init__(
        self,
        cassette_path: Path,
        request: RecordedRequest,
        closest: RecordedRequest | None,
        diff: str,
        *,
        origin: str,
        host: str,
        record_command: str | None = None,
    ) -> None:
        self.cassette_path = cassette_path
        self.request = request
        self.closest = closest
        self.diff = diff
        self.origin = origin
        self.host = host
        route = f"{request.method} {host}{request.path}"
        # The message leads with where the request came from: that decides the fix.
        ReplayError.__init__(
            self,
            f"Replay mismatch from a background {origin}, which the test did not start (it did "
            "not inherit the context that entered the cassette).\n"
            + _mismatch_message(cassette_path, request, closest, diff)
            + "If this is a library's telemetry or download, ignore its route: use_cassette(..., "
            f"ignore_routes=[{route!r}]). If it is the test's own work on a worker thread, "
            "submit it with contextvars.copy_context().run (or use asyncio.to_thread) so it "
            "counts as the test's own. Otherwise re-record the cassette. "
            + rerecord_hint(command=record_command),
        )


class BackgroundRequestWarning(UserWarning):
    """Requests from threads or tasks the test did not start found no recording; they were
    refused in their own thread with a connection error, and (with
    ``on_background_mismatch="warn"``, the default) do not fail the block."""


class CassetteFormatError(ReplayError):
    """A cassette file cannot be read: corrupt JSON, wrong shape or an unknown format version.

    The file is never rewritten when this is raised.
    """

    def __init__(self, path: Path, problem: str, *, record_command: str | None = None) -> None:
        self.path = path
        self.problem = problem
        super().__init__(
            f"Cannot read cassette {path}: {problem}. The file was left untouched. "
            "Fix it by hand, restore it from version control, or re-record it. "
            + rerecord_hint(command=record_command)
        )


class CassetteNotFoundError(ReplayError):
    """A replay-only cassette (record mode ``none``) names a file that does not exist.

    Attributes:
        path: the missing file.
    """

    def __init__(self, path: Path, *, record_command: str | None = None) -> None:
        self.path = path
        super().__init__(
            f"Cassette {path} does not exist, and record mode 'none' only replays. "
            + rerecord_hint(command=record_command)
        )


class EmptyCassetteWarning(UserWarning):
    """A recording block captured no interaction: likely the client library is not intercepted
    (httpx, httpx2 and aiohttp are; requests, urllib3, boto3 and http.client are not), or the
    code made no HTTP request at all."""


class EmptyCassetteError(ReplayError):
    """A recording block captured no interaction and ``on_empty="error"`` was asked for.

    Attributes:
        path: the cassette.
        mode: the record mode of the block.
    """

    def __init__(self, path: Path, mode: str, explanation: str) -> None:
        self.path = path
        self.mode = mode
        super().__init__(explanation)


class UnplayedInteractionsError(ReplayError):
    """The cassette closed with recorded interactions that the code never requested.

    Attributes:
        cassette_path: the cassette.
        unplayed: ``"METHOD /path"`` of each unplayed interaction, in recorded order.
    """

    def __init__(
        self,
        cassette_path: Path,
        unplayed: Sequence[str],
        total: int,
        *,
        recording: bool = False,
        record_command: str | None = None,
    ) -> None:
        self.cassette_path = cassette_path
        self.unplayed = list(unplayed)
        shown = "\n".join(f"  - {line}" for line in self.unplayed[:10])
        more = f"\n  ... and {len(self.unplayed) - 10} more" if len(self.unplayed) > 10 else ""
        if recording:
            # new_episodes adds what is new and keeps what was there: after a prompt change the
            # old recordings stay, unplayed, and the next plain replay would fail on them.
            why = (
                f"Cassette {cassette_path} was recorded in mode 'new_episodes' but "
                f"{len(self.unplayed)} of its {total} earlier interactions were not used:\n"
                f"{shown}{more}\nThey are stale (recorded before the code changed), and the "
                "next replay would fail on them. Re-record the whole cassette instead. "
            )
        else:
            why = (
                f"Cassette {cassette_path} closed with {len(self.unplayed)} of {total} recorded "
                f"interactions never played:\n{shown}{more}\n"
                "Expected every recorded interaction to be replayed: the code now makes fewer "
                "requests than when it was recorded. Pass allow_unplayed=True to use_cassette "
                "if that is intended, or re-record the cassette. "
            )
        super().__init__(why + rerecord_hint(command=record_command))


class NetworkBlockedError(ReplayError):
    """A connection to, a datagram to or a name lookup of a non-loopback host (or, with
    ``block_loopback=True``, a connection to any host) was attempted while replaying (record mode
    ``none``), in this process or in a child it started.

    Attributes:
        host: the host (name or address) the code tried to reach.
        port: its port, when known.
        loopback: whether it was a loopback connection refused by ``block_loopback=True``.
        operation: what was blocked, e.g. ``connection`` or ``DNS lookup``.
    """

    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        loopback: bool = False,
        operation: str = "connection",
    ) -> None:
        self.host = host
        self.port = port
        self.loopback = loopback
        self.operation = operation
        where = host if port is None else f"{host}:{port}"
        if loopback:
            allowed = (
                "which refuses loopback connections too (block_loopback=True: a local model "
                "server that is still up must not answer a replay)"
            )
        else:
            allowed = "which allows loopback connections only"
        super().__init__(
            f"Network access to {where} was blocked ({operation}): the cassette is in record "
            f"mode 'none' (replay only), {allowed}. If this request should be recorded, re-run "
            "in a recording mode. " + rerecord_hint() + " If the test does not need it "
            f"(telemetry, a download), ignore its host: use_cassette(..., ignore_hosts=[{host!r}])."
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt from its fields, so it crosses a process boundary (multiprocessing) intact.
        return (
            _rebuild_network_blocked,
            (self.host, self.port, self.loopback, self.operation),
        )


def _rebuild_network_blocked(
    host: str, port: int | None, loopback: bool, operation: str
) -> NetworkBlockedError:
    return NetworkBlockedError(host, port, loopback=loopback, operation=operation)


class SecretFoundError(ReplayError):
    """A cassette contains credential-like strings.

    Attributes:
        findings: what was found and where (values are masked).
    """

    def __init__(self, path: Path, findings: Sequence[SecretFinding]) -> None:
        self.path = path
        self.findings = list(findings)
        lines = "\n".join(f"  - {f.location}: {f.kind} ({f.excerpt})" for f in self.findings)
        super().__init__(
            f"Cassette {path} contains {len(self.findings)} credential-like string(s):\n{lines}\n"
            "Expected none: recorded cassettes are redacted by default. Remove the cassette and "
            "re-record it, or redact these values by hand, then rotate the exposed credentials."
        )


def _mismatch_message(
    cassette_path: Path, request: RecordedRequest, closest: RecordedRequest | None, diff: str
) -> str:
    if closest is None:
        found = f"The cassette holds no recorded request to compare it with: {diff}."
    else:
        found = (
            f"Closest recorded request: {closest.method} {closest.path}\n"
            f"What differs (recorded -> sent):\n{_indent(diff)}"
        )
    return (
        f"Replay mismatch in cassette {cassette_path}: no unplayed recorded interaction "
        f"matches {request.method} {request.path}.\n{found}\n"
    )


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
