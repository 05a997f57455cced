"""The recorded episodes: which agent, strategy, ticket and faults each cassette holds, and how
to play one. Recording and replaying build everything the same way, so a replay sends the
recorded requests byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final, Literal

import httpx2
from agentkit.agents import LLMAgent, ToolEnabledLLMAgent, Trajectory, run_episode
from agentkit.faults import Fault, FaultInjectingTransport, FaultPlan, FaultRule, VirtualClock, When
from agentkit.models import ModelAPI, ModelParams, RetryPolicy
from pydantic import BaseModel, ConfigDict

from support_desk.domain import DESK
from support_desk.env import SupportDeskEnv
from support_desk.tickets import Wants

MODEL: Final = "gemma-3-270m"
"""The model name sent with each request (the local llama.cpp server serves what it loaded)."""
MAX_STEPS: Final = 10
CASSETTES: Final = Path(__file__).parents[1] / "cassettes" / "episodes"

# A slow CPU and a busy machine: generous limits while recording (none of it is in a request).
_DEADLINE_S = 1200.0


class Episode(BaseModel):
    """One recorded episode."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str
    """The cassette's file name, without ``.json``."""
    agent: Literal["tool", "text"]
    """``ToolEnabledLLMAgent`` (a forced ``next_action`` tool call) or ``LLMAgent`` (JSON text)."""
    strategy: str
    """A strategy registered for the desk."""
    seed: int
    """The reset seed."""
    wants: Wants
    """The kind of ticket."""
    constrained: bool = True
    """Each request carries the schema of the legal actions (llama.cpp's grammar keeps the
    model to them); False: the model answers freely."""
    faults: FaultPlan | None = None
    """Faults injected under the model's answers, while recording and while replaying."""

    @property
    def cassette(self) -> Path:
        return CASSETTES / f"{self.name}.json"


#: A 503 on the first call (the retry gets the real answer), then a tool call whose arguments
#: are not JSON (the agent re-asks once, with the error).
FLAKY: Final = FaultPlan(
    name="503 then a malformed tool call",
    rules=(
        FaultRule(fault=Fault(kind="server_error", status=503), when=When(calls=(1,))),
        FaultRule(fault=Fault(kind="invalid_json_arguments"), when=When(calls=(3,))),
    ),
)

EPISODES: Final = (
    Episode(name="tool-balanced-refund", agent="tool", strategy="balanced", seed=2, wants="refund"),
    Episode(
        name="text-balanced-address",
        agent="text",
        strategy="balanced",
        seed=1,
        wants="change_address",
    ),
    Episode(name="tool-triage-cancel", agent="tool", strategy="triage", seed=0, wants="cancel"),
    Episode(
        name="text-balanced-cancel-unconstrained",
        agent="text",
        strategy="balanced",
        seed=2,
        wants="cancel",
        constrained=False,
    ),
    Episode(
        name="tool-balanced-late-refund-faults",
        agent="tool",
        strategy="balanced",
        seed=1,
        wants="refund",
        faults=FLAKY,
    ),
)


def model_params() -> ModelParams:
    """Greedy decoding, short answers; the endpoint comes from ``MODEL_PROXY_API_BASE``."""
    return ModelParams(
        name=MODEL,
        infer_kwargs={"temperature": 0.0, "max_tokens": 256},
        attempt_timeout_s=_DEADLINE_S / 2,
        retry=RetryPolicy(max_attempts=2, deadline_s=_DEADLINE_S),
    )


def desk_agent(
    api: ModelAPI,
    *,
    agent: Literal["tool", "text"] = "tool",
    strategy: str = "balanced",
    constrained: bool = True,
    fault_log: Sequence[object] | None = None,
) -> LLMAgent:
    """A desk agent; ``constrained``, its every request carries the schema of the actions
    legal now (llama.cpp's server turns it into a grammar)."""
    cls = ToolEnabledLLMAgent if agent == "tool" else LLMAgent
    return cls(
        domain=DESK,
        strategy=strategy,
        api=api,
        constrained=constrained,
        structured_output="json_object",
        decision_deadline_s=_DEADLINE_S,
        fault_log=fault_log,
    )


async def play(episode: Episode) -> Trajectory:
    """Play ``episode`` against whatever serves the HTTP calls: the live server while a cassette
    records, the cassette while it replays. Its fault plan, if any, sits under the SDK."""
    plan = episode.faults or FaultPlan()
    clock = VirtualClock()  # the retry loop's backoff after an injected 503 does not sleep
    transport = FaultInjectingTransport(httpx2.AsyncHTTPTransport(), plan, clock=clock)
    async with httpx2.AsyncClient(transport=transport) as client:
        api = ModelAPI(model_params(), http_client=client, clock=clock, sleep=clock.sleep)
        agent = desk_agent(
            api,
            agent=episode.agent,
            strategy=episode.strategy,
            constrained=episode.constrained,
            fault_log=transport.log,
        )
        return await run_episode(
            SupportDeskEnv(max_steps=MAX_STEPS),
            agent,
            seed=episode.seed,
            options={"wants": episode.wants},
            learn=False,
        )
