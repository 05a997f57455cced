"""The pieces of the ``agentkit`` command; ``agentkit.cli`` assembles them."""
