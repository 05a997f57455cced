"""The root of every exception agentkit raises.

Misuse (a wrong argument, a missing key, a bad file) is a :class:`UsageError`; everything that goes
wrong at run time derives from :class:`AgentKitError` through a more specific class
(``ModelCallError``, ``ReplayMismatchError``, ...), so ``except AgentKitError`` catches all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = ["AgentKitError", "UsageError", "describe_validation_error", "exception_chain"]


class AgentKitError(Exception):
    """Base class of every agentkit exception."""


class UsageError(AgentKitError):
    """agentkit was called in a way that cannot work; the message says how to fix the call.

    Example: a live model call with no API key names the environment variable to set.
    """


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, then its cause (or context), and so on; each exception once."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        yield current
        seen.add(id(current))
        current = current.__cause__ or current.__context__


def describe_validation_error(
    exc: ValidationError, *, name: Callable[[str], str] = lambda where: where
) -> str:
    """Every problem of a pydantic ``ValidationError`` on one line each: where (passed through
    ``name``, e.g. to a CLI option), what was given, what was expected (pydantic's message
    lists the valid values of an enum)."""
    lines = []
    for error in exc.errors(include_url=False):
        where = name(".".join(str(part) for part in error["loc"]) or "the input")
        given = error.get("input")
        shown = repr(given)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        got = "" if error["type"] == "missing" else f" (got {shown})"
        lines.append(f"{where}: {error['msg']}{got}")
    return "\n".join(lines)
