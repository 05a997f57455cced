"""Agents generic over a domain: a user's own tools, strategies and provider, end to end through
the real openai SDK, and the property helper that checks any domain's fallback is total."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import gymnasium as gym
import httpx2
import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from agentkit import UsageError
from agentkit.actions import ActionError, ActionSyntax
from agentkit.agents import (
    Domain,
    LLMAgent,
    Strategy,
    ToolDomain,
    ToolEnabledLLMAgent,
    get_domain,
    get_strategy,
    register_domain,
    register_strategy,
    run_episode,
    strategy_names,
    unregister_strategy,
)
from agentkit.models import ModelAPI, ModelParams, OpenAICompatibleProvider, temporary_provider
from agentkit.testing import ScriptedProvider, chat_completion, check_fallback_total
from agentkit.testing.strategies import adversarial

# -- a tiny world of a user's own: a door that must be unlocked before it opens ---------------


class UnlockArgs(BaseModel):
    """Unlock the door with a code."""

    code: str = Field(pattern=r"^\d{4}$")


class OpenArgs(BaseModel):
    """Open the unlocked door."""


class WaitArgs(BaseModel):
    """Do nothing this turn."""


DOOR_TOOLS: dict[str, type[BaseModel]] = {
    "unlock": UnlockArgs,
    "open_door": OpenArgs,
    "wait": WaitArgs,
}
SYNTAX = ActionSyntax(DOOR_TOOLS)


def legal_in(state: str) -> list[str]:
    return {"locked": ["unlock", "wait"], "unlocked": ["open_door", "wait"], "open": []}[state]


class DoorDomain(ToolDomain):
    """Legality from the state; the fallback unlocks with the code the observation shows."""

    def __init__(self) -> None:
        super().__init__(name="door", task="You open doors.", tools=DOOR_TOOLS, syntax=SYNTAX)

    def legal_tools(self, observation: object) -> list[str]:
        state = observation.get("state") if isinstance(observation, Mapping) else None
        return legal_in(state) if state in ("locked", "unlocked", "open") else []

    def offered_values(self, observation: object) -> dict[str, list[str]]:
        code = observation.get("code") if isinstance(observation, Mapping) else None
        return {"code": [code] if isinstance(code, str) else []}

    def fallback_action(self, observation: object, strategy: Strategy) -> str:
        legal = self.legal_tools(observation)
        code = observation.get("code") if isinstance(observation, Mapping) else None
        if "unlock" in legal and isinstance(code, str) and code.isdigit() and len(code) == 4:
            return self.format_action("unlock", {"code": code})
        if "open_door" in legal:
            return self.format_action("open_door")
        return self.format_action("wait")


DOOR = DoorDomain()
PATIENT = Strategy(name="patient", prompt="Strategy: patient. Wait when unsure.")


class DoorEnv(gym.Env[dict[str, Any], str]):
    """Locked, then unlocked, then open; a wrong action counts as an error."""

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        super().reset(seed=seed)
        self.state, self.steps = "locked", 0
        self.code = f"{self.np_random.integers(0, 10_000):04d}"
        return self._observation(None), {}

    def _observation(self, error: str | None) -> dict[str, Any]:
        return {
            "state": self.state,
            "code": self.code,
            "step": self.steps,
            "max_steps": 6,
            "legal_tools": legal_in(self.state),
            "error": error,
        }

    def step(self, action: str) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        self.steps += 1
        parsed = SYNTAX.parse(action)
        error = parsed.message if isinstance(parsed, ActionError) else None
        if error is None and not DOOR.is_legal(self._observation(None), action):
            error = f"{action} is not legal now"
        elif error is None and parsed.name == "unlock":  # type: ignore[union-attr]
            ok = parsed.arguments.get("code") == self.code  # type: ignore[union-attr]
            self.state, error = ("unlocked", None) if ok else (self.state, "wrong code")
        elif error is None and parsed.name == "open_door":  # type: ignore[union-attr]
            self.state = "open"
        done = self.state == "open"
        reward = 1.0 if done else 0.0
        return self._observation(error), reward, done, self.steps >= 6 and not done, {}


def door_observations() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda state, code, step: {
            "state": state, "code": code, "step": step, "max_steps": 6,
            "legal_tools": legal_in(state), "error": None,
        },
        st.sampled_from(["locked", "unlocked", "open"]),
        st.from_regex(r"\d{4}", fullmatch=True),
        st.integers(0, 6),
    )  # fmt: skip


def scripted_api(*replies: dict[str, Any]) -> tuple[ModelAPI, ScriptedProvider]:
    provider = ScriptedProvider(list(replies))
    client = httpx2.AsyncClient(transport=httpx2.MockTransport(provider))
    return ModelAPI(ModelParams(name="gpt-4"), http_client=client), provider


def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return chat_completion(tool_calls=[("c1", name, json.dumps(arguments))])


# -- the tests ---------------------------------------------------------------------------------


def test_tool_domain_builds_specs_from_argument_models() -> None:
    """The tools' schemas and descriptions come from the argument models and their docstrings."""
    specs = {tool.name: tool for tool in DOOR.tools()}
    assert list(specs) == ["unlock", "open_door", "wait"]
    assert specs["unlock"].description == "Unlock the door with a code."
    assert specs["unlock"].parameters["required"] == ["code"]
    assert isinstance(DOOR, Domain)


def test_check_call_says_what_is_wrong_in_words_for_the_model() -> None:
    """Unknown tools, tools not allowed now and invalid arguments each get their own message."""
    locked = {"state": "locked", "code": "1234"}
    assert DOOR.check_call(locked, "unlock", {"code": "1234"}) == (
        '{"name": "unlock", "arguments": {"code": "1234"}}',
        None,
    )
    assert DOOR.check_call(locked, "kick", {})[1] == (
        "unknown tool 'kick'; the tools are: unlock, open_door, wait"
    )
    assert DOOR.check_call(locked, "open_door", {})[1] == (
        "open_door is not allowed now; allowed now: unlock, wait"
    )
    error = DOOR.check_call(locked, "unlock", {"code": "12"})[1]
    assert error is not None
    assert error.startswith("invalid arguments for unlock: code:")


async def test_tool_agent_sends_the_domains_tools_and_prompt() -> None:
    """A ToolEnabledLLMAgent of a user's domain sends its tools and task, and acts on its call."""
    api, provider = scripted_api(call("unlock", {"code": "0042"}))
    agent = ToolEnabledLLMAgent(domain=DOOR, strategy=PATIENT, api=api)
    action = await agent.select_action({"state": "locked", "code": "0042"})
    assert json.loads(action) == {"name": "unlock", "arguments": {"code": "0042"}}
    assert agent.last_decision is not None
    assert agent.last_decision.source == "tool_call"
    body = json.loads(provider.requests[0].content)
    assert [tool["function"]["name"] for tool in body["tools"]] == ["unlock", "open_door", "wait"]
    system = body["messages"][0]["content"]
    assert system.startswith("You open doors.\n\nStrategy: patient. Wait when unsure.")
    assert "flight" not in json.dumps(body)


async def test_an_illegal_call_is_repaired_then_falls_back_to_the_domains_rule() -> None:
    """The repair re-ask names the domain's allowed tools; then the domain's fallback decides."""
    api, provider = scripted_api(call("open_door", {}), call("open_door", {}))
    agent = ToolEnabledLLMAgent(domain=DOOR, strategy=PATIENT, api=api)
    action = await agent.select_action({"state": "locked", "code": "0042"})
    assert json.loads(action) == {"name": "unlock", "arguments": {"code": "0042"}}
    decision = agent.last_decision
    assert decision is not None
    assert decision.fallback_class == "model_output"
    repair = json.loads(provider.requests[1].content)["messages"][-1]["content"]
    assert "allowed now: unlock, wait" in repair


async def test_a_strategys_own_policy_answers_the_fallback() -> None:
    """A strategy's policy decides the fallback; an illegal or raising one gives way to the domain's."""
    waits = Strategy(name="waits", prompt="Wait.", policy=lambda obs: DOOR.format_action("wait"))
    api, _ = scripted_api(chat_completion(content=""))
    agent = LLMAgent(domain=DOOR, strategy=waits, api=api)
    assert (
        json.loads(await agent.select_action({"state": "locked", "code": "0042"}))["name"] == "wait"
    )

    def broken(observation: Mapping[str, Any]) -> str:
        raise RuntimeError("a bug in the user's policy")

    for policy in (broken, lambda obs: "open_door"):
        api, _ = scripted_api(chat_completion(content=""))
        strategy = Strategy(name="x", prompt="X.", policy=policy)
        agent = LLMAgent(domain=DOOR, strategy=strategy, api=api)
        action = await agent.select_action({"state": "locked", "code": "0042"})
        assert json.loads(action)["name"] == "unlock"  # the domain's rule, legal


def test_strategies_register_by_name_per_domain() -> None:
    """A registered strategy is found by name for its domain, not for another one."""
    register_strategy(PATIENT, domain="door")
    try:
        assert get_strategy("patient", "door") is PATIENT
        assert "patient" in strategy_names("door")
        assert "patient" not in strategy_names("flight")
        with pytest.raises(UsageError, match="unknown strategy 'patient' for the 'flight' domain"):
            get_strategy("patient", "flight")
        with pytest.raises(UsageError, match="registered for the 'door' domain already"):
            register_strategy(PATIENT.model_copy(update={"prompt": "other"}), domain="door")
        agent = LLMAgent(domain=DOOR, strategy="patient", api=scripted_api()[0])
        assert agent.strategy is PATIENT
    finally:
        unregister_strategy("patient", domain="door")
    with pytest.raises(UsageError, match="unknown strategy 'balanced' for the 'door' domain"):
        LLMAgent(domain=DOOR, api=scripted_api()[0])


def test_the_flight_strategies_use_the_same_registry() -> None:
    """The three built-ins are registered for the flight domain like any user's strategy."""
    assert strategy_names("flight")[:3] == ["aggressive", "balanced", "conservative"]
    assert get_strategy("balanced", "flight").params is not None
    assert get_domain("flight").name == "flight"


def test_domains_register_by_name() -> None:
    """A registered domain is found by name; a taken name or a non-domain is refused."""
    register_domain(DOOR)
    assert get_domain("door") is DOOR
    with pytest.raises(UsageError, match="registered already"):
        register_domain(DoorDomain())
    with pytest.raises(UsageError, match="takes a Domain"):
        register_domain(object())  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="unknown domain 'nowhere'"):
        get_domain("nowhere")


async def test_run_episode_works_with_any_string_action_env() -> None:
    """run_episode drives a user's Gymnasium env to the end and records a Trajectory."""
    api, _ = scripted_api(
        chat_completion(content="I am not sure."),  # unreadable: the domain's rule unlocks
        chat_completion(content="Still thinking."),
        call("open_door", {}),
    )
    agent = ToolEnabledLLMAgent(domain=DOOR, strategy=PATIENT, api=api)
    trajectory = await run_episode(DoorEnv(), agent, seed=3)
    assert trajectory.success
    assert trajectory.total_reward == 1.0
    assert [step.decision.source for step in trajectory.steps] == ["fallback", "tool_call"]
    assert trajectory.tools_used() == ["unlock", "open_door"]
    assert trajectory.strategy == "patient"
    assert Trajectory_roundtrips(trajectory)


def Trajectory_roundtrips(trajectory: Any) -> bool:
    return bool(type(trajectory).model_validate_json(trajectory.model_dump_json()) == trajectory)


async def test_a_registered_provider_serves_a_domain_agent_end_to_end() -> None:
    """An OpenAI-compatible backend registered by name carries a user's agent through the SDK."""
    seen: list[httpx2.Request] = []

    def server(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=call("wait", {}))

    spec = OpenAICompatibleProvider(
        name="doorhub", base_url_env="DOORHUB_BASE", api_key_env="DOORHUB_KEY"
    )
    with temporary_provider(spec):
        api = ModelAPI(
            ModelParams(name="doorhub/tiny-1"),
            http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(server)),
            environ={"DOORHUB_BASE": "https://doors.example/v1", "DOORHUB_KEY": "dk-test"},
        )
        agent = ToolEnabledLLMAgent(domain=DOOR, strategy=PATIENT, api=api)
        action = await agent.select_action({"state": "locked", "code": "0042"})
    assert json.loads(action)["name"] == "wait"
    assert str(seen[0].url) == "https://doors.example/v1/chat/completions"
    assert seen[0].headers["authorization"] == "Bearer dk-test"
    assert json.loads(seen[0].content)["model"] == "tiny-1"


def test_check_fallback_total_passes_a_total_domain() -> None:
    """The property helper passes the door domain's agents under any answer and fault plan."""
    check_fallback_total(
        lambda api: ToolEnabledLLMAgent(domain=DOOR, strategy=PATIENT, api=api),
        adversarial(door_observations()),
        max_examples=60,
    )
    check_fallback_total(
        lambda api: LLMAgent(domain=DOOR, strategy=PATIENT, api=api, constrained=True),
        adversarial(door_observations()),
        max_examples=30,
    )


@pytest.fixture
def without_shrinking() -> Iterator[None]:
    """The active hypothesis profile without its shrink phase: a test that expects the check to
    find a violation needs the first one, not the smallest (shrinking took 20 s of 22)."""
    active = settings.get_current_profile_name()
    phases = tuple(phase for phase in Phase if phase is not Phase.shrink)
    settings.register_profile("no-shrink", settings.get_profile(active), phases=phases)
    settings.load_profile("no-shrink")
    yield
    settings.load_profile(active)


class CarelessDoor(DoorDomain):
    """A domain whose fallback ignores legality: it always opens the door."""

    def fallback_action(self, observation: object, strategy: Strategy) -> str:
        return self.format_action("open_door")

    def check_call(
        self, observation: object, name: str, arguments: object, *, legal: Any = None
    ) -> Any:
        return None, "nothing is accepted"  # so the plainest-legal-call guard finds nothing


def test_check_fallback_total_finds_a_fallback_that_is_not_legal(without_shrinking: None) -> None:
    """A domain whose fallback plays an illegal action fails the property helper."""
    careless = CarelessDoor()
    with pytest.raises(AssertionError, match="is not legal here"):
        check_fallback_total(
            lambda api: LLMAgent(domain=careless, strategy=PATIENT, api=api),
            door_observations(),
            max_examples=40,
        )


class CrashingDoor(DoorDomain):
    """A domain whose rendering raises on an observation it does not expect."""

    def render_observation(self, observation: object) -> str:
        return f"code {observation['code']}"  # type: ignore[index]


def test_check_fallback_total_finds_a_domain_method_that_raises(without_shrinking: None) -> None:
    """A domain method that raises makes select_action raise: the helper reports it."""
    crashing = CrashingDoor()
    with pytest.raises(AssertionError, match="must never raise"):
        check_fallback_total(
            lambda api: LLMAgent(domain=crashing, strategy=PATIENT, api=api),
            adversarial(door_observations()),
            max_examples=40,
        )


def test_check_fallback_total_refuses_an_agent_not_built_on_its_api() -> None:
    """make_agent must build its agent on the api the check gives it."""
    own_api, _ = scripted_api()
    with pytest.raises(UsageError, match=r"api=api"):
        check_fallback_total(
            lambda api: LLMAgent(domain=DOOR, strategy=PATIENT, api=own_api),
            door_observations(),
        )
