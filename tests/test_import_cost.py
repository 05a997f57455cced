"""The CLI and agentkit.replay load no provider SDK (nor vcrpy, nor httpx2) until a command or a
provider needs one: their import is what made every command take seconds to start (issue 16)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentkit.faults import FaultKind
from agentkit.replay import CassetteFile, Interaction, RecordedRequest, RecordedResponse
from agentkit.replay import save_cassette as save

HEAVY = ("openai", "anthropic", "vcr", "yaml", "httpx2")
"""Modules that cost from 40 ms (httpx2) to a second or more (each SDK) to import."""

_LOADED = f"sorted(m for m in {HEAVY!r} if m in sys.modules)"


def _loaded_after(code: str) -> list[str]:
    """The heavy modules loaded once ``code`` has run in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\nprint({_LOADED})"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1].replace("'", '"'))
    return loaded


def test_importing_the_cli_and_replay_loads_no_sdk() -> None:
    """`import agentkit.cli, agentkit.replay` pulls in none of the heavy modules."""
    assert _loaded_after("import agentkit.cli, agentkit.replay") == []


def test_the_model_layer_loads_an_sdk_only_when_a_provider_is_used() -> None:
    """Its public names import without an SDK; building a provider's adapter loads its SDK."""
    names = "from agentkit.models import ModelAPI, ModelParams, classify_sdk_error, Message"
    assert {"openai", "anthropic"}.isdisjoint(_loaded_after(names))
    openai_adapter = (
        f"{names}\nfrom agentkit.models import registered_providers\n"
        "registered_providers()['proxy'].create_adapter("
        "base_url='http://127.0.0.1:9/v1', api_key='k', http_client=None)"
    )
    loaded = _loaded_after(openai_adapter)
    assert "openai" in loaded
    assert "anthropic" not in loaded
    anthropic_adapter = openai_adapter.replace("'proxy'", "'anthropic'")
    loaded = _loaded_after(anthropic_adapter)
    assert "anthropic" in loaded
    assert "openai" not in loaded


def test_classifying_a_non_sdk_error_imports_no_sdk() -> None:
    """classify_sdk_error only matches the SDKs already loaded: it never imports one."""
    code = (
        "from agentkit.models import classify_sdk_error\n"
        "assert classify_sdk_error(KeyError('x')) is None\n"
        "assert classify_sdk_error(ValueError('x')) is None"
    )
    assert {"openai", "anthropic"}.isdisjoint(_loaded_after(code))


def test_classifying_still_recognises_sdk_errors_once_loaded() -> None:
    """With the SDK imported (it raised the error), its errors are classified as before."""
    code = (
        "import httpx2, openai\n"
        "from agentkit.models import classify_sdk_error\n"
        "request = httpx2.Request('POST', 'http://x/v1/chat/completions')\n"
        "failure = classify_sdk_error(openai.APITimeoutError(request=request))\n"
        "assert failure is not None and failure.kind == 'timeout', failure\n"
        "response = httpx2.Response(429, request=request, headers={'retry-after': '2'})\n"
        "failure = classify_sdk_error(openai.RateLimitError('slow', response=response, body=None))\n"
        "assert failure is not None and failure.kind == 'rate_limited', failure\n"
        "assert failure.retry_after_s == 2.0, failure"
    )
    assert "openai" in _loaded_after(code)


@pytest.fixture(scope="module")
def cassette(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("startup") / "c.json"
    interaction = Interaction(
        request=RecordedRequest(
            method="POST",
            path="/v1/chat/completions",
            body={"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]},
        ),
        response=RecordedResponse(status=200, body={"choices": []}),
    )
    save(path, CassetteFile(interactions=[interaction, interaction]))
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["version"],
        ["faults", "list"],
        ["cassettes", "show", "{cassette}"],
        ["cassettes", "verify", "{cassette}"],
        ["cassettes", "scan", "{cassette}"],
        ["cassettes", "diff", "{cassette}", "{cassette}"],
    ],
    ids=" ".join,
)
def test_a_command_that_needs_no_model_loads_no_sdk(cassette: Path, args: list[str]) -> None:
    """Running the command (through typer, in a fresh interpreter) loads none of them."""
    argv = [arg.format(cassette=cassette) for arg in args]
    code = (
        "from typer.testing import CliRunner\n"
        "from agentkit.cli import app\n"
        f"result = CliRunner().invoke(app, {argv!r})\n"
        "assert result.exit_code in (0, 1), (result.exit_code, result.output)\n"
        "assert result.exception is None or isinstance(result.exception, SystemExit), "
        "result.exception"
    )
    assert _loaded_after(code) == []


LIGHT_COMMANDS = (["--help"], ["version"], ["cassettes", "--help"], ["faults", "--help"])
"""Commands that need neither pydantic nor rich's help renderer, nor rich's console."""
NOT_FOR_HELP = ("pydantic", "pydantic_core", "typer.rich_utils", "markdown_it", "rich.console")
"""pydantic (about 75 ms, from typer's ``TypeAdapter`` for a ``--help`` flag left at ``None``),
typer's rich help (about 70 ms: it loads markdown-it) and rich's console (about 18 ms)."""


@pytest.mark.parametrize("args", LIGHT_COMMANDS, ids=" ".join)
def test_help_and_version_load_no_pydantic_nor_rich_help(args: list[str]) -> None:
    """``python -m agentkit --help`` / ``version`` run as a user runs them and print their page
    without loading any of :data:`NOT_FOR_HELP`."""
    code = (
        "import runpy, sys\n"
        f"sys.argv = ['agentkit', *{args!r}]\n"
        "try:\n"
        "    runpy.run_module('agentkit', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code\n"
        f"print(sorted(m for m in {NOT_FOR_HELP!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    *printed, loaded = result.stdout.strip().splitlines()
    assert json.loads(loaded.replace("'", '"')) == []
    assert printed, "the command printed nothing"


def test_faults_list_prints_the_catalogue_without_pydantic() -> None:
    """``agentkit faults list`` prints every kind from the plain rows: it builds no pydantic
    model (the catalogue's and the plans' cost about 90 ms) and loads no httpx2."""
    code = (
        "import runpy, sys\n"
        "sys.argv = ['agentkit', 'faults', 'list']\n"
        "try:\n"
        "    runpy.run_module('agentkit', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code\n"
        "print(sorted(m for m in ('pydantic', 'pydantic_core', 'httpx2') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stderr
    *printed, loaded = result.stdout.strip().splitlines()
    assert json.loads(loaded.replace("'", '"')) == []
    table = "\n".join(printed)
    missing = [kind.value for kind in FaultKind if kind.value not in table]
    assert missing == []


@pytest.mark.parametrize("command", ["show", "verify", "scan"])
def test_a_remembered_result_is_printed_without_pydantic(
    cassette: Path, tmp_path: Path, command: str
) -> None:
    """Once a cassette command has remembered its result for a file version, the next run
    prints it without loading pydantic (about 75 ms: the start-up budget of issue 16), and
    prints the same."""
    env = {**os.environ, "AGENTKIT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("AGENTKIT_NO_CACHE", None)
    outputs = []
    # The first run's clock is moved on past the racy window (the file was written just now).
    for clock in ("import time; now = time.time; time.time = lambda: now() + 60\n", ""):
        code = (
            f"{clock}import runpy, sys\n"
            f"sys.argv = ['agentkit', 'cassettes', {command!r}, {str(cassette)!r}]\n"
            "try:\n"
            "    runpy.run_module('agentkit', run_name='__main__')\n"
            "except SystemExit as exit:\n"
            "    assert exit.code in (0, 1, None), exit.code  # verify flags the duplicate\n"
            "print(sorted(m for m in ('pydantic', 'pydantic_core', 'rich.console') "
            "if m in sys.modules))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env
        )
        assert result.returncode == 0, result.stderr
        *printed, loaded = result.stdout.strip().splitlines()
        outputs.append((printed, json.loads(loaded.replace("'", '"'))))
    (first, loaded_first), (second, loaded_second) = outputs
    assert second == first
    assert "pydantic" in loaded_first  # the file was read
    assert loaded_second == []
