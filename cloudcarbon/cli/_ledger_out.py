"""Shared by ``baseline``, ``compare`` and ``trend``: the ``--ledger`` option and tabular output.

Every text cell is user data (project names, tags, paths) and is escaped for its medium: rich markup
and control characters on the terminal, formula prefixes in CSV, markup in markdown, HTML entities.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from cloudcarbon._escape import safe_csv_cell, safe_markdown, safe_terminal
from cloudcarbon.ledger import ENV_VAR, Ledger, ledger_path

__all__ = ["LedgerOpt", "TableFormat", "open_ledger", "render_rows"]

LedgerOpt = Annotated[
    Path | None,
    typer.Option(
        "--ledger",
        help="Ledger file (default: $CLOUDCARBON_LEDGER, else the per-user data folder).",
        show_default=False,
    ),
]


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


def open_ledger(explicit: Path | None, *, create: bool = False) -> Ledger:
    """The ledger at ``--ledger`` > ``CLOUDCARBON_LEDGER`` > the ledger path of ``./cloudcarbon.toml``
    (when the configuration has one) > the per-user default; a missing file is LedgerNotFound."""
    from cloudcarbon.config import load_config

    configured: str | None = None
    config_dir: Path | None = None
    if explicit is None and not os.environ.get(ENV_VAR, "").strip():
        cfg = load_config(None)
        configured = getattr(cfg, "ledger_path", None)
        cfg_path = getattr(cfg, "path", None)
        config_dir = Path(cfg_path).parent if cfg_path else None
    return Ledger(ledger_path(explicit, configured, config_dir=config_dir), create=create)


def _num(v: Any) -> bool:
    return isinstance(v, int | float | Decimal) and not isinstance(v, bool)


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return format(v, "f")
    return str(v)


def render_rows(
    df: pl.DataFrame,
    fmt: TableFormat,
    *,
    title: str,
    notes: Sequence[str] = (),
    total: dict[str, Any] | None = None,
    width: int = 200,
) -> str:
    """``df`` as text in ``fmt``; ``title`` and ``notes`` (user-facing sentences) go with it. ``total``
    (a row of the same columns) is a last row of the table and markdown, ``total`` in JSON, and left
    out of CSV (which stays one record per line). A table is at most ``width`` wide: headers are never
    cut; user values fold, and the last columns are left out (a note names them) when they cannot fit."""
    rows = df.to_dicts()
    cols = df.columns
    if fmt is TableFormat.json:
        payload: dict[str, Any] = {
            "title": title,
            "notes": list(notes),
            "columns": cols,
            "rows": [{c: (_text(r[c]) if isinstance(r[c], Decimal) else r[c]) for c in cols} for r in rows],
        }
        if total is not None:
            payload["total"] = {c: (_text(v) if isinstance(v, Decimal) else v) for c, v in total.items()}
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if total is not None and fmt is not TableFormat.csv:
        rows = [*rows, total]
    if fmt is TableFormat.csv:
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow(
                [_text(r[c]) if _num(r[c]) or r[c] is None else safe_csv_cell(str(r[c])) for c in cols]
            )
        return buf.getvalue()
    if fmt is TableFormat.md:
        out = [f"## {safe_markdown(title)}", ""]
        out += [safe_markdown(n) + "  " for n in notes]
        if notes:
            out.append("")
        out.append("| " + " | ".join(safe_markdown(c) for c in cols) + " |")
        out.append("|" + "|".join("---:" if df.schema[c].is_numeric() else "---" for c in cols) + "|")
        for r in rows:
            out.append(
                "| "
                + " | ".join(_text(r[c]) if _num(r[c]) else safe_markdown(_text(r[c])) for c in cols)
                + " |"
            )
        return "\n".join(out) + "\n"
    from rich.console import Console

    from cloudcarbon.reports._fit import Col, fitted_table

    numeric = [df.schema[c].is_numeric() for c in cols]

    def shown(v: Any) -> str:
        return _text(v) if _num(v) else safe_terminal(_text(v))

    pairs = zip(cols, numeric, strict=True)
    fits = [Col(safe_terminal(c), [shown(r[c]) for r in rows], folds=not n) for c, n in pairs]
    table, left_out = fitted_table(safe_terminal(title), fits, width, right=numeric)
    if left_out:
        notes = [*notes, f"Not shown at this width: {', '.join(left_out)} (see --format csv, md or json)."]
    console = Console(width=width, record=True, highlight=False)
    with console.capture() as cap:
        console.print(table)
        for note in notes:  # user text: never read as markup
            console.print(safe_terminal(note), markup=False)
    return cap.get()
