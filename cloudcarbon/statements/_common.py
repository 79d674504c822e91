"""Formatting shared by the statement renderers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from cloudcarbon.statements.model import STAGE_LABELS, Stage, Statement

__all__ = ["kg", "money", "pct", "stage_columns", "stage_value", "trend_table"]


def kg(v: Decimal | None, places: int = 3) -> str:
    return "n/a" if v is None else f"{v:,.{places}f}"


def money(v: Decimal, currency: str) -> str:
    return f"{v:,.2f} {currency}" if currency else f"{v:,.2f}"


def pct(part: Decimal, whole: Decimal) -> str:
    return "n/a" if whole == 0 else f"{part / whole * 100:.1f} %"


def stage_columns(st: Statement) -> list[str]:
    """Stages present in any project line, in :data:`STAGE_LABELS` order, then others by name."""
    present = {s.stage for p in st.projects for s in p.stages}
    known = [s for s in STAGE_LABELS if s in present]
    return known + sorted(present - set(STAGE_LABELS))


def stage_value(stages: tuple[Stage, ...], stage: str) -> Decimal:
    return sum((s.co2e_kg for s in stages if s.stage == stage), Decimal(0))


def trend_table(st: Statement) -> tuple[list[str], list[tuple[str, list[Decimal | None]]]]:
    """Months, and per series its value for each month (``None`` when the series lacks the month)."""
    if st.trend is None:
        return [], []
    months = list(st.trend.months)
    out = []
    for s in st.trend.series:
        by_month = {p.month: p.co2e_kg for p in s.points}
        out.append((s.name, [by_month.get(m) for m in months]))
    return months, out


#: Columns of the restatement-history table, the same in every format.
RESTATEMENT_HEADER = ["Version", "Recorded", "Causes", "Change kg", "Note"]
#: Which of :data:`RESTATEMENT_HEADER`'s columns hold text (the others are right-aligned figures).
RESTATEMENT_TEXT = (0, 1, 2, 4)


def restatement_rows(st: Statement, esc: Callable[[str], str]) -> list[list[str]]:
    """The restatement-history rows of ``st``, user text escaped by the format's ``esc``."""
    return [
        [
            str(r.version),
            esc(r.recorded_at),
            esc(", ".join(r.causes)),
            f"{r.delta_co2e_kg:+,.3f}",
            esc(r.note),
        ]
        for r in st.restatements
    ]
