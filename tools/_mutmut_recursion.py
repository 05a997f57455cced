"""pytest plugin for mutation runs: a deeper recursion limit.

mutmut's trampolines add frames at every level of a recursive function, so a test that walks a
body nested 300 deep (tests/replay/test_bad_values.py) would hit Python's default limit of
1,000 under mutmut only. Loaded with ``-p _mutmut_recursion`` by tools/mutation.py.
"""

from __future__ import annotations

import sys

sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
