"""The plain (click) help keeps what the rich one showed: every command, option, default and
example line, as written; and typer's pydantic adapter is not built for ``--help``."""

from __future__ import annotations

import inspect
from typing import Any

import typer.main
from typer.testing import CliRunner

from agentkit._cli._app import keep_examples
from agentkit.cli import app


def _leaf_commands() -> list[tuple[list[str], Any]]:
    found: list[tuple[list[str], Any]] = []

    def walk(group: object, prefix: list[str]) -> None:
        for name, command in getattr(group, "commands", {}).items():
            if hasattr(command, "commands"):
                walk(command, [*prefix, name])
            else:
                found.append(([*prefix, name], command))

    walk(typer.main.get_command(app), [])
    return found


def test_every_command_is_listed_in_its_groups_help() -> None:
    runner = CliRunner()
    commands = _leaf_commands()
    assert len(commands) >= 12
    for path, _ in commands:
        *group, name = path
        result = runner.invoke(app, [*group, "--help"])
        assert result.exit_code == 0, result.output
        assert any(line.split()[:1] == [name] for line in result.output.splitlines()), path


def test_example_lines_are_printed_whole() -> None:
    """Each ``agentkit ...`` line of a command's docstring is a line of its help, unwrapped,
    even when longer than the terminal (click would join and rewrap it)."""
    runner = CliRunner()
    checked = 0
    for path, command in _leaf_commands():
        text = inspect.cleandoc(command.callback.__doc__ or "") if command.callback else ""
        examples = [line.strip() for line in text.splitlines()]
        examples = [line for line in examples if line.startswith("agentkit ")]
        output = [
            line.strip() for line in runner.invoke(app, [*path, "--help"]).output.splitlines()
        ]
        for example in examples:
            assert example in output, (path, example)
            checked += 1
    assert checked >= 12


def test_options_and_defaults_are_shown() -> None:
    output = " ".join(CliRunner().invoke(app, ["run", "--help"]).output.split())
    for expected in ("--agent", "[default: tool]", "--episodes", "x>=1", "--min-model-rate"):
        assert expected in output, expected
    output = " ".join(CliRunner().invoke(app, ["cassettes", "import", "--help"]).output.split())
    for expected in ("--out", "[default: cassettes]", "--force"):
        assert expected in output, expected
    output = CliRunner().invoke(app, ["--help"]).output
    assert "-v, --verbose" in output


def test_keep_examples_marks_only_example_paragraphs() -> None:
    marked = keep_examples("Do it.\n\n    agentkit a\n    agentkit b\n\nagentkit c\n\nMore prose.")
    assert marked.split("\n\n") == [
        "Do it.",
        "\b\n    agentkit a\n    agentkit b",
        "\b\nagentkit c",
        "More prose.",
    ]


def test_help_flag_is_a_bool_so_no_adapter_is_built() -> None:
    """typer builds a pydantic TypeAdapter for a parameter whose value is not already a bool:
    the ``--help`` flag must default to False on every group and command."""
    group = typer.main.get_command(app)
    for path, command in [([], group), *_leaf_commands()]:
        option = command.get_help_option(typer.Context(command))
        assert option is not None, path
        assert option.default is False, path
