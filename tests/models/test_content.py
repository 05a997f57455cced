"""Content parts: text, images and documents on both providers' wires; string content unchanged."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import ValidationError

from agentkit import UsageError
from agentkit.models import (
    ChatResponse,
    DocumentPart,
    ImagePart,
    Message,
    TextPart,
    ToolCall,
    Usage,
)
from agentkit.models._openai_wire import to_openai_messages
from agentkit.testing import anthropic_message, chat_completion

from .conftest import MakeAPI

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
PDF = "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoK"
QUESTION = "Is this boarding pass valid for the flight in the PDF?"
PARTS = (
    TextPart(text=QUESTION),
    ImagePart(url="https://example.com/pass.png", detail="high"),
    ImagePart(data=PNG, media_type="image/png"),
    DocumentPart(data=PDF, filename="itinerary.pdf"),
    DocumentPart(file_id="file-abc123"),
)


async def test_content_parts_reach_the_openai_wire(make_api: MakeAPI) -> None:
    """Parts become chat-completions text, image_url and file parts, exactly as documented."""
    api, provider = make_api([chat_completion(content="Yes.")])
    await api.chat([Message.system("Check documents."), Message.user(PARTS)])
    assert provider.bodies()[0]["messages"] == [
        {"role": "system", "content": "Check documents."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": QUESTION},
                {
                    "type": "image_url",
                    "image_url": {"url": "https://example.com/pass.png", "detail": "high"},
                },
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                {
                    "type": "file",
                    "file": {
                        "file_data": f"data:application/pdf;base64,{PDF}",
                        "filename": "itinerary.pdf",
                    },
                },
                {"type": "file", "file": {"file_id": "file-abc123"}},
            ],
        },
    ]


async def test_content_parts_reach_the_anthropic_wire(make_api: MakeAPI) -> None:
    """Parts become Anthropic text, image and document blocks with their sources."""
    api, provider = make_api([anthropic_message(content="Yes.")], name="anthropic/claude-test")
    await api.chat([Message.system([TextPart(text="Check documents.")]), Message.user(PARTS)])
    body = provider.bodies()[0]
    assert body["system"] == "Check documents."
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": QUESTION},
                {"type": "image", "source": {"type": "url", "url": "https://example.com/pass.png"}},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": PNG},
                },
                {
                    "type": "document",
                    "source": {"type": "base64", "media_type": "application/pdf", "data": PDF},
                    "title": "itinerary.pdf",
                },
                {"type": "document", "source": {"type": "file", "file_id": "file-abc123"}},
            ],
        }
    ]


async def test_a_data_url_image_is_a_base64_source_for_anthropic(make_api: MakeAPI) -> None:
    """An image given as a data: URL is unpacked into Anthropic's base64 source."""
    api, provider = make_api([anthropic_message(content="A cat.")], name="anthropic/claude-test")
    await api.chat([Message.user([ImagePart(url=f"data:image/png;base64,{PNG}")])])
    (block,) = provider.bodies()[0]["messages"][0]["content"]
    assert block["source"] == {"type": "base64", "media_type": "image/png", "data": PNG}


async def test_tool_results_with_parts(make_api: MakeAPI) -> None:
    """Anthropic takes an image in a tool result; OpenAI refuses it before sending anything."""
    call = ToolCall(id="tu_1", name="screenshot", arguments="{}")
    history = [
        Message.user("What is on screen?"),
        Message.assistant(None, (call,)),
        Message.tool("tu_1", [TextPart(text="Here:"), ImagePart(data=PNG, media_type="image/png")]),
    ]
    api, provider = make_api([anthropic_message(content="A form.")], name="anthropic/claude-test")
    await api.chat(history)
    result = provider.bodies()[0]["messages"][2]["content"][0]
    assert result["content"][1]["type"] == "image"
    openai_api, openai_provider = make_api([])
    with pytest.raises(UsageError, match="text only in a tool message"):
        await openai_api.chat(history)
    assert openai_provider.requests == []


def test_text_parts_in_a_tool_message_reach_openai_as_parts() -> None:
    """Text parts of a tool message are sent as OpenAI text parts."""
    (wire,) = to_openai_messages((Message.tool("c1", [TextPart(text="3 flights")]),))
    assert wire == {
        "role": "tool",
        "tool_call_id": "c1",
        "content": [{"type": "text", "text": "3 flights"}],
    }


async def test_a_document_url_is_refused_for_openai(make_api: MakeAPI) -> None:
    """OpenAI's chat completions take no document URL: the error says what to pass instead."""
    api, provider = make_api([])
    with pytest.raises(UsageError, match="file_id="):
        await api.chat([Message.user([DocumentPart(url="https://example.com/a.pdf")])])
    assert provider.requests == []


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda: ImagePart(), "exactly one of url=, data="),
        (lambda: ImagePart(url="https://x/y.png", data=PNG), "exactly one of url=, data="),
        (lambda: ImagePart(data=PNG), "needs media_type"),
        (lambda: DocumentPart(), "exactly one of data=, url=, file_id="),
        (lambda: Message.system([ImagePart(url="https://x/y.png")]), "text parts only"),
        (lambda: Message(role="assistant", content=(DocumentPart(data=PDF),)), "text parts only"),
        (lambda: Message.user([]), "needs content"),
    ],
)
def test_parts_are_checked(build: Callable[[], object], error: str) -> None:
    """A part needs one source, and system and assistant messages take text parts only."""
    with pytest.raises(ValidationError, match=error):
        build()


def test_parts_round_trip_as_data() -> None:
    """A message with parts validates from its own dump, and .text joins its text parts."""
    message = Message.user(PARTS)
    assert Message.model_validate(message.model_dump(mode="json")) == message
    assert message.text == QUESTION
    assert Message.user("plain").text == "plain"


def test_serialized_shapes_are_unchanged_without_the_new_fields() -> None:
    """Messages, responses and usage without reasoning or cache counts dump as they always did."""
    message = Message.assistant("hi")
    assert message.model_dump(mode="json") == {
        "role": "assistant",
        "content": "hi",
        "tool_calls": [],
        "tool_call_id": None,
    }
    response = ChatResponse(content="hi", usage=Usage(input_tokens=3, output_tokens=1))
    assert response.model_dump(mode="json") == {
        "content": "hi",
        "tool_calls": [],
        "finish_reason": None,
        "refusal": None,
        "usage": {"input_tokens": 3, "output_tokens": 1},
        "model": "",
        "attempts": 1,
    }
