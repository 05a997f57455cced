"""Test kit: the pytest plugin, scripted provider doubles, hypothesis strategies
(``agentkit.testing.strategies``) and the syrupy extension.

>>> from agentkit.testing import ScriptedProvider, chat_completion
>>> provider = ScriptedProvider([chat_completion(content="hi")])
"""

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
    "ScriptedProvider",
    "TrajectorySnapshotExtension",
    "anthropic_message",
    "anthropic_stream_events",
    "chat_completion",
    "chat_completion_chunks",
    "mask_volatile",
    "sse_response",
]
