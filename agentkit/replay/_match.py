"""Request matching: canonical keys, the lookup index, and the closest-request diff.

Two requests match when method, path, query and the *canonical* body are equal. The canonical
body is the parsed JSON minus the ignored paths, serialised with sorted keys and compact
separators, so key order and whitespace never matter. Headers are never matched: SDKs send
volatile ones (``x-stainless-*``, ``user-agent``).
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pydantic_core

from agentkit.replay._format import Interaction, RecordedRequest

__all__ = [
    "IgnorePaths",
    "InteractionIndex",
    "canonical_body",
    "diff_requests",
    "parse_paths",
    "strict_fingerprint",
    "wire_bytes",
]

IgnorePaths = tuple[tuple[str, ...], ...]
"""Parsed ignored paths: each a tuple of keys; ``*`` matches every key or list element."""

_Key = tuple[str, str, str]


def parse_paths(paths: Iterable[str]) -> IgnorePaths:
    """Dotted paths (``"stream_options"``, ``"metadata.user_id"``, ``"messages.*.cache_control"``)
    in parsed form."""
    return tuple(tuple(path.split(".")) for path in paths if path)


def _drop(value: Any, path: tuple[str, ...]) -> Any:
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        keys = list(value) if head == "*" else [head] if head in value else []
        if not keys:
            return value
        copy = dict(value)
        for key in keys:
            if rest:
                copy[key] = _drop(copy[key], rest)
            else:
                del copy[key]
        return copy
    if isinstance(value, list) and (head == "*" or head.isdigit()):
        indices = range(len(value)) if head == "*" else [int(head)]
        copy_list = list(value)
        for index in indices:
            if index < len(copy_list) and rest:
                copy_list[index] = _drop(copy_list[index], rest)
        return copy_list
    return value


def canonical_body(body: Any, ignore: IgnorePaths = ()) -> str:
    """The text two bodies must share to match: compact, key-sorted JSON without ``ignore``d paths
    (text bodies are compared as they are)."""
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    for path in ignore:
        body = _drop(body, path)
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def strict_fingerprint(body: Any) -> bytes | None:
    """Bytes that are equal only for bodies of the same shape, values and exact types (``1``,
    ``1.0`` and ``True`` differ) and, below the top level, key order, so equal fingerprints imply
    equal canonical bodies; about a quarter of :func:`canonical_body`'s cost. None for a body
    holding anything but plain dicts, lists, tuples, strings, numbers, booleans and None.

    Unequal fingerprints prove nothing (nested key order counts here and not in matching): they
    only send a request the canonical way. The top level is taken in key order because the SDKs
    reorder their arguments there, so a body as built and as sent differ in it.
    """
    try:
        # Version 2 writes no back-references and no interning flags, so the bytes depend on
        # the value alone, never on which objects happen to be shared or interned.
        if type(body) is dict:
            # Keys are distinct, so sorting the pairs compares keys only.
            return b"{" + marshal.dumps(sorted(body.items()), 2)
        return b"=" + marshal.dumps(body, 2)
    except (TypeError, ValueError):
        return None


def wire_bytes(body: Any) -> bytes | None:
    """A recorded JSON object or array body as the SDKs send one (compact, UTF-8, key order
    kept, as ``json.dumps(body, ensure_ascii=False, separators=(",", ":"))`` writes it); None for
    any other body. Bytes a client sends that equal it parse back to a body with the same
    canonical form. For bodies parsed from JSON (a recording's), whose values are all JSON's.

    pydantic-core's serializer writes the same bytes as ``json.dumps`` there, about three times
    faster, except for a few float spellings (``1e-7`` for ``1e-07``): a body holding one is
    only sent the canonical way. ``NaN`` and ``Infinity`` are written as ``json.dumps`` writes
    them (pydantic-core's default would write ``null``, which a client's ``null`` would equal).
    """
    if not isinstance(body, dict | list):
        return None
    try:
        return pydantic_core.to_json(body, inf_nan_mode="constants")
    except (TypeError, ValueError):
        return None


def _same_route(recorded: RecordedRequest, sent: RecordedRequest) -> bool:
    # Equal method, path and query pairs give equal index keys (the key joins sorted pairs).
    return (
        recorded.method.upper() == sent.method.upper()
        and recorded.path == sent.path
        and sorted(recorded.query) == sorted(sent.query)
    )


def request_key(request: RecordedRequest, ignore: IgnorePaths) -> _Key:
    """The index key of ``request``: method, path with query, and a digest of the canonical body."""
    target = request.path
    if request.query:
        target += "?" + "&".join(f"{k}={v}" for k, v in sorted(request.query))
    digest = hashlib.sha256(canonical_body(request.body, ignore).encode("utf-8")).hexdigest()
    return request.method.upper(), target, digest


class InteractionIndex:
    """Finds the next unplayed interaction matching a request in O(1) (amortised).

    Keys are computed lazily, in recorded order, only as far as a lookup needs: a cassette
    replayed in order indexes one interaction per request, and opening a large cassette costs only
    its parse. Identical requests get their recorded responses in recorded order.

    :meth:`take_first_if` serves the commonest case, a request that is the first unplayed
    recording byte for byte, without computing any key.
    """

    def __init__(self, interactions: Sequence[Interaction], ignore: IgnorePaths = ()) -> None:
        self._interactions = interactions
        self._ignore = ignore
        self._queues: dict[_Key, deque[int]] = {}
        self._keys: list[_Key] = []
        self.played = [False] * len(interactions)
        self._first = 0
        """Every position before this one is played."""
        self._form: tuple[int, Callable[[Any], bytes | None], bytes | None] | None = None
        """The last form :meth:`take_first_if` computed of a recorded body (position, form,
        value): a miss leaves the same first unplayed recording for the next request."""

    def key(self, request: RecordedRequest) -> _Key:
        """The index key of ``request`` under this index's ignored paths."""
        return request_key(request, self._ignore)

    def _index_next(self) -> _Key:
        position = len(self._keys)
        key = self.key(self._interactions[position].request)
        self._queues.setdefault(key, deque()).append(position)
        self._keys.append(key)
        return key

    def take(self, key: _Key) -> int | None:
        """The position of the next unplayed interaction with ``key``, marked played; or None."""
        queue = self._queues.get(key)
        while True:
            while queue and self.played[queue[0]]:
                queue.popleft()  # played by take_first_if before it was indexed
            if queue or len(self._keys) >= len(self._interactions):
                break
            if self._index_next() == key:
                queue = self._queues[key]
        if not queue:
            return None
        position = queue.popleft()
        self.played[position] = True
        return position

    def take_first_if(
        self,
        route: RecordedRequest,
        form: Callable[[Any], bytes | None],
        sent: bytes,
        clean: Callable[[Any], bool] = lambda body: True,
    ) -> int | None:
        """The first unplayed position, marked played, when its request has ``route``'s method,
        path and query, ``form`` of its body is ``sent``, and ``clean`` of its body holds; else
        None.

        Exact, as :meth:`take` of the request's key would be: ``form`` must be one whose equal
        values imply equal canonical bodies (:func:`strict_fingerprint`, :func:`wire_bytes`),
        and the first unplayed recording with that key is this one, as none before it is
        unplayed. ``clean`` is for what else the key depends on (redaction of a sent body,
        which then equals the recorded one).
        """
        while self._first < len(self.played) and self.played[self._first]:
            self._first += 1
        position = self._first
        if position == len(self.played):
            return None
        recorded = self._interactions[position].request
        if not _same_route(recorded, route):
            return None
        cached = self._form
        if cached is not None and cached[0] == position and cached[1] is form:
            value = cached[2]
        else:
            value = form(recorded.body)
            self._form = (position, form, value)
        if value is None or value != sent or not clean(recorded.body):
            return None
        self.played[position] = True
        self._form = None
        return position

    def times_recorded(self, key: _Key) -> int:
        """How many recorded interactions have ``key`` (indexes the whole cassette)."""
        while len(self._keys) < len(self._interactions):
            self._index_next()
        return self._keys.count(key)

    def closest(self, request: RecordedRequest) -> RecordedRequest | None:
        """The recorded request most like ``request``: same method and path first, unplayed
        first, then the longest run of equal leading messages and the most equal fields."""
        best: tuple[tuple[int, ...], int] | None = None
        for position, interaction in enumerate(self._interactions):
            score = _similarity(interaction.request, request, self.played[position])
            if best is None or score > best[0]:
                best = (score, position)
        return None if best is None else self._interactions[best[1]].request


def _similarity(recorded: RecordedRequest, sent: RecordedRequest, played: bool) -> tuple[int, ...]:
    same_route = int(recorded.method == sent.method and recorded.path == sent.path)
    a, b = recorded.body, sent.body
    prefix = fields = 0
    if isinstance(a, dict) and isinstance(b, dict):
        fields = sum(1 for k in a if k in b and a[k] == b[k])
        ma, mb = a.get("messages"), b.get("messages")
        if isinstance(ma, list) and isinstance(mb, list):
            while prefix < min(len(ma), len(mb)) and ma[prefix] == mb[prefix]:
                prefix += 1
    return same_route, int(not played), prefix, fields


_MAX_LINES = 20


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _change(old: Any, new: Any) -> str:
    if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > 60:
        # Show the neighbourhood of the first difference, not the shared prefix.
        start = next((i for i, (x, y) in enumerate(zip(old, new, strict=False)) if x != y), None)
        start = min(len(old), len(new)) if start is None else start
        cut = max(0, start - 20)
        prefix = "..." if cut else ""
        return f"{_short(prefix + old[cut:])} -> {_short(prefix + new[cut:])}"
    return f"{_short(old)} -> {_short(new)}"


def _role(message: Any) -> str:
    return str(message.get("role", "?")) if isinstance(message, dict) else "?"


def _diff_messages(old: list[Any], new: list[Any], name: str) -> list[str]:
    lines: list[str] = []
    for i in range(max(len(old), len(new))):
        if i >= len(old):
            lines.append(f"{name}[{i}] ({_role(new[i])}) added: {_short(new[i])}")
        elif i >= len(new):
            lines.append(f"{name}[{i}] ({_role(old[i])}) removed: {_short(old[i])}")
        elif old[i] != new[i]:
            a, b = old[i], new[i]
            if isinstance(a, dict) and isinstance(b, dict):
                for key in [*a, *(k for k in b if k not in a)]:
                    if key not in b:
                        lines.append(f"{name}[{i}] ({_role(b)}): {key} removed")
                    elif key not in a:
                        lines.append(f"{name}[{i}] ({_role(b)}): {key} added: {_short(b[key])}")
                    elif a[key] != b[key]:
                        lines.append(
                            f"{name}[{i}] ({_role(b)}): {key} changed: {_change(a[key], b[key])}"
                        )
            else:
                lines.append(f"{name}[{i}] changed: {_change(a, b)}")
    return lines


def _tool_name(tool: Any) -> str:
    if isinstance(tool, dict):
        function = tool.get("function")
        if isinstance(function, dict) and "name" in function:
            return str(function["name"])
        if "name" in tool:
            return str(tool["name"])
    return _short(tool, 30)


def _diff_tools(old: list[Any], new: list[Any]) -> list[str]:
    a = {_tool_name(t): t for t in old}
    b = {_tool_name(t): t for t in new}
    lines = [f"tools: {name!r} removed" for name in a if name not in b]
    lines += [f"tools: {name!r} added" for name in b if name not in a]
    for name in (n for n in a if n in b and a[n] != b[n]):
        changed = _changed_paths(a[name], b[name])
        lines.append(f"tools[{name!r}]: {', '.join(changed) or 'definition'} changed")
    if not lines and list(a) != list(b):
        lines.append(f"tools: order changed: {list(a)} -> {list(b)}")
    return lines


def _changed_paths(old: Any, new: Any, prefix: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict) and prefix.count(".") < 2:
        paths: list[str] = []
        for key in [*old, *(k for k in new if k not in old)]:
            if old.get(key) != new.get(key):
                paths += _changed_paths(old.get(key), new.get(key), f"{prefix}{key}.")
        return paths
    return [prefix.rstrip(".")] if prefix else []


def diff_requests(recorded: RecordedRequest, sent: RecordedRequest) -> str:
    """What changed from ``recorded`` to ``sent``, one line per difference, messages and tools
    compared element by element, e.g. ``messages[2] (user): content changed: 'a' -> 'b'``."""
    lines: list[str] = []
    if (recorded.method, recorded.path) != (sent.method, sent.path):
        lines.append(
            f"route changed: {recorded.method} {recorded.path} -> {sent.method} {sent.path}"
        )
    if sorted(recorded.query) != sorted(sent.query):
        lines.append(f"query changed: {recorded.query} -> {sent.query}")
    a, b = recorded.body, sent.body
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if key not in b:
                lines.append(f"{key} removed (was {_short(a[key])})")
            elif key not in a:
                lines.append(f"{key} added: {_short(b[key])}")
            elif a[key] == b[key]:
                continue
            elif key == "tools" and isinstance(a[key], list) and isinstance(b[key], list):
                lines += _diff_tools(a[key], b[key])
            elif isinstance(a[key], list) and isinstance(b[key], list):
                lines += _diff_messages(a[key], b[key], key)
            else:
                lines.append(f"{key} changed: {_change(a[key], b[key])}")
    elif a != b:
        lines.append(f"body changed: {_change(a, b)}")
    if not lines:
        lines.append("no difference outside the ignored paths")
    if len(lines) > _MAX_LINES:
        lines = [*lines[:_MAX_LINES], f"... and {len(lines) - _MAX_LINES} more differences"]
    return "\n".join(lines)
