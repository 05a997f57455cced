"""Several writers, one cassette: every interaction survives; files get the umask's mode; no
temporary file outlives a failed save; every name a save leaves is ignored by git."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import subprocess
import threading
from collections.abc import Callable, Iterator
from multiprocessing.synchronize import Barrier
from pathlib import Path

import httpx2
import pytest

from agentkit._files import lock_path, temporary_path
from agentkit._played import played_path, read_played, write_played
from agentkit.replay import (
    Cassette,
    CassetteFile,
    CassetteFormatError,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    RecordMode,
    load_cassette,
    save_cassette,
    use_cassette,
)

REPO = Path(__file__).resolve().parents[2]


def _interaction(
    question: str, answer: str | None = None
) -> tuple[RecordedRequest, RecordedResponse]:
    request = RecordedRequest(method="POST", path="/ask", body={"q": question})
    return request, RecordedResponse(status=200, body={"answer": answer or f"re: {question}"})


def _questions(path: Path) -> list[str]:
    return [i.request.body["q"] for i in load_cassette(path).interactions]


def _session(path: Path, mode: RecordMode) -> Cassette:
    cassette = Cassette(path, record_mode=mode)
    cassette.load()
    return cassette


def _answer(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(200, json={"answer": json.loads(request.content)["q"]})


def _record_in_a_process(path: str, writer: str, count: int, barrier: Barrier) -> None:
    """Child process: open the cassette, wait until the other writer has too, record, save."""
    with use_cassette(path, mode="new_episodes"):
        barrier.wait(timeout=60)
        with httpx2.Client(transport=httpx2.MockTransport(_answer)) as client:
            for number in range(count):
                client.post("https://model.test/ask", json={"q": f"{writer}-{number}"})


def test_two_processes_recording_into_one_cassette_keep_every_interaction(
    tmp_path: Path,
) -> None:
    """Two processes that both loaded the cassette before either saved: all 40 recordings are
    in the file, each writer's in its own order."""
    path = tmp_path / "shared.json"
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    processes = [
        context.Process(target=_record_in_a_process, args=(str(path), writer, 20, barrier))
        for writer in ("a", "b")
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0, 0]
    questions = _questions(path)
    assert len(questions) == 40
    for writer in ("a", "b"):
        assert [q for q in questions if q.startswith(writer)] == [
            f"{writer}-{n}" for n in range(20)
        ]


def test_a_save_after_another_writers_save_keeps_the_file_then_adds_its_own(
    tmp_path: Path,
) -> None:
    """The merge rule: the file as the other writer left it, then this session's recordings,
    less those the other writer added identically (one copy each)."""
    path = tmp_path / "c.json"
    save_cassette(
        path,
        CassetteFile(
            interactions=[Interaction(request=r, response=s) for r, s in [_interaction("old")]]
        ),
    )
    first, second = _session(path, RecordMode.NEW_EPISODES), _session(path, RecordMode.NEW_EPISODES)
    for question in ("same", "first-only"):
        first.record(*_interaction(question))
    for question in ("second-only", "same"):
        second.record(*_interaction(question))
    second.save()
    first.save()
    assert _questions(path) == ["old", "second-only", "same", "first-only"]
    assert [i.request.body["q"] for i in first.interactions] == _questions(path)


def test_a_lone_writer_writes_exactly_its_session(tmp_path: Path) -> None:
    """No other writer: loaded then recorded, and identical recordings are all kept (the code
    sent the request twice)."""
    path = tmp_path / "c.json"
    session = _session(path, RecordMode.NEW_EPISODES)
    session.record(*_interaction("twice"))
    session.record(*_interaction("twice"))
    session.save()
    assert _questions(path) == ["twice", "twice"]


def test_rewrite_drops_the_old_file_but_keeps_what_others_saved_meanwhile(tmp_path: Path) -> None:
    """Two re-recording sessions started on the same old file: the first drops the old
    interactions, the second keeps the first's recordings and adds its own."""
    path = tmp_path / "c.json"
    save_cassette(
        path,
        CassetteFile(
            interactions=[Interaction(request=r, response=s) for r, s in [_interaction("stale")]]
        ),
    )
    first, second = _session(path, RecordMode.REWRITE), _session(path, RecordMode.REWRITE)
    first.record(*_interaction("a"))
    second.record(*_interaction("b"))
    first.save()
    assert _questions(path) == ["a"]
    second.save()
    assert _questions(path) == ["a", "b"]


def test_a_file_another_writer_made_unreadable_is_left_as_it_is(tmp_path: Path) -> None:
    """If the file changed into something that is not a cassette, the save refuses rather than
    overwrite it."""
    path = tmp_path / "c.json"
    session = _session(path, RecordMode.ONCE)
    session.record(*_interaction("a"))
    path.write_text("not json")
    with pytest.raises(CassetteFormatError, match="not valid JSON"):
        session.save()
    assert path.read_text() == "not json"


INNER = """
import json
import os
import time
from pathlib import Path

import httpx2
import pytest


def answer(request):
    if os.environ.get("PROVIDER") == "down":
        raise AssertionError("the provider was called during replay")
    return httpx2.Response(200, json={"answer": json.loads(request.content)["q"]})


def meet(name):
    # Both tests hold the loaded cassette before either records and saves: a real race.
    if os.environ.get("PROVIDER") == "down":
        return
    Path(f"started-{name}").touch()
    deadline = time.monotonic() + 60
    while not all(Path(f"started-{n}").exists() for n in ("one", "two")):
        assert time.monotonic() < deadline, "the other xdist worker never started"
        time.sleep(0.01)


@pytest.mark.agentkit_cassette("cassettes/shared.json", allow_unplayed=True)
@pytest.mark.parametrize("name", ["one", "two"])
def test_asks(name):
    meet(name)
    with httpx2.Client(transport=httpx2.MockTransport(answer)) as client:
        for number in range(10):
            reply = client.post("https://model.test/ask", json={"q": f"{name}-{number}"})
            assert reply.json()["answer"] == f"{name}-{number}"
"""


def test_two_xdist_workers_recording_into_one_cassette_name_keep_both_tests(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two tests on two xdist workers share a cassette and record at the same time: the file
    holds all 20 interactions, and both tests then replay from it with the provider down."""
    monkeypatch.delenv("AGENTKIT_RECORD_MODE", raising=False)
    monkeypatch.delenv("PROVIDER", raising=False)
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\naddopts = -p no:benchmark\n"
    )
    pytester.makepyfile(test_inner=INNER)
    recorded = pytester.runpytest_subprocess("-n", "2", "--agentkit-record-mode=new_episodes")
    recorded.assert_outcomes(passed=2)
    questions = _questions(pytester.path / "cassettes" / "shared.json")
    assert sorted(questions) == sorted(f"{n}-{i}" for n in ("one", "two") for i in range(10))
    monkeypatch.setenv("PROVIDER", "down")
    pytester.runpytest().assert_outcomes(passed=2)  # in-process: replay needs no second worker


@pytest.fixture
def umask() -> Iterator[Callable[[int], int]]:
    """Set the process umask for one test (``umask(0o077)``), then restore it."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield os.umask
    os.umask(saved)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_cassettes_get_the_mode_the_umask_gives(
    tmp_path: Path, umask: Callable[[int], int], mask: int, mode: int
) -> None:
    """A new cassette (and its .played record) gets 0o666 less the umask, like open()."""
    umask(mask)
    path = tmp_path / "c.json"
    session = _session(path, RecordMode.ONCE)
    session.record(*_interaction("a"))
    session.save()
    write_played(path, [0], 1)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert stat.S_IMODE(played_path(path).stat().st_mode) == mode


def test_an_existing_cassette_keeps_its_mode(tmp_path: Path) -> None:
    """Saving over a file keeps the mode it has, as writing into it with open() would."""
    path = tmp_path / "c.json"
    save_cassette(path, CassetteFile())
    path.chmod(0o640)
    save_cassette(path, CassetteFile())
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize("interrupt", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_save_leaves_no_temporary_file_and_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interrupt: BaseException
) -> None:
    """An exception (KeyboardInterrupt too) while the temporary file is written removes it and
    the lock file; the cassette keeps its previous content."""
    path = tmp_path / "c.json"
    save_cassette(path, CassetteFile())
    before = path.read_bytes()
    session = _session(path, RecordMode.NEW_EPISODES)
    session.record(*_interaction("a"))

    def fail(descriptor: int) -> None:
        raise interrupt

    monkeypatch.setattr("agentkit._files.os.fsync", fail)
    with pytest.raises(type(interrupt)):
        session.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json"]
    assert path.read_bytes() == before


def test_a_save_removes_what_a_killed_writer_left(tmp_path: Path) -> None:
    """Temporary files of the same cassette (this version's and older mkstemp ones) are swept
    by the next save, which holds the lock; other files are not touched."""
    path = tmp_path / "c.json"
    leftovers = [tmp_path / ".c.json.0123456789abcdef.tmp", tmp_path / ".c.json.k3j_x9ab.tmp"]
    kept = [tmp_path / ".c.json.backup", tmp_path / ".other.json.0123456789abcdef.tmp"]
    for file in leftovers + kept:
        file.write_text("x" * 100)
    save_cassette(path, CassetteFile())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["c.json", *(p.name for p in kept)])


def test_concurrent_played_records_never_collide(tmp_path: Path) -> None:
    """Each .played write has its own temporary name: writers racing on one cassette all
    succeed and the record left is one of theirs, whole."""
    path = tmp_path / "c.json"
    errors: list[BaseException] = []

    def write(first: int) -> None:
        try:
            for _ in range(200):
                write_played(path, [first], 2)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    record = read_played(path)
    assert record is not None
    assert record.played in ([0], [1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json.played"]


def test_git_ignores_every_name_a_save_leaves_behind(tmp_path: Path) -> None:
    """Temporary files of cassettes, skill files and .played records, and the lock file, are
    covered by the repository's .gitignore by name."""
    cassette = Path("cassettes/runs/tool.json")
    names = [
        temporary_path(cassette),
        lock_path(cassette),
        temporary_path(played_path(cassette)),
        temporary_path(Path("skills.json")),
        lock_path(Path("skills.json")),
    ]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "--verbose", *map(str, names)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    ignored = [line.split("\t")[-1] for line in result.stdout.splitlines()]
    assert ignored == [str(name) for name in names], result.stderr
    assert all(name.name.endswith((".tmp", ".agentkit-lock")) for name in names)
