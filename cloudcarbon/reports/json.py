"""``--format json``: the whole result as one JSON document (costs as exact decimal numbers)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from cloudcarbon._version import __version__
from cloudcarbon.methods.market_water import MARKET_WATER_FIGURES
from cloudcarbon.reports.base import TextRenderer, cost, mostly_fallback, number, records
from cloudcarbon.results import EstimateResult

__all__ = ["JsonRenderer", "to_json", "to_json_dict"]


def _coverage(result: EstimateResult, by_currency: list[dict[str, Any]]) -> dict[str, Any]:
    """The headline coverage: the one currency's, or (several currencies) no total at all."""
    if len(by_currency) == 1:
        first = by_currency[0]
        return {
            "billed_cost": first.get("billed_cost", Decimal(0)),
            "estimated_cost": first.get("estimated_cost", Decimal(0)),
            "fallback_cost": first.get("fallback_cost", Decimal(0)),
            "excluded_cost": first.get("excluded_cost", Decimal(0)),
            "currency": first.get("currency"),
            "rows": first.get("rows", 0),
            **{k: first[k] for k in ("fallback_share", "mostly_fallback") if k in first},
        }
    # costs in different currencies are never added: read coverage_by_currency
    return {
        "currency": None,
        "currencies": [r.get("currency") for r in by_currency],
        "rows": sum(int(r.get("rows", 0)) for r in by_currency),
        "note": "several billing currencies: see coverage_by_currency (costs are not added across them)",
    }


_NULLABLE = frozenset((*MARKET_WATER_FIGURES, "market_kwh_share", "water_kwh_share"))


def to_json_dict(result: EstimateResult) -> dict[str, Any]:
    """The estimate as a JSON-ready dict (costs as :class:`~decimal.Decimal`)."""
    cov = records(result.coverage)
    single = len(cov) <= 1
    flags = records(result.flags)
    excluded = records(result.excluded)
    if single:  # one currency: it is the coverage's, named there once
        for rec in (*flags, *excluded):
            rec.pop("currency", None)
    fb = result.assumptions.get("fallback_band") or [1.0, 1.0]
    return {
        "month": result.month,
        "tool": {"name": "cloudcarbon", "version": __version__},
        "factor_set": {
            "version": result.factor_set.version,
            "sha256": result.factor_set.sha256,
            "user_made": result.factor_set.user_made,
        },
        "method": result.method,
        "sources": list(result.sources),
        "inputs": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in result.inputs],
        "group_by": list(result.group_by),
        "usage_period": {
            "start": None if result.usage_period[0] is None else str(result.usage_period[0]),
            "end": None if result.usage_period[1] is None else str(result.usage_period[1]),
        },
        "coverage": _coverage(result, cov),
        "coverage_by_currency": cov,
        # location-based figures are never null; market-based and water figures are null (with a
        # reason in market_reason / water_reason) where no factor exists
        "totals": {
            k: v if isinstance(v, str) else number(v) if k in _NULLABLE else number(v) or 0.0
            for k, v in result.totals.row(0, named=True).items()
        },
        "lines": records(result.lines),
        # [[allocation.shared]]: what each rule split, from which project to which
        "sharing": records(result.sharing),
        "excluded": excluded,
        "flags": flags,
        "unknown_instance_types": sorted(
            {f["subject"] for f in flags if f["flag"] == "unknown_instance_type"}
        ),
        "unknown_regions": sorted({f["subject"] for f in flags if f["flag"] == "unknown_region"}),
        # currencies whose cost rests mostly on the cost-ratio fallback (FALLBACK_SHARE_THRESHOLD)
        "mostly_fallback": mostly_fallback(result),
        "ai": {name: records(df) for name, df in result.ai.items()},
        "band_sources": [
            "utilisation: CPU and accelerator utilisation swept over the band (see assumptions)",
            "accelerator_factor: accelerator TDP/idle band (accelerators.csv band_ratio; wider when derived)",
            "grid: grid factor of an earlier year or a provider/global mean (grid_substitution_band_ratio), "
            "or of the other boundary (grid_boundary_band_ratio)",
            f"fallback: ratio estimate of unmodelled usage (x{fb[0]:g} to x{fb[1]:g})",
            "embodied: embodied-emissions band (embodied_band_ratio)",
            "component_factor: storage and network coefficients' own low/high values "
            "(coefficients.csv *_low/_high; factor set 2026.12.1 onwards)",
        ],
        "market_water_note": (
            "market_co2e_kg: market-based CO2e from the residual mix and contractual instruments in "
            "[market], null with market_reason where none exists (never the location-based figure); "
            "water_l = water_site_l (IT kWh x WUE) + water_source_l (kWh x electricity water factor), "
            "null unless both are known; *_kwh_share: share of the energy the figure covers"
        ),
        "assumptions": {**result.assumptions, "fallback_kwh_per_cost": result.fallback_kwh_per_cost},
        "config": result.config,
    }


def to_json(result: EstimateResult, *, indent: int | None = 2) -> str:
    """JSON text. Costs are written as exact decimal numbers (no float rounding)."""
    return dumps(to_json_dict(result), indent=indent)


def dumps(obj: object, *, indent: int | None = 2) -> str:
    """``json.dumps`` with :class:`~decimal.Decimal` written as an exact number.

    The encoder writes each decimal itself; no value is ever marked inside a string and substituted
    afterwards, so no user text (a tag holding a NUL, say) can turn into a number.
    """
    return _encode(obj, indent, 0)


def _encode(o: object, indent: int | None, level: int) -> str:
    if isinstance(o, Decimal):
        return f"{cost(o):f}"
    if o is None or isinstance(o, (bool, int, float, str)):
        return json.dumps(o, ensure_ascii=False)
    if isinstance(o, dict):
        items = [(json.dumps(str(k), ensure_ascii=False), v) for k, v in o.items()]
        if not items:
            return "{}"
        return _block("{", "}", [f"{k}: {_encode(v, indent, level + 1)}" for k, v in items], indent, level)
    if isinstance(o, (list, tuple, set, frozenset)):
        if not o:
            return "[]"
        return _block("[", "]", [_encode(v, indent, level + 1) for v in o], indent, level)
    return json.dumps(str(o), ensure_ascii=False)


def _block(open_: str, close: str, parts: list[str], indent: int | None, level: int) -> str:
    if indent is None:
        return open_ + ", ".join(parts) + close
    inner = "\n" + " " * (indent * (level + 1))
    return open_ + inner + ("," + inner).join(parts) + "\n" + " " * (indent * level) + close


class JsonRenderer(TextRenderer):
    NAME = "json"
    SUFFIX = ".json"

    def render(self, result: EstimateResult) -> str:
        return to_json(result)
