"""Hypothesis strategies for desk observations (the tests' import; needs hypothesis).

>>> from agentkit.testing.strategies import adversarial
>>> broken_or_not = adversarial(valid_observations())
"""

from __future__ import annotations

from typing import Any, Final

from hypothesis import strategies as st

from support_desk.domain import rule_based_action, triage_policy
from support_desk.env import SupportDeskEnv

__all__ = ["valid_observations"]

_MISTAKES: Final = (
    "refund_order",
    'refund_order(order_id="Z9", reason="damaged")',
    '{"name": "lookup_order", "arguments": {"order_id": 17}}',
    'change_address(order_id="A1", address="x")',
    "escalate(note=3)",
    "give them their money back",
    "{",
    "",
)


@st.composite
def valid_observations(draw: st.DrawFn) -> dict[str, Any]:
    """An observation the env really produces: a seeded ticket driven a drawn number of steps
    by the desk's rules, the triage policy or a mistake, so that every state, every kind of
    ticket and every error text appears (and cut-short episodes too)."""
    wants = draw(st.sampled_from([None, "refund", "change_address", "cancel"]))
    env = SupportDeskEnv(max_steps=draw(st.integers(1, 10)))
    observation, _ = env.reset(
        seed=draw(st.integers(0, 2**16)), options=None if wants is None else {"wants": wants}
    )
    for _ in range(draw(st.integers(0, 5))):
        how = draw(st.sampled_from(["rules", "triage", "mistake"]))
        if how == "rules":
            action = rule_based_action(observation)
        elif how == "triage":
            action = triage_policy(observation)
        else:
            action = draw(st.sampled_from(_MISTAKES))
        observation, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            break
    return observation
