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


LINE_BASED = (".json", ".jinja")
"""Files detect-secrets scans line by line, each line on its own: it transforms only YAML and
config (ini) files as a whole, and looks at a line's neighbours only for its ``pragma:
allowlist nextline`` comment."""


def _distinct_line_findings(folder: Path, scratch: Path) -> dict[str, list[str]]:
    """detect-secrets' findings in ``folder`` (file -> secret types), found by scanning each
    distinct line of its line-based files once.

    The shipped cassettes repeat most of their text (the system prompt, the tool schemas, the
    history so far in every request): 123,000 lines, of which 1,900 differ. A line's findings
    depend on nothing but the line and its file's extension, so a finding anywhere is a finding
    in the distinct lines: when they are clean, so is every file, known in a sixtieth of the
    time. When they are not, the folder is scanned as it is, for the exact files and lines (one
    file of distinct lines reports a secret once, at its first line). Files of other kinds, and
    a folder with an allowlist comment anywhere, are scanned as they are.
    """
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    distinct: dict[str, dict[str, None]] = {suffix: {} for suffix in LINE_BASED}
    whole = False
    for path in files:
        text = path.read_text(errors="replace")
        if "allowlist" in text or path.suffix not in distinct:
            whole = True
            break
        distinct[path.suffix].update(dict.fromkeys(text.splitlines()))
    if not whole:
        for suffix, lines in distinct.items():
            (scratch / f"distinct{suffix}").write_text("\n".join(lines) + "\n")
        if not _findings(scratch):
            return {}
    return {name: [str(f["type"]) for f in found] for name, found in _findings(folder).items()}


@pytest.mark.parametrize("folder", SHIPPED)
def test_shipped_cassettes_have_no_findings(folder: str, tmp_path: Path) -> None:
    """The shipped cassettes hold no request ids or anything else detect-secrets flags."""
    assert _distinct_line_findings(ROOT / folder, tmp_path) == {}


def test_a_planted_key_is_found_in_the_file_that_holds_it(tmp_path: Path) -> None:
    """Scanning distinct lines still names each file a finding is in (the same key in two
    files, and a file of another kind, included)."""
    folder = tmp_path / "cassettes"
    (folder / "sub").mkdir(parents=True)
    key = "AKIA" + "ZQ3X7MBN4RTY2WPL"
    shipped = (ROOT / "cassettes").rglob("*.json")
    text = next(iter(shipped)).read_text()
    (folder / "clean.json").write_text(text)
    (folder / "a.json").write_text(text.replace('"version": 1', f'"version": 1, "k": "{key}"'))
    (folder / "sub" / "b.json").write_text(f'{{"k": "{key}"}}\n')
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    found = _distinct_line_findings(folder, scratch)
    assert set(found) == {"a.json", "sub/b.json"}
    assert all("AWS Access Key" in types for types in found.values())
    (folder / "a.json").write_text(text)
    (folder / "sub" / "b.json").unlink()
    (folder / "notes.txt").write_text(f"aws = {key}\n")
    assert _distinct_line_findings(folder, tmp_path / "scratch") == {
        "notes.txt": ["AWS Access Key"]
    }


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
