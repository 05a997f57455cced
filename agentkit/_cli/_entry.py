"""The ``agentkit`` console script: a re-run that the result cache answers is printed without
typer (``_quick``); every other command goes to the typer app (``agentkit.cli``)."""

import sys

__all__ = ["main"]


def main() -> None:
    """Console-script entry point."""
    from agentkit._cli._quick import answer

    if answer(sys.argv[1:]):
        return
    from agentkit.cli import main as run_app

    run_app()
