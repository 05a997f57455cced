"""The redaction rules one by one: each name, shape and placeholder, pinned exactly.

These are the rules every promise that a credential never reaches a file, an error, a record or a
snapshot rests on; tools/mutation.py checks that changing any of them makes a test here fail.
Key-shaped literals are assembled, so the test file itself holds none.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest

from agentkit._redaction import (
    Redactor,
    default_redactor,
    find_keys,
    is_sensitive_field,
    is_sensitive_header,
    is_sensitive_query,
    is_volatile_header,
    is_volatile_id_header,
    redact,
    secret_env_names,
)
from agentkit.replay import load_cassette, use_cassette

TOKEN = "abcdefghijklmnop1234"  # 20 characters, with digits: a key-parameter value
BEARER = "Bearer " + "abcdefghijklm" + "nopqrstuvwxyz"  # assembled: no credential-shaped literal
PLANTED = "planted-secret-value-0123456789"
OTHER = "other-value-1"
URL_LOGIN = "admin" + ":" + "hunter2"
BASIC_UNPADDED = "dXM6cHc"  # base64 of "us:pw" without its "=" padding
PEM_BODY = "MIIB" + "A" * 60 + "\n"
PRIVATE_KEY = (
    "-----BEGIN " + "RSA PRIVATE KEY-----\n" + PEM_BODY + "-----END " + "RSA PRIVATE KEY-----"
)
AWS_40 = "abcd/1234+" * 4  # 40 characters
STRIPE = "sk" + "_live_" + "abcd1234" * 3


@pytest.fixture(autouse=True)
def _fresh_name_rules() -> None:
    """The name rules are memoised; every test asks them anew, so it checks the rule itself and
    not an answer remembered from an earlier test."""
    for rule in (is_sensitive_field, is_sensitive_header, is_volatile_header):
        rule.cache_clear()


def _plain() -> Redactor:
    return Redactor(environ={})


# --- credential shapes in text ------------------------------------------------------------


def test_a_url_keeps_all_but_its_user_and_password() -> None:
    """Only ``user:password`` goes, replaced by the colon-free placeholder."""
    assert _plain().text(f"dsn https://{URL_LOGIN}@db.example.com/x") == (
        "dsn https://<REDACTED>@db.example.com/x"
    )


def test_an_aws_secret_is_replaced_and_its_label_kept() -> None:
    """The 40-character secret goes; ``aws_secret_access_key=`` stays, at the start of text too."""
    text = f"aws_secret_access_key={AWS_40}"
    assert _plain().text(text) == "aws_secret_access_key=<REDACTED:aws-secret-key>"
    assert find_keys(text) == [(22, 62, "aws-secret-key")]


def test_a_stripe_key_at_the_start_of_the_text_is_replaced() -> None:
    """The ``k_live_`` hint sits one character into the key: a key at offset 0 is still found."""
    assert _plain().text(f"{STRIPE} is live") == "<REDACTED:stripe-key> is live"


def test_bearer_tokens_in_any_case_and_not_inside_other_words() -> None:
    """``Bearer``/``bearer``/``BEARER`` tokens go; ``swearer <long word>`` is prose."""
    token = "abcdefghijklmnopqrstuvwxyz"
    assert _plain().text(f"Bearer {token}, bearer {token}, BEARER {token}") == (
        "<REDACTED:bearer-token>, <REDACTED:bearer-token>, <REDACTED:bearer-token>"
    )
    prose = f"a swearer {token}"
    assert _plain().text(prose) is prose


def test_every_bearer_token_is_found_not_only_the_first_or_last() -> None:
    """Of three ``bearer`` words only the middle one carries a token; it is the one replaced."""
    text = f"bearer: none. {BEARER} then bearer"
    assert _plain().text(text) == "bearer: none. <REDACTED:bearer-token> then bearer"
    assert _plain().text(f"{BEARER}, not bearer") == ("<REDACTED:bearer-token>, not bearer")


def test_offsets_survive_characters_that_lower_case_to_two() -> None:
    """``İ`` lower-cases to two characters; a token after it is still found where it is."""
    assert _plain().text(f"İstanbul {BEARER}") == ("İstanbul <REDACTED:bearer-token>")
    assert _plain().text(f"İİ TOKEN={TOKEN}") == "İİ TOKEN=<REDACTED:key-parameter>"


def test_basic_credentials_need_a_decodable_user_and_password() -> None:
    """``Basic <base64 of user:password>`` goes, unpadded too; ``Basic <word>`` is prose."""
    assert _plain().text(f"Authorization: Basic {BASIC_UNPADDED}") == (
        "Authorization: <REDACTED:basic-credentials>"
    )
    assert _plain().text("Basic dXNlcjpwYXNz") == "<REDACTED:basic-credentials>"
    for prose in ("Basic knowledge of HTTP", "Use Basic authentication over TLS"):
        assert _plain().text(prose) is prose


def test_a_basic_word_before_a_basic_credential_does_not_hide_it() -> None:
    """The first ``Basic`` is prose, the second a credential: the second is still replaced."""
    text = f"Basic authentication: Basic {BASIC_UNPADDED}"
    assert _plain().text(text) == "Basic authentication: <REDACTED:basic-credentials>"


def test_back_to_back_private_keys_are_both_replaced() -> None:
    """Two PEM blocks with nothing between them: the second starts where the first ends."""
    assert _plain().text(PRIVATE_KEY + PRIVATE_KEY) == (
        "<REDACTED:private-key><REDACTED:private-key>"
    )


# --- key=<token> and key: <token> ---------------------------------------------------------


def test_a_key_parameter_with_only_an_equals_sign() -> None:
    """``token=<long token>``: no colon anywhere in the text, at its very start."""
    assert _plain().text(f"token={TOKEN}") == "token=<REDACTED:key-parameter>"


def test_a_key_parameter_with_only_a_colon() -> None:
    """``password: <long token with a digit>``: no equals sign anywhere in the text."""
    assert _plain().text(f"password: {TOKEN}") == "password: <REDACTED:key-parameter>"


def test_every_occurrence_of_a_parameter_name_is_checked() -> None:
    """Only one ``token`` of several has a value after it; it is found wherever it sits."""
    assert _plain().text(f"token={TOKEN} and token") == ("token=<REDACTED:key-parameter> and token")
    assert _plain().text(f"a token, a token={TOKEN}, a token") == (
        "a token, a token=<REDACTED:key-parameter>, a token"
    )


# --- JSON fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["private-key", "private_key", "Secret-Key", "clientSecret", "X_Session_Id", "userPassword"],
)
def test_credential_field_names_in_any_spelling(name: str) -> None:
    """A key ends with a credential word once case, ``_`` and ``-`` are ignored."""
    assert is_sensitive_field(name) is True


@pytest.mark.parametrize("name", ["max_tokens", "key_count", "author", "tokenizer", "session"])
def test_ordinary_field_names(name: str) -> None:
    """Words that only contain a credential word are not credential fields."""
    assert is_sensitive_field(name) is False


def test_a_field_named_like_a_header_is_kept_outside_headers() -> None:
    """``author`` holds ``auth`` (a header word) but is no credential field: kept in a body,
    replaced inside an echoed ``headers`` object; ordinary headers there are kept."""
    body = {"author": "Jane Doe", "headers": {"author": "Jane Doe", "content-type": "text/plain"}}
    assert _plain().value(body) == {
        "author": "Jane Doe",
        "headers": {"author": "<REDACTED:author>", "content-type": "text/plain"},
    }


def test_a_placeholder_is_not_replaced_again() -> None:
    """A field that already holds a placeholder keeps it (even another kind's); one that merely
    ends with ``>`` is still replaced."""
    body = {"password": "<REDACTED:api_key>", "token": "abc>"}
    assert _plain().value(body) == {"password": "<REDACTED:api_key>", "token": "<REDACTED:token>"}


# --- query parameters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["sig", "Sig", "SIG", "X-Amz-Signature", "auth", "api_key", "access_token"]
)
def test_credential_query_names(name: str) -> None:
    """``sig``, any credential field name and any credential header name."""
    assert is_sensitive_query(name) is True


@pytest.mark.parametrize("name", ["page", "signal", "limit", "q"])
def test_ordinary_query_names(name: str) -> None:
    assert is_sensitive_query(name) is False


def test_a_query_placeholder_keeps_its_kind() -> None:
    """A placeholder is kept as it is; a value that only ends with ``>`` is replaced."""
    redactor = _plain()
    assert redactor.query("token", "<REDACTED:api_key>") == "<REDACTED:api_key>"
    assert redactor.query("token", "abc>") == "<REDACTED:token>"
    assert redactor.query("Sig", "abc") == "<REDACTED:sig>"


def test_echoed_query_pairs_are_read_with_the_query_rules() -> None:
    """``[name, value]`` pairs under ``query``: credential names replaced, list or tuple kept."""
    redactor = _plain()
    body = {"query": [["api_key", "abc123"], ["page", "2"], ("sig", "xyz")]}
    redacted = redactor.value(body)
    assert redacted == {
        "query": [["api_key", "<REDACTED:api_key>"], ["page", "2"], ("sig", "<REDACTED:sig>")]
    }
    assert redacted["query"][1] is body["query"][1]
    assert type(redacted["query"][2]) is tuple


def test_pairs_elsewhere_are_plain_lists() -> None:
    """A ``["token", "opaque"]`` list not under ``query`` is two strings, left as they are."""
    body = {"tags": [["token", "opaque"]]}
    assert _plain().value(body) is body


def test_only_two_strings_make_a_query_pair() -> None:
    """Under ``query``, objects, short strings, non-string pairs and longer lists are read as
    values: nothing in them breaks, and a key shape in a longer list is still found."""
    redactor = _plain()
    odd = {"query": [{"name": "page", "value": "2"}, {"n": "x"}, "x", [1, "y"], ["a", "b", "c"]]}
    assert redactor.value(odd) is odd
    assert redactor.value({"query": [["a", "b", f"token={TOKEN}"]]}) == {
        "query": [["a", "b", "token=<REDACTED:key-parameter>"]]
    }


# --- headers ----------------------------------------------------------------------------------


def test_volatile_ids_are_told_from_dates_and_timings() -> None:
    """Request ids and traces are ids, in any case; ``date`` and timings are volatile only."""
    assert is_volatile_id_header("X-Request-Id") is True
    assert is_volatile_id_header("cf-ray") is True
    assert is_volatile_id_header("date") is False
    assert is_volatile_id_header("openai-processing-ms") is False
    assert is_volatile_id_header("content-type") is False


def test_extra_sensitive_headers_are_matched_in_any_case() -> None:
    """A header named in ``sensitive_headers`` is replaced whole, whatever case either uses."""
    redactor = Redactor(environ={}, sensitive_headers=["X-Custom-Thing"])
    assert redactor.header("x-custom-thing", "v") == "<REDACTED:x-custom-thing>"
    assert redactor.header("X-CUSTOM-THING", "v") == "<REDACTED:x-custom-thing>"
    assert redactor.header("x-other-thing", "v") == "v"


# --- secret values --------------------------------------------------------------------------


def test_secrets_of_eight_characters_are_replaced_and_shorter_ones_not() -> None:
    """Eight characters is the shortest secret replaced, from the environment and from
    ``secrets``; seven would shred ordinary text."""
    redactor = Redactor(
        environ={"ENV_TOKEN": "envok123", "SHORT_TOKEN": "short12"},
        secrets={"GIVEN": "given123", "TINY": "tiny123"},
    )
    assert redactor.text("envok123 short12 given123 tiny123") == (
        "<REDACTED:ENV_TOKEN> short12 <REDACTED:GIVEN> tiny123"
    )


def test_a_secret_that_contains_another_is_replaced_whole() -> None:
    """Longest first, whatever order the secrets were given in."""
    redactor = Redactor(environ={}, secrets={"SHORT": "abcd1234", "LONG": "abcd1234wxyz"})
    assert redactor.secret_values == [("abcd1234wxyz", "LONG"), ("abcd1234", "SHORT")]
    assert redactor.text("abcd1234wxyz and abcd1234") == "<REDACTED:LONG> and <REDACTED:SHORT>"


def test_named_secret_variables_are_read_with_the_suffixed_ones() -> None:
    """A named variable is a secret, like every ``*_API_KEY``/``*_TOKEN``/``*_SECRET`` one; any
    other variable's value is not."""
    environ = {"MY_VAR": PLANTED, "OTHER_API_KEY": OTHER, "PLAIN": "ordinary-value"}
    redactor = Redactor(["MY_VAR"], environ=environ)
    assert redactor.secret_values == [(PLANTED, "MY_VAR"), (OTHER, "OTHER_API_KEY")]
    assert redactor.text(f"{PLANTED} ordinary-value") == "<REDACTED:MY_VAR> ordinary-value"
    assert Redactor((), environ={"MY_VAR": PLANTED}).secret_values == []


def test_secret_env_names_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ``environ`` the process environment is read, at call time."""
    monkeypatch.setenv("AGENTKIT_RULES_TEST_TOKEN", PLANTED)
    assert "AGENTKIT_RULES_TEST_TOKEN" in secret_env_names()


def test_the_default_redactor_reads_the_environment_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """A secret exported during the session is covered; an ordinary variable's value is not."""
    monkeypatch.setenv("AGENTKIT_RULES_TEST_TOKEN", PLANTED)
    monkeypatch.setenv("AGENTKIT_RULES_TEST_SETTING", "ordinary-setting-value")
    assert default_redactor().text(f"{PLANTED} ordinary-setting-value") == (
        "<REDACTED:AGENTKIT_RULES_TEST_TOKEN> ordinary-setting-value"
    )
    assert redact(f"echo {PLANTED}") == "echo <REDACTED:AGENTKIT_RULES_TEST_TOKEN>"


def test_redact_uses_the_redactor_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """``redactor=`` replaces the default set, it does not add to it."""
    monkeypatch.setenv("AGENTKIT_RULES_TEST_TOKEN", PLANTED)
    mine = Redactor((), environ={}, secrets={"MINE": "mine-secret-1"})
    assert redact(f"{PLANTED} mine-secret-1", redactor=mine) == f"{PLANTED} <REDACTED:MINE>"


# --- parsed JSON ------------------------------------------------------------------------------


def test_nothing_to_replace_returns_the_same_object() -> None:
    """Strings, objects, lists and tuples with nothing to replace come back as themselves."""
    redactor = _plain()
    for value in (
        "plain text",
        {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        ["a", ("b", "c")],
        {1: "a Python dict, not JSON: a key that is no string", "n": 2},
    ):
        assert redactor.value(value) is value


def test_a_changed_list_keeps_its_other_items_and_its_type() -> None:
    """Only the item that held a credential changes; a tuple stays a tuple."""
    redactor = _plain()
    items = ["keep", f"token={TOKEN}", {"same": "object"}]
    redacted = redactor.value(items)
    assert redacted == ["keep", "token=<REDACTED:key-parameter>", {"same": "object"}]
    assert redacted[2] is items[2]
    assert redactor.value(("keep", f"token={TOKEN}")) == ("keep", "token=<REDACTED:key-parameter>")


# --- the raw-JSON pre-check ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"password": "x"}',
        '{"Password": "x"}',
        '"password": "x"',  # a fragment that starts at the key's quote
        'token {"token": "x"}',  # the word first appears at offset 0, not as a key
        '{"note": "password", "password": "x"}',  # the last occurrence is not a key
        '{"note": "secret plans", "secret": "x", "z": "secret"}',  # only the middle one is
        '{"a": 1, "clientSecret": "x"}',
        '"{\\"api_key\\": \\"x\\"}"',  # JSON encoded inside a JSON string
        json.dumps({"a" * 70 + "_token": "x"}),  # a key longer than any window
    ],
)
def test_the_pre_check_sees_credential_keys(text: str) -> None:
    """``needs_redaction`` says yes to raw JSON with a credential key, whatever its value."""
    assert _plain().needs_redaction(text) is True


@pytest.mark.parametrize(
    "text",
    [
        '{"max_tokens": 5, "model": "m"}',
        '{"tokenX": "x"}',
        '{"note": "the password is long"}',
        "password: x",  # no quote at all
        'token": "x"',  # a key with no opening quote
        "plain text",
    ],
)
def test_the_pre_check_passes_ordinary_json(text: str) -> None:
    """Keys that only contain a credential word, values that mention one, text with no quotes."""
    assert _plain().needs_redaction(text) is False


def test_a_long_credential_key_in_a_request_body_is_redacted() -> None:
    """The pre-check once looked back only 64 characters for a key's opening quote, so a
    longer credential key was not seen and a request body kept its value; the field rule
    (which has no length limit) now always gets to run."""
    body = {"service_account_" + "x" * 60 + "_access_token": "short-opaque"}
    redactor = _plain()
    assert redactor.needs_redaction(json.dumps(body)) is True
    assert redactor.value(body) == {name: f"<REDACTED:{name}>" for name in body}


def test_a_long_credential_key_never_reaches_the_cassette(tmp_path: Path) -> None:
    """End to end: the recorded request body holds the placeholder, not the value."""
    path = tmp_path / "c.json"
    name = "service_account_" + "x" * 60 + "_access_token"
    with (
        use_cassette(path, mode="once"),
        httpx2.Client(transport=httpx2.MockTransport(lambda _: httpx2.Response(200))) as client,
    ):
        client.post("https://model.test/v1/ask", json={name: "short-opaque"})
    assert "short-opaque" not in path.read_text(encoding="utf-8")
    (interaction,) = load_cassette(path).interactions
    assert interaction.request.body == {name: f"<REDACTED:{name}>"}
