"""The statement as JSON, CSV and a rich terminal table.

* JSON (:func:`statement_data`, :func:`render_json`): every section as plain data; figures and money
  are decimal *text* exactly as in the statement (``"120.500000000"``), so nothing is lost to binary
  floats; ``null`` where a figure is not known (with its reason next to it).
* CSV (:func:`render_csv`): one row per figure, ``section,item,name,value,unit``; user text (project
  names, reasons, causes) goes through :func:`~cloudcarbon._escape.safe_csv_cell`, figures are plain
  decimal text.
* table (:func:`render_table`): rich tables for a terminal; user text through
  :func:`~cloudcarbon._escape.safe_terminal` (no markup, no control sequences).
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from cloudcarbon._escape import safe_csv_cell, safe_terminal, visible_controls
from cloudcarbon.statements._common import SIDE_HEADER, kg, money, pct, side_rows, stage_columns, stage_value
from cloudcarbon.statements.model import BRIDGE_STEPS, STAGE_LABELS, SideFigure, Statement

__all__ = ["render_csv", "render_json", "render_table", "statement_data"]


def _d(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


def _side(f: SideFigure) -> dict[str, Any]:
    return {
        "figure": f.label,
        "unit": f.unit,
        "base": _d(f.base),
        "current": _d(f.current),
        "change": _d(f.change),
        "note": f.note,
    }


def statement_data(st: Statement) -> dict[str, Any]:
    """Every section of the statement as JSON-ready data (decimals as exact text)."""
    h, t = st.header, st.totals
    out: dict[str, Any] = {
        "header": {
            "period": h.period,
            "organisation": h.organisation,
            "method": h.method,
            "factor_set_version": h.factor_set_version,
            "factor_set_sha256": h.factor_set_hash,
            "status": h.status,
            "status_text": h.status_text,
            "restatements": h.restatements,
            "version": h.version,
            "generated_at": h.generated_at,
            "tool_version": h.tool_version,
        },
        "totals": {
            "location_co2e_kg": _d(t.location_co2e_kg),
            "location_co2e_kg_low": _d(t.location_co2e_kg_low),
            "location_co2e_kg_high": _d(t.location_co2e_kg_high),
            "market_co2e_kg": _d(t.market_co2e_kg),
            "market_reason": t.market_reason,
            "embodied_co2e_kg": _d(t.embodied_co2e_kg),
            "energy_kwh": _d(t.energy_kwh),
            "water_l": _d(t.water_l),
            "water_reason": t.water_reason,
            "billed": [{"currency": m.currency, "amount": _d(m.amount)} for m in t.billed],
            "intensity": [
                {
                    "currency": i.currency,
                    "co2e_kg": _d(i.co2e_kg),
                    "cost": _d(i.cost),
                    "kg_per_unit": _d(i.kg_per_unit),
                }
                for i in t.intensity
            ],
        },
        "projects": [
            {
                "project": p.project,
                "co2e_kg": _d(p.co2e_kg),
                "co2e_kg_low": _d(p.co2e_kg_low),
                "co2e_kg_high": _d(p.co2e_kg_high),
                "embodied_co2e_kg": _d(p.embodied_co2e_kg),
                "energy_kwh": _d(p.energy_kwh),
                "cost": [{"currency": m.currency, "amount": _d(m.amount)} for m in p.cost],
                "stages": [{"stage": s.stage, "co2e_kg": _d(s.co2e_kg)} for s in p.stages],
            }
            for p in st.projects
        ],
        "coverage": [
            {
                "currency": c.currency,
                "billed": _d(c.billed),
                "estimated": _d(c.estimated),
                "fallback": _d(c.fallback),
                "excluded": _d(c.excluded),
                "rows": c.rows,
                "exclusions": [
                    {"reason": e.reason, "cost": _d(e.cost), "rows": e.rows} for e in c.exclusions
                ],
            }
            for c in st.coverage
        ],
        "ghg": [
            {
                "inventory": g.owner,
                "scope": g.scope,
                "category": g.category,
                "component": g.component,
                "basis": g.basis,
                "co2e_kg": _d(g.co2e_kg),
                "note": g.note,
            }
            for g in st.ghg
        ],
        "restatements": [
            {
                "version": r.version,
                "recorded_at": r.recorded_at,
                "causes": list(r.causes),
                "delta_co2e_kg": _d(r.delta_co2e_kg),
                "note": r.note,
            }
            for r in st.restatements
        ],
        "comparison": None,
        "trend": None,
        "methodology": {
            "paragraphs": list(st.methodology.paragraphs),
            "sources": [
                {"title": s.title, "url": s.url, "licence": s.licence} for s in st.methodology.sources
            ],
        },
        "notes": list(st.notes),
        "provider_figures": None,
    }
    rec = st.reconciliation
    if rec is not None:
        out["provider_figures"] = {
            "calibrated": rec.calibrated,
            "lines": [
                {
                    "provider": ln.provider,
                    "account": ln.account,
                    "region": ln.region,
                    "service": ln.service,
                    "match": ln.match,
                    "ours_kg": _d(ln.ours_kg),
                    "provider_kg": _d(ln.provider_kg),
                    "provider_market_kg": _d(ln.provider_market_kg),
                    "ratio": _d(ln.ratio),
                    "model_version": ln.model_version,
                    "reasons": list(ln.reasons),
                }
                for ln in rec.lines
            ],
            "reasons": dict(rec.reasons),
            "files": list(rec.files),
            "ignored": list(rec.ignored),
            "not_compared": list(rec.not_compared),
        }
    c = st.comparison
    if c is not None:
        out["comparison"] = {
            "baseline": c.baseline,
            "basis": c.basis,
            "lines": [
                {
                    "project": ln.project,
                    "base_kg": _d(ln.base_kg),
                    "current_kg": _d(ln.current_kg),
                    "parts": {p: _d(ln.part(p)) for p in BRIDGE_STEPS},
                    **({"sides": [_side(f) for f in c.sides[i]]} if c.sides else {}),
                }
                for i, ln in enumerate(c.lines)
            ],
            "sides": [_side(f) for f in c.side_totals()],
        }
    if st.trend is not None:
        out["trend"] = {
            "baseline": st.trend.baseline,
            "series": [
                {
                    "name": s.name,
                    "baseline_kg": _d(s.baseline_kg),
                    "points": [{"month": p.month, "co2e_kg": _d(p.co2e_kg)} for p in s.points],
                }
                for s in st.trend.series
            ],
        }
    return out


def render_json(st: Statement) -> str:
    """The statement as indented JSON text (ends with a newline)."""
    return json.dumps(statement_data(st), indent=2, ensure_ascii=False) + "\n"


def render_csv(st: Statement) -> str:
    """The statement as long CSV: ``section,item,name,value,unit``, one figure per row."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["section", "item", "name", "value", "unit"])

    def row(section: str, item: str, name: str, value: Decimal | int | str | None, unit: str = "") -> None:
        if isinstance(value, Decimal | int):
            cell = str(value)
        else:
            cell = "" if value is None else safe_csv_cell(value)
        w.writerow([section, safe_csv_cell(item), safe_csv_cell(name), cell, safe_csv_cell(unit)])

    h, t = st.header, st.totals
    for name, v in (
        ("period", h.period),
        ("organisation", h.organisation),
        ("method", h.method),
        ("factor_set_version", h.factor_set_version),
        ("factor_set_sha256", h.factor_set_hash),
        ("status", h.status_text),
        ("version", h.version),
        ("restatements", h.restatements),
        ("generated_at", h.generated_at),
        ("tool_version", h.tool_version),
    ):
        row("header", "", name, v)
    row("totals", "", "location_co2e_kg", t.location_co2e_kg, "kg")
    row("totals", "", "location_co2e_kg_low", t.location_co2e_kg_low, "kg")
    row("totals", "", "location_co2e_kg_high", t.location_co2e_kg_high, "kg")
    row("totals", "", "market_co2e_kg", t.market_co2e_kg, "kg")
    if t.market_co2e_kg is None:
        row("totals", "", "market_reason", t.market_reason)
    row("totals", "", "embodied_co2e_kg", t.embodied_co2e_kg, "kg")
    row("totals", "", "energy_kwh", t.energy_kwh, "kWh")
    row("totals", "", "water_l", t.water_l, "L")
    if t.water_l is None:
        row("totals", "", "water_reason", t.water_reason)
    for mo in t.billed:
        row("totals", mo.currency, "billed", mo.amount, mo.currency)
    for i in t.intensity:
        row("totals", i.currency, "kg_per_unit", i.kg_per_unit, f"kg/{i.currency}")
    for p in st.projects:
        row("projects", p.project, "co2e_kg", p.co2e_kg, "kg")
        row("projects", p.project, "co2e_kg_low", p.co2e_kg_low, "kg")
        row("projects", p.project, "co2e_kg_high", p.co2e_kg_high, "kg")
        row("projects", p.project, "embodied_co2e_kg", p.embodied_co2e_kg, "kg")
        row("projects", p.project, "energy_kwh", p.energy_kwh, "kWh")
        for mo in p.cost:
            row("projects", p.project, "cost", mo.amount, mo.currency)
        for sg in p.stages:
            row("projects", p.project, f"stage:{sg.stage}", sg.co2e_kg, "kg")
    for c in st.coverage:
        amounts: tuple[tuple[str, Decimal], ...] = (
            ("billed", c.billed),
            ("estimated", c.estimated),
            ("fallback", c.fallback),
            ("excluded", c.excluded),
        )
        for name, amount in amounts:
            row("coverage", c.currency, name, amount, c.currency)
        row("coverage", c.currency, "rows", c.rows)
        for e in c.exclusions:
            row("exclusions", c.currency, e.reason, e.cost, c.currency)
            row("exclusions", c.currency, f"{e.reason} rows", e.rows)
    for g in st.ghg:
        item = f"{g.owner}; {g.scope}; {g.category}; {g.component}" + (f"; {g.basis}" if g.basis else "")
        row("ghg", item, "co2e_kg", g.co2e_kg, "kg")
        if g.note:
            row("ghg", item, "note", g.note)
    for r in st.restatements:
        row("restatements", f"version {r.version}", "recorded_at", r.recorded_at)
        row("restatements", f"version {r.version}", "causes", ", ".join(r.causes))
        row("restatements", f"version {r.version}", "delta_co2e_kg", r.delta_co2e_kg, "kg")
        row("restatements", f"version {r.version}", "note", r.note)
    if st.reconciliation is not None:
        row("provider_figures", "statement", "calibrated", "yes" if st.reconciliation.calibrated else "no")
        for rl in st.reconciliation.lines:
            item = "; ".join(x or "" for x in (rl.provider, rl.account, rl.region, rl.service))
            row("provider_figures", item, "match", rl.match)
            row("provider_figures", item, "cloudcarbon_kg", rl.ours_kg, "kg")
            row("provider_figures", item, "provider_location_kg", rl.provider_kg, "kg")
            row("provider_figures", item, "provider_market_kg", rl.provider_market_kg, "kg")
            row("provider_figures", item, "ratio", rl.ratio)
            row("provider_figures", item, "reasons", ", ".join(rl.reasons))
        for code, text in st.reconciliation.reasons:
            row("provider_figures", "reason", code, text)
    if st.comparison is not None:
        for ln in st.comparison.lines:
            row("comparison", ln.project, "base_kg", ln.base_kg, "kg")
            for step in BRIDGE_STEPS:
                row("comparison", ln.project, step, ln.part(step), "kg")
            row("comparison", ln.project, "current_kg", ln.current_kg, "kg")
        for f in st.comparison.side_totals():
            for k, fv in (("base", f.base), ("current", f.current), ("change", f.change)):
                row("comparison", f"total {f.label}", k, fv, f.unit)
            if f.note:
                row("comparison", f"total {f.label}", "note", f.note)
    if st.trend is not None:
        for s in st.trend.series:
            for pt in s.points:
                row("trend", s.name, pt.month, pt.co2e_kg, "kg")
            if s.baseline_kg is not None:
                row("trend", s.name, "baseline", s.baseline_kg, "kg")
    for n, para in enumerate(st.methodology.paragraphs, 1):
        row("methodology", f"paragraph {n}", "text", para)
    for src in st.methodology.sources:
        row("sources", src.title, src.url, src.licence)
    for n, note in enumerate(st.notes, 1):
        row("notes", f"note {n}", "text", note)
    return buf.getvalue()


def render_table(st: Statement) -> Any:
    """A rich renderable of the statement's main sections (user text through ``safe_terminal``)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    e = safe_terminal
    h, t = st.header, st.totals
    head = Table(title=f"Carbon statement {e(h.period)}", title_justify="left", show_header=False)
    head.add_column("Field")
    head.add_column("Value")
    for name, v in (
        ("Organisation", h.organisation),
        ("Status", f"{h.status_text} (version {h.version})"),
        ("Method", h.method),
        ("Factor set", f"{h.factor_set_version} (sha256 {h.factor_set_hash})"),
        ("Generated", h.generated_at),
    ):
        head.add_row(name, e(v))
    tot = Table(title="Totals", title_justify="left")
    tot.add_column("Figure")
    tot.add_column("Value", justify="right")
    tot.add_row(
        "Location-based CO2e",
        f"{kg(t.location_co2e_kg)} kg ({kg(t.location_co2e_kg_low)} to {kg(t.location_co2e_kg_high)})",
    )
    tot.add_row(
        "Market-based CO2e",
        f"{kg(t.market_co2e_kg)} kg" if t.market_co2e_kg is not None else e(f"n/a: {t.market_reason}"),
    )
    tot.add_row("Embodied CO2e (hardware)", f"{kg(t.embodied_co2e_kg)} kg")
    tot.add_row("Energy", f"{kg(t.energy_kwh)} kWh")
    tot.add_row(
        "Water (on-site + electricity)",
        f"{kg(t.water_l)} L" if t.water_l is not None else e(f"n/a: {t.water_reason}"),
    )
    for mo in t.billed:
        tot.add_row(f"Billed cost ({e(mo.currency)})", e(money(mo.amount, mo.currency)))
    for it in t.intensity:
        ratio = it.kg_per_unit
        tot.add_row(
            f"Intensity ({e(it.currency)})", "n/a" if ratio is None else f"{ratio:,.6f} kg/{e(it.currency)}"
        )
    stages = stage_columns(st)
    proj = Table(title="Projects (kg CO2e)", title_justify="left")
    for col in [
        "Project",
        "CO2e",
        "Low",
        "High",
        "Embodied",
        "kWh",
        "Cost",
        *[STAGE_LABELS.get(s, s) for s in stages],
    ]:
        proj.add_column(e(col), justify="left" if col == "Project" else "right")
    for p in st.projects:
        proj.add_row(
            e(p.project),
            kg(p.co2e_kg),
            kg(p.co2e_kg_low),
            kg(p.co2e_kg_high),
            kg(p.embodied_co2e_kg),
            kg(p.energy_kwh),
            e("; ".join(money(m.amount, m.currency) for m in p.cost)),
            *[kg(stage_value(p.stages, s)) for s in stages],
        )
    cov = Table(title="Coverage", title_justify="left")
    for col in ("Currency", "Billed", "Estimated", "Fallback", "Excluded", "Rows"):
        cov.add_column(col, justify="left" if col == "Currency" else "right")
    for c in st.coverage:
        cov.add_row(
            e(c.currency),
            money(c.billed, ""),
            f"{money(c.estimated, '')} ({pct(c.estimated, c.billed)})",
            f"{money(c.fallback, '')} ({pct(c.fallback, c.billed)})",
            f"{money(c.excluded, '')} ({pct(c.excluded, c.billed)})",
            str(c.rows),
        )
    exc = Table(title="Exclusions", title_justify="left")
    for col in ("Currency", "Reason", "Cost", "Rows"):
        exc.add_column(col)
    for cv in st.coverage:
        for x in cv.exclusions:
            exc.add_row(e(cv.currency), e(x.reason), money(x.cost, ""), str(x.rows))
    ghg = Table(title="GHG Protocol mapping", title_justify="left")
    for col in ("Inventory", "Scope", "Category", "Component", "Basis", "CO2e kg", "Note"):
        ghg.add_column(col)
    for g in st.ghg:
        ghg.add_row(
            e(g.owner), e(g.scope), e(g.category), e(g.component), e(g.basis), kg(g.co2e_kg), e(g.note)
        )
    parts: list[Any] = [head, tot, proj, cov, exc, ghg]
    if st.restatements:
        res = Table(title="Restatement history", title_justify="left")
        for col in ("Version", "Recorded", "Causes", "Change kg", "Note"):
            res.add_column(col)
        for r in st.restatements:
            res.add_row(
                str(r.version),
                e(r.recorded_at),
                e(", ".join(r.causes)),
                f"{r.delta_co2e_kg:+,.3f}",
                e(r.note),
            )
        parts.append(res)
    else:
        parts.append(Text("No restatement."))
    if st.reconciliation is not None:
        from cloudcarbon.statements._common import RECONCILE_HEADER, reconcile_intro, reconcile_rows

        prov = Table(title="Provider figures", title_justify="left")
        for col in RECONCILE_HEADER:
            prov.add_column(col)
        for cells in reconcile_rows(st, e):
            prov.add_row(*cells)
        parts.append(prov)
        parts += [Text(visible_controls(x)) for x in reconcile_intro(st)]
    if st.comparison is not None:
        cmp_ = Table(title=f"Comparison with {e(st.comparison.baseline)}", title_justify="left")
        for col in ("Project", "Baseline kg", *BRIDGE_STEPS.values(), "Current kg"):
            cmp_.add_column(e(col))
        for ln in st.comparison.lines:
            cmp_.add_row(
                e(ln.project),
                kg(ln.base_kg),
                *[f"{ln.part(p):+,.3f}" for p in BRIDGE_STEPS],
                kg(ln.current_kg),
            )
        parts.append(cmp_)
        side = Table(title="Market-based CO2e and water (totals, not bridged)", title_justify="left")
        for col in SIDE_HEADER:
            side.add_column(col, justify="left" if col in ("Figure", "Unit") else "right")
        for cells in side_rows(st.comparison, e):
            side.add_row(*cells)
        parts.append(side)
    if st.trend is not None:
        tr = Table(title="Trend (kg CO2e)", title_justify="left")
        tr.add_column("Series")
        months = list(st.trend.months)
        for mon in months:
            tr.add_column(e(mon), justify="right")
        for s in st.trend.series:
            by = {p.month: p.co2e_kg for p in s.points}
            tr.add_row(e(s.name), *[kg(by.get(mon)) for mon in months])
        parts.append(tr)
    texts = [*st.methodology.paragraphs]
    texts += [
        f"Source: {s.title}: {s.url}" + (f" ({s.licence})" if s.licence else "")
        for s in st.methodology.sources
    ]
    texts += list(st.notes)
    parts += [Text(visible_controls(x)) for x in texts]
    return Group(*parts)
