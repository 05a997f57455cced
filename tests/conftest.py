"""Suite-wide settings: pytester, and hypothesis profiles (``--hypothesis-profile=deep`` for the
long run)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

from hypothesis import HealthCheck, settings

from agentkit._cli._cache import CACHE_DIR_ENV

# The cassette commands remember their results (agentkit/_cli/_cache.py): in a directory of this
# session's, inherited by the commands the tests start, never the user's cache.
if CACHE_DIR_ENV not in os.environ:
    _cache = os.environ[CACHE_DIR_ENV] = tempfile.mkdtemp(prefix="agentkit-test-cache-")
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)

# The plugin, prompt-drift and xdist tests run inner pytest sessions. agentkit's plugin is loaded
# here, not by its entry point (pyproject: -p no:agentkit), so coverage sees its imports.
pytest_plugins = ["pytester", "agentkit.testing._plugin"]

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("ci")
