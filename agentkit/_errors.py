"""The root of every exception agentkit raises.

Misuse (a wrong argument, a missing key, a bad file) is a :class:`UsageError`; everything that goes
wrong at run time derives from :class:`AgentKitError` through a more specific class
(``ModelCallError``, ``ReplayMismatchError``, ...), so ``except AgentKitError`` catches all of them.
"""

from __future__ import annotations

__all__ = ["AgentKitError", "UsageError"]


class AgentKitError(Exception):
    """Base class of every agentkit exception."""


class UsageError(AgentKitError):
    """agentkit was called in a way that cannot work; the message says how to fix the call.

    Example: a live model call with no API key names the environment variable to set.
    """
