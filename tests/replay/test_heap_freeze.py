"""A loaded cassette sits outside the cyclic collector's scans while it is active, and the
collector gets everything back when the last cassette closes (issue 16: cassette load and
per-request cost at 5,000 interactions)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentkit.replay import (
    CassetteFile,
    CassetteFormatError,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    save_cassette,
    use_cassette,
)


@pytest.fixture(autouse=True)
def _nothing_frozen_before() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()
    assert gc.isenabled()


def _cassette(path: Path) -> Path:
    interaction = Interaction(
        request=RecordedRequest(method="POST", path="/v1/x", body={"n": 1}),
        response=RecordedResponse(status=200, body={"ok": True}),
    )
    save_cassette(path, CassetteFile(interactions=[interaction]))
    return path


def test_the_load_is_frozen_while_active_and_given_back_after(tmp_path: Path) -> None:
    path = _cassette(tmp_path / "c.json")
    with use_cassette(path, mode="none", allow_unplayed=True) as cassette:
        assert gc.get_freeze_count() > 0
        # What was loaded is in the permanent generation: collections do not walk it.
        assert not any(item is cassette.loaded for item in gc.get_objects())
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_nested_cassettes_give_it_back_when_the_last_closes(tmp_path: Path) -> None:
    outer, inner = _cassette(tmp_path / "a.json"), _cassette(tmp_path / "b.json")
    with use_cassette(outer, mode="none", allow_unplayed=True):
        with use_cassette(inner, mode="none", allow_unplayed=True):
            pass
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_a_process_that_froze_objects_itself_keeps_its_freeze(tmp_path: Path) -> None:
    keep = [object() for _ in range(3)], {"a": []}
    gc.freeze()
    before = gc.get_freeze_count()
    assert before > 0
    with use_cassette(_cassette(tmp_path / "c.json"), mode="none", allow_unplayed=True):
        pass
    assert gc.get_freeze_count() >= before
    del keep


def test_a_load_that_fails_holds_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json", encoding="utf-8")
    with pytest.raises(CassetteFormatError):
        use_cassette(broken, mode="none").__enter__()
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
    with use_cassette(_cassette(tmp_path / "c.json"), mode="none", allow_unplayed=True):
        pass
    assert gc.get_freeze_count() == 0


def test_a_collector_paused_by_the_caller_stays_paused(tmp_path: Path) -> None:
    gc.disable()
    try:
        with use_cassette(_cassette(tmp_path / "c.json"), mode="none", allow_unplayed=True):
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
