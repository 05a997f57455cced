"""ToolDomain's edges: the errors a malformed domain gets, observations without a usable
``legal_tools`` list, calls with non-object arguments, ``is_legal`` never raising, and the
fallback when nothing legal can be called without arguments."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from agentkit import UsageError
from agentkit.agents import Strategy, ToolDomain, clip_json


class UnlockArgs(BaseModel):
    """Unlock the door with a code."""

    code: str = Field(pattern=r"^\d{4}$")


class OpenArgs(BaseModel):
    """Open the unlocked door."""


def _door() -> ToolDomain:
    return ToolDomain(
        name="door", task="Open the door.", tools={"unlock": UnlockArgs, "open_door": OpenArgs}
    )


def test_a_domain_without_tools_is_refused() -> None:
    with pytest.raises(UsageError) as raised:
        ToolDomain(name="empty", task="t", tools={})
    assert str(raised.value) == "domain 'empty' has no tools; pass tools={name: ArgsModel}"


def test_a_tool_that_is_no_argument_model_is_named() -> None:
    with pytest.raises(UsageError) as raised:
        ToolDomain(name="door", task="t", tools={"unlock": dict})  # type: ignore[dict-item]
    assert str(raised.value) == (
        "domain 'door': the tool 'unlock' maps to <class 'dict'>; each tool needs a pydantic "
        "BaseModel subclass describing its arguments"
    )


@pytest.mark.parametrize(
    "observation", [None, "legal_tools: unlock", {"legal_tools": "unlock"}, {"state": "locked"}]
)
def test_an_observation_without_a_legal_tools_list_allows_nothing(observation: object) -> None:
    door = _door()
    assert door.legal_tools(observation) == []
    assert door.check_call(observation, "open_door", {}) == (
        None,
        "open_door is not allowed now; allowed now: nothing",
    )


def test_arguments_that_are_not_an_object_are_refused_by_type() -> None:
    door = _door()
    observation = {"legal_tools": ["unlock"]}
    assert door.check_call(observation, "unlock", ["1234"]) == (
        None,
        "unlock needs its arguments as a JSON object, got list",
    )


def test_is_legal_is_false_for_unparsable_text_and_for_a_domain_that_raises() -> None:
    class Broken(ToolDomain):
        def legal_tools(self, observation: object) -> list[str]:
            raise RuntimeError("no legality here")

    door = _door()
    action = door.format_action("open_door")
    assert door.is_legal({"legal_tools": ["open_door"]}, action) is True
    assert door.is_legal({"legal_tools": ["open_door"]}, "open the door please") is False
    broken = Broken(name="door", task="t", tools={"open_door": OpenArgs})
    assert broken.is_legal({"legal_tools": ["open_door"]}, action) is False


def test_the_fallback_names_the_first_tool_when_nothing_legal_needs_no_arguments() -> None:
    door = _door()
    balanced = Strategy(name="balanced", prompt="Be balanced.")
    assert door.fallback_action({"legal_tools": ["unlock"]}, balanced) == door.format_action(
        "unlock"
    )
    assert door.fallback_action({}, balanced) == door.format_action("unlock")
    assert door.fallback_action({"legal_tools": ["unlock", "open_door"]}, balanced) == (
        door.format_action("open_door")
    )


def test_offered_values_narrow_nothing_by_default() -> None:
    assert _door().offered_values({"legal_tools": ["unlock"]}) == {}


def test_clip_json_shows_other_objects_by_a_cut_repr() -> None:
    class Loud:
        def __repr__(self) -> str:
            return "L" * 10_000

    clipped = clip_json({"thing": Loud(), "flag": True, "none": None})
    assert clipped["flag"] is True
    assert clipped["none"] is None
    assert set(clipped["thing"]) == {"L"}
    assert 0 < len(clipped["thing"]) < 10_000
