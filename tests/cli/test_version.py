"""`agentkit version` prints the installed distribution's version, from the package's constant."""

from __future__ import annotations

from importlib.metadata import version

from typer.testing import CliRunner

import agentkit
from agentkit.cli import app


def test_version_is_the_installed_distributions() -> None:
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == version("agentkit") == agentkit.__version__
