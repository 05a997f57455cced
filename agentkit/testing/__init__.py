"""Test kit: the pytest plugin, scripted provider doubles, hypothesis strategies
(``agentkit.testing.strategies``), ``check_fallback_total`` (any domain's agent always acts
legally) and the syrupy extension.

>>> from agentkit.testing import ScriptedProvider, chat_completion
>>> provider = ScriptedProvider([chat_completion(content="hi")])
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

from agentkit.testing._cassette_fixtures import LegacyCassettePathWarning
from agentkit.testing._fakes import (
    FakeClock,
    ScriptedProvider,
    anthropic_message,
    anthropic_stream_events,
    chat_completion,
    chat_completion_chunks,
    sse_response,
)
from agentkit.testing._snapshot import VOLATILE_KEYS, TrajectorySnapshotExtension, mask_volatile

__all__ = [
    "VOLATILE_KEYS",
    "FakeClock",
    "LegacyCassettePathWarning",
    "ScriptedProvider",
    "TrajectorySnapshotExtension",
    "anthropic_message",
    "anthropic_stream_events",
    "chat_completion",
    "chat_completion_chunks",
    "check_fallback_total",
    "mask_volatile",
    "sse_response",
]

if _typing.TYPE_CHECKING:
    from agentkit.testing._totality import check_fallback_total


def __getattr__(name: str) -> _typing.Any:
    # The property check needs the agents and hypothesis: the pytest plugin, which loads this
    # package, must not pay for them at every start.
    if name == "check_fallback_total":
        value = _importlib.import_module("agentkit.testing._totality").check_fallback_total
        globals()[name] = value
        return value
    raise AttributeError(f"module 'agentkit.testing' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
