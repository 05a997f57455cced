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

from agentkit.replay._errors import SecretFoundError
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


class SecretFinding(BaseModel):
    """One credential-like string found by the scanner."""

    model_config = ConfigDict(frozen=True)

    location: str
    """Where it is, e.g. ``interactions[2].request.headers.authorization``."""
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


def _scan_string(
    text: str, location: str, secrets: list[tuple[str, str]], out: list[SecretFinding]
) -> None:
    for value, name in secrets:
        if value in text:
            out.append(SecretFinding(location=location, kind=f"${name}", excerpt=_mask(value)))
    for start, end, kind in find_keys(text):
        out.append(SecretFinding(location=location, kind=kind, excerpt=_mask(text[start:end])))


def _walk(
    value: Any, location: str, secrets: list[tuple[str, str]], out: list[SecretFinding]
) -> None:
    if isinstance(value, str):
        _scan_string(value, location, secrets, out)
    elif isinstance(value, dict):
        in_headers = location.endswith(".headers")
        for key, item in value.items():
            where = f"{location}.{key}" if location else str(key)
            _scan_string(str(key), f"{where} (key)", secrets, out)
            lower = str(key).lower()
            if isinstance(item, str) and item and not _is_placeholder(item):
                if in_headers and is_volatile_id_header(lower):
                    kind = f"volatile-header:{lower}"
                    out.append(SecretFinding(location=where, kind=kind, excerpt=_mask(item)))
                    continue
                if (in_headers and is_sensitive_header(lower)) or is_sensitive_field(lower):
                    out.append(SecretFinding(location=where, kind=lower, excerpt=_mask(item)))
                    continue
            _walk(item, where, secrets, out)
    elif isinstance(value, list):
        in_query = location.endswith(".query")
        for index, item in enumerate(value):
            where = f"{location}[{index}]"
            if in_query and _is_pair(item) and _credential_query(item[0], item[1]):
                out.append(
                    SecretFinding(location=where, kind=item[0].lower(), excerpt=_mask(item[1]))
                )
                continue
            _walk(item, where, secrets, out)


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
    """Findings in parsed JSON ``value`` (a whole cassette, or any part of one)."""
    out: list[SecretFinding] = []
    _walk(value, "", _secret_values(secret_env_vars, environ), out)
    return out


def scan_text(
    text: str,
    *,
    secret_env_vars: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[SecretFinding]:
    """Findings in ``text``: parsed and walked when it is JSON, else scanned as plain text."""
    try:
        value = json.loads(text)
    except ValueError:
        out: list[SecretFinding] = []
        _scan_string(text, "<text>", _secret_values(secret_env_vars, environ), out)
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
    """
    text = Path(path).read_text(encoding="utf-8")
    return scan_text(text, secret_env_vars=secret_env_vars, environ=environ)


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
