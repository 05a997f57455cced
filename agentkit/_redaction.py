"""Redaction: one set of rules for everything agentkit stores or reports.

Cassettes, error messages, decision records, trajectories and snapshots all go through
:class:`Redactor`, so a credential removed from one is removed from all. Four nets:

* credential-named headers (any name that says key, token, secret, auth, password, signature,
  session or cookie), JSON fields (``api_key``, ``password``, ``session_token``, ``clientSecret``,
  ...) and query parameters are replaced whatever their value;
* the value of every secret environment variable is replaced wherever it appears;
* credential-shaped strings (provider keys, JWTs, PEM private keys, ``https://user:pass@host``,
  AWS, GitHub, Slack and Google keys, ``Basic``/``Bearer`` credentials, ``key=<long token>``)
  are replaced wherever they appear;
* volatile headers (request ids, dates, processing times) are dropped, so a re-record diffs only
  where the conversation changed and secret scanners do not flag random ids.

Each replacement is a fixed placeholder such as ``<REDACTED:authorization>``. This module is
shared (like ``agentkit._errors``): ``agentkit.replay`` re-exports it as its public API, and
``agentkit.models`` and ``agentkit.agents`` use it without importing the replay layer.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

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

DEFAULT_SECRET_ENV_VARS: tuple[str, ...] = (
    "ANTHROPIC_API_KEY",
    "MODEL_PROXY_API_KEY",
    "OPENAI_API_KEY",
    "STEPCAST_API_KEY",
)
"""Environment variables whose values are always treated as secrets."""

SECRET_ENV_SUFFIXES: tuple[str, ...] = ("_API_KEY", "_TOKEN", "_SECRET")
"""Any environment variable whose name ends with one of these is treated as a secret too."""

SENSITIVE_HEADERS: frozenset[str] = frozenset(
    {
        "anthropic-organization-id",
        "api-key",
        "authorization",
        "cookie",
        "openai-organization",
        "openai-project",
        "proxy-authorization",
        "set-cookie",
        "x-amz-security-token",
        "x-api-key",
        "x-auth-token",
        "x-goog-api-key",
    }
)
"""Headers whose value is always replaced (lower case). Any other header whose name contains
``key``, ``token``, ``secret``, ``auth``, ``password``, ``signature``, ``session``, ``cookie`` or
``credential`` is replaced too (rate-limit counters such as ``x-ratelimit-remaining-tokens``
excepted); see :func:`is_sensitive_header`."""

SENSITIVE_FIELDS: frozenset[str] = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "client_secret",
        "password",
        "refresh_token",
        "secret",
        "session_token",
        "token",
        "x-api-key",
    }
)
"""JSON object keys whose string value is always replaced (compared lower case). Any key that
ends with a credential word (``..._token``, ``...Secret``, ``...Password``, ``...ApiKey``,
``...AccessKey``, ``...PrivateKey``, ``...Credentials``, ``...SessionId``) is replaced too; see
:func:`is_sensitive_field`."""

VOLATILE_HEADERS: frozenset[str] = frozenset(
    {
        "age",
        "apim-request-id",
        "cf-ray",
        "date",
        "openai-processing-ms",
        "request-id",
        "server-timing",
        "traceparent",
        "tracestate",
        "x-amz-cf-id",
        "x-amz-id-2",
        "x-amzn-requestid",
        "x-amzn-trace-id",
        "x-cloud-trace-context",
        "x-envoy-upstream-service-time",
        "x-kong-proxy-latency",
        "x-kong-upstream-latency",
        "x-request-id",
        "x-response-time",
        "x-runtime",
    }
)
"""Headers dropped from recordings: they change on every call (request ids, dates, timings). Any
header whose name ends with ``request-id``, ``requestid``, ``trace-id``, ``correlation-id``,
``-latency``, ``-processing-ms`` or ``response-time`` is dropped too; see
:func:`is_volatile_header`."""

URL_CREDENTIALS_PLACEHOLDER = "<REDACTED>"
"""What replaces the ``user:password`` of a URL. It has no colon, so ``https://<REDACTED>@host``
does not look like a credential to secret scanners (detect-secrets' basic-auth rule)."""

KEY_PATTERNS: tuple[tuple[str, str], ...] = (
    ("anthropic-key", r"sk-ant-[A-Za-z0-9_\-]{16,}"),
    ("openai-key", r"sk-[A-Za-z0-9_\-]{20,}"),
    # Matched from its second letter (a literal, fast to find); the "B"/"b" is checked in code.
    ("bearer-token", r"(?:earer|EARER)\s+[A-Za-z0-9._~+/\-]{16,}=*"),
    # Also from its second letter; kept only when the token decodes to "user:password".
    ("basic-credentials", r"(?:asic|ASIC)\s+[A-Za-z0-9+/]{6,}={0,2}(?![A-Za-z0-9+/=])"),
    ("jwt", r"eyJ[A-Za-z0-9_\-=]{8,}\.[A-Za-z0-9_\-=]{8,}(?:\.[A-Za-z0-9_\-+/=]*)?"),
    (
        "private-key",
        r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[\s\S]*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|(?:\\[nr]|[A-Za-z0-9+/=\s:\-])*)",
    ),
    # Only the user:password part is replaced (by URL_CREDENTIALS_PLACEHOLDER).
    ("url-credentials", r"://(?P<secret>[^\s/?#@:\"'<>\\]*:[^\s/?#@\"'<>\\]+)@"),
    ("aws-access-key", r"A(?:KIA|SIA)[0-9A-Z]{16}(?![0-9A-Z])"),
    (
        "aws-secret-key",
        r"(?i:aws)[A-Za-z0-9_\-\s\"':=.]{0,24}?(?P<secret>(?-i:[A-Za-z0-9/+]{40}))(?![A-Za-z0-9/+=])",
    ),
    ("github-token", r"gh[pousr]_[A-Za-z0-9]{30,}"),
    ("github-token", r"github_pat_[A-Za-z0-9_]{22,}"),
    ("gitlab-token", r"glpat-[A-Za-z0-9_\-]{20,}"),
    ("slack-token", r"xox[abprs]-[A-Za-z0-9\-]{10,}"),
    ("slack-webhook", r"hooks\.slack\.com/services/[A-Za-z0-9_/]{20,}"),
    ("google-api-key", r"AIza[0-9A-Za-z_\-]{35}"),
    ("huggingface-token", r"hf_[A-Za-z0-9]{30,}"),
    ("stripe-key", r"[rs]k_(?:live|test)_[A-Za-z0-9]{16,}"),
)
"""Credential shapes, as (kind, regular expression); a match (or its ``secret`` group) is
replaced by the kind's placeholder. Patterns that start with a letter must start at a word
boundary. Also redacted: ``api_key=``, ``token: "``, ``secret=``, ``password=``, ``key=`` (and
the like) followed by a 16+ character token (with ``:``, only a token that holds a digit)."""

# Each pattern starts with a literal so the regex engine can skip ahead quickly; the word
# boundary before a match is checked in code, because a look-behind would defeat that skip
# (measured: 75 us against 3 us per pattern on a 7 KB request body). Patterns that cannot start
# with a literal run only when their hint occurs in the lower-cased text.
_KEY_RES = tuple((kind, re.compile(rx), rx[0].isalnum()) for kind, rx in KEY_PATTERNS)
# (hint, where the pattern starts relative to it): these patterns are tried only there.
_HINTS: dict[str, tuple[tuple[str, int], ...]] = {
    "bearer-token": (("bearer", 1),),
    "basic-credentials": (("basic", 1),),
    "aws-secret-key": (("aws", 0),),
    "stripe-key": (("k_live_", -1), ("k_test_", -1)),
}
_PARAM_NAMES = ("token", "secret", "password", "passwd", "key", "credential", "credentials")
_PARAM_AFTER_RE = re.compile(
    r"[\"'\\\s]{0,3}(?P<sep>[=:])[\s\"'\\]{0,4}(?P<secret>[A-Za-z0-9._~+/%\-]{16,}=*)"
)
_KEY_END_RE = re.compile(r"([A-Za-z_\-]{0,4})\\?\"\s*:")
_FIELD_WORDS = ("token", "secret", "passw", "key", "credential", "session")


def _lowered(text: str) -> str:
    """``text`` lower-cased, offsets kept (a few characters lower-case to two)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered


def _basic_credentials(token: str) -> bool:
    """Whether ``Basic <token>`` carries a base64 ``user:password`` (not just the word basic)."""
    raw = token.split()[-1]
    try:
        decoded = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded


def _key_parameters(text: str, lowered: str) -> list[tuple[int, int]]:
    """Spans of the values in ``api_key=<token>``, ``"password": "<token>"`` and the like."""
    spans: list[tuple[int, int]] = []
    for name in _PARAM_NAMES:
        index = lowered.find(name)
        while index >= 0:
            match = _PARAM_AFTER_RE.match(text, index + len(name))
            if match is not None:
                value = match.group("secret")
                # "token: something" in prose: a colon pair needs a key-like value (a digit).
                if match.group("sep") == "=" or any(c.isdigit() for c in value):
                    spans.append(match.span("secret"))
            index = lowered.find(name, index + len(name))
    return spans


def _matches(kind: str, regex: re.Pattern[str], text: str, lowered: str) -> list[re.Match[str]]:
    hints = _HINTS.get(kind)
    if hints is None:
        return list(regex.finditer(text))
    found: list[re.Match[str]] = []
    for hint, offset in hints:
        index = lowered.find(hint)
        while index >= 0:
            if index + offset >= 0:
                match = regex.match(text, index + offset)
                if match is not None:
                    found.append(match)
            index = lowered.find(hint, index + 1)
    return found


def _has_sensitive_json_key(text: str, lowered: str) -> bool:
    """Whether raw JSON ``text`` has an object key :func:`is_sensitive_field` says yes to."""
    for word in _FIELD_WORDS:
        index = lowered.find(word)
        while index >= 0:
            end = index + len(word)
            close = _KEY_END_RE.match(text, end)
            if close is not None:
                # The key's opening quote, however long the key: the scan back stops at the
                # nearest quote, at the latest the previous key's closing one, so it stays linear.
                start = text.rfind('"', 0, index)
                key = text[start + 1 : end + len(close.group(1))]
                if start >= 0 and is_sensitive_field(key):
                    return True
            index = lowered.find(word, end)
    return False


def find_keys(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping ``(start, end, kind)`` spans of credential-shaped strings in ``text``."""
    lowered = _lowered(text)
    spans: list[tuple[int, int, int, str]] = []
    for priority, (kind, regex, at_boundary) in enumerate(_KEY_RES):
        for match in _matches(kind, regex, text, lowered):
            start, end = match.span("secret") if "secret" in regex.groupindex else match.span()
            if kind in ("bearer-token", "basic-credentials"):
                # Matched at a "bearer"/"basic" hint (_HINTS): the "B"/"b" is just before it.
                start -= 1
                if kind == "basic-credentials" and not _basic_credentials(text[start:end]):
                    continue
            if not at_boundary or match.start() == 0 or not text[match.start() - 1].isalnum():
                spans.append((start, end, priority, kind))
    if "=" in text or ":" in text:
        for start, end in _key_parameters(text, lowered):
            spans.append((start, end, len(_KEY_RES), "key-parameter"))
    spans.sort()
    result: list[tuple[int, int, str]] = []
    for start, end, _, kind in spans:
        if not result or start >= result[-1][1]:
            result.append((start, end, kind))
    return result


# Secrets shorter than this are not replaced: a 3-character "secret" would shred ordinary text.
_MIN_SECRET_LENGTH = 8

_FIELD_SUFFIXES = (
    "accesskey",
    "apikey",
    "credential",
    "credentials",
    "passwd",
    "password",
    "privatekey",
    "secret",
    "secretkey",
    "sessionid",
    "token",
)
_HEADER_WORDS = (
    "auth",
    "cookie",
    "credential",
    "key",
    "passwd",
    "password",
    "secret",
    "session",
    "signature",
    "token",
)
_VOLATILE_SUFFIXES = (
    "-latency",
    "-processing-ms",
    "correlation-id",
    "request-id",
    "requestid",
    "response-time",
    "trace-id",
)
_VOLATILE_ID_WORDS = ("cf-ray", "request-id", "requestid", "trace", "correlation-id", "-id-2")


def _normalized(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


@functools.lru_cache(maxsize=4096)
def is_sensitive_field(name: str) -> bool:
    """Whether a JSON key names a credential (``api_key``, ``session_token``, ``clientSecret``).

    >>> is_sensitive_field("session_token"), is_sensitive_field("max_tokens")
    (True, False)
    """
    lower = name.lower()
    return lower in SENSITIVE_FIELDS or _normalized(name).endswith(_FIELD_SUFFIXES)


@functools.lru_cache(maxsize=1024)
def is_sensitive_header(name: str) -> bool:
    """Whether a header's name says it carries a credential (``Ocp-Apim-Subscription-Key``,
    ``X-Access-Token``); rate-limit counters (``x-ratelimit-remaining-tokens``) do not."""
    lower = name.lower()
    if lower in SENSITIVE_HEADERS:
        return True
    if "ratelimit" in lower or "rate-limit" in lower:
        return False
    return any(word in lower for word in _HEADER_WORDS)


def is_sensitive_query(name: str) -> bool:
    """Whether a query parameter's name says it carries a credential (``api_key``, ``token``,
    ``key``, ``sig``, ``X-Amz-Signature``)."""
    return name.lower() == "sig" or is_sensitive_field(name) or is_sensitive_header(name)


@functools.lru_cache(maxsize=1024)
def is_volatile_header(name: str) -> bool:
    """Whether a header changes on every call (request ids, dates, processing times)."""
    lower = name.lower()
    return lower in VOLATILE_HEADERS or lower.endswith(_VOLATILE_SUFFIXES)


def is_volatile_id_header(name: str) -> bool:
    """Whether a volatile header is an id (``x-request-id``, ``cf-ray``): random tokens that
    secret scanners flag. The scanner reports these; dates and timings it leaves alone."""
    lower = name.lower()
    return is_volatile_header(lower) and any(word in lower for word in _VOLATILE_ID_WORDS)


def placeholder(kind: str) -> str:
    """The text that replaces a redacted value of ``kind``."""
    return f"<REDACTED:{kind}>"


def _is_placeholder(value: str) -> bool:
    return value.startswith("<REDACTED:") and value.endswith(">")


def secret_env_names(
    names: Iterable[str] | None = None, environ: Mapping[str, str] | None = None
) -> list[str]:
    """The secret environment variable names: ``names`` (default :data:`DEFAULT_SECRET_ENV_VARS`)
    plus every variable in ``environ`` whose name ends with ``_API_KEY``, ``_TOKEN`` or ``_SECRET``.
    """
    env = os.environ if environ is None else environ
    chosen = set(DEFAULT_SECRET_ENV_VARS if names is None else names)
    chosen.update(name for name in env if name.upper().endswith(SECRET_ENV_SUFFIXES))
    return sorted(chosen)


_UNCHANGED: Any = object()
_CLEAN_TEXTS_MAX_CHARS = 4_000_000
"""At most this many characters of strings a redactor remembers as clean (then it starts over):
a long-lived redactor (the default one) keeps strings alive that would otherwise be freed."""
_CLEAN_LISTS_MAX = 256
"""At most this many lists (the last clean one of each key, type and length) a redactor keeps."""


class Redactor:
    """Replaces credentials in text, headers, query parameters and parsed JSON.

    Example::

        redactor = Redactor(secrets={"MY_KEY": "abcd1234efgh"})
        redactor.text("token abcd1234efgh")  # 'token <REDACTED:MY_KEY>'
    """

    def __init__(
        self,
        secret_env_vars: Iterable[str] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        sensitive_headers: Iterable[str] = SENSITIVE_HEADERS,
    ) -> None:
        env = os.environ if environ is None else environ
        values: dict[str, str] = {}
        for name in secret_env_names(secret_env_vars, env):
            if name in env and len(env[name]) >= _MIN_SECRET_LENGTH:
                values[env[name]] = name
        for name, value in (secrets or {}).items():
            if len(value) >= _MIN_SECRET_LENGTH:
                values[value] = name
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted(values.items(), key=lambda item: -len(item[0]))
        self._sensitive_headers = frozenset(h.lower() for h in sensitive_headers)
        # Strings text() leaves as they are. Replay asks about every request's body, and a
        # conversation repeats most of its strings (the system prompt, the tool schemas, the
        # history) in each request: each distinct one is searched once.
        self._clean_texts: set[str] = set()
        self._clean_lists: dict[tuple[str, type, int], list[Any] | tuple[Any, ...]] = {}
        self._clean_chars = 0

    @property
    def secret_values(self) -> list[tuple[str, str]]:
        """The configured secrets as ``(value, name)`` pairs, longest value first."""
        return list(self._secrets)

    def needs_redaction(self, text: str) -> bool:
        """Whether ``text`` (raw JSON or plain text) holds anything this redactor would replace:
        a secret value, a credential shape, or a credential-named JSON field (a cheap pre-check).
        """
        if any(value in text for value, _ in self._secrets) or find_keys(text):
            return True
        return '"' in text and _has_sensitive_json_key(text, _lowered(text))

    def text(self, text: str) -> str:
        """``text`` with secret values and credential-shaped strings replaced."""
        for value, name in self._secrets:
            if value in text:
                text = text.replace(value, placeholder(name))
        spans = find_keys(text)
        if not spans:
            return text
        parts: list[str] = []
        last = 0
        for start, end, kind in spans:
            filler = URL_CREDENTIALS_PLACEHOLDER if kind == "url-credentials" else placeholder(kind)
            parts += [text[last:start], filler]
            last = end
        parts.append(text[last:])
        return "".join(parts)

    def header(self, name: str, value: str) -> str:
        """One header's value, redacted: replaced whole when its name says credential."""
        lower = name.lower()
        if lower in self._sensitive_headers or is_sensitive_header(lower):
            return placeholder(lower)
        return self.text(value)

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Lower-cased ``headers``: volatile ones (request ids, dates, timings) dropped,
        credential headers replaced, secrets in the other values replaced."""
        return {
            name.lower(): self.header(name, value)
            for name, value in headers.items()
            if not is_volatile_header(name)
        }

    def query(self, name: str, value: str) -> str:
        """One query parameter's value, redacted: replaced whole when its name says credential.

        >>> Redactor(environ={}).query("api_key", "abc123")
        '<REDACTED:api_key>'
        """
        if value and is_sensitive_query(name) and not _is_placeholder(value):
            return placeholder(name.lower())
        return self.text(value)

    def _pair(self, pair: Any) -> Any:
        redacted = self.query(pair[0], pair[1])
        if redacted == pair[1]:
            return _UNCHANGED
        return type(pair)((pair[0], redacted))

    def value(self, value: Any) -> Any:
        """A copy of parsed JSON ``value`` with credentials replaced; ``value`` itself (the same
        object) when nothing in it needed replacing."""
        result = self._value(value)
        return value if result is _UNCHANGED else result

    def leaves_unchanged(self, value: Any, under: str = "") -> bool:
        """Whether :meth:`value` would return parsed JSON ``value`` itself: nothing in it to
        replace. The same walk, building nothing and stopping at the first change (replay asks
        it of every request body); cheap on values that share strings and lists with ones asked
        about before. ``under`` is the key ``value`` sits under: ``"headers"`` and ``"query"``
        read it with the header and query rules, as :meth:`value` does below those keys."""
        if isinstance(value, str):
            return value in self._clean_texts or self._text_unchanged(value)
        if isinstance(value, dict):
            clean = self._clean_texts
            in_headers = under == "headers"
            for key, item in value.items():
                if isinstance(item, str):
                    if item not in clean and not self._text_unchanged(item):
                        return False
                    if item and _credential_field(key, item, in_headers):
                        return False
                elif isinstance(item, dict | list | tuple) and not self.leaves_unchanged(
                    item, key.lower() if isinstance(key, str) else ""
                ):
                    return False
            return True
        if isinstance(value, list | tuple):
            # A list equal to one found clean is clean: redaction reads only strings, keys and
            # shape, which equal JSON values share (the tool schemas, sent with every request).
            shape = (under, type(value), len(value))
            if self._clean_lists.get(shape) == value:
                return True
            in_query = under == "query"
            for item in value:
                if in_query and _is_pair(item):
                    if self._pair(item) is not _UNCHANGED:
                        return False
                elif not self.leaves_unchanged(item):
                    return False
            if len(self._clean_lists) >= _CLEAN_LISTS_MAX:
                self._clean_lists.clear()
            self._clean_lists[shape] = value
        return True

    def _text_unchanged(self, text: str) -> bool:
        if text in self._clean_texts:
            return True
        if self.text(text) != text:
            return False
        if self._clean_chars + len(text) > _CLEAN_TEXTS_MAX_CHARS:
            self._clean_texts.clear()
            self._clean_chars = 0
        self._clean_texts.add(text)
        self._clean_chars += len(text)
        return True

    def _value(self, value: Any, under: str = "") -> Any:
        """The redacted ``value``, or ``_UNCHANGED`` when nothing in it needed replacing; an
        object under a ``headers`` key is read with the header rules, ``[name, value]`` pairs under
        a ``query`` key with the query rules (an echoed request)."""
        if isinstance(value, str):
            return _UNCHANGED if self._text_unchanged(value) else self.text(value)
        if isinstance(value, dict):
            changed: dict[Any, Any] = {}
            for key, item in value.items():
                if _credential_field(key, item, under == "headers"):
                    changed[key] = placeholder(str(key).lower())
                    continue
                new = self._value(item, key.lower() if isinstance(key, str) else "")
                if new is not _UNCHANGED:
                    changed[key] = new
            if not changed:
                return _UNCHANGED
            return {key: changed.get(key, item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            items = [
                self._pair(item) if under == "query" and _is_pair(item) else self._value(item)
                for item in value
            ]
            if all(item is _UNCHANGED for item in items):
                return _UNCHANGED
            out = [old if new is _UNCHANGED else new for old, new in zip(value, items, strict=True)]
            return tuple(out) if isinstance(value, tuple) else out
        return _UNCHANGED


def _is_pair(item: Any) -> bool:
    return (
        isinstance(item, list | tuple)
        and len(item) == 2
        and isinstance(item[0], str)
        and isinstance(item[1], str)
    )


def _credential_field(key: Any, item: Any, in_headers: bool) -> bool:
    if not (isinstance(key, str) and isinstance(item, str) and item):
        return False
    # The key first: most keys are not credential names, and both checks are cached.
    sensitive = is_sensitive_field(key) or (in_headers and is_sensitive_header(key))
    return sensitive and not _is_placeholder(item)


def default_redactor() -> Redactor:
    """A :class:`Redactor` for the default secret set, read from the environment now (so a key
    exported during the session is covered)."""
    env = os.environ
    key = tuple(sorted((name, env[name]) for name in secret_env_names() if name in env))
    return _cached_redactor(key)


@functools.lru_cache(maxsize=8)
def _cached_redactor(secrets: tuple[tuple[str, str], ...]) -> Redactor:
    return Redactor((), environ={}, secrets=dict(secrets))


def redact(value: Any, *, redactor: Redactor | None = None) -> Any:
    """``value`` (text or parsed JSON) with credentials replaced, using the default secret set.

    Example::

        redact({"note": "key sk" "-abcdefghijklmnopqrstuvwx"})
        # {'note': 'key <REDACTED:openai-key>'}
    """
    return (redactor or default_redactor()).value(value)
