"""Tool names, schemas generated from the argument models, and the legal-tool rule."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from agentkit import UsageError
from agentkit.flight import (
    ARG_MODELS,
    TOOL_NAMES,
    AddToCartArgs,
    SearchFlightsArgs,
    anthropic_tool_specs,
    legal_tools,
    to_anthropic_tool,
    tool_specs,
)

EXPECTED_NAMES = (
    "search_flights",
    "filter_results",
    "select_flight",
    "add_to_cart",
    "apply_coupon",
    "proceed_to_payment",
    "enter_card",
    "confirm_payment",
    "restart",
    "abort",
)


def test_the_ten_tool_names_keep_the_original_gym_names() -> None:
    """Users know these ten names from the original gym; they stay exactly as they were."""
    assert TOOL_NAMES == EXPECTED_NAMES
    assert tuple(ARG_MODELS) == EXPECTED_NAMES


def test_specs_are_openai_functions_generated_from_the_models() -> None:
    """Each spec is an OpenAI function whose parameters list the model's fields and requirements."""
    specs = tool_specs()
    assert [s["function"]["name"] for s in specs] == list(EXPECTED_NAMES)
    for spec in specs:
        assert spec["type"] == "function"
        function = spec["function"]
        assert set(function) == {"name", "description", "parameters"}
        assert function["description"]
        params = function["parameters"]
        model = ARG_MODELS[function["name"]]
        assert params["type"] == "object"
        assert params["additionalProperties"] is False
        assert set(params["properties"]) == set(model.model_fields)
        required = {n for n, f in model.model_fields.items() if f.is_required()}
        assert set(params["required"]) == required
        assert "$defs" not in str(params)
        assert "$ref" not in str(params)


def test_nested_passenger_schema_is_inlined_with_descriptions() -> None:
    """add_to_cart's passenger items are a self-contained object schema an LLM can read."""
    (spec,) = tool_specs(["add_to_cart"])
    items = spec["function"]["parameters"]["properties"]["passengers"]["items"]
    assert items["type"] == "object"
    assert set(items["required"]) == {"first_name", "last_name", "dob"}
    assert items["properties"]["dob"]["description"]


def test_specs_are_fresh_copies() -> None:
    """Mutating a returned spec does not change what the next caller gets."""
    first = tool_specs()
    first[0]["function"]["parameters"]["properties"].clear()
    assert tool_specs()[0]["function"]["parameters"]["properties"]


def test_specs_can_be_restricted_and_unknown_names_are_refused() -> None:
    """tool_specs(names) keeps flow order; an unknown name is a UsageError naming the valid ones."""
    names = [s["function"]["name"] for s in tool_specs(["abort", "search_flights"])]
    assert names == ["search_flights", "abort"]
    with pytest.raises(UsageError, match="confirm"):
        tool_specs(["confirm"])


def test_anthropic_conversion() -> None:
    """The Anthropic form carries the same name, description and schema."""
    openai = tool_specs()
    anthropic = anthropic_tool_specs()
    for o, a in zip(openai, anthropic, strict=True):
        assert a == {
            "name": o["function"]["name"],
            "description": o["function"]["description"],
            "input_schema": o["function"]["parameters"],
        }
    with pytest.raises(UsageError, match="OpenAI tool spec"):
        to_anthropic_tool({"name": "abort"})


def test_argument_models_are_strict() -> None:
    """A schema that says integer means integer: "1" is refused, and unknown keys are refused."""
    SearchFlightsArgs.model_validate({"origin": "BOS", "destination": "SFO", "date": "2024-05-20"})
    with pytest.raises(ValidationError):
        SearchFlightsArgs.model_validate(
            {"origin": "BOS", "destination": "SFO", "date": "2024-05-20", "max_stops": "1"}
        )
    with pytest.raises(ValidationError):
        AddToCartArgs.model_validate(
            {"passengers": [], "checked_bags": 0, "insurance": False, "extra": 1}
        )


def _obs(state: str, selection: Any = None, payment: Any = None) -> dict[str, Any]:
    return {"state": state, "selection": selection, "payment": payment}


@pytest.mark.parametrize(
    ("obs", "expected"),
    [
        (_obs("search_form"), ["search_flights", "abort"]),
        (
            _obs("search_results"),
            ["search_flights", "filter_results", "select_flight", "restart", "abort"],
        ),
        (
            _obs("search_results", {"flight_id": "F100", "cabin": "economy"}),
            [
                "search_flights",
                "filter_results",
                "select_flight",
                "add_to_cart",
                "restart",
                "abort",
            ],
        ),
        (_obs("cart"), ["apply_coupon", "proceed_to_payment", "restart", "abort"]),
        (_obs("payment", payment={"payment_id": None}), ["enter_card", "restart", "abort"]),
        (
            _obs("payment", payment={"payment_id": "credit_card_1"}),
            ["enter_card", "confirm_payment", "restart", "abort"],
        ),
        (_obs("3ds_pending", payment={"payment_id": "x"}), ["confirm_payment", "restart", "abort"]),
        (_obs("receipt"), []),
        (_obs("aborted"), []),
    ],
)
def test_legal_tools_by_state(obs: dict[str, Any], expected: list[str]) -> None:
    """The legal tools follow the state machine of FLIGHT_ENV.md, in flow order."""
    assert legal_tools(obs) == expected


def test_nothing_is_legal_in_a_truncated_episode() -> None:
    """Once step or error counts reach their limits, no tool is legal in any state."""
    base = {**_obs("search_form"), "step": 3, "max_steps": 4, "errors": 1, "max_errors": 2}
    assert legal_tools(base) == ["search_flights", "abort"]
    assert legal_tools({**base, "step": 4}) == []
    assert legal_tools({**base, "errors": 2}) == []
