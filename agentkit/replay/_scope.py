"""Which requests are the block's own: those sent from the context that entered the cassette.

vcrpy's patches are process-wide, so a cassette also sees requests from threads it has nothing
to do with (an exporter thread flushing traces, a price list retried from a thread). Entering a
cassette sets a :class:`~contextvars.ContextVar`; a request is the block's own when it is sent
where that variable is visible:

- the code of the block itself, in the thread that entered it;
- asyncio tasks created inside the block (they copy the context), ``asyncio.to_thread``,
  anyio's ``to_thread.run_sync``, and anything run with ``contextvars.copy_context().run``.

Everything else is *background*: threads started with :class:`threading.Thread` or submitted to
an executor (``loop.run_in_executor`` copies no context), and tasks created before the block.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentkit.replay._cassette import Cassette

__all__ = ["enter", "is_own", "leave", "origin"]

_ACTIVE: contextvars.ContextVar[tuple[Cassette, ...]] = contextvars.ContextVar(
    "agentkit_active_cassettes", default=()
)


def enter(cassette: Cassette) -> contextvars.Token[tuple[Cassette, ...]]:
    """Mark the current context (and every context copied from it from now on) as ``cassette``'s."""
    return _ACTIVE.set((*_ACTIVE.get(), cassette))


def leave(cassette: Cassette, token: contextvars.Token[tuple[Cassette, ...]]) -> None:
    """Undo :func:`enter` (also when exiting from another context than the one that entered)."""
    try:
        _ACTIVE.reset(token)
    except ValueError:
        # Exited from a copy of the entering context (a framework ran setup and teardown in
        # different tasks): drop the cassette from this one; the other copy dies with its task.
        _ACTIVE.set(tuple(c for c in _ACTIVE.get() if c is not cassette))


def is_own(cassette: Cassette) -> bool:
    """Whether the code running now is ``cassette``'s block (or was started from it)."""
    return any(active is cassette for active in _ACTIVE.get())


def origin() -> str:
    """Where the code running now is: ``thread 'name'``, plus the asyncio task when in one."""
    where = f"thread {threading.current_thread().name!r}"
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running event loop in this thread
        task = None
    return where if task is None else f"task {task.get_name()!r} on {where}"
