"""``python -m agentkit`` runs the command."""

from agentkit._cli._entry import main

main()
