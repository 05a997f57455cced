"""An active cassette kept out of the cyclic garbage collector's scans.

A parsed cassette is millions of containers (about five million dicts, lists and models at 5,000
interactions), and the collector walks every container it tracks: the first collection after
loading walks them all (about 0.3 s at 5,000 interactions, more than the parse), and each full
collection during the replay walks them again, so a request would cost more in a larger
cassette. None of them is part of a reference cycle, so from the load until the cassette closes
they sit in the permanent generation (:func:`gc.freeze`), which collections skip; reference
counting still frees them. When the last active cassette closes, the permanent generation goes
back to the collector (:func:`gc.unfreeze`), so cyclic garbage the process made before the load
is collected as before, only later. A process that had frozen objects itself (a pre-forking
server) is left with its own freeze: agentkit then freezes on top of it and never unfreezes.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

__all__ = ["load_outside_gc_scans", "release_gc_scans"]

_lock = threading.Lock()
_holders = 0
"""Active cassettes whose load is frozen."""
_unfreeze_when_done = False
"""Whether the permanent generation was empty before the first of them: then it is ours to undo."""


def load_outside_gc_scans(load: Callable[[], None]) -> None:
    """Run ``load`` (a cassette's) with the collector paused, then freeze all it built. Each
    call that returns must be paired with one :func:`release_gc_scans` when the cassette closes;
    a ``load`` that raises needs none."""
    global _holders, _unfreeze_when_done
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        load()
        with _lock:
            if _holders == 0:
                _unfreeze_when_done = gc.get_freeze_count() == 0
            _holders += 1
            gc.freeze()
    finally:
        if was_enabled:
            gc.enable()


def release_gc_scans() -> None:
    """One active cassette closed: the last one gives the permanent generation back."""
    global _holders
    with _lock:
        _holders -= 1
        if _holders == 0 and _unfreeze_when_done:
            gc.unfreeze()
