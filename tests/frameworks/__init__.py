"""Record and replay through the agent frameworks teams use, against a loopback server."""
