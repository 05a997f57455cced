"""Settings for the framework tests."""

from __future__ import annotations

import os

# litellm downloads its price list at import, and retries from a thread: its bundled copy keeps
# these tests offline (test_litellm's price-list test turns the download back on, in a replay).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
