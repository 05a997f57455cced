"""The network guard: while replaying, only loopback connections may be opened.

It patches ``socket.socket.connect``/``connect_ex`` and ``socket.getaddrinfo`` only while a
replay-only cassette is active (nested activations are counted), so a blocked connection fails
before any packet leaves, DNS lookups included. Loopback stays open for local test servers,
unless an active guard was entered with ``allow_loopback=False`` (``use_cassette(...,
block_loopback=True)``): then a local model server that is still up cannot answer a replay.
It sees every library that connects through Python's ``socket`` module (httpx, aiohttp, requests,
...); a resolver in C (aiodns) or an event loop in C (uvloop) goes around it.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from agentkit.replay._errors import NetworkBlockedError

__all__ = ["block_network", "is_loopback"]

_LOCALHOST_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
_lock = threading.Lock()
_depth = 0
_loopback_depth = 0  # active guards that refuse loopback too
_originals: dict[str, Any] = {}


def is_loopback(host: str | bytes | None) -> bool:
    """Whether ``host`` (a name or an address) is the local machine."""
    if host is None:
        return True  # getaddrinfo(None, port) means the local host
    name = host.decode("ascii", "replace") if isinstance(host, bytes) else host
    name = name.strip("[]").split("%", 1)[0].lower().rstrip(".")
    if name in _LOCALHOST_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _target(address: Any) -> tuple[str, int | None] | None:
    """The (host, port) of an inet socket address, or None for other families (unix sockets)."""
    if isinstance(address, tuple) and address and isinstance(address[0], (str, bytes)):
        host = address[0].decode() if isinstance(address[0], bytes) else address[0]
        port = address[1] if len(address) > 1 and isinstance(address[1], int) else None
        return host, port
    return None


def _check(address: Any) -> None:
    target = _target(address)
    if target is None:
        return
    if not is_loopback(target[0]):
        raise NetworkBlockedError(*target)
    if _loopback_depth:
        raise NetworkBlockedError(*target, loopback=True)


def _guard_connect(original: Callable[..., Any]) -> Callable[..., Any]:
    def connect(self: socket.socket, address: Any) -> Any:
        try:
            _check(address)
        except NetworkBlockedError:
            # socket.create_connection closes its socket only on OSError: without this, every
            # blocked connection of httpcore or urllib3 would leak one (a ResourceWarning).
            self.close()
            raise
        return original(self, address)

    return connect


def _guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    if not is_loopback(host):
        try:
            ipaddress.ip_address(str(host).strip("[]"))
        except ValueError:
            # A name lookup would send a DNS query: block it here, before it leaves.
            raise NetworkBlockedError(str(host), port if isinstance(port, int) else None) from None
    return _originals["getaddrinfo"](host, port, *args, **kwargs)


def _install() -> None:
    _originals["connect"] = socket.socket.connect
    _originals["connect_ex"] = socket.socket.connect_ex
    _originals["getaddrinfo"] = socket.getaddrinfo
    socket.socket.connect = _guard_connect(_originals["connect"])  # type: ignore[method-assign]
    socket.socket.connect_ex = _guard_connect(_originals["connect_ex"])  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo


def _uninstall() -> None:
    socket.socket.connect = _originals.pop("connect")  # type: ignore[method-assign]
    socket.socket.connect_ex = _originals.pop("connect_ex")  # type: ignore[method-assign]
    socket.getaddrinfo = _originals.pop("getaddrinfo")


@contextmanager
def block_network(*, allow_loopback: bool = True) -> Iterator[None]:
    """Within the block, connecting to a non-loopback host raises :class:`NetworkBlockedError`;
    with ``allow_loopback=False``, connecting to loopback does too.

    Example::

        with block_network():
            socket.create_connection(("192.0.2.1", 443))  # raises NetworkBlockedError
    """
    global _depth, _loopback_depth
    with _lock:
        if _depth == 0:
            _install()
        _depth += 1
        if not allow_loopback:
            _loopback_depth += 1
    try:
        yield
    finally:
        with _lock:
            if not allow_loopback:
                _loopback_depth -= 1
            _depth -= 1
            if _depth == 0:
                _uninstall()
