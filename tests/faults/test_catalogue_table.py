"""The plain catalogue rows (what ``agentkit faults list`` prints without pydantic) and the
pydantic ``CATALOGUE`` say the same thing for every fault kind."""

from __future__ import annotations

import pytest

from agentkit.faults import (
    CATALOGUE,
    CATALOGUE_ROWS,
    FaultInfo,
    FaultKind,
    FaultRow,
    handling_text,
)


def test_every_kind_has_a_row_and_a_model_in_the_same_order() -> None:
    """No kind is missing from either, and both list the kinds in FaultKind's order."""
    assert list(CATALOGUE_ROWS) == list(FaultKind)
    assert list(CATALOGUE) == list(FaultKind)


def test_a_row_has_exactly_the_fields_of_fault_info() -> None:
    """A field added to one and not the other fails here, not in a user's table."""
    assert FaultRow._fields == tuple(FaultInfo.model_fields)


@pytest.mark.parametrize("kind", list(FaultKind), ids=str)
def test_the_row_and_the_model_carry_the_same_text(kind: FaultKind) -> None:
    """Every field (number, layer, texts, handlers, fallback class) is equal."""
    row, info = CATALOGUE_ROWS[kind], CATALOGUE[kind]
    assert row._asdict() == info.model_dump()
    assert handling_text(row) == handling_text(info)


def test_the_rows_are_valid_fault_info() -> None:
    """Each row passes FaultInfo's validation (its literals: layer, handlers, fallback class)."""
    for row in CATALOGUE_ROWS.values():
        assert FaultInfo.model_validate(row._asdict()) == FaultInfo(**row._asdict())


def test_handling_text_names_the_fallback_and_the_streamed_case() -> None:
    """The agentkit column: the handler, → the fallback class, and the streamed handler."""
    assert handling_text(CATALOGUE_ROWS[FaultKind.READ_TIMEOUT]) == "retry → model_call"
    assert (
        handling_text(CATALOGUE_ROWS[FaultKind.STREAM_DISCONNECT])
        == "retry → model_call; streamed: fallback → model_call"
    )
    assert handling_text(CATALOGUE_ROWS[FaultKind.SLICER]) == "tolerated"
