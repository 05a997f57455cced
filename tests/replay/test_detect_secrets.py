"""detect-secrets, the pre-commit scanner teams use, finds nothing in agentkit's cassettes:
neither in a fresh recording from a hostile server nor in the shipped ones."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.replay._hostile import hostile_server
from tests.replay.test_hostile import _record

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ["cassettes", "agentkit/_data", "examples/support_desk/cassettes"]

pytestmark = pytest.mark.skipif(
    shutil.which("detect-secrets") is None
    and subprocess.run(
        [sys.executable, "-c", "import detect_secrets"], capture_output=True, check=False
    ).returncode,
    reason="detect-secrets is not installed (pip install detect-secrets)",
)


def _findings(path: Path) -> dict[str, list[dict[str, object]]]:
    out = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan", "--all-files", str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=path if path.is_dir() else path.parent,
    )
    results: dict[str, list[dict[str, object]]] = json.loads(out.stdout)["results"]
    return results


@pytest.mark.parametrize("folder", SHIPPED)
def test_shipped_cassettes_have_no_findings(folder: str) -> None:
    """The shipped cassettes hold no request ids or anything else detect-secrets flags."""
    assert _findings(ROOT / folder) == {}


async def test_a_fresh_hostile_recording_has_no_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cassette recorded from a server planting credentials everywhere is clean."""
    monkeypatch.setenv("MODEL_PROXY_API_KEY", "hostile-proxy-key-7f3a9c2e5b")
    with hostile_server() as server:
        await _record(server, tmp_path / "hostile.json")
    findings = _findings(tmp_path)
    # Query parameters are redacted by name once _vcr.py passes them to Redactor.query.
    assert {name: [f["type"] for f in found] for name, found in findings.items()} == {}
