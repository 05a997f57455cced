"""The catalogue as markdown: the generated section of docs/faults.md."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from agentkit.faults._catalog import CATALOGUE, HANDLERS, LAYERS
from agentkit.faults._plan import Fault, When
from agentkit.faults._table import handling_text

__all__ = ["catalogue_markdown", "handling_text"]

_COLUMNS = ("#", "kind", "layer", "injects", "the SDK gives", "a robust agent", "agentkit")


def _cell(text: str) -> str:
    # Field docstrings use reST's ``code``; a "<tool_call>" would vanish as an HTML tag and a
    # "|" would split the cell.
    return text.replace("``", "`").replace("<", "&lt;").replace("|", "\\|").replace("\n", " ")


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return [*lines, ""]


def _fields(model: type[BaseModel]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for name, field in model.model_fields.items():
        if field.is_required():
            default = "required"
        else:
            default = "-" if field.default in (None, ()) else f"`{field.default!r}`"
        rows.append((f"`{name}`", default, field.description or ""))
    return rows


def catalogue_markdown() -> str:
    """The fault catalogue as markdown: every kind, the parameters of ``Fault`` and ``When``,
    the layers, and what each handler in the ``agentkit`` column means.

    It is the generated section of docs/faults.md; ``agentkit faults list --markdown`` prints it.

    >>> "| `read_timeout` |" in catalogue_markdown()
    True
    """
    kinds = [
        (
            str(info.row or "-"),
            f"`{kind.value}`",
            info.layer,
            info.summary,
            info.sdk_gives,
            info.agent_does,
            handling_text(info),
        )
        for kind, info in CATALOGUE.items()
    ]
    lines = ["### Fault kinds", "", *_table(_COLUMNS, kinds)]
    lines += ["### What the `agentkit` column means", ""]
    lines += _table(("handler", "what happens"), [(f"`{h}`", m) for h, m in HANDLERS.items()])
    lines += ["### Layers", ""]
    lines += _table(("layer", "where the fault acts"), [(f"`{k}`", m) for k, m in LAYERS.items()])
    lines += ["### `Fault`: a fault and its parameters", ""]
    lines += _table(("field", "default", "meaning"), _fields(Fault))
    lines += ["### `When`: when a rule fires", ""]
    lines += _table(("field", "default", "meaning"), _fields(When))
    return "\n".join(lines).rstrip("\n") + "\n"
