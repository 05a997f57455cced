"""Import vcrpy cassettes (pytest-recording's layout included) as agentkit cassettes.

Each vcrpy file (YAML or JSON) becomes one agentkit cassette: bodies decompressed (gzip, deflate,
brotli), event streams split into events, JSON parsed, credentials redacted, then scanned. A file
is written whole (atomically) or not at all: one interaction that cannot be converted, or one
secret that survives redaction, and that file is left unwritten with every reason named.

Example::

    from agentkit.replay import import_vcr_cassettes

    report = import_vcr_cassettes(["tests/cassettes"], "cassettes")
    for problem in report.problems:
        print(problem)  # tests/cassettes/test_chat/test_hi.yaml: interaction 2: ...
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agentkit._errors import UsageError
from agentkit.replay._format import CassetteFile, Interaction, dump_cassette, save_cassette
from agentkit.replay._redact import Redactor
from agentkit.replay._scan import SecretFinding, scan_value
from agentkit.replay._vcr_read import (
    UnconvertibleInteraction,
    convert_interaction,
    read_vcr_file,
)

__all__ = [
    "VCR_SUFFIXES",
    "CassetteImport",
    "ImportProblem",
    "ImportReport",
    "import_vcr_cassette",
    "import_vcr_cassettes",
]

VCR_SUFFIXES: tuple[str, ...] = (".yaml", ".yml", ".json")
"""File suffixes taken for vcrpy cassettes when a directory is imported."""

_PYTEST_RECORDING_DIR = "cassettes"

_Scan = Callable[[Any], list[SecretFinding]]


class ImportProblem(BaseModel):
    """Why (part of) a vcrpy cassette was not converted."""

    model_config = ConfigDict(frozen=True)

    source: Path
    """The vcrpy cassette file."""
    interaction: int | None = None
    """The position of the interaction in that file (from 0), or None for the file as a whole."""
    reason: str
    """What is wrong, and the fix when there is one."""

    def __str__(self) -> str:
        where = "" if self.interaction is None else f"interaction {self.interaction}: "
        return f"{self.source}: {where}{self.reason}"


class CassetteImport(BaseModel):
    """The outcome for one vcrpy cassette file."""

    model_config = ConfigDict(frozen=True)

    source: Path
    """The vcrpy cassette file."""
    destination: Path
    """The agentkit cassette it maps to (written only when ``status`` is ``"written"``)."""
    status: Literal["written", "unchanged", "failed"]
    """``written``; ``unchanged`` (the destination already held exactly this); or ``failed``
    (nothing written: see ``problems``)."""
    interactions: int = 0
    """How many interactions the file holds."""
    problems: tuple[ImportProblem, ...] = ()
    """Everything that kept the file from being written; empty unless ``status`` is failed."""


class ImportReport(BaseModel):
    """The outcome of :func:`import_vcr_cassettes`: one entry per vcrpy file, in path order."""

    model_config = ConfigDict(frozen=True)

    imports: tuple[CassetteImport, ...] = Field(default_factory=tuple)
    """Each file's outcome."""

    @property
    def problems(self) -> list[ImportProblem]:
        """Every problem of every file, in order."""
        return [problem for item in self.imports for problem in item.problems]

    @property
    def ok(self) -> bool:
        """Whether every file was converted (written, or already up to date)."""
        return not self.problems

    @property
    def written(self) -> list[Path]:
        """The agentkit cassettes this import wrote."""
        return [item.destination for item in self.imports if item.status == "written"]


# -- one file -------------------------------------------------------------------------------------

_INTERACTION_RE = re.compile(r"interactions\[(\d+)\]\.?(.*)")
_TOO_DEEP = "it is nested too deeply to convert (deeper than Python's recursion limit)"


def _convert(
    source: Path, redactor: Redactor, scan: _Scan
) -> tuple[CassetteFile | None, int, list[ImportProblem]]:
    try:
        raw_interactions = read_vcr_file(source)
    except ValueError as exc:
        return None, 0, [ImportProblem(source=source, reason=str(exc))]
    except RecursionError:
        return None, 0, [ImportProblem(source=source, reason=_TOO_DEEP)]
    problems: list[ImportProblem] = []
    interactions: list[Interaction] = []
    for index, raw in enumerate(raw_interactions):
        try:
            interactions.append(convert_interaction(raw, redactor))
        except UnconvertibleInteraction as exc:
            problems.append(ImportProblem(source=source, interaction=index, reason=str(exc)))
        except RecursionError:
            problems.append(ImportProblem(source=source, interaction=index, reason=_TOO_DEEP))
    if problems:
        return None, len(raw_interactions), problems
    cassette = CassetteFile(interactions=interactions)
    try:
        findings = scan(cassette.model_dump(mode="json", exclude_none=True))
    except ValueError as exc:  # nested too deeply to scan: never written unscanned
        return None, len(interactions), [ImportProblem(source=source, reason=str(exc))]
    for finding in findings:
        match = _INTERACTION_RE.fullmatch(finding.location)
        # The location can hold the secret itself (a key-shaped JSON key): never print it.
        where = redactor.text(match[2] if match else finding.location)
        problems.append(
            ImportProblem(
                source=source,
                interaction=int(match[1]) if match else None,
                reason=(
                    f"a secret survives redaction: {finding.kind} at {where} ({finding.excerpt}); "
                    "remove it from the vcrpy cassette and import again"
                ),
            )
        )
    if problems:
        return None, len(interactions), problems
    return cassette, len(interactions), []


def _safety(
    secret_env_vars: Iterable[str] | None, environ: Mapping[str, str] | None
) -> tuple[Redactor, _Scan]:
    """The redactor and the scan for one import: the same secrets for both."""
    names = None if secret_env_vars is None else tuple(secret_env_vars)

    def scan(value: Any) -> list[SecretFinding]:
        return scan_value(value, secret_env_vars=names, environ=environ)

    return Redactor(names, environ=environ), scan


def import_vcr_cassette(
    source: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    *,
    force: bool = False,
    secret_env_vars: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> CassetteImport:
    """Convert the vcrpy cassette ``source`` (YAML or JSON) into the agentkit cassette
    ``destination``, written atomically, or not at all when any interaction fails.

    Args:
        source: a vcrpy cassette file.
        destination: the agentkit cassette to write.
        force: overwrite ``destination`` when it exists with other content.
        secret_env_vars: environment variables whose values are redacted and scanned for,
            as for :func:`use_cassette`.
        environ: the environment to read them from (default ``os.environ``).

    Example::

        result = import_vcr_cassette("tests/cassettes/test_chat/test_hi.yaml", "hi.json")
        assert result.status == "written", result.problems

    Raises ``FileNotFoundError`` when ``source`` does not exist.
    """
    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(2, "No such file", str(source))
    redactor, scan = _safety(secret_env_vars, environ)
    return _import_one(source, Path(destination), force=force, redactor=redactor, scan=scan)


def _import_one(
    source: Path,
    destination: Path,
    *,
    force: bool,
    redactor: Redactor,
    scan: _Scan,
    extra: Iterable[ImportProblem] = (),
) -> CassetteImport:
    problems = list(extra)
    if destination.exists() and source.resolve() == destination.resolve():
        reason = f"the destination {destination} is the source itself; choose another --out"
        problems.append(ImportProblem(source=source, reason=reason))
    cassette, count, found = _convert(source, redactor, scan)
    problems += found
    status: Literal["written", "unchanged", "failed"] = "failed"
    if cassette is not None and not problems:
        existing = destination.read_bytes() if destination.is_file() else None
        if existing == dump_cassette(cassette).encode("utf-8"):
            status = "unchanged"
        elif existing is None and destination.exists():
            reason = f"{destination} exists and is not a file"
            problems.append(ImportProblem(source=source, reason=reason))
        elif existing is not None and not force:
            reason = f"{destination} exists with other content; pass --force to overwrite it"
            problems.append(ImportProblem(source=source, reason=reason))
        else:
            try:
                save_cassette(destination, cassette)
            except OSError as exc:  # the other files are still imported; this one is listed
                reason = f"cannot write {destination}: {str(exc.strerror or exc).lower()}"
                problems.append(ImportProblem(source=source, reason=reason))
            else:
                status = "written"
    return CassetteImport(
        source=source,
        destination=destination,
        status=status,
        interactions=count,
        problems=tuple(problems),
    )


# -- many files and the pytest-recording layout ---------------------------------------------------


def _sanitize(name: str) -> str:
    # The rule of agentkit.testing's default_cassette_path, so an imported pytest-recording
    # cassette lands where the plugin looks for the same test's cassette.
    return re.sub(r"[^\w.\-]+", "-", name).strip("-") or "cassette"


def _destination(source: Path, out_dir: Path, root: Path | None) -> Path:
    """``out_dir/<module>/<test>.json`` for pytest-recording's ``cassettes/<module>/<test>.yaml``;
    else the path below ``root`` (a directory given as source) with a ``.json`` suffix."""
    if source.parent.parent.name == _PYTEST_RECORDING_DIR:
        return out_dir / _sanitize(source.parent.name) / f"{_sanitize(source.stem)}.json"
    relative = source.relative_to(root) if root is not None else Path(source.name)
    return out_dir / relative.with_suffix(".json")


def _discover(sources: Iterable[str | os.PathLike[str]]) -> list[tuple[Path, Path | None]]:
    found: list[tuple[Path, Path | None]] = []
    for given in sources:
        path = Path(given)
        if path.is_file():
            found.append((path, None))
        elif path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in VCR_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not files:
                raise UsageError(
                    f"no vcrpy cassettes ({', '.join('*' + s for s in VCR_SUFFIXES)}) under "
                    f"{path}; pass the directory that holds them (pytest-recording keeps them "
                    "in tests/cassettes)"
                )
            found += [(file, path) for file in files]
        else:
            raise FileNotFoundError(2, "No such file or directory", str(path))
    return found


def import_vcr_cassettes(
    sources: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str] = "cassettes",
    *,
    force: bool = False,
    secret_env_vars: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ImportReport:
    """Convert vcrpy cassette files, and every ``*.yaml``/``*.yml``/``*.json`` below directories,
    into agentkit cassettes under ``out_dir``; each file is written whole or not at all.

    pytest-recording's layout, ``<test dir>/cassettes/<test module>/<test name>.yaml``, maps to
    the agentkit plugin's ``<out_dir>/<test module>/<test name>.json`` (run from the rootdir with
    the default ``out_dir``, the plugin finds them); other files keep their path below the
    directory given (a file given by itself goes to ``<out_dir>/<name>.json``).

    Example::

        report = import_vcr_cassettes(["tests/cassettes"])
        assert report.ok, "\\n".join(map(str, report.problems))

    Raises ``FileNotFoundError`` for a source that does not exist and ``UsageError`` for a
    directory without cassettes; every other problem is in the report.
    """
    out = Path(out_dir)
    redactor, scan = _safety(secret_env_vars, environ)
    planned: dict[Path, Path] = {}
    for source, root in _discover(sources):
        planned.setdefault(source, _destination(source, out, root))
    targets = Counter(destination.resolve() for destination in planned.values())
    imports: list[CassetteImport] = []
    for source, destination in planned.items():
        clash: list[ImportProblem] = []
        if targets[destination.resolve()] > 1:
            others = sorted(
                str(s)
                for s, d in planned.items()
                if s != source and d.resolve() == destination.resolve()
            )
            clash.append(
                ImportProblem(
                    source=source,
                    reason=f"{', '.join(others)} maps to the same {destination}; import them "
                    "separately, each with its own --out",
                )
            )
        imports.append(
            _import_one(source, destination, force=force, redactor=redactor, scan=scan, extra=clash)
        )
    return ImportReport(imports=tuple(imports))
