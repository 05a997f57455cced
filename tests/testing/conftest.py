"""pytester drives the plugin tests: each runs an inner pytest session in a temporary directory."""

pytest_plugins = ["pytester"]
