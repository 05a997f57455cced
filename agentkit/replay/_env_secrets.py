"""The values of the secret environment variables, and whether a cassette's text can hold one.

Light to import (no pydantic): ``agentkit cassettes scan`` asks :func:`may_hold_secret_values`
before it trusts a remembered pattern-only result for an unchanged file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from agentkit.replay._redact import secret_env_names

__all__ = ["MIN_SECRET_LENGTH", "may_hold_secret_values", "secret_values"]

MIN_SECRET_LENGTH = 8
"""A variable's value shorter than this is not looked for (it would match ordinary text)."""

# Characters JSON may write as an escape other than \\uXXXX (\\" \\\\ \\/) or must (controls).
_ESCAPABLE = re.compile(r'["\\/\x00-\x1f\x7f]')
# A \\u escape of printable ASCII: the only way such a character can be spelt differently.
_ASCII_ESCAPE = re.compile(rb"\\u00[2-7][0-9a-fA-F]")


def secret_values(
    secret_env_vars: Iterable[str] | None = None, environ: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """``(value, name)`` of each secret environment variable set to a value worth looking for
    (:func:`secret_env_names` says which variables; ``environ`` defaults to ``os.environ``)."""
    env = os.environ if environ is None else environ
    pairs = [(env.get(name, ""), name) for name in secret_env_names(secret_env_vars, env)]
    return [(value, name) for value, name in pairs if len(value) >= MIN_SECRET_LENGTH]


def may_hold_secret_values(
    source: bytes | str | os.PathLike[str],
    *,
    secret_env_vars: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> bool:
    """False only when no string of the JSON text ``source`` (its bytes, or a file's path) can
    contain the value of a secret environment variable, so that a scan for credential patterns
    alone is the whole scan. With no such variable set, a file is not even read.

    A value of printable ASCII without ``"``, ``\\`` or ``/`` can only be written one way inside
    a JSON string, unless the text spells a printable ASCII character as a ``\\u00XX`` escape:
    absent such escapes, a string holds the value only if the text does, byte for byte. Any
    other value, or such an escape anywhere in the text, answers True (scan it all).
    """
    values = [value for value, _ in secret_values(secret_env_vars, environ)]
    if not values:
        return False
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    plain = all(
        value.isascii() and value.isprintable() and not _ESCAPABLE.search(value) for value in values
    )
    if not plain or _ASCII_ESCAPE.search(raw):
        return True
    return any(value.encode("ascii") in raw for value in values)
