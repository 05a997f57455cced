"""Record model traffic once into readable cassettes; replay it offline, matched on the request.

vcrpy intercepts httpx2, httpx and aiohttp (so the openai and anthropic SDKs and the agent
frameworks built on them need no changes); agentkit stores
versioned JSON with parsed bodies and SSE events, matches on method, path and canonical body
through an index, redacts credentials, blocks the network while replaying and explains misses.
Existing vcrpy / pytest-recording cassettes convert with :func:`import_vcr_cassettes`.

Example::

    from agentkit.replay import use_cassette

    with use_cassette("cassettes/booking.json", mode="once"):
        reply = client.chat.completions.create(model="gpt-4", messages=messages)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentkit.replay._cassette import (
        RECORD_MODE_ENV,
        Cassette,
        CassetteContext,
        OnBackgroundMismatch,
        OnEmpty,
        RecordMode,
        resolve_record_mode,
        use_cassette,
    )
    from agentkit.replay._env_secrets import may_hold_secret_values
    from agentkit.replay._errors import (
        BackgroundMismatchError,
        BackgroundRequestWarning,
        CassetteFormatError,
        CassetteNotFoundError,
        EmptyCassetteError,
        EmptyCassetteWarning,
        NetworkBlockedError,
        ReplayError,
        ReplayMismatchError,
        SecretFoundError,
        UnplayedInteractionsError,
    )
    from agentkit.replay._format import (
        FORMAT_VERSION,
        MAX_NESTING,
        CassetteFile,
        Interaction,
        RecordedRequest,
        RecordedResponse,
        SSEEvent,
        UnsavableInteractionsError,
        load_cassette,
        save_cassette,
    )
    from agentkit.replay._guard import block_network
    from agentkit.replay._ignore import DEFAULT_IGNORE_ROUTES, IgnoredRequest, IgnoreRoute
    from agentkit.replay._import import (
        CassetteImport,
        ImportProblem,
        ImportReport,
        import_vcr_cassette,
        import_vcr_cassettes,
    )
    from agentkit.replay._match import canonical_body, diff_requests
    from agentkit.replay._model_level import (
        MODEL_LEVEL_FAULT_LAYERS,
        ModelReplayContext,
        model_replay,
    )
    from agentkit.replay._redact import (
        DEFAULT_SECRET_ENV_VARS,
        SENSITIVE_HEADERS,
        Redactor,
        redact,
        secret_env_names,
    )
    from agentkit.replay._scan import (
        SecretFinding,
        check_cassette,
        scan_cassette,
        scan_text,
        scan_value,
    )

__all__ = [
    "DEFAULT_IGNORE_ROUTES",
    "DEFAULT_SECRET_ENV_VARS",
    "FORMAT_VERSION",
    "MAX_NESTING",
    "MODEL_LEVEL_FAULT_LAYERS",
    "RECORD_MODE_ENV",
    "SENSITIVE_HEADERS",
    "BackgroundMismatchError",
    "BackgroundRequestWarning",
    "Cassette",
    "CassetteContext",
    "CassetteFile",
    "CassetteFormatError",
    "CassetteImport",
    "CassetteNotFoundError",
    "EmptyCassetteError",
    "EmptyCassetteWarning",
    "IgnoreRoute",
    "IgnoredRequest",
    "ImportProblem",
    "ImportReport",
    "Interaction",
    "ModelReplayContext",
    "NetworkBlockedError",
    "OnBackgroundMismatch",
    "OnEmpty",
    "RecordMode",
    "RecordedRequest",
    "RecordedResponse",
    "Redactor",
    "ReplayError",
    "ReplayMismatchError",
    "SSEEvent",
    "SecretFinding",
    "SecretFoundError",
    "UnplayedInteractionsError",
    "UnsavableInteractionsError",
    "block_network",
    "canonical_body",
    "check_cassette",
    "diff_requests",
    "import_vcr_cassette",
    "import_vcr_cassettes",
    "load_cassette",
    "may_hold_secret_values",
    "model_replay",
    "redact",
    "resolve_record_mode",
    "save_cassette",
    "scan_cassette",
    "scan_text",
    "scan_value",
    "secret_env_names",
    "use_cassette",
]

# Every name loads with its module on first use: the `agentkit cassettes` commands need only
# the format and the scanner, and the matcher, the guard, the redactor and model-level replay
# (agentkit.models, httpx2) each cost start-up time that a command that reads a file does not need.
_LAZY = {
    "Cassette": "agentkit.replay._cassette",
    "CassetteContext": "agentkit.replay._cassette",
    "OnBackgroundMismatch": "agentkit.replay._cassette",
    "OnEmpty": "agentkit.replay._cassette",
    "RECORD_MODE_ENV": "agentkit.replay._cassette",
    "RecordMode": "agentkit.replay._cassette",
    "resolve_record_mode": "agentkit.replay._cassette",
    "use_cassette": "agentkit.replay._cassette",
    "may_hold_secret_values": "agentkit.replay._env_secrets",
    "BackgroundMismatchError": "agentkit.replay._errors",
    "BackgroundRequestWarning": "agentkit.replay._errors",
    "CassetteFormatError": "agentkit.replay._errors",
    "CassetteNotFoundError": "agentkit.replay._errors",
    "EmptyCassetteError": "agentkit.replay._errors",
    "EmptyCassetteWarning": "agentkit.replay._errors",
    "NetworkBlockedError": "agentkit.replay._errors",
    "ReplayError": "agentkit.replay._errors",
    "ReplayMismatchError": "agentkit.replay._errors",
    "SecretFoundError": "agentkit.replay._errors",
    "UnplayedInteractionsError": "agentkit.replay._errors",
    "CassetteFile": "agentkit.replay._format",
    "FORMAT_VERSION": "agentkit.replay._format",
    "Interaction": "agentkit.replay._format",
    "MAX_NESTING": "agentkit.replay._format",
    "RecordedRequest": "agentkit.replay._format",
    "RecordedResponse": "agentkit.replay._format",
    "SSEEvent": "agentkit.replay._format",
    "UnsavableInteractionsError": "agentkit.replay._format",
    "load_cassette": "agentkit.replay._format",
    "save_cassette": "agentkit.replay._format",
    "block_network": "agentkit.replay._guard",
    "DEFAULT_IGNORE_ROUTES": "agentkit.replay._ignore",
    "IgnoreRoute": "agentkit.replay._ignore",
    "IgnoredRequest": "agentkit.replay._ignore",
    "CassetteImport": "agentkit.replay._import",
    "ImportProblem": "agentkit.replay._import",
    "ImportReport": "agentkit.replay._import",
    "import_vcr_cassette": "agentkit.replay._import",
    "import_vcr_cassettes": "agentkit.replay._import",
    "canonical_body": "agentkit.replay._match",
    "diff_requests": "agentkit.replay._match",
    "MODEL_LEVEL_FAULT_LAYERS": "agentkit.replay._model_level",
    "ModelReplayContext": "agentkit.replay._model_level",
    "model_replay": "agentkit.replay._model_level",
    "DEFAULT_SECRET_ENV_VARS": "agentkit.replay._redact",
    "Redactor": "agentkit.replay._redact",
    "SENSITIVE_HEADERS": "agentkit.replay._redact",
    "redact": "agentkit.replay._redact",
    "secret_env_names": "agentkit.replay._redact",
    "SecretFinding": "agentkit.replay._scan",
    "check_cassette": "agentkit.replay._scan",
    "scan_cassette": "agentkit.replay._scan",
    "scan_text": "agentkit.replay._scan",
    "scan_value": "agentkit.replay._scan",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agentkit.replay' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
