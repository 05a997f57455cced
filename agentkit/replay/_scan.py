"""The secret scanner: finds credential-like strings in a cassette (or any JSON/text).

Redaction should make it find nothing; it exists for cassettes edited by hand, recorded by older
tools, or recorded with a secret that was not configured. It finds at least every kind the
redactor removes: secret values, credential shapes, credential-named headers, fields and query
parameters, and the request-id headers that a recording drops (random tokens that secret scanners
such as detect-secrets flag).
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict

from agentkit.replay._env_secrets import secret_values
from agentkit.replay._errors import CassetteFormatError, SecretFoundError
from agentkit.replay._redact import (
    KEY_PATTERNS,
    find_keys,
    is_sensitive_field,
    is_sensitive_header,
    is_sensitive_query,
    is_volatile_id_header,
)

__all__ = ["SecretFinding", "check_cassette", "scan_cassette", "scan_text", "scan_value"]

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


class _KeyShapes:
    """A cheap test that rules out most strings before :func:`find_keys` runs its regexes.

    Derived from :data:`KEY_PATTERNS` by the standard library's own regex parser, so it cannot
    miss a match: each pattern gives the minimum length of a match and the literal text every
    match holds (``sk-``, ``eyJ``, ``://``, one of ``earer`` / ``EARER``...). A string that is
    too short for a pattern, or lacks its literal text, cannot match it. The ``api_key=<token>``
    rule needs a ``=`` or ``:`` and a 16+ character token. Where the parser is not available
    (it is CPython's), every string is searched.
    """

    def __init__(self) -> None:
        self._patterns = _pattern_requirements()

    def may_match(self, text: str) -> bool:
        """False only when no credential shape can occur in ``text``."""
        if self._patterns is None:
            return True
        size = len(text)
        if size > _KEY_PARAMETER_MIN_LENGTH and ("=" in text or ":" in text):
            return True
        # Case-insensitive literals are looked for in the lower-cased text, and only in ASCII
        # text: in Unicode, "(?i)s" also matches the long s (U+017F), "k" the Kelvin sign.
        folded = text.lower() if text.isascii() else None
        for width, clauses, folded_clauses in self._patterns:
            if size < width:
                continue
            if not all(any(part in text for part in clause) for clause in clauses):
                continue
            if folded is None or all(
                any(part in folded for part in clause) for clause in folded_clauses
            ):
                return True
        return False


_KEY_PARAMETER_MIN_LENGTH = 16
"""``api_key=`` and the like are followed by a 16+ character token (see :data:`KEY_PATTERNS`)."""

_Clause = frozenset[str]
"""Strings of which every match holds at least one."""


_Requirement = tuple[int, tuple[_Clause, ...], tuple[_Clause, ...]]
"""A pattern's minimum match length, its clauses, and its case-insensitive clauses (lower-case)."""


@functools.cache
def _pattern_requirements() -> list[_Requirement] | None:
    """What every match of each credential pattern holds; None without the parser. Worked out
    once (about a millisecond), not per cassette scanned."""
    try:
        parser: Any = importlib.import_module("re._parser")
        c: Any = importlib.import_module("re._constants")
        requirements: list[_Requirement] = []
        for _, regex in KEY_PATTERNS:
            parsed = parser.parse(regex)
            exact: list[_Clause] = []
            folded: list[_Clause] = []
            if not parsed.state.flags & c.SRE_FLAG_IGNORECASE:
                _clauses(parsed, c, exact, folded, ignore_case=False)
            requirements.append((int(parsed.getwidth()[0]), tuple(exact), tuple(folded)))
    except (ImportError, AttributeError, TypeError, ValueError, re.error):
        return None
    return requirements


def _clauses(
    items: Any, c: Any, exact: list[_Clause], folded: list[_Clause], *, ignore_case: bool
) -> None:
    """Add what every match of the parsed sequence ``items`` holds to ``exact`` (or, under
    ``(?i:...)``, lower-cased to ``folded``). Only what is certain counts: a literal run, a
    repeat of at least one, one of a branch's alternatives; a group that turns a flag off, a
    character class or a look-around adds nothing."""
    out = folded if ignore_case else exact
    run: list[str] = []
    for op, argument in items:
        if op is c.LITERAL:
            run.append(chr(argument).lower() if ignore_case else chr(argument))
            continue
        if run:
            out.append(frozenset({"".join(run)}))
            run = []
        if op is c.SUBPATTERN:
            _, add_flags, del_flags, inner = argument
            if not del_flags and add_flags in (0, c.SRE_FLAG_IGNORECASE):
                _clauses(inner, c, exact, folded, ignore_case=ignore_case or bool(add_flags))
        elif op is c.ATOMIC_GROUP:
            _clauses(argument, c, exact, folded, ignore_case=ignore_case)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            least, _, inner = argument
            if least >= 1:
                _clauses(inner, c, exact, folded, ignore_case=ignore_case)
        elif op is c.BRANCH and not ignore_case:
            alternatives: set[str] = set()
            for branch in argument[1]:
                held: list[_Clause] = []
                skipped: list[_Clause] = []
                _clauses(branch, c, held, skipped, ignore_case=False)
                if not held:  # a branch that needs nothing: the branch as a whole neither
                    break
                alternatives |= min(held, key=lambda clause: (len(clause), -min(map(len, clause))))
            else:
                out.append(frozenset(alternatives))
    if run:
        out.append(frozenset({"".join(run)}))


class _Finder:
    """What is credential-like in a string, remembered per distinct string.

    A cassette repeats most of its text (each request carries the system prompt, the tool
    schemas and the history so far: at 1,000 interactions, 433,000 strings of which 3,300
    differ), so each distinct string is searched once, and only when :class:`_KeyShapes` says a
    credential shape can occur in it.
    """

    def __init__(self, secrets: list[tuple[str, str]]) -> None:
        self._secrets = secrets
        self._shapes = _KeyShapes()
        self.seen: dict[str, tuple[tuple[str, str], ...]] = {}

    def hits(self, text: str) -> tuple[tuple[str, str], ...]:
        """``(kind, masked excerpt)`` of each credential-like string in ``text``."""
        found = self.seen.get(text)
        if found is None:
            found = self.search(text)
        return found

    def search(self, text: str) -> tuple[tuple[str, str], ...]:
        """:meth:`hits`, for a string not seen before."""
        named = [(f"${name}", _mask(value)) for value, name in self._secrets if value in text]
        shaped = (
            [(kind, _mask(text[start:end])) for start, end, kind in find_keys(text)]
            if self._shapes.may_match(text)
            else []
        )
        found = self.seen[text] = (*named, *shaped)
        return found


class _Key(NamedTuple):
    """What the scanner needs to know about an object key, worked out once per distinct key."""

    shown: str
    """The key as a location prints it (masked when it is itself credential-like)."""
    hits: tuple[tuple[str, str], ...]
    lower: str
    volatile_id_header: bool
    sensitive_header: bool
    sensitive_field: bool


def _where(location: str, shown: str) -> str:
    return f"{location}.{shown}" if location else shown


class _Walker:
    """Walks parsed JSON, appending a :class:`SecretFinding` to ``out`` for each hit.

    A location is spelt out only for a container (its children need it) or a finding: most
    values are clean strings, and building each one's path was most of the scan's time.
    """

    def __init__(self, finder: _Finder) -> None:
        self._finder = finder
        self._keys: dict[str, _Key] = {}
        self.out: list[SecretFinding] = []

    def walk(self, value: Any, location: str) -> None:
        if isinstance(value, str):
            self._report(self._finder.hits(value), location)
        elif isinstance(value, dict):
            self._dict(value, location)
        elif isinstance(value, list):
            self._list(value, location)

    def _report(self, hits: tuple[tuple[str, str], ...], location: str) -> None:
        for kind, excerpt in hits:
            self.out.append(SecretFinding(location=location, kind=kind, excerpt=excerpt))

    def _key(self, name: str) -> _Key:
        hits = self._finder.hits(name)
        lower = name.lower()
        key = self._keys[name] = _Key(
            # A credential used as a key must not be printed whole as part of a location.
            shown=f"<{_mask(name)}>" if hits else name,
            hits=hits,
            lower=lower,
            volatile_id_header=is_volatile_id_header(lower),
            sensitive_header=is_sensitive_header(lower),
            sensitive_field=is_sensitive_field(lower),
        )
        return key

    def _dict(self, value: dict[Any, Any], location: str) -> None:
        in_headers = location.endswith(".headers")
        seen, search, keys = self._finder.seen, self._finder.search, self._keys
        for raw_key, item in value.items():
            name = raw_key if isinstance(raw_key, str) else str(raw_key)
            key = keys.get(name) or self._key(name)
            if key.hits:
                self._report(key.hits, f"{_where(location, key.shown)} (key)")
            if isinstance(item, str):
                if item and (key.sensitive_field or in_headers) and not _is_placeholder(item):
                    if in_headers and key.volatile_id_header:
                        kind = f"volatile-header:{key.lower}"
                    elif (in_headers and key.sensitive_header) or key.sensitive_field:
                        kind = key.lower
                    else:
                        kind = ""
                    if kind:
                        where = _where(location, key.shown)
                        self.out.append(
                            SecretFinding(location=where, kind=kind, excerpt=_mask(item))
                        )
                        continue
                found = seen.get(item)
                if found is None:
                    found = search(item)
                if found:
                    self._report(found, _where(location, key.shown))
            elif isinstance(item, dict):
                self._dict(item, _where(location, key.shown))
            elif isinstance(item, list):
                self._list(item, _where(location, key.shown))

    def _list(self, value: list[Any], location: str) -> None:
        in_query = location.endswith(".query")
        seen, search = self._finder.seen, self._finder.search
        for index, item in enumerate(value):
            if isinstance(item, str):
                found = seen.get(item)
                if found is None:
                    found = search(item)
                if found:
                    self._report(found, f"{location}[{index}]")
            elif in_query and _is_pair(item) and _credential_query(item[0], item[1]):
                self.out.append(
                    SecretFinding(
                        location=f"{location}[{index}]",
                        kind=item[0].lower(),
                        excerpt=_mask(item[1]),
                    )
                )
            else:
                self.walk(item, f"{location}[{index}]")


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
    walker = _Walker(_Finder(secret_values(secret_env_vars, environ)))
    try:
        walker.walk(value, "")
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None
    return walker.out


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
        walker = _Walker(_Finder(secret_values(secret_env_vars, environ)))
        walker.walk(text, "<text>")
        return walker.out
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
    if not raw or raw.isspace():  # as `not raw.strip()`, without copying a large file
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
