"""The ``agentkit`` command."""

from __future__ import annotations

import typer

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="agentkit: offline agent testing."
)


@app.command()
def version() -> None:
    """Print the installed agentkit version."""
    from importlib.metadata import version as _version

    typer.echo(_version("agentkit"))


def main() -> None:
    app()
