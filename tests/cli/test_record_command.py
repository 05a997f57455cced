"""``agentkit record`` end to end against loopback servers: the proxy (MODEL_PROXY_API_BASE)
and a local server started by the command (a stand-in for llama-cpp-python's), asserting the
cassettes written, the summary printed and the errors given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import agentkit._record
from agentkit.cli import app

from .._fake_llama_cpp import installed
from .._model_server import serving


def _requests(path: Path) -> list[dict[str, object]]:
    return [i["request"] for i in json.loads(path.read_text())["interactions"]]


def test_record_against_the_proxy_writes_cassettes_and_a_summary(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = tmp_path / "demo"
    monkeypatch.setattr(agentkit._record, "DEMO_DIR", demo)
    # assembled: no key-shaped literal in the repo
    monkeypatch.setenv("MODEL_PROXY_API_KEY", "sk-" + "proxy-secret-0123456789")
    out = tmp_path / "recorded"
    with serving() as server:
        monkeypatch.setenv("MODEL_PROXY_API_BASE", server.base_url)
        result = runner.invoke(
            app,
            ["record", "--out-dir", str(out), "--agent-class", "LLMAgent",
             "--agent-class", "OpenAILLMAgent", "--strategy", "balanced", "--max-steps", "2"],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "recording 2 episode(s) against the model proxy"
    assert lines[1].split()[:4] == ["LLMAgent", "balanced", "2", "steps"]
    assert lines[2].split()[:4] == ["OpenAILLMAgent", "balanced", "2", "steps"]
    for line in lines[1:3]:
        assert "reward 0" in line
        assert "fallback" in line
        assert "tool_call" in line
    assert lines[3] == f"demo cassettes updated in {demo}"
    assert sorted(p.name for p in out.iterdir()) == [
        "LLMAgent-balanced.json",
        "OpenAILLMAgent-balanced.json",
    ]
    for name in ("LLMAgent-balanced.json", "OpenAILLMAgent-balanced.json"):
        assert (demo / name).read_bytes() == (out / name).read_bytes()
        assert "sk-proxy-secret" not in (out / name).read_text()
        assert _requests(out / name)


def test_streamed_recordings_are_not_bundled_into_the_demo(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = tmp_path / "demo"
    monkeypatch.setattr(agentkit._record, "DEMO_DIR", demo)
    out = tmp_path / "recorded"
    with serving() as server:
        monkeypatch.setenv("MODEL_PROXY_API_BASE", server.base_url)
        result = runner.invoke(
            app,
            ["record", "--server", "proxy", "--out-dir", str(out), "--agent-class", "LLMAgent",
             "--strategy", "balanced", "--max-steps", "1", "--stream"],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "demo cassettes updated" not in result.output
    assert not demo.exists()
    assert [p.name for p in out.iterdir()] == ["LLMAgent-balanced-stream.json"]
    assert all(r["body"]["stream"] for r in _requests(out / "LLMAgent-balanced-stream.json"))  # type: ignore[index]


def test_record_starts_and_stops_a_local_server(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--server local starts the server with the prompt format (gemma3 for --constrained),
    logs it into the output directory, and records constrained cassettes."""
    monkeypatch.delenv("MODEL_PROXY_API_BASE", raising=False)
    out = tmp_path / "recorded"
    with installed(tmp_path / "pkgs", monkeypatch):
        result = runner.invoke(
            app,
            ["record", "--server", "local", "--out-dir", str(out), "--agent-class", "LLMAgent",
             "--strategy", "aggressive", "--max-steps", "1", "--constrained"],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    log = out / "server.log"
    lines = result.output.splitlines()
    assert lines[0].startswith("starting a local llama.cpp server on http://127.0.0.1:")
    assert lines[0].endswith(f"/v1 (log: {log})")
    assert lines[1] == (
        "recording 1 episode(s) against a local llama.cpp server (Gemma 3 270M, gemma3 prompts)"
    )
    assert lines[2].split()[:4] == ["LLMAgent", "aggressive", "1", "steps"]
    assert len(lines) == 3
    argv = json.loads(log.read_text().splitlines()[0])["argv"]
    assert argv[argv.index("--chat_format") + 1] == "hf-tokenizer-config"
    assert sorted(p.name for p in out.iterdir()) == [
        "LLMAgent-aggressive-constrained.json",
        "server.log",
    ]
    assert _requests(out / "LLMAgent-aggressive-constrained.json")


def test_record_locally_without_llama_cpp_says_how_to_install_it(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    result = runner.invoke(
        app, ["record", "--server", "local", "--out-dir", str(tmp_path), "--no-bundle-demo"]
    )
    assert result.exit_code == 2
    hint = agentkit._record.LocalModelServer.install_hint
    expected = f"error: llama-cpp-python is not installed: {hint}"
    assert " ".join(expected.split()) in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--strategy", "reckless"], "unknown strategy 'reckless'; expected one of: aggressive, balanced, conservative"),
        (["--chat-format", "llama2"], "--chat-format 'llama2': expected one of chatml-function-calling, gemma3"),
    ],
)  # fmt: skip
def test_record_rejects_an_unknown_name_before_starting_anything(
    runner: CliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "recorded"
    result = runner.invoke(app, ["record", "--out-dir", str(out), *args])
    assert result.exit_code == 2
    assert f"error: {message}" in " ".join(result.output.split())
    assert not out.exists()
