"""The sealed network guard: name lookups, datagrams, TCP fast open, the ``_socket`` level and
child processes are refused while replaying, before anything is sent; exit restores exactly what
it replaced. Most tests run anywhere (the guard raises before the OS is asked); the ones marked
by ``NAMESPACE`` run again inside an empty network namespace with a fake DNS server that counts
every query that leaks."""

from __future__ import annotations

import _socket
import asyncio
import contextlib
import http.server
import importlib.util
import json
import os
import pickle
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import tomllib
import venv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agentkit.replay import NetworkBlockedError, _guard, _guard_child, block_network

ROOT = Path(__file__).resolve().parents[2]
PTH = ROOT / "agentkit" / "replay" / "agentkit_network_guard.pth"
REMOTE = "192.0.2.1"  # TEST-NET-1: never routed


def _namespace_problem() -> str | None:
    """Why the empty-network-namespace tests cannot run here, or None when they can."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare and ip (util-linux, iproute2)"
    probe = subprocess.run(
        ["unshare", "-rnm", "sh", "-c", "ip link set lo up && mount --bind /dev/null /dev/null"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if probe.returncode != 0:
        return f"this machine refuses unshare -rnm: {probe.stderr.strip()}"
    return None


NAMESPACE_PROBLEM = _namespace_problem()
NAMESPACE = pytest.mark.skipif(NAMESPACE_PROBLEM is not None, reason=str(NAMESPACE_PROBLEM))


def _outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except Exception as error:
        return type(error).__name__
    return "sent"


def _own_address() -> str:
    """This machine's own non-loopback address: a leak to it is observable by a local server."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((REMOTE, 9))  # picks the outgoing address; sends nothing
        except OSError:
            pytest.skip("no route off loopback on this machine (an empty network namespace?)")
        address = str(probe.getsockname()[0])
    if address.startswith("127."):
        pytest.skip("this machine has no non-loopback address")
    return address


@contextlib.contextmanager
def _udp_listener() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.bind(("0.0.0.0", 0))
        listener.setblocking(False)
        yield listener


@contextlib.contextmanager
def _tcp_listener() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("0.0.0.0", 0))
        listener.listen(4)
        listener.setblocking(False)
        yield listener


def _received(listener: socket.socket) -> bool:
    try:
        if listener.type == socket.SOCK_DGRAM:
            listener.recv(64)
        else:
            listener.accept()[0].close()
    except BlockingIOError:
        return False
    return True


LOOKUPS: dict[str, Callable[[], object]] = {
    "gethostbyname": lambda: socket.gethostbyname("leak.example"),
    "gethostbyname_ex": lambda: socket.gethostbyname_ex("leak.example"),
    "gethostbyaddr of an address": lambda: socket.gethostbyaddr(REMOTE),
    "gethostbyaddr of a name": lambda: socket.gethostbyaddr("leak.example"),
    "getnameinfo": lambda: socket.getnameinfo((REMOTE, 443), 0),
    "getfqdn of a name": lambda: socket.getfqdn("leak.example"),
    "getfqdn of this host": socket.getfqdn,
    "getaddrinfo": lambda: socket.getaddrinfo("leak.example", 443),
    "_socket.getaddrinfo": lambda: _socket.getaddrinfo("leak.example", 443),
    "_socket.gethostbyname": lambda: _socket.gethostbyname("leak.example"),
}


@pytest.mark.parametrize("lookup", LOOKUPS.values(), ids=LOOKUPS.keys())
def test_every_name_lookup_of_a_remote_host_is_blocked(lookup: Callable[[], object]) -> None:
    """Forward and reverse lookups, through socket or _socket, raise before a query leaves."""
    with block_network(), pytest.raises(NetworkBlockedError) as blocked:
        lookup()
    assert "DNS lookup" in blocked.value.operation
    assert blocked.value.host in {"leak.example", REMOTE, socket.gethostname()}


def test_loopback_names_and_numeric_addresses_still_resolve() -> None:
    """Resolving loopback (``*.localhost`` as ``localhost``) and numeric addresses sends no
    query, so it stays allowed, even where loopback connections are refused."""
    with block_network(allow_loopback=False):
        assert socket.gethostbyname("localhost").startswith("127.")
        assert socket.gethostbyaddr("127.0.0.1")
        addresses = {info[4][0] for info in socket.getaddrinfo("api.localhost", 80)}
        assert addresses <= {"127.0.0.1", "::1"}
        assert socket.getaddrinfo(REMOTE, 443)[0][4][0] == REMOTE
        assert socket.getaddrinfo(None, 80)


SENDS: dict[str, Callable[[socket.socket, tuple[str, int]], object]] = {
    "udp sendto": lambda s, to: s.sendto(b"leak", to),
    "udp sendto with flags": lambda s, to: s.sendto(b"leak", 0, to),
    "udp sendmsg": lambda s, to: s.sendmsg([b"leak"], [], 0, to),
    "udp _socket.sendto": lambda s, to: _socket.socket.sendto(s, b"leak", to),
    "udp connect": lambda s, to: s.connect(to),
}


@pytest.mark.parametrize("send", SENDS.values(), ids=SENDS.keys())
def test_datagrams_to_a_remote_host_never_leave(
    send: Callable[[socket.socket, tuple[str, int]], object],
) -> None:
    """A datagram to this machine's own non-loopback address would reach the listener; blocked,
    nothing arrives. Unblocked, the same send does arrive (the check can see a leak)."""
    own = _own_address()
    with _udp_listener() as listener, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        to = (own, listener.getsockname()[1])
        with block_network(), pytest.raises(NetworkBlockedError) as blocked:
            send(sender, to)
        assert not _received(listener)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as control:
            control.sendto(b"control", to)
        assert listener.recv(64) == b"control"
    assert blocked.value.host == own


def test_tcp_fast_open_and_the_c_level_connect_are_blocked() -> None:
    """sendto(..., MSG_FASTOPEN, addr) and _socket.socket.connect (the C class, under the
    socket.socket wrapper) are refused; no connection reaches the listener."""
    own = _own_address()
    with _tcp_listener() as listener:
        to = (own, listener.getsockname()[1])
        calls: list[Callable[[socket.socket], object]] = [
            lambda s: s.sendto(b"leak", socket.MSG_FASTOPEN, to),
            lambda s: _socket.socket.connect(s, to),
            lambda s: _socket.socket.connect_ex(s, to),
            lambda s: super(socket.socket, s).connect(to),
        ]
        with block_network():
            for call in calls:
                with socket.socket() as sock, pytest.raises(NetworkBlockedError):
                    call(sock)
            raw = _socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            with pytest.raises(NetworkBlockedError):
                raw.connect(to)
            assert raw.fileno() == -1  # closed by the guard: nothing leaks
        assert not _received(listener)


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.lost: asyncio.Future[Exception | None] = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost.set_result(exc)


async def test_asyncio_datagram_endpoints_are_blocked() -> None:
    """A remote_addr endpoint fails to open; a sendto on an unconnected one ends the transport
    with the guard's error, and the datagram never arrives."""
    own = _own_address()
    loop = asyncio.get_running_loop()
    with _udp_listener() as listener:
        to = (own, listener.getsockname()[1])
        with block_network():
            with pytest.raises(NetworkBlockedError):
                await loop.create_datagram_endpoint(asyncio.DatagramProtocol, remote_addr=to)
            transport, protocol = await loop.create_datagram_endpoint(
                _Datagrams, local_addr=("0.0.0.0", 0)
            )
            transport.sendto(b"leak", to)
            lost = await asyncio.wait_for(protocol.lost, 5)
        assert isinstance(lost, NetworkBlockedError)
        assert not _received(listener)


def test_loopback_tcp_and_udp_stay_usable() -> None:
    """Local test servers stay reachable over TCP and UDP unless loopback is refused."""
    with _udp_listener() as udp, _tcp_listener() as tcp:
        udp_to = ("127.0.0.1", udp.getsockname()[1])
        tcp_to = ("127.0.0.1", tcp.getsockname()[1])
        with block_network(), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b"local", udp_to)
            socket.create_connection(tcp_to, timeout=5).close()
            with block_network(allow_loopback=False), pytest.raises(NetworkBlockedError) as refused:
                sender.sendto(b"refused", udp_to)
        assert udp.recv(64) == b"local"
        assert _received(tcp)
        assert not _received(udp)
    assert refused.value.loopback


def test_the_error_names_what_was_blocked_and_the_fixes() -> None:
    """The message says which operation on which host was refused, and how to record it or
    ignore the host; the error survives pickling (it crosses from multiprocessing children)."""
    with block_network(), pytest.raises(NetworkBlockedError) as blocked:
        socket.gethostbyname("telemetry.example")
    message = str(blocked.value)
    assert "telemetry.example" in message
    assert "(DNS lookup)" in message
    assert "--agentkit-record-mode=" in message
    assert "ignore_hosts=['telemetry.example']" in message
    copy = pickle.loads(pickle.dumps(blocked.value))
    assert (copy.host, copy.operation, str(copy)) == ("telemetry.example", "DNS lookup", message)


def _surface() -> dict[str, Any]:
    """Everything the guard touches, as owned attributes (inherited ones are absent)."""
    return {
        "socket.socket": {n: vars(socket.socket).get(n) for n in ("connect", "connect_ex")},
        "socket": {n: vars(socket).get(n) for n in ("getaddrinfo", "gethostbyname")},
        "Popen.__init__": vars(subprocess.Popen)["__init__"],
        "environ": dict(os.environ),
    }


def test_exit_restores_exactly_what_it_replaced() -> None:
    """After nested, loopback-refusing blocks, every attribute is what it was: connect is
    inherited from _socket.socket again (not a copy of it), and the environment is unchanged."""
    before = _surface()
    assert before["socket.socket"] == {"connect": None, "connect_ex": None}
    with block_network():
        with block_network(allow_loopback=False):
            assert _surface() != before
        assert vars(socket.socket)["connect"] is not None
    assert _surface() == before


def test_another_tools_patch_made_during_the_block_survives_exit() -> None:
    """A patch installed over the guard's stays after exit, and the guard's wrapper left inside
    it passes everything through (here: a loopback connection the block refused)."""
    before = _surface()
    seen: list[object] = []
    with _tcp_listener() as listener:
        to = ("127.0.0.1", listener.getsockname()[1])
        with block_network(allow_loopback=False):
            guarded = socket.socket.connect

            def theirs(self: socket.socket, address: Any) -> None:
                seen.append(address)
                guarded(self, address)

            socket.socket.connect = theirs  # type: ignore[method-assign]
        try:
            assert socket.socket.connect is theirs
            socket.create_connection(to, timeout=5).close()
            assert seen == [to]
            assert _received(listener)
        finally:
            del socket.socket.connect
    assert _surface() == before


def test_nested_and_threaded_blocks_keep_count() -> None:
    """Blocks entered and left in any order from many threads leave the guard off only after
    the last one, and refuse loopback exactly while a loopback-refusing one is active."""
    before = _surface()
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            with block_network(allow_loopback=index % 2 == 0):
                barrier.wait(timeout=10)
                with pytest.raises(NetworkBlockedError):
                    socket.gethostbyname("leak.example")
                assert os.environ[_guard.CHILD_ENV_VAR].startswith("block-loopback:")
                barrier.wait(timeout=10)
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert _surface() == before


def test_subprocess_children_get_the_guard_and_a_dead_proxy() -> None:
    """Children started through subprocess get the guard variable and proxy variables naming a
    dead loopback port (NO_PROXY: loopback only), even with an explicit env; this process's own
    environment gets only the guard variable."""
    code = "import json, os; print(json.dumps(dict(os.environ)))"

    def child_env(**kwargs: Any) -> dict[str, str]:
        run = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                             check=True, **kwargs)  # fmt: skip
        return dict(json.loads(run.stdout))

    with block_network():
        assert "HTTPS_PROXY" not in os.environ
        assert os.environ[_guard.CHILD_ENV_VAR].startswith("allow-loopback:")
        inherited = child_env()
        explicit = child_env(env={"HTTPS_PROXY": "http://proxy.example:3128"})
    port = inherited[_guard.CHILD_ENV_VAR].split(":")[1]
    for env in (inherited, explicit):
        assert env["HTTPS_PROXY"] == env["http_proxy"] == f"http://127.0.0.1:{port}"
        assert env["NO_PROXY"] == "localhost,127.0.0.1,::1"
    assert _guard.CHILD_ENV_VAR not in os.environ


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_curl_in_a_subprocess_goes_to_the_dead_proxy_and_loopback_stays_direct() -> None:
    """curl honours the proxy variables: a remote URL fails at the dead loopback proxy, a local
    server still answers."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with block_network():
            dead = os.environ[_guard.CHILD_ENV_VAR].split(":")[1]
            remote, local = (
                subprocess.run(
                    ["curl", "-sS", "-m", "10", url], capture_output=True, text=True, check=False
                )
                for url in (f"http://{REMOTE}/", f"http://127.0.0.1:{server.server_port}/")
            )
    finally:
        server.shutdown()
        server.server_close()
    assert remote.returncode == 7, remote.stderr  # could not connect (to the proxy)
    assert f"127.0.0.1 port {dead}" in remote.stderr
    assert (local.returncode, local.stdout) == (0, "hello"), local.stderr


def test_the_child_hook_names_the_same_variable_and_is_shipped() -> None:
    """The .pth line, the child hook and the guard agree on the variable, and the wheel's
    force-include ships the .pth at the top of site-packages."""
    assert _guard_child.CHILD_ENV_VAR == _guard.CHILD_ENV_VAR
    assert f'"{_guard.CHILD_ENV_VAR}"' in PTH.read_text()
    assert len(PTH.read_text().splitlines()) == 1
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shipped = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert shipped["agentkit/replay/agentkit_network_guard.pth"] == "agentkit_network_guard.pth"


def test_an_unreadable_guard_variable_seals_strictly() -> None:
    """A child given a value it cannot read refuses loopback too, and says why on stderr."""
    code = (
        "from agentkit.replay._guard_child import seal\nimport socket\nseal('yes please')\n"
        "try:\n    socket.socket().connect(('127.0.0.1', 9))\n"
        "except Exception as e:\n    print(type(e).__name__, e.loopback)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, _guard.CHILD_ENV_VAR: ""})  # fmt: skip
    assert run.stdout.strip() == "NetworkBlockedError True"
    assert "'yes please' is not 'allow-loopback'" in run.stderr


# The escapes of the issue, run by an installed agentkit (a wheel, an editable install) and in an
# empty network namespace: a JSON object of outcomes (an exception's class name, or "sent").
PROBE = r'''
import _socket, asyncio, json, multiprocessing, os, socket, subprocess, sys, threading
from agentkit.replay import block_network

REMOTE = "192.0.2.1"
CHILD = """
import json, os, socket
def outcome(call):
    try:
        call()
    except Exception as error:
        return type(error).__name__
    return "sent"
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print(json.dumps({
    "lookup": outcome(lambda: socket.gethostbyname("leak.example")),
    "sendto": outcome(lambda: udp.sendto(b"x", ("192.0.2.1", 53))),
    "proxy variables left": sorted(k for k in os.environ if k.lower().endswith("_proxy")),
}))
"""


def outcome(call):
    try:
        call()
    except Exception as error:
        return type(error).__name__
    return "sent"


class Datagrams(asyncio.DatagramProtocol):
    def __init__(self):
        self.lost = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc):
        self.lost.set_result(exc)


async def datagram():
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(Datagrams, local_addr=("127.0.0.1", 0))
    transport.sendto(b"x", (REMOTE, 53))
    return type(await asyncio.wait_for(protocol.lost, 5)).__name__


def fake_dns():
    """A resolver on 127.0.0.1:53 that answers NXDOMAIN and counts the queries it gets."""
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 53))
    queries = []

    def serve():
        while True:
            query, peer = server.recvfrom(512)
            queries.append(query)
            server.sendto(query[:2] + b"\x81\x83" + query[4:6] + bytes(6) + query[12:], peer)

    threading.Thread(target=serve, daemon=True).start()
    return queries


def main():
    queries = fake_dns() if os.environ.get("PROBE_FAKE_DNS") else None
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tcp = socket.socket()
    results = {}
    with block_network():
        results["gethostbyname"] = outcome(lambda: socket.gethostbyname("leak.example"))
        results["gethostbyname_ex"] = outcome(lambda: socket.gethostbyname_ex("leak.example"))
        results["gethostbyaddr"] = outcome(lambda: socket.gethostbyaddr(REMOTE))
        results["getnameinfo"] = outcome(lambda: socket.getnameinfo((REMOTE, 80), 0))
        results["getfqdn"] = outcome(lambda: socket.getfqdn("leak.example"))
        results["getaddrinfo"] = outcome(lambda: socket.getaddrinfo("leak.example", 80))
        results["udp sendto"] = outcome(lambda: udp.sendto(b"x", (REMOTE, 53)))
        results["udp sendmsg"] = outcome(lambda: udp.sendmsg([b"x"], [], 0, (REMOTE, 53)))
        results["tcp fast open"] = outcome(lambda: tcp.sendto(b"x", socket.MSG_FASTOPEN, (REMOTE, 80)))
        results["_socket connect"] = outcome(lambda: _socket.socket.connect(socket.socket(), (REMOTE, 80)))
        results["asyncio datagram"] = asyncio.run(datagram())
        child = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True)
        results["subprocess child"] = json.loads(child.stdout) if child.returncode == 0 else child.stderr
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            results["spawn child"] = outcome(lambda: pool.apply(socket.gethostbyname, ("leak.example",)))
        curl = subprocess.run(["curl", "-sS", "-m", "10", "http://leak.example/"], capture_output=True, text=True)
        results["curl"] = [curl.returncode, "127.0.0.1 port" in curl.stderr]
        if queries is not None:
            results["queries while blocked"] = len(queries)
    if queries is not None:  # the control: unblocked, the fake resolver does see the lookup
        outcome(lambda: socket.gethostbyname("leak.example"))
        results["queries unblocked"] = len(queries)
    udp.close()
    tcp.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
'''

SEALED = {
    **dict.fromkeys(
        [
            "gethostbyname",
            "gethostbyname_ex",
            "gethostbyaddr",
            "getnameinfo",
            "getfqdn",
            "getaddrinfo",
            "udp sendto",
            "udp sendmsg",
            "tcp fast open",
            "_socket connect",
            "asyncio datagram",
            "spawn child",
        ],
        "NetworkBlockedError",
    ),
    "subprocess child": {
        "lookup": "NetworkBlockedError",
        "sendto": "NetworkBlockedError",
        "proxy variables left": ["NO_PROXY", "no_proxy"],
    },
}


def _installed_python(tmp: Path, *, editable: bool) -> Path:
    """A fresh virtual environment with agentkit installed from a wheel built now (editable: the
    files hatchling's editable wheel holds, pointing at this source tree)."""
    home = tmp / ("editable" if editable else "wheel")
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / "bin" / "python"
    inner = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    # Dependencies come from the test environment as a path entry, not a site directory, so
    # that its own editable agentkit (and any .pth there) does not come along.
    Path(inner, "outer-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    if editable and importlib.util.find_spec("editables") is None:
        # What `hatchling build -t wheel:editable` writes (its force-include goes in too).
        Path(inner, "_editable_impl_agentkit.pth").write_text(str(ROOT))
        shutil.copy(PTH, Path(inner, "agentkit_network_guard.pth"))
        return python
    dist = tmp / "dist"
    target = "wheel:editable" if editable else "wheel"
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", target, "-d", str(dist)],
                   cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    (wheel,) = dist.glob("agentkit-*.whl")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--quiet", str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    wheel.unlink()
    return python


@pytest.fixture(scope="module")
def installs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("installs")
    return {
        "wheel": _installed_python(tmp, editable=False),
        "editable": _installed_python(tmp, editable=True),
    }


def _probe(python: Path, tmp: Path, *, prefix: tuple[str, ...] = (), **env: str) -> Any:
    script = tmp / "probe.py"
    script.write_text(PROBE)
    run = subprocess.run(
        [*prefix, str(python), str(script)],
        capture_output=True, text=True, cwd=tmp, timeout=240, check=False,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp), **env},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


def _expected() -> dict[str, Any]:
    if shutil.which("curl") is None:
        return SEALED
    return {**SEALED, "curl": [7, True]}


@pytest.mark.parametrize("kind", ["wheel", "editable"])
def test_an_installed_agentkit_seals_spawned_and_subprocess_children(
    kind: str, installs: dict[str, Path], tmp_path: Path
) -> None:
    """From a wheel and from an editable install, every escape of the issue is refused, in
    this process, in a subprocess child and in a multiprocessing spawn child."""
    results = _probe(installs[kind], tmp_path)
    if shutil.which("curl") is None:
        results.pop("curl")
    assert results == _expected()


@NAMESPACE
def test_in_an_empty_network_namespace_nothing_leaks(
    installs: dict[str, Path], tmp_path: Path
) -> None:
    """In an empty network namespace whose resolver is a local fake that counts queries, every
    escape raises the guard's error (not the OS's), and the resolver gets no query while the
    block is active, though it does get one outside it."""
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions attempts:1 timeout:1\n")
    prefix = (
        "unshare", "-rnm", "sh", "-c",
        'ip link set lo up && mount --bind "$0" /etc/resolv.conf && exec "$@"', str(resolv),
    )  # fmt: skip
    results = _probe(installs["wheel"], tmp_path, prefix=prefix, PROBE_FAKE_DNS="1")
    unblocked = results.pop("queries unblocked")
    if shutil.which("curl") is None:
        results.pop("curl")
    assert results == {**_expected(), "queries while blocked": 0}
    assert unblocked >= 1


def test_children_of_this_environment_are_sealed() -> None:
    """In the environment running the tests, a plain child interpreter starts sealed (once
    agentkit is installed with the hook: pip install -e .)."""
    site_dirs = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    if not any(Path(d, "agentkit_network_guard.pth").exists() for d in site_dirs):
        pytest.skip("agentkit_network_guard.pth is not installed here: re-run pip install -e .")
    code = "import socket; socket.gethostbyname('leak.example')"
    with block_network():
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=False)  # fmt: skip
    assert run.returncode == 1
    assert "NetworkBlockedError" in run.stderr
    assert "in a child process started inside the block" in run.stderr
