"""Content parts (text, images, documents) and the model's reasoning, provider-neutral.

A ``Message``'s content is a string or a tuple of parts; each part knows its OpenAI
chat-completions form and its Anthropic Messages form.

>>> ImagePart(url="https://example.com/cat.png").to_openai()
{'type': 'image_url', 'image_url': {'url': 'https://example.com/cat.png'}}
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agentkit._errors import UsageError

__all__ = [
    "ContentPart",
    "DocumentPart",
    "ImagePart",
    "ReasoningOrigin",
    "ReasoningPart",
    "RedactedThinkingPart",
    "TextPart",
    "ThinkingPart",
    "content_text",
    "reasoning_text",
]

_DATA_URL = re.compile(r"^data:(?P<media_type>[^;,]+);base64,(?P<data>.*)$", re.DOTALL)


def _one_source(part: BaseModel, *names: str) -> None:
    given = [name for name in names if getattr(part, name) is not None]
    if len(given) != 1:
        shown = ", ".join(f"{name}=" for name in names)
        got = ", ".join(given) or "none"
        raise ValueError(f"{type(part).__name__} needs exactly one of {shown} (got {got})")


class TextPart(BaseModel):
    """A piece of text.

    >>> TextPart(text="Which of these is cheaper?").to_anthropic()
    {'type': 'text', 'text': 'Which of these is cheaper?'}
    """

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    type: Literal["text"] = "text"
    """Always ``"text"``."""
    text: str
    """The text."""

    def to_openai(self) -> dict[str, Any]:
        """OpenAI's ``text`` content part."""
        return {"type": "text", "text": self.text}

    def to_anthropic(self) -> dict[str, Any]:
        """Anthropic's ``text`` block."""
        return {"type": "text", "text": self.text}


class ImagePart(BaseModel):
    """An image, by URL (``https:`` or ``data:``) or as base64 ``data`` with its ``media_type``.

    >>> ImagePart(data="iVBORw0KGgo=", media_type="image/png").to_anthropic()["source"]["type"]
    'base64'
    """

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    type: Literal["image"] = "image"
    """Always ``"image"``."""
    url: str | None = None
    """Where the image is: an ``https://`` URL or a ``data:image/...;base64,`` URL."""
    data: str | None = None
    """The image itself, base64-encoded (then ``media_type`` is required)."""
    media_type: str | None = None
    """The image's type with ``data``: ``image/png``, ``image/jpeg``, ``image/gif``, ``image/webp``."""
    detail: Literal["auto", "low", "high"] | None = None
    """OpenAI's detail level; Anthropic has none and ignores it."""

    @model_validator(mode="after")
    def _check_source(self) -> Self:
        _one_source(self, "url", "data")
        if self.data is not None and not self.media_type:
            raise ValueError("ImagePart(data=...) needs media_type, e.g. media_type='image/png'")
        return self

    def to_openai(self) -> dict[str, Any]:
        """OpenAI's ``image_url`` part; base64 data travels as a ``data:`` URL."""
        url = self.url if self.url is not None else f"data:{self.media_type};base64,{self.data}"
        image: dict[str, Any] = {"url": url}
        if self.detail is not None:
            image["detail"] = self.detail
        return {"type": "image_url", "image_url": image}

    def to_anthropic(self) -> dict[str, Any]:
        """Anthropic's ``image`` block; a ``data:`` URL becomes a base64 source."""
        return {"type": "image", "source": _anthropic_source(self.url, self.data, self.media_type)}


class DocumentPart(BaseModel):
    """A document (a PDF), as base64 ``data``, a ``url`` or an uploaded ``file_id``.

    OpenAI's chat completions take PDFs as base64 data or a file id, not by URL; Anthropic takes
    all three (a ``file_id`` needs its Files API beta).
    """

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    type: Literal["document"] = "document"
    """Always ``"document"``."""
    data: str | None = None
    """The document, base64-encoded."""
    url: str | None = None
    """Where the document is (Anthropic only)."""
    file_id: str | None = None
    """The id of a file uploaded to the provider's Files API."""
    media_type: str = "application/pdf"
    """The document's type, for ``data``."""
    filename: str | None = None
    """The file's name: OpenAI's ``filename``, Anthropic's ``title``."""

    @model_validator(mode="after")
    def _check_source(self) -> Self:
        _one_source(self, "data", "url", "file_id")
        return self

    def to_openai(self) -> dict[str, Any]:
        """OpenAI's ``file`` part: ``file_data`` as a ``data:`` URL, or ``file_id``."""
        if self.url is not None:
            raise UsageError(
                f"OpenAI's chat completions take no document URL ({self.url[:80]!r}): download "
                "it and pass DocumentPart(data=<base64>), or upload it and pass file_id="
            )
        file: dict[str, Any] = (
            {"file_id": self.file_id}
            if self.file_id is not None
            else {"file_data": f"data:{self.media_type};base64,{self.data}"}
        )
        if self.filename is not None:
            file["filename"] = self.filename
        return {"type": "file", "file": file}

    def to_anthropic(self) -> dict[str, Any]:
        """Anthropic's ``document`` block with its ``source``."""
        if self.file_id is not None:
            source: dict[str, Any] = {"type": "file", "file_id": self.file_id}
        else:
            source = _anthropic_source(self.url, self.data, self.media_type)
        block: dict[str, Any] = {"type": "document", "source": source}
        if self.filename is not None:
            block["title"] = self.filename
        return block


def _anthropic_source(url: str | None, data: str | None, media_type: str | None) -> dict[str, Any]:
    if url is not None:
        match = _DATA_URL.match(url)
        if match is None:
            return {"type": "url", "url": url}
        media_type, data = match["media_type"], match["data"]
    return {"type": "base64", "media_type": media_type, "data": data}


ContentPart: TypeAlias = Annotated[TextPart | ImagePart | DocumentPart, Field(discriminator="type")]
"""One part of a message's content: ``TextPart``, ``ImagePart`` or ``DocumentPart``."""


ReasoningOrigin: TypeAlias = Literal[
    "thinking_block", "reasoning_content", "content_part", "reasoning_summary", "reasoning_text"
]
"""Where a provider put reasoning on the wire, which decides how it goes back: an Anthropic
thinking block, an OpenAI-compatible ``reasoning_content``, a thinking content part, or a piece
of an OpenAI Responses ``reasoning`` item (a ``summary_text`` or a ``reasoning_text``)."""


def _is_none(value: object) -> bool:
    return value is None


class ThinkingPart(BaseModel):
    """The model's visible reasoning.

    ``origin`` says where it came from and so how it goes back on the next turn: an Anthropic
    ``thinking`` block goes back to Anthropic with its ``signature``, unmodified (required for
    extended thinking with tool use); an OpenAI-compatible server's ``reasoning_content``
    (DeepSeek, vLLM) goes back in that field; a ``thinking`` content part (Mistral) is kept but
    not sent back, as Mistral refuses reasoning in requests. An OpenAI Responses ``reasoning``
    item becomes one part per piece of its summary or text (one empty part when it has none),
    all with its ``item_id``; they go back together as that item. A provider never gets another
    provider's kind of reasoning.
    """

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    type: Literal["thinking"] = "thinking"
    """Always ``"thinking"``."""
    thinking: str
    """The reasoning text, as the model wrote it."""
    signature: str | None = None
    """Anthropic's signature over the block; it must go back unmodified."""
    origin: ReasoningOrigin = "thinking_block"
    """Where the provider put it: ``thinking_block`` (Anthropic), ``reasoning_content``
    (OpenAI-compatible field), ``content_part`` (a thinking part of the message content), or
    ``reasoning_summary`` / ``reasoning_text`` (a piece of an OpenAI Responses reasoning item)."""
    item_id: str | None = Field(default=None, exclude_if=_is_none)
    """The id of the OpenAI Responses reasoning item this is a piece of (``rs_...``); the pieces
    of one item share it. None for every other origin, and left out of the serialized part."""
    encrypted_content: str | None = Field(default=None, exclude_if=_is_none)
    """The Responses reasoning item's encrypted reasoning, on the item's first piece; it goes
    back unmodified (stateless and zero-data-retention use need it)."""
    followed_by: str | None = Field(default=None, exclude_if=_is_none)
    """On the item's first piece: the id of the Responses output item that came right after it
    (a message, a function call, another reasoning item). OpenAI refuses a reasoning item sent
    back without that item after it, so the item goes back only when its follower does."""
    followed_by_call: str | None = Field(default=None, exclude_if=_is_none)
    """When ``followed_by`` is a function call: that call's id (``ToolCall.id``, its
    ``call_id``), so the call can be sent right after the reasoning with its item id."""


class RedactedThinkingPart(BaseModel):
    """Reasoning the provider encrypted (Anthropic's ``redacted_thinking``): opaque, sent back as is."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    type: Literal["redacted_thinking"] = "redacted_thinking"
    """Always ``"redacted_thinking"``."""
    data: str
    """The encrypted reasoning."""


ReasoningPart: TypeAlias = Annotated[
    ThinkingPart | RedactedThinkingPart, Field(discriminator="type")
]
"""One piece of an answer's reasoning: ``ThinkingPart`` or ``RedactedThinkingPart``."""


def content_text(content: str | tuple[ContentPart, ...] | None) -> str | None:
    """The text of a content: the string, or its text parts joined; None for None."""
    if content is None or isinstance(content, str):
        return content
    return "".join(part.text for part in content if isinstance(part, TextPart))


def reasoning_text(reasoning: tuple[ThinkingPart | RedactedThinkingPart, ...]) -> str | None:
    """The readable reasoning joined, or None when there is none (redacted parts have no text)."""
    texts = [part.thinking for part in reasoning if isinstance(part, ThinkingPart)]
    return "".join(texts) if texts else None
