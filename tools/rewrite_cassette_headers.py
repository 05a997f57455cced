"""Rewrite stored cassettes' response headers with the current header rules.

Only ``interactions[*].response.headers`` change: volatile headers (request ids, dates,
processing times) are dropped and credential-named headers replaced, exactly as a fresh
recording would store them. Requests and bodies are left byte for byte, so matching is
unchanged. A file that would not change is not written.

    python tools/rewrite_cassette_headers.py cassettes agentkit/_data examples/support_desk/cassettes
    python tools/rewrite_cassette_headers.py --check cassettes   # exit 1 if a file would change
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from agentkit.replay import Redactor, load_cassette
from agentkit.replay._format import dump_cassette


def rewrite(path: Path, redactor: Redactor, *, check: bool) -> bool:
    """Whether ``path`` needed (and, unless ``check``, got) a header rewrite."""
    cassette = load_cassette(path)
    before = dump_cassette(cassette)
    for interaction in cassette.interactions:
        response = interaction.response
        response.headers = dict(sorted(redactor.headers(response.headers).items()))
    after = dump_cassette(cassette)
    if after == before:
        return False
    if not check:
        path.write_text(after, encoding="utf-8")
    return True


def _cassettes(roots: list[str]) -> list[Path]:
    paths: list[Path] = []
    for root in map(Path, roots):
        paths += sorted(root.rglob("*.json")) if root.is_dir() else [root]
    return [p for p in paths if '"interactions"' in p.read_text(encoding="utf-8")[:200]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="cassette files or directories")
    parser.add_argument("--check", action="store_true", help="report only; exit 1 on changes")
    args = parser.parse_args(argv)
    # No secret values: header rules only, so the run does not depend on the environment.
    redactor = Redactor((), environ={})
    changed = [p for p in _cassettes(args.paths) if rewrite(p, redactor, check=args.check)]
    for path in changed:
        print(f"{'would rewrite' if args.check else 'rewrote'} {path}")
    print(f"{len(changed)} cassette(s) {'to rewrite' if args.check else 'rewritten'}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
