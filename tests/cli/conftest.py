"""Fixtures for the command tests: a runner, and a cassette recorded from a scripted provider."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner

from agentkit._cli import _common
from agentkit.models import Message, ModelAPI, ModelParams
from agentkit.replay import use_cassette
from agentkit.testing import ScriptedProvider, chat_completion


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner with a wide terminal, so tables do not fold the text the tests look for."""
    for console in (_common.console, _common.err_console):
        monkeypatch.setattr(console, "width", 220)
    return CliRunner()


def record_cassette(path: Path, prompts: list[str]) -> Path:
    """Record one chat call per prompt into ``path`` (mode all), answered by a scripted provider."""

    async def go() -> None:
        provider = ScriptedProvider(
            [chat_completion(content=f"answer {i}") for i in range(len(prompts))]
        )
        api = ModelAPI(
            ModelParams(name="gpt-4"),
            http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(provider)),
        )
        async with use_cassette(path, mode="all"):
            for prompt in prompts:
                await api.chat([Message.system("You book flights."), Message.user(prompt)])

    asyncio.run(go())
    return path


@pytest.fixture
def cassette(tmp_path: Path) -> Path:
    return record_cassette(tmp_path / "run.json", ["book SFO to SEA", "book the cheapest"])
