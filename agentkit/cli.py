"""The ``agentkit`` command: demo, run, record, cassettes, faults.

User errors print one line and exit with status 2; ``--verbose`` shows the traceback.
Importing this module loads typer, rich and the command definitions only: each command imports
what it needs (the runner, replay, the provider SDKs) when it runs, so that ``--help`` is quick.
"""

from __future__ import annotations

from typing import Annotated

import typer

from agentkit._cli import _cassettes, _faults
from agentkit._cli._app import new_app
from agentkit._cli._common import set_verbose
from agentkit._cli._episodes import demo, run
from agentkit._cli._record_cmd import record

__all__ = ["app", "main"]

app = new_app(
    name="agentkit",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Build LLM tool-calling agents and test them offline: replay, faults, property tests.",
)
app.command()(demo)
app.command()(run)
app.command()(record)
app.add_typer(_cassettes.app, name="cassettes")
app.add_typer(_faults.app, name="faults")


@app.callback()
def _options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show tracebacks for errors.")
    ] = False,
) -> None:
    set_verbose(verbose)


@app.command()
def version() -> None:
    """Print the installed agentkit version."""
    from importlib.metadata import version as installed_version  # about 20 ms: only here

    typer.echo(installed_version("agentkit"))


def main() -> None:
    """Console-script entry point."""
    app(prog_name="agentkit")
