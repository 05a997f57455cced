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

from agentkit._errors import AgentKitError, UsageError

__all__ = ["USER_ERRORS", "console", "err_console", "fail", "guard", "set_verbose"]

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


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"no such file: {exc.filename}"
    if isinstance(exc, ValidationError):
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "input"
        return f"invalid {exc.title}: {where}: {first['msg']}"
    text = str(exc).strip()
    return text.replace("\n", " ") if len(text) < 400 else text.splitlines()[0]


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` to stderr and exit."""
    err_console.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
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
            hint = "" if isinstance(exc, UsageError) else " (--verbose shows the traceback)"
            fail(_one_line(exc) + hint)

    return cast(F, run)  # functools.wraps keeps the signature that typer reads
