"""Options shared by several commands, declared once."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from cloudcarbon.pipeline import GROUP_KEYS

__all__ = [
    "ConfigOpt",
    "FactorsOpt",
    "Format",
    "FormatOpt",
    "GroupByOpt",
    "MonthOpt",
    "OnceCommand",
    "SourcesOpt",
    "check_month",
]

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def check_month(value: str | None) -> str | None:
    """Option callback: ``value`` must be a month ``YYYY-MM``, else a usage error (exit 2).

    ``None`` (option not given) passes through: click reports a missing required option itself, but
    older typer calls the callback first.
    """
    if value is None:
        return value
    if not _MONTH.fullmatch(value):
        raise typer.BadParameter(f"{value!r} is not a month of the form YYYY-MM (e.g. 2026-10).")
    return value


class OnceCommand(TyperCommand):
    """A command that refuses a single-valued option given twice, where click would keep the last value.

    ``--month 2026-09 --month 2026-10`` is a usage error (exit 2) naming both values, not a silent
    estimate of October. Options declared repeatable (``--source``, ``--group-by``) are unaffected.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _refuse_repeats(self, ctx, args)
        result: list[str] = super().parse_args(ctx, args)
        return result


def _refuse_repeats(command: TyperCommand, ctx: Any, args: Sequence[str]) -> None:
    by_name: dict[str, Any] = {}
    params: list[Any] = list(command.params)  # click's Option attributes differ across click/typer versions
    for param in params:
        if param.param_type_name == "option" and not (param.is_flag or param.count):
            by_name.update({name: param for name in param.opts})
    given: dict[str, list[str]] = {}
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            break
        name, eq, value = token.partition("=") if token.startswith("--") else (token[:2], "", token[2:])
        option = by_name.get(name) if token.startswith("-") else None
        if option is not None:
            if not eq and not value:  # the value is the next token
                i += 1
                value = args[i] if i < len(args) else ""
            given.setdefault(option.name, []).append(value)
            if not option.multiple and len(given[option.name]) > 1:
                raise typer.BadParameter(
                    f"given more than once ({', '.join(map(repr, given[option.name]))}); give it once.",
                    ctx=ctx,
                    param=option,
                )
        i += 1


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


MonthOpt = Annotated[str, typer.Option("--month", "-m", callback=check_month, help="Billing month, YYYY-MM.")]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="cloudcarbon.toml (default: ./cloudcarbon.toml if present)."),
]
FactorsOpt = Annotated[
    str | None, typer.Option("--factors", help="Factor-set version or folder (default: newest shipped).")
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
SourcesOpt = Annotated[
    list[str],
    typer.Option(
        "--source",
        "-s",
        help="Export file, report folder or inventory; repeatable. Prefix with aws:, gcp:, azure:, focus: "
        "or inventory: to skip format detection.",
    ),
]
GroupByOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--group-by",
        "-g",
        help=f"Line keys, repeatable: {', '.join(GROUP_KEYS)}.",
    ),
]
