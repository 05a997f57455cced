"""The fault catalogue as plain data: every fault kind, where it acts, what it injects, and how
agentkit's agents answer it.

No pydantic here: ``agentkit faults list`` prints these rows without building the fault-plan
models (about 90 ms on import). ``CATALOGUE`` (``_catalog.py``) is built from them, so the two
cannot drift; docs/faults.md is rendered from that.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, NamedTuple, Protocol

__all__ = [
    "CATALOGUE_ROWS",
    "HANDLERS",
    "LAYERS",
    "FallbackClassName",
    "FaultHandler",
    "FaultKind",
    "FaultLayer",
    "FaultRow",
    "Handling",
    "handling_text",
]

FaultLayer = Literal["transport", "status", "body", "stream", "output", "network"]
"""Where a fault acts: raised instead of sending, a synthesised error status, a mutated body,
a mutated event stream, a mutated model output, or a reshaped byte stream."""

FaultHandler = Literal[
    "retry", "shrink", "repair", "read_text", "fallback", "raise", "tolerated", "not_applied"
]
"""What answers a fault: the retry loop, a re-ask (with the history shrunk, or with the error fed
back), reading the call out of the text, the rule-based fallback, raising (a setup failure),
nothing (tolerated), or nothing to act on (not applied)."""

FallbackClassName = Literal["model_output", "model_call", "setup"]
"""The ``FallbackClass`` values a fault can end in (``observation`` is never a fault's)."""


class FaultKind(StrEnum):
    """One kind of fault; the value is what fault-plan files say."""

    CONNECT_REFUSED = "connect_refused"
    CONNECT_TIMEOUT = "connect_timeout"
    READ_TIMEOUT = "read_timeout"
    CONNECTION_RESET = "connection_reset"
    READ_ERROR = "read_error"
    STREAM_DISCONNECT = "stream_disconnect"
    STREAM_TRUNCATED = "stream_truncated"
    RATE_LIMITED = "rate_limited"
    QUOTA_EXHAUSTED = "quota_exhausted"
    SERVER_ERROR = "server_error"
    CONTEXT_TOO_LONG = "context_too_long"
    CLIENT_ERROR = "client_error"
    STREAM_ERROR_EVENT = "stream_error_event"
    HTML_GATEWAY = "html_gateway"
    TRUNCATED_JSON = "truncated_json"
    WRONG_SHAPE = "wrong_shape"
    EMPTY_CHOICES = "empty_choices"
    NULL_CONTENT = "null_content"
    REFUSAL = "refusal"
    LENGTH_CUT_ARGUMENTS = "length_cut_arguments"
    INVALID_JSON_ARGUMENTS = "invalid_json_arguments"
    NON_OBJECT_ARGUMENTS = "non_object_arguments"
    INVENTED_TOOL = "invented_tool"
    BAD_ARGUMENT = "bad_argument"
    TOOL_CALL_IN_TEXT = "tool_call_in_text"
    DELTA_WITHOUT_INDEX = "delta_without_index"
    DUPLICATE_TOOL_CALLS = "duplicate_tool_calls"
    NULL_FIRST_ARGUMENTS = "null_first_arguments"
    LATENCY = "latency"
    SLICER = "slicer"
    LIMIT_DATA = "limit_data"


class FaultRow(NamedTuple):
    """One kind's row of the catalogue; the fields are those of ``FaultInfo``, documented there."""

    row: int | None
    layer: FaultLayer
    summary: str
    sdk_gives: str
    agent_does: str
    handled_by: FaultHandler
    stream_handled_by: FaultHandler
    fallback_class: FallbackClassName | None


class Handling(Protocol):
    """What :func:`handling_text` reads: a ``FaultRow`` or a ``FaultInfo``."""

    @property
    def handled_by(self) -> FaultHandler: ...
    @property
    def stream_handled_by(self) -> FaultHandler: ...
    @property
    def fallback_class(self) -> FallbackClassName | None: ...


# Handlers after which a fault that persists ends in a fallback; the others never fall back.
_MAY_FALL_BACK = frozenset({"retry", "shrink", "repair", "fallback", "raise"})


def handling_text(info: Handling) -> str:
    """How agentkit's agent answers a fault, and the fallback class if it persists:
    ``retry → model_call``, plus the streamed case when it differs."""

    def one(handler: str) -> str:
        if handler in _MAY_FALL_BACK and info.fallback_class is not None:
            return f"{handler} → {info.fallback_class}"
        return handler

    text = one(info.handled_by)
    if info.stream_handled_by != info.handled_by:
        text += f"; streamed: {one(info.stream_handled_by)}"
    return text


def _info(
    row: int | None,
    layer: FaultLayer,
    summary: str,
    sdk_gives: str,
    agent_does: str,
    *,
    handled_by: FaultHandler,
    fallback_class: FallbackClassName | None,
    stream: FaultHandler | None = None,
) -> FaultRow:
    return FaultRow(
        row=row,
        layer=layer,
        summary=summary,
        sdk_gives=sdk_gives,
        agent_does=agent_does,
        handled_by=handled_by,
        stream_handled_by=stream or handled_by,
        fallback_class=fallback_class,
    )


def _retried(row: int | None, layer: FaultLayer, summary: str, sdk_gives: str) -> FaultRow:
    return _info(
        row,
        layer,
        summary,
        sdk_gives,
        "retry, then fall back",
        handled_by="retry",
        fallback_class="model_call",
    )


def _repaired(row: int, summary: str, agent_does: str) -> FaultRow:
    return _info(
        row,
        "output",
        summary,
        "passes through",
        agent_does,
        handled_by="repair",
        fallback_class="model_output",
    )


K = FaultKind
CATALOGUE_ROWS: dict[FaultKind, FaultRow] = {
    K.CONNECT_REFUSED: _retried(1, "transport", "raise httpx2.ConnectError", "APIConnectionError"),
    K.CONNECT_TIMEOUT: _retried(2, "transport", "raise httpx2.ConnectTimeout", "APITimeoutError"),
    K.READ_TIMEOUT: _retried(2, "transport", "raise httpx2.ReadTimeout", "APITimeoutError"),
    K.CONNECTION_RESET: _retried(
        3, "transport", "raise httpx2.RemoteProtocolError", "APIConnectionError"
    ),
    K.READ_ERROR: _retried(3, "transport", "raise httpx2.ReadError", "APIConnectionError"),
    K.STREAM_DISCONNECT: _info(
        4,
        "stream",
        "the event stream breaks (ReadError) after `after_events` events; a plain body is cut "
        "in half, then breaks",
        "APIConnectionError while iterating",
        "discard partial tool calls, redo the step",
        handled_by="retry",
        stream="fallback",
        fallback_class="model_call",
    ),
    K.STREAM_TRUNCATED: _info(
        5,
        "stream",
        "the event stream ends after `after_events` events, without [DONE] or a finish reason; "
        "a plain body is cut in half",
        "no exception, truncated arguments",
        "treat a missing finish_reason as a failure",
        handled_by="retry",
        stream="fallback",
        fallback_class="model_call",
    ),
    K.RATE_LIMITED: _info(
        6,
        "status",
        "429 with retry-after / retry-after-ms",
        "RateLimitError",
        "wait only if it fits the deadline",
        handled_by="retry",
        fallback_class="model_call",
    ),
    K.QUOTA_EXHAUSTED: _info(
        7,
        "status",
        "429 insufficient_quota with x-should-retry: false",
        "RateLimitError, not retried",
        "don't retry; open the breaker",
        handled_by="fallback",
        fallback_class="model_call",
    ),
    K.SERVER_ERROR: _info(
        8,
        "status",
        "408 / 409 / 500 / 502 / 503 / 529 (`status`, default 503)",
        "APIStatusError and subclasses",
        "retry, then fall back",
        handled_by="retry",
        fallback_class="model_call",
    ),
    K.CONTEXT_TOO_LONG: _info(
        9,
        "status",
        "400 with code context_length_exceeded",
        "BadRequestError",
        "shrink history once, else fall back",
        handled_by="shrink",
        fallback_class="model_call",
    ),
    K.CLIENT_ERROR: _info(
        10,
        "status",
        "401 / 403 / 404 / 422 (`status`, default 401)",
        "AuthenticationError ...",
        "no retry: surface it, the key or the request is wrong",
        handled_by="raise",
        fallback_class="setup",
    ),
    K.STREAM_ERROR_EVENT: _info(
        11,
        "stream",
        "an error event after `after_events` events (Anthropic: event: error); streams only",
        "APIError",
        "retry the step",
        handled_by="not_applied",
        stream="fallback",
        fallback_class="model_call",
    ),
    K.HTML_GATEWAY: _retried(12, "body", "200 with an HTML gateway page", "create() returns a str"),
    K.TRUNCATED_JSON: _info(
        13,
        "body",
        "200 with the body cut in half",
        "json.JSONDecodeError, raw",
        "catch it, retry",
        handled_by="retry",
        stream="fallback",
        fallback_class="model_call",
    ),
    K.WRONG_SHAPE: _retried(
        14, "body", 'choices replaced by "x"', "lenient object, AttributeError later"
    ),
    K.EMPTY_CHOICES: _info(
        15,
        "body",
        "choices: []",
        "IndexError in naive code",
        "fall back",
        handled_by="fallback",
        stream="retry",
        fallback_class="model_call",
    ),
    K.NULL_CONTENT: _info(
        16,
        "output",
        "content null and no tool calls",
        "passes through",
        "fall back, don't loop",
        handled_by="fallback",
        fallback_class="model_output",
    ),
    K.REFUSAL: _info(
        16,
        "output",
        "the refusal field set, no content",
        "passes through",
        "fall back, don't loop",
        handled_by="fallback",
        fallback_class="model_output",
    ),
    K.LENGTH_CUT_ARGUMENTS: _info(
        17,
        "output",
        "finish_reason length with the arguments cut mid-string",
        "a broken arguments string",
        "never execute; re-ask once or fall back",
        handled_by="repair",
        fallback_class="model_output",
    ),
    K.INVALID_JSON_ARGUMENTS: _repaired(
        18, "invalid JSON in arguments", "one repair re-ask with the error, then fall back"
    ),
    K.NON_OBJECT_ARGUMENTS: _repaired(
        19,
        'arguments a JSON list or "", or an object instead of a string (`variant`: list, empty, '
        "object_not_string)",
        "normalise / reject",
    ),
    K.INVENTED_TOOL: _repaired(
        20, "a tool name that is not offered", "tell the model the valid tools, then fall back"
    ),
    K.BAD_ARGUMENT: _repaired(
        21,
        "a required argument dropped, or a number sent as a string (`variant`: drop_required, "
        "wrong_type)",
        "validate against the schema",
    ),
    K.TOOL_CALL_IN_TEXT: _info(
        22,
        "output",
        "the tool call written into the text as <tool_call>{...}",
        "tool_calls=None",
        "optionally parse it, else fall back",
        handled_by="read_text",
        fallback_class=None,
    ),
    K.DELTA_WITHOUT_INDEX: _info(
        23,
        "stream",
        "tool-call deltas without index; streams only",
        ".stream() helper raises TypeError",
        "accumulate tolerantly",
        handled_by="not_applied",
        stream="tolerated",
        fallback_class=None,
    ),
    K.DUPLICATE_TOOL_CALLS: _info(
        24,
        "output",
        "the same tool call twice with the same id",
        "passes through",
        "execute each id at most once",
        handled_by="tolerated",
        fallback_class=None,
    ),
    K.NULL_FIRST_ARGUMENTS: _info(
        25,
        "output",
        "arguments null in the first tool-call delta (a plain answer: in the message)",
        "passes through",
        'accumulators start from ""',
        handled_by="repair",
        stream="tolerated",
        fallback_class="model_output",
    ),
    K.LATENCY: _info(
        None,
        "network",
        "`latency_s` (+ uniform `jitter_s`) before the answer, on the injected clock",
        "a slower call",
        "stay within the deadline",
        handled_by="tolerated",
        fallback_class=None,
    ),
    K.SLICER: _info(
        None,
        "network",
        "the body split at arbitrary byte boundaries (at most `slice_bytes` each)",
        "must parse identically",
        "nothing: parsers must not care",
        handled_by="tolerated",
        fallback_class=None,
    ),
    K.LIMIT_DATA: _info(
        None,
        "network",
        "the body cut after `limit_bytes` bytes",
        "truncated JSON or stream",
        "retry, then fall back",
        handled_by="retry",
        fallback_class="model_call",
    ),
}

HANDLERS: dict[FaultHandler, str] = {
    "retry": "`ModelAPI`'s retry loop tries again (full-jitter backoff, by default at most 3 "
    "attempts, inside the call's deadline); when it gives up, the agent falls back",
    "shrink": "the agent asks once more with the history shrunk to the current observation; if "
    "that fails too, it falls back",
    "repair": "the agent re-asks once with the error fed back and the legal tools listed; if the "
    "answer is still unusable, it falls back",
    "read_text": "the agent reads the tool call out of the answer's text (decision source "
    "`model_text`)",
    "fallback": "the strategy's rule-based action at once: no retry, no repair",
    "raise": "a setup failure: `select_action` raises the original error (the decision is "
    "recorded), unless the agent was built with `fallback_on_setup_errors=True`",
    "tolerated": "nothing visible: the answer is parsed, accumulated or de-duplicated as if the "
    "fault had not happened",
    "not_applied": "the fault has nothing to act on in this form of answer: the fault log's "
    "entry says `applied=False`",
}
"""What each ``FaultHandler`` means, as docs/faults.md and ``agentkit faults list`` say it."""

LAYERS: dict[FaultLayer, str] = {
    "transport": "raised instead of sending: the request never reaches the provider",
    "status": "an error status synthesised instead of the provider's answer",
    "body": "the provider's answer replaced or mutated as a whole body",
    "stream": "the provider's event stream cut, broken or mutated",
    "output": "the model's answer mutated (chat completions and the Responses API; on "
    "Anthropic's /messages these are not applied)",
    "network": "the byte stream delayed or reshaped, after Toxiproxy's toxics",
}
"""What each ``FaultLayer`` means."""
