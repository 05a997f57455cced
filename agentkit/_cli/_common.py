"""What every command shares: the console, the verbose switch, and user-error handling.

A user error (bad argument, missing or malformed file, unknown name) prints one line and exits
with status 2; ``--verbose`` shows the traceback instead.
"""

from __future__ import annotations

import errno
import functools
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import typer

from agentkit._errors import AgentKitError, UsageError, describe_validation_error

if TYPE_CHECKING:
    from pydantic import ValidationError
    from rich.console import Console

    console: Console
    """Where commands print (stdout); rich, no highlighting, long lines never cut."""
    err_console: Console
    """Where errors go (stderr)."""

__all__ = [
    "USER_ERRORS",
    "console",
    "describe",
    "err_console",
    "fail",
    "guard",
    "is_user_error",
    "os_problem",
    "set_verbose",
]


def _console(name: str) -> Console:
    """The console ``name`` (``console`` or ``err_console``), made on first use."""
    made: Console | None = globals().get(name)
    if made is None:
        from rich.console import Console

        made = globals()[name] = Console(
            stderr=name == "err_console", highlight=False, soft_wrap=True
        )
    return made


def __getattr__(name: str) -> Console:
    # rich's console costs a fifth of `agentkit --help`, which prints without it: each console
    # is made on first use (a command's output), then kept as a plain module attribute.
    if name not in ("console", "err_console"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _console(name)


USER_ERRORS: tuple[type[Exception], ...] = (AgentKitError, json.JSONDecodeError)
"""What a person at a terminal can cause and fix: reported in one line, never a traceback.
So are pydantic's ``ValidationError`` and an ``OSError`` on a named path (see
:func:`is_user_error`)."""

# What a file-system error on a path means for the person who named it.
_OS_PROBLEMS = {
    errno.EISDIR: "is a directory, not a file",
    errno.ENOTDIR: "a part of the path is a file, not a directory",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the device",
}

_state = {"verbose": False}
F = TypeVar("F", bound=Callable[..., Any])


def set_verbose(verbose: bool) -> None:
    _state["verbose"] = verbose


def _validation_error(exc: BaseException) -> ValidationError | None:
    """``exc`` if it is pydantic's ``ValidationError``. Only a command that validates imports
    pydantic (about 75 ms, the whole of ``agentkit --help``'s budget): until one has, no such
    error can exist, and none is imported to find that out."""
    pydantic_core = sys.modules.get("pydantic_core")
    if pydantic_core is not None and isinstance(exc, pydantic_core.ValidationError):
        return cast("ValidationError", exc)
    return None


def is_user_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the user's to fix: one of :data:`USER_ERRORS`, a pydantic
    ``ValidationError``, or a file-system error on a path (missing, a directory, no permission);
    any other exception is a bug."""
    return (
        isinstance(exc, USER_ERRORS)
        or _validation_error(exc) is not None
        or (isinstance(exc, OSError) and bool(exc.filename))
    )


def os_problem(exc: OSError) -> str:
    """What a file-system error means, in a few words: ``permission denied``."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    return _OS_PROBLEMS.get(exc.errno or 0) or str(exc.strerror or exc).lower()


def describe(exc: BaseException) -> str:
    """The whole message of a user error: its first line says what went wrong, any further
    lines (a diff, every invalid field) follow. Never cut, never a traceback."""
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"no such file: {exc.filename}"
    if isinstance(exc, OSError) and exc.filename:
        target = f"{exc.filename} -> {exc.filename2}" if exc.filename2 else str(exc.filename)
        return f"{target}: {os_problem(exc)}"
    invalid = _validation_error(exc)
    if invalid is not None:
        return "invalid input:\n" + describe_validation_error(invalid)
    return str(exc).strip() or type(exc).__name__


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` to stderr (lines after the first indented) and exit."""
    from rich.markup import escape

    first, *rest = message.splitlines() or [""]
    err_console = _console("err_console")
    err_console.print(f"[bold red]error:[/] {escape(first)}", markup=True, highlight=False)
    for line in rest:
        err_console.print(f"  {line}", markup=False, highlight=False)
    raise typer.Exit(code)


def guard(function: F) -> F:
    """Turn user errors raised by a command into one line and exit status 2."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            if _state["verbose"] or not is_user_error(exc):
                raise
            first, _, rest = describe(exc).partition("\n")
            hint = "" if isinstance(exc, UsageError) else " (--verbose shows the traceback)"
            fail(first + hint + (f"\n{rest}" if rest else ""))

    return cast(F, run)  # functools.wraps keeps the signature that typer reads
