"""Model-output faults on OpenAI Responses API answers (``POST {base}/responses``).

The chat-completions faults have a Responses form: the mutation acts on the ``response`` object's
``output`` items (a ``function_call`` item has the same ``name`` and ``arguments`` as a chat
completion's call), and a stream is rebuilt from the mutated answer as the Responses API frames
it. ``delta_without_index`` has none: Responses events name their item by ``output_index`` and
``item_id``, so it is reported not applied.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from agentkit.faults._catalog import FaultKind
from agentkit.faults._mutate import (
    INVENTED_TOOL,
    SSEEvent,
    call_as_text,
    mutate_call,
    parse_sse,
    render_sse,
    tool_names,
)
from agentkit.faults._plan import Fault

__all__ = [
    "FINISHED_EVENTS",
    "is_responses",
    "mutate_response",
    "reshape_responses",
    "response_error_event",
    "response_stream",
    "stream_to_response",
]

K = FaultKind

FINISHED_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})
"""The events that end a Responses stream."""

_REFUSAL = "I can't help with that request."


def is_responses(path: str) -> bool:
    return path.endswith("/responses")


def response_error_event(sequence_number: int) -> SSEEvent:
    """A documented Responses stream ``error`` event, as a server error mid-stream sends it."""
    error = {
        "type": "error",
        "code": "server_error",
        "message": "The server had an error while streaming.",
        "param": None,
        "sequence_number": sequence_number,
    }
    return SSEEvent(data=json.dumps(error), event="error")


def _message(text: str | None = None, *, refusal: str | None = None) -> dict[str, Any]:
    part = (
        {"type": "refusal", "refusal": refusal}
        if refusal is not None
        else {"type": "output_text", "text": text or "", "annotations": []}
    )
    return {
        "type": "message",
        "id": "msg_fault_0",
        "status": "completed",
        "role": "assistant",
        "content": [part],
    }


def _ensure_call(output: list[Any], request_body: Any) -> dict[str, Any]:
    """The answer's first ``function_call`` item; when it made none, one to the first offered
    tool (a text agent offers none: the call names one it never offered)."""
    for item in output:
        if isinstance(item, dict) and item.get("type") == "function_call":
            if not isinstance(item.get("arguments"), str):
                item["arguments"] = json.dumps(item.get("arguments") or {})
            return item
    call = {
        "type": "function_call",
        "id": "fc_fault_0",
        "call_id": "call_fault_0",
        "name": (tool_names(request_body) or [INVENTED_TOOL])[0],
        "arguments": "{}",
        "status": "completed",
    }
    output.append(call)
    return call


def _completed(body: dict[str, Any]) -> None:
    body["status"] = "completed"
    body["incomplete_details"] = None


def mutate_response(response: dict[str, Any], fault: Fault, request_body: Any) -> dict[str, Any]:
    """A ``response`` object with ``fault`` applied to its output (the input is left unchanged).

    ``wrong_shape`` makes ``output`` a string and ``empty_choices`` an empty list; the output
    faults act on the first function call (one is added if there is none), keeping reasoning.
    """
    body = copy.deepcopy(response)
    kind = fault.kind
    if kind is K.WRONG_SHAPE:
        body["output"] = "x"
        return body
    if kind is K.EMPTY_CHOICES:
        body["output"] = []
        return body
    output = [item for item in body.get("output") or () if isinstance(item, dict)]
    body["output"] = output
    _completed(body)
    if kind in (K.NULL_CONTENT, K.REFUSAL):
        output[:] = [
            item for item in output if item.get("type") not in ("message", "function_call")
        ]
        if kind is K.REFUSAL:
            output.append(_message(refusal=_REFUSAL))
        return body
    call = _ensure_call(output, request_body)
    if mutate_call(call, fault, request_body):
        if kind is K.LENGTH_CUT_ARGUMENTS:
            body["status"] = "incomplete"
            body["incomplete_details"] = {"reason": "max_output_tokens"}
    elif kind is K.TOOL_CALL_IN_TEXT:
        text = f"<tool_call>{call_as_text(call)}</tool_call>"
        output[:] = [
            item for item in output if item.get("type") not in ("message", "function_call")
        ]
        output.append(_message(text))
    elif kind is K.DUPLICATE_TOOL_CALLS:
        output.insert(output.index(call) + 1, copy.deepcopy(call))
    return body


def stream_to_response(events: list[SSEEvent]) -> dict[str, Any] | None:
    """The ``response`` object a Responses event stream ends with (its output items from the
    ``response.output_item.done`` events if the last event leaves them out); None if the stream
    is not a finished Responses stream."""
    final: dict[str, Any] | None = None
    done: dict[int, Any] = {}
    for event in events:
        data = event.json()
        if not isinstance(data, dict):
            continue
        if data.get("type") in FINISHED_EVENTS and isinstance(data.get("response"), dict):
            final = data["response"]
        elif data.get("type") == "response.output_item.done" and isinstance(data.get("item"), dict):
            index = data.get("output_index")
            done[index if isinstance(index, int) else len(done)] = data["item"]
    if final is None:
        return None
    if not final.get("output") and done:
        final = {**final, "output": [done[index] for index in sorted(done)]}
    return final


def _item_events(index: int, item: dict[str, Any], piece: int) -> list[dict[str, Any]]:
    kind = item.get("type")
    added = dict(item)
    at = {"item_id": item.get("id"), "output_index": index}
    deltas: list[dict[str, Any]] = []
    if kind == "function_call" and isinstance(item.get("arguments"), str):
        added["arguments"] = ""
        arguments = item["arguments"]
        deltas = [
            {
                "type": "response.function_call_arguments.delta",
                **at,
                "delta": arguments[i : i + piece],
            }
            for i in range(0, len(arguments), piece)
        ]
        deltas.append(
            {"type": "response.function_call_arguments.done", **at, "arguments": arguments}
        )
    elif kind == "message":
        added["content"] = []
        for number, part in enumerate(item.get("content") or ()):
            where = {**at, "content_index": number}
            empty = (
                {**part, "refusal": ""} if part.get("type") == "refusal" else {**part, "text": ""}
            )
            deltas.append({"type": "response.content_part.added", **where, "part": empty})
            if part.get("type") == "refusal":
                deltas.append(
                    {"type": "response.refusal.delta", **where, "delta": part.get("refusal", "")}
                )
            else:
                text = part.get("text") or ""
                deltas += [
                    {"type": "response.output_text.delta", **where, "delta": text[i : i + piece]}
                    for i in range(0, len(text), piece)
                ]
            deltas.append({"type": "response.content_part.done", **where, "part": part})
    elif kind == "reasoning":
        added["summary"] = []
        for number, summary in enumerate(item.get("summary") or ()):
            text = summary.get("text") or ""
            where = {**at, "summary_index": number}
            deltas += [
                {
                    "type": "response.reasoning_summary_text.delta",
                    **where,
                    "delta": text[i : i + piece],
                }
                for i in range(0, len(text), piece)
            ]
    return [
        {"type": "response.output_item.added", "output_index": index, "item": added},
        *deltas,
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]


def response_stream(response: dict[str, Any], piece: int = 8) -> list[SSEEvent]:
    """A ``response`` object as a Responses event stream, text and arguments in ``piece``-size
    bits; an ``output`` that is not a list goes whole in the last event, as a broken proxy would."""
    started = {**response, "status": "in_progress", "output": [], "usage": None}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": started},
        {"type": "response.in_progress", "response": started},
    ]
    output = response.get("output")
    for index, item in enumerate(output if isinstance(output, list) else ()):
        events += _item_events(index, item, piece)
    status = response.get("status")
    last = {"failed": "response.failed", "incomplete": "response.incomplete"}.get(
        status if isinstance(status, str) else "", "response.completed"
    )
    events.append({"type": last, "response": response})
    return [
        SSEEvent(data=json.dumps({**event, "sequence_number": n}), event=event["type"])
        for n, event in enumerate(events)
    ]


def _null_first_arguments(events: list[SSEEvent]) -> tuple[bytes | None, str]:
    """Row 25 on a stream: the first function call is announced with ``arguments: null``."""
    for event in events:
        data = event.json()
        if not isinstance(data, dict) or data.get("type") != "response.output_item.added":
            continue
        item = data.get("item")
        if isinstance(item, dict) and item.get("type") == "function_call":
            item["arguments"] = None
            event.data = json.dumps(data)
            return render_sse(events), "first function_call item announced with arguments: null"
    return None, "the stream had no function calls"


def reshape_responses(
    body: bytes, streamed: bool, fault: Fault, request_body: Any
) -> tuple[bytes | None, str]:
    """The answer's body with a model-output ``fault`` applied, and a note; None (with why) when
    the fault does not apply to it."""
    if fault.kind is K.DELTA_WITHOUT_INDEX:
        return None, (
            "not applicable to the Responses API: its events name their item by output_index "
            "and item_id, there are no tool-call indexes to drop"
        )
    if streamed:
        events = parse_sse(body)
        if fault.kind is K.NULL_FIRST_ARGUMENTS:
            return _null_first_arguments(events)
        response = stream_to_response(events)
        if response is None:
            return None, "the stream is not a finished Responses stream"
        mutated = mutate_response(response, fault, request_body)
        return render_sse(response_stream(mutated)), "stream rebuilt from the mutated answer"
    try:
        response = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        response = None
    if not isinstance(response, dict):
        return None, "the real answer is not a JSON object"
    return json.dumps(mutate_response(response, fault, request_body)).encode(), ""
