"""Market-based CO2e and water in words, for the text renderers (terminal table, statements)."""

from __future__ import annotations

from typing import Any

from cloudcarbon.results import EstimateResult

__all__ = ["market_water_text"]


def _f(v: float) -> str:
    return f"{v:,.3f}" if abs(v) < 1000 else f"{v:,.0f}"


def market_water_text(result: EstimateResult) -> list[str]:
    """Two sentences: the market-based total (or why there is none) and the water total with its two
    parts. Empty for a result without these figures (made before they existed). Text is raw: escape it
    for the medium."""
    t: dict[str, Any] = result.totals.row(0, named=True) if result.totals.height else {}
    if "market_co2e_kg" not in t:
        return []
    out: list[str] = []
    m, share, why = t["market_co2e_kg"], t.get("market_kwh_share"), t.get("market_reason") or ""
    if m is None:
        out.append(f"Market-based CO2e: not available ({why or 'no market-based factor'}).")
    else:
        cover = (
            ""
            if share is None or share >= 1 - 1e-12
            else f"; covers {share:.1%} of the energy, the rest: {why}"
        )
        out.append(
            f"Market-based CO2e: {_f(m)} kg ({_f(t['market_co2e_kg_low'])}-{_f(t['market_co2e_kg_high'])}"
            f"{cover})."
        )
    w, wshare, wwhy = t["water_l"], t.get("water_kwh_share"), t.get("water_reason") or ""
    site, src = t["water_site_l"], t["water_source_l"]
    parts = (
        f"on-site {'n/a' if site is None else _f(site) + ' L'}, electricity "
        f"{'n/a' if src is None else _f(src) + ' L'}"
    )
    if w is None:
        out.append(f"Water: not available ({parts}; {wwhy or 'no water factor'}).")
    else:
        cover = (
            ""
            if wshare is None or wshare >= 1 - 1e-12
            else f"; covers {wshare:.1%} of the energy, the rest: {wwhy}"
        )
        out.append(f"Water: {_f(w)} L ({_f(t['water_l_low'])}-{_f(t['water_l_high'])}; {parts}{cover}).")
    return out
