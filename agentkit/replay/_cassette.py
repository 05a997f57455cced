"""``use_cassette``: record model traffic once, replay it offline.

Example::

    from agentkit.replay import use_cassette

    with use_cassette("cassettes/booking.json") as cassette:   # mode "none": replay only
        reply = client.chat.completions.create(model="gpt-4", messages=messages)
    assert cassette.all_played
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar, cast, get_args
from urllib.parse import urlsplit

from agentkit._errors import UsageError, exception_chain
from agentkit._files import FileStamp, file_lock, file_stamp
from agentkit.replay import _scope
from agentkit.replay._errors import (
    BackgroundMismatchError,
    CassetteNotFoundError,
    ReplayMismatchError,
    UnplayedInteractionsError,
)
from agentkit.replay._format import (
    Interaction,
    RecordedRequest,
    RecordedResponse,
    UnsavableInteractionsError,
    cassette_text,
    interaction_text,
    read_cassette,
    savable_text,
    write_cassette_text,
)
from agentkit.replay._guard import block_network as _block_network
from agentkit.replay._heap import load_outside_gc_scans, release_gc_scans
from agentkit.replay._ignore import (
    IgnoredRequest,
    IgnoreRoute,
    ReplayAction,
    find_route,
    ignore_rules,
)
from agentkit.replay._match import InteractionIndex, diff_requests, parse_paths
from agentkit.replay._redact import Redactor
from agentkit.replay._report import report_background, report_empty
from agentkit.replay._vcr import patch_transports

__all__ = [
    "RECORD_MODE_ENV",
    "Cassette",
    "OnBackgroundMismatch",
    "OnEmpty",
    "RecordMode",
    "resolve_record_mode",
    "use_cassette",
]

RECORD_MODE_ENV = "AGENTKIT_RECORD_MODE"
"""Environment variable that sets the record mode when ``use_cassette`` is not given one."""

F = TypeVar("F", bound=Callable[..., Any])
_URLS_REMEMBERED = 1024
"""Distinct (method, URL) pairs a cassette remembers the ignore rule of (then it starts over)."""

OnEmpty = Literal["warn", "error", "ignore"]
"""What a recording block that captured no interaction does: warn, raise, or nothing."""
OnBackgroundMismatch = Literal["warn", "error", "ignore"]
"""What mismatches of requests from threads/tasks the test did not start do to the block."""


class RecordMode(StrEnum):
    """What a cassette does with a request it has no recording for."""

    NONE = "none"
    """Replay only: an unrecorded request is an error, and the network is blocked."""
    ONCE = "once"
    """Record if the cassette file does not exist yet, else behave like ``none``."""
    NEW_EPISODES = "new_episodes"
    """Replay what is recorded, record what is not, and add it to the file."""
    ALL = "all"
    """Record every request again and rewrite the file with only the new recordings (a block
    that records nothing leaves the file as it was)."""
    REWRITE = "rewrite"
    """Drop the file and record what the code sends now; the file is written even when that is
    nothing, so the next plain replay sees exactly this session. The mode to re-record with."""


def resolve_record_mode(mode: RecordMode | str | None) -> RecordMode:
    """``mode``, or ``$AGENTKIT_RECORD_MODE`` when it is None, or ``none``; validated."""
    if mode is None:
        mode = os.environ.get(RECORD_MODE_ENV) or RecordMode.NONE
    try:
        return RecordMode(mode)
    except ValueError:
        choices = ", ".join(repr(m.value) for m in RecordMode)
        raise UsageError(
            f"Unknown record mode {mode!r}; expected one of {choices} "
            f"(check the mode argument and ${RECORD_MODE_ENV})."
        ) from None


class Cassette:
    """The recorded interactions of one cassette file, and what has been played from them.

    Created by :func:`use_cassette`; the attributes are for assertions in tests.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        record_mode: RecordMode,
        ignore_paths: Iterable[str] = (),
        allow_unplayed: bool = False,
        allow_mismatches: bool = False,
        redactor: Redactor | None = None,
        record_command: str | None = None,
        ignore_routes: Sequence[IgnoreRoute] = (),
        on_empty: OnEmpty = "warn",
        on_background_mismatch: OnBackgroundMismatch = "warn",
    ) -> None:
        self.path = Path(path)
        self.record_mode = record_mode
        self.record_command = record_command
        self.allow_unplayed = allow_unplayed
        self.allow_mismatches = allow_mismatches
        self.redactor = redactor or Redactor()
        self.ignore_routes = tuple(ignore_routes)
        self._routes_for = self.ignore_routes
        self._routes_seen: dict[tuple[str, str], IgnoreRoute | None] = {}
        self.on_empty: OnEmpty = on_empty
        self.on_background_mismatch: OnBackgroundMismatch = on_background_mismatch
        self.existed = False
        self.loaded: list[Interaction] = []
        self.recorded: list[Interaction] = []
        self.mismatches: list[ReplayMismatchError] = []
        """Requests the cassette could not answer, the test's own and background ones."""
        self.ignored: list[IgnoredRequest] = []
        """Requests that went to an ignored route, in the order sent."""
        self._ignore = parse_paths(ignore_paths)
        self._index = InteractionIndex(self.loaded, self._ignore)
        self._lock = threading.Lock()
        self._stamp: FileStamp | None = None
        """The version of the file this session started from (None: there was none)."""
        self._saved: list[Interaction] | None = None

    def load(self) -> None:
        """Read the file (modes ``all`` and ``rewrite`` do not: they rewrite it).

        Raises :class:`CassetteNotFoundError` in mode ``none`` when the file does not exist:
        a replay-only block with nothing to replay is a mistake, whatever the code then sends.
        """
        self._stamp = file_stamp(self.path)
        self.existed = self._stamp is not None
        if not self.existed and self.record_mode is RecordMode.NONE:
            raise CassetteNotFoundError(self.path, record_command=self.record_command)
        if self.existed and not self._rerecords:
            try:
                cassette, self._stamp = read_cassette(self.path)
            except FileNotFoundError:  # removed since the stat: as if it never existed
                self._stamp, self.existed = None, False
                if self.record_mode is RecordMode.NONE:
                    raise CassetteNotFoundError(
                        self.path, record_command=self.record_command
                    ) from None
                return
            self.loaded = list(cassette.interactions)
            self._index = InteractionIndex(self.loaded, self._ignore)

    @property
    def _rerecords(self) -> bool:
        return self.record_mode in (RecordMode.ALL, RecordMode.REWRITE)

    @property
    def interactions(self) -> list[Interaction]:
        """What the file holds after this session: loaded then recorded, in order; once saved,
        exactly what was written (with what concurrent writers saved merged in)."""
        if self._saved is not None:
            return list(self._saved)
        return [*self._base, *self.recorded]

    @property
    def _base(self) -> list[Interaction]:
        """What this session keeps of the file it started from."""
        return [] if self._rerecords else self.loaded

    @property
    def write_protected(self) -> bool:
        """Whether unrecorded requests are errors rather than recorded."""
        return self.record_mode is RecordMode.NONE or (
            self.record_mode is RecordMode.ONCE and self.existed
        )

    @property
    def play_count(self) -> int:
        """How many loaded interactions have been replayed."""
        return sum(self._index.played)

    @property
    def all_played(self) -> bool:
        """Whether every loaded interaction has been replayed."""
        return all(self._index.played)

    @property
    def played_indices(self) -> list[int]:
        """Positions (in the file) of the loaded interactions replayed so far."""
        return [index for index, played in enumerate(self._index.played) if played]

    @property
    def unplayed(self) -> list[Interaction]:
        """Loaded interactions not replayed yet, in recorded order."""
        return [i for i, played in zip(self.loaded, self._index.played, strict=True) if not played]

    @property
    def background_mismatches(self) -> list[BackgroundMismatchError]:
        """The mismatches of requests from threads or tasks the test did not start."""
        return [m for m in self.mismatches if isinstance(m, BackgroundMismatchError)]

    def ignored_route(self, method: str, url: str) -> IgnoreRoute | None:
        """The ignore rule ``method`` ``url`` falls under, or None."""
        # Asked of every request, and a session sends to a few URLs: remembered per URL (for
        # the rules it was found under: ignore_routes is an attribute anyone may replace).
        if self._routes_for is not self.ignore_routes:
            self._routes_seen, self._routes_for = {}, self.ignore_routes
        key = (method, url)
        if key in self._routes_seen:
            return self._routes_seen[key]
        route = find_route(self.ignore_routes, method, url)
        if len(self._routes_seen) >= _URLS_REMEMBERED:
            self._routes_seen.clear()
        self._routes_seen[key] = route
        return route

    def note_ignored(self, method: str, url: str, route: IgnoreRoute) -> ReplayAction:
        """Record that a request went to ``route``; what to do with it: the rule's replay
        action when write-protected, else ``pass`` (recording sends it on, unrecorded)."""
        action: ReplayAction = route.replay if self.write_protected else "pass"
        shown = IgnoredRequest(
            method=method.upper(),
            url=self.redactor.text(url),
            route=route,
            action=action,
            origin=_scope.origin(),
        )
        with self._lock:
            self.ignored.append(shown)
        return action

    def replay(
        self,
        request: RecordedRequest,
        *,
        url: str = "",
        stored: Callable[[], RecordedRequest] | None = None,
    ) -> RecordedResponse | None:
        """The recorded response for ``request`` (marking it played), or None if it should be
        recorded. Raises :class:`ReplayMismatchError` when it can be neither
        (:class:`BackgroundMismatchError` when sent from outside the block, see ``url``: the
        full URL, named in that error). ``stored`` builds the request as a recording would
        store it (with its headers), for that error, when ``request`` has only what matching
        reads."""
        if self._rerecords:
            return None
        key = self._index.key(request)
        with self._lock:
            position = self._index.take(key)
            if position is not None:
                return self.loaded[position].response
            if not self.write_protected:
                return None
            error = self._mismatch(request if stored is None else stored(), key, url)
            self.mismatches.append(error)
        raise error

    def replay_first(
        self,
        route: RecordedRequest,
        form: Callable[[Any], bytes | None],
        sent: bytes,
        clean: Callable[[Any], bool] = lambda body: True,
    ) -> RecordedResponse | None:
        """The response :meth:`replay` would give, marked played, when the request is the
        first unplayed recording exactly: ``route`` has its method, path and query, and
        ``form`` (``strict_fingerprint`` or ``wire_bytes``) of its body is ``sent`` (see
        ``InteractionIndex.take_first_if``). None asks nothing: call :meth:`replay`, which alone
        reports a mismatch."""
        if self._rerecords:
            return None
        with self._lock:
            position = self._index.take_first_if(route, form, sent, clean)
        return None if position is None else self.loaded[position].response

    def _mismatch(
        self, request: RecordedRequest, key: tuple[str, str, str], url: str
    ) -> ReplayMismatchError:
        recorded = self._index.times_recorded(key)
        closest = self._index.closest(request)
        if recorded:
            diff = (
                f"an identical request was recorded {recorded} time(s) and all of them have "
                "been replayed: the code now sends it more often than when it was recorded"
            )
        elif closest is None:
            diff = "the cassette is empty" if self.existed else "the cassette file does not exist"
        else:
            diff = diff_requests(closest, request)
        if not _scope.is_own(self):
            return BackgroundMismatchError(
                self.path,
                request,
                closest,
                diff,
                origin=_scope.origin(),
                host=urlsplit(url).netloc or "<host>",
                record_command=self.record_command,
            )
        return ReplayMismatchError(
            self.path, request, closest, diff, record_command=self.record_command
        )

    def record(self, request: RecordedRequest, response: RecordedResponse) -> None:
        """Add a freshly recorded interaction (already redacted)."""
        with self._lock:
            self.recorded.append(Interaction(request=request, response=response))

    def save(self) -> None:
        """Write the file if this session recorded anything, or always in mode ``rewrite``.

        Atomic and under the file's lock. When another writer saved the file since this session
        read it, the result is that writer's file followed by this session's recordings that it
        does not already hold (see docs/concurrency.md), so neither loses anything.

        Raises :class:`UnsavableInteractionsError`, after writing everything else, when a
        recorded interaction cannot be stored so that the file loads again.
        """
        if not (self.recorded or self.record_mode is RecordMode.REWRITE):
            return
        texts: list[str] = []
        kept: list[Interaction] = []
        refused: list[tuple[int, Interaction, str]] = []
        for index, interaction in enumerate(self.recorded):
            text, problem = savable_text(interaction)
            if text is None:
                refused.append((index, interaction, problem or "it cannot be stored"))
            else:
                texts.append(text)
                kept.append(interaction)
        if kept or self.record_mode is RecordMode.REWRITE or self._saved is not None:
            with file_lock(self.path):
                self._write(kept, texts)
        if refused:
            raise UnsavableInteractionsError(self.path, refused)

    def _write(self, kept: list[Interaction], kept_texts: list[str]) -> None:
        base = self._base if self._saved is None else self._saved
        if file_stamp(self.path) == self._stamp:
            interactions = [*base, *kept]
            texts = [*map(interaction_text, base), *kept_texts]
        else:
            disk, _ = read_cassette(self.path)  # unreadable: raises, and the file stays as it is
            interactions, texts = _merge(disk.interactions, base, kept, kept_texts)
        write_cassette_text(self.path, cassette_text(texts))
        self._stamp = file_stamp(self.path)
        self._saved = interactions

    def check_played(self) -> None:
        """Raise :class:`UnplayedInteractionsError` for leftovers: in replay-only sessions, and
        in ``new_episodes`` sessions that recorded beside stale interactions."""
        if self.allow_unplayed or self.all_played:
            return
        stale = self.record_mode is RecordMode.NEW_EPISODES and bool(self.recorded)
        if not (self.write_protected or stale):
            return
        unplayed = [f"{i.request.method} {i.request.path}" for i in self.unplayed]
        raise UnplayedInteractionsError(
            self.path,
            unplayed,
            len(self.loaded),
            recording=stale,
            record_command=self.record_command,
        )

    def __repr__(self) -> str:
        return (
            f"<Cassette {str(self.path)!r} mode={self.record_mode.value} "
            f"loaded={len(self.loaded)} played={self.play_count} recorded={len(self.recorded)}>"
        )


def _merge(
    disk: list[Interaction],
    base: list[Interaction],
    kept: list[Interaction],
    kept_texts: list[str],
) -> tuple[list[Interaction], list[str]]:
    """The file another writer left, then this session's recordings, less those that writer
    added itself (the same request with the same response, counted with multiplicity)."""
    disk_texts = [interaction_text(interaction) for interaction in disk]
    theirs = Counter(disk_texts) - Counter(interaction_text(i) for i in base)
    interactions, texts = list(disk), disk_texts
    for interaction, text in zip(kept, kept_texts, strict=True):
        if theirs[text] > 0:
            theirs[text] -= 1
            continue
        interactions.append(interaction)
        texts.append(text)
    return interactions, texts


class CassetteContext:
    """What :func:`use_cassette` returns: a context manager (sync and async) and a decorator."""

    def __init__(self, path: str | os.PathLike[str], options: dict[str, Any]) -> None:
        self._path = path
        self._options = options
        self._stack: contextlib.ExitStack | None = None
        self._cassette: Cassette | None = None

    def __enter__(self) -> Cassette:
        if self._stack is not None:
            raise UsageError(
                "This use_cassette(...) context is already active; it cannot be entered twice. "
                "Call use_cassette(...) again for a second, nested cassette."
            )
        options = dict(self._options)
        mode = resolve_record_mode(options.pop("mode"))
        block = options.pop("block_network")
        block_loopback = options.pop("block_loopback")
        redactor = Redactor(options.pop("secret_env_vars"))
        cassette = Cassette(self._path, record_mode=mode, redactor=redactor, **options)
        # Before patching: a corrupt file raises with nothing to undo.
        load_outside_gc_scans(cassette.load)
        with contextlib.ExitStack() as entering:
            entering.callback(release_gc_scans)
            entering.callback(_scope.leave, cassette, _scope.enter(cassette))
            entering.enter_context(patch_transports(cassette))
            if block if block is not None else mode is RecordMode.NONE:
                entering.enter_context(_block_network(allow_loopback=not block_loopback))
            if cassette.write_protected:
                # Nothing recorded here reaches a provider, so a ModelAPI needs no key to
                # replay. Imported here: agentkit.models is not needed to read or inspect a
                # cassette.
                from agentkit.models import allow_missing_credentials

                entering.enter_context(allow_missing_credentials())
            # Entered whole: from here on __exit__ undoes it (above, a failure undid the rest).
            stack = entering.pop_all()
        self._stack, self._cassette = stack, cassette
        return cassette

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stack, cassette = self._stack, self._cassette
        assert stack is not None
        assert cassette is not None
        self._stack = self._cassette = None
        stack.close()
        # Save even when the block failed: what was recorded cost real model calls.
        cassette.save()
        report_empty(cassette, failed=exc is not None)
        if exc is None:
            own = [m for m in cassette.mismatches if not isinstance(m, BackgroundMismatchError)]
            if own and not cassette.allow_mismatches:
                # Code that survives a failed call (an agent falling back) would hide the drift:
                # a request the cassette could not answer fails the block all the same.
                raise own[0]
            report_background(cassette)
            cassette.check_played()
            return
        # SDKs that wrap transport errors (anthropic raises APIConnectionError) would hide the
        # mismatch: surface it, with its diff, instead.
        for mismatch in cassette.mismatches:
            if mismatch is not exc and any(e is mismatch for e in exception_chain(exc)):
                raise mismatch from None

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
                async with CassetteContext(self._path, self._options):
                    return await function(*args, **kwargs)

            return cast(F, run_async)

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with CassetteContext(self._path, self._options):
                return function(*args, **kwargs)

        return cast(F, run)


def use_cassette(
    path: str | os.PathLike[str],
    *,
    mode: RecordMode | str | None = None,
    ignore_paths: Iterable[str] = (),
    allow_unplayed: bool = False,
    allow_mismatches: bool = False,
    block_network: bool | None = None,
    block_loopback: bool = False,
    secret_env_vars: Iterable[str] | None = None,
    record_command: str | None = None,
    ignore_hosts: Iterable[str] = (),
    ignore_routes: Iterable[IgnoreRoute | str | Mapping[str, Any]] = (),
    default_ignores: bool = True,
    on_empty: OnEmpty = "warn",
    on_background_mismatch: OnBackgroundMismatch = "warn",
) -> CassetteContext:
    """Record to / replay from the cassette at ``path`` within a ``with``/``async with`` block or
    a decorated function; httpx2, httpx and aiohttp traffic goes through it (the openai and
    anthropic SDKs, pydantic-ai, openai-agents, langchain-openai, litellm).

    Args:
        path: the cassette file (JSON).
        mode: a :class:`RecordMode` or its value; default ``$AGENTKIT_RECORD_MODE`` or ``"none"``.
        ignore_paths: dotted body paths left out of matching, e.g. ``["stream_options"]``;
            ``*`` matches any key or list element.
        allow_unplayed: do not fail when recorded interactions are left unplayed.
        allow_mismatches: do not fail at exit for requests the cassette could not answer when
            the code caught the error itself (by default any mismatch fails the block).
        block_network: block non-loopback connections; default: only in mode ``none``.
        block_loopback: make that guard refuse loopback connections too, for suites whose real
            model server is local: a server still up cannot then answer a replay.
        secret_env_vars: names of environment variables whose values are redacted; default
            the provider keys, plus any variable ending ``_API_KEY``, ``_TOKEN`` or ``_SECRET``.
        record_command: the exact command that records this cassette, quoted by every error
            that advises recording (the pytest plugin and ``agentkit run`` pass theirs).
        ignore_hosts: host names (globs) whose requests are never recorded nor matched.
        ignore_routes: rules (:class:`IgnoreRoute`, or strings like ``"POST
            https://api.example.com/v1/traces/*"``) for the same, by host, method and path.
            Recording sends such requests on; replay answers them with the rule's stand-in
            (default ``204``), refuses them, or passes them on, and never fails the block.
        default_ignores: also apply :data:`DEFAULT_IGNORE_ROUTES` (frameworks' telemetry: the
            openai-agents tracing export, litellm's price list), after your own rules.
        on_empty: a recording block that captured no interaction ``"warn"``s
            (:class:`EmptyCassetteWarning`), raises :class:`EmptyCassetteError` (``"error"``)
            or says nothing (``"ignore"``).
        on_background_mismatch: requests from threads or tasks the test did not start (see
            :mod:`agentkit.replay._scope`) that find no recording get their client library's
            connection error in their thread, caused by a :class:`BackgroundMismatchError`; at
            exit the block ``"warn"``s (:class:`BackgroundRequestWarning`, the default: their
            timing is not the test's), raises the first one (``"error"``), or says nothing
            (``"ignore"``).

    In mode ``none`` a missing file raises :class:`CassetteNotFoundError` on entry.
    """
    resolve_record_mode(mode)  # fail at the call site on a bad mode, not later on entry
    for name, value in (("on_empty", on_empty), ("on_background_mismatch", on_background_mismatch)):
        if value not in get_args(OnEmpty):
            raise UsageError(
                f"{name} must be one of 'warn', 'error' or 'ignore', got {value!r} "
                f"(type={type(value).__name__})."
            )
    options: dict[str, Any] = {
        "mode": mode,
        "ignore_paths": tuple(ignore_paths),
        "allow_unplayed": allow_unplayed,
        "allow_mismatches": allow_mismatches,
        "block_network": block_network,
        "block_loopback": bool(block_loopback),
        "secret_env_vars": None if secret_env_vars is None else tuple(secret_env_vars),
        "record_command": record_command,
        "ignore_routes": ignore_rules(ignore_hosts, ignore_routes, defaults=default_ignores),
        "on_empty": on_empty,
        "on_background_mismatch": on_background_mismatch,
    }
    return CassetteContext(path, options)
