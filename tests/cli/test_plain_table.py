"""The plain table of `agentkit faults list`: it fits the width it is given and loses no text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentkit._cli._table import plain_table

HEADERS = ("kind", "#", "injects", "the SDK gives")
ROWS = [
    ("connect_refused", "1", "raise httpx2.ConnectError", "APIConnectionError"),
    ("stream_disconnect", "4", "the event stream breaks (ReadError) after n events", "-"),
]


def _words(text: str) -> str:
    return "".join(text.split())


def test_a_table_that_fits_has_one_line_per_row() -> None:
    table = plain_table("fault catalogue", HEADERS, ROWS, width=200).splitlines()
    assert table[0] == "fault catalogue"
    assert table[2] == "│ kind              │ # │ injects" + " " * 44 + "│ the SDK gives      │"
    assert len(table) == 1 + 3 + len(ROWS) + 1  # title, rules and header, rows, bottom rule
    assert table[4].startswith("│ connect_refused   │ 1 │ raise httpx2.ConnectError ")
    assert len({len(line) for line in table[1:]}) == 1


@pytest.mark.parametrize("width", [40, 60, 80])
def test_a_narrow_terminal_wraps_cells_inside_their_columns(width: int) -> None:
    table = plain_table("", HEADERS, ROWS, width=width).splitlines()
    assert {len(line) for line in table} == {width}
    # Column by column, the wrapped lines hold every character of every cell, in order.
    body = table[next(i for i, line in enumerate(table) if line.startswith("├")) + 1 : -1]
    columns = [[cell.strip() for cell in line.split("│")[1:-1]] for line in body]
    for column in range(len(HEADERS)):
        joined = _words("".join(row[column] for row in columns))
        assert joined == _words("".join(row[column] for row in ROWS))


@given(
    st.lists(
        st.tuples(*(st.text("ab c-_.", max_size=30) for _ in HEADERS)), min_size=1, max_size=5
    ),
    st.integers(30, 120),
)
def test_any_cells_fit_and_keep_their_text(rows: list[tuple[str, ...]], width: int) -> None:
    table = plain_table("t", HEADERS, rows, width=width).splitlines()[1:]
    assert max(len(line) for line in table) <= width
    rule = next(i for i, line in enumerate(table) if line.startswith("├"))
    cells = [line.split("│")[1:-1] for line in table if line.startswith("│")]
    header, body = cells[: rule - 1], cells[rule - 1 :]
    for column in range(len(HEADERS)):
        assert _words("".join(line[column] for line in header)) == _words(HEADERS[column])
        assert _words("".join(line[column] for line in body)) == _words(
            "".join(row[column] for row in rows)
        )
