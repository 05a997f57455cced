"""Answering the commands a developer re-runs all day without loading typer.

``agentkit version`` and ``agentkit cassettes show|verify|scan FILE`` on a file whose result the
cache keeps (``_cache``) print a few lines; typer alone takes longer to import and build the
app than the whole start-up budget of issue 16 leaves. So :func:`answer` prints those answers
itself, exactly as the typer commands would, and declines everything else: any other
arguments or option, a directory, a result the cache does not have, and any output that is not
the plain success case (a flag, a finding or terminal escapes, which typer colours or strips),
all go to typer, which reads the file and remembers the result for the next run.

This module imports neither typer nor pydantic; ``_cassettes`` renders with the same functions.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from agentkit._cli._cache import NOT_REMEMBERED, recall

__all__ = [
    "answer",
    "is_findings",
    "is_show_summary",
    "is_verify_facts",
    "scan_clean_text",
    "show_text",
    "verify_heading",
]


def show_text(path: Path, summary: dict[str, Any]) -> str:
    """What ``show`` prints for ``summary`` (see ``_cassettes._show_summary``)."""
    lines = [f"{path} (format v{summary['version']}, {summary['count']} interactions)"]
    return "\n".join([*lines, *summary["lines"]])


def verify_heading(path: Path, facts: dict[str, int]) -> str:
    """The first line ``verify`` prints for a cassette."""
    return (
        f"{path}: format v{facts['version']} (current v{facts['current']}), "
        f"{facts['count']} interactions"
    )


def scan_clean_text(files: int) -> str:
    """What ``scan`` prints when it finds nothing in ``files`` cassettes."""
    return f"no secrets in {files} cassette(s)"


def is_show_summary(value: object) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("version"), int)
        and isinstance(value.get("count"), int)
        and isinstance(value.get("lines"), list)
        and all(isinstance(line, str) for line in value["lines"])
    )


def is_verify_facts(value: object) -> bool:
    names = ("version", "current", "count", "duplicated")
    return isinstance(value, dict) and all(isinstance(value.get(name), int) for name in names)


def is_findings(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, dict)
        and all(isinstance(item.get(name), str) for name in ("location", "kind", "excerpt"))
        for item in value
    )


def answer(argv: list[str]) -> bool:
    """Print the answer to ``agentkit <argv>`` and return True, or return False (having
    printed nothing) for typer to run the command."""
    text = _text(argv)
    if text is None or "\x1b" in text:
        return False
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except (LookupError, UnicodeEncodeError):
        return False  # typer's echo knows what to do with a terminal that cannot show it
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return True


def _text(argv: list[str]) -> str | None:
    if argv == ["version"]:
        from agentkit._version import __version__

        return __version__
    if len(argv) != 3 or argv[0] != "cassettes" or argv[2].startswith("-"):
        return None
    command, path = argv[1], Path(argv[2])
    if command == "show":
        summary: Any = recall("show", path, is_show_summary)
        return None if summary is NOT_REMEMBERED else show_text(path, summary)
    if path.is_dir():
        return None  # typer expands a directory into its cassettes
    if command == "verify":
        from agentkit._played import played_path

        facts: Any = recall("verify", path, is_verify_facts)
        if facts is NOT_REMEMBERED or facts["duplicated"] or played_path(path).exists():
            return None  # flags are coloured; a run record is read (and checked) by typer
        return f"{verify_heading(path, facts)}\n  ok"
    if command == "scan":
        from agentkit.replay import may_hold_secret_values

        if may_hold_secret_values(path):
            return None  # the secret variables' values are looked for on every run
        findings = recall("scan", path, is_findings)
        return None if findings != [] else scan_clean_text(1)
    return None
