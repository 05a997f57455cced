"""A plain text table: columns sized to the terminal, long cells wrapped inside their column.

``agentkit faults list`` prints one. rich's table would do the same, but importing its console,
table and markup modules costs more (about 45 ms) than the rest of the command: most of the
start-up budget of issue 16.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence

__all__ = ["plain_table"]

_MIN_WIDTH = 4
"""The narrowest a column is squeezed to (wider if its header's longest word is)."""


def plain_table(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None
) -> str:
    """``rows`` under ``headers`` in a box-drawn table at most ``width`` characters wide (the
    terminal's width by default, ``COLUMNS`` when set). When the cells do not fit on one line,
    the widest columns give way first and their cells wrap (at spaces, else mid-word). Only a
    width below four characters a column is exceeded."""
    if width is None:
        width = shutil.get_terminal_size().columns
    widths = _fit(headers, rows, width - (3 * len(headers) + 1))
    lines = [title] if title else []
    lines.append("┌" + "┬".join("─" * (w + 2) for w in widths) + "┐")
    lines += _row(headers, widths)
    lines.append("├" + "┼".join("─" * (w + 2) for w in widths) + "┤")
    for row in rows:
        lines += _row(row, widths)
    lines.append("└" + "┴".join("─" * (w + 2) for w in widths) + "┘")
    return "\n".join(lines)


def _fit(headers: Sequence[str], rows: Sequence[Sequence[str]], room: int) -> list[int]:
    """Each column's width: its widest cell, the widest columns narrowed one character at a time
    until the table fits in ``room``: first down to the longest word of each header (at least
    ``_MIN_WIDTH``), then, on a terminal too narrow even for that, down to one character."""
    widths = [
        max([len(header), *(len(row[column]) for row in rows)])
        for column, header in enumerate(headers)
    ]
    readable = [
        min(width, max([_MIN_WIDTH, *(len(word) for word in header.split())]))
        for width, header in zip(widths, headers, strict=True)
    ]
    for floors in (readable, [1] * len(widths)):
        while sum(widths) > room:
            column = max(range(len(widths)), key=lambda c: (widths[c] - floors[c], widths[c]))
            if widths[column] <= floors[column]:
                break
            widths[column] -= 1
    return widths


def _row(cells: Sequence[str], widths: Sequence[int]) -> list[str]:
    wrapped = [
        textwrap.wrap(cell, width, break_on_hyphens=False) or [""]
        for cell, width in zip(cells, widths, strict=True)
    ]
    height = max(len(lines) for lines in wrapped)
    return [
        "│ "
        + " │ ".join(
            (lines[line] if line < len(lines) else "").ljust(width)
            for lines, width in zip(wrapped, widths, strict=True)
        )
        + " │"
        for line in range(height)
    ]
