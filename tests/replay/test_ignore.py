"""Ignored hosts and routes: passed on unrecorded while recording, answered by a stand-in (or
refused, or passed on) while replaying, and never a reason for the block to fail."""

from __future__ import annotations

import textwrap
from pathlib import Path

import httpx2
import pytest

from agentkit._errors import UsageError
from agentkit.replay import (
    CassetteFile,
    RecordedResponse,
    ReplayMismatchError,
    load_cassette,
    save_cassette,
    use_cassette,
)
from agentkit.replay._ignore import (
    DEFAULT_IGNORE_ROUTES,
    IgnoreRoute,
    find_route,
    ignore_rules,
    parse_route,
)
from tests._model_server import serving

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
TRACES = "https://api.openai.com/v1/traces/ingest"
PRICES = (
    "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
)


def test_route_strings_name_method_host_port_and_path() -> None:
    """The string form reads like a request line; a bare host means any method and path."""
    assert parse_route("POST https://api.openai.com/v1/traces/*") == IgnoreRoute(
        method="POST", host="api.openai.com", path="/v1/traces/*"
    )
    assert parse_route("*.sentry.io") == IgnoreRoute(host="*.sentry.io")
    assert parse_route("get 127.0.0.1:8080/metrics").port == 8080
    with pytest.raises(UsageError, match=r"expected '\[METHOD \]\[scheme://\]host"):
        parse_route("POST /no/host")


def test_rules_match_on_host_method_and_path_globs() -> None:
    """Host globs are case-insensitive, the method must agree, the path glob spans slashes, the
    default port follows the scheme."""
    rules = [parse_route("POST *.example.com/v1/*"), parse_route("GET localhost:8080/metrics")]
    assert find_route(rules, "post", "https://API.example.com/v1/a/b?x=1") is rules[0]
    assert find_route(rules, "GET", "https://api.example.com/v1/a") is None
    assert find_route(rules, "GET", "http://localhost:8080/metrics") is rules[1]
    assert find_route(rules, "GET", "http://localhost/metrics") is None
    assert find_route([parse_route("example.com:443")], "GET", "https://example.com/") is not None


def test_the_default_rules_cover_the_frameworks_telemetry() -> None:
    """openai-agents' trace export and litellm's price list are ignored by default; the price
    list's stand-in is a 404, so litellm keeps its bundled copy without retrying."""
    assert find_route(DEFAULT_IGNORE_ROUTES, "POST", TRACES) is DEFAULT_IGNORE_ROUTES[0]
    prices = find_route(DEFAULT_IGNORE_ROUTES, "GET", PRICES)
    assert prices is DEFAULT_IGNORE_ROUTES[1]
    assert prices.response.status == 404
    assert find_route(DEFAULT_IGNORE_ROUTES, "POST", "https://api.openai.com/v1/responses") is None


def test_recording_passes_ignored_requests_on_without_recording_them(tmp_path: Path) -> None:
    """The ignored route reaches the server while recording; only the model call is stored."""
    path = tmp_path / "c.json"
    with serving() as server:
        with (
            use_cassette(path, mode="once", ignore_routes=["POST 127.0.0.1/telemetry"]) as c,
            httpx2.Client() as client,
        ):
            client.post(f"{server.base_url}/chat/completions", json=CHAT)
            client.post(f"{server.root}/telemetry", json={"event": "start"})
        assert server.hits == ["POST /v1/chat/completions", "POST /telemetry"]
    assert [i.request.path for i in load_cassette(path).interactions] == ["/v1/chat/completions"]
    assert [(i.method, i.action) for i in c.ignored] == [("POST", "pass")]


def test_replay_answers_ignored_requests_with_the_stand_in(tmp_path: Path) -> None:
    """In replay the default stand-in is 204, a rule can give its own, and the server (still
    up) is never asked; the block passes with every recording played."""
    path = tmp_path / "c.json"
    rules = [
        IgnoreRoute(
            host="127.0.0.1",
            path="/flags",
            response=RecordedResponse(status=200, body={"beta": False}),
        ),
        "127.0.0.1/telemetry",
    ]
    with serving() as server:
        with use_cassette(path, mode="once", ignore_routes=rules), httpx2.Client() as client:
            client.post(f"{server.base_url}/chat/completions", json=CHAT)
        with use_cassette(path, ignore_routes=rules) as c, httpx2.Client() as client:
            assert client.post(f"{server.root}/telemetry", json={"t": 1}).status_code == 204
            assert client.get(f"{server.root}/flags").json() == {"beta": False}
            client.post(f"{server.base_url}/chat/completions", json=CHAT)
        assert server.hits == ["POST /v1/chat/completions"]  # the recording only
    assert c.all_played
    assert [i.action for i in c.ignored] == ["answer", "answer"]
    assert c.ignored[0].origin == "thread 'MainThread'"


def test_a_refused_route_raises_the_client_error_and_the_block_passes(tmp_path: Path) -> None:
    """replay="refuse" raises the library's own connection error (so SDK retry and fallback
    code handles it as usual) and fails nothing."""
    path = tmp_path / "c.json"
    rule = IgnoreRoute(host="telemetry.example.com", replay="refuse")
    save_cassette(path, CassetteFile())
    with (
        use_cassette(path, ignore_routes=[rule]) as c,
        httpx2.Client() as client,
        pytest.raises(httpx2.ConnectError, match=r"ignored route \* telemetry\.example\.com/\*"),
    ):
        client.get("https://telemetry.example.com/v1/ping")
    assert [i.action for i in c.ignored] == ["refuse"]


def test_a_passed_route_reaches_a_local_service_in_replay(tmp_path: Path) -> None:
    """replay="pass" is vcrpy's ignore_hosts: the request goes to the real (here loopback)
    server even in mode none, and is not recorded."""
    path = tmp_path / "c.json"
    rule = IgnoreRoute(host="127.0.0.1", path="/health", replay="pass")
    save_cassette(path, CassetteFile())
    with serving() as server:
        with use_cassette(path, ignore_routes=[rule]), httpx2.Client() as client:
            assert client.get(f"{server.root}/health").status_code == 204
        assert server.hits == ["GET /health"]
    assert load_cassette(path).interactions == []


def test_ignore_hosts_covers_every_route_of_a_host(tmp_path: Path) -> None:
    """ignore_hosts takes host globs, like vcrpy's option of the same name."""
    path = tmp_path / "c.json"
    save_cassette(path, CassetteFile())
    with use_cassette(path, ignore_hosts=["*.sentry.io"]) as c, httpx2.Client() as client:
        assert client.post("https://o1.ingest.sentry.io/api/1/envelope/").status_code == 204
    assert c.ignored[0].url == "https://o1.ingest.sentry.io/api/1/envelope/"
    with pytest.raises(UsageError, match="ignore_routes for a method or a path"):
        use_cassette(path, ignore_hosts=["sentry.io/api"])
    with pytest.raises(UsageError, match="wrap it in a list"):
        use_cassette(path, ignore_hosts="sentry.io")


def test_defaults_apply_unless_turned_off_and_yours_come_first(tmp_path: Path) -> None:
    """The tracing export is answered by default; default_ignores=False makes it an ordinary
    (unrecorded) request again, and a rule of your own for the same route wins."""
    path = tmp_path / "c.json"
    save_cassette(path, CassetteFile())
    with use_cassette(path), httpx2.Client() as client:
        assert client.post(TRACES, json={"data": []}).status_code == 204
    mine = IgnoreRoute(
        host="api.openai.com", path="/v1/traces/*", response=RecordedResponse(status=202)
    )
    with use_cassette(path, ignore_routes=[mine]), httpx2.Client() as client:
        assert client.post(TRACES, json={"data": []}).status_code == 202
    with (
        pytest.raises(ReplayMismatchError, match="POST /v1/traces/ingest"),
        use_cassette(path, default_ignores=False),
        httpx2.Client() as client,
    ):
        client.post(TRACES, json={"data": []})


def test_the_plugin_passes_ignore_options_through_its_config(pytester: pytest.Pytester) -> None:
    """agentkit_vcr_config's ignore_routes reach the cassette of every marked test."""
    save_cassette(pytester.path / "cassettes" / "t.json", CassetteFile())
    # pytest-asyncio warns without this setting, and the outer filterwarnings=error applies.
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\naddopts = -p no:benchmark\n"
    )
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def agentkit_vcr_config():
            return {"ignore_routes": ["POST telemetry.example.com/*"], "block_loopback": True}
        """
    )
    pytester.makepyfile(
        textwrap.dedent(
            """
            import httpx2
            import pytest

            @pytest.mark.agentkit_cassette("cassettes/t.json")
            def test_sends_telemetry(agentkit_cassette):
                with httpx2.Client() as client:
                    assert client.post("https://telemetry.example.com/e").status_code == 204
                assert [i.action for i in agentkit_cassette.ignored] == ["answer"]
            """
        )
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_rules_from_config_dicts_are_validated() -> None:
    """A dict of IgnoreRoute fields (as a plugin config may hold) is a rule; a bad one, or a
    value of another type, is a UsageError naming the problem."""
    (rule,) = ignore_rules(
        ignore_routes=[{"host": "x.example.com", "replay": "refuse"}], defaults=False
    )
    assert rule == IgnoreRoute(host="x.example.com", replay="refuse")
    with pytest.raises(UsageError, match=r"replay: Input should be 'answer', 'refuse' or 'pass'"):
        ignore_rules(ignore_routes=[{"host": "x.example.com", "replay": "drop"}])
    with pytest.raises(UsageError, match=r"got 42 \(type=int\)"):
        ignore_rules(ignore_routes=[42])  # type: ignore[list-item]
