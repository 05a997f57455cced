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

if TYPE_CHECKING:
    from agentkit.replay._model_level import (
        MODEL_LEVEL_FAULT_LAYERS,
        ModelReplayContext,
        model_replay,
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

# Model-level replay needs agentkit.models (and httpx2): loaded on first use, so that reading,
# scanning or diffing a cassette (the ``agentkit cassettes`` commands) does not pay for it.
_LAZY = {
    "MODEL_LEVEL_FAULT_LAYERS": "agentkit.replay._model_level",
    "ModelReplayContext": "agentkit.replay._model_level",
    "model_replay": "agentkit.replay._model_level",
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
