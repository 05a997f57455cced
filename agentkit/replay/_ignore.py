"""Hosts and routes a cassette leaves alone: telemetry, price lists, a local service.

A request to an ignored route is never recorded and never matched. While recording it goes to
the real server; while replaying it is answered by the rule's stand-in response, refused with the
client library's own connection error, or (``replay="pass"``) sent to the real server, where the
network guard still applies. No outcome fails the block.

Example::

    from agentkit.replay import IgnoreRoute, use_cassette

    with use_cassette(
        "cassettes/agent.json",
        ignore_hosts=["*.sentry.io"],
        ignore_routes=["POST https://telemetry.example.com/v1/*"],
    ):
        ...

The rules for the telemetry of widely used agent frameworks, :data:`DEFAULT_IGNORE_ROUTES`, apply
too unless ``default_ignores=False``; yours are checked first, and the first matching rule wins.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentkit._errors import UsageError, describe_validation_error
from agentkit.replay._format import RecordedResponse

__all__ = [
    "DEFAULT_IGNORE_ROUTES",
    "IgnoreRoute",
    "IgnoredRequest",
    "find_route",
    "ignore_rules",
    "parse_route",
]

ReplayAction = Literal["answer", "refuse", "pass"]


class IgnoreRoute(BaseModel):
    """A rule for requests a cassette leaves alone, matched on host, method and path (globs).

    Example: ``IgnoreRoute(host="api.openai.com", method="POST", path="/v1/traces/*")``, or the
    string form ``"POST https://api.openai.com/v1/traces/*"`` wherever a rule is accepted.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "*"
    """Host name glob, case-insensitive (``api.openai.com``, ``*.sentry.io``, ``*``)."""
    port: int | None = None
    """The port to match, or None for any."""
    method: str = "*"
    """HTTP method (case-insensitive), or ``*`` for any."""
    path: str = "*"
    """URL path glob (``*`` matches across ``/``); the query is not matched."""
    replay: ReplayAction = "answer"
    """What a replay (a write-protected cassette) does with the request: ``answer`` it with
    :attr:`response`, ``refuse`` it with the client library's connection error, or ``pass`` it to
    the real server (the network guard still applies). Recording always passes it through."""
    response: RecordedResponse = Field(default_factory=lambda: RecordedResponse(status=204))
    """The stand-in response for ``replay="answer"``: by default ``204 No Content``."""
    reason: str = ""
    """Why the route is ignored, shown in reports (e.g. ``"openai-agents tracing export"``)."""

    def matches(self, method: str, host: str, port: int | None, path: str) -> bool:
        """Whether a request to ``method`` ``host``:``port`` ``path`` falls under this rule."""
        return (
            (self.method == "*" or self.method.upper() == method.upper())
            and fnmatch.fnmatchcase(host.lower(), self.host.lower())
            and (self.port is None or self.port == port)
            and fnmatch.fnmatchcase(path or "/", self.path)
        )

    def __str__(self) -> str:
        port = "" if self.port is None else f":{self.port}"
        return f"{self.method.upper()} {self.host}{port}{self.path if self.path != '*' else '/*'}"


DEFAULT_IGNORE_ROUTES: tuple[IgnoreRoute, ...] = (
    IgnoreRoute(
        method="POST",
        host="api.openai.com",
        path="/v1/traces/ingest",
        reason="openai-agents tracing export (sent from its exporter thread)",
    ),
    IgnoreRoute(
        method="GET",
        host="raw.githubusercontent.com",
        path="/BerriAI/litellm/*",
        # A 404 makes litellm keep its bundled copy without retrying; a refusal would start its
        # background retry thread, and an empty JSON object would replace its price list.
        response=RecordedResponse(status=404),
        reason="litellm's model price list and config files (fetched at import, retried from a "
        "thread)",
    ),
)
"""Routes ignored by default: the telemetry and downloads of agent frameworks in wide use.
Turn them off with ``use_cassette(..., default_ignores=False)``; override one by listing your own
rule for the same route (yours are checked first)."""


@dataclass(frozen=True)
class IgnoredRequest:
    """A request that went to an ignored route while the cassette was active."""

    method: str
    """The HTTP method."""
    url: str
    """The URL (redacted like a recorded request)."""
    route: IgnoreRoute
    """The rule it matched."""
    action: ReplayAction
    """What happened to it: ``answer`` (the stand-in), ``refuse`` or ``pass`` (sent on)."""
    origin: str
    """The thread (and task) that sent it."""


_METHOD = re.compile(r"^(\*|[A-Za-z]+)\s+(.*)$")


def parse_route(text: str) -> IgnoreRoute:
    """A rule from its string form: ``"[METHOD ][scheme://]host[:port][/path glob]"``.

    ``"POST https://api.openai.com/v1/traces/ingest"``, ``"GET raw.githubusercontent.com/*"``,
    ``"*.sentry.io"`` (any method, any path).
    """
    spec = text.strip()
    method = "*"
    found = _METHOD.match(spec)
    if found is not None:
        method, spec = found.group(1).upper(), found.group(2).strip()
    if "://" not in spec:
        spec = "//" + spec
    try:
        parts = urlsplit(spec)
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or " " in spec or parts.query or parts.fragment:
        raise UsageError(
            f"Cannot read the ignored route {text!r}; expected '[METHOD ][scheme://]host[:port]"
            "[/path]' with globs allowed, e.g. 'POST https://api.openai.com/v1/traces/*' or "
            "'*.sentry.io'."
        )
    return IgnoreRoute(host=host, port=port, method=method, path=parts.path or "*")


def _as_route(rule: IgnoreRoute | str | Mapping[str, object]) -> IgnoreRoute:
    if isinstance(rule, IgnoreRoute):
        return rule
    if isinstance(rule, str):
        return parse_route(rule)
    if isinstance(rule, Mapping):
        try:
            return IgnoreRoute.model_validate(rule)
        except ValidationError as exc:
            raise UsageError(
                f"Bad ignored route {dict(rule)!r}:\n{describe_validation_error(exc)}"
            ) from None
    raise UsageError(
        f"An ignored route must be an IgnoreRoute, a string like 'POST api.example.com/path' or "
        f"a dict of IgnoreRoute fields, got {rule!r} (type={type(rule).__name__})."
    )


def ignore_rules(
    ignore_hosts: Iterable[str] = (),
    ignore_routes: Iterable[IgnoreRoute | str | Mapping[str, object]] = (),
    *,
    defaults: bool = True,
) -> tuple[IgnoreRoute, ...]:
    """The rules of a cassette, in the order they are tried: ``ignore_routes``, then
    ``ignore_hosts`` (any method and path), then :data:`DEFAULT_IGNORE_ROUTES` when ``defaults``."""
    if isinstance(ignore_hosts, str) or isinstance(ignore_routes, (str, IgnoreRoute)):
        raise UsageError(
            "ignore_hosts and ignore_routes take a list of rules, got a single one: wrap it in a "
            "list, e.g. ignore_hosts=['telemetry.example.com']."
        )
    rules = [_as_route(rule) for rule in ignore_routes]
    for host in ignore_hosts:
        if not isinstance(host, str) or not host or "/" in host:
            raise UsageError(
                f"ignore_hosts takes host names (globs allowed, e.g. '*.sentry.io'), got {host!r}; "
                "use ignore_routes for a method or a path."
            )
        rules.append(IgnoreRoute(host=host, reason="ignore_hosts"))
    if defaults:
        rules.extend(DEFAULT_IGNORE_ROUTES)
    return tuple(rules)


def find_route(rules: Iterable[IgnoreRoute], method: str, url: str) -> IgnoreRoute | None:
    """The first rule that ``method`` ``url`` falls under, or None."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"https": 443, "http": 80}.get(parts.scheme)
    for rule in rules:
        if rule.matches(method, host, port, parts.path):
            return rule
    return None
