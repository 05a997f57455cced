"""``agentkit cassettes``: show, verify, scan, diff and prune recorded cassettes; import vcrpy ones."""

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agentkit._cli import _common
from agentkit._cli._app import new_app
from agentkit._cli._cache import remembered
from agentkit._cli._common import fail, guard, os_problem
from agentkit._cli._quick import (
    is_findings,
    is_show_summary,
    is_verify_facts,
    scan_clean_text,
    show_text,
    verify_heading,
)
from agentkit._errors import UsageError

if TYPE_CHECKING:
    from agentkit._played import PlayedRecord
    from agentkit.replay import Interaction

# Each command imports agentkit.replay and the run record itself (pydantic builds their models
# on import, about 0.1 s), so that `agentkit --help` and `agentkit version` do not.

app = new_app(
    no_args_is_help=True, help="Inspect, check and tidy cassettes; import vcrpy cassettes."
)

PathArg = Annotated[Path, typer.Argument(help="A cassette file (JSON).", show_default=False)]


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _request_summary(interaction: "Interaction") -> str:
    body: Any = interaction.request.body
    if not isinstance(body, dict):
        return _clip(str(body))
    messages = body.get("messages") or []
    last = messages[-1] if messages and isinstance(messages[-1], dict) else {}
    content = last.get("content")
    text = content if isinstance(content, str) else json.dumps(content)
    tools = len(body.get("tools") or [])
    return f"{body.get('model', '?')}, {len(messages)} msgs, {tools} tools; last {last.get('role', '?')}: {_clip(text or '', 50)}"


def _response_summary(interaction: "Interaction") -> str:
    response = interaction.response
    if response.events is not None:
        return f"{response.status} stream of {len(response.events)} events"
    body: Any = response.body
    if isinstance(body, dict) and isinstance(body.get("choices"), list) and body["choices"]:
        message = body["choices"][0].get("message") or {}
        calls = message.get("tool_calls") or []
        if calls:
            names = ", ".join(str((c.get("function") or {}).get("name")) for c in calls)
            return f"{response.status} tool calls: {_clip(names, 50)}"
        return f"{response.status} text: {_clip(str(message.get('content') or ''), 50)}"
    return f"{response.status} {_clip(json.dumps(body) if not isinstance(body, str) else body, 50)}"


def _key(interaction: "Interaction") -> tuple[str, str, str]:
    from agentkit.replay import canonical_body

    request = interaction.request
    return request.method, request.path, canonical_body(request.body)


def _read_played(path: Path) -> "PlayedRecord | None":
    """The record of the last run on ``path``; a corrupt one is a user error naming the file."""
    from agentkit._played import played_path, read_played

    try:
        return read_played(path)
    except ValueError as exc:  # not JSON, not UTF-8, or not the record's shape
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(
            f"{played_path(path)} is not a run record ({first}); delete it and run "
            "'agentkit run --cassette-dir ...' again"
        ) from exc


@app.command()
@guard
def show(path: PathArg) -> None:
    """List a cassette's interactions, one line each: its number, the request (method, path,
    model, message and tool counts, the last message) and the response (status, the text or the
    tool calls).

        agentkit cassettes show cassettes/recorded/ToolEnabledFlightBookingAgent-balanced.json
    """
    summary = remembered("show", path, lambda: _show_summary(path), is_show_summary)
    typer.echo(show_text(path, summary))


def _show_summary(path: Path) -> dict[str, Any]:
    """What ``show`` prints about the cassette at ``path``: its format version, its number of
    interactions, and one line for each."""
    from agentkit.replay import load_cassette

    cassette = load_cassette(path)
    # Plain lines, written at once: a rich table measures every cell of every row first (most
    # of the time of a 1,000-interaction show), and would read markup in recorded text.
    width = len(str(len(cassette.interactions) - 1))
    lines = []
    for number, interaction in enumerate(cassette.interactions):
        request = interaction.request
        lines.append(
            f"{number:>{width}}  {request.method} {request.path}  "
            f"{_request_summary(interaction)}  ->  {_response_summary(interaction)}"
        )
    return {"version": cassette.version, "count": len(cassette.interactions), "lines": lines}


def _cassette_files(paths: list[Path]) -> list[Path]:
    """The cassette files named: each file as given, each directory's ``*.json`` (recursively,
    hidden paths skipped). A directory without any raises ``UsageError``."""
    files: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        found = sorted(
            p
            for p in path.rglob("*.json")
            if not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        if not found:
            raise UsageError(f"{path} is a directory with no cassette (*.json) in it")
        files += found
    return files


@app.command()
@guard
def verify(
    paths: Annotated[
        list[Path], typer.Argument(help="Cassette files or directories.", show_default=False)
    ],
) -> None:
    """Load cassettes, check their version, and flag duplicated or (after a run) unused
    interactions. Exits 1 when anything is flagged.

        agentkit cassettes verify cassettes/runs/tool-balanced-gpt-4.json
        agentkit cassettes verify cassettes/
    """
    flagged = False
    for path in _cassette_files(paths):
        flagged = _verify_one(path) or flagged
    if flagged:
        raise typer.Exit(1)


def _verify_one(path: Path) -> bool:
    """Print one cassette's verdict; True when something is flagged."""
    facts = remembered("verify", path, lambda: _verify_facts(path), is_verify_facts)
    problems = []
    if facts["duplicated"]:
        problems.append(
            f"{facts['duplicated']} duplicated interaction(s): the same request with the same "
            "response"
        )
    played = _read_played(path)
    if played is not None and played.interactions == facts["count"]:
        unused = facts["count"] - len(played.played)
        if unused:
            problems.append(
                f"{unused} interaction(s) unused by the last run (agentkit cassettes prune removes them)"
            )
    typer.echo(verify_heading(path, facts))
    for problem in problems:
        typer.echo(f"  {typer.style('flag:', fg='yellow')} {problem}")
    if not problems:
        typer.echo("  ok")
    return bool(problems)


def _verify_facts(path: Path) -> dict[str, int]:
    """What ``verify`` reports of the cassette at ``path`` itself (not of its last run): its
    format version against the current one, its interactions, and how many are duplicates."""
    from agentkit.replay import FORMAT_VERSION, load_cassette

    cassette = load_cassette(path)
    counts = Counter(
        (_key(i), json.dumps(i.response.model_dump(mode="json"), sort_keys=True))
        for i in cassette.interactions
    )
    return {
        "version": cassette.version,
        "current": FORMAT_VERSION,
        "count": len(cassette.interactions),
        "duplicated": sum(count - 1 for count in counts.values() if count > 1),
    }


@app.command()
@guard
def scan(
    paths: Annotated[
        list[Path], typer.Argument(help="Cassette files or directories.", show_default=False)
    ],
) -> None:
    """Fail (exit 1) on any credential-like string in the cassettes.

    agentkit cassettes scan cassettes/
    agentkit cassettes scan cassettes/**/*.json
    """
    hits = 0
    paths = _cassette_files(paths)
    for path in paths:
        findings = _scan_one(path)
        hits += len(findings)
        for finding in findings:
            # Locations and excerpts are masked by the scanner.
            typer.echo(f"{path}: {finding['location']}: {finding['kind']}: {finding['excerpt']}")
    if hits:
        typer.echo(
            f"{typer.style(f'{hits} credential-like string(s) found', fg='red')}; "
            "re-record with redaction on"
        )
        raise typer.Exit(1)
    typer.echo(scan_clean_text(len(paths)))


def _scan_one(path: Path) -> list[dict[str, str]]:
    """The scanner's findings in ``path`` (location, kind, masked excerpt). What the credential
    patterns find is remembered per file version; the secret environment variables' values are
    looked for on every run, since they are not the file's to decide (and are never stored)."""
    from agentkit.replay import may_hold_secret_values

    def scan_for(environ: dict[str, str] | None) -> list[dict[str, str]]:
        from agentkit.replay import scan_cassette  # pydantic: only when the file is read

        return [finding.model_dump() for finding in scan_cassette(path, environ=environ)]

    if may_hold_secret_values(path):
        return scan_for(None)
    return remembered("scan", path, lambda: scan_for({}), is_findings)


@app.command()
@guard
def diff(first: PathArg, second: PathArg) -> None:
    """Compare two cassettes interaction by interaction, message by message. Exits 1 if they differ.

    agentkit cassettes diff old.json new.json
    """
    from agentkit.replay import diff_requests, load_cassette

    a, b = load_cassette(first), load_cassette(second)
    changes = 0
    for number in range(max(len(a.interactions), len(b.interactions))):
        if number >= len(b.interactions):
            _common.console.print(
                f"- #{number} only in {first}: {_request_summary(a.interactions[number])}"
            )
        elif number >= len(a.interactions):
            _common.console.print(
                f"+ #{number} only in {second}: {_request_summary(b.interactions[number])}"
            )
        elif _key(a.interactions[number]) != _key(b.interactions[number]):
            _common.console.print(f"~ #{number} request changed:")
            _common.console.print(
                "    "
                + diff_requests(
                    a.interactions[number].request, b.interactions[number].request
                ).replace("\n", "\n    ")
            )
        elif a.interactions[number].response != b.interactions[number].response:
            _common.console.print(
                f"~ #{number} same request, response changed: {_response_summary(a.interactions[number])} -> {_response_summary(b.interactions[number])}"
            )
        else:
            continue
        changes += 1
    if changes:
        raise typer.Exit(1)
    _common.console.print("no differences")


@app.command()
@guard
def prune(path: PathArg) -> None:
    """Drop the interactions the last 'agentkit run' on this cassette did not use (atomic rewrite).

    agentkit run --cassette-dir cassettes/runs --episodes 5 && agentkit cassettes prune cassettes/runs/tool-balanced-gpt-4.json
    """
    from agentkit._played import played_path, write_played
    from agentkit.replay import CassetteFile, load_cassette, save_cassette

    cassette = load_cassette(path)
    played = _read_played(path)
    if played is None:
        fail(
            f"no record of a run on {path}: run 'agentkit run --cassette-dir ...' first, then prune"
        )
    if played.interactions != len(cassette.interactions):
        fail(
            f"{path} changed since the last run ({played.interactions} -> {len(cassette.interactions)} interactions); run again, then prune"
        )
    keep = set(played.played)
    kept = [
        interaction for number, interaction in enumerate(cassette.interactions) if number in keep
    ]
    try:
        save_cassette(path, CassetteFile(version=cassette.version, interactions=kept))
    except OSError as exc:
        fail(f"cannot rewrite {path} ({os_problem(exc)}); it was left unchanged")
    dropped = len(cassette.interactions) - len(kept)
    try:
        write_played(path, list(range(len(kept))), len(kept))
    except OSError as exc:
        # The cassette is pruned; the stale record only makes the next prune ask for a run.
        fail(
            f"{path} was pruned, but its run record {played_path(path)} could not be updated "
            f"({os_problem(exc)}); run again before the next prune"
        )
    _common.console.print(f"{path}: kept {len(kept)}, dropped {dropped} unused interaction(s)")


def _check_writable_directory(out: Path) -> None:
    """Fail on an ``--out`` that can never become a directory (it, or a parent, is a file)."""
    for ancestor in (out, *out.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                fail(f"--out {out}: {ancestor} is a file, not a directory")
            return


@app.command("import")
@guard
def import_(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="vcrpy cassette files (YAML or JSON), or directories to search for them.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Where the agentkit cassettes go (the plugin reads <rootdir>/cassettes).",
        ),
    ] = Path("cassettes"),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite agentkit cassettes that already exist.")
    ] = False,
) -> None:
    """Convert vcrpy / pytest-recording cassettes into agentkit cassettes, redacted and scanned.

    pytest-recording's tests/cassettes/<module>/<test>.yaml becomes cassettes/<module>/<test>.json,
    where the agentkit plugin looks for that test's cassette. A file with any interaction that
    cannot be converted, or a secret that survives redaction, is not written; every problem is
    listed and the command exits 1.

        agentkit cassettes import tests/cassettes --out cassettes
    """
    from rich.markup import escape

    from agentkit.replay import import_vcr_cassettes

    _check_writable_directory(out)
    report = import_vcr_cassettes(sources, out, force=force)
    for item in report.imports:
        if item.status == "failed":
            _common.console.print(f"[red]not written:[/] {escape(str(item.source))}", markup=True)
            for problem in item.problems:
                where = (
                    "" if problem.interaction is None else f"interaction {problem.interaction}: "
                )
                _common.console.print(f"  {where}{problem.reason}", markup=False)
        else:
            _common.console.print(
                f"{item.status}: {item.destination} <- {item.source} "
                f"({item.interactions} interaction(s))",
                markup=False,
            )
    failed = sum(item.status == "failed" for item in report.imports)
    summary = (
        f"{len(report.imports) - failed} of {len(report.imports)} cassette(s) imported into {out}"
    )
    if failed:
        _common.console.print(
            f"[red]{escape(summary)}; {failed} not written ({len(report.problems)} problem(s)): "
            "fix them and import again[/]",
            markup=True,
        )
        raise typer.Exit(1)
    _common.console.print(summary, markup=False)
