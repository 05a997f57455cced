"""Reading vcrpy's cassette files: the YAML or JSON document, and each interaction converted.

vcrpy (9.x) writes ``{"version": 1, "interactions": [{"request": ..., "response": ...}]}``; a
request is ``method``, ``uri``, ``body`` (text, bytes, or a file/iterator body) and ``headers``
(each a list of values); a response is ``status.code``, ``headers`` and ``body.string``, kept as
the server sent it: gzip, deflate or brotli bytes stay compressed. Its pre-8 httpx shape
(``status_code``, ``content``) is read too. Requests and responses become what agentkit records
for the same live traffic (:mod:`agentkit.replay._vcr`), so they match it on replay.
"""

from __future__ import annotations

import gzip
import importlib
import io
import json
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from agentkit.replay._format import Interaction
from agentkit.replay._redact import Redactor
from agentkit.replay._vcr import to_recorded_request, to_recorded_response

__all__ = ["BROTLI_HINT", "UnconvertibleInteraction", "convert_interaction", "read_vcr_file"]

BROTLI_HINT = "pip install brotli"
"""How to make brotli bodies convertible."""

# vcrpy's own format version (vcr.serialize.CASSETTE_FORMAT_VERSION).
_VCR_FORMAT_VERSION = 1


class UnconvertibleInteraction(Exception):
    """One interaction cannot be converted; the message is the reason."""


def _brotli_decompress() -> Callable[[bytes], bytes] | None:
    # Optional, like httpx2's own support: the C bindings, else the CFFI ones.
    for name in ("brotli", "brotlicffi"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        decompress: Callable[[bytes], bytes] = module.decompress
        return decompress
    return None


def _inflate(raw: bytes) -> bytes:
    try:
        return zlib.decompress(raw)
    except zlib.error:
        # Some servers send raw deflate without the zlib wrapper (httpx accepts both).
        return zlib.decompress(raw, -zlib.MAX_WBITS)


def _decoder(encoding: str) -> Callable[[bytes], bytes]:
    if encoding in ("gzip", "x-gzip"):
        return gzip.decompress
    if encoding == "deflate":
        return _inflate
    if encoding == "br":
        brotli = _brotli_decompress()
        if brotli is None:
            raise UnconvertibleInteraction(
                "the body is brotli-compressed (content-encoding: br) and no brotli decoder is "
                f"installed: {BROTLI_HINT}, then import again"
            )
        return brotli
    raise UnconvertibleInteraction(
        f"the body has content-encoding {encoding!r}, which agentkit cannot decode "
        "(it decodes gzip, deflate and br); re-record it with agentkit"
    )


def _decode(raw: bytes, encodings: list[str], *, lenient: bool) -> bytes:
    """``raw`` with ``encodings`` (in the order they were applied) undone."""
    for encoding in reversed(encodings):
        if encoding == "identity":
            continue
        decode = _decoder(encoding)
        try:
            raw = decode(raw)
        except Exception as exc:
            if lenient:
                # vcrpy's own reading of this old format: a body that does not decompress was
                # stored decompressed already.
                return raw
            raise UnconvertibleInteraction(
                f"the body is not valid {encoding} data ({type(exc).__name__}: {exc}); "
                "the cassette is damaged, re-record it"
            ) from None
    return raw


def _as_bytes(value: Any, what: str) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        # vcrpy stores bodies that are UTF-8 as text and encodes them back to bytes on load.
        return value.encode("utf-8")
    if isinstance(value, io.BytesIO):
        return value.getvalue()
    if isinstance(value, (list, tuple)) or hasattr(value, "__next__"):
        # Iterator bodies (vcrpy's !!python/object/apply:builtins.iter), rebuilt as chunks.
        return b"".join(_as_bytes(chunk, what) for chunk in value)
    raise UnconvertibleInteraction(f"the {what} is a {type(value).__name__}, not text or bytes")


def _headers(value: Any, what: str) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise UnconvertibleInteraction(
            f"the {what} headers are a {type(value).__name__}, not a mapping"
        )
    headers: dict[str, list[str]] = {}
    for name, values in value.items():
        items = values if isinstance(values, (list, tuple)) else [values]
        if not all(isinstance(item, (str, int, float)) for item in items):
            raise UnconvertibleInteraction(
                f"the {what} header {name!r} has a value that is not text"
            )
        headers.setdefault(str(name).lower(), []).extend(str(item) for item in items)
    return headers


def _field(mapping: Mapping[str, Any], key: str, kind: type, what: str) -> Any:
    value = mapping.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        got = "missing" if value is None else f"a {type(value).__name__}"
        raise UnconvertibleInteraction(f"the {what} has no valid {key!r} ({got})")
    return value


def convert_interaction(raw: Any, redactor: Redactor) -> Interaction:
    """The agentkit form of one raw vcrpy interaction; raises :class:`UnconvertibleInteraction`."""
    if not isinstance(raw, Mapping):
        raise UnconvertibleInteraction(
            f"it is a {type(raw).__name__}, not a request/response mapping"
        )
    request, response = raw.get("request"), raw.get("response")
    if not isinstance(request, Mapping) or not isinstance(response, Mapping):
        raise UnconvertibleInteraction("it lacks a 'request' or a 'response' mapping")

    method = _field(request, "method", str, "request")
    uri = _field(request, "uri", str, "request")
    request_headers = {
        name: ", ".join(values)
        for name, values in _headers(request.get("headers"), "request").items()
    }
    body = _as_bytes(request.get("body"), "request body")
    recorded_request = to_recorded_request(method, uri, body, request_headers, redactor)

    lenient = "status_code" in response  # vcrpy's pre-8 httpx format: status_code, content
    if lenient:
        status = _field(response, "status_code", int, "response")
        raw_body = _as_bytes(response.get("content"), "response body")
    else:
        status_field = response.get("status")
        if not isinstance(status_field, Mapping):
            raise UnconvertibleInteraction("the response has no 'status' mapping")
        status = _field(status_field, "code", int, "response status")
        body_field = response.get("body")
        if not isinstance(body_field, Mapping) or "string" not in body_field:
            raise UnconvertibleInteraction("the response body has no 'string' (vcrpy's body field)")
        raw_body = _as_bytes(body_field["string"], "response body")
    response_headers = _headers(response.get("headers"), "response")
    encodings = [
        part.strip().lower()
        for value in response_headers.pop("content-encoding", [])
        for part in value.split(",")
        if part.strip()
    ]
    raw_body = _decode(raw_body, encodings, lenient=lenient)
    recorded_response = to_recorded_response(status, response_headers, raw_body, redactor)
    return Interaction(request=recorded_request, response=recorded_response)


def read_vcr_file(source: Path) -> list[Any]:
    """The raw interactions of the vcrpy cassette at ``source``; raises ``ValueError`` (the
    message says why the file is not a cassette this can read)."""
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError("it is not UTF-8 text, so not a vcrpy cassette") from None
    if not text.strip():
        raise ValueError("the file is empty (vcrpy treats it as not recorded yet)")
    if text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"it is not valid JSON ({exc})") from None
    else:
        # vcrpy (and PyYAML, which comes with it and ships no type hints) load in about
        # 0.3 s: only for a YAML file, not whenever agentkit.replay is imported.
        from vcr.serializers import yamlserializer

        _yaml: Any = importlib.import_module("yaml")
        try:
            data = yamlserializer.deserialize(text)
        except _yaml.constructor.ConstructorError as exc:
            raise ValueError(
                f"it holds a YAML tag vcrpy's safe loader refuses ({exc.problem}); "
                "re-record it with agentkit"
            ) from None
        except _yaml.YAMLError as exc:
            raise ValueError(f"it is not valid YAML ({' '.join(str(exc).split())})") from None
    if isinstance(data, list) and data and isinstance(data[0], Mapping) and "request" in data[0]:
        raise ValueError(
            "it was written by vcrpy before 1.0; convert it with 'python -m vcr.migration "
            f"{source}' first"
        )
    if not isinstance(data, Mapping) or not isinstance(data.get("interactions"), list):
        raise ValueError('not a vcrpy cassette: expected a mapping with an "interactions" list')
    interactions = data["interactions"]
    first = interactions[0] if interactions else None
    request = first.get("request") if isinstance(first, Mapping) else None
    if isinstance(request, Mapping) and "path" in request and "uri" not in request:
        raise ValueError("it is already an agentkit cassette; nothing to import")
    version = data.get("version")
    if version != _VCR_FORMAT_VERSION:
        raise ValueError(
            f"it has vcrpy format version {version!r}; this import reads version "
            f"{_VCR_FORMAT_VERSION} (load and save it with your vcrpy first)"
        )
    return list(interactions)
