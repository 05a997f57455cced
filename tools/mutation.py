"""Mutation testing: mutmut over the modules every promise rests on, each against its own tests.

    tox -e mutation                                   # every module in TARGETS
    tox -e mutation -- --module agentkit/agents/_interpret.py
    python tools/mutation.py --module _interpret --show-survivors

For each target the driver copies the project into a scratch directory (the working tree gets no
``mutants/`` and no config), writes mutmut's ``[mutmut]`` section into that copy's ``setup.cfg``
(``pyproject.toml`` is left alone), runs ``mutmut run``, reads the verdicts from mutmut's cache
(``mutants/<module>.meta``) and prints one row per target. The scratch copy is rebuilt on every
run, so a verdict never comes from a stale cache; it is kept afterwards for ``mutmut show NAME``.
See docs/development.md, "Mutation testing", for how to read the table.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Target:
    """One module, the test folder that must notice its mutants, and optionally a scope."""

    module: str
    """The module to mutate, a path from the project root."""
    tests: str
    """The test folder run against each mutant."""
    functions: tuple[str, ...] = ()
    """Only the mutants of these functions are run and scored (empty: the whole module)."""
    scope: str = ""
    """What ``functions`` covers, shown next to the module in the table."""
    fresh_import: bool = False
    """Import the package anew for every mutant: for modules that call their own functions at
    import time (``_tools._LEGAL`` is built by ``_legal``), whose mutants an already-imported
    module would never run. Slower: each mutant pays the import."""

    @property
    def label(self) -> str:
        return f"{self.module} ({self.scope})" if self.scope else self.module


#: The modules, in the order issue 17 names them.
TARGETS: tuple[Target, ...] = (
    Target("agentkit/replay/_match.py", "tests/replay"),
    Target("agentkit/agents/_interpret.py", "tests/agents"),
    Target(
        "agentkit/flight/_tools.py",
        "tests/flight",
        functions=("_legal", "legal_tools_for", "_exhausted", "legal_tools"),
        scope="legality",
        fresh_import=True,
    ),
    Target("agentkit/models/_classify.py", "tests/models"),
    # replay/_redact.py re-exports these rules (shared with errors, records and snapshots)
    Target("agentkit/_redaction.py", "tests/replay", scope="replay/_redact.py's rules"),
    Target(
        "agentkit/flight/_policies.py",
        "tests/flight",
        functions=(
            "_legal_names",
            "_valid_arguments",
            "_fallback",
            "is_legal",
            "rule_based_action",
        ),
        scope="legality",
    ),
)

# Never copied into the scratch project: version control, caches, and other runs' output.
_SKIP = (
    ".git",
    ".tox",
    ".venv",
    "mutants",
    "__pycache__",
    "*.egg-info",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "build",
    "dist",
    "htmlcov",
    ".coverage",
    ".coverage.*",
)
# mutmut copies these into mutants/ itself.
_COPIED_BY_MUTMUT = {"agentkit", "tests", "setup.cfg", "pyproject.toml", "mutants"}


@dataclass(frozen=True)
class Result:
    """The verdicts of one target's run."""

    target: Target
    statuses: dict[str, str]
    """mutmut's status of every in-scope mutant, by mutant name."""
    seconds: float

    @property
    def counts(self) -> Counter[str]:
        return Counter(_bucket(status) for status in self.statuses.values())

    @property
    def score(self) -> float | None:
        killed, survived = self.counts["killed"], self.counts["survived"]
        return killed / (killed + survived) if killed + survived else None

    @property
    def survivors(self) -> list[str]:
        return sorted(n for n, s in self.statuses.items() if _bucket(s) == "survived")


def _bucket(status: str) -> str:
    # A mutant that no test of the folder runs is a change nothing notices: it counts as a
    # survivor, not as "other".
    if status in ("killed", "survived"):
        return status
    return "survived" if status == "no tests" else "other"


def _slug(module: str) -> str:
    return module.removesuffix(".py").replace("/", ".")


def _globs(target: Target) -> list[str]:
    """The mutant-name patterns of the target's scope, as ``mutmut run`` takes them."""
    dotted = _slug(target.module)
    return [f"{dotted}.{_mangled(name)}__mutmut_*" for name in target.functions]


def _mangled(function: str) -> str:
    # mutmut's names: x_<function> for a function, xǁ<Class>ǁ<method> for a method.
    if "." in function:
        cls, method = function.split(".", 1)
        return f"x\u01c1{cls}\u01c1{method}"
    return f"x_{function}"


def _in_scope(target: Target, mutant: str) -> bool:
    if not target.functions:
        return True
    function = mutant.partition("__mutmut_")[0].rpartition(".")[2]
    return function in {_mangled(name) for name in target.functions}


def prepare(target: Target, scratch: Path) -> None:
    """Copy the project into ``scratch`` and write the target's mutmut config there."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    if "mutmut" in pyproject.get("tool", {}):
        # mutmut reads [tool.mutmut] and then ignores setup.cfg: the driver's config would be lost.
        raise SystemExit(
            "pyproject.toml has a [tool.mutmut] table, which mutmut reads instead of the "
            "driver's setup.cfg; remove it and list modules in tools/mutation.py TARGETS"
        )
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(ROOT, scratch, ignore=shutil.ignore_patterns(*_SKIP), symlinks=True)
    # Some tests ask git what .gitignore covers: the copy (without .git) gets a repository of its own.
    subprocess.run(["git", "init", "--quiet", str(scratch)], check=True)
    also_copy = sorted(p.name for p in scratch.iterdir() if p.name not in _COPIED_BY_MUTMUT)
    setup_cfg = configparser.ConfigParser()
    setup_cfg.read(scratch / "setup.cfg")
    setup_cfg["mutmut"] = {
        "source_paths": "agentkit",
        "only_mutate": target.module,
        "pytest_add_cli_args_test_selection": target.tests,
        # tests read fixtures/, cassettes/, docs/ ... relative to the project root
        "also_copy": "\n" + "\n".join(also_copy),
        "use_git_change_detection": "false",
        "process_isolation": "forkserver" if target.fresh_import else "fork",
        "forkserver_warmup": "none",
    }
    plugins = ["-p _mutmut_recursion"]
    if target.fresh_import:
        plugins.append("-p _mutmut_import_time")
    setup_cfg["mutmut"]["pytest_add_cli_args"] = " ".join(plugins)
    with (scratch / "setup.cfg").open("w", encoding="utf-8") as f:
        setup_cfg.write(f)


def _mutmut() -> str:
    beside = Path(sys.executable).with_name("mutmut")
    found = str(beside) if beside.exists() else shutil.which("mutmut")
    if found is None:
        raise SystemExit(
            "mutmut is not installed: pip install 'mutmut==3.8.*' (or tox -e mutation)"
        )
    return found


def _environment(scratch: Path) -> dict[str, str]:
    # tools/ on the path, for ``-p _mutmut_recursion`` and ``-p _mutmut_import_time``
    path = [str(scratch / "tools"), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


def run(target: Target, scratch: Path, max_children: int, verbose: bool) -> Result:
    """Run mutmut on one target in its scratch copy and read its verdicts."""
    start = time.monotonic()
    prepare(target, scratch)
    command = [_mutmut(), "run", "--max-children", str(max_children), *_globs(target)]
    log = scratch / "mutmut.log"
    with log.open("w", encoding="utf-8") as out:
        completed = subprocess.run(
            command,
            cwd=scratch,
            env=_environment(scratch),
            stdout=None if verbose else out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if completed.returncode != 0:
        tail = "" if verbose else log.read_text("utf-8", errors="replace")[-3000:]
        raise SystemExit(
            f"mutmut failed on {target.module} (exit {completed.returncode}); log: {log}\n{tail}"
        )
    return Result(target, read_statuses(target, scratch), time.monotonic() - start)


def read_statuses(target: Target, scratch: Path) -> dict[str, str]:
    """mutmut's status of every in-scope mutant, from its cache ``mutants/<module>.meta``."""
    from mutmut.stats import status_by_exit_code  # the mapping ``mutmut results`` prints

    meta = json.loads((scratch / "mutants" / (target.module + ".meta")).read_text("utf-8"))
    return {
        name: status_by_exit_code[code]
        for name, code in meta["exit_code_by_key"].items()
        if _in_scope(target, name)
    }


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s"


def table(results: Sequence[Result]) -> str:
    """The per-module table, as Markdown."""
    head = ("module", "tests", "mutants", "killed", "survived", "timeout/other", "score", "time")
    rows = [head]
    for r in results:
        c = r.counts
        score = "n/a" if r.score is None else f"{r.score:.1%}"
        rows.append(
            (
                f"`{r.target.label}`",
                f"`{r.target.tests}`",
                str(len(r.statuses)),
                str(c["killed"]),
                str(c["survived"]),
                str(c["other"]),
                score,
                _duration(r.seconds),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    right = {2, 3, 4, 5, 6, 7}

    def line(row: Sequence[str]) -> str:
        cells = [
            v.rjust(w) if i in right else v.ljust(w)
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "| " + " | ".join(cells) + " |"

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":" if i in right else "-" * (w + 2)) for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(rows[0]), rule, *(line(row) for row in rows[1:])])


def _select(names: Sequence[str]) -> list[Target]:
    if not names:
        return list(TARGETS)
    chosen = []
    for name in names:
        matches = [t for t in TARGETS if t.module == name or Path(t.module).stem == name]
        if not matches:
            known = ", ".join(t.module for t in TARGETS)
            raise SystemExit(f"unknown module {name!r}; expected one of: {known}")
        chosen += [t for t in matches if t not in chosen]
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--module",
        action="append",
        default=[],
        help="a module of TARGETS, by path or file stem (repeatable; default: all)",
    )
    parser.add_argument("--max-children", type=int, default=2, help="parallel mutants (default 2)")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "agentkit-mutation",
        help="where the scratch copies go, one per module (default: %(default)s)",
    )
    parser.add_argument("--show-survivors", action="store_true", help="print each survivor's diff")
    parser.add_argument("--fail-under", type=float, help="exit 1 if a score is below this percent")
    parser.add_argument("--verbose", action="store_true", help="stream mutmut's own output")
    args = parser.parse_args(argv)

    results = []
    for target in _select(args.module):
        scratch = args.workdir / _slug(target.module)
        print(f"== {target.label} against {target.tests} (scratch: {scratch})", flush=True)
        result = run(target, scratch, args.max_children, args.verbose)
        results.append(result)
        score = "n/a" if result.score is None else f"{result.score:.1%}"
        print(f"   {len(result.statuses)} mutants, score {score}, {_duration(result.seconds)}")
        for name in result.survivors:
            if args.show_survivors:
                shown = subprocess.run(
                    [_mutmut(), "show", name],
                    cwd=scratch,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                print(shown.stdout.rstrip())
            else:
                print(f"   survived: {name}")
        print(flush=True)

    print(table(results))
    if args.fail_under is not None:
        low = [r for r in results if r.score is not None and r.score * 100 < args.fail_under]
        if low:
            print(f"below {args.fail_under}%: " + ", ".join(r.target.label for r in low))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
