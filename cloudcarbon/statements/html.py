"""The statement as ONE self-contained HTML file: inline CSS (with print rules), inline SVG charts.

No script, no font, no stylesheet or image is fetched; a Content-Security-Policy forbids it besides.
Every piece of user text goes through :func:`~cloudcarbon._escape.safe_html`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal

from cloudcarbon._escape import safe_html as esc
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
from cloudcarbon.statements.svg import bar_chart, line_chart, waterfall_chart

__all__ = ["render_html"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; vertical-align: top; }
th { background: #f2f4f7; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: bold; background: #fafafa; }
.status { display: inline-block; padding: .1rem .5rem; border: 1px solid #888; border-radius: 3px; }
.muted { color: #666; }
svg.chart { max-width: 100%; height: auto; display: block; margin: .5rem 0 1rem; }
code { font-family: ui-monospace, monospace; font-size: .85em; word-break: break-all; }
@page { size: A4; margin: 14mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  table, svg.chart, figure { break-inside: avoid; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  svg.chart { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""


def _td(v: str, num: bool = False) -> str:
    return f'<td class="num">{v}</td>' if num else f"<td>{v}</td>"


def _table(
    head: Sequence[str], rows: Sequence[Sequence[str]], text: Collection[int] = (0,), total_last: bool = False
) -> str:
    """Cells must be escaped already; columns not in ``text`` are figures (right-aligned)."""
    out = ["<table><thead><tr>", *[f"<th>{h}</th>" for h in head], "</tr></thead><tbody>"]
    for i, r in enumerate(rows):
        cls = ' class="total"' if total_last and i == len(rows) - 1 else ""
        out.append(f"<tr{cls}>" + "".join(_td(c, j not in text) for j, c in enumerate(r)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _f(v: Decimal | None) -> float | None:
    return None if v is None else float(v)


def render_html(st: Statement) -> str:
    h, t = st.header, st.totals
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Carbon statement {esc(h.period)} – {esc(h.organisation)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<header><h1>Carbon statement {esc(h.period)}</h1>",
        f'<p>{esc(h.organisation)} · <span class="status">{esc(h.status_text)}</span> '
        f'<span class="muted">version {h.version}</span></p>',
    ]
    head_rows = [
        ["Period", esc(h.period)],
        ["Organisation", esc(h.organisation)],
        ["Status", f"{esc(h.status_text)} (version {h.version})"],
        ["Method", esc(h.method)],
        ["Factor set", f"{esc(h.factor_set_version)} <code>sha256 {esc(h.factor_set_hash)}</code>"],
    ]
    if h.generated_at:
        head_rows.append(["Generated", esc(h.generated_at)])
    if h.tool_version:
        head_rows.append(["Tool version", esc(h.tool_version)])
    parts += [_table(["Field", "Value"], head_rows, text=(0, 1)), "</header>"]

    # totals
    market = (
        f"{kg(t.market_co2e_kg)} kg"
        if t.market_co2e_kg is not None
        else f'<span class="muted">not available: {esc(t.market_reason or "")}</span>'
    )
    rows = [
        ["Location-based CO2e",
         f"{kg(t.location_co2e_kg)} kg <span class=\"muted\">({kg(t.location_co2e_kg_low)} to "
         f"{kg(t.location_co2e_kg_high)})</span>"],
        ["Market-based CO2e", market],
        ["Embodied CO2e (hardware)", f"{kg(t.embodied_co2e_kg)} kg"],
        ["Energy", f"{kg(t.energy_kwh)} kWh"],
        ["Water (on-site + electricity)",
         f"{kg(t.water_l)} L" if t.water_l is not None
         else f'<span class="muted">not available: {esc(t.water_reason or "")}</span>'],
    ]  # fmt: skip
    rows += [[f"Billed cost ({esc(m.currency)})", esc(money(m.amount, m.currency))] for m in t.billed]
    for i in t.intensity:
        v = i.kg_per_unit
        rows.append(
            [
                f"Intensity ({esc(i.currency)})",
                "n/a" if v is None else f"{v:,.6f} kg CO2e per {esc(i.currency)}",
            ]
        )
    parts += [
        '<section id="totals"><h2>Totals</h2>',
        _table(["Figure", "Value"], rows, text=(0,)),
        "</section>",
    ]

    # projects
    stages = stage_columns(st)
    head = ["Project", "CO2e kg", "Low", "High", "Embodied kg", "Energy kWh", "Cost"]
    head += [esc(STAGE_LABELS.get(s, s)) for s in stages]
    prow = [
        [esc(p.project), kg(p.co2e_kg), kg(p.co2e_kg_low), kg(p.co2e_kg_high), kg(p.embodied_co2e_kg),
         kg(p.energy_kwh), "<br>".join(esc(money(m.amount, m.currency)) for m in p.cost),
         *[kg(stage_value(p.stages, s)) for s in stages]]
        for p in st.projects
    ]  # fmt: skip
    parts += ['<section id="projects"><h2>Projects</h2>']
    if st.projects:
        parts.append(
            bar_chart(
                [(p.project, [float(p.co2e_kg), float(p.embodied_co2e_kg)]) for p in st.projects],
                segments=("operational", "embodied"),
                title="CO2e per project",
            )
        )
    parts += [_table(head, prow), "</section>"]

    # coverage
    crow = [
        [esc(c.currency), money(c.billed, ""), f"{money(c.estimated, '')} ({pct(c.estimated, c.billed)})",
         f"{money(c.fallback, '')} ({pct(c.fallback, c.billed)})",
         f"{money(c.excluded, '')} ({pct(c.excluded, c.billed)})", str(c.rows)]
        for c in st.coverage
    ]  # fmt: skip
    parts += ['<section id="coverage"><h2>Coverage</h2>']
    parts.append(_table(["Currency", "Billed", "Estimated", "Fallback", "Excluded", "Rows"], crow))
    erow = [
        [esc(c.currency), esc(e.reason), money(e.cost, ""), str(e.rows)]
        for c in st.coverage
        for e in c.exclusions
    ]
    if erow:
        parts += ["<h3>Exclusions</h3>", _table(["Currency", "Reason", "Cost", "Rows"], erow, text=(0, 1))]
    parts.append("</section>")

    # GHG Protocol
    grow = [
        [
            esc(g.owner),
            esc(g.scope),
            esc(g.category),
            esc(g.component),
            esc(g.basis),
            kg(g.co2e_kg),
            esc(g.note),
        ]
        for g in st.ghg
    ]
    parts += [
        '<section id="ghg"><h2>GHG Protocol mapping</h2>',
        _table(
            ["Inventory", "Scope", "Category", "Component", "Basis", "CO2e kg", "Note"],
            grow,
            text=(0, 1, 2, 3, 4, 6),
        ),
        "</section>",
    ]

    # the providers' own figures
    if st.reconciliation is not None:
        parts.append('<section id="provider-figures"><h2>Provider figures</h2>')
        parts += [f"<p>{esc(text)}</p>" for text in reconcile_intro(st)]
        parts.append(_table(RECONCILE_HEADER, reconcile_rows(st, esc), text=RECONCILE_TEXT))
        parts.append("</section>")

    # restatements
    parts.append('<section id="restatements"><h2>Restatement history</h2>')
    if st.restatements:
        parts.append(_table(RESTATEMENT_HEADER, restatement_rows(st, esc), text=RESTATEMENT_TEXT))
    else:
        parts.append("<p>No restatement.</p>")
    parts.append("</section>")

    # comparison
    c = st.comparison
    parts.append('<section id="comparison"><h2>Comparison with the baseline</h2>')
    if c is None:
        parts.append("<p>No baseline set.</p>")
    else:
        parts.append(f"<p>Against {esc(c.baseline)}; {esc(c.basis)}.</p>")
        parts.append(
            waterfall_chart(
                ("Baseline", float(c.base_kg)),
                [(label, float(c.part(p))) for p, label in BRIDGE_STEPS.items() if c.part(p) != 0],
                ("Current", float(c.current_kg)),
                title="Variance bridge",
            )
        )
        head = ["Project", "Baseline kg", *[esc(v) for v in BRIDGE_STEPS.values()], "Current kg", "Change kg"]
        brow = [
            [esc(ln.project), kg(ln.base_kg), *[f"{ln.part(p):+,.3f}" for p in BRIDGE_STEPS],
             kg(ln.current_kg), f"{ln.change_kg:+,.3f}"]
            for ln in c.lines
        ]  # fmt: skip
        brow.append(
            ["Total", kg(c.base_kg), *[f"{c.part(p):+,.3f}" for p in BRIDGE_STEPS], kg(c.current_kg),
             f"{c.current_kg - c.base_kg:+,.3f}"]
        )  # fmt: skip
        parts.append(_table(head, brow, total_last=True))
        parts.append("<p>Market-based CO2e and water (totals, not bridged):</p>")
        parts.append(_table(SIDE_HEADER, side_rows(c, esc), text=(0, 1)))
    parts.append("</section>")

    # trend
    months, series = trend_table(st)
    parts.append('<section id="trend"><h2>Trend</h2>')
    if not months or st.trend is None:
        parts.append("<p>No trend.</p>")
    else:
        bases = [s.baseline_kg for s in st.trend.series]
        single_base = bases[0] if len(bases) == 1 else None
        if st.trend.baseline:
            parts.append(f"<p>Baseline: {esc(st.trend.baseline)}.</p>")
        parts.append(
            line_chart(
                months,
                [(name, [_f(v) for v in vs]) for name, vs in series],
                baseline=_f(single_base),
                title="CO2e per month",
            )
        )
        trow = [[esc(m), *[kg(vs[i]) for _, vs in series]] for i, m in enumerate(months)]
        if any(b is not None for b in bases):
            trow.append(["Baseline", *[kg(b) for b in bases]])
        parts.append(_table(["Month", *[esc(n) for n, _ in series]], trow))
    parts.append("</section>")

    # methodology
    parts.append('<section id="methodology"><h2>Methodology</h2>')
    parts += [f"<p>{esc(p)}</p>" for p in st.methodology.paragraphs]
    if st.methodology.sources:
        # URLs are shown as text, not links: the file is meant to be archived and printed.
        items = [
            f"<li>{esc(s.title)}: <code>{esc(s.url)}</code>{f' ({esc(s.licence)})' if s.licence else ''}</li>"
            for s in st.methodology.sources
        ]
        parts += ["<h3>Sources</h3><ul>", *items, "</ul>"]
    parts += [f'<p class="muted">{esc(n)}</p>' for n in st.notes]
    parts.append("</section></body></html>")
    return "\n".join(parts) + "\n"
