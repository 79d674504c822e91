"""Fitting a rich table to a terminal width without ever cutting a header.

rich shrinks a table that is too wide by squeezing its widest columns, down to cutting headers with
an ellipsis. These helpers decide every column's width instead: a header may wrap between its words but
never inside one, a number is never cut, and a value of user text folds onto more lines. When even
that does not fit, the caller shows fewer columns and says so.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from rich.cells import cell_len

__all__ = ["FOLD_AT", "Col", "fit_rich_table", "fit_widths", "fitted_table", "terminal_width", "text_width"]


#: A word of user text narrower than this is never folded (a longer one may be, to fit the width).
FOLD_AT = 10


def text_width(value: Any) -> int:
    """Terminal cells taken by the widest line of ``value`` (a str or a rich Text)."""
    plain = value.plain if hasattr(value, "plain") else str(value)
    return max((cell_len(line) for line in plain.split("\n")), default=0)


@dataclass
class Col:
    """A column to fit: its header, its cells (footer included) and whether its cells may fold."""

    header: str
    cells: Sequence[Any] = field(default_factory=list)
    footer: str = ""
    folds: bool = False  # user text folds onto more lines; numbers never do

    @property
    def minimum(self) -> int:
        """Narrowest width that cuts no word of the header or footer, and no number."""
        words = max((cell_len(w) for w in (*self.header.split(), *self.footer.split())), default=1)
        if self.folds:  # a word of a value folds only beyond FOLD_AT cells
            plain = (getattr(c, "plain", str(c)) for c in self.cells)
            fixed = min(max((cell_len(w) for p in plain for w in p.split()), default=0), FOLD_AT)
        else:
            fixed = max((text_width(c) for c in self.cells), default=0)
        return max(words, fixed, 1)

    @property
    def natural(self) -> int:
        """Width that shows the header and every cell on one line."""
        return max(cell_len(self.header), max((text_width(c) for c in self.cells), default=0),
                   text_width(self.footer), 1)  # fmt: skip


def fit_widths(cols: Sequence[Col], width: int) -> list[int] | None:
    """Content width of each column for a bordered rich table (one cell of padding each side) no wider
    than ``width``; ``None`` when even the minimum widths do not fit."""
    room = width - (3 * len(cols) + 1)  # two cells of padding per column, one border between and around
    natural = [c.natural for c in cols]
    if sum(natural) <= room:
        return natural
    widths = [c.minimum for c in cols]
    if sum(widths) > room:
        return None
    for _ in range(room - sum(widths)):  # the spare cells go, one by one, to the most squeezed column
        i = max(range(len(cols)), key=lambda k: natural[k] - widths[k])
        if natural[i] <= widths[i]:
            break
        widths[i] += 1
    return widths


def terminal_width(stream: TextIO, default: int) -> int:
    """The width to render for: ``$COLUMNS`` when set, else the terminal's, else ``default`` (a pipe or
    a file gets a wide page)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return shutil.get_terminal_size((default, 24)).columns
    return default


def fitted_table(
    title: Any, cols: Sequence[Col], width: int, *, right: Sequence[bool]
) -> tuple[Any, list[str]]:
    """A rich Table of ``cols`` no wider than ``width``, leaving out the last columns (never the first)
    while they cannot fit; returns it and the headers left out. ``right`` justifies a column right."""
    from rich.table import Table

    shown = len(cols)
    widths = fit_widths(cols, width)
    while widths is None and shown > 1:
        shown -= 1
        widths = fit_widths(cols[:shown], width)
    table = Table(title=title)
    for i, c in enumerate(cols[:shown]):
        table.add_column(
            c.header,
            justify="right" if right[i] else "left",
            overflow="fold",
            width=None if widths is None else widths[i],
        )
    for row in zip(*(c.cells for c in cols[:shown]), strict=True):
        table.add_row(*row)
    return table, [c.header for c in cols[shown:]]


def fit_rich_table(table: Any, width: int) -> list[str]:
    """Fit an already built rich Table to ``width`` in place, as :func:`fitted_table` would: column
    widths set so no header word is cut, left-justified (text) columns fold, right-justified (number)
    columns keep their values whole, and the last columns are dropped while even that cannot fit.
    Returns the headers of the columns dropped."""
    cols = [
        Col(
            str(getattr(c.header, "plain", c.header)),
            list(c._cells),
            footer=str(getattr(c.footer, "plain", c.footer)),
            folds=c.justify != "right",
        )
        for c in table.columns
    ]
    if not table.show_header:
        for c in cols:
            c.header = ""
    shown = len(cols)
    widths = fit_widths(cols, width)
    while widths is None and shown > 1:
        shown -= 1
        widths = fit_widths(cols[:shown], width)
    dropped = [c.header for c in cols[shown:]]
    del table.columns[shown:]
    if widths is not None:
        for column, w in zip(table.columns, widths, strict=True):
            column.width = w
            column.overflow = "fold"
    return dropped
