"""What a closing cassette says besides its own mismatches: an empty recording, and the
requests from threads or tasks the test did not start.

Both warn by default and can be made errors (``on_empty="error"``,
``on_background_mismatch="error"``) or silenced (``"ignore"``).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from agentkit.replay._errors import (
    BackgroundRequestWarning,
    EmptyCassetteError,
    EmptyCassetteWarning,
)
from agentkit.replay._vcr import intercepted_libraries

if TYPE_CHECKING:
    from agentkit.replay._cassette import Cassette

__all__ = ["empty_recording", "report_background", "report_empty"]

# warn() <- report_*() <- CassetteContext.__exit__ <- the user's ``with`` statement
_STACKLEVEL = 3


def empty_recording(cassette: Cassette) -> str | None:
    """Why a recording session that captured nothing is suspicious, or None if it is not."""
    if cassette.write_protected or cassette.recorded or cassette.play_count:
        return None
    *others, last = intercepted_libraries()
    libraries = f"{', '.join(others)} or {last}" if others else last
    ignored = ""
    if cassette.ignored:
        routes = sorted({f"{i.method} {i.url}" for i in cassette.ignored})
        ignored = (
            f"; {len(cassette.ignored)} request(s) went to ignored routes, which are never "
            f"recorded: {', '.join(routes[:3])}{' ...' if len(routes) > 3 else ''}"
        )
    return (
        f"cassette {cassette.path} recorded no interaction in mode "
        f"{cassette.record_mode.value!r}: the code made no HTTP request through {libraries}. "
        "Likely cause: its client library is not intercepted (requests, urllib3, boto3 and "
        "http.client go unrecorded; aiohttp is recorded only when installed), or the request "
        f"was answered before reaching the network (a mock transport, a cache){ignored}"
    )


def report_empty(cassette: Cassette, *, failed: bool) -> None:
    """Warn, or raise :class:`EmptyCassetteError` (``on_empty="error"``), for a recording that
    captured nothing. Not when the block raised: its own exception says more (and a warning
    turned into an error by ``filterwarnings`` would take its place)."""
    problem = empty_recording(cassette)
    if problem is None or failed or cassette.on_empty == "ignore":
        return
    if cassette.on_empty == "error":
        raise EmptyCassetteError(
            cassette.path,
            cassette.record_mode.value,
            f"{problem}. on_empty='error' makes this an error: record through an intercepted "
            "client, or pass on_empty='warn' if an empty recording is expected.",
        )
    warnings.warn(EmptyCassetteWarning(problem), stacklevel=_STACKLEVEL)


def report_background(cassette: Cassette) -> None:
    """Raise the first background mismatch, or warn about all of them, as the cassette's
    ``on_background_mismatch`` says."""
    background = cassette.background_mismatches
    if not background or cassette.on_background_mismatch == "ignore":
        return
    if cassette.on_background_mismatch == "error":
        raise background[0]
    lines = "\n".join(
        f"  - {m.request.method} {m.host}{m.request.path} from {m.origin}" for m in background[:10]
    )
    more = f"\n  ... and {len(background) - 10} more" if len(background) > 10 else ""
    warnings.warn(
        BackgroundRequestWarning(
            f"cassette {cassette.path}: {len(background)} request(s) from threads or tasks the "
            f"test did not start had no recording and were refused there:\n{lines}{more}\n"
            "They do not fail the block (on_background_mismatch='warn'). Ignore their routes "
            "with ignore_routes=[...], or pass on_background_mismatch='error' to fail on them; "
            "cassette.background_mismatches holds each error."
        ),
        stacklevel=_STACKLEVEL,
    )
