"""The bridge to vcrpy: vcrpy patches the client libraries, agentkit's cassette answers them.

vcrpy's httpx and aiohttp stubs only ask their cassette object for ``can_play_response_for``,
``play_response``, ``write_protected``, ``filter_request`` and ``append`` (aiohttp's also for
``find_requests_with_most_matches`` when it follows a recorded redirect; plus ``_path``,
``skip_patchers`` and ``custom_patches`` when the patchers are built). :class:`VcrBridge`
implements exactly that, translating vcrpy's requests and response dicts to agentkit's models,
so the interception stays vcrpy's while matching, storage and redaction are agentkit's. One
bridge serves one library, so a refused request raises that library's own connection error.

Intercepted: httpx2 and httpx (the openai and anthropic SDKs, pydantic-ai, openai-agents,
langchain-openai, litellm's sync path) and aiohttp (litellm's async path, when installed).
vcrpy's other patchers are not enabled: no model call of those frameworks goes through
requests/urllib3, http.client, httplib2, tornado or boto3; requests there carries telemetry and
downloads (langsmith, tiktoken's files), which the network guard stops in replay; and vcrpy's
stubs for the http.client family take every patch off, process-wide, while they open a real
connection (``force_reset``), so a request on another thread would slip past the cassette.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import importlib
import importlib.util
import json
import zlib
from collections.abc import Callable, Iterator, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from agentkit.replay._errors import BackgroundMismatchError
from agentkit.replay._format import (
    RecordedRequest,
    RecordedResponse,
    decode_body,
    parse_sse,
    response_bytes,
)
from agentkit.replay._match import wire_bytes
from agentkit.replay._redact import Redactor

if TYPE_CHECKING:
    from agentkit.replay._cassette import Cassette
    from agentkit.replay._ignore import IgnoreRoute

__all__ = [
    "INTERCEPTED_LIBRARIES",
    "VcrBridge",
    "intercepted_libraries",
    "patch_transports",
    "to_matched_request",
    "to_recorded_request",
    "to_recorded_response",
    "with_stored_headers",
]

INTERCEPTED_LIBRARIES = ("httpx", "httpx2", "aiohttp")
"""The client libraries whose requests a cassette records and replays (vcrpy patcher names)."""

DROPPED_REQUEST_HEADERS = frozenset(
    {"accept-encoding", "connection", "content-length", "host", "user-agent"}
)
"""Request headers not stored: transport details and per-machine values that make diffs noisy."""
_DROPPED_REQUEST_PREFIXES = ("x-stainless-",)
_DROPPED_RESPONSE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_ROUTES_REMEMBERED = 1024
"""Distinct (method, URL) pairs a bridge keeps the parsed route of (then it starts over)."""
_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.decompress,
    "x-gzip": gzip.decompress,
    "deflate": zlib.decompress,
}


def _request_body(raw: bytes, redactor: Redactor) -> Any:
    try:
        body = decode_body(raw)
    except ValueError:
        # Binary uploads are matched by digest; their bytes are not worth storing.
        return f"<binary: {len(raw)} bytes, sha256 {hashlib.sha256(raw).hexdigest()}>"
    if isinstance(body, str):
        return redactor.text(body)
    if body is not None and redactor.needs_redaction(raw.decode("utf-8")):
        return redactor.value(body)
    return body


def to_recorded_request(
    method: str, url: str, body: bytes | None, headers: Mapping[str, str], redactor: Redactor
) -> RecordedRequest:
    """The stored (redacted) form of a request."""
    return with_stored_headers(to_matched_request(method, url, body, redactor), headers, redactor)


def to_matched_request(
    method: str, url: str, body: bytes | None, redactor: Redactor
) -> RecordedRequest:
    """The redacted request without its headers: all that matching reads, and what replay
    builds for every request (redacting the headers is a third of the stored form's cost)."""
    parts = urlsplit(url)
    query = [(k, redactor.query(k, v)) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return RecordedRequest(
        method=method.upper(),
        path=parts.path or "/",
        query=query,
        body=_request_body(body or b"", redactor),
    )


def with_stored_headers(
    request: RecordedRequest, headers: Mapping[str, str], redactor: Redactor
) -> RecordedRequest:
    """``request`` with the stored (filtered, redacted, sorted) form of ``headers``."""
    kept = {
        name: value
        for name, value in headers.items()
        if name.lower() not in DROPPED_REQUEST_HEADERS
        and not name.lower().startswith(_DROPPED_REQUEST_PREFIXES)
    }
    stored = dict(sorted(redactor.headers(kept).items()))
    return request.model_copy(update={"headers": stored})


def to_recorded_response(
    status: int, headers: Mapping[str, list[str]], raw: bytes, redactor: Redactor
) -> RecordedResponse:
    """The stored (redacted, decoded) form of a response."""
    flat = {name.lower(): ", ".join(values) for name, values in headers.items()}
    encoding = flat.get("content-encoding", "").strip().lower()
    if encoding in _DECODERS:
        raw = _DECODERS[encoding](raw)
        encoding = ""
    kept = {k: v for k, v in flat.items() if k not in _DROPPED_RESPONSE_HEADERS}
    if encoding:  # an encoding we cannot decode: keep it, and the bytes as they came
        kept["content-encoding"] = encoding
    response_headers = dict(sorted(redactor.headers(kept).items()))
    content_type = flat.get("content-type", "")
    if not encoding and content_type.startswith("text/event-stream"):
        with contextlib.suppress(UnicodeDecodeError):
            events = [
                event.model_copy(update={"data": redactor.value(event.data)})
                for event in parse_sse(raw)
            ]
            return RecordedResponse(status=status, headers=response_headers, events=events)
    try:
        body = None if encoding else decode_body(raw)
    except ValueError:
        body = None
    if body is None and raw:
        return RecordedResponse(
            status=status,
            headers=response_headers,
            body_base64=base64.b64encode(raw).decode("ascii"),
        )
    return RecordedResponse(status=status, headers=response_headers, body=redactor.value(body))


def intercepted_libraries() -> list[str]:
    """The :data:`INTERCEPTED_LIBRARIES` installed here."""
    return [name for name in INTERCEPTED_LIBRARIES if importlib.util.find_spec(name) is not None]


def _request_bytes(body: Any) -> bytes | None:
    """The body vcrpy captured, as bytes: aiohttp's stub hands over ``json=``/``data=`` values
    (a dict, a list of chunks, a payload object) instead of the bytes it sends."""
    if body is None or isinstance(body, bytes):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (dict, list, tuple)):
        if isinstance(body, list) and all(isinstance(c, (bytes, bytearray)) for c in body):
            return b"".join(body)
        return json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
    # A payload object (FormData, a file wrapper): matched by its type only.
    return f"<{type(body).__name__}>".encode()


def _already_decoded(headers: Mapping[str, list[str]], raw: bytes) -> dict[str, list[str]]:
    """aiohttp decompresses by default but keeps ``content-encoding``: drop the header when the
    bytes do not decode, so they are stored as the text they already are."""
    out = dict(headers)
    for name, values in headers.items():
        if name.lower() != "content-encoding":
            continue
        decoder = _DECODERS.get(", ".join(values).strip().lower())
        if decoder is None:
            continue
        try:
            decoder(raw)
        except (OSError, EOFError, zlib.error):
            del out[name]
    return out


_UNSET: Any = object()


class VcrBridge:
    """The cassette object vcrpy's stubs for one client library talk to, backed by an agentkit
    :class:`Cassette`."""

    custom_patches: tuple[Any, ...] = ()

    def __init__(self, cassette: Cassette, library: str = "httpx2") -> None:
        self._cassette = cassette
        self._path = str(cassette.path)
        self.library = library
        # vcrpy imports every client library it can patch (about 0.3 s): only while recording
        # or replaying, not whenever agentkit.replay is imported.
        from vcr.patch import PATCHER_NAMES

        self.skip_patchers = tuple(name for name in PATCHER_NAMES if name != library)
        self._fast_routes: dict[tuple[str, str], RecordedRequest] = {}

    def _matched(self, vcr_request: Any) -> RecordedRequest:
        cached: RecordedRequest | None = getattr(vcr_request, "_agentkit_matched", None)
        if cached is None:
            cached = to_matched_request(
                vcr_request.method,
                vcr_request.uri,
                _request_bytes(vcr_request.body),
                self._cassette.redactor,
            )
            vcr_request._agentkit_matched = cached
        return cached

    def _recorded(self, vcr_request: Any) -> RecordedRequest:
        cached: RecordedRequest | None = getattr(vcr_request, "_agentkit_request", None)
        if cached is None:
            cached = with_stored_headers(
                self._matched(vcr_request),
                dict(vcr_request.headers.items()),
                self._cassette.redactor,
            )
            vcr_request._agentkit_request = cached
        return cached

    def _replay(self, vcr_request: Any) -> RecordedResponse | None:
        served = self._replay_first(vcr_request)
        if served is not None:
            return served
        return self._cassette.replay(
            self._matched(vcr_request),
            url=vcr_request.uri,
            stored=lambda: self._recorded(vcr_request),
        )

    def _replay_first(self, vcr_request: Any) -> RecordedResponse | None:
        """The answer when the body sent is, byte for byte, the next recording's as the SDKs
        send it: no parse, no canonical form, no hashing. Redaction must leave that body as it
        is, as the canonical way would redact the body sent before matching; anything else is
        left to ``Cassette.replay``."""
        raw = _request_bytes(vcr_request.body)
        if not raw or raw[:1] not in (b"{", b"["):
            return None
        redactor = self._cassette.redactor
        url = (vcr_request.method, vcr_request.uri)
        route = self._fast_routes.get(url)
        if route is None:
            # Only its method, path and query are read, and a session sends to a few URLs.
            route = to_matched_request(vcr_request.method, vcr_request.uri, None, redactor)
            if len(self._fast_routes) >= _ROUTES_REMEMBERED:
                self._fast_routes.clear()
            self._fast_routes[url] = route
        # The bytes equal the recorded body's, so the body sent parses to an equal value: what
        # redaction does to one it does to the other, and the recorded one shares its strings
        # with the requests before it (the redactor searches each distinct string once).
        return self._cassette.replay_first(route, wire_bytes, raw, redactor.leaves_unchanged)

    def _route(self, vcr_request: Any) -> IgnoreRoute | None:
        route: IgnoreRoute | None = getattr(vcr_request, "_agentkit_route", _UNSET)
        if route is _UNSET:
            route = self._cassette.ignored_route(vcr_request.method, vcr_request.uri)
            vcr_request._agentkit_route = route
        return route

    @property
    def write_protected(self) -> bool:
        return self._cassette.write_protected

    def filter_request(self, vcr_request: Any) -> Any:
        # vcrpy neither records nor refuses a request this returns None for.
        return None if self._route(vcr_request) is not None else vcr_request

    def can_play_response_for(self, vcr_request: Any) -> bool:
        route = self._route(vcr_request)
        if route is not None:
            return self._ignored(vcr_request, route)
        # Raises ReplayMismatchError itself when the request can neither be replayed nor
        # recorded, so the user gets agentkit's diagnostics instead of vcrpy's.
        try:
            response = self._replay(vcr_request)
        except BackgroundMismatchError as mismatch:
            # Code the test did not start (an exporter, a retried download) handles connection
            # errors, as when offline; the mismatch itself is reported when the block closes.
            raise self._refusal(vcr_request, str(mismatch)) from mismatch
        vcr_request._agentkit_response = response
        return response is not None

    def _ignored(self, vcr_request: Any, route: IgnoreRoute) -> bool:
        action = self._cassette.note_ignored(vcr_request.method, vcr_request.uri, route)
        if action == "answer":
            vcr_request._agentkit_response = route.response
            return True
        if action == "refuse":
            raise self._refusal(
                vcr_request,
                f"agentkit refused {vcr_request.method} {vcr_request.uri}: it is on the ignored "
                f"route {route} of cassette {self._path}, which refuses it in replay",
            )
        return False  # sent on: filter_request keeps vcrpy from recording or refusing it

    def _refusal(self, vcr_request: Any, message: str) -> Exception:
        """The connection error the client library itself raises, so its callers handle it."""
        if self.library == "aiohttp":
            import aiohttp

            return aiohttp.ClientConnectionError(message)
        module: Any = importlib.import_module(self.library)  # httpx or httpx2
        error: Exception = module.ConnectError(
            message, request=module.Request(vcr_request.method, vcr_request.uri)
        )
        return error

    def play_response(self, vcr_request: Any) -> dict[str, Any]:
        response: RecordedResponse | None = getattr(vcr_request, "_agentkit_response", None)
        if response is None:
            # aiohttp following a recorded redirect to a target the cassette lacks.
            response = self._replay(vcr_request)
            if response is None:
                raise self._refusal(
                    vcr_request,
                    f"cassette {self._path} recorded a redirect to {vcr_request.uri} but not "
                    "the response there: re-record the cassette",
                )
        reason = ""
        if self.library == "aiohttp":  # httpx derives the phrase itself when given none
            with contextlib.suppress(ValueError):
                reason = HTTPStatus(response.status).phrase
        return {
            "status": {"code": response.status, "message": reason},
            "headers": {name: [value] for name, value in response.headers.items()},
            "body": {"string": response_bytes(response)},
        }

    def find_requests_with_most_matches(self, vcr_request: Any) -> list[tuple[Any, Any, Any]]:
        # aiohttp's stub asks this for each redirect it follows; agentkit matches the request
        # itself in can_play_response_for.
        return [(vcr_request, [], [])]

    def append(self, vcr_request: Any, vcr_response: dict[str, Any]) -> None:
        if self._route(vcr_request) is not None:
            return  # httpx's stub records without asking filter_request
        raw = vcr_response["body"].get("string") or b""
        headers = vcr_response["headers"]
        if self.library == "aiohttp":
            headers = _already_decoded(headers, raw)
        response = to_recorded_response(
            vcr_response["status"]["code"], headers, raw, self._cassette.redactor
        )
        self._cassette.record(self._recorded(vcr_request), response)


@contextlib.contextmanager
def patch_transports(cassette: Cassette) -> Iterator[None]:
    """Patch the :data:`INTERCEPTED_LIBRARIES` (through vcrpy) to talk to ``cassette`` within
    the block; a library that is not installed is skipped."""
    from vcr.patch import CassettePatcherBuilder

    with contextlib.ExitStack() as stack:
        for library in INTERCEPTED_LIBRARIES:
            for patcher in CassettePatcherBuilder(VcrBridge(cassette, library)).build():
                stack.enter_context(patcher)
        yield
