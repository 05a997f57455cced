"""agentkit demo: offline replay of the bundled episodes, from the source tree and from a wheel."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from agentkit._record import AGENT_CLASSES

ROOT = Path(__file__).resolve().parents[2]


def _check_output(output: str) -> None:
    for agent_class in AGENT_CLASSES:
        assert f"{agent_class} (balanced, constrained)" in output
    assert "Summary, unconstrained" in output
    assert "Summary, constrained" in output
    assert "Summary" in output
    assert "reward 1" in output
    last = output.strip().splitlines()[-1]
    # The demo ends by saying how much of the acting the model did, and why the rest fell back.
    assert re.fullmatch(
        r"\d+ of \d+ decisions came from the model; model decided \d+% of decisions; "
        r"fallbacks by class: .+",
        last,
    ), last


def test_demo_replays_every_agent_class_offline() -> None:
    """`agentkit demo` exits 0 and shows one episode per agent class, with no key set."""
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_API_BASE"))}
    env["COLUMNS"] = "200"
    result = subprocess.run(
        ["agentkit", "demo"], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    _check_output(result.stdout)


@pytest.mark.skipif(
    not (ROOT / "pyproject.toml").exists(), reason="needs the source tree to build a wheel"
)
def test_demo_runs_from_an_installed_wheel(tmp_path: Path) -> None:
    """The wheel carries the demo cassettes and task sets; installed, the demo runs from anywhere."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(dist)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = dist.glob("agentkit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("agentkit/_data/demo/") and n.endswith(".json") for n in names)
    assert "agentkit/_data/tasks/easy.json" in names
    home = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    # The wheel's dependencies come from the environment running the tests, as a path entry
    # rather than a site directory, so that environment's editable agentkit does not come
    # along. (system_site_packages would give the base interpreter's packages, not these.)
    inner = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    Path(inner, "outer-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": os.environ["PATH"], "COLUMNS": "200", "HOME": str(tmp_path)}
    result = subprocess.run(
        [str(python), "-c", "import agentkit, sys; assert 'site-packages' in agentkit.__file__, agentkit.__file__; "
         "sys.argv = ['agentkit', 'demo']; from agentkit.cli import main; main()"],
        cwd=elsewhere, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    _check_output(result.stdout)
