"""The network guard: while replaying, nothing but loopback traffic leaves the process.

While a replay-only cassette is active (nested activations are counted), the guard refuses,
before anything is sent:

- connections, datagrams (``sendto``/``sendmsg``, UDP or TCP fast open) and name lookups
  (``getaddrinfo``, ``gethostbyname[_ex]``, ``gethostbyaddr``, ``getnameinfo``, ``getfqdn``)
  of anything but loopback, through an audit hook (:pep:`578`) that CPython calls inside the C
  socket functions, so ``_socket`` and methods saved before the block are covered too;
- the same in child interpreters: children get :data:`CHILD_ENV_VAR`, which the start-up hook
  shipped as ``agentkit_network_guard.pth`` honours (``_guard_child.py``), and children started
  through :mod:`subprocess` also get proxy variables naming a dead loopback port, for programs
  like curl that honour them.

``socket.socket.connect``/``connect_ex`` and ``socket.getaddrinfo`` are also wrapped while the
block lasts, to fail early (and close the socket: ``socket.create_connection`` closes it only on
``OSError``) and to resolve ``*.localhost`` as ``localhost``. Exit puts back exactly what was
there, and leaves alone an attribute someone else replaced meanwhile; a wrapper left inside their
chain passes everything through once no block is active. An audit hook cannot be removed: outside
a block it returns at once.

Loopback stays open for local test servers, unless an active guard was entered with
``allow_loopback=False`` (``use_cassette(..., block_loopback=True)``): then a local model server
that is still up cannot answer a replay. A resolver or event loop in C (aiodns, uvloop) and
external programs that ignore proxy variables go around it; docs/network-guard.md lists the limits.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from agentkit.replay._errors import NetworkBlockedError

__all__ = ["CHILD_ENV_VAR", "PROXY_VARIABLES", "block_network", "is_loopback", "seal_child"]

CHILD_ENV_VAR = "AGENTKIT_NETWORK_GUARD"
"""Set for children while a block is active: ``allow-loopback:<port>`` or ``block-loopback:<port>``,
the port being the dead proxy port. A child interpreter that starts with it is sealed for life."""

PROXY_VARIABLES = (
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "ftp_proxy",
    "FTP_PROXY",
)
_NO_PROXY_VARIABLES = ("no_proxy", "NO_PROXY")
_LOOPBACK_NO_PROXY = "localhost,127.0.0.1,::1"
# Names the hosts file answers; other names (``*.localhost`` included) may reach a DNS server.
_LOCALHOST_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
_REVERSE_LOOKUPS = frozenset({"socket.gethostbyaddr", "socket.getnameinfo"})
_LOOKUP_EVENTS = frozenset({"socket.getaddrinfo", "socket.gethostbyname", *_REVERSE_LOOKUPS})
_SEND_EVENTS = {
    "socket.connect": "connection",
    "socket.sendto": "sendto (a datagram, or TCP fast open)",
    "socket.sendmsg": "sendmsg (a datagram, or TCP fast open)",
}
# Popen(args, bufsize, executable, ..., env, ...): where env sits among the positional arguments.
_POPEN_ENV_INDEX: int = subprocess.Popen.__init__.__code__.co_varnames.index("env") - 1

_lock = threading.Lock()
_depth = 0
_loopback_depth = 0  # active guards that refuse loopback too
_sealed_child = False  # this interpreter was started by a guarded parent: sealed for life
_hook_added = False
_building_error = threading.local()


class _Patch(NamedTuple):
    owner: Any
    name: str
    own: Any  # the owner's own attribute before (``_MISSING`` when it was inherited)
    replacement: Any


_MISSING = object()
_patches: list[_Patch] = []
_dead_proxy: socket.socket | None = None
_dead_port = 9
_saved_child_var: str | None = None
_published: str | None = None


def is_loopback(host: str | bytes | None) -> bool:
    """Whether ``host`` (a name or an address) is the local machine."""
    if host is None:
        return True  # getaddrinfo(None, port) means the local host
    name = _normalize(host)
    if name in _LOCALHOST_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _normalize(host: str | bytes) -> str:
    name = host.decode("ascii", "replace") if isinstance(host, bytes) else host
    return name.strip("[]").split("%", 1)[0].lower().rstrip(".")


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def _resolvable(host: Any) -> Any:
    """``*.localhost`` names are loopback (RFC 6761), but the system resolver may ask a DNS
    server about them: resolve them as ``localhost``."""
    if isinstance(host, (str, bytes)):
        name = _normalize(host)
        if name.endswith(".localhost") and name not in _LOCALHOST_NAMES:
            return "localhost"
    return host


def _blocked(host: str, port: int | None, operation: str, *, loopback: bool = False) -> Exception:
    if _sealed_child:
        operation += ", in a child process started inside the block"
    if getattr(_building_error, "active", False):
        # Loading the error class (a sealed child imports agentkit.replay only now) touched the
        # network: still refuse it, with the plainest error.
        return PermissionError(f"agentkit's network guard blocked {operation} to {host}")
    _building_error.active = True
    try:
        from agentkit.replay._errors import NetworkBlockedError
    except Exception:  # a child with a broken agentkit must fail closed all the same
        return PermissionError(f"agentkit's network guard blocked {operation} to {host}")
    finally:
        _building_error.active = False
    error: NetworkBlockedError = NetworkBlockedError(
        host, port, loopback=loopback, operation=operation
    )
    return error


def _target(address: Any) -> tuple[str, int | None] | None:
    """The (host, port) of an inet socket address, or None for other families (unix sockets)."""
    if isinstance(address, tuple) and address and isinstance(address[0], (str, bytes)):
        host = address[0].decode() if isinstance(address[0], bytes) else address[0]
        port = address[1] if len(address) > 1 and isinstance(address[1], int) else None
        return host, port
    return None


def _check(address: Any, operation: str = "connection") -> None:
    target = _target(address)
    if target is None:
        return
    host, port = target
    name = _normalize(host)
    found = _address(name)
    if found is None and name not in _LOCALHOST_NAMES:
        # A name, resolved by the C code itself: only hosts-file names stay off the wire.
        raise _blocked(host, port, operation)
    if found is not None and not found.is_loopback:
        raise _blocked(host, port, operation)
    if _loopback_depth:
        raise _blocked(host, port, operation, loopback=True)


def _check_lookup(host: Any, port: Any, *, reverse: bool = False) -> None:
    if host is None:
        return
    name = _normalize(host) if isinstance(host, (str, bytes)) else str(host)
    if name in _LOCALHOST_NAMES:
        return
    found = _address(name)
    if found is not None and (found.is_loopback or not reverse):
        return  # a numeric address needs no query; a reverse lookup of one asks a DNS server
    operation = "reverse DNS lookup" if reverse else "DNS lookup"
    raise _blocked(str(host), port if isinstance(port, int) else None, operation)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    """Called by CPython for every audited operation of the process, so it returns at once
    unless a block is active."""
    if not _depth:
        return
    if event in _SEND_EVENTS:
        sock, address = args
        try:
            _check(address, _SEND_EVENTS[event])
        except Exception:
            if event == "socket.connect":
                sock.close()  # as the connect wrapper does: no leaked socket
            raise
    elif event in _LOOKUP_EVENTS:
        if event == "socket.getnameinfo":
            sockaddr = args[0]
            host = sockaddr[0] if isinstance(sockaddr, tuple) and sockaddr else sockaddr
            _check_lookup(host, sockaddr[1] if isinstance(sockaddr, tuple) else None, reverse=True)
        else:
            port = args[1] if len(args) > 1 else None
            _check_lookup(args[0], port, reverse=event in _REVERSE_LOOKUPS)


def _guard_connect(original: Callable[..., Any]) -> Callable[..., Any]:
    def connect(self: socket.socket, address: Any) -> Any:
        if _depth:
            target = _target(address)
            if target is not None and _resolvable(target[0]) != target[0]:
                address = ("localhost", *address[1:])
            try:
                _check(address)
            except Exception:
                # socket.create_connection closes its socket only on OSError: without this,
                # every blocked connection of httpcore or urllib3 would leak one.
                self.close()
                raise
        return original(self, address)

    return connect


def _guard_getaddrinfo(original: Callable[..., Any]) -> Callable[..., Any]:
    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if _depth:
            host = _resolvable(host)
            _check_lookup(host, port)
        return original(host, port, *args, **kwargs)

    return getaddrinfo


def _guard_popen(original: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
        if _depth:
            if len(args) > _POPEN_ENV_INDEX:
                env = _child_environment(args[_POPEN_ENV_INDEX])
                args = (*args[:_POPEN_ENV_INDEX], env, *args[_POPEN_ENV_INDEX + 1 :])
            else:
                kwargs["env"] = _child_environment(kwargs.get("env"))
        original(self, *args, **kwargs)

    return __init__


def _child_value() -> str:
    mode = "block-loopback" if _loopback_depth else "allow-loopback"
    return f"{mode}:{_dead_port}"


def _child_variables() -> dict[str, str]:
    proxy = f"http://127.0.0.1:{_dead_port}"
    variables = dict.fromkeys(PROXY_VARIABLES, proxy)
    no_proxy = "" if _loopback_depth else _LOOPBACK_NO_PROXY
    variables.update(dict.fromkeys(_NO_PROXY_VARIABLES, no_proxy))
    variables[CHILD_ENV_VAR] = _child_value()
    return variables


def _child_environment(env: Mapping[Any, Any] | None) -> dict[str, str]:
    """The environment for a child started now: ``env`` (or ours) plus the guard's variables,
    which override any proxy settings there."""
    base = os.environ if env is None else env
    merged = {os.fsdecode(key): os.fsdecode(value) for key, value in base.items()}
    if _depth:
        merged.update(_child_variables())
    return merged


def _replace(owner: Any, name: str, wrap: Callable[[Any], Any]) -> None:
    replacement = wrap(getattr(owner, name))
    _patches.append(_Patch(owner, name, vars(owner).get(name, _MISSING), replacement))
    setattr(owner, name, replacement)


def _restore(patch: _Patch) -> None:
    if vars(patch.owner).get(patch.name, _MISSING) is not patch.replacement:
        return  # replaced by someone else meanwhile: theirs stays, and ours now passes through
    if patch.own is _MISSING:
        delattr(patch.owner, patch.name)
    else:
        setattr(patch.owner, patch.name, patch.own)


def _open_dead_proxy() -> None:
    """Hold a loopback port that refuses every connection: bound, never listening."""
    global _dead_proxy, _dead_port
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        holder.bind(("127.0.0.1", 0))
    except OSError:
        holder.close()
        return  # keep port 9 (discard), which next to no machine serves
    _dead_proxy, _dead_port = holder, holder.getsockname()[1]


def _install() -> None:
    global _hook_added, _saved_child_var
    if not _hook_added:
        sys.addaudithook(_audit)
        _hook_added = True
    if not _sealed_child:
        _open_dead_proxy()
    _replace(socket.socket, "connect", _guard_connect)
    _replace(socket.socket, "connect_ex", _guard_connect)
    _replace(socket, "getaddrinfo", _guard_getaddrinfo)
    _replace(subprocess.Popen, "__init__", _guard_popen)
    _saved_child_var = os.environ.get(CHILD_ENV_VAR)


def _uninstall() -> None:
    global _dead_proxy
    while _patches:
        _restore(_patches.pop())
    if os.environ.get(CHILD_ENV_VAR) == _published:  # else someone set it since: theirs stays
        if _saved_child_var is None:
            del os.environ[CHILD_ENV_VAR]
        else:
            os.environ[CHILD_ENV_VAR] = _saved_child_var
    if _dead_proxy is not None:
        _dead_proxy.close()
        _dead_proxy = None


def _publish() -> None:
    """Children that do not go through subprocess (multiprocessing's spawn, os.system) inherit
    the guard from the environment; the proxy variables go to subprocess children only, as they
    would reroute this process's own HTTP clients."""
    global _published
    _published = _child_value()
    os.environ[CHILD_ENV_VAR] = _published


def _enter(allow_loopback: bool) -> None:
    global _depth, _loopback_depth
    if _depth == 0:
        _install()
    _depth += 1
    if not allow_loopback:
        _loopback_depth += 1
    _publish()


def _leave(allow_loopback: bool) -> None:
    global _depth, _loopback_depth
    if not allow_loopback:
        _loopback_depth -= 1
    _depth -= 1
    if _depth == 0:
        _uninstall()
    else:
        _publish()


@contextmanager
def block_network(*, allow_loopback: bool = True) -> Iterator[None]:
    """Within the block, reaching or resolving a non-loopback host raises
    :class:`NetworkBlockedError`, in this process and in the children it starts; with
    ``allow_loopback=False``, connecting to loopback does too.

    Example::

        with block_network():
            socket.create_connection(("192.0.2.1", 443))  # raises NetworkBlockedError
    """
    with _lock:
        _enter(allow_loopback)
    try:
        yield
    finally:
        with _lock:
            _leave(allow_loopback)


def seal_child(value: str) -> None:
    """Seal this interpreter for life, as a child started inside a block (``value`` is the
    :data:`CHILD_ENV_VAR` it inherited). Never raises: a value it cannot read seals strictly."""
    global _sealed_child, _dead_port
    mode, _, port = value.partition(":")
    if mode not in ("allow-loopback", "block-loopback"):
        sys.stderr.write(
            f"agentkit: {CHILD_ENV_VAR}={value!r} is not 'allow-loopback' or 'block-loopback' "
            "(optionally ':<port>'); this process refuses loopback connections too.\n"
        )
        mode = "block-loopback"
    with _lock:
        _sealed_child = True
        if port.isdigit():
            _dead_port = int(port)
        else:
            _open_dead_proxy()
        # The proxy variables stop external programs; this interpreter is guarded itself, and
        # its HTTP clients should fail with the guard's error, not with the dead proxy's.
        proxy = f"http://127.0.0.1:{_dead_port}"
        for name in PROXY_VARIABLES:
            if os.environ.get(name) == proxy:
                del os.environ[name]
        _enter(allow_loopback=mode == "allow-loopback")
