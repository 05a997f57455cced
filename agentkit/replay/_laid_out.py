"""Reading a cassette saved in agentkit's own layout one interaction at a time, sharing the parts
that its requests repeat.

Every request of a conversation carries the system prompt, the tool schemas and the history so
far, so a cassette read whole holds each of them once per request: at 5,000 interactions the
parsed file took about 235 MB at its peak (the file's bytes and every copy) for 28 MB of distinct
content. Read here, the file goes in blocks of a megabyte, each interaction is parsed on its own,
and a part equal to one already read is replaced by that one object:

* a request body's top-level lists and objects other than ``messages`` (the tool schemas, a
  response format), by their exact JSON;
* each message, by its exact JSON, against the message at the same place in the request before
  (a conversation's next request repeats its history in order);
* request and response headers (after validation, by :meth:`Sharing.share`).

"Exact JSON" is pydantic-core's serialisation, which tells ``1``, ``1.0`` and ``true`` apart, so
a shared part is always the same value as the one it replaces. Loaded interactions can therefore
share objects: nothing in agentkit changes a loaded body in place (matching, redaction and saving
make copies), and neither should code that inspects one.

Only the layout :func:`agentkit.replay.save_cassette` writes (``cassette_text``: two-space
indent, interactions four spaces in) is read this way; for any other text, or anything that does
not parse as an interaction object, :func:`read_laid_out` returns None and the caller parses the
whole file, which alone reports what is wrong with it.
"""

from __future__ import annotations

import re
from typing import IO, Any, NamedTuple

import pydantic_core

__all__ = ["LaidOut", "Sharing", "read_laid_out"]

_BLOCK = 1 << 20
_HEAD = re.compile(rb'\{\n  "version": (-?[0-9]+),\n  "interactions": \[\n    \{\n')
_HEAD_MAX = 64
"""Bytes enough for the head line of any version number."""
_BETWEEN = b"\n    },\n    {\n"
"""What separates two interactions: newlines only occur between tokens (JSON escapes them in
strings), and only this level of the layout is indented four spaces."""
_TAIL = b"\n    }\n  ]\n}\n"


class Sharing:
    """Hands out one object for equal JSON values (exactly equal: types included)."""

    def __init__(self) -> None:
        self._seen: dict[bytes, Any] = {}

    def share(self, value: Any) -> Any:
        """The first value read with ``value``'s exact JSON, or ``value`` itself."""
        return self._seen.setdefault(pydantic_core.to_json(value), value)


class LaidOut(NamedTuple):
    """What :func:`read_laid_out` read: the version, the interactions (parsed JSON, not yet
    validated), and the :class:`Sharing` that shared their bodies' parts."""

    version: int
    interactions: list[Any]
    sharing: Sharing


class _Reader:
    def __init__(self) -> None:
        self.sharing = Sharing()
        self.interactions: list[Any] = []
        self._messages: list[Any] = []
        self._message_texts: list[bytes] = []

    def add(self, text: bytes) -> bool:
        """Parse one interaction's text; False when it is not a JSON object."""
        try:
            interaction = pydantic_core.from_json(text)
        except ValueError:
            return False
        if not isinstance(interaction, dict):
            return False
        request = interaction.get("request")
        body = request.get("body") if isinstance(request, dict) else None
        if isinstance(body, dict):
            for key, value in body.items():
                if key == "messages" and isinstance(value, list):
                    self._share_history(value)
                elif isinstance(value, dict | list):
                    body[key] = self.sharing.share(value)
        self.interactions.append(interaction)
        return True

    def _share_history(self, messages: list[Any]) -> None:
        texts = [pydantic_core.to_json(message) for message in messages]
        for position, (text, earlier) in enumerate(zip(texts, self._message_texts, strict=False)):
            if text == earlier:
                messages[position] = self._messages[position]
        self._messages, self._message_texts = messages, texts


def read_laid_out(handle: IO[bytes]) -> LaidOut | None:
    """The cassette in ``handle`` (at its start), read interaction by interaction; None when it
    is not in agentkit's layout or an interaction is not a JSON object (read it whole then)."""
    buffer = handle.read(_BLOCK)
    head = _HEAD.match(buffer, 0, _HEAD_MAX)
    if head is None:
        return None
    reader = _Reader()
    start = searched = head.end() - 2  # at the first interaction's "{"
    size = _BLOCK
    while True:
        end = buffer.find(_BETWEEN, searched)
        if end >= 0:
            # From its "{" to its "}" (the separator's first six bytes end the interaction).
            if not reader.add(buffer[start : end + 6]):
                return None
            start = searched = end + len(_BETWEEN) - 2
            size = _BLOCK
            continue
        # An interaction longer than a block is read in doubling blocks and searched only
        # where a separator could newly end, so even a huge one costs linear time.
        searched = max(len(buffer) - len(_BETWEEN) + 1, start) - start
        block = handle.read(size)
        if not block:
            break
        buffer = buffer[start:] + block
        start, size = 0, size * 2
    if not buffer.endswith(_TAIL) or not reader.add(buffer[start : len(buffer) - len(_TAIL) + 6]):
        return None
    return LaidOut(int(head.group(1)), reader.interactions, reader.sharing)
