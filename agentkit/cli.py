"""The ``agentkit`` command: demo, run, record, cassettes, faults.

User errors print one line and exit with status 2; ``--verbose`` shows the traceback.
Importing this module loads typer, rich and the command definitions only: each command imports
what it needs (the runner, replay, the provider SDKs) when it runs, so that ``--help`` is quick.
"""

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
    # The package's own constant, not importlib.metadata (which costs a third of the start-up
    # budget); pyproject.toml takes the distribution's version from the same constant.
    from agentkit._version import __version__

    typer.echo(__version__)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="agentkit")
