"""A prompt change fails the replayed test with a diff naming the changed message and the exact
command that re-records it; following that advice, the next plain replay passes."""

from __future__ import annotations

# The inner runs are in-process (pytester drops the modules a run imported, and some C
# extensions cannot be loaded twice): importing here what they import keeps them loaded.
import httpx2  # noqa: F401
import openai  # noqa: F401
import pytest

import agentkit.agents
import agentkit.flight
import agentkit.models
import agentkit.testing  # noqa: F401

INNER = """
import json
import os

import httpx2
import pytest

from agentkit.agents import ToolEnabledFlightBookingAgent
from agentkit.flight import FlightBookingEnv, FlightDomain
from agentkit.models import ModelAPI, ModelParams
from agentkit.testing import chat_completion

domain = FlightDomain()
if os.environ.get("PROMPT_CHANGE"):
    domain.task = domain.task.replace("flight-booking agent", "travel agent")


def handler(request):
    if os.environ.get("PROVIDER") == "down":
        raise AssertionError("the model was called during replay")
    arguments = {"origin": "SFO", "destination": "SEA", "date": "2024-06-11", "max_stops": 1}
    return httpx2.Response(200, json=chat_completion(tool_calls=[("c1", "search_flights", json.dumps(arguments))]))


@pytest.mark.agentkit_cassette
async def test_agent_searches_first():
    observation, _ = FlightBookingEnv().reset(seed=0, options={"task_id": "easy-000"})
    client = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    agent = ToolEnabledFlightBookingAgent(domain=domain, api=ModelAPI(ModelParams(name="gpt-4"), http_client=client))
    action = await agent.select_action(observation)
    assert json.loads(action)["name"] == "search_flights"
"""


def test_prompt_change_fails_with_a_diff_then_rerecording_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Record, change the system prompt, see the replay fail naming messages[0], re-record."""
    monkeypatch.delenv("AGENTKIT_RECORD_MODE", raising=False)
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "addopts = -p no:benchmark\n"
    )
    pytester.makepyfile(test_inner=INNER)
    pytester.runpytest("--agentkit-record-mode=once").assert_outcomes(passed=1)

    monkeypatch.setenv("PROVIDER", "down")
    pytester.runpytest().assert_outcomes(passed=1)  # unchanged prompt: replayed offline

    monkeypatch.setenv("PROMPT_CHANGE", "1")
    drifted = pytester.runpytest()
    assert drifted.ret != 0
    output = drifted.stdout.str()
    assert "ReplayMismatchError" in output
    assert "messages[0] (system): content changed" in output
    assert "travel agent" in output
    command = (
        "python -m pytest --agentkit-record-mode=rewrite test_inner.py::test_agent_searches_first"
    )
    assert f"To record it, run: {command}" in output

    monkeypatch.delenv("PROVIDER")
    pytester.runpytest(*command.split()[3:]).assert_outcomes(passed=1)
    monkeypatch.setenv("PROVIDER", "down")
    pytester.runpytest().assert_outcomes(passed=1)  # the advice left a replayable file
