"""Redaction on recording, and the secret scanner."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest

from agentkit.replay import (
    Redactor,
    SecretFoundError,
    check_cassette,
    load_cassette,
    redact,
    scan_cassette,
    scan_text,
    secret_env_names,
    use_cassette,
)

from ._providers import OPENAI_KEY, FakeOpenAI, openai_client, unreachable, user

PLANTED = "planted-secret-value-0123456789"


def test_key_shapes_are_replaced() -> None:
    """OpenAI, Anthropic, bearer, AWS and key= tokens become placeholders; ordinary text stays."""
    text = (
        "a sk"
        "-proj-abcdefghijklmnopqrstuvwx b sk"
        "-ant-api03-abcdefghijklmnopqrst "
        "Authorization: Bearer "
        "abcdefghijklmnopqrstuvwxyz AKIAABCDEFGHIJKLMNOP "
        "https://h/?api_key=abcdefghijklmnopqrstuvwxyz&x=1 task"
        "-abcdefghijklmnopqrstuvwxyz"
    )
    assert redact(text, redactor=Redactor(environ={})) == (
        "a <REDACTED:openai-key> b <REDACTED:anthropic-key> "
        "Authorization: <REDACTED:bearer-token> <REDACTED:aws-access-key> "
        "https://h/?api_key=<REDACTED:key-parameter>&x=1 task"
        "-abcdefghijklmnopqrstuvwxyz"
    )


def test_secret_env_values_and_fields_are_replaced() -> None:
    """Values of secret env vars are replaced anywhere; credential-named fields always."""
    redactor = Redactor(environ={"MY_SERVICE_TOKEN": PLANTED, "SHORT_TOKEN": "abc"})
    value = {"note": f"use {PLANTED} now", "password": "hunter2", "n": [PLANTED], "ok": "abc"}
    assert redactor.value(value) == {
        "note": "use <REDACTED:MY_SERVICE_TOKEN> now",
        "password": "<REDACTED:password>",
        "n": ["<REDACTED:MY_SERVICE_TOKEN>"],
        "ok": "abc",
    }


def test_secret_env_names_defaults_and_suffixes() -> None:
    """The secret set holds the provider keys plus *_API_KEY, *_TOKEN and *_SECRET variables."""
    names = secret_env_names(environ={"X_SECRET": "1", "GH_TOKEN": "2", "HOME": "/root"})
    assert {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MODEL_PROXY_API_KEY"} <= set(names)
    assert {"X_SECRET", "GH_TOKEN"} <= set(names)
    assert "HOME" not in names
    assert "OPENAI_API_KEY" not in secret_env_names(["ONLY_THIS"], environ={})


def test_planted_secrets_never_reach_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Secrets in headers, request and response bodies and env vars are redacted, yet replay."""
    monkeypatch.setenv("STEPCAST_API_KEY", PLANTED)
    path = tmp_path / "c.json"
    leaky = f"my key is {PLANTED} and sk" + "-live-abcdefghijklmnopqrstuvwxyz"

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            200,
            headers={"set-cookie": "session=abc", "x-echo": PLANTED},
            json={"echo": request.content.decode(), "token_hint": f"Bearer {PLANTED}"},
        )

    with use_cassette(path, mode="once"):
        client = httpx2.Client(transport=httpx2.MockTransport(handler))
        client.post(
            f"https://x.test/v1/ask?key={PLANTED}",
            json={"prompt": leaky},
            headers={"authorization": f"Bearer {OPENAI_KEY}", "x-api-key": "abc"},
        )
    text = path.read_text()
    for secret in (PLANTED, OPENAI_KEY, "sk" + "-live-abcdefghijklmnopqrstuvwxyz", "session=abc"):
        assert secret not in text
    assert "<REDACTED:STEPCAST_API_KEY>" in text
    assert scan_cassette(path) == []
    with use_cassette(path):
        client = httpx2.Client(transport=httpx2.MockTransport(unreachable))
        reply = client.post(f"https://x.test/v1/ask?key={PLANTED}", json={"prompt": leaky})
    assert reply.status_code == 200


def test_sdk_api_key_and_org_header_are_redacted(tmp_path: Path) -> None:
    """The SDK's Authorization header and the provider's organization header are not stored."""
    path = tmp_path / "c.json"
    with use_cassette(path, mode="once"):
        openai_client(FakeOpenAI()).chat.completions.create(model="gpt-4", messages=user("x"))
    interaction = load_cassette(path).interactions[0]
    assert interaction.request.headers["authorization"] == "<REDACTED:authorization>"
    assert interaction.response.headers["openai-organization"] == "<REDACTED:openai-organization>"
    assert OPENAI_KEY not in path.read_text()


def test_scanner_finds_hand_edited_secrets(tmp_path: Path) -> None:
    """The scanner reports credential headers, key shapes and env values, masked."""
    path = tmp_path / "c.json"
    leaked = {
        "version": 1,
        "interactions": [
            {
                "request": {
                    "method": "POST",
                    "path": "/",
                    "headers": {"authorization": "Bearer realtoken"},
                    "body": {"k": "sk" + "-ant-api03-abcdefghijklmnopqrstuvwx", "e": PLANTED},
                },
                "response": {"status": 200},
            }
        ],
    }
    path.write_text(json.dumps(leaked))
    findings = scan_cassette(path, environ={"X_API_KEY": PLANTED})
    assert {(f.location, f.kind) for f in findings} == {
        ("interactions[0].request.headers.authorization", "authorization"),
        ("interactions[0].request.body.k", "anthropic-key"),
        ("interactions[0].request.body.e", "$X_API_KEY"),
    }
    assert all(PLANTED not in f.excerpt for f in findings)
    with pytest.raises(SecretFoundError, match="3 credential-like"):
        check_cassette(path, environ={"X_API_KEY": PLANTED})


def test_scan_text_handles_non_json() -> None:
    """Plain text is scanned as text."""
    findings = scan_text("token: AKIAABCDEFGHIJKLMNOP", environ={})
    assert [f.kind for f in findings] == ["aws-access-key"]
