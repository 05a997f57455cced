"""Importing vcrpy and pytest-recording cassettes: recorded by vcrpy, replayed by agentkit."""

from __future__ import annotations

import gzip
import io
import json
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
import vcr

from agentkit import UsageError
from agentkit.models import Message, ModelAPI, ModelParams, ToolSpec, Usage
from agentkit.replay import (
    ImportProblem,
    Redactor,
    import_vcr_cassette,
    import_vcr_cassettes,
    load_cassette,
    scan_cassette,
    use_cassette,
)
from agentkit.replay._vcr import to_recorded_request
from agentkit.testing import chat_completion

from ._vcr_files import (
    CHAT_URL,
    OPENAI_KEY,
    LoopbackOpenAI,
    chat_request,
    serve,
    stop,
    vcr_interaction,
    write_vcr_cassette,
)

BOOK = ToolSpec(
    name="book",
    description="Book a flight.",
    parameters={"type": "object", "properties": {"flight": {"type": "string"}}},
)
# brotli.compress(b'{"ok": true}'): a body the tests can hold without brotli installed.
BROTLI_OK = bytes.fromhex("8b05807b226f6b223a20747275657d03")


@pytest.fixture
def loopback() -> Iterator[LoopbackOpenAI]:
    """A loopback OpenAI-compatible server, stopped at the end of the test (or before)."""
    yield from serve()


def _answer(prompt: str) -> bytes:
    return json.dumps(chat_completion(content=f"answer: {prompt}")).encode()


async def _converse(api: ModelAPI) -> tuple[Any, ...]:
    plain = await api.chat([Message.user("hello")])
    tool = await api.chat([Message.user("book it")], tools=[BOOK])
    streamed = [event async for event in api.stream([Message.user("stream it")])]
    return plain, tool, streamed


def _sdk_call(base_url: str, api_key: str) -> Any:
    with openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0) as client:
        return client.chat.completions.create(
            model="gpt-4", messages=[{"role": "user", "content": "straight from the SDK"}]
        )


async def test_a_cassette_recorded_by_vcrpy_replays_through_agentkit(
    tmp_path: Path, loopback: LoopbackOpenAI
) -> None:
    """A YAML cassette that vcrpy itself recorded from the openai SDK (gzip body, chunked SSE
    stream, key in the clear) imports redacted and replays through ModelAPI with the server down,
    giving the same normalized responses."""
    source = tmp_path / "vcr" / "conversation.yaml"
    params = ModelParams(name="gpt-4", base_url=loopback.base_url, api_key=OPENAI_KEY)
    with vcr.VCR().use_cassette(str(source)):
        async with ModelAPI(params, environ={}) as api:
            live = await _converse(api)
        live_sdk = _sdk_call(loopback.base_url, OPENAI_KEY)
    assert loopback.hits == 4
    recorded = source.read_text()
    assert "!!binary" in recorded  # vcrpy keeps the gzip-compressed body as it came
    assert OPENAI_KEY in recorded  # and the key in the clear
    stop(loopback)

    report = import_vcr_cassettes([source], tmp_path / "cassettes")

    assert report.ok, report.problems
    assert report.written == [tmp_path / "cassettes" / "conversation.json"]
    imported = report.written[0]
    assert OPENAI_KEY not in imported.read_text()
    assert scan_cassette(imported) == []
    stored = load_cassette(imported).interactions
    assert stored[0].request.headers["authorization"] == "<REDACTED:authorization>"
    assert stored[0].response.headers["set-cookie"] == "<REDACTED:set-cookie>"
    assert stored[0].response.body["choices"][0]["message"]["content"] == "answer: hello"
    assert stored[2].response.events is not None
    assert stored[2].response.events[-1].data == "[DONE]"

    keyless = ModelParams(name="gpt-4", base_url=loopback.base_url)
    async with use_cassette(imported, mode="none") as cassette:
        async with ModelAPI(keyless, environ={}) as api:
            replayed = await _converse(api)
        replayed_sdk = _sdk_call(loopback.base_url, "sk-" + "not-the-recorded-key")
    assert cassette.all_played
    assert replayed == live
    assert replayed_sdk == live_sdk
    plain, tool, streamed = replayed
    assert plain.content == "answer: hello"
    assert tool.tool_calls[0].name == "book"
    assert streamed[-1].content == "streamed: stream it"
    assert streamed[-1].usage == Usage(input_tokens=7, output_tokens=3)
    assert replayed_sdk.choices[0].message.content == "answer: straight from the SDK"


def _compress(encoding: str, raw: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.compress(raw)
    if encoding == "deflate":
        return zlib.compress(raw)
    if encoding == "raw-deflate":
        compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        return compressor.compress(raw) + compressor.flush()
    brotli = pytest.importorskip("brotli")
    compressed: bytes = brotli.compress(raw)
    return compressed


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", "br"])
async def test_compressed_bodies_are_stored_decoded_and_replay(
    tmp_path: Path, encoding: str
) -> None:
    """gzip, deflate (zlib-wrapped or raw) and brotli bodies are decompressed and parsed, the
    content-encoding header dropped, and the cassette replays through ModelAPI."""
    header = "deflate" if encoding == "raw-deflate" else encoding
    source = write_vcr_cassette(
        tmp_path / "compressed.yaml",
        [
            vcr_interaction(
                request_body=chat_request("hi"),
                body=_compress(encoding, _answer("hi")),
                headers={"content-encoding": [header], "content-length": ["99"]},
            )
        ],
    )
    result = import_vcr_cassette(source, tmp_path / "compressed.json")
    assert result.status == "written", result.problems
    (interaction,) = load_cassette(result.destination).interactions
    assert "content-encoding" not in interaction.response.headers
    assert interaction.response.body["choices"][0]["message"]["content"] == "answer: hi"
    async with use_cassette(result.destination, mode="none"):
        reply = await ModelAPI(ModelParams(name="gpt-4"), environ={}).chat([Message.user("hi")])
    assert reply.content == "answer: hi"


def test_brotli_without_a_decoder_is_named_with_the_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without brotli (or brotlicffi) a br body is named as not convertible, with the pip command,
    and the file is not written."""
    monkeypatch.setitem(sys.modules, "brotli", None)
    monkeypatch.setitem(sys.modules, "brotlicffi", None)
    source = write_vcr_cassette(
        tmp_path / "br.yaml",
        [
            vcr_interaction(request_body=chat_request("a"), body=_answer("a")),
            vcr_interaction(
                request_body=chat_request("b"), body=BROTLI_OK, headers={"content-encoding": ["br"]}
            ),
        ],
    )
    result = import_vcr_cassette(source, tmp_path / "br.json")
    assert result.status == "failed"
    (problem,) = result.problems
    assert problem.interaction == 1
    assert "brotli" in problem.reason
    assert "pip install brotli" in problem.reason
    assert not (tmp_path / "br.json").exists()


def test_the_brotli_sample_is_what_brotli_makes() -> None:
    """The canned brotli body decodes to the JSON it stands for (checked where brotli exists)."""
    brotli = pytest.importorskip("brotli")
    assert brotli.decompress(BROTLI_OK) == b'{"ok": true}'


def test_event_streams_become_events(tmp_path: Path) -> None:
    """An SSE body, stored by vcrpy as one text, is split into events as agentkit records them:
    named events kept, JSON data parsed, [DONE] kept as text."""
    stream = (
        'event: message_start\ndata: {"type": "message_start"}\n\n'
        ": keep-alive\n\n"
        'data: {"delta": "hi"}\n\n'
        "data: [DONE]\n\n"
    )
    source = write_vcr_cassette(
        tmp_path / "stream.yaml",
        [
            vcr_interaction(
                request_body=chat_request("hi", stream=True),
                body=stream,
                headers={"content-type": ["text/event-stream; charset=utf-8"]},
            )
        ],
    )
    result = import_vcr_cassette(source, tmp_path / "stream.json")
    assert result.status == "written", result.problems
    events = load_cassette(result.destination).interactions[0].response.events
    assert events is not None
    assert [(e.event, e.data) for e in events] == [
        ("message_start", {"type": "message_start"}),
        (None, {"delta": "hi"}),
        (None, "[DONE]"),
    ]


def test_json_and_yaml_cassettes_convert_alike(tmp_path: Path) -> None:
    """vcrpy's JSON serializer and its YAML one give the same agentkit cassette."""
    interactions = [
        vcr_interaction(request_body=chat_request("hi"), body=_answer("hi")),
        vcr_interaction(
            method="GET", uri="https://api.openai.com/v1/models?limit=2", body='{"data": []}'
        ),
    ]
    as_json = write_vcr_cassette(tmp_path / "c.json", interactions, serializer="json")
    as_yaml = write_vcr_cassette(tmp_path / "c.yaml", interactions)
    assert as_json.read_text().lstrip().startswith("{")
    out_json = import_vcr_cassette(as_json, tmp_path / "out" / "from_json.json")
    out_yaml = import_vcr_cassette(as_yaml, tmp_path / "out" / "from_yaml.json")
    assert out_json.status == out_yaml.status == "written"
    assert out_json.destination.read_text() == out_yaml.destination.read_text()
    models = load_cassette(out_json.destination).interactions[1].request
    assert (models.method, models.path, models.query) == ("GET", "/v1/models", [("limit", "2")])


def test_old_httpx_format_converts(tmp_path: Path) -> None:
    """vcrpy's pre-8 httpx shape (status_code, content, already decoded) converts too."""
    source = tmp_path / "old.yaml"
    source.write_text(
        "interactions:\n"
        "- request:\n"
        "    body: null\n    headers: {}\n    method: GET\n"
        "    uri: https://api.openai.com/v1/models\n"
        "  response:\n"
        "    content: '{\"data\": []}'\n"
        "    headers: {content-encoding: [gzip], content-type: [application/json]}\n"
        "    http_version: HTTP/1.1\n    status_code: 200\n"
        "version: 1\n"
    )
    result = import_vcr_cassette(source, tmp_path / "old.json")
    assert result.status == "written", result.problems
    response = load_cassette(result.destination).interactions[0].response
    assert (response.status, response.body) == (200, {"data": []})


def test_unconvertible_interactions_are_named_and_the_file_is_not_written(tmp_path: Path) -> None:
    """Every interaction that cannot convert is named with its index and reason; its file is not
    written while a good file beside it is."""
    good = write_vcr_cassette(
        tmp_path / "vcr" / "good.yaml",
        [vcr_interaction(request_body=chat_request("hi"), body=_answer("hi"))],
    )
    bad = write_vcr_cassette(
        tmp_path / "vcr" / "bad.yaml",
        [
            vcr_interaction(request_body=chat_request("a"), body=_answer("a")),
            vcr_interaction(
                request_body=chat_request("b"),
                body=b"\x28\xb5\x2f\xfd",
                headers={"content-encoding": ["zstd"]},
            ),
            vcr_interaction(
                request_body=chat_request("c"),
                body=b"not gzip at all",
                headers={"content-encoding": ["gzip"]},
            ),
        ],
    )
    out = tmp_path / "cassettes"
    report = import_vcr_cassettes([tmp_path / "vcr"], out)
    assert not report.ok
    assert report.written == [out / "good.json"]
    assert not (out / "bad.json").exists()
    assert [(p.source, p.interaction) for p in report.problems] == [(bad, 1), (bad, 2)]
    assert "'zstd'" in report.problems[0].reason
    assert "not valid gzip data" in report.problems[1].reason
    assert str(report.problems[1]).startswith(f"{bad}: interaction 2: ")
    assert good.exists()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("interactions: [unclosed\n", "not valid YAML"),
        ("{not json", "not valid JSON"),
        ("- request: {}\n  response: {}\n", "python -m vcr.migration"),
        ('{"some": "other json"}', "not a vcrpy cassette"),
        ("interactions: []\nversion: 2\n", "format version 2"),
        (
            '{"version": 1, "interactions": [{"request": {"method": "GET", "path": "/"}, '
            '"response": {"status": 200}}]}',
            "already an agentkit cassette",
        ),
        ("interactions: [!!python/name:os.system '']\nversion: 1\n", "safe loader refuses"),
    ],
)
def test_files_that_are_not_vcrpy_cassettes_are_named(
    tmp_path: Path, text: str, reason: str
) -> None:
    """A file vcrpy could not have written (or cannot load) is named with the reason, not written."""
    source = tmp_path / "odd.yaml"
    source.write_text(text)
    result = import_vcr_cassette(source, tmp_path / "odd.json")
    assert result.status == "failed"
    (problem,) = result.problems
    assert problem.interaction is None
    assert reason in problem.reason
    assert not (tmp_path / "odd.json").exists()


def test_file_and_iterator_request_bodies_convert_like_live_ones(tmp_path: Path) -> None:
    """Request bodies vcrpy stored as BytesIO, as an iterator or as binary convert to what
    agentkit makes of the same live request: parsed JSON, or a digest for binary uploads."""
    upload = b"\x89PNG\xff"
    source = write_vcr_cassette(
        tmp_path / "bodies.yaml",
        [
            vcr_interaction(request_body=io.BytesIO(b'{"q": 1}'), body="ok"),
            vcr_interaction(request_body=iter([b'{"q": ', b"2}"]), body="ok"),
            vcr_interaction(
                request_body=upload, body="ok", headers={"content-encoding": ["identity"]}
            ),
        ],
    )
    assert "!!python/object/new:_io.BytesIO" in source.read_text()
    result = import_vcr_cassette(source, tmp_path / "bodies.json")
    assert result.status == "written", result.problems
    bodies = [i.request.body for i in load_cassette(result.destination).interactions]
    live = to_recorded_request("POST", CHAT_URL, upload, {}, Redactor())
    assert bodies == [{"q": 1}, {"q": 2}, live.body]
    assert str(live.body).startswith("<binary: 5 bytes, sha256 ")


def test_malformed_interactions_are_named(tmp_path: Path) -> None:
    """Interactions missing vcrpy's fields are named one by one."""
    source = tmp_path / "malformed.json"
    source.write_text(
        json.dumps(
            {
                "version": 1,
                "interactions": [
                    "nonsense",
                    {"request": {"uri": "https://x/"}, "response": {}},
                    {
                        "request": {"method": "GET", "uri": "https://x/", "body": None},
                        "response": {"status": {"code": 200}, "body": {}},
                    },
                    {
                        "request": {"method": "GET", "uri": "https://x/", "body": 7},
                        "response": {"status": {"code": 200}, "body": {"string": ""}},
                    },
                    {"request": {"method": "GET", "uri": "https://x/"}},
                    {
                        "request": {"method": "GET", "uri": "https://x/", "headers": ["a"]},
                        "response": {"status": {"code": 200}, "body": {"string": ""}},
                    },
                    {
                        "request": {"method": "GET", "uri": "https://x/", "headers": {"a": [{}]}},
                        "response": {"status": {"code": 200}, "body": {"string": ""}},
                    },
                    {
                        "request": {"method": "GET", "uri": "https://x/"},
                        "response": {"status": 200, "body": {"string": ""}},
                    },
                ],
            }
        )
    )
    result = import_vcr_cassette(source, tmp_path / "out.json")
    reasons = [(p.interaction, p.reason) for p in result.problems]
    assert [index for index, _ in reasons] == [0, 1, 2, 3, 4, 5, 6, 7]
    assert "not a request/response mapping" in reasons[0][1]
    assert "no valid 'method'" in reasons[1][1]
    assert "no 'string'" in reasons[2][1]
    assert "request body is a int" in reasons[3][1]
    assert "lacks a 'request' or a 'response'" in reasons[4][1]
    assert "request headers are a list" in reasons[5][1]
    assert "header 'a' has a value that is not text" in reasons[6][1]
    assert "no 'status' mapping" in reasons[7][1]
    assert not (tmp_path / "out.json").exists()


def test_a_file_that_is_not_text_is_named(tmp_path: Path) -> None:
    """A binary file among the cassettes is named, not read as one."""
    source = tmp_path / "binary.yaml"
    source.write_bytes(b"\xff\xfe\x00")
    (problem,) = import_vcr_cassette(source, tmp_path / "binary.json").problems
    assert "not UTF-8 text" in problem.reason


def test_planted_secrets_are_redacted(tmp_path: Path) -> None:
    """A bearer key in a header, an api_key field in a body and a key inside response text come
    out redacted, and the result scans clean."""
    key = "sk" + "-live-" + "0123456789abcdefghijklmnop"
    source = write_vcr_cassette(
        tmp_path / "secret.yaml",
        [
            vcr_interaction(
                request_body={**chat_request("hi"), "api_key": key},
                request_headers={"Authorization": f"Bearer {key}", "x-api-key": "short"},
                body=json.dumps(chat_completion(content=f"your key is {key}")),
                headers={"openai-organization": ["org-123"]},
            )
        ],
    )
    result = import_vcr_cassette(source, tmp_path / "secret.json")
    assert result.status == "written", result.problems
    text = result.destination.read_text()
    assert key not in text
    assert "org-123" not in text
    (interaction,) = load_cassette(result.destination).interactions
    assert interaction.request.headers["authorization"] == "<REDACTED:authorization>"
    assert interaction.request.body["api_key"] == "<REDACTED:api_key>"
    assert "<REDACTED:openai-key>" in interaction.response.body["choices"][0]["message"]["content"]
    assert scan_cassette(result.destination) == []


def test_secret_env_values_are_redacted(tmp_path: Path) -> None:
    """The value of a secret environment variable is redacted wherever the cassette holds it."""
    source = write_vcr_cassette(
        tmp_path / "env.yaml",
        [vcr_interaction(request_body=chat_request("token plainvalue-42-xyz"), body=_answer("x"))],
    )
    result = import_vcr_cassette(
        source, tmp_path / "env.json", environ={"MY_SERVICE_TOKEN": "plainvalue-42-xyz"}
    )
    assert result.status == "written", result.problems
    body = load_cassette(result.destination).interactions[0].request.body
    assert body["messages"][0]["content"] == "token <REDACTED:MY_SERVICE_TOKEN>"


def test_a_secret_that_survives_redaction_fails_the_file(tmp_path: Path) -> None:
    """A key the redactor does not replace (here: a JSON object key) is found by the scan, named
    with its interaction, and the file is not written."""
    key = "sk" + "-proj-" + "abcdefghij0123456789klmn"
    source = write_vcr_cassette(
        tmp_path / "leak.yaml",
        [
            vcr_interaction(request_body=chat_request("a"), body=_answer("a")),
            vcr_interaction(request_body=chat_request("b"), body=json.dumps({key: "ok"})),
        ],
    )
    result = import_vcr_cassette(source, tmp_path / "leak.json")
    assert result.status == "failed"
    (problem,) = result.problems
    assert problem.interaction == 1
    assert "survives redaction" in problem.reason
    assert "openai-key" in problem.reason
    assert key not in problem.reason
    assert not (tmp_path / "leak.json").exists()


def test_existing_destinations_need_force(tmp_path: Path) -> None:
    """An existing destination with other content is left alone without force and overwritten
    with it; one that already holds exactly the import is reported unchanged."""
    source = write_vcr_cassette(
        tmp_path / "c.yaml", [vcr_interaction(request_body=chat_request("a"), body=_answer("a"))]
    )
    destination = tmp_path / "c.json"
    destination.write_text("hand-written\n")

    refused = import_vcr_cassette(source, destination)
    assert refused.status == "failed"
    assert "--force" in refused.problems[0].reason
    assert destination.read_text() == "hand-written\n"

    forced = import_vcr_cassette(source, destination, force=True)
    assert forced.status == "written"
    assert len(load_cassette(destination).interactions) == 1

    again = import_vcr_cassette(source, destination)
    assert (again.status, again.problems) == ("unchanged", ())
    assert not list(tmp_path.glob(".*tmp*"))


def test_a_json_cassette_is_not_converted_onto_itself(tmp_path: Path) -> None:
    """Importing a directory into itself refuses the JSON files that would overwrite their source."""
    source = write_vcr_cassette(
        tmp_path / "c.json",
        [vcr_interaction(request_body=chat_request("a"), body=_answer("a"))],
        serializer="json",
    )
    before = source.read_text()
    report = import_vcr_cassettes([tmp_path], tmp_path, force=True)
    assert [p.reason for p in report.problems] == [
        f"the destination {source} is the source itself; choose another --out"
    ]
    assert source.read_text() == before


def test_pytest_recording_layout_maps_to_the_plugin_layout(tmp_path: Path) -> None:
    """tests/cassettes/<module>/<test>.yaml goes to <out>/<module>/<test>.json with the plugin's
    name rule; files outside that layout keep their path below the directory given."""
    root = tmp_path / "tests"
    good = [vcr_interaction(request_body=chat_request("a"), body=_answer("a"))]
    write_vcr_cassette(root / "cassettes" / "test_chat" / "test_hi.yaml", good)
    write_vcr_cassette(root / "cassettes" / "test_chat" / "TestBook.test_x[a b].yaml", good)
    write_vcr_cassette(root / "api" / "cassettes" / "test_api" / "test_list.yml", good)
    write_vcr_cassette(root / "fixtures" / "vcr" / "shared.yaml", good)
    (root / "cassettes" / ".hidden").mkdir()
    (root / "cassettes" / ".hidden" / "skip.yaml").write_text("not a cassette")
    out = tmp_path / "cassettes"

    report = import_vcr_cassettes([root], out)

    assert report.ok, report.problems
    assert sorted(p.relative_to(out).as_posix() for p in report.written) == [
        "fixtures/vcr/shared.json",
        "test_api/test_list.json",
        "test_chat/TestBook.test_x-a-b.json",
        "test_chat/test_hi.json",
    ]


def test_sources_that_map_to_one_destination_are_both_named(tmp_path: Path) -> None:
    """Two vcrpy files bound for the same agentkit cassette are both refused, naming each other."""
    good = [vcr_interaction(request_body=chat_request("a"), body=_answer("a"))]
    first = write_vcr_cassette(tmp_path / "a" / "cassettes" / "test_m" / "test_t.yaml", good)
    second = write_vcr_cassette(tmp_path / "b" / "cassettes" / "test_m" / "test_t.yaml", good)
    report = import_vcr_cassettes([tmp_path / "a", tmp_path / "b"], tmp_path / "out")
    assert report.written == []
    assert [p.source for p in report.problems] == [first, second]
    assert str(second) in report.problems[0].reason
    assert str(first) in report.problems[1].reason
    assert not (tmp_path / "out").exists()


def test_a_pytest_recording_cassette_replays_under_the_plugin(pytester: pytest.Pytester) -> None:
    """A cassette in pytest-recording's layout, imported with the default --out from the
    rootdir, is found by @pytest.mark.agentkit_cassette for the same test and replays offline."""
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\naddopts = -p no:benchmark\n"
    )
    pytester.makepyfile(
        test_inner="""
import httpx2
import pytest


def refuse(request):
    raise AssertionError("the provider was reached: the cassette did not answer")


def ask(question):
    client = httpx2.Client(transport=httpx2.MockTransport(refuse))
    return client.post("https://model.test/ask", json={"q": question}).json()["answer"]


@pytest.mark.agentkit_cassette
def test_ask():
    assert ask("hello") == "recorded hello"


class TestBook:
    @pytest.mark.agentkit_cassette
    @pytest.mark.parametrize("question", ["a b"])
    def test_param(self, question):
        assert ask(question) == "recorded a b"
"""
    )
    cassettes = pytester.path / "tests" / "cassettes" / "test_inner"
    for name, question in [("test_ask", "hello"), ("TestBook.test_param[a b]", "a b")]:
        write_vcr_cassette(
            cassettes / f"{name}.yaml",
            [
                vcr_interaction(
                    uri="https://model.test/ask",
                    request_body={"q": question},
                    body=json.dumps({"answer": f"recorded {question}"}),
                )
            ],
        )
    report = import_vcr_cassettes([pytester.path / "tests"], pytester.path / "cassettes")
    assert report.ok, report.problems
    pytester.runpytest("test_inner.py").assert_outcomes(passed=2)


def test_missing_sources_and_empty_directories_are_usage_errors(tmp_path: Path) -> None:
    """A source that does not exist, or a directory without cassettes, raises at once."""
    with pytest.raises(FileNotFoundError):
        import_vcr_cassettes([tmp_path / "nope"], tmp_path / "out")
    with pytest.raises(FileNotFoundError):
        import_vcr_cassette(tmp_path / "nope.yaml", tmp_path / "out.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match=r"no vcrpy cassettes \(\*\.yaml"):
        import_vcr_cassettes([tmp_path / "empty"], tmp_path / "out")


def test_problems_print_their_place() -> None:
    """A problem reads file, interaction, reason; a file-level one omits the interaction."""
    assert str(ImportProblem(source=Path("a.yaml"), interaction=3, reason="why")) == (
        "a.yaml: interaction 3: why"
    )
    assert str(ImportProblem(source=Path("a.yaml"), reason="why")) == "a.yaml: why"
