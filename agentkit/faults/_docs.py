"""The catalogue as markdown: the generated section of docs/faults.md."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from agentkit.faults._catalog import CATALOGUE, HANDLERS, LAYERS, FaultInfo
from agentkit.faults._plan import Fault, When

__all__ = ["catalogue_markdown", "handling_text"]

_COLUMNS = ("#", "kind", "layer", "injects", "the SDK gives", "a robust agent", "agentkit")
# Handlers after which a fault that persists ends in a fallback; the others never fall back.
_MAY_FALL_BACK = frozenset({"retry", "shrink", "repair", "fallback", "raise"})


def handling_text(info: FaultInfo) -> str:
    """How agentkit's agent answers a fault, and the fallback class if it persists:
    ``retry → model_call``, plus the streamed case when it differs."""

    def one(handler: str) -> str:
        if handler in _MAY_FALL_BACK and info.fallback_class is not None:
            return f"{handler} → {info.fallback_class}"
        return handler

    text = one(info.handled_by)
    if info.stream_handled_by != info.handled_by:
        text += f"; streamed: {one(info.stream_handled_by)}"
    return text


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
