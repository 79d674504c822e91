"""Formatting shared by the statement renderers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from cloudcarbon.statements.model import STAGE_LABELS, Comparison, Stage, Statement

__all__ = [
    "RECONCILE_HEADER",
    "RECONCILE_TEXT",
    "SIDE_HEADER",
    "kg",
    "money",
    "pct",
    "reconcile_intro",
    "reconcile_rows",
    "side_rows",
    "stage_columns",
    "stage_value",
    "trend_table",
]


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


#: Columns of the providers' figures table, the same in every format.
RECONCILE_HEADER = [
    "Provider",
    "Account",
    "Region",
    "Service",
    "Match",
    "cloudcarbon kg",
    "Provider kg (location)",
    "Provider kg (market)",
    "Ratio",
    "Model",
    "Reasons",
]
#: Which of :data:`RECONCILE_HEADER`'s columns hold text.
RECONCILE_TEXT = (0, 1, 2, 3, 4, 9, 10)


def reconcile_rows(st: Statement, esc: Callable[[str], str]) -> list[list[str]]:
    """The providers' figures rows of ``st``, user text escaped by the format's ``esc``."""
    rec = st.reconciliation
    if rec is None:
        return []
    return [
        [
            esc(ln.provider),
            esc(ln.account or ""),
            esc(ln.region or ""),
            esc(ln.service or ""),
            esc(ln.match),
            kg(ln.ours_kg),
            kg(ln.provider_kg),
            kg(ln.provider_market_kg),
            "n/a" if ln.ratio is None else f"{ln.ratio:.3f}",
            esc(ln.model_version or ""),
            esc(", ".join(ln.reasons)),
        ]
        for ln in rec.lines
    ]


def reconcile_intro(st: Statement) -> list[str]:
    """The sentences that open the providers' figures section (plain text; escape per format)."""
    rec = st.reconciliation
    if rec is None:
        return []
    ours, theirs = rec.total("ours_kg"), rec.total("provider_kg")
    out = [
        "cloudcarbon's estimate (operational + embodied kg CO2e, before any calibration) beside each "
        "provider's own location-based total, per account, region and service; "
        "ratio = cloudcarbon / provider.",
        f"Matched keys: cloudcarbon {kg(ours)} kg, providers {kg(theirs)} kg"
        + (f" (ratio {ours / theirs:.3f})." if theirs else "."),
    ]
    if rec.calibrated:
        out.append(
            "The figures of this statement are calibrated: on every matched key they were scaled to the "
            "provider's total, keeping cloudcarbon's split by project; unmatched lines keep "
            "cloudcarbon's figure."
        )
    if rec.not_compared:
        out.append(f"Not compared (no provider figures given): {', '.join(rec.not_compared)}.")
    out += [f"{code}: {text}." for code, text in rec.reasons]
    out += [f"Ignored provider row: {x}" for x in rec.ignored]
    return out


#: Columns of the comparison's market-based CO2e and water table, the same in every format.
SIDE_HEADER = ["Figure", "Unit", "Baseline", "Current", "Change"]
#: What a cell shows where a month lacks the figure (the change cell adds the reason).
NOT_AVAILABLE = "not available"


def side_rows(c: Comparison, esc: Callable[[str], str]) -> list[list[str]]:
    """Market-based CO2e and water totals of both months and their change; "not available" where a
    month lacks the figure, the change cell then saying why (never the location-based figure)."""
    out = []
    for f in c.side_totals():
        change = f"{f.change:+,.3f}" if f.change is not None else esc(f"{NOT_AVAILABLE}: {f.note or ''}")
        out.append(
            [
                esc(f.label[0].upper() + f.label[1:]),
                esc(f.unit),
                NOT_AVAILABLE if f.base is None else kg(f.base),
                NOT_AVAILABLE if f.current is None else kg(f.current),
                change,
            ]
        )
    return out
