"""The README's "Test your own agent" files run as written: a newcomer can follow them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
_BLOCK = re.compile(r"<!-- readme: (\S+)\.py -->\n```python\n(.*?)```", re.DOTALL)


def readme_files() -> dict[str, str]:
    """The README's marked Python blocks, by the file name each is marked with."""
    return dict(_BLOCK.findall(README.read_text()))


def test_the_readme_marks_its_files() -> None:
    """Both files of the section are found (the test below would pass on none)."""
    assert sorted(readme_files()) == ["my_desk", "test_my_desk"]


def test_the_readme_tests_pass(pytester: pytest.Pytester) -> None:
    """The domain and its tests, copied from the README, pass under agentkit's plugin."""
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "addopts = -p no:benchmark -p no:randomly\nfilterwarnings = error\n"
    )
    pytester.makepyfile(**readme_files())
    result = pytester.runpytest()
    result.assert_outcomes(passed=3)
