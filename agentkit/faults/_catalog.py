"""The fault catalogue: every row of FAULTS.md as a kind, plus Toxiproxy-style network shapes."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["CATALOGUE", "FaultInfo", "FaultKind", "FaultLayer"]

FaultLayer = Literal["transport", "status", "body", "stream", "output", "network"]
"""Where a fault acts: raised instead of sending, a synthesised error status, a mutated body,
a mutated event stream, a mutated model output, or a reshaped byte stream."""


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


class FaultInfo(BaseModel):
    """What a fault kind is, where it acts, and what a robust agent does about it."""

    model_config = ConfigDict(frozen=True)

    row: int | None
    """Its row in FAULTS.md; None for the network shapes."""
    layer: FaultLayer
    """Where it acts."""
    summary: str
    """What it injects."""
    sdk_gives: str
    """What the SDK then raises or returns."""
    agent_does: str
    """What a robust agent does about it."""


def _info(
    row: int | None, layer: FaultLayer, summary: str, sdk_gives: str, agent_does: str
) -> FaultInfo:
    return FaultInfo(
        row=row, layer=layer, summary=summary, sdk_gives=sdk_gives, agent_does=agent_does
    )


_RETRY = "retry, then fall back"
K = FaultKind
CATALOGUE: dict[FaultKind, FaultInfo] = {
    K.CONNECT_REFUSED: _info(
        1, "transport", "raise httpx2.ConnectError", "APIConnectionError", _RETRY
    ),
    K.CONNECT_TIMEOUT: _info(
        2, "transport", "raise httpx2.ConnectTimeout", "APITimeoutError", _RETRY
    ),
    K.READ_TIMEOUT: _info(2, "transport", "raise httpx2.ReadTimeout", "APITimeoutError", _RETRY),
    K.CONNECTION_RESET: _info(
        3, "transport", "raise httpx2.RemoteProtocolError", "APIConnectionError", _RETRY
    ),
    K.READ_ERROR: _info(3, "transport", "raise httpx2.ReadError", "APIConnectionError", _RETRY),
    K.STREAM_DISCONNECT: _info(
        4,
        "stream",
        "the event stream breaks after `after_events` events",
        "APIConnectionError while iterating",
        "discard partial tool calls, redo the step",
    ),
    K.STREAM_TRUNCATED: _info(
        5,
        "stream",
        "the event stream ends early, without [DONE] or a finish reason",
        "no exception, truncated arguments",
        "treat a missing finish_reason as a failure",
    ),
    K.RATE_LIMITED: _info(
        6,
        "status",
        "429 with retry-after / retry-after-ms",
        "RateLimitError",
        "wait only if it fits the deadline",
    ),
    K.QUOTA_EXHAUSTED: _info(
        7,
        "status",
        "429 insufficient_quota with x-should-retry: false",
        "RateLimitError, not retried",
        "don't retry; open the breaker",
    ),
    K.SERVER_ERROR: _info(
        8, "status", "408 / 409 / 500 / 502 / 503 / 529", "APIStatusError and subclasses", _RETRY
    ),
    K.CONTEXT_TOO_LONG: _info(
        9,
        "status",
        "400 with code context_length_exceeded",
        "BadRequestError",
        "shrink history once, else fall back",
    ),
    K.CLIENT_ERROR: _info(
        10, "status", "401 / 403 / 404 / 422", "AuthenticationError ...", "fall back at once"
    ),
    K.STREAM_ERROR_EVENT: _info(
        11,
        "stream",
        "an error event inside the stream after `after_events` events",
        "APIError",
        "retry the step",
    ),
    K.HTML_GATEWAY: _info(
        12,
        "body",
        "200 with an HTML gateway page",
        "create() returns a str",
        "type-check, treat as a server fault",
    ),
    K.TRUNCATED_JSON: _info(
        13,
        "body",
        "200 with the JSON body cut short",
        "json.JSONDecodeError, raw",
        "catch it, retry",
    ),
    K.WRONG_SHAPE: _info(
        14,
        "body",
        'choices replaced by "x"',
        "lenient object, AttributeError later",
        "validate the shape",
    ),
    K.EMPTY_CHOICES: _info(15, "body", "choices: []", "IndexError in naive code", "fall back"),
    K.NULL_CONTENT: _info(
        16,
        "output",
        "content null and no tool calls",
        "passes through",
        "fall back, don't loop",
    ),
    K.REFUSAL: _info(
        16,
        "output",
        "the refusal field set, no content",
        "passes through",
        "fall back, don't loop",
    ),
    K.LENGTH_CUT_ARGUMENTS: _info(
        17,
        "output",
        "finish_reason length with the arguments cut mid-string",
        "a broken arguments string",
        "never execute; re-ask once or fall back",
    ),
    K.INVALID_JSON_ARGUMENTS: _info(
        18,
        "output",
        "invalid JSON in arguments",
        "passes through",
        "one repair re-ask with the error, then fall back",
    ),
    K.NON_OBJECT_ARGUMENTS: _info(
        19,
        "output",
        'arguments a JSON list or "" (variant: list, empty, object_not_string)',
        "passes through",
        "normalise / reject",
    ),
    K.INVENTED_TOOL: _info(
        20,
        "output",
        "a tool name that is not offered",
        "passes through",
        "tell the model the valid tools, then fall back",
    ),
    K.BAD_ARGUMENT: _info(
        21,
        "output",
        "a required argument dropped, or a number sent as a string",
        "passes through",
        "validate against the schema",
    ),
    K.TOOL_CALL_IN_TEXT: _info(
        22,
        "output",
        "the tool call written into the text as <tool_call>{...}",
        "tool_calls=None",
        "optionally parse it, else fall back",
    ),
    K.DELTA_WITHOUT_INDEX: _info(
        23,
        "stream",
        "tool-call deltas without index",
        ".stream() helper raises TypeError",
        "accumulate tolerantly",
    ),
    K.DUPLICATE_TOOL_CALLS: _info(
        24,
        "output",
        "the same tool call twice with the same id",
        "passes through",
        "execute each id at most once",
    ),
    K.NULL_FIRST_ARGUMENTS: _info(
        25,
        "output",
        "arguments null in the first delta (or the message)",
        "passes through",
        'accumulators start from ""',
    ),
    K.LATENCY: _info(
        None,
        "network",
        "`latency_s` (+ uniform `jitter_s`) before the answer, on the injected clock",
        "a slower call",
        "stay within the deadline",
    ),
    K.SLICER: _info(
        None,
        "network",
        "the body split at arbitrary byte boundaries",
        "must parse identically",
        "nothing: parsers must not care",
    ),
    K.LIMIT_DATA: _info(
        None,
        "network",
        "the body cut after `limit_bytes` bytes",
        "truncated JSON or stream",
        "retry, then fall back",
    ),
}
