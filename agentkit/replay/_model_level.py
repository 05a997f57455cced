"""``model_replay``: serve a cassette's recorded answers straight to ``ModelAPI``, for unit tests.

The same cassette files, the same matching (the request body each adapter would have the SDK
send, redacted and matched like a recorded one), the same mismatch errors and the same
strictness as :func:`~agentkit.replay.use_cassette`, which it runs underneath; only the HTTP
client and the SDK's request building are skipped (see docs/model-level-replay.md).

Example::

    from agentkit.replay import model_replay

    async with model_replay("cassettes/booking.json") as cassette:
        reply = await api.chat(messages)
    assert cassette.all_played
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from agentkit._errors import UsageError
from agentkit.models import WireReply, WireRequest, serve_wire
from agentkit.replay._cassette import (
    Cassette,
    CassetteContext,
    OnBackgroundMismatch,
    RecordMode,
    resolve_record_mode,
    use_cassette,
)
from agentkit.replay._errors import ReplayMismatchError
from agentkit.replay._format import (
    RecordedRequest,
    RecordedResponse,
    decode_body,
    parse_sse,
    response_bytes,
)
from agentkit.replay._match import strict_fingerprint
from agentkit.replay._vcr import to_recorded_request

if TYPE_CHECKING:
    import httpx2

    from agentkit.faults import FaultInjectingTransport, FaultPlan, InjectedFault

__all__ = ["MODEL_LEVEL_FAULT_LAYERS", "ModelReplayContext", "model_replay"]

F = TypeVar("F", bound=Callable[..., Any])

MODEL_LEVEL_FAULT_LAYERS = frozenset({"status", "output"})
"""The fault layers (``FaultInfo.layer``) a fault plan may use at model level: error statuses
(the SDK's own exceptions are raised for them) and mutated model output. The others act on
bytes, connections or time, which model-level replay has none of."""

_RECORDING_MODES = (RecordMode.NEW_EPISODES, RecordMode.ALL, RecordMode.REWRITE)


def _refuse_recording(mode: RecordMode, path: Path) -> None:
    if mode in _RECORDING_MODES or (mode is RecordMode.ONCE and not path.exists()):
        why = "the file does not exist yet" if mode is RecordMode.ONCE else "it records"
        raise UsageError(
            f"model-level replay only replays, and record mode {mode.value!r} cannot be served "
            f"for {path} ({why}): recording needs the real SDK and HTTP path. Record with "
            f"use_cassette({str(path)!r}, mode='rewrite') around the same calls, then replay "
            "them with model_replay (mode 'none')."
        )


def _check_plan(plan: FaultPlan) -> None:
    from agentkit.faults import CATALOGUE

    refused = sorted(
        {
            f"{rule.fault.kind.value} ({CATALOGUE[rule.fault.kind].layer})"
            for rule in plan.rules
            if CATALOGUE[rule.fault.kind].layer not in MODEL_LEVEL_FAULT_LAYERS
        }
    )
    if refused:
        raise UsageError(
            f"model-level replay applies faults of the layers {sorted(MODEL_LEVEL_FAULT_LAYERS)} "
            f"only; the plan also has {', '.join(refused)}, which act on the HTTP transport, "
            "bytes or time and so are not applicable without it: run that plan under "
            "use_cassette with ModelAPI(http_client=httpx2.AsyncClient(transport="
            "FaultInjectingTransport(...)))."
        )


def _reply(response: RecordedResponse) -> WireReply:
    if response.body_base64 is not None:
        return WireReply(response.status, response.headers, body=response_bytes(response))
    return WireReply(response.status, response.headers, body=response.body, events=response.events)


class _Server:
    """Answers a ``ModelAPI`` call from ``cassette``, exactly as its HTTP bridge would."""

    def __init__(self, cassette: Cassette, plan: FaultPlan | None) -> None:
        self._cassette = cassette
        self._routes: dict[str, RecordedRequest] = {}
        # Nothing in the file is what the redactor replaces (the usual case: cassettes are
        # redacted when saved). Then a request that matches unredacted is one that redaction
        # would leave as it is, so the match can skip redacting it; see _fast.
        self._redacted_file = cassette.existed and not cassette.redactor.needs_redaction(
            cassette.path.read_text(encoding="utf-8")
        )
        self.transport: FaultInjectingTransport | None = None
        if plan is not None:
            import httpx2

            from agentkit.faults import FaultInjectingTransport

            # The plan decides before the cassette is asked: a fault that stands in for the
            # answer leaves the recording unplayed, for the retry, as on the HTTP path.
            self.transport = FaultInjectingTransport(httpx2.MockTransport(self._handle), plan)

    def _recorded(self, method: str, url: str, content: bytes) -> RecordedResponse:
        """The HTTP bridge's way: the body serialised, parsed back, redacted, matched."""
        request = to_recorded_request(method, url, content, {}, self._cassette.redactor)
        response = self._cassette.replay(request, url=url)
        if response is None:  # only a recording cassette answers None; model_replay has none
            raise UsageError(f"cassette {self._cassette.path} is recording: model level cannot")
        return response

    def _fast(self, request: WireRequest) -> RecordedResponse | None:
        """The recorded answer if the body as built matches one; None to take the HTTP way.

        Exact: a match needs the key (method, path, canonical body) of an unplayed recording,
        which redaction leaves as it is (see ``_redacted_file``), so the bridge would match the
        same one. A miss is retried the bridge's way, which alone may report it (redacted).
        """
        route = self._routes.get(request.url)
        if route is None:
            route = to_recorded_request(
                request.method, request.url, None, {}, self._cassette.redactor
            )
            self._routes[request.url] = route
        fingerprint = strict_fingerprint(request.body)
        if fingerprint is not None:
            # The commonest case at a quarter of the canonical key's cost: the next recording.
            served = self._cassette.replay_first(route, strict_fingerprint, fingerprint)
            if served is not None:
                return served
        built = route.model_copy(update={"body": request.body})
        try:
            return self._cassette.replay(built, url=request.url)
        except ReplayMismatchError as provisional:
            with contextlib.suppress(ValueError):
                self._cassette.mismatches.remove(provisional)
            return None
        except (TypeError, ValueError):
            return None  # a body JSON cannot hold as built: the SDK's serialisation decides

    def __call__(self, request: WireRequest) -> WireReply:
        if self.transport is not None:
            return self._through_faults(request)
        response = self._fast(request) if self._redacted_file else None
        if response is None:
            response = self._recorded(request.method, request.url, request.content)
        return _reply(response)

    def _handle(self, request: httpx2.Request) -> httpx2.Response:
        import httpx2

        response = self._recorded(request.method, str(request.url), request.content)
        return httpx2.Response(
            response.status, headers=response.headers, content=response_bytes(response)
        )

    def _through_faults(self, request: WireRequest) -> WireReply:
        import httpx2

        assert self.transport is not None
        sent = httpx2.Request(
            request.method,
            request.url,
            content=request.content,
            headers={"content-type": "application/json"},
        )
        response = self.transport.handle_request(sent)
        raw = response.read()
        headers = dict(response.headers.items())
        if headers.get("content-type", "").startswith("text/event-stream"):
            return WireReply(response.status_code, headers, events=parse_sse(raw))
        try:
            body: Any = decode_body(raw)
        except ValueError:
            body = raw
        return WireReply(response.status_code, headers, body=body)


class ModelReplayContext:
    """What :func:`model_replay` returns: a context manager (sync and async) and a decorator,
    entering to the same :class:`Cassette` as ``use_cassette``."""

    def __init__(self, path: Path, options: dict[str, Any], plan: FaultPlan | None) -> None:
        self._path = path
        self._options = options
        self._plan = plan
        self._stack: contextlib.ExitStack | None = None
        self._server: _Server | None = None

    @property
    def injected(self) -> list[InjectedFault]:
        """The faults the plan injected so far (empty without a plan)."""
        transport = self._server.transport if self._server is not None else None
        return [] if transport is None else list(transport.log)

    def __enter__(self) -> Cassette:
        if self._stack is not None:
            raise UsageError(
                "This model_replay(...) context is already active; it cannot be entered twice. "
                "Call model_replay(...) again for a second, nested cassette."
            )
        _refuse_recording(resolve_record_mode(self._options["mode"]), self._path)
        inner: CassetteContext = use_cassette(self._path, **self._options)
        stack = contextlib.ExitStack()
        cassette = stack.enter_context(inner)
        # From here on an exception must still close the cassette: the stack owns it.
        with stack:
            self._server = _Server(cassette, self._plan)
            stack.enter_context(serve_wire(self._server))
            self._stack = stack.pop_all()
        return cassette

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stack, self._stack = self._stack, None
        assert stack is not None
        # The cassette's own exit: mismatches raised, unplayed interactions checked.
        stack.__exit__(exc_type, exc, tb)

    async def __aenter__(self) -> Cassette:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def __call__(self, function: F) -> F:
        # Each call gets a fresh context, so a decorated function can be re-entered.
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                async with ModelReplayContext(self._path, self._options, self._plan):
                    return await function(*args, **kwargs)

            return cast(F, run_async)

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with ModelReplayContext(self._path, self._options, self._plan):
                return function(*args, **kwargs)

        return cast(F, run)


def model_replay(
    path: str | os.PathLike[str],
    *,
    mode: RecordMode | str | None = None,
    ignore_paths: Iterable[str] = (),
    allow_unplayed: bool = False,
    allow_mismatches: bool = False,
    block_network: bool | None = None,
    secret_env_vars: Iterable[str] | None = None,
    record_command: str | None = None,
    on_background_mismatch: OnBackgroundMismatch = "warn",
    faults: FaultPlan | None = None,
) -> ModelReplayContext:
    """Replay the cassette at ``path`` to ``ModelAPI`` directly: no HTTP and no SDK request
    building, about a twentieth of the SDK + MockTransport floor's cost per call
    (``benchmarks/replay.py``); what it gives up: docs/model-level-replay.md.

    Takes ``use_cassette``'s arguments, with the same meaning, for a replay-only block: mode
    ``none`` (the default) or ``once`` on an existing file; a mode that would record raises
    ``UsageError``. Calls of other clients (an SDK used directly) still go through
    ``use_cassette``'s HTTP replay inside the block.

    Args:
        faults: a ``FaultPlan`` applied to the recorded answers, of the layers in
            :data:`MODEL_LEVEL_FAULT_LAYERS` only (``UsageError`` names any other); the log of
            what it injected is the context's ``injected``.
    """
    resolved = resolve_record_mode(mode)  # fail at the call site on a bad mode
    if mode is not None:
        _refuse_recording(resolved, Path(path))
    if faults is not None:
        _check_plan(faults)
    options: dict[str, Any] = {
        "mode": mode,
        "ignore_paths": tuple(ignore_paths),
        "allow_unplayed": allow_unplayed,
        "allow_mismatches": allow_mismatches,
        "block_network": block_network,
        "secret_env_vars": None if secret_env_vars is None else tuple(secret_env_vars),
        "record_command": record_command,
        "on_background_mismatch": on_background_mismatch,
    }
    return ModelReplayContext(Path(path), options, faults)
