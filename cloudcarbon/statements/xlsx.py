"""The statement as an XLSX workbook (xlsxwriter): one sheet per section, numbers as numbers.

Every user text is written with ``write_string`` (control characters shown as visible escapes such as
``\\x1b``), so a name such as ``=HYPERLINK(...)`` is stored as
a string cell, never as a formula; the workbook is also opened with ``strings_to_formulas``,
``strings_to_numbers`` and ``strings_to_urls`` off. Figures are written with ``write_number`` and a
number format (Excel holds numbers as doubles: the decimal text of record stays in the ledger).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from cloudcarbon._escape import visible_controls
from cloudcarbon.statements._common import NOT_AVAILABLE, SIDE_HEADER, stage_columns, stage_value, trend_table
from cloudcarbon.statements.model import BRIDGE_STEPS, STAGE_LABELS, Statement

__all__ = ["SHEETS", "render_xlsx"]

#: Sheet names, in order.
SHEETS = (
    "Header",
    "Totals",
    "Projects",
    "Coverage",
    "GHG Protocol",
    "Restatements",
    "Comparison",
    "Trend",
    "Methodology",
)

Cell = str | Decimal | int | None
#: The sheet added after "GHG Protocol" when the statement carries the providers' figures.
PROVIDER_SHEET = "Provider figures"


class _Writer:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        self.bold = wb.add_format({"bold": True, "bg_color": "#F2F4F7", "border": 1, "text_wrap": True})
        self.text = wb.add_format({"border": 1})
        self.kg = wb.add_format({"num_format": "#,##0.000", "border": 1})
        self.money = wb.add_format({"num_format": "#,##0.00", "border": 1})
        self.ratio = wb.add_format({"num_format": "0.000000", "border": 1})
        self.int = wb.add_format({"num_format": "0", "border": 1})
        self.title = wb.add_format({"bold": True, "font_size": 14})

    def string(self, ws: Worksheet, r: int, c: int, text: str, fmt: Format | None = None) -> None:
        """A string cell (never a formula), control characters shown as visible escapes."""
        ws.write_string(r, c, visible_controls(text), fmt)

    def sheet(self, name: str, title: str) -> Worksheet:
        ws = self.wb.add_worksheet(name)
        self.string(ws, 0, 0, title, self.title)
        return ws

    def cell(self, ws: Worksheet, r: int, c: int, v: Cell, fmt: Format | None = None) -> None:
        if v is None:
            ws.write_blank(r, c, None, fmt or self.text)
        elif isinstance(v, str):
            self.string(ws, r, c, v, fmt or self.text)
        elif isinstance(v, int) and fmt is None:
            ws.write_number(r, c, v, self.int)
        else:
            ws.write_number(r, c, float(v), fmt or self.kg)

    def table(
        self,
        ws: Worksheet,
        row: int,
        head: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        formats: Sequence[Format | None] | None = None,
        widths: Sequence[int] | None = None,
    ) -> int:
        """Write a header row and rows from ``row``; return the next free row."""
        for c, h in enumerate(head):
            self.string(ws, row, c, h, self.bold)
        for r, values in enumerate(rows, start=row + 1):
            for c, v in enumerate(values):
                self.cell(ws, r, c, v, formats[c] if formats else None)
        for c, w in enumerate(widths or []):
            ws.set_column(c, c, w)
        if rows:
            ws.freeze_panes(row + 1, 0)
        return row + len(rows) + 2


def render_xlsx(st: Statement, target: str | Path | IO[bytes]) -> None:
    """Write the workbook to a path or a binary file object."""
    opts: dict[str, Any] = {
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
        "in_memory": True,
    }
    wb = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target, opts)
    w = _Writer(wb)
    h, t = st.header, st.totals

    ws = w.sheet("Header", f"Carbon statement {h.period}")
    w.table(
        ws,
        2,
        ["Field", "Value"],
        [
            ["Period", h.period],
            ["Organisation", h.organisation],
            ["Status", h.status_text],
            ["Version", h.version],
            ["Restatements", h.restatements],
            ["Method", h.method],
            ["Factor set version", h.factor_set_version],
            ["Factor set sha256", h.factor_set_hash],
            ["Generated", h.generated_at],
            ["Tool version", h.tool_version],
        ],
        [w.text, None],
        [22, 70],
    )

    ws = w.sheet("Totals", "Totals")
    rows: list[list[Cell]] = [
        ["Location-based CO2e", t.location_co2e_kg, "kg", ""],
        ["Location-based CO2e, low", t.location_co2e_kg_low, "kg", ""],
        ["Location-based CO2e, high", t.location_co2e_kg_high, "kg", ""],
        [
            "Market-based CO2e",
            t.market_co2e_kg,
            "kg",
            "" if t.market_co2e_kg is not None else t.market_reason,
        ],
        ["Embodied CO2e (hardware)", t.embodied_co2e_kg, "kg", ""],
        ["Energy", t.energy_kwh, "kWh", ""],
    ]
    rows += [["Billed cost", m.amount, m.currency, ""] for m in t.billed]
    # after the billed rows, whose cells are rewritten in money format by their position below
    rows.append(
        ["Water (on-site + electricity)", t.water_l, "L", "" if t.water_l is not None else t.water_reason]
    )
    row = w.table(
        ws, 2, ["Figure", "Value", "Unit", "Note"], rows, [w.text, w.kg, w.text, w.text], [28, 18, 8, 60]
    )
    for i, m in enumerate(t.billed):
        ws.write_number(3 + 6 + i, 1, float(m.amount), w.money)
    w.table(
        ws,
        row,
        ["Currency", "CO2e kg", "Cost", "kg CO2e per unit"],
        [[i.currency, i.co2e_kg, i.cost, i.kg_per_unit] for i in t.intensity],
        [w.text, w.kg, w.money, w.ratio],
    )

    ws = w.sheet("Projects", "Projects (CO2e in kg, energy in kWh)")
    stages = stage_columns(st)
    currencies = sorted({m.currency for p in st.projects for m in p.cost})
    head = ["Project", "CO2e kg", "Low", "High", "Embodied kg", "Energy kWh"]
    head += [f"Cost {c}" for c in currencies] + [STAGE_LABELS.get(s, s) for s in stages]
    prows: list[list[Cell]] = []
    for p in st.projects:
        cost = {m.currency: m.amount for m in p.cost}
        prows.append(
            [p.project, p.co2e_kg, p.co2e_kg_low, p.co2e_kg_high, p.embodied_co2e_kg, p.energy_kwh,
             *[cost.get(c) for c in currencies], *[stage_value(p.stages, s) for s in stages]]
        )  # fmt: skip
    fmts = [w.text, *[w.kg] * 5, *[w.money] * len(currencies), *[w.kg] * len(stages)]
    w.table(ws, 2, head, prows, fmts, [32, *[14] * (len(head) - 1)])

    ws = w.sheet("Coverage", "Coverage: estimated + fallback + excluded = billed, per currency")
    crows: list[list[Cell]] = [
        [c.currency, c.billed, c.estimated, c.fallback, c.excluded, c.rows] for c in st.coverage
    ]
    row = w.table(
        ws, 2, ["Currency", "Billed", "Estimated", "Fallback", "Excluded", "Rows"], crows,
        [w.text, w.money, w.money, w.money, w.money, w.int], [12, 16, 16, 16, 16, 10],
    )  # fmt: skip
    erows: list[list[Cell]] = [
        [c.currency, e.reason, e.cost, e.rows] for c in st.coverage for e in c.exclusions
    ]
    w.string(ws, row, 0, "Exclusions", w.title)
    w.table(ws, row + 1, ["Currency", "Reason", "Cost", "Rows"], erows, [w.text, w.text, w.money, w.int])
    ws.set_column(1, 1, 40)

    ws = w.sheet("GHG Protocol", "GHG Protocol mapping")
    grows: list[list[Cell]] = [
        [g.owner, g.scope, g.category, g.component, g.basis, g.co2e_kg, g.note] for g in st.ghg
    ]
    w.table(
        ws, 2, ["Inventory", "Scope", "Category", "Component", "Basis", "CO2e kg", "Note"], grows,
        [w.text, w.text, w.text, w.text, w.text, w.kg, w.text], [14, 9, 40, 28, 15, 14, 50],
    )  # fmt: skip

    rec = st.reconciliation
    if rec is not None:
        from cloudcarbon.statements._common import RECONCILE_HEADER, reconcile_intro

        ws = w.sheet(PROVIDER_SHEET, "cloudcarbon beside the providers' own figures (kg CO2e)")
        r = 1
        intro = reconcile_intro(st)
        for r, text in enumerate(intro, start=1):
            w.string(ws, r, 0, text)
        frows: list[list[Cell]] = [
            [ln.provider, ln.account, ln.region, ln.service, ln.match, ln.ours_kg, ln.provider_kg,
             ln.provider_market_kg, ln.ratio, ln.model_version, ", ".join(ln.reasons)]
            for ln in rec.lines
        ]  # fmt: skip
        w.table(
            ws, r + 2, RECONCILE_HEADER, frows,
            [w.text, w.text, w.text, w.text, w.text, w.kg, w.kg, w.kg, w.ratio, w.text, w.text],
            [9, 40, 16, 24, 14, 16, 16, 16, 10, 10, 50],
        )  # fmt: skip

    ws = w.sheet("Restatements", "Restatement history")
    rrows: list[list[Cell]] = [
        [r.version, r.recorded_at, ", ".join(r.causes), r.delta_co2e_kg, r.note] for r in st.restatements
    ]
    w.table(
        ws, 2, ["Version", "Recorded", "Causes", "Change kg", "Note"], rrows,
        [w.int, w.text, w.text, w.kg, w.text], [9, 24, 40, 14, 50],
    )  # fmt: skip

    c = st.comparison
    ws = w.sheet("Comparison", "Comparison with the baseline (kg CO2e)")
    if c is None:
        w.string(ws, 2, 0, "No baseline set.")
    else:
        w.string(ws, 1, 0, f"Against {c.baseline}; {c.basis}.")
        bhead = ["Project", "Baseline kg", *BRIDGE_STEPS.values(), "Current kg", "Change kg"]
        brows: list[list[Cell]] = [
            [ln.project, ln.base_kg, *[ln.part(p) for p in BRIDGE_STEPS], ln.current_kg, ln.change_kg]
            for ln in c.lines
        ]
        brows.append(
            ["Total", c.base_kg, *[c.part(p) for p in BRIDGE_STEPS], c.current_kg, c.current_kg - c.base_kg]
        )
        r = w.table(ws, 2, bhead, brows, None, [32, *[16] * (len(bhead) - 1)])
        w.string(ws, r + 1, 0, "Market-based CO2e and water (totals, not bridged)")
        srows: list[list[Cell]] = [
            [f.label[0].upper() + f.label[1:], f.unit,
             NOT_AVAILABLE if f.base is None else f.base,
             NOT_AVAILABLE if f.current is None else f.current,
             f.change if f.change is not None else f"{NOT_AVAILABLE}: {f.note or ''}"]
            for f in c.side_totals()
        ]  # fmt: skip
        for col, name in enumerate(SIDE_HEADER):  # not w.table: the panes stay frozen on the bridge
            w.string(ws, r + 2, col, name, w.bold)
        for i, values in enumerate(srows, start=r + 3):
            for col, v in enumerate(values):
                w.cell(ws, i, col, v)

    ws = w.sheet("Trend", "CO2e per month (kg)")
    months, series = trend_table(st)
    if st.trend is None or not months:
        w.string(ws, 2, 0, "No trend.")
    else:
        if st.trend.baseline:
            w.string(ws, 1, 0, f"Baseline: {st.trend.baseline}")
        trows: list[list[Cell]] = [[m, *[vs[i] for _, vs in series]] for i, m in enumerate(months)]
        if any(s.baseline_kg is not None for s in st.trend.series):
            trows.append(["Baseline", *[s.baseline_kg for s in st.trend.series]])
        w.table(ws, 2, ["Month", *[name for name, _ in series]], trows, None, [12, *[16] * len(series)])

    ws = w.sheet("Methodology", "Methodology")
    r = 2
    for para in st.methodology.paragraphs:
        w.string(ws, r, 0, para)
        r += 1
    w.table(
        ws, r + 1, ["Source", "URL", "Licence"],
        [[s.title, s.url, s.licence] for s in st.methodology.sources], None, [60, 60, 20],
    )  # fmt: skip
    wb.close()
