"""The typer app, group and command classes that every ``agentkit`` command is built from.

Three choices keep start-up near ``import typer, rich`` (issue 16), and tests/test_import_cost.py
pins them:

- Plain (click) help, not rich panels: typer's rich help imports ``typer.rich_utils``, which
  loads rich's markdown renderer and markdown-it, and costs more than ``import typer, rich``
  itself. The plain page shows the same commands, options, defaults and examples.
- The ``--help`` flag defaults to ``False``: left at typer's ``None``, it is not a bool, so typer
  builds a pydantic ``TypeAdapter`` for it (importing pydantic, about 75 ms) on every run of
  every command, help or not.
- A plain ``str`` or ``Path`` parameter (or a list of them) without typer constraints is converted
  without pydantic: typer 0.29 coerces every other value through a ``TypeAdapter``, which for
  ``agentkit cassettes show FILE`` costs more (about 75 ms) than the rest of the command when its
  result is cached. Other parameters keep typer's own coercion.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args, get_origin

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

if TYPE_CHECKING:
    # The click that typer 0.29 vendors: the base of typer.Context, as its commands declare.
    from typer._click import Context

__all__ = ["Command", "Group", "PlainConversion", "keep_examples", "new_app", "plain_conversion"]


def _unset_help_flag(option: TyperOption | None) -> TyperOption | None:
    if option is not None and option.default is None:
        option.default = False
    return option


def keep_examples(help_text: str) -> str:
    """``help_text`` with each example paragraph marked so that click prints it line for line:
    it would otherwise join the lines and rewrap them, mid-option. An example is a paragraph
    that is indented or that starts with a command line (``agentkit ...``)."""
    paragraphs = inspect.cleandoc(help_text).split("\n\n")
    return "\n\n".join(
        f"\b\n{paragraph}" if _is_example(paragraph) else paragraph for paragraph in paragraphs
    )


def _is_example(paragraph: str) -> bool:
    return paragraph[:1].isspace() or paragraph.startswith("agentkit ")


class PlainConversion:
    """How a plain ``str`` or ``Path`` parameter's value is converted: what typer's pydantic
    adapter would give for it (the value as ``str`` or ``Path``; a list of them for a repeated
    parameter), with neither pydantic nor the adapter loaded."""

    def __init__(self, convert: Callable[[Any], Any], *, repeated: bool) -> None:
        self.convert = convert
        self.repeated = repeated

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        # The protocol of typer.core._TyperParameter's runtime parameter (typer 0.29).
        if value is None:
            return () if self.repeated else None
        if self.repeated:
            return [self.convert(item) for item in value]
        return self.convert(value)


_PLAIN_TYPES: dict[Any, Callable[[Any], Any]] = {str: str, Path: Path}

# Parameter settings under which typer's coercion does more than convert: any of them set keeps
# typer's own coercion.
_CONSTRAINTS = ("parser", "min", "max", "path_type", "formats", "mode", "encoding")
_PATH_CHECKS = ("exists", "writable", "resolve_path", "allow_dash")


def plain_conversion(param: Any) -> PlainConversion | None:
    """The plain conversion for ``param``, or None when typer's own coercion is needed (a type
    other than ``str`` / ``Path``, a constraint, or a typer whose parameters differ)."""
    descriptor: Any = getattr(param, "type_descriptor", None)
    info = getattr(descriptor, "parameter_info", None)
    if info is None or getattr(param, "_runtime_param", "absent") is not None:
        return None
    annotation = descriptor.annotation
    repeated = get_origin(annotation) is list
    if repeated:
        (annotation,) = get_args(annotation) or (None,)
    convert = _PLAIN_TYPES.get(annotation)
    if convert is None or getattr(descriptor, "file_annotation", None) is not None:
        return None
    if any(getattr(info, name, None) is not None for name in _CONSTRAINTS):
        return None
    if any(getattr(info, name, False) for name in _PATH_CHECKS):
        return None
    return PlainConversion(convert, repeated=repeated)


class Command(TyperCommand):
    """A command with a plain bool ``--help``, examples printed as written, and plain ``str`` /
    ``Path`` parameters converted without pydantic."""

    def __init__(self, name: str | None, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        if self.help:
            self.help = keep_examples(self.help)
        for param in self.params:
            conversion = plain_conversion(param)
            if conversion is not None:
                # typer builds its adapter on first use, into this attribute: set first, it is
                # never built.
                param._runtime_param = conversion  # type: ignore[attr-defined]

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        return _unset_help_flag(super().get_help_option(ctx))


class Group(TyperGroup):
    """A command group with a plain bool ``--help``."""

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        return _unset_help_flag(super().get_help_option(ctx))


class _App(typer.Typer):
    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = Command, **kwargs: Any
    ) -> Any:
        return super().command(name, cls=cls, **kwargs)


def new_app(**kwargs: Any) -> typer.Typer:
    """A ``typer.Typer`` whose group and commands are :class:`Group` and :class:`Command`, with
    plain help."""
    return _App(cls=Group, rich_markup_mode=None, **kwargs)
