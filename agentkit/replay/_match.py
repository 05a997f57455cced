"""Request matching: canonical keys, the lookup index, and the closest-request diff.

Two requests match when method, path, query and the *canonical* body are equal. The canonical
body is the parsed JSON minus the ignored paths, serialised with sorted keys and compact
separators, so key order and whitespace never matter. Headers are never matched: SDKs send
volatile ones (``x-stainless-*``, ``user-agent``).
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

from agentkit.replay._format import Interaction, RecordedRequest

__all__ = ["IgnorePaths", "InteractionIndex", "canonical_body", "diff_requests", "parse_paths"]

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
    """

    def __init__(self, interactions: Sequence[Interaction], ignore: IgnorePaths = ()) -> None:
        self._interactions = interactions
        self._ignore = ignore
        self._queues: dict[_Key, deque[int]] = {}
        self._keys: list[_Key] = []
        self.played = [False] * len(interactions)

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
        while not queue and len(self._keys) < len(self._interactions):
            if self._index_next() == key:
                queue = self._queues[key]
        if not queue:
            return None
        position = queue.popleft()
        self.played[position] = True
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
