"""The secret scanner: finds credential-like strings in a cassette (or any JSON/text).

Redaction should make it find nothing; it exists for cassettes edited by hand, recorded by older
tools, or recorded with a secret that was not configured. It finds at least every kind the
redactor removes: secret values, credential shapes, credential-named headers, fields and query
parameters, and the request-id headers that a recording drops (random tokens that secret scanners
such as detect-secrets flag).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from agentkit.replay._errors import CassetteFormatError, SecretFoundError
from agentkit.replay._redact import (
    find_keys,
    is_sensitive_field,
    is_sensitive_header,
    is_sensitive_query,
    is_volatile_id_header,
    secret_env_names,
)

__all__ = ["SecretFinding", "check_cassette", "scan_cassette", "scan_text", "scan_value"]

_MIN_SECRET_LENGTH = 8
_TOO_DEEP = "it is nested too deeply to scan (deeper than Python's recursion limit)"


class SecretFinding(BaseModel):
    """One credential-like string found by the scanner."""

    model_config = ConfigDict(frozen=True)

    location: str
    """Where it is, e.g. ``interactions[2].request.headers.authorization``; a key that is
    itself credential-like is masked there too (``body.<sk-p…(51 chars)> (key)``)."""
    kind: str
    """What it looks like: a pattern name, a header name, or the environment variable it equals."""
    excerpt: str
    """The value masked to its first four characters, safe to print."""


def _mask(value: str) -> str:
    return f"{value[:4]}…({len(value)} chars)"


def _is_placeholder(value: str) -> bool:
    return value.startswith("<REDACTED:") and value.endswith(">")


def _secret_values(
    secret_env_vars: Iterable[str] | None, environ: Mapping[str, str] | None
) -> list[tuple[str, str]]:
    env = os.environ if environ is None else environ
    pairs = [(env.get(name, ""), name) for name in secret_env_names(secret_env_vars, env)]
    return [(value, name) for value, name in pairs if len(value) >= _MIN_SECRET_LENGTH]


class _Finder:
    """What is credential-like in a string, remembered per distinct string.

    A cassette repeats most of its text (each request carries the system prompt, the tool
    schemas and the history so far: at 1,000 interactions, 433,000 strings of which 3,300
    differ), so each distinct string is searched once.
    """

    def __init__(self, secrets: list[tuple[str, str]]) -> None:
        self._secrets = secrets
        self._seen: dict[str, tuple[tuple[str, str], ...]] = {}

    def hits(self, text: str) -> tuple[tuple[str, str], ...]:
        """``(kind, masked excerpt)`` of each credential-like string in ``text``."""
        found = self._seen.get(text)
        if found is None:
            named = [(f"${name}", _mask(value)) for value, name in self._secrets if value in text]
            shaped = [(kind, _mask(text[start:end])) for start, end, kind in find_keys(text)]
            found = self._seen[text] = (*named, *shaped)
        return found


def _scan_string(text: str, location: str, finder: _Finder, out: list[SecretFinding]) -> None:
    for kind, excerpt in finder.hits(text):
        out.append(SecretFinding(location=location, kind=kind, excerpt=excerpt))


def _walk(value: Any, location: str, finder: _Finder, out: list[SecretFinding]) -> None:
    if isinstance(value, str):
        _scan_string(value, location, finder, out)
    elif isinstance(value, dict):
        in_headers = location.endswith(".headers")
        for key, item in value.items():
            name = str(key)
            in_key = finder.hits(name)
            # A credential used as a key must not be printed whole as part of a location.
            shown = f"<{_mask(name)}>" if in_key else name
            where = f"{location}.{shown}" if location else shown
            _scan_string(name, f"{where} (key)", finder, out)
            lower = name.lower()
            if isinstance(item, str) and item and not _is_placeholder(item):
                if in_headers and is_volatile_id_header(lower):
                    kind = f"volatile-header:{lower}"
                    out.append(SecretFinding(location=where, kind=kind, excerpt=_mask(item)))
                    continue
                if (in_headers and is_sensitive_header(lower)) or is_sensitive_field(lower):
                    out.append(SecretFinding(location=where, kind=lower, excerpt=_mask(item)))
                    continue
            _walk(item, where, finder, out)
    elif isinstance(value, list):
        in_query = location.endswith(".query")
        for index, item in enumerate(value):
            where = f"{location}[{index}]"
            if in_query and _is_pair(item) and _credential_query(item[0], item[1]):
                out.append(
                    SecretFinding(location=where, kind=item[0].lower(), excerpt=_mask(item[1]))
                )
                continue
            _walk(item, where, finder, out)


def _credential_query(name: str, value: str) -> bool:
    return bool(value) and not _is_placeholder(value) and is_sensitive_query(name)


def _is_pair(item: Any) -> bool:
    return (
        isinstance(item, list | tuple)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], str)
    )


def scan_value(
    value: Any,
    *,
    secret_env_vars: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[SecretFinding]:
    """Findings in parsed JSON ``value`` (a whole cassette, or any part of one).

    Raises ``ValueError`` when ``value`` is nested too deeply to walk.
    """
    out: list[SecretFinding] = []
    try:
        _walk(value, "", _Finder(_secret_values(secret_env_vars, environ)), out)
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None
    return out


def scan_text(
    text: str,
    *,
    secret_env_vars: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[SecretFinding]:
    """Findings in ``text``: parsed and walked when it is JSON, else scanned as plain text.

    Raises ``ValueError`` when the JSON is nested too deeply to walk.
    """
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None
    except ValueError:
        out: list[SecretFinding] = []
        _scan_string(text, "<text>", _Finder(_secret_values(secret_env_vars, environ)), out)
        return out
    return scan_value(value, secret_env_vars=secret_env_vars, environ=environ)


def scan_cassette(
    path: str | os.PathLike[str],
    *,
    secret_env_vars: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[SecretFinding]:
    """Findings in the cassette file at ``path`` (empty when it is clean).

    Example::

        assert scan_cassette("cassettes/test_agent/test_books.json") == []

    Raises ``FileNotFoundError`` (or another ``OSError``) when the file cannot be read, and
    :class:`CassetteFormatError` when it is empty, not UTF-8 text, or nested too deeply to scan:
    a file the scanner cannot read is never reported clean.
    """
    path = Path(path)
    raw = path.read_bytes()
    if not raw.strip():
        raise CassetteFormatError(path, "the file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CassetteFormatError(
            path, f"it is not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start})"
        ) from None
    try:
        return scan_text(text, secret_env_vars=secret_env_vars, environ=environ)
    except ValueError as exc:
        raise CassetteFormatError(path, str(exc)) from None


def check_cassette(
    path: str | os.PathLike[str],
    *,
    secret_env_vars: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Raise :class:`SecretFoundError` if :func:`scan_cassette` finds anything."""
    findings = scan_cassette(path, secret_env_vars=secret_env_vars, environ=environ)
    if findings:
        raise SecretFoundError(Path(path), findings)
