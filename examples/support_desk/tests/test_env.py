"""The env: seeded tickets, state-dependent legality, argument checks with readable errors, and a
reward only for the correct resolution."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gymnasium.utils.env_checker import check_env

from support_desk import DeskObservation, SupportDeskEnv, correct_resolution, draw_ticket
from support_desk.tools import allowed_tools


def act(env: SupportDeskEnv, *actions: str) -> tuple[dict[str, Any], float, bool, bool]:
    """Take ``actions`` in turn; the last step's observation, reward and end flags."""
    assert actions
    for action in actions:
        observation, reward, terminated, truncated, _ = env.step(action)
    return observation, float(reward), terminated, truncated


def test_the_same_seed_gives_the_same_ticket() -> None:
    """Two envs reset with one seed show identical observations; other seeds vary the ticket."""
    first, info = SupportDeskEnv().reset(seed=7)
    again, info_again = SupportDeskEnv().reset(seed=7)
    assert first == again
    assert info == info_again
    tickets = {json.dumps(SupportDeskEnv().reset(seed=s)[0]["task"]) for s in range(30)}
    assert len(tickets) == 30
    kinds = {SupportDeskEnv().reset(seed=s)[0]["task"]["wants"] for s in range(30)}
    assert kinds == {"refund", "change_address", "cancel"}


def test_the_env_passes_gymnasiums_checker() -> None:
    """gymnasium's env checker finds nothing wrong, and observations fit the declared model."""
    env = SupportDeskEnv()
    check_env(env, skip_render_check=True)
    observation, _ = env.reset(seed=1)
    assert env.observation_space.contains(observation)
    DeskObservation.model_validate(observation)


def test_a_new_ticket_allows_only_the_lookup_and_closing() -> None:
    """Before the order is looked up, no order can be changed and the order is not shown."""
    env = SupportDeskEnv()
    observation, _ = env.reset(seed=2, options={"wants": "refund"})
    assert observation["state"] == "new"
    assert observation["order"] is None
    assert observation["legal_tools"] == ["lookup_order", "close_ticket"]
    refused, reward, terminated, _ = act(env, 'refund_order(order_id="G26", reason="changed_mind")')
    assert refused["error"] == (
        "refund_order is not allowed now (state new); allowed: lookup_order, close_ticket"
    )
    assert (refused["state"], reward, terminated) == ("new", 0.0, False)


@pytest.mark.parametrize(
    ("seed", "wants", "legal"),
    [
        (2, "refund", ["refund_order", "escalate", "close_ticket"]),  # delivered 6 days ago
        (1, "refund", ["escalate", "close_ticket"]),  # delivered 57 days ago
        (3, "refund", ["escalate", "close_ticket"]),  # shipped, not delivered
        (1, "cancel", ["change_address", "cancel_order", "escalate", "close_ticket"]),
        (0, "cancel", ["escalate", "close_ticket"]),  # shipped: too late to change
    ],
)
def test_what_the_looked_up_order_allows(seed: int, wants: str, legal: list[str]) -> None:
    """Refunds need a delivery within the window; changes and cancellations an unshipped order."""
    env = SupportDeskEnv()
    observation, _ = env.reset(seed=seed, options={"wants": wants})
    order_id = observation["task"]["order_id"]
    found, _, _, _ = act(env, f'lookup_order(order_id="{order_id}")')
    assert found["state"] == "order_found"
    assert found["order"]["id"] == order_id
    assert found["legal_tools"] == legal
    assert found["legal_tools"] == allowed_tools("order_found", found["order"])


@pytest.mark.parametrize(
    ("action", "error"),
    [
        (
            'lookup_order(order_id="g26")',
            "invalid arguments for lookup_order: order_id: String should match pattern "
            "'^[A-Z][0-9]{1,3}$'",
        ),
        (
            '{"name": "lookup_order", "arguments": {"order_id": 26}}',
            "invalid arguments for lookup_order: order_id: Input should be a valid string",
        ),
        (
            'lookup_order(order_id="G26", urgent=true)',
            "invalid arguments for lookup_order: urgent: Extra inputs are not permitted",
        ),
        (
            'lookup_order(order_id="B3")',
            "order B3 is not on this ticket; the ticket is about order G26",
        ),
        ("refund everything", "cannot read action 'refund everything'"),
        ("refund", "unknown tool 'refund'; the tools are: lookup_order, refund_order,"),
    ],
)
def test_a_bad_action_says_what_is_wrong(action: str, error: str) -> None:
    """Unreadable actions, bad arguments and another order's id fail with the reason, and the
    ticket stays as it was."""
    env = SupportDeskEnv()
    before, _ = env.reset(seed=2, options={"wants": "refund"})
    after, reward, terminated, truncated = act(env, action)
    assert after["error"] is not None
    assert after["error"].startswith(error)
    assert after["message"] is None
    assert (after["state"], after["order"], after["step"]) == ("new", None, 1)
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert after["legal_tools"] == before["legal_tools"]


def test_the_correct_resolution_earns_the_reward_on_closing() -> None:
    """Refund with the customer's reason, then close: reward 1.0, terminated."""
    env = SupportDeskEnv()
    env.reset(seed=2, options={"wants": "refund"})
    resolved, reward, terminated, _ = act(
        env,
        'lookup_order(order_id="G26")',
        '{"name": "refund_order", "arguments": {"order_id": "G26", "reason": "changed_mind"}}',
    )
    assert (resolved["state"], resolved["legal_tools"], reward) == (
        "resolved",
        ["close_ticket"],
        0.0,
    )
    closed, reward, terminated, truncated = act(env, "close_ticket")
    assert (closed["state"], reward, terminated, truncated) == ("closed", 1.0, True, False)
    assert closed["legal_tools"] == []


@pytest.mark.parametrize(
    "actions",
    [
        ('lookup_order(order_id="G26")', 'refund_order(order_id="G26", reason="damaged")'),
        ('lookup_order(order_id="G26")', "escalate"),  # policy allowed the refund
        ("close_ticket",),  # nothing done
    ],
)
def test_a_wrong_resolution_earns_nothing(actions: tuple[str, ...]) -> None:
    """A refund for the wrong reason, an escalation policy did not need, or closing at once all
    end the episode with reward 0."""
    env = SupportDeskEnv()
    env.reset(seed=2, options={"wants": "refund"})
    closed, reward, terminated, _ = act(env, *actions, "close_ticket")
    assert (closed["state"], reward, terminated) == ("closed", 0.0, True)


def test_escalating_is_correct_when_policy_allows_nothing() -> None:
    """A refund 57 days after delivery goes to a colleague: that is the correct resolution."""
    env = SupportDeskEnv()
    env.reset(seed=1, options={"wants": "refund"})
    closed, reward, _, _ = act(
        env,
        'lookup_order(order_id="D51")',
        'escalate(reason="outside_refund_window")',
        "close_ticket",
    )
    assert reward == 1.0
    assert closed["message"] == "ticket closed"


def test_an_address_change_must_use_the_customers_address() -> None:
    """The new address is compared ignoring case and spacing; another address earns nothing."""
    for address, reward in [("310  king st, LEEDS", 1.0), ("1 Main St, Nowhere", 0.0)]:
        env = SupportDeskEnv()
        observation, _ = env.reset(seed=1, options={"wants": "change_address"})
        assert observation["task"]["new_address"] == "310 King St, Leeds"
        _, got, _, _ = act(
            env,
            'lookup_order(order_id="D51")',
            f'change_address(order_id="D51", address="{address}")',
            "close_ticket",
        )
        assert got == reward


def test_the_episode_is_cut_short_at_max_steps() -> None:
    """After max_steps steps the episode is truncated and nothing is legal any more."""
    env = SupportDeskEnv(max_steps=2)
    env.reset(seed=0)
    observation, _, terminated, truncated = act(env, "escalate", "escalate")
    assert (terminated, truncated) == (False, True)
    assert observation["legal_tools"] == []
    after, reward, _, truncated = act(env, "close_ticket")
    assert after["error"] == "the episode is over; call reset() for a new ticket"
    assert (reward, truncated) == (0.0, True)


def test_every_drawn_ticket_has_a_correct_resolution_its_category_implies() -> None:
    """Refund tickets resolve by refunding or escalating, and so on: the policy is total."""
    import numpy as np

    seen = set()
    for seed in range(200):
        ticket, order = draw_ticket(np.random.default_rng(seed))
        resolution = correct_resolution(ticket, order)
        allowed = {
            "refund": {"refund_order", "escalate"},
            "change_address": {"change_address", "escalate"},
            "cancel": {"cancel_order", "escalate"},
        }[ticket.wants]
        assert resolution.tool in allowed
        seen.add(resolution.tool)
    assert seen == {"refund_order", "change_address", "cancel_order", "escalate"}


def test_reset_refuses_unknown_options() -> None:
    """A typo in the options fails loudly, naming what the env takes."""
    with pytest.raises(ValueError, match="the env takes only 'wants'"):
        SupportDeskEnv().reset(seed=0, options={"want": "refund"})
    with pytest.raises(ValueError, match="expected refund, change_address or cancel"):
        SupportDeskEnv().reset(seed=0, options={"wants": "exchange"})
