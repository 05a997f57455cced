"""The cassette file format: versioned JSON with parsed bodies and SSE kept as events.

A cassette is one JSON document::

    {"version": 1, "interactions": [{"request": {...}, "response": {...}}, ...]}

Bodies are stored parsed (a JSON object or array stays an object or array; anything else is text),
so a diff of two recordings reads like a diff of the conversation, not of escaped strings.
"""

from __future__ import annotations

import base64
import binascii
import gc
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import pydantic
import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from agentkit._files import (
    FileStamp,
    file_lock,
    open_stamped,
    remove_leftover_temporaries,
    write_atomically,
)
from agentkit.replay._errors import CassetteFormatError, ReplayError
from agentkit.replay._laid_out import read_laid_out

__all__ = [
    "FORMAT_VERSION",
    "MAX_NESTING",
    "CassetteFile",
    "Interaction",
    "RecordedRequest",
    "RecordedResponse",
    "SSEEvent",
    "UnsavableInteractionsError",
    "cassette_text",
    "decode_body",
    "dump_cassette",
    "encode_body",
    "interaction_text",
    "load_cassette",
    "parse_sse",
    "read_cassette",
    "savable_text",
    "save_cassette",
    "serialize_sse",
    "write_cassette_text",
]

FORMAT_VERSION = 1
"""The cassette format version this agentkit reads and writes."""

MAX_NESTING = 201
"""The deepest nesting of JSON containers a cassette file can have, counted from the file's own
top-level object: the limit of the parser :func:`load_cassette` uses (pydantic-core's). A body
sits four levels down (file, interactions, interaction, request or response), so it may nest
197 levels; an event's ``data`` sits six down (195). Saving refuses an interaction that would go
deeper, so every file agentkit writes loads again."""

_BODY_LEVEL = 4
_EVENT_DATA_LEVEL = 6


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

    # Field validators run only for fields present in the file, so the common response (a body
    # alone) costs no extra Python call at load.
    @field_validator("events")
    @classmethod
    def _events_alone(cls, events: list[SSEEvent] | None, info: ValidationInfo) -> Any:
        if events is not None and info.data.get("body") is not None:
            raise ValueError(
                "it has both body and events, and replay could only play one: keep events for "
                "a text/event-stream response, body for any other"
            )
        return events

    @field_validator("body_base64")
    @classmethod
    def _decodable(cls, value: str | None, info: ValidationInfo) -> Any:
        if value is None:
            return value
        others = [name for name in ("body", "events") if info.data.get(name) is not None]
        if others:
            raise ValueError(
                f"it has both body_base64 and {' and '.join(others)}, and replay could only "
                "play one: keep exactly one"
            )
        try:
            base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError(
                f"body_base64 is not valid base64 ({exc}); restore the recorded bytes or re-record"
            ) from None
        return value


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


def interaction_text(interaction: Interaction) -> str:
    """One interaction as it appears in a cassette file (two-space indented, unindented)."""
    data = interaction.model_dump(mode="json", exclude_none=True)
    return json.dumps(data, ensure_ascii=False, indent=2)


def cassette_text(interaction_texts: Sequence[str], *, version: int = FORMAT_VERSION) -> str:
    """The file text for interactions already rendered by :func:`interaction_text`; the same
    bytes as ``json.dumps`` of the whole file with ``indent=2``."""
    if not interaction_texts:
        return f'{{\n  "version": {version},\n  "interactions": []\n}}\n'
    # Newlines occur only between tokens (JSON escapes them inside strings), so re-indenting
    # each interaction by two levels is a plain replace.
    body = ",\n".join("    " + text.replace("\n", "\n    ") for text in interaction_texts)
    return f'{{\n  "version": {version},\n  "interactions": [\n{body}\n  ]\n}}\n'


def dump_cassette(cassette: CassetteFile) -> str:
    """The file text for ``cassette``: two-space indented JSON with a stable key order."""
    texts = [interaction_text(interaction) for interaction in cassette.interactions]
    return cassette_text(texts, version=cassette.version)


def savable_text(interaction: Interaction) -> tuple[str, None] | tuple[None, str]:
    """``(text, None)`` when ``interaction`` can be written so that the file loads again, else
    ``(None, problem)``: what in it cannot be stored, in one sentence."""
    try:
        text = interaction_text(interaction)
        encoded = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return None, _surrogate_problem(interaction, exc)
    except (ValueError, RecursionError):  # pydantic's serializer stops at ~255 levels
        return None, _depth_problem(interaction)
    try:
        # The real loader, at the depth the file puts an interaction (in a list in an object).
        pydantic_core.from_json(b"[[" + encoded + b"]]")
    except ValueError as exc:
        if "recursion limit" in str(exc):
            return None, _depth_problem(interaction)
        return None, f"it would not load back ({exc})"
    return text, None


def _parts(interaction: Interaction) -> list[tuple[str, Any, int]]:
    """(name, value, level in the file) of the parts a recording fills from the wire."""
    request, response = interaction.request, interaction.response
    parts: list[tuple[str, Any, int]] = [
        ("request headers", request.headers, _BODY_LEVEL - 1),
        ("request body", request.body, _BODY_LEVEL),
        ("response headers", response.headers, _BODY_LEVEL - 1),
        ("response body", response.body, _BODY_LEVEL),
    ]
    for number, event in enumerate(response.events or ()):
        parts.append((f"response event {number}", event.data, _EVENT_DATA_LEVEL))
    return parts


def _surrogate_problem(interaction: Interaction, exc: UnicodeEncodeError) -> str:
    bad = exc.object[exc.start : exc.end]
    where = "it"
    for name, value, _ in _parts(interaction):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            where = f"its {name}"
            break
    return (
        f"{where} holds a lone UTF-16 surrogate ({bad!r}, usually half of an emoji cut in two), "
        "which a cassette file (UTF-8 JSON) cannot hold"
    )


def _depth_problem(interaction: Interaction) -> str:
    for name, value, level in _parts(interaction):
        depth = _nesting(value)
        if level + depth > MAX_NESTING:
            return (
                f"its {name} nests {depth} levels deep, and a cassette file loads at most "
                f"{MAX_NESTING} levels in all, which leaves {MAX_NESTING - level} for it"
            )
    return f"it nests deeper than the {MAX_NESTING} levels a cassette file loads"


def _nesting(value: Any) -> int:
    """How many containers deep ``value`` goes (a scalar: 0, ``[]``: 1)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        current, level = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, (list, tuple)):
            children = current
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


class UnsavableInteractionsError(ReplayError):
    """Interactions recorded in a session could not be written; everything else was.

    Attributes:
        path: the cassette.
        problems: ``(index in Cassette.recorded, interaction, what cannot be stored)``.
    """

    def __init__(self, path: Path, problems: Sequence[tuple[int, Interaction, str]]) -> None:
        self.path = path
        self.problems = list(problems)
        lines = [
            f"cassette.recorded[{index}] ({_request_line(interaction.request)}): {problem}"
            for index, interaction, problem in self.problems
        ]
        super().__init__(
            f"Could not save {len(lines)} recorded interaction(s) to cassette {path}; every "
            "other interaction of the session was saved. Replaying those requests will find "
            "no recording: make the server send something a cassette can hold, or leave the "
            "request out of the recording (ignore_routes).\n" + "\n".join(lines)
        )


def _request_line(request: RecordedRequest) -> str:
    query = "&".join(f"{key}={value}" for key, value in request.query)
    return f"{request.method} {request.path}" + (f"?{query}" if query else "")


def load_cassette(path: str | os.PathLike[str]) -> CassetteFile:
    """Read and validate the cassette at ``path``.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        CassetteFormatError: the file is not a cassette this version of agentkit can read.
    """
    return read_cassette(path)[0]


def read_cassette(path: str | os.PathLike[str]) -> tuple[CassetteFile, FileStamp]:
    """:func:`load_cassette`, and the stamp of the version read (to notice another writer)."""
    path = Path(path)
    # Parsing allocates millions of containers, and the cyclic GC would rescan them again and
    # again while they are built (it more than doubled the load time of a 60 MB cassette); the
    # result holds no cycles, so pause collection while parsing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with open_stamped(path) as (handle, stamp):
            # A pipe cannot be read twice: it is parsed whole, as any file once was.
            seekable = handle.seekable()
            cassette = _read_laid_out(handle) if seekable else None
            if cassette is None:
                if seekable:
                    handle.seek(0)
                cassette = _parse(path, handle.read())
        return cassette, stamp
    finally:
        if was_enabled:
            gc.enable()


def _read_laid_out(handle: IO[bytes]) -> CassetteFile | None:
    """The cassette read one interaction at a time, its repeated parts shared (a sixth of the
    memory at its peak; see ``_laid_out``); None for a file to parse whole, which alone
    reports what is wrong with one."""
    laid_out = read_laid_out(handle)
    if laid_out is None or laid_out.version != FORMAT_VERSION:
        return None
    try:
        cassette = CassetteFile.model_validate(
            {"version": laid_out.version, "interactions": laid_out.interactions}
        )
    except pydantic.ValidationError:
        return None
    share = laid_out.sharing.share
    for interaction in cassette.interactions:
        # Validation gave each its own dicts: share those that are equal.
        interaction.request.headers = share(interaction.request.headers)
        interaction.response.headers = share(interaction.response.headers)
    return cassette


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
        problem = _shape_problems(data, exc)
        raise CassetteFormatError(path, f"it does not have the cassette shape: {problem}") from exc


def _shape_problems(data: dict[str, Any], exc: pydantic.ValidationError, shown: int = 3) -> str:
    """The validation errors on one line, each naming the interaction (index, method, path)."""
    problems = []
    for error in exc.errors(include_url=False):
        location = list(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if len(location) >= 2 and location[0] == "interactions" and isinstance(location[1], int):
            index = location[1]
            where = f"interaction {index}{_raw_request_line(data, index)}"
            location = location[2:]
        else:
            where = "the file"
        field = ".".join(str(part) for part in location)
        problems.append(f"{where}: {field + ': ' if field else ''}{message}")
    more = len(problems) - shown
    return "; ".join(problems[:shown]) + (f"; and {more} more" if more > 0 else "")


def _raw_request_line(data: dict[str, Any], index: int) -> str:
    try:
        request = data["interactions"][index]["request"]
        method, path = request["method"], request["path"]
    except (KeyError, IndexError, TypeError):
        return ""
    return f" ({method} {path})" if isinstance(method, str) and isinstance(path, str) else ""


def write_cassette_text(path: Path, text: str) -> None:
    """Write a cassette's text atomically; call it holding ``file_lock(path)``."""
    remove_leftover_temporaries(path)
    write_atomically(path, text.encode("utf-8"))


def save_cassette(path: str | os.PathLike[str], cassette: CassetteFile) -> None:
    """Write ``cassette`` to ``path`` atomically (temporary file in the same directory, then
    ``os.replace``) under the file's lock, so a reader never sees half a file, a crash never
    truncates one and a concurrent recording session notices the change and merges with it.

    This replaces the file's content; :class:`~agentkit.replay.Cassette` sessions merge."""
    path = Path(path)
    text = dump_cassette(cassette)
    with file_lock(path):
        write_cassette_text(path, text)
