"""The statement as markdown (user text escaped with :func:`~cloudcarbon._escape.safe_markdown`)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from cloudcarbon._escape import safe_markdown as esc
from cloudcarbon.statements._common import (
    RECONCILE_HEADER,
    RECONCILE_TEXT,
    RESTATEMENT_HEADER,
    RESTATEMENT_TEXT,
    SIDE_HEADER,
    kg,
    money,
    pct,
    reconcile_intro,
    reconcile_rows,
    restatement_rows,
    side_rows,
    stage_columns,
    stage_value,
    trend_table,
)
from cloudcarbon.statements.model import BRIDGE_STEPS, STAGE_LABELS, Statement

__all__ = ["render_markdown"]

_PLAIN_URL = re.compile(r"https?://[^\s<>`|\\]+\Z")


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], text: Collection[int] = (0,)) -> list[str]:
    """A pipe table; columns not in ``text`` are figures (right-aligned). Cells must be escaped."""
    align = ["---" if i in text else "---:" for i in range(len(head))]
    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return [*out, ""]


def render_markdown(st: Statement) -> str:
    h, t = st.header, st.totals
    out = [f"# Carbon statement {esc(h.period)}", ""]
    out += _table(
        ["Field", "Value"],
        [
            ["Period", esc(h.period)],
            ["Organisation", esc(h.organisation)],
            ["Status", esc(h.status_text) + f" (version {h.version})"],
            ["Method", esc(h.method)],
            ["Factor set", f"{esc(h.factor_set_version)} (sha256 `{esc(h.factor_set_hash)}`)"],
            *([["Generated", esc(h.generated_at)]] if h.generated_at else []),
            *([["Tool version", esc(h.tool_version)]] if h.tool_version else []),
        ],
        text=(0, 1),
    )
    market = (
        f"{kg(t.market_co2e_kg)} kg"
        if t.market_co2e_kg is not None
        else f"not available: {esc(t.market_reason or '')}"
    )
    rows = [
        ["Location-based CO2e", f"{kg(t.location_co2e_kg)} kg ({kg(t.location_co2e_kg_low)} to "
         f"{kg(t.location_co2e_kg_high)})"],
        ["Market-based CO2e", market],
        ["Embodied CO2e (hardware)", f"{kg(t.embodied_co2e_kg)} kg"],
        ["Energy", f"{kg(t.energy_kwh)} kWh"],
        ["Water (on-site + electricity)",
         f"{kg(t.water_l)} L" if t.water_l is not None else f"not available: {esc(t.water_reason or '')}"],
    ]  # fmt: skip
    rows += [[f"Billed cost ({esc(m.currency)})", money(m.amount, esc(m.currency))] for m in t.billed]
    for i in t.intensity:
        v = i.kg_per_unit
        rows.append(
            [
                f"Intensity ({esc(i.currency)})",
                "n/a" if v is None else f"{v:,.6f} kg CO2e per {esc(i.currency)}",
            ]
        )
    out += ["## Totals", "", *_table(["Figure", "Value"], rows, text=(0, 1))]

    stages = stage_columns(st)
    head = ["Project", "CO2e kg", "Low", "High", "Embodied kg", "Energy kWh", "Cost"]
    head += [esc(STAGE_LABELS.get(s, s)) for s in stages]
    prow = [
        [
            esc(p.project),
            kg(p.co2e_kg),
            kg(p.co2e_kg_low),
            kg(p.co2e_kg_high),
            kg(p.embodied_co2e_kg),
            kg(p.energy_kwh),
            "; ".join(money(m.amount, esc(m.currency)) for m in p.cost),
            *[kg(stage_value(p.stages, s)) for s in stages],
        ]
        for p in st.projects
    ]
    out += ["## Projects", "", *_table(head, prow)]

    crow = [
        [esc(c.currency), money(c.billed, ""), f"{money(c.estimated, '')} ({pct(c.estimated, c.billed)})",
         f"{money(c.fallback, '')} ({pct(c.fallback, c.billed)})",
         f"{money(c.excluded, '')} ({pct(c.excluded, c.billed)})", str(c.rows)]
        for c in st.coverage
    ]  # fmt: skip
    out += [
        "## Coverage",
        "",
        *_table(["Currency", "Billed", "Estimated", "Fallback", "Excluded", "Rows"], crow),
    ]
    erow = [
        [esc(c.currency), esc(e.reason), money(e.cost, ""), str(e.rows)]
        for c in st.coverage
        for e in c.exclusions
    ]
    if erow:
        out += ["### Exclusions", "", *_table(["Currency", "Reason", "Cost", "Rows"], erow, text=(0, 1))]

    grow = [
        [esc(g.owner), esc(g.scope), esc(g.category), esc(g.component), esc(g.basis),
         kg(g.co2e_kg), esc(g.note)]
        for g in st.ghg
    ]  # fmt: skip
    out += ["## GHG Protocol mapping", ""]
    out += _table(
        ["Inventory", "Scope", "Category", "Component", "Basis", "CO2e kg", "Note"],
        grow,
        text=(0, 1, 2, 3, 4, 6),
    )

    if st.reconciliation is not None:
        out += ["## Provider figures", ""]
        out += [line for text in reconcile_intro(st) for line in (esc(text), "")]
        out += _table(RECONCILE_HEADER, reconcile_rows(st, esc), text=RECONCILE_TEXT)

    out += ["## Restatement history", ""]
    if st.restatements:
        out += _table(RESTATEMENT_HEADER, restatement_rows(st, esc), text=RESTATEMENT_TEXT)
    else:
        out += ["No restatement.", ""]

    c = st.comparison
    out += ["## Comparison with the baseline", ""]
    if c is None:
        out += ["No baseline set.", ""]
    else:
        out += [f"Against {esc(c.baseline)}; {esc(c.basis)}.", ""]
        head = ["Project", "Baseline kg", *BRIDGE_STEPS.values(), "Current kg", "Change kg"]
        brow = [
            [esc(ln.project), kg(ln.base_kg), *[f"{ln.part(p):+,.3f}" for p in BRIDGE_STEPS],
             kg(ln.current_kg), f"{ln.change_kg:+,.3f}"]
            for ln in c.lines
        ]  # fmt: skip
        brow.append(
            ["**Total**", kg(c.base_kg), *[f"{c.part(p):+,.3f}" for p in BRIDGE_STEPS], kg(c.current_kg),
             f"{c.current_kg - c.base_kg:+,.3f}"]
        )  # fmt: skip
        out += _table(head, brow)
        out += ["Market-based CO2e and water (totals, not bridged):", ""]
        out += _table(SIDE_HEADER, side_rows(c, esc), text=(0, 1))

    months, series = trend_table(st)
    out += ["## Trend", ""]
    if not months or st.trend is None:
        out += ["No trend.", ""]
    else:
        if st.trend.baseline:
            out += [f"Baseline: {esc(st.trend.baseline)}.", ""]
        head = ["Month", *[esc(name) for name, _ in series]]
        trow = [[esc(m), *[kg(vs[i]) for _, vs in series]] for i, m in enumerate(months)]
        bases = [s.baseline_kg for s in st.trend.series]
        if any(b is not None for b in bases):
            trow.append(["Baseline", *[kg(b) for b in bases]])
        out += _table(head, trow)

    out += ["## Methodology", ""]
    for para in st.methodology.paragraphs:
        out += [esc(para), ""]
    if st.methodology.sources:
        out += ["Sources:", ""]
        for s in st.methodology.sources:
            url = f"<{s.url}>" if _PLAIN_URL.match(s.url) else esc(s.url)
            lic = f" ({esc(s.licence)})" if s.licence else ""
            out.append(f"- {esc(s.title)}: {url}{lic}")
        out.append("")
    for note in st.notes:
        out += [f"> {esc(note)}", ""]
    return "\n".join(out).rstrip("\n") + "\n"
