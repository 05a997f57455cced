"""The local record server's Gemma 3 prompt format: the prompt Gemma is shown for a request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentkit._record import LocalModelServer, gemma3_tokenizer_config

jinja2_sandbox = pytest.importorskip("jinja2.sandbox")

SYSTEM = "You are a flight-booking agent."
USER = "Observation:\nstate: search_form\n\nChoose the next action."
REPAIR_CONVERSATION: list[dict[str, Any]] = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": USER},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "search_flights", "arguments": '{"origin": "SFO"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "That action cannot be used: no date."},
]


def _render(messages: list[dict[str, Any]]) -> str:
    """Render as llama-cpp-python's hf-tokenizer-config format does: a blank assistant
    message appended to ask for the reply, trim_blocks and lstrip_blocks on."""
    config = gemma3_tokenizer_config()
    environment = jinja2_sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    template = environment.from_string(config["chat_template"])
    return str(
        template.render(
            messages=[*messages, {"role": "assistant", "content": ""}],
            bos_token=config["bos_token"],
            eos_token=config["eos_token"],
        )
    )


def test_one_request_is_rendered_in_gemmas_turn_format() -> None:
    """System and user become Gemma's first user turn; the model's turn is opened; no ChatML."""
    prompt = _render(REPAIR_CONVERSATION[:2])
    assert prompt == (
        f"<bos><start_of_turn>user\n{SYSTEM}\n\n{USER}<end_of_turn>\n<start_of_turn>model\n"
    )
    assert "<|im_start|>" not in prompt


def test_a_repair_re_ask_shows_the_model_its_call_and_the_feedback() -> None:
    """The tool call is written into the model's turn, and the tool result (the repair's
    feedback) reaches the model as a user turn."""
    prompt = _render(REPAIR_CONVERSATION)
    assert prompt == (
        f"<bos><start_of_turn>user\n{SYSTEM}\n\n{USER}<end_of_turn>\n"
        '<start_of_turn>model\n{"name": "search_flights", "arguments": {"origin": "SFO"}}'
        "<end_of_turn>\n"
        "<start_of_turn>user\nTool result (call_1): That action cannot be used: no date."
        "<end_of_turn>\n<start_of_turn>model\n"
    )


def test_llama_cpps_own_formatter_renders_the_same() -> None:
    """Where llama-cpp-python is installed, its formatter gives exactly the prompt above."""
    chat_format = pytest.importorskip("llama_cpp.llama_chat_format")
    formatter = chat_format.hf_tokenizer_config_to_chat_formatter(gemma3_tokenizer_config())
    rendered = formatter(messages=REPAIR_CONVERSATION)
    assert rendered.prompt == _render(REPAIR_CONVERSATION)
    assert rendered.stop[0] == "<end_of_turn>"


def test_the_server_is_started_with_that_format(tmp_path: Path) -> None:
    """--chat-format gemma3 starts llama.cpp's server on our tokenizer config."""
    server = LocalModelServer(port=1, chat_format="gemma3")
    command = server._command(Path("model.gguf"), tmp_path)
    assert command[command.index("--chat_format") + 1] == "hf-tokenizer-config"
    config = Path(command[command.index("--hf_tokenizer_config_path") + 1])
    assert json.loads(config.read_text()) == gemma3_tokenizer_config()
    default = LocalModelServer(port=1)._command(Path("model.gguf"), tmp_path)
    assert default[default.index("--chat_format") + 1] == "chatml-function-calling"
