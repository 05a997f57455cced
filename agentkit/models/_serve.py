"""Serve ``ModelAPI``'s calls from recorded wire answers, without HTTP: the hook of model-level
replay (``agentkit.replay.model_replay``).

Inside :func:`serve_wire`, a built-in adapter (chat completions, Responses, Anthropic) still runs
all of its own code: it builds the SDK arguments, and reads the answer, the stream and its end
with the normalizers it always uses. Only its SDK client is swapped for a stand-in, which turns
the arguments into the JSON body the SDK would send, asks the server for the answer, and hands
the adapter what the SDK would make of it: the SDK's own typed objects for an answer and for
each stream event (its ``_process_response_data``), the SDK's own exception for an error status,
and the stream read by the SDK's rules (``[DONE]``, error payloads, Anthropic's ``ping``).

Given up: the SDK's request building and validation (its ``transform`` of the arguments, its
headers and URL options), the HTTP client and its transports, and the SDK's byte-level reading
of the response (content types, SSE framing, JSON decoding).

>>> with serve_wire(lambda request: WireReply(status=200, body=completion)):
...     answer = await api.chat([Message.user("hi")])  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import functools
import json
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx2
from pydantic import BaseModel

from agentkit._errors import UsageError
from agentkit.models._wire import ProviderAdapter

__all__ = ["SSEMessage", "WireReply", "WireRequest", "WireServer", "serve_wire", "served_adapter"]


@dataclass(frozen=True)
class WireRequest:
    """One call as the SDK would have sent it."""

    method: str
    """``POST``."""
    url: str
    """The full URL, e.g. ``http://model-endpoint.invalid/v1/chat/completions``."""
    body: Mapping[str, Any]
    """The JSON body as built: the SDK arguments with ``extra_body`` merged over them."""
    stream: bool
    """Whether the adapter asked for a stream."""

    @functools.cached_property
    def content(self) -> bytes:
        """``body`` serialised as the SDK does (compact, UTF-8; NaN refused), on first use."""
        text = json.dumps(self.body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode("utf-8")


class SSEMessage(Protocol):
    """One server-sent event of a recorded stream (``agentkit.replay.SSEEvent`` is one)."""

    @property
    def event(self) -> str | None:
        """The ``event:`` field, if the server sent one."""
        ...

    @property
    def data(self) -> Any:
        """The ``data:`` field: a parsed JSON object or array, else its text."""
        ...


@dataclass(frozen=True)
class WireReply:
    """The recorded answer to a :class:`WireRequest`: a body, or the events of a stream."""

    status: int
    """The HTTP status; outside 2xx the SDK's own status error is raised."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """The response headers (``retry-after`` and the like reach the error classifier)."""
    body: Any = None
    """A parsed JSON object or array, text, or bytes; ``None`` when empty."""
    events: Sequence[SSEMessage] | None = None
    """For a ``text/event-stream`` answer: its events, in order."""


WireServer = Callable[[WireRequest], WireReply]
"""Answers one call (raising to refuse it: a replay mismatch surfaces unwrapped)."""


@dataclass
class _Serving:
    """One :func:`serve_wire` block: its server, and the adapter copies made for it (they go
    with the block, so a long-lived ``ModelAPI`` keeps no cassette alive)."""

    server: WireServer
    copies: weakref.WeakKeyDictionary[Any, ProviderAdapter] = field(
        default_factory=weakref.WeakKeyDictionary
    )
    lock: threading.Lock = field(default_factory=threading.Lock)


_serving: ContextVar[_Serving | None] = ContextVar("agentkit_wire_server", default=None)


@contextmanager
def serve_wire(server: WireServer) -> Iterator[None]:
    """Within the block, ``ModelAPI`` calls (through the built-in adapters) are answered by
    ``server`` instead of the SDK and its HTTP client; the retry loop runs as always.

    It does not make credentials optional: ``agentkit.replay.model_replay`` does, as
    ``use_cassette`` does (or enter ``allow_missing_credentials()`` yourself).
    """
    token = _serving.set(_Serving(server))
    try:
        yield
    finally:
        _serving.reset(token)


def served_adapter(adapter: ProviderAdapter) -> ProviderAdapter:
    """``adapter``; inside :func:`serve_wire`, a copy of it whose SDK client is the stand-in."""
    serving = _serving.get()
    if serving is None:
        return adapter
    with serving.lock:
        served = serving.copies.get(adapter)
        if served is None:
            served = serving.copies[adapter] = _with_stand_in(adapter, serving.server)
    return served


@dataclass(frozen=True)
class _Wire:
    """How one adapter's SDK talks: the route, the answer's SDK type, the stream's rules."""

    route: str
    answer_type: type[BaseModel]
    event_type: Any
    """The SDK's stream item type (a union for the Responses API and Anthropic)."""
    anthropic: bool


def _wire_of(adapter: ProviderAdapter) -> _Wire:
    # Imported here: these modules import the SDKs, which only served calls need.
    from agentkit.models._anthropic import AnthropicAdapter
    from agentkit.models._openai_compat import OpenAICompatAdapter
    from agentkit.models._responses import ResponsesAdapter

    if isinstance(adapter, OpenAICompatAdapter):
        from openai.types.chat import ChatCompletion, ChatCompletionChunk

        return _Wire("/chat/completions", ChatCompletion, ChatCompletionChunk, anthropic=False)
    if isinstance(adapter, ResponsesAdapter):
        from openai.types.responses import Response, ResponseStreamEvent

        return _Wire("/responses", Response, ResponseStreamEvent, anthropic=False)
    if isinstance(adapter, AnthropicAdapter):
        from anthropic.types import Message, RawMessageStreamEvent

        return _Wire("/v1/messages", Message, RawMessageStreamEvent, anthropic=True)
    raise UsageError(
        f"model-level replay serves ModelAPI's built-in adapters (chat completions, Responses, "
        f"Anthropic), not {type(adapter).__name__}: replay this provider at the HTTP level with "
        "agentkit.replay.use_cassette instead"
    )


def _with_stand_in(adapter: ProviderAdapter, server: WireServer) -> ProviderAdapter:
    wire = _wire_of(adapter)
    served = copy.copy(adapter)
    # The adapters keep their SDK client in ``_client``; the copy's is the stand-in, so the
    # adapter object the ModelAPI holds (and closes) is never touched.
    sdk = vars(adapter)["_client"]
    resource = _Resource(sdk, wire, server)
    vars(served)["_client"] = _StandInClient(sdk, resource)
    return served


class _StandInClient:
    """What the adapters use of an SDK client: ``<resource>.create``, ``base_url``, ``close``."""

    def __init__(self, sdk: Any, resource: _Resource) -> None:
        self.base_url = sdk.base_url
        self.chat = _Namespace(completions=resource)
        self.responses = resource
        self.messages = resource

    async def close(self) -> None:
        """Nothing to close: the real client belongs to the adapter the ModelAPI holds."""


class _Namespace:
    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(attributes)


class _Resource:
    """``create(**kwargs)`` of an SDK resource, answered by the server."""

    def __init__(self, sdk: Any, wire: _Wire, server: WireServer) -> None:
        self._sdk = sdk
        self._wire = wire
        self._server = server
        self._url = str(sdk._prepare_url(wire.route))  # the SDK's own join of base URL and route

    async def create(self, **kwargs: Any) -> Any:
        end = _stream_end() if not self._wire.anthropic else None
        kwargs.pop("timeout", None)
        extra = kwargs.pop("extra_body", None) or {}
        # As the SDK builds the body: its arguments, then extra_body merged over them.
        body = {**kwargs, **extra}
        stream = kwargs.get("stream") is True
        reply = self._server(WireRequest("POST", self._url, body, stream))
        if not 200 <= reply.status < 300:
            raise self._sdk._make_status_error_from_response(self._response(reply))
        if stream:
            return _Stream(self, reply, end)
        return self._answer(reply)

    def _request(self) -> httpx2.Request:
        return httpx2.Request("POST", self._url)

    def _response(self, reply: WireReply, *, content: bool = True) -> httpx2.Response:
        """The HTTP response the SDK would hold; its body only where the SDK reads it (errors)."""
        return httpx2.Response(
            reply.status,
            headers=dict(reply.headers),
            content=_content(reply) if content else b"",
            request=self._request(),
        )

    def _answer(self, reply: WireReply) -> Any:
        """What the SDK returns for a whole answer: an object of its answer type for a JSON
        object, the text for anything else (a gateway's HTML page)."""
        body = reply.body
        if isinstance(body, dict):
            # pydantic's construct, not the SDK's recursive one (a tenth of the cost): the
            # adapter reads the object's dump, which is the recorded JSON either way.
            return _construct(self._wire.answer_type, **body)
        if isinstance(body, list):
            return body
        return _content(reply).decode("utf-8", errors="replace")

    def _parsed(self, data: Any, cast_to: Any, response: httpx2.Response) -> Any:
        # The SDK's own step from JSON to its typed objects (``construct``, not validation).
        return self._sdk._process_response_data(data=data, cast_to=cast_to, response=response)

    def events(self, reply: WireReply, end: Any) -> Iterator[Any]:
        """The stream's items, by the SDK's rules for this API."""
        response = self._response(reply, content=False)
        for sse in reply.events or ():
            data = sse.data
            if self._wire.anthropic:
                if sse.event in ("ping", None):
                    continue
                if sse.event == "error":
                    raise self._anthropic_error(reply, data)
                if data in ("", None):
                    continue
            elif isinstance(data, str) and data.startswith("[DONE]"):
                if end is not None:
                    end.done = True
                break
            parsed = json.loads(data) if isinstance(data, str) else data
            if not self._wire.anthropic and isinstance(parsed, dict) and parsed.get("error"):
                raise self._openai_error(parsed["error"])
            yield self._parsed(parsed, self._wire.event_type, response)

    def _openai_error(self, error: Any) -> Exception:
        import openai

        message = error.get("message") if isinstance(error, dict) else None
        if not message or not isinstance(message, str):
            message = "An error occurred during streaming"
        return openai.APIError(message=message, request=self._request(), body=error)

    def _anthropic_error(self, reply: WireReply, data: Any) -> Exception:
        body = json.loads(data) if isinstance(data, str) else data
        error: Exception = self._sdk._make_status_error(
            f"{body}", body=body, response=self._response(reply)
        )
        return error


# pydantic's own classmethod: the SDKs' models override ``model_construct`` with their recursive one.
_construct: Any = vars(BaseModel)["model_construct"].__func__


class _Stream:
    """The SDK stream object, as far as the adapters use it."""

    def __init__(self, resource: _Resource, reply: WireReply, end: Any) -> None:
        self._resource = resource
        self._reply = reply
        self._end = end
        self.response = _Namespace(request=resource._request())

    async def __aenter__(self) -> _Stream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    async def __aiter__(self) -> AsyncIterator[Any]:
        for item in self._resource.events(self._reply, self._end):
            yield item


def _stream_end() -> Any:
    """The chat-completions adapter's note of whether its stream ended with ``[DONE]``: it is
    set while the SDK builds a stream, so the stand-in reads it when ``create`` is called."""
    from agentkit.models._openai_compat import _stream_end as current

    return current.get()


def _content(reply: WireReply) -> bytes:
    body = reply.body
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if reply.events is not None:
        return b"".join(_sse_bytes(sse) for sse in reply.events)
    if body is None:
        return b""
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _sse_bytes(sse: SSEMessage) -> bytes:
    data = sse.data if isinstance(sse.data, str) else json.dumps(sse.data, ensure_ascii=False)
    head = f"event: {sse.event}\n" if sse.event is not None else ""
    return f"{head}data: {data}\n\n".encode()
