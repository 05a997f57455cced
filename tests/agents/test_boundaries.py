"""The generic agents know no domain: they import nothing private of another package and name
no flight tool; the flight domain's agents are the generic classes bound to it."""

from __future__ import annotations

import ast
import inspect
import io
import tokenize
from pathlib import Path

import pytest

import agentkit.agents
from agentkit.flight import TOOL_NAMES, FlightBookingOpenAIAgent, ToolEnabledFlightBookingAgent

AGENTS_DIR = Path(agentkit.agents.__file__).parent
SOURCES = sorted(AGENTS_DIR.glob("*.py"))
# The root package's private modules are shared by every layer (one exception root, one set
# of redaction rules).
SHARED_PRIVATE = {"agentkit._errors", "agentkit._files", "agentkit._redaction"}


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every import in ``path``; name is "" for ``import module``."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
    return found


def _private_imports(path: Path) -> list[str]:
    bad = []
    for module, name in _imports(path):
        if not module.startswith("agentkit") or module.startswith("agentkit.agents"):
            continue
        if module in SHARED_PRIVATE:
            continue
        if any(part.startswith("_") for part in module.split(".")) or name.startswith("_"):
            bad.append(f"{module}:{name}" if name else module)
    return bad


def test_the_check_sees_a_private_import(tmp_path: Path) -> None:
    """The private-import check flags a module path or a name with a leading underscore."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from agentkit.flight._oracle import wanted_search\nfrom agentkit.flight import _x\n"
        "from agentkit.agents._domain import Domain\nfrom agentkit._errors import UsageError\n"
    )
    assert _private_imports(probe) == [
        "agentkit.flight._oracle:wanted_search",
        "agentkit.flight:_x",
    ]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_agents_import_nothing_private_of_another_package(path: Path) -> None:
    """No module of agentkit.agents imports another package's private module or name."""
    assert _private_imports(path) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_agents_name_no_flight_tool(path: Path) -> None:
    """No identifier, string or comment in agentkit.agents names one of the flight tools."""
    words = set()
    for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        if token.type in (tokenize.NAME, tokenize.STRING, tokenize.COMMENT):
            words |= {word.strip("`'\".,:;()") for word in token.string.split()}
            words.add(token.string.strip("\"'"))
    assert sorted(words & set(TOOL_NAMES)) == []


def test_the_flight_agents_are_the_generic_ones_bound_to_the_flight_domain() -> None:
    """Same constructors (real parameters, not *args/**kwargs), the flight domain by default."""
    for bound, generic in (
        (FlightBookingOpenAIAgent, agentkit.agents.OpenAILLMAgent),
        (ToolEnabledFlightBookingAgent, agentkit.agents.ToolEnabledLLMAgent),
    ):
        assert issubclass(bound, generic)
        parameters = inspect.signature(bound).parameters
        assert list(parameters)[:4] == ["model", "strategy", "temperature", "domain"]
        assert parameters["strategy"].default == "balanced"
        assert not any(p.kind is p.VAR_POSITIONAL for p in parameters.values())
        assert bound(model="gpt-4").domain.name == "flight"
    assert agentkit.agents.FlightBookingOpenAIAgent is FlightBookingOpenAIAgent
