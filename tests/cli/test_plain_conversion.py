"""Plain ``str`` / ``Path`` parameters are converted without pydantic, to what typer's own
coercion gives; any other parameter keeps typer's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main

from agentkit._cli._app import PlainConversion
from agentkit.cli import app


def _params() -> dict[str, Any]:
    root: Any = typer.main.get_command(app)
    found = {}
    for group_name, group in root.commands.items():
        for name, command in getattr(group, "commands", {group_name: group}).items():
            for param in command.params:
                found[f"{group_name} {name} {param.name}"] = param
    return found


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("cassettes show path", "a/b.json"),
        ("cassettes verify paths", ("a.json", "dir")),
        ("cassettes import out", Path("cassettes")),
        ("run run model", "gpt-4"),
        ("faults matrix kind", ("read_timeout",)),
        ("cassettes verify paths", None),
    ],
)
def test_a_plain_parameter_converts_as_typer_does(name: str, value: Any) -> None:
    param = _params()[name]
    plain = param._runtime_param
    assert isinstance(plain, PlainConversion)
    ours = plain.coerce(value, param, None)
    param._runtime_param = None  # typer's own, through its pydantic adapter
    try:
        theirs = param.get_runtime_param().coerce(value, param=param, ctx=None)
    finally:
        param._runtime_param = plain
    assert ours == theirs
    assert type(ours) is type(theirs)


@pytest.mark.parametrize("name", ["run run episodes", "run run seed", "faults list markdown"])
def test_other_parameters_keep_typers_coercion(name: str) -> None:
    assert not isinstance(_params()[name]._runtime_param, PlainConversion)
