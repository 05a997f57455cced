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
    "CassetteFormatError",
    "NetworkBlockedError",
    "ReplayError",
    "ReplayMismatchError",
    "SecretFoundError",
    "UnplayedInteractionsError",
    "rerecord_hint",
]


def rerecord_hint(mode: str = "new_episodes") -> str:
    """The three ways to re-record, as one sentence for error messages."""
    return (
        f"To record it, re-run with --agentkit-record-mode={mode} (pytest), "
        f"AGENTKIT_RECORD_MODE={mode} (environment variable) "
        f"or `agentkit run --record-mode {mode}` (CLI)."
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
    ) -> None:
        self.cassette_path = cassette_path
        self.request = request
        self.closest = closest
        self.diff = diff
        if closest is None:
            found = "The cassette holds no recorded request to compare it with."
        else:
            found = (
                f"Closest recorded request: {closest.method} {closest.path}\n"
                f"What differs (recorded -> sent):\n{_indent(diff)}"
            )
        super().__init__(
            f"Replay mismatch in cassette {cassette_path}: no unplayed recorded interaction "
            f"matches {request.method} {request.path}.\n{found}\n"
            "If the change is intended, re-record the cassette. " + rerecord_hint()
        )


class CassetteFormatError(ReplayError):
    """A cassette file cannot be read: corrupt JSON, wrong shape or an unknown format version.

    The file is never rewritten when this is raised.
    """

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(
            f"Cannot read cassette {path}: {problem}. The file was left untouched. "
            "Fix it by hand, restore it from version control, or delete it and re-record: "
            + rerecord_hint("all")
        )


class UnplayedInteractionsError(ReplayError):
    """The cassette closed with recorded interactions that the code never requested.

    Attributes:
        cassette_path: the cassette.
        unplayed: ``"METHOD /path"`` of each unplayed interaction, in recorded order.
    """

    def __init__(self, cassette_path: Path, unplayed: Sequence[str], total: int) -> None:
        self.cassette_path = cassette_path
        self.unplayed = list(unplayed)
        shown = "\n".join(f"  - {line}" for line in self.unplayed[:10])
        more = f"\n  ... and {len(self.unplayed) - 10} more" if len(self.unplayed) > 10 else ""
        super().__init__(
            f"Cassette {cassette_path} closed with {len(self.unplayed)} of {total} recorded "
            f"interactions never played:\n{shown}{more}\n"
            "Expected every recorded interaction to be replayed: the code now makes fewer "
            "requests than when it was recorded. Re-record the cassette "
            "(--agentkit-record-mode=all or AGENTKIT_RECORD_MODE=all) or pass "
            "allow_unplayed=True to use_cassette."
        )


class NetworkBlockedError(ReplayError):
    """A connection to a non-loopback host was attempted while replaying (record mode ``none``).

    Attributes:
        host: the host (name or address) the code tried to reach.
    """

    def __init__(self, host: str, port: int | None = None) -> None:
        self.host = host
        self.port = port
        where = host if port is None else f"{host}:{port}"
        super().__init__(
            f"Network access to {where} was blocked: the cassette is in record mode 'none' "
            "(replay only), which allows loopback connections only. If this request should "
            "be recorded, re-run in a recording mode. " + rerecord_hint()
        )


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


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
