"""``python -m agentkit`` runs the command."""

from agentkit.cli import main

main()
