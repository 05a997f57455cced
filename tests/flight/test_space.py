"""The observation space validates with the pydantic model and samples valid observations."""

from __future__ import annotations

import copy

from agentkit.flight import FlightBookingEnv, FlightObservation, FlightObservationSpace


def test_samples_are_valid_and_cover_several_states() -> None:
    """sample() returns observations the space contains, from more than one state."""
    space = FlightObservationSpace(seed=0)
    samples = [space.sample() for _ in range(30)]
    assert all(space.contains(s) for s in samples)
    assert len({s["state"] for s in samples}) >= 4
    again = FlightObservationSpace(seed=0)
    assert [again.sample() for _ in range(3)] == samples[:3]


def test_contains_rejects_malformed_observations() -> None:
    """Missing keys, extra keys, wrong types and inconsistent legal tools are not in the space."""
    space = FlightBookingEnv().observation_space
    obs, _ = FlightBookingEnv().reset(seed=0)
    assert space.contains(obs)
    broken = []
    for edit in (
        lambda o: o.pop("state"),
        lambda o: o.update(extra=1),
        lambda o: o.update(step="1"),
        lambda o: o.update(state="checkout"),
        lambda o: o.update(legal_tools=["abort"]),
        lambda o: o["task"].pop("budget"),
    ):
        candidate = copy.deepcopy(obs)
        edit(candidate)
        broken.append(candidate)
    assert not any(space.contains(b) for b in broken)
    assert not space.contains("not a dict")


def test_action_space_holds_all_three_forms() -> None:
    """JSON, function-style and bare actions are all inside the Text action space."""
    space = FlightBookingEnv().action_space
    for action in (
        '{"name": "abort", "arguments": {"reason": "x"}}',
        'select_flight(flight_id="F012", cabin="economy")',
        "proceed_to_payment",
    ):
        assert space.contains(action)


def test_model_json_schema_is_available_for_prompts() -> None:
    """Agents can describe the observation to a model from its JSON schema."""
    schema = FlightObservation.model_json_schema()
    assert {"state", "task", "results", "cart", "legal_tools", "error"} <= set(schema["properties"])
