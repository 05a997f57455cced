"""Redaction: credentials never reach a cassette file.

The rules live in :mod:`agentkit._redaction`, shared with the error messages, decision records,
trajectories and snapshots; this module is their home in the replay layer. Applied to requests
and responses before they are stored (and to live requests before they are matched, so a
redacted recording still matches):

* credential-named headers, JSON fields and query parameters are replaced whatever their value;
* the value of every secret environment variable is replaced wherever it appears;
* credential-shaped strings (keys, JWTs, private keys, URL credentials, ...) are replaced;
* volatile response headers (request ids, dates, processing times) are dropped.

Each replacement is a fixed placeholder such as ``<REDACTED:authorization>``.
"""

from __future__ import annotations

from agentkit._redaction import (
    DEFAULT_SECRET_ENV_VARS,
    KEY_PATTERNS,
    SECRET_ENV_SUFFIXES,
    SENSITIVE_FIELDS,
    SENSITIVE_HEADERS,
    URL_CREDENTIALS_PLACEHOLDER,
    VOLATILE_HEADERS,
    Redactor,
    default_redactor,
    find_keys,
    is_sensitive_field,
    is_sensitive_header,
    is_sensitive_query,
    is_volatile_header,
    is_volatile_id_header,
    placeholder,
    redact,
    secret_env_names,
)

__all__ = [
    "DEFAULT_SECRET_ENV_VARS",
    "KEY_PATTERNS",
    "SECRET_ENV_SUFFIXES",
    "SENSITIVE_FIELDS",
    "SENSITIVE_HEADERS",
    "URL_CREDENTIALS_PLACEHOLDER",
    "VOLATILE_HEADERS",
    "Redactor",
    "default_redactor",
    "find_keys",
    "is_sensitive_field",
    "is_sensitive_header",
    "is_sensitive_query",
    "is_volatile_header",
    "is_volatile_id_header",
    "placeholder",
    "redact",
    "secret_env_names",
]
