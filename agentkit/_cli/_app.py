"""The typer app, group and command classes that every ``agentkit`` command is built from.

Two choices keep start-up near ``import typer, rich`` (issue 16), and tests/test_import_cost.py
pins both:

- Plain (click) help, not rich panels: typer's rich help imports ``typer.rich_utils``, which
  loads rich's markdown renderer and markdown-it, and costs more than ``import typer, rich``
  itself. The plain page shows the same commands, options, defaults and examples.
- The ``--help`` flag defaults to ``False``: left at typer's ``None``, it is not a bool, so typer
  builds a pydantic ``TypeAdapter`` for it (importing pydantic, about 75 ms) on every run of
  every command, help or not.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

if TYPE_CHECKING:
    # The click that typer 0.29 vendors: the base of typer.Context, as its commands declare.
    from typer._click import Context

__all__ = ["Command", "Group", "keep_examples", "new_app"]


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


class Command(TyperCommand):
    """A command with a plain bool ``--help`` and examples printed as written."""

    def __init__(self, name: str | None, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        if self.help:
            self.help = keep_examples(self.help)

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
