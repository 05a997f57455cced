"""One value a cassette cannot hold loses nothing else, and every file agentkit writes loads."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pydantic_core
import pytest

from agentkit.replay import CassetteFormatError, load_cassette, use_cassette
from agentkit.replay._format import MAX_NESTING, UnsavableInteractionsError

BODY_DEPTH = MAX_NESTING - 4  # file, interactions, interaction, response
EVENT_DEPTH = MAX_NESTING - 6  # ... events, event


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _record(path: Path, bodies: dict[str, bytes], content_type: str = "application/json") -> None:
    """Record one POST per entry of ``bodies``, each answered with that body."""

    def answer(request: httpx2.Request) -> httpx2.Response:
        body = bodies[json.loads(request.content)["q"]]
        return httpx2.Response(200, content=body, headers={"content-type": content_type})

    with (
        use_cassette(path, mode="once"),
        httpx2.Client(transport=httpx2.MockTransport(answer)) as client,
    ):
        for question in bodies:
            client.post("https://model.test/v1/ask", json={"q": question})


def _questions(path: Path) -> list[str]:
    return [i.request.body["q"] for i in load_cassette(path).interactions]


def test_the_nesting_limit_is_the_loaders() -> None:
    """MAX_NESTING is exactly what pydantic-core's parser (the loader) accepts."""
    pydantic_core.from_json(_nested(MAX_NESTING))
    with pytest.raises(ValueError, match="recursion limit"):
        pydantic_core.from_json(_nested(MAX_NESTING + 1))


def test_a_lone_surrogate_loses_only_its_own_interaction(tmp_path: Path) -> None:
    """A response holding a lone surrogate is refused by name (index, method, path, problem);
    the interactions before and after it are saved and load."""
    path = tmp_path / "c.json"
    bodies = {"a": b'{"t": "fine"}', "b": b'{"t": "half \\ud83d emoji"}', "c": b'{"t": "ok"}'}
    with pytest.raises(UnsavableInteractionsError) as caught:
        _record(path, bodies)
    message = str(caught.value)
    assert "cassette.recorded[1] (POST /v1/ask): its response body holds a lone UTF-16" in message
    assert "'\\ud83d'" in message
    assert [index for index, _, _ in caught.value.problems] == [1]
    assert _questions(path) == ["a", "c"]


@pytest.mark.parametrize("depth", [BODY_DEPTH + 1, 300])
def test_a_body_nested_too_deep_is_refused_and_the_rest_saved(tmp_path: Path, depth: int) -> None:
    """One level past the loader's limit (and far past it, where the serializer itself gives
    up) is refused naming the depth and the limit; the other interaction is saved."""
    path = tmp_path / "c.json"
    with pytest.raises(UnsavableInteractionsError) as caught:
        _record(path, {"deep": _nested(depth).encode(), "flat": b'{"x": 1}'})
    assert (
        f"cassette.recorded[0] (POST /v1/ask): its response body nests {depth} levels deep, "
        f"and a cassette file loads at most {MAX_NESTING} levels in all, which leaves "
        f"{BODY_DEPTH} for it"
    ) in str(caught.value)
    assert _questions(path) == ["flat"]


def test_a_body_at_the_limit_is_saved_and_loads(tmp_path: Path) -> None:
    """The deepest body save accepts is one the loader reads back, unchanged."""
    path = tmp_path / "c.json"
    _record(path, {"deep": _nested(BODY_DEPTH).encode()})
    (interaction,) = load_cassette(path).interactions
    assert json.dumps(interaction.response.body, separators=(",", ":")) == _nested(BODY_DEPTH)


def test_event_data_too_deep_is_refused_with_its_own_limit(tmp_path: Path) -> None:
    """An event's data sits deeper in the file than a body: its limit says so."""
    path = tmp_path / "c.json"
    stream = f"data: {_nested(EVENT_DEPTH + 1)}\n\n".encode()
    with pytest.raises(UnsavableInteractionsError, match=f"which leaves {EVENT_DEPTH} for it"):
        _record(path, {"s": stream}, content_type="text/event-stream")
    assert not path.exists()


def _write(path: Path, response: dict[str, object]) -> Path:
    interaction = {"request": {"method": "POST", "path": "/v1/chat"}, "response": response}
    good = {"request": {"method": "GET", "path": "/ok"}, "response": {"status": 200}}
    path.write_text(json.dumps({"version": 1, "interactions": [good, interaction]}))
    return path


@pytest.mark.parametrize(
    ("response", "problem"),
    [
        ({"status": 200, "body_base64": "not*base64"}, "body_base64 is not valid base64"),
        (
            {"status": 200, "body": {"a": 1}, "events": [{"data": "x"}]},
            "it has both body and events",
        ),
        ({"status": 200, "body": "x", "body_base64": "eA=="}, "both body_base64 and body"),
    ],
)
def test_loading_refuses_a_response_replay_could_not_play(
    tmp_path: Path, response: dict[str, object], problem: str
) -> None:
    """An undecodable body_base64, or two bodies in one response, is a CassetteFormatError on
    one line naming the file, the interaction and the problem."""
    path = _write(tmp_path / "bad.json", response)
    with pytest.raises(CassetteFormatError) as caught:
        load_cassette(path)
    message = str(caught.value)
    assert str(path) in message
    assert "interaction 1 (POST /v1/chat): " in message
    assert problem in message
    assert "\n" not in message


def test_valid_base64_and_events_alone_still_load(tmp_path: Path) -> None:
    """The checks refuse only the broken cases."""
    path = _write(tmp_path / "ok.json", {"status": 200, "body_base64": "AAEC"})
    assert load_cassette(path).interactions[1].response.body_base64 == "AAEC"
    path = _write(tmp_path / "sse.json", {"status": 200, "events": [{"data": "x"}]})
    assert load_cassette(path).interactions[1].response.events is not None
