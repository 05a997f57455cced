"""The fast paths of ``agentkit cassettes scan``: the pre-filter that lets most strings skip the
credential regexes never skips one they would match, and the walker that spells out a location
only for a finding still names every finding where it is."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from agentkit._redaction import KEY_PATTERNS, find_keys
from agentkit.cli import app
from agentkit.replay import scan_value
from agentkit.replay._scan import _KeyShapes

SHAPES = _KeyShapes()

CREDENTIALS = {
    "anthropic-key": "sk-ant-" + "api03-AbCdEfGhIjKlMnOpQrSt",
    "openai-key": "sk-" + "proj-A1b2C3d4E5f6G7h8I9j0K1l2M3n4",
    "bearer-token": "Bearer " + "tok_abcdefghijklmnopqrstuvwxyz0123",
    "basic-credentials": "Basic YWRtaW46aHVudGVyMi1odW50ZXIy",
    "jwt": "eyJ" + "hbGciOiJIUzI1NiJ9." + "eyJ" + "zdWIiOiIxMjM0NTY3ODkwIn0.sig",
    "private-key": "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn",
    "url-credentials": "https://alice:pa55word@example.com/x",
    "aws-access-key": "AKIA" + "Q3EGRRSTKXAMPL3F",
    "aws-secret-key": "AWS secret " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzXAMPLEKE9",
    "github-token": "ghp" + "_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3s1",
    "gitlab-token": "glpat-" + "AbCdEfGhIjKlMnOpQrStUv",
    "slack-token": "xox" + "b-123456789012-AbCdEfGhIjKl",
    "slack-webhook": "https://hooks.slack.com/services/" + "T0000/B0000/XXXXXXXXXXXXXXXX",
    "google-api-key": "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
    "huggingface-token": "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz012345",
    "stripe-key": "sk_" + "live_AbCdEfGhIjKlMnOpQr",
    "key-parameter": "key=" + "0123456789abcdef",
}
"""One credential of each shape the scanner knows, the shortest where it matters."""


def test_there_is_a_planted_credential_for_every_pattern() -> None:
    """A pattern added to KEY_PATTERNS without a case here fails, so the checks below cover it."""
    assert {kind for kind, _ in KEY_PATTERNS} <= set(CREDENTIALS)


def test_the_filter_keeps_every_planted_credential_and_the_scanner_finds_it() -> None:
    """Alone, inside prose, and as the whole of a JSON string, each one is found."""
    for kind, credential in CREDENTIALS.items():
        for text in (credential, f"see {credential} here", f"x\n{credential}\n"):
            assert SHAPES.may_match(text), (kind, text)
            assert kind in [found for _, _, found in find_keys(text)], (kind, text)
            findings = scan_value({"note": text})
            assert [f.kind for f in findings] == [kind], (kind, findings)


def test_the_filter_rules_out_ordinary_text() -> None:
    """Short strings, and prose with none of the patterns' literal text, skip the regexes."""
    for text in ("role", "assistant", "gpt-4", "The flight leaves at noon from gate twelve."):
        assert not SHAPES.may_match(text), text
    assert SHAPES.may_match("Ask AWS for " + "a" * 40)  # aws-secret-key's (?i:aws)
    assert not SHAPES.may_match("Ask nobody for " + "a" * 40)


def test_case_insensitive_literals_are_not_trusted_outside_ascii() -> None:
    """ "(?i:aws)" also matches "aw" + long s (U+017F): the filter lets such text through."""
    text = "aw\u017f access " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzXAMPLEKE9"
    pattern = dict(KEY_PATTERNS)["aws-secret-key"]
    assert re.search(pattern, text) is not None
    assert SHAPES.may_match(text)


_FRAGMENTS = sorted(
    {"sk-", "sk-ant-", "earer ", "Bearer ", "Basic ", "asic ", "eyJ", ".", "-----BEGIN ",
     "PRIVATE KEY", "-----", "://", ":", "@", "AKIA", "ASIA", "aws", "AWS", "ghp_", "gh", "_",
     "github_pat_", "glpat-", "xoxb-", "hooks.slack.com/services/", "AIza", "hf_", "sk_",
     "rk_", "live_", "test_", "key=", "token: ", "=", " ", "\n", "/", "+", "\u017f"}
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_FRAGMENTS),
            st.text(alphabet="AIKSaeyJz019_-/+=", min_size=1, max_size=45),
        ),
        max_size=8,
    ).map("".join)
)
def test_whatever_the_regexes_match_the_filter_keeps(text: str) -> None:
    """Soundness: a string in which find_keys finds anything always passes the filter."""
    if find_keys(text):
        assert SHAPES.may_match(text)


def test_findings_are_named_at_their_locations() -> None:
    """Strings in lists, nested objects, credential keys, headers and query pairs: each finding
    carries the same location the scanner has always given it."""
    openai = CREDENTIALS["openai-key"]
    cassette = {
        "interactions": [
            {
                "request": {
                    "headers": {"x-request-id": "req_0123456789", "authorization": "Bearer x"},
                    "query": [["api_key", "abc123secret"], ["page", "2"]],
                    "body": {
                        "messages": [{"role": "user", "content": ["fine", f"use {openai}"]}],
                        openai: "value",
                        "password": "hunter2-hunter2",
                    },
                },
                "response": {"headers": {"x-request-id": "<REDACTED:x-request-id>"}},
            }
        ]
    }
    found = [(f.location, f.kind) for f in scan_value(cassette)]
    request = "interactions[0].request"
    masked = f"<{openai[:4]}…({len(openai)} chars)>"
    assert found == [
        (f"{request}.headers.x-request-id", "volatile-header:x-request-id"),
        (f"{request}.headers.authorization", "authorization"),
        (f"{request}.query[0]", "api_key"),
        (f"{request}.body.messages[0].content[1]", "openai-key"),
        (f"{request}.body.{masked} (key)", "openai-key"),
        (f"{request}.body.password", "password"),
    ]
    assert all(openai not in location for location, _ in found)


def test_the_command_reports_a_credential_repeated_across_interactions(tmp_path: Path) -> None:
    """The same string in many places is searched once but reported at every place."""
    token = CREDENTIALS["github-token"]
    interaction = {
        "request": {"method": "POST", "path": "/v1/chat/completions", "body": {"note": token}},
        "response": {"status": 200, "body": {"choices": []}},
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"version": 1, "interactions": [interaction] * 3}))
    result = CliRunner().invoke(app, ["cassettes", "scan", str(path)])
    assert result.exit_code == 1, result.output
    for number in range(3):
        assert f"interactions[{number}].request.body.note: github-token" in result.output
    assert "3 credential-like string(s) found" in result.output
    assert token not in result.output
