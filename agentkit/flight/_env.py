"""``FlightBookingEnv``: the Gymnasium face of the flight-booking episode."""

from __future__ import annotations

import hashlib
import json
import string
from pathlib import Path
from typing import Any, Final, SupportsFloat

import gymnasium as gym

from agentkit._errors import UsageError
from agentkit.flight._actions import read_call
from agentkit.flight._episode import TERMINAL_STATES, Episode
from agentkit.flight._generate import generate_task, sample_episode
from agentkit.flight._observation import FlightObservationSpace
from agentkit.flight._tasks import DIFFICULTIES, find_task

__all__ = ["ENV_ID", "FlightBookingEnv"]

#: The id under which ``gymnasium.make`` finds the environment.
ENV_ID: Final = "agentkit/FlightBooking-v0"
_OPTIONS: Final = frozenset({"task_id", "difficulty"})


class FlightBookingEnv(gym.Env[dict[str, Any], str]):
    """Book a one-way flight through ten tools; seeded, deterministic, ``check_env``-clean.

    >>> env = FlightBookingEnv()
    >>> obs, info = env.reset(seed=0, options={"difficulty": "easy"})
    >>> obs["state"], obs["legal_tools"]
    ('search_form', ['search_flights', 'abort'])

    **Actions** are strings (JSON tool call, ``name(key=value)`` or a bare name; see
    :func:`parse_action`). Anything unreadable, a tool not legal now, bad arguments or a refusal
    (sold out, expired coupon, short gift card) returns an observation with ``error`` set and the
    booking state unchanged.

    **Observations** are fresh JSON-able dicts of the shape :class:`FlightObservation` (``state``,
    ``task``, ``policy``, ``results``, ``selection``, ``cart``, ``payment``, ``receipt``, ``error``,
    ``message``, ``step``, ``legal_tools``, ...). They share no object with each other or the env.

    **reset** ``options``: ``{"task_id": "hard-012"}`` plays a shipped task (faults still drawn
    from the seed), ``{"difficulty": "easy"}`` draws a task from the seed; without options a task
    of the constructor's ``difficulty`` is drawn. Options never carry over to the next reset.

    **Reward**: 1.0 on the step that pays for a booking meeting every constraint and the budget,
    else 0.0. With ``shaping=w`` the env adds ``w * (Φ(s') - Φ(s))`` for a progress potential Φ
    that is 0 on the search form and at the end of every episode, so shaping sums to zero over an
    episode and repeating an action (no progress) earns nothing.

    **info**: ``task_id``, ``difficulty``, ``oracle_price`` (the cheapest feasible total),
    ``legal_tools``, and after payment ``regret`` (paid - oracle price) and ``constraints`` (each
    check); when the episode ends ``state_hash``, the sha256 of the canonical JSON of what was
    booked.

    The episode is truncated at ``max_steps`` steps or ``max_errors`` failed actions; from then on,
    as after a receipt or an abort, ``legal_tools`` is empty. All randomness is drawn from
    ``self.np_random`` at reset.
    """

    metadata: dict[str, Any] = {"render_modes": ["ansi"], "render_fps": 1}  # noqa: RUF012

    def __init__(
        self,
        *,
        difficulty: str = "medium",
        max_steps: int = 50,
        max_errors: int = 10,
        shaping: float = 0.0,
        tasks_dir: Path | str | None = None,
        render_mode: str | None = None,
    ) -> None:
        if difficulty not in DIFFICULTIES:
            raise UsageError(
                f"difficulty={difficulty!r}; expected one of {', '.join(DIFFICULTIES)}"
            )
        if max_steps < 1 or max_errors < 1:
            raise UsageError(
                f"max_steps={max_steps} and max_errors={max_errors} must both be at least 1"
            )
        if render_mode not in (None, "ansi"):
            raise UsageError(f"render_mode={render_mode!r}; expected None or 'ansi'")
        self.difficulty = difficulty
        self.max_steps = max_steps
        self.max_errors = max_errors
        self.shaping = float(shaping)
        self.tasks_dir = tasks_dir
        self.render_mode = render_mode
        self.observation_space = FlightObservationSpace()
        # Printable ASCII so that JSON and function-style actions lie inside the space.
        self.action_space = gym.spaces.Text(max_length=2048, min_length=0, charset=string.printable)
        self._episode: Episode | None = None
        self._info_template: dict[str, Any] = {}
        self._legal: tuple[str, ...] = ()

    # -- Gymnasium API ----------------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        super().reset(seed=seed)
        task = self._task(options or {})
        draw = sample_episode(task, self.np_random)
        self._episode = Episode(task, draw, max_steps=self.max_steps, max_errors=self.max_errors)
        # Every info of the episode is a copy of this, its fixed entries looked up once and the
        # rest (None until they apply) already in place, so that filling them never resizes it.
        self._info_template = {
            "task_id": task["id"],
            "difficulty": task["difficulty"],
            "oracle_price": draw.oracle.total,
            "legal_tools": None,
            "regret": None,
            "constraints": None,
            "state_hash": None,
        }
        # The tools legal now, kept from one step to the next: the next step checks its tool
        # against them instead of working them out again.
        self._legal = legal = self._episode.flow_tools()
        message = f"new task {task['id']}: {task['instruction']}"
        return self._episode.observation(None, message, legal), self._info(legal, False)

    def step(self, action: str) -> tuple[dict[str, Any], SupportsFloat, bool, bool, dict[str, Any]]:
        episode = self._episode
        if episode is None:
            raise UsageError("step() was called before reset(); call env.reset(seed=...) first")
        max_steps, max_errors = episode.max_steps, episode.max_errors
        # Over when terminated or truncated (the properties, inlined: this runs on every step).
        if (
            episode.state in TERMINAL_STATES
            or episode.step >= max_steps
            or episode.errors >= max_errors
        ):
            episode.step += 1
            over = f"the episode is over (state {episode.state}); call reset() to start a new one"
            obs = episode.observation(over, None)
            return obs, 0.0, episode.terminated, episode.truncated, self._info()

        shaping = self.shaping
        before = episode.potential() if shaping else 0.0
        call = read_call(action)
        error: str | None
        message: str | None
        if isinstance(call, str):
            error, message = call, None
        else:
            error, message = episode.run(call, self._legal)
        # Counted after the action ran, so the last allowed step still gets to act.
        episode.step = step = episode.step + 1
        errors = episode.errors
        if error is not None:
            episode.errors = errors = errors + 1

        terminated = episode.state in TERMINAL_STATES
        truncated = not terminated and (step >= max_steps or errors >= max_errors)
        reward = 0.0
        checks = episode.checks
        if checks is not None and terminated and all(checks.values()):
            reward = 1.0
        if shaping:
            after = 0.0 if terminated or truncated else episode.potential()
            reward += shaping * (after - before)
        legal: tuple[str, ...] = ()
        if truncated:
            why = "max_steps" if step >= self.max_steps else "max_errors"
            message = f"{message + '; ' if message else ''}episode truncated ({why} reached)"
        elif not terminated:
            legal = episode.flow_tools()
        self._legal = legal
        obs = episode.observation(error, message, legal)
        return obs, reward, terminated, truncated, self._info(legal, terminated or truncated)

    def render(self) -> str | None:
        """With ``render_mode="ansi"``, a one-screen text summary of the current state."""
        if self.render_mode != "ansi" or self._episode is None:
            return None
        e = self._episode
        lines = [f"[{e.step}/{e.max_steps}] {e.state}: {e.task['instruction']}"]
        lines += [
            f"  {f['id']} {f['airline']} {f['depart']} stops={f['stops']} ${f['price']}"
            for f in e.results
        ]
        if e.cart is not None:
            lines.append(f"  cart: {e.cart['flight']['id']} {e.cart['cabin']} ${e.cart['total']}")
        if e.receipt is not None:
            lines.append(f"  receipt: {e.receipt['booking_id']} paid ${e.receipt['paid']}")
        return "\n".join(lines)

    # -- helpers ----------------------------------------------------------------------------------

    def _task(self, options: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(options) - _OPTIONS)
        if unknown:
            raise UsageError(
                f"unknown reset options {unknown}; expected 'task_id' and/or 'difficulty'"
            )
        difficulty = options.get("difficulty", self.difficulty)
        if difficulty not in DIFFICULTIES:
            raise UsageError(
                f"options['difficulty']={difficulty!r}; expected one of {', '.join(DIFFICULTIES)}"
            )
        task_id = options.get("task_id")
        if task_id is None:
            return generate_task(self.np_random, difficulty)
        task = find_task(str(task_id), self.tasks_dir)
        if "difficulty" in options and task["difficulty"] != difficulty:
            raise UsageError(
                f"task {task_id!r} is {task['difficulty']}, not {difficulty}; drop one of the options"
            )
        return task

    def _info(
        self, legal: tuple[str, ...] | None = None, done: bool | None = None
    ) -> dict[str, Any]:
        e = self._episode
        assert e is not None
        if done is None:
            done = e.terminated or e.truncated
        info = self._info_template.copy()
        info["legal_tools"] = [*(e.legal() if legal is None else legal)]
        if e.paid is not None:
            info["regret"] = e.paid - e.draw.oracle.total
        if e.checks is not None:
            info["constraints"] = dict(e.checks)
        if done:
            info["state_hash"] = _sha256(e.final_state())
        return info


def _sha256(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()
