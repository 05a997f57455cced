"""The plugin's default cassette names: one file per test, readable, always a valid file name;
cassettes at the 0.1 names still replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentkit.testing._cassette_fixtures import (
    LegacyCassettePathWarning,
    default_cassette_path,
    legacy_cassette_path,
)

LONG = "x" * 300

SAME_FILE = f"""
import pytest


@pytest.mark.parametrize("v", ["a/b", "a b", "a-b", "{LONG}"], ids=str)
def test_names(v):
    pass


def test_x():
    pass


class TestOuter:
    class TestInner:
        def test_x(self):
            pass


class TestOther:
    class TestInner:
        def test_x(self):
            pass
"""


@pytest.fixture
def items(pytester: pytest.Pytester) -> dict[str, pytest.Item]:
    """The collected tests of a project with two ``test_same.py`` in two folders."""
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\naddopts = -p no:benchmark\n"
    )
    for folder in ("a", "b"):
        (pytester.path / "suite" / folder).mkdir(parents=True)
        (pytester.path / "suite" / folder / "test_same.py").write_text(SAME_FILE)
    collected, _ = pytester.inline_genitems("suite", "--import-mode=importlib")
    return {item.nodeid: item for item in collected}


def test_every_test_gets_its_own_cassette(items: dict[str, pytest.Item]) -> None:
    """Parametrized ids that sanitize alike, same-named files in two folders and nested classes
    of the same name all get distinct files."""
    paths = [default_cassette_path(item) for item in items.values()]
    assert len(items) == 14
    assert len(set(paths)) == len(paths)


def test_names_stay_readable_and_plain_names_are_kept(
    items: dict[str, pytest.Item], pytester: pytest.Pytester
) -> None:
    """A plain name is the file name; the test file's folder is part of the path; an id that
    sanitizing changes keeps its readable form before the hash."""
    root = pytester.path / "cassettes" / "suite"

    def path(nodeid: str) -> Path:
        return default_cassette_path(items[nodeid]).relative_to(root)

    assert path("suite/a/test_same.py::test_x") == Path("a/test_same/test_x.json")
    assert path("suite/b/test_same.py::test_x") == Path("b/test_same/test_x.json")
    assert path("suite/a/test_same.py::TestOuter::TestInner::test_x") == Path(
        "a/test_same/TestOuter.TestInner.test_x.json"
    )
    spaced = path("suite/a/test_same.py::test_names[a b]").name
    assert spaced.startswith("test_names-a-b~")
    assert spaced != path("suite/a/test_same.py::test_names[a-b]").name


def test_a_300_character_id_gives_a_short_valid_file_name(
    items: dict[str, pytest.Item], tmp_path: Path
) -> None:
    """A long id is cut (readable start kept) and hashed; the file can be created."""
    path = default_cassette_path(items[f"suite/a/test_same.py::test_names[{LONG}]"])
    assert path.name.startswith("test_names-" + "x" * 40)
    assert len(path.name.encode()) < 120
    target = tmp_path / path.name
    target.write_text("{}")  # no OSError: File name too long
    assert target.read_text() == "{}"


RECORDING = f"""
import json
import os

import httpx2
import pytest


def answer(request):
    if os.environ.get("PROVIDER") == "down":
        raise AssertionError("the provider was called during replay")
    return httpx2.Response(200, json={{"answer": json.loads(request.content)["q"]}})


@pytest.mark.agentkit_cassette
@pytest.mark.parametrize("v", ["a/b", "a b", "a-b", "{LONG}"], ids=str)
def test_names(v):
    with httpx2.Client(transport=httpx2.MockTransport(answer)) as client:
        assert client.post("https://model.test/ask", json={{"q": v}}).json()["answer"] == v
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("AGENTKIT_RECORD_MODE", raising=False)
    monkeypatch.delenv("PROVIDER", raising=False)
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\naddopts = -p no:benchmark\n"
    )
    return pytester


def test_colliding_ids_record_and_replay_each_their_own(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ids that once shared one cassette (and the 300-character one) each record a file
    holding only their own request, and each replays from it offline."""
    project.makepyfile(test_inner=RECORDING)
    project.runpytest("--agentkit-record-mode=once").assert_outcomes(passed=4)
    files = sorted((project.path / "cassettes" / "test_inner").iterdir())
    assert len(files) == 4
    questions = sorted(
        i["request"]["body"]["q"] for f in files for i in json.loads(f.read_text())["interactions"]
    )
    assert questions == sorted(["a/b", "a b", "a-b", LONG])
    monkeypatch.setenv("PROVIDER", "down")
    project.runpytest().assert_outcomes(passed=4)


LEGACY = """
import httpx2
import pytest


def refuse(request):
    raise AssertionError("the provider was called")


@pytest.mark.agentkit_cassette
@pytest.mark.parametrize("v", ["a b"])
def test_old(v):
    with httpx2.Client(transport=httpx2.MockTransport(refuse)) as client:
        assert client.post("https://model.test/ask", json={"q": v}).json() == {"answer": "old"}
"""


def _legacy_file(project: pytest.Pytester) -> Path:
    """A cassette at the 0.1 name of test_old[a b]: cassettes/test_inner/test_old-a-b.json."""
    legacy = project.path / "cassettes" / "test_inner" / "test_old-a-b.json"
    legacy.parent.mkdir(parents=True)
    interaction = {
        "request": {"method": "POST", "path": "/ask", "body": {"q": "a b"}},
        "response": {"status": 200, "body": {"answer": "old"}},
    }
    legacy.write_text(json.dumps({"version": 1, "interactions": [interaction]}))
    return legacy


def test_a_cassette_at_its_old_name_still_replays_in_place(project: pytest.Pytester) -> None:
    """Replay (mode none) reads the 0.1 file when the current name has none, writing nothing."""
    project.makepyfile(test_inner=LEGACY)
    legacy = _legacy_file(project)
    project.runpytest().assert_outcomes(passed=1)
    assert list(legacy.parent.iterdir()) == [legacy]


def test_new_episodes_copies_the_old_cassette_to_the_new_name(project: pytest.Pytester) -> None:
    """Recording that adds to a cassette starts the new file from the old one's content."""
    project.makepyfile(test_inner=LEGACY)
    legacy = _legacy_file(project)
    project.runpytest("--agentkit-record-mode=new_episodes").assert_outcomes(passed=1)
    (new,) = set(legacy.parent.iterdir()) - {legacy}
    assert new.name.startswith("test_old-a-b~")
    assert json.loads(new.read_text()) == json.loads(legacy.read_text())


def test_the_old_path_rule_is_what_0_1_used(items: dict[str, pytest.Item]) -> None:
    """legacy_cassette_path keeps the 0.1 rule: module stem, innermost class, no hash."""
    item = items["suite/b/test_same.py::TestOther::TestInner::test_x"]
    assert legacy_cassette_path(item).relative_to(item.config.rootpath) == Path(
        "cassettes/test_same/TestInner.test_x.json"
    )


def test_re_recording_writes_the_new_name_and_says_the_old_file_is_unused(
    project: pytest.Pytester,
) -> None:
    """Mode rewrite records to the current name and warns that the 0.1 file is no longer read."""
    project.makepyfile(
        test_inner=LEGACY.replace("refuse", "answer").replace(
            'raise AssertionError("the provider was called")',
            'return httpx2.Response(200, json={"answer": "old"})',
        )
    )
    legacy = _legacy_file(project)
    result = project.runpytest("--agentkit-record-mode=rewrite", "-W", "default")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*{LegacyCassettePathWarning.__name__}*no longer read*"])
    assert len(list(legacy.parent.iterdir())) == 2
