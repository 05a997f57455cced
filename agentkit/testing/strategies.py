"""Hypothesis strategies for agent tests: observations, tool calls, model answers, fault plans.

They shrink towards small, plain inputs: seed 0, the first state, short strings, one-rule plans.

>>> from hypothesis import given
>>> from agentkit.testing.strategies import observations, fault_plans
>>> @given(observations(), fault_plans())
... def test_agent_always_acts(observation, plan): ...
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

from agentkit.faults import Fault, FaultKind, FaultPlan, FaultRule, When
from agentkit.flight import FlightBookingEnv, oracle_action, tool_specs
from agentkit.models import ToolCall

__all__ = [
    "adversarial",
    "arguments_for",
    "fault_plans",
    "json_values",
    "model_responses",
    "observations",
    "tool_calls",
    "valid_observations",
]

_DIFFICULTIES = ("easy", "medium", "hard")
_GARBAGE_ACTIONS = ("confirm", "", "{", "select_flight(", "book it now", '{"name": 3}')


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any JSON value, small by default."""
    scalars = st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=20)
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=max_leaves,
    )


@st.composite
def valid_observations(draw: st.DrawFn) -> dict[str, Any]:
    """A real observation: a seeded episode driven a drawn number of steps by the oracle policy,
    with some failed actions mixed in, so every state and ``error`` text appears."""
    seed = draw(st.integers(0, 2**16))
    difficulty = draw(st.sampled_from(_DIFFICULTIES))
    steps = draw(st.integers(0, 12))
    env = FlightBookingEnv()
    observation, _ = env.reset(seed=seed, options={"difficulty": difficulty})
    for _ in range(steps):
        if draw(st.integers(0, 4)) == 0:
            action: str | None = draw(st.sampled_from(_GARBAGE_ACTIONS))
        else:
            action = oracle_action(observation)
        if action is None:
            break
        observation, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            break
    return observation


@st.composite
def _corrupted(draw: st.DrawFn, observation: dict[str, Any]) -> Any:
    corrupted = dict(observation)
    keys = sorted(corrupted)
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(keys))
        how = draw(st.sampled_from(("delete", "retype", "huge")))
        if how == "delete":
            corrupted.pop(key, None)
        elif how == "retype":
            corrupted[key] = draw(json_values(4))
        else:
            corrupted[key] = "x" * draw(st.integers(10_000, 200_000))
    return corrupted


def adversarial(valid: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """``valid`` observations (of any domain), and broken ones made from them: keys missing,
    values of the wrong type, huge strings; or any JSON value at all."""
    return st.one_of(
        valid,
        valid.flatmap(lambda observation: _corrupted(observation)),
        json_values(),
    )


def observations(*, adversarial: bool = True) -> st.SearchStrategy[Any]:
    """Flight observations in every state and, with ``adversarial``, broken ones too (see
    :func:`adversarial`)."""
    valid = valid_observations()
    return _adversarial(valid) if adversarial else valid


_adversarial = adversarial  # ``observations`` takes a flag of the same name


def _value_for(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    if "anyOf" in schema:
        return st.one_of([_value_for(option) for option in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "object":
        return arguments_for(schema)
    if kind == "array":
        return st.lists(
            _value_for(schema.get("items", {})),
            min_size=schema.get("minItems", 0),
            max_size=min(schema.get("maxItems", 3), 3),
        )
    if kind == "integer":
        return st.integers(schema.get("minimum", -100), schema.get("maximum", 10_000))
    if kind == "number":
        return st.floats(
            schema.get("minimum", -100), schema.get("maximum", 10_000), allow_nan=False
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.text(
            min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 12), 12)
        )
    return json_values(4)


def arguments_for(schema: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Arguments valid against an object schema (written from the schema directly: the
    installed hypothesis-jsonschema crashes on object schemas, see docs/faults.md, "Notes for test writers")."""
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    fixed = {name: _value_for(spec) for name, spec in properties.items() if name in required}
    optional = {name: _value_for(spec) for name, spec in properties.items() if name not in required}
    return st.fixed_dictionaries(fixed, optional=optional)


def _function(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    inner = spec.get("function", spec)
    return inner if isinstance(inner, Mapping) else {}


@st.composite
def _mutated(draw: st.DrawFn, arguments: dict[str, Any], schema: Mapping[str, Any]) -> str:
    how = draw(st.sampled_from(("drop_required", "retype", "extra_key", "cut", "not_object")))
    value = dict(arguments)
    required = [key for key in schema.get("required", ()) if key in value]
    if how == "drop_required" and required:
        value.pop(draw(st.sampled_from(required)))
    elif how == "retype" and value:
        key = draw(st.sampled_from(sorted(value)))
        value[key] = json.dumps(value[key])  # "3" for 3, as row 21 has it
    elif how == "extra_key":
        value["unexpected_" + draw(st.text("abc", min_size=1, max_size=3))] = 1
    elif how == "not_object":
        return json.dumps(list(value.values()))
    text = json.dumps(value)
    if how == "cut":
        return text[: draw(st.integers(0, max(0, len(text) - 1)))]
    return text


@st.composite
def tool_calls(
    draw: st.DrawFn,
    schemas: Sequence[Mapping[str, Any]] | None = None,
    *,
    valid: bool | None = None,
) -> ToolCall:
    """A tool call against ``schemas`` (OpenAI function specs; default: the ten flight tools).

    ``valid=True`` gives only schema-valid calls, ``False`` only broken ones (a required key
    dropped, a type changed, a key added, the JSON cut, a non-object), None either.
    """
    specs = list(schemas) if schemas is not None else tool_specs()
    function = _function(draw(st.sampled_from(specs)))
    schema = function.get("parameters", {})
    arguments = draw(arguments_for(schema))
    want_valid = draw(st.booleans()) if valid is None else valid
    raw = json.dumps(arguments) if want_valid else draw(_mutated(arguments, schema))
    if not want_valid and draw(st.integers(0, 5)) == 0:
        return ToolCall(
            id="call_0", name=draw(st.sampled_from(("book_now", "confirm"))), arguments=raw
        )
    return ToolCall(id="call_0", name=str(function.get("name", "")), arguments=raw)


@st.composite
def model_responses(
    draw: st.DrawFn, schemas: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """An OpenAI chat-completion body as a model might send it: tool calls (valid or broken),
    text (an action, prose, or a tagged call), refusals, empty answers, cut answers."""
    shape = draw(
        st.sampled_from(
            ("tool_call", "text_action", "prose", "tagged", "refusal", "empty", "length")
        )
    )
    message: dict[str, Any] = {"role": "assistant", "content": None}
    finish = "stop"
    if shape in ("tool_call", "length"):
        call = draw(tool_calls(schemas))
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
        ]
        finish = "tool_calls" if shape == "tool_call" else "length"
    elif shape in ("text_action", "tagged"):
        call = draw(tool_calls(schemas))
        text = json.dumps({"name": call.name, "arguments": call.parsed_arguments or {}})
        message["content"] = f"<tool_call>{text}</tool_call>" if shape == "tagged" else text
    elif shape == "prose":
        message["content"] = draw(st.text(max_size=80))
    elif shape == "refusal":
        message["refusal"] = "I can't help with that."
    return {
        "id": "chatcmpl-hypothesis",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-4",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


@st.composite
def _faults(draw: st.DrawFn) -> Fault:
    kind = draw(st.sampled_from(list(FaultKind)))
    extra: dict[str, Any] = {}
    if kind in (FaultKind.SERVER_ERROR, FaultKind.CLIENT_ERROR):
        choices = (
            (408, 409, 500, 502, 503, 529)
            if kind is FaultKind.SERVER_ERROR
            else (401, 403, 404, 422)
        )
        extra["status"] = draw(st.sampled_from(choices))
    if kind is FaultKind.RATE_LIMITED:
        extra["retry_after_ms"] = draw(st.integers(0, 5_000))
    if kind is FaultKind.LATENCY:
        extra["latency_s"] = draw(st.floats(0, 5))
    return Fault(kind=kind, **extra)


@st.composite
def _whens(draw: st.DrawFn) -> When:
    form = draw(st.sampled_from(("calls", "first", "every", "probability")))
    if form == "calls":
        return When(calls=tuple(sorted(draw(st.sets(st.integers(1, 6), min_size=1, max_size=3)))))
    if form == "first":
        return When(first=draw(st.integers(1, 3)))
    if form == "every":
        return When(every=draw(st.integers(1, 4)))
    return When(probability=draw(st.floats(0, 1)))


@st.composite
def fault_plans(draw: st.DrawFn, *, max_rules: int = 3) -> FaultPlan:
    """A plan of up to ``max_rules`` rules over the whole catalogue; shrinks to one simple rule."""
    rules = draw(
        st.lists(
            st.builds(FaultRule, fault=_faults(), when=_whens()), min_size=1, max_size=max_rules
        )
    )
    return FaultPlan(seed=draw(st.integers(0, 1000)), rules=tuple(rules))
