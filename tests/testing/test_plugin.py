"""End-to-end tests of agentkit's pytest plugin (cassette fixtures, marker, record modes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# The inner suite's fake provider: answers /ask with the posted question, or fails when
# PROVIDER=down, which proves a passing replay never reached it.
INNER = """
import os

import httpx2
import pytest


def handler(request):
    if os.environ.get("PROVIDER") == "down":
        raise AssertionError("provider reached during replay")
    return httpx2.Response(200, json={"answer": request.content.decode()})


def ask(question):
    client = httpx2.Client(transport=httpx2.MockTransport(handler))
    return client.post("https://model.test/ask", json={"q": question}).json()["answer"]


@pytest.mark.agentkit_cassette
def test_ask():
    assert "hello" in ask("hello")
"""


@pytest.fixture(autouse=True)
def _inner_setup(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each inner session starts with the provider up and no record mode from the environment."""
    monkeypatch.delenv("AGENTKIT_RECORD_MODE", raising=False)
    monkeypatch.delenv("PROVIDER", raising=False)
    # pytest-asyncio warns without this setting, and the outer filterwarnings=error applies;
    # pytest-benchmark (when installed) warns inside an xdist worker for the same reason.
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\naddopts = -p no:benchmark\n"
    )


def _cassette(pytester: pytest.Pytester, name: str = "test_ask") -> Path:
    return pytester.path / "cassettes" / "test_inner" / f"{name}.json"


def _questions(path: Path) -> list[str]:
    return [i["request"]["body"]["q"] for i in json.loads(path.read_text())["interactions"]]


def test_marker_records_once_then_replays_offline(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--agentkit-record-mode=once records the marked test; the default mode replays it offline."""
    pytester.makepyfile(test_inner=INNER)
    pytester.runpytest("--agentkit-record-mode=once").assert_outcomes(passed=1)
    assert _questions(_cassette(pytester)) == ["hello"]
    monkeypatch.setenv("PROVIDER", "down")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)


def test_default_mode_none_fails_without_cassette(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a recording, mode none fails at entry naming the file and the exact command that
    records it; running that command leaves a cassette the next plain replay accepts."""
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*CassetteNotFoundError*test_ask.json does not exist*To record it, run: "
            "python -m pytest --agentkit-record-mode=rewrite test_inner.py::test_ask"
        ]
    )
    assert not _cassette(pytester).exists()
    rewrite = pytester.runpytest("--agentkit-record-mode=rewrite", "test_inner.py::test_ask")
    rewrite.assert_outcomes(passed=1)
    monkeypatch.setenv("PROVIDER", "down")
    pytester.runpytest().assert_outcomes(passed=1)


def test_environment_variable_sets_the_mode(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AGENTKIT_RECORD_MODE records like the option does, and the option overrides it."""
    pytester.makepyfile(test_inner=INNER)
    monkeypatch.setenv("AGENTKIT_RECORD_MODE", "once")
    pytester.runpytest().assert_outcomes(passed=1)
    assert _cassette(pytester).exists()
    _cassette(pytester).unlink()
    pytester.runpytest("--agentkit-record-mode=none").assert_outcomes(errors=1)
    assert not _cassette(pytester).exists()


def test_invalid_environment_mode_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong AGENTKIT_RECORD_MODE stops the session with the accepted values."""
    pytester.makepyfile(test_inner=INNER)
    monkeypatch.setenv("AGENTKIT_RECORD_MODE", "sometimes")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*'sometimes' is not a record mode*new_episodes*"])


def test_new_episodes_appends_and_all_rewrites(pytester: pytest.Pytester) -> None:
    """new_episodes keeps old recordings and adds new ones; all keeps only the new ones."""
    pytester.makepyfile(test_inner=INNER.replace('ask("hello")', 'ask("hello") + ask("again")'))
    pytester.runpytest("--agentkit-record-mode=once").assert_outcomes(passed=1)
    pytester.makepyfile(
        test_inner=INNER.replace('ask("hello")', 'ask("hello") + ask("again") + ask("more")')
    )
    pytester.runpytest("--agentkit-record-mode=new_episodes").assert_outcomes(passed=1)
    assert _questions(_cassette(pytester)) == ["hello", "again", "more"]
    pytester.makepyfile(test_inner=INNER.replace('ask("hello")', 'ask("hello again")'))
    pytester.runpytest("--agentkit-record-mode=all").assert_outcomes(passed=1)
    assert _questions(_cassette(pytester)) == ["hello again"]


def test_new_episodes_after_a_change_says_the_cassette_is_stale(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """new_episodes after an intended prompt change fails naming the stale interactions and
    the rewrite command; following it, the next plain replay passes."""
    pytester.makepyfile(test_inner=INNER)
    pytester.runpytest("--agentkit-record-mode=once").assert_outcomes(passed=1)
    pytester.makepyfile(test_inner=INNER.replace('ask("hello")', 'ask("hello again")'))
    result = pytester.runpytest("--agentkit-record-mode=new_episodes")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*UnplayedInteractionsError*recorded in mode 'new_episodes' but 1 of its 1 earlier*",
            "*To record it, run: python -m pytest --agentkit-record-mode=rewrite "
            "test_inner.py::test_ask",
        ]
    )
    rewrite = pytester.runpytest("--agentkit-record-mode=rewrite", "test_inner.py::test_ask")
    rewrite.assert_outcomes(passed=1)
    assert _questions(_cassette(pytester)) == ["hello again"]
    monkeypatch.setenv("PROVIDER", "down")
    pytester.runpytest().assert_outcomes(passed=1)


SWALLOWING = INNER.replace(
    'def test_ask():\n    assert "hello" in ask("hello")',
    "def test_ask():\n"
    "    try:\n"
    "        answer = ask(os.environ.get('QUESTION', 'hello'))\n"
    "    except Exception:\n"
    "        answer = 'fallback'\n"
    "    assert answer == os.environ.get('EXPECTED', answer)\n",
)


def test_a_swallowed_mismatch_leads_the_failure_report(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When code swallows a replay mismatch and the test then fails on an assertion, the report
    shows the mismatch and its diff first, then the assertion."""
    assert SWALLOWING != INNER
    pytester.makepyfile(test_inner=SWALLOWING)
    pytester.runpytest("--agentkit-record-mode=once").assert_outcomes(passed=1)
    monkeypatch.setenv("QUESTION", "goodbye")
    monkeypatch.setenv("EXPECTED", "snapshot-of-hello")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    mismatch = output.index("Replay mismatch in cassette")
    assertion = output.index("AssertionError: assert 'fallback' == 'snapshot-of-hello'")
    assert mismatch < assertion
    assert "'hello' -> 'goodbye'" in output[mismatch:assertion]
    assert "the failure above follows from it" in output


def test_unused_interactions_fail_the_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replayed test that no longer makes a recorded request errors at teardown."""
    pytester.makepyfile(test_inner=INNER.replace('ask("hello")', 'ask("hello") + ask("bye")'))
    pytester.runpytest("--agentkit-record-mode=once").assert_outcomes(passed=1)
    pytester.makepyfile(test_inner=INNER)
    monkeypatch.setenv("PROVIDER", "down")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*UnplayedInteractionsError*1 of 2 recorded interactions*"])


def test_fixture_without_marker_and_config_override(pytester: pytest.Pytester) -> None:
    """The fixture works unmarked, and agentkit_vcr_config options apply to every cassette."""
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def agentkit_vcr_config():
            return {"mode": "new_episodes", "ignore_paths": ["nonce"]}
        """
    )
    pytester.makepyfile(
        test_inner=INNER
        + """

def test_fixture(agentkit_cassette, request):
    client = httpx2.Client(transport=httpx2.MockTransport(handler))
    nonce = os.environ.get("NONCE", "1")
    client.post("https://model.test/ask", json={"q": "x", "nonce": nonce})
    expected = request.config.rootpath / "cassettes" / "test_inner" / "test_fixture.json"
    assert agentkit_cassette.path == expected
    assert agentkit_cassette.record_mode.value == "new_episodes"
"""
    )
    pytester.runpytest().assert_outcomes(passed=2)
    assert len(_questions(_cassette(pytester, "test_fixture"))) == 1
    # A different nonce is ignored by matching, so nothing new is recorded.
    pytester.runpytest("-k", "test_fixture").assert_outcomes(passed=1)
    assert len(_questions(_cassette(pytester, "test_fixture"))) == 1


def test_marker_path_and_parametrized_names(pytester: pytest.Pytester) -> None:
    """A marker path is used as given; parametrized ids become portable file names, made
    distinct by a hash of the exact id (see tests/testing/test_cassette_names.py)."""
    pytester.makepyfile(
        test_inner=INNER
        + """

@pytest.mark.agentkit_cassette("custom/named.json", mode="once")
def test_named():
    ask("named")


@pytest.mark.agentkit_cassette(mode="once")
@pytest.mark.parametrize("city", ["New York/JFK", "Paris"])
def test_city(city):
    ask(city)


class TestGroup:
    @pytest.mark.agentkit_cassette(mode="once")
    def test_in_class(self):
        ask("class")
"""
    )
    pytester.runpytest("-k", "not test_ask").assert_outcomes(passed=4)
    assert _questions(pytester.path / "custom" / "named.json") == ["named"]
    assert _questions(_cassette(pytester, "test_city-New-York-JFK~c818608813")) == ["New York/JFK"]
    assert _questions(_cassette(pytester, "test_city-Paris~da78dd3f03")) == ["Paris"]
    assert _questions(_cassette(pytester, "TestGroup.test_in_class")) == ["class"]


def test_marker_arguments_are_validated(pytester: pytest.Pytester) -> None:
    """Unknown marker options fail the test with the accepted option names."""
    pytester.makepyfile(
        test_inner="""
        import pytest

        @pytest.mark.agentkit_cassette(mdoe="once")
        def test_typo():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*UsageError*unknown option(s)*mdoe*"])


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    """The marker is declared, so --strict-markers accepts it and --markers documents it."""
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.agentkit_cassette(path=None, **options):*"])


def test_runs_under_xdist(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under -n 2 every test records its own cassette, and all replay offline."""
    tests = "\n".join(
        f"@pytest.mark.agentkit_cassette\ndef test_q{i}():\n    assert ask('q{i}')\n"
        for i in range(6)
    )
    pytester.makepyfile(test_inner=INNER + "\n" + tests)
    # xdist workers load the plugin from its entry point; pytest-benchmark (if installed) warns
    # under xdist, which the outer filterwarnings=error would turn into an internal error.
    args = ("-n", "2", "-p", "no:benchmark")
    result = pytester.runpytest(*args, "--agentkit-record-mode=once")
    result.assert_outcomes(passed=7)
    for i in range(6):
        assert _questions(_cassette(pytester, f"test_q{i}")) == [f"q{i}"]
    monkeypatch.setenv("PROVIDER", "down")
    pytester.runpytest(*args).assert_outcomes(passed=7)


def test_live_marker_still_skips_without_run_live(pytester: pytest.Pytester) -> None:
    """The existing live marker keeps working next to the cassette options."""
    pytester.makepyfile(
        test_inner="""
        import pytest

        @pytest.mark.live
        def test_live():
            pass
        """
    )
    pytester.runpytest().assert_outcomes(skipped=1)
    pytester.runpytest("--run-live").assert_outcomes(passed=1)
