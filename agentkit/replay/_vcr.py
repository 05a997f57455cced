"""The bridge to vcrpy: vcrpy patches httpx2's transports, agentkit's cassette answers them.

vcrpy's httpx stubs only ask their cassette object for ``can_play_response_for``,
``play_response``, ``write_protected``, ``filter_request`` and ``append`` (plus ``_path``,
``skip_patchers`` and ``custom_patches`` when the patchers are built). :class:`VcrBridge`
implements exactly that, translating vcrpy's requests and response dicts to agentkit's models,
so the interception stays vcrpy's while matching, storage and redaction are agentkit's.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from vcr.patch import PATCHER_NAMES, CassettePatcherBuilder

from agentkit.replay._format import (
    RecordedRequest,
    RecordedResponse,
    decode_body,
    parse_sse,
    response_bytes,
)
from agentkit.replay._redact import Redactor

if TYPE_CHECKING:
    from agentkit.replay._cassette import Cassette

__all__ = ["VcrBridge", "patch_transports", "to_recorded_request", "to_recorded_response"]

# Only the httpx families: other libraries are not recorded, and in replay-only mode the
# network guard stops them instead.
_PATCHED = ("httpx", "httpx2")

DROPPED_REQUEST_HEADERS = frozenset(
    {"accept-encoding", "connection", "content-length", "host", "user-agent"}
)
"""Request headers not stored: transport details and per-machine values that make diffs noisy."""
_DROPPED_REQUEST_PREFIXES = ("x-stainless-",)
_DROPPED_RESPONSE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
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
    parts = urlsplit(url)
    query = [(k, redactor.text(v)) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = {
        name: value
        for name, value in headers.items()
        if name.lower() not in DROPPED_REQUEST_HEADERS
        and not name.lower().startswith(_DROPPED_REQUEST_PREFIXES)
    }
    return RecordedRequest(
        method=method.upper(),
        path=parts.path or "/",
        query=query,
        headers=dict(sorted(redactor.headers(kept).items())),
        body=_request_body(body or b"", redactor),
    )


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


class VcrBridge:
    """The cassette object vcrpy's httpx stubs talk to, backed by an agentkit :class:`Cassette`."""

    custom_patches: tuple[Any, ...] = ()
    skip_patchers: tuple[str, ...] = tuple(n for n in PATCHER_NAMES if n not in _PATCHED)

    def __init__(self, cassette: Cassette) -> None:
        self._cassette = cassette
        self._path = str(cassette.path)

    def _recorded(self, vcr_request: Any) -> RecordedRequest:
        cached: RecordedRequest | None = getattr(vcr_request, "_agentkit_request", None)
        if cached is None:
            cached = to_recorded_request(
                vcr_request.method,
                vcr_request.uri,
                vcr_request.body,
                dict(vcr_request.headers.items()),
                self._cassette.redactor,
            )
            vcr_request._agentkit_request = cached
        return cached

    @property
    def write_protected(self) -> bool:
        return self._cassette.write_protected

    def filter_request(self, vcr_request: Any) -> Any:
        return vcr_request

    def can_play_response_for(self, vcr_request: Any) -> bool:
        # Raises ReplayMismatchError itself when the request can neither be replayed nor
        # recorded, so the user gets agentkit's diagnostics instead of vcrpy's.
        response = self._cassette.replay(self._recorded(vcr_request))
        vcr_request._agentkit_response = response
        return response is not None

    def play_response(self, vcr_request: Any) -> dict[str, Any]:
        response: RecordedResponse = vcr_request._agentkit_response
        return {
            "status": {"code": response.status, "message": ""},
            "headers": {name: [value] for name, value in response.headers.items()},
            "body": {"string": response_bytes(response)},
        }

    def append(self, vcr_request: Any, vcr_response: dict[str, Any]) -> None:
        response = to_recorded_response(
            vcr_response["status"]["code"],
            vcr_response["headers"],
            vcr_response["body"]["string"] or b"",
            self._cassette.redactor,
        )
        self._cassette.record(self._recorded(vcr_request), response)


@contextlib.contextmanager
def patch_transports(cassette: Cassette) -> Iterator[None]:
    """Patch httpx2's transports (through vcrpy) to talk to ``cassette`` within the block."""
    with contextlib.ExitStack() as stack:
        for patcher in CassettePatcherBuilder(VcrBridge(cassette)).build():
            stack.enter_context(patcher)
        yield
