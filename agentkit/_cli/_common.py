"""What every command shares: the console, the verbose switch, and user-error handling.

A user error (bad argument, missing or malformed file, unknown name) prints one line and exits
with status 2; ``--verbose`` shows the traceback instead.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar, cast

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from agentkit._errors import AgentKitError, UsageError, describe_validation_error

__all__ = ["USER_ERRORS", "console", "describe", "err_console", "fail", "guard", "set_verbose"]

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

USER_ERRORS = (
    AgentKitError,
    FileNotFoundError,
    IsADirectoryError,
    json.JSONDecodeError,
    ValidationError,
)
"""What a person at a terminal can cause and fix: reported in one line, never a traceback."""

_state = {"verbose": False}
F = TypeVar("F", bound=Callable[..., Any])


def set_verbose(verbose: bool) -> None:
    _state["verbose"] = verbose


def describe(exc: BaseException) -> str:
    """The whole message of a user error: its first line says what went wrong, any further
    lines (a diff, every invalid field) follow. Never cut, never a traceback."""
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"no such file: {exc.filename}"
    if isinstance(exc, ValidationError):
        return "invalid input:\n" + describe_validation_error(exc)
    return str(exc).strip() or type(exc).__name__


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` to stderr (lines after the first indented) and exit."""
    first, *rest = message.splitlines() or [""]
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
        except USER_ERRORS as exc:
            if _state["verbose"]:
                raise
            first, _, rest = describe(exc).partition("\n")
            hint = "" if isinstance(exc, UsageError) else " (--verbose shows the traceback)"
            fail(first + hint + (f"\n{rest}" if rest else ""))

    return cast(F, run)  # functools.wraps keeps the signature that typer reads
