"""The cassette file format: versioned JSON with parsed bodies and SSE kept as events.

A cassette is one JSON document::

    {"version": 1, "interactions": [{"request": {...}, "response": {...}}, ...]}

Bodies are stored parsed (a JSON object or array stays an object or array; anything else is text),
so a diff of two recordings reads like a diff of the conversation, not of escaped strings.
"""

from __future__ import annotations

import base64
import gc
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pydantic
import pydantic_core
from pydantic import BaseModel, ConfigDict, Field

from agentkit.replay._errors import CassetteFormatError

__all__ = [
    "FORMAT_VERSION",
    "CassetteFile",
    "Interaction",
    "RecordedRequest",
    "RecordedResponse",
    "SSEEvent",
    "decode_body",
    "dump_cassette",
    "encode_body",
    "load_cassette",
    "parse_sse",
    "save_cassette",
    "serialize_sse",
]

FORMAT_VERSION = 1
"""The cassette format version this agentkit reads and writes."""


class SSEEvent(BaseModel):
    """One server-sent event, as the server framed it."""

    model_config = ConfigDict(extra="forbid")

    event: str | None = None
    """The ``event:`` field, if the server sent one (Anthropic does, OpenAI does not)."""
    data: Any = None
    """The ``data:`` field: parsed when it is a JSON object or array, else the text (``[DONE]``)."""
    id: str | None = None
    """The ``id:`` field, if any."""
    retry: int | None = None
    """The ``retry:`` field, if any."""


class RecordedRequest(BaseModel):
    """A request as it is stored and matched (headers are kept for reading, never matched)."""

    model_config = ConfigDict(extra="forbid")

    method: str
    """HTTP method, upper case."""
    path: str
    """URL path without scheme, host or query, so a cassette replays against any base URL."""
    query: list[tuple[str, str]] = Field(default_factory=list)
    """Query parameters in the order sent."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Lower-cased, redacted request headers, for reading; volatile SDK headers are dropped."""
    body: Any = None
    """The body: a parsed JSON object or array, else text, else ``None`` when empty."""


class RecordedResponse(BaseModel):
    """A response as stored: exactly one of ``body``, ``events`` or ``body_base64`` is set."""

    model_config = ConfigDict(extra="forbid")

    status: int
    """HTTP status code."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Lower-cased, redacted response headers (transfer and content encodings removed)."""
    body: Any = None
    """The body: a parsed JSON object or array, else text, else ``None`` when empty."""
    events: list[SSEEvent] | None = None
    """For ``text/event-stream`` responses: the events, one entry per event."""
    body_base64: str | None = None
    """For bodies that are not UTF-8 text: the bytes, base64-encoded."""


class Interaction(BaseModel):
    """One recorded request and the response it got."""

    model_config = ConfigDict(extra="forbid")

    request: RecordedRequest
    """The request."""
    response: RecordedResponse
    """The response replayed for it."""


class CassetteFile(BaseModel):
    """The whole content of a cassette file."""

    model_config = ConfigDict(extra="forbid")

    version: int = FORMAT_VERSION
    """Format version; a file with another version is refused, never silently re-recorded."""
    interactions: list[Interaction] = Field(default_factory=list)
    """Interactions in recorded order."""


def decode_body(raw: bytes) -> Any:
    """A stored body from raw bytes: parsed JSON object/array, else text, else ``None``."""
    if not raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            value = json.loads(text)
        except ValueError:
            return text
        if isinstance(value, (dict, list)):
            return value
    return text


def encode_body(body: Any) -> bytes:
    """Raw bytes from a stored body (the inverse of :func:`decode_body`, up to JSON whitespace)."""
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_sse(raw: bytes) -> list[SSEEvent]:
    """Split an event stream into events, following the WHATWG interpretation rules."""
    events: list[SSEEvent] = []
    fields: dict[str, Any] = {}
    data: list[str] = []
    text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    for line in [*text.split("\n"), ""]:
        if not line:
            if data or fields:
                joined = "\n".join(data) if data else None
                events.append(SSEEvent(data=_parse_data(joined), **fields))
            fields, data = {}, []
            continue
        if line.startswith(":"):
            continue  # a comment (keep-alive); the SDKs ignore it too
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name in ("event", "id"):
            fields[name] = value
        elif name == "retry" and value.isdigit():
            fields["retry"] = int(value)
    return events


def serialize_sse(events: list[SSEEvent]) -> bytes:
    """The wire form of ``events``, one ``\\n\\n``-terminated block per event."""
    parts: list[str] = []
    for event in events:
        lines: list[str] = []
        if event.event is not None:
            lines.append(f"event: {event.event}")
        if event.id is not None:
            lines.append(f"id: {event.id}")
        if event.retry is not None:
            lines.append(f"retry: {event.retry}")
        if event.data is not None:
            text = (
                event.data
                if isinstance(event.data, str)
                else json.dumps(event.data, ensure_ascii=False, separators=(",", ":"))
            )
            lines.extend(f"data: {part}" for part in text.split("\n"))
        parts.append("\n".join(lines) + "\n\n")
    return "".join(parts).encode("utf-8")


def _parse_data(text: str | None) -> Any:
    if text is None or text[:1] not in ("{", "["):
        return text
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (dict, list)) else text


def response_bytes(response: RecordedResponse) -> bytes:
    """The body bytes to replay for ``response``."""
    if response.events is not None:
        return serialize_sse(response.events)
    if response.body_base64 is not None:
        return base64.b64decode(response.body_base64)
    return encode_body(response.body)


def dump_cassette(cassette: CassetteFile) -> str:
    """The file text for ``cassette``: two-space indented JSON with a stable key order."""
    data = cassette.model_dump(mode="json", exclude_none=True)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def load_cassette(path: str | os.PathLike[str]) -> CassetteFile:
    """Read and validate the cassette at ``path``.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        CassetteFormatError: the file is not a cassette this version of agentkit can read.
    """
    path = Path(path)
    raw = path.read_bytes()
    # Parsing allocates millions of containers, and the cyclic GC would rescan them again and
    # again while they are built (it more than doubled the load time of a 60 MB cassette); the
    # result holds no cycles, so pause collection while parsing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse(path, raw)
    finally:
        if was_enabled:
            gc.enable()


def _parse(path: Path, raw: bytes) -> CassetteFile:
    try:
        # pydantic-core's parser: a third faster than json.loads on large cassettes.
        data = pydantic_core.from_json(raw)
    except ValueError as exc:
        raise CassetteFormatError(path, f"it is not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or "interactions" not in data:
        raise CassetteFormatError(
            path, 'expected a JSON object with "version" and "interactions" keys'
        )
    version = data.get("version")
    if version != FORMAT_VERSION:
        raise CassetteFormatError(
            path,
            f"it has format version {version!r}, this agentkit reads version {FORMAT_VERSION} "
            "(upgrade agentkit if the file is newer)",
        )
    try:
        return CassetteFile.model_validate(data)
    except pydantic.ValidationError as exc:
        raise CassetteFormatError(path, f"it does not have the cassette shape: {exc}") from exc


def save_cassette(path: str | os.PathLike[str], cassette: CassetteFile) -> None:
    """Write ``cassette`` to ``path`` atomically (temporary file in the same directory, then
    ``os.replace``), so a reader never sees half a file and a crash never truncates one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = dump_cassette(cassette)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
