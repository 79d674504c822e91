"""A :class:`~cloudcarbon.statements.model.Statement` built from the ledger alone (no input files).

:func:`build_statement` reads the month's current recorded estimate, its status and its restatements.
Line figures (kg, kWh) are rounded half-even to :data:`QUANTUM` (1e-9, a microgram of CO2e) before
they are added up, so every total of the statement is the exact sum of its lines (the ledger keeps the
unrounded figures); money is exact as recorded.

Sections:

* header: period, organisation, method, factor set and hash, status (open, closed, restated N times)
  and version (for an open month: how many estimates it has);
* totals: location-based operational CO2e with its range, market-based CO2e (``None`` with the reason
  ``no market-based factors in factor set X`` unless the lines carry ``market_co2e_kg``), embodied,
  energy, billed cost per currency, and intensity: operational CO2e of the rows billed in a currency
  per unit of that currency;
* per project: CO2e with range, embodied, energy, cost per currency, and the lifecycle stages
  (``data_processing``, ``training``, ``inference``, ``other``, and ``hardware`` = embodied);
* coverage per currency with the exclusion reasons, their cost and rows;
* GHG Protocol mapping: every provider but ``inventory`` is cloud usage, the customer's scope 3
  category 1, split into the provider's electricity and hardware; ``inventory`` lines are the
  organisation's own scope 2 electricity plus scope 3 category 2 (capital goods) for embodied;
* restatement history: version, time, causes (details in the note), change in operational CO2e;
* methodology and its sources. ``comparison`` and ``trend`` are given by the caller.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from cloudcarbon.ledger import Ledger, LineRecord, RunRecord
from cloudcarbon.statements.model import (
    Comparison,
    Coverage,
    Exclusion,
    Header,
    Intensity,
    Methodology,
    Money,
    ProjectLine,
    ProviderReconciliation,
    ReconcileLine,
    Restatement,
    Source,
    Stage,
    Statement,
    Totals,
    Trend,
    ghg_mapping,
)

__all__ = ["INVENTORY", "METHOD_DOCS", "QUANTUM", "build_statement", "market_reason"]

#: Rounding step of kg and kWh figures on a statement.
QUANTUM = Decimal("1e-9")
#: Provider name of on-premises inventory lines.
INVENTORY = "inventory"
#: Where each method is documented, in the cloudcarbon repository.
METHOD_DOCS: dict[str, str] = {
    "cloudcarbon": "cloudcarbon/methods/default/__init__.py (docs/method.md)",
    "ccf": "cloudcarbon/methods/ccf/__init__.py",
}
_ZERO = Decimal(0)
_REPO = "https://github.com/cloudcarbon/cloudcarbon"


def market_reason(factor_set_version: str) -> str:
    """Why a statement has no market-based figure."""
    return f"no market-based factors in factor set {factor_set_version}"


def _q(v: Decimal | None) -> Decimal:
    return _ZERO if v is None else v.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def _fig(line: LineRecord, name: str) -> Decimal:
    return _q(line.figures.get(name))


def _key(line: LineRecord, name: str) -> str | None:
    return dict(line.key).get(name)


def _needs_market(ln: LineRecord) -> bool:
    return ln.figures.get("energy_kwh", _ZERO) > 0


def _complete(lines: Sequence[LineRecord], name: str) -> bool:
    """Every line with energy has figure ``name`` (and at least one line has it)."""
    return any(name in ln.figures for ln in lines) and all(
        name in ln.figures for ln in lines if _needs_market(ln)
    )


def _market_complete(lines: Sequence[LineRecord]) -> bool:
    """Every line with energy has a market-based figure (and at least one line has one): a market-based
    total is never a sum that leaves lines out, nor the location-based figure in its place."""
    return _complete(lines, "market_co2e_kg")


def _water_gap(lines: Sequence[LineRecord], factor_set: str) -> str:
    """Why a statement has no water total."""
    if not any("water_l" in ln.figures for ln in lines):
        return f"no water figures recorded (factor set {factor_set} or the method has no water factors)"
    missing = sorted(
        {
            f"{_key(ln, 'provider')} {_key(ln, 'region')}"
            for ln in lines
            if _needs_market(ln) and "water_l" not in ln.figures
        }
    )
    return f"no on-site or electricity water factor for {', '.join(missing[:5])}" + (
        f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    )


def _market_gap(lines: Sequence[LineRecord]) -> str:
    """Why a statement has market-based figures for some lines only."""
    missing = [ln for ln in lines if _needs_market(ln) and "market_co2e_kg" not in ln.figures]
    kwh = sum((_fig(ln, "energy_kwh") for ln in missing), _ZERO)
    total = sum((_fig(ln, "energy_kwh") for ln in lines), _ZERO)
    where = sorted({f"{_key(ln, 'provider')} {_key(ln, 'region')}" for ln in missing})
    shown = ", ".join(where[:5]) + (f" and {len(where) - 5} more" if len(where) > 5 else "")
    share = kwh / total if total else _ZERO
    return (
        f"no market-based factor for {share:.1%} of the energy ({shown}); add a residual mix for them "
        "([market] residual_mix) or read the providers' own market-based figures "
        "(cloudcarbon reconcile --provider-footprint)"
    )


def _sum(lines: Iterable[LineRecord], name: str) -> Decimal:
    return sum((_fig(ln, name) for ln in lines), _ZERO)


def _projects(lines: Sequence[LineRecord]) -> tuple[ProjectLine, ...]:
    by: dict[str, list[LineRecord]] = {}
    for ln in lines:
        by.setdefault(_key(ln, "project") or "(none)", []).append(ln)
    out = []
    for project, pl in by.items():
        cost: dict[str, Decimal] = {}
        stages: dict[str, Decimal] = {}
        for ln in pl:
            cur = _key(ln, "currency") or ""
            cost[cur] = cost.get(cur, _ZERO) + ln.figures.get("cost", _ZERO)
            st = _key(ln, "stage") or "other"
            stages[st] = stages.get(st, _ZERO) + _fig(ln, "co2e_kg")
        embodied = _sum(pl, "embodied_co2e_kg")
        stage_list = [Stage(s, v) for s, v in sorted(stages.items()) if v != 0]
        if embodied != 0:
            stage_list.append(Stage("hardware", embodied))
        out.append(
            ProjectLine(
                project=project,
                co2e_kg=_sum(pl, "co2e_kg"),
                co2e_kg_low=_sum(pl, "co2e_kg_low"),
                co2e_kg_high=_sum(pl, "co2e_kg_high"),
                embodied_co2e_kg=embodied,
                energy_kwh=_sum(pl, "energy_kwh"),
                cost=tuple(Money(c, v) for c, v in sorted(cost.items())),
                stages=tuple(stage_list),
            )
        )
    return tuple(sorted(out, key=lambda p: (-p.total_kg, p.project)))


def _coverage(run: RunRecord) -> tuple[Coverage, ...]:
    rows: dict[tuple[str, str], int] = {}
    for f in run.flags:
        if f.flag == "excluded":
            rows[(f.currency, f.subject)] = rows.get((f.currency, f.subject), 0) + f.rows
    return tuple(
        Coverage(
            currency=c.currency,
            billed=c.billed,
            estimated=c.estimated,
            fallback=c.fallback,
            excluded=c.excluded,
            rows=c.rows,
            exclusions=tuple(
                Exclusion(reason, cost, rows.get((c.currency, reason), 0))
                for reason, cost in sorted(c.exclusion_reasons.items())
            ),
        )
        for c in run.coverage
    )


def _grid_boundary(run: RunRecord) -> tuple[str, ...]:
    """The grid factors' boundary, for factor sets that declare one (recorded among the assumptions)."""
    boundary = run.assumptions.get("grid_boundary")
    if not boundary:
        return ()
    basis = (
        "operational (combustion emissions of generation, as GHG Protocol scope 2 location-based figures are)"
        if boundary == "operational"
        else "lifecycle (generation plus upstream fuel supply and plant construction)"
    )
    return (
        f"Grid intensities are {basis}. A region without a factor of that boundary takes its factor "
        "of the other boundary, flagged (grid_boundary_substituted) with a wider range.",
    )


def _methodology(run: RunRecord) -> Methodology:
    doc = METHOD_DOCS.get(run.method, f"method {run.method}")
    fs = run.factor_set_version
    paragraphs: tuple[str, ...] = (
        f"Figures were estimated by cloudcarbon {run.tool_version} with the {run.method!r} method "
        f"(documented in {doc}) and factor set {fs} (content sha256 {run.factor_set_hash}"
        f"{', user-made' if run.factor_set_user_made else ''}); the estimate was recorded at "
        f"{run.recorded_at}.",
        "Operational emissions are location-based: the energy of each billing row (from its usage, "
        "the hardware's power draw at the assumed utilisation and the data centre's PUE) times the "
        "grid intensity of its region. Each figure carries a low-high range from the utilisation, "
        "accelerator, grid, fallback and embodied bands.",
        *_grid_boundary(run),
        "Rows the method cannot model from usage fall back to the provider's energy per unit of "
        "cost; rows that are not consumption (taxes, credits, fees, commitments) are excluded with "
        "their reason. Estimated, fallback and excluded cost add up to the bill in each currency.",
        "Embodied emissions (manufacture of the hardware) are amortised over its life by usage "
        "hours and reported apart from operational emissions.",
        f"kg and kWh figures are rounded to {QUANTUM} before they are added up, so each total is the "
        "sum of its lines; the ledger keeps the unrounded figures. Money is exact as billed.",
        "Input files, the configuration and the factor set are identified by their sha256 in the "
        "ledger; `cloudcarbon statement --evidence DIR` writes them with a per-row lineage.",
    )
    if "calibration" in run.assumptions:
        paragraphs += (
            "Calibrated to the providers' own figures: on every provider x account x region x service key "
            "that both the estimate and the provider's carbon export cover, the CO2e figures (operational "
            "and embodied, with their ranges) were scaled so that their sum equals the provider's "
            "location-based total, keeping cloudcarbon's split by project, tag, stage and instance; "
            "energy is not scaled; keys only one side has keep cloudcarbon's figure and are listed in the "
            "provider figures section.",
        )
    sources = (
        Source(f"Method documentation: {doc}", _REPO),
        Source(
            f"cloudcarbon factor set {fs} (sha256 {run.factor_set_hash}); every row names its "
            "source and licence",
            f"factors/{fs}/datapackage.json",
            "Apache-2.0, CC-BY-4.0, MIT, ODbL-1.0 (per table)",
        ),
        Source(
            "GHG Protocol Corporate Value Chain (Scope 3) Standard",
            "https://ghgprotocol.org/standards/scope-3-standard",
        ),
        Source("GHG Protocol Scope 2 Guidance", "https://ghgprotocol.org/scope-2-guidance"),
    )
    return Methodology(paragraphs=paragraphs, sources=sources)


def _dec_or_none(value: Any) -> Decimal | None:
    return None if value is None else Decimal(repr(value) if isinstance(value, float) else str(value))


def _q_or_none(value: Any) -> Decimal | None:
    d = _dec_or_none(value)
    return None if d is None else _q(d)


def _reconciliation(run: RunRecord) -> ProviderReconciliation | None:
    """The providers' figures recorded with the estimate (``cloudcarbon.reconcile.recorded``), if any."""
    text = run.assumptions.get("reconciliation")
    if text is None:
        return None
    data = json.loads(text)
    lines = tuple(
        ReconcileLine(
            provider=str(r["provider"]),
            account=r.get("account_id"),
            region=r.get("region"),
            service=r.get("service"),
            match=str(r["match"]),
            ours_kg=_q(_dec_or_none(r.get("our_total_kg")) or _ZERO),
            provider_kg=None
            if r.get("provider_location_kg") is None
            else _q(Decimal(repr(r["provider_location_kg"]))),
            provider_market_kg=(
                None if r.get("provider_market_kg") is None else _q(Decimal(repr(r["provider_market_kg"])))
            ),
            ratio=_dec_or_none(r.get("ratio")),
            model_version=r.get("model_version"),
            reasons=tuple(x for x in str(r.get("reasons") or "").split(", ") if x),
        )
        for r in data.get("lines", [])
    )
    return ProviderReconciliation(
        lines=lines,
        reasons=tuple(sorted(data.get("reasons", {}).items())),
        calibrated="calibration" in run.assumptions,
        files=tuple(data.get("files", [])),
        ignored=tuple(data.get("ignored", [])),
        not_compared=tuple(data.get("providers_without_footprint", [])),
    )


def build_statement(
    ledger: Ledger,
    month: str,
    *,
    organisation: str,
    comparison: Comparison | None = None,
    trend: Trend | None = None,
    generated_at: str | None = None,
) -> Statement:
    """The statement of ``month`` from its current recorded estimate (see the module docstring).

    Raises :class:`~cloudcarbon.ledger.LedgerNotFound` when nothing is recorded for the month.
    """
    run = ledger.current(month)
    status = ledger.status(month)
    lines = run.lines
    state = "open" if status.state in ("open", "unrecorded") else status.state
    header = Header(
        period=month,
        organisation=organisation,
        method=run.method,
        factor_set_version=run.factor_set_version,
        factor_set_hash=run.factor_set_hash,
        status=state,  # type: ignore[arg-type]  # narrowed above
        restatements=status.restatements,
        version=status.version if status.version is not None else status.estimates,
        generated_at=generated_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        tool_version=run.tool_version,
    )
    coverage = _coverage(run)
    reason = market_reason(run.factor_set_version)
    has_market = _market_complete(lines)
    if not has_market and any("market_co2e_kg" in ln.figures for ln in lines):
        reason = _market_gap(lines)
    market = _sum(lines, "market_co2e_kg") if has_market else None
    intensity = tuple(
        Intensity(c.currency, _sum([ln for ln in lines if _key(ln, "currency") == c.currency], "co2e_kg"),
                  c.billed)
        for c in coverage
    )  # fmt: skip
    totals = Totals(
        location_co2e_kg=_sum(lines, "co2e_kg"),
        location_co2e_kg_low=_sum(lines, "co2e_kg_low"),
        location_co2e_kg_high=_sum(lines, "co2e_kg_high"),
        market_co2e_kg=market,
        market_reason=None if has_market else reason,
        embodied_co2e_kg=_sum(lines, "embodied_co2e_kg"),
        energy_kwh=_sum(lines, "energy_kwh"),
        billed=tuple(Money(c.currency, c.billed) for c in coverage),
        intensity=intensity,
        water_l=_sum(lines, "water_l") if _complete(lines, "water_l") else None,
        water_reason=None if _complete(lines, "water_l") else _water_gap(lines, run.factor_set_version),
    )
    cloud = [ln for ln in lines if _key(ln, "provider") != INVENTORY]
    onprem = [ln for ln in lines if _key(ln, "provider") == INVENTORY]
    onprem_market = _sum(onprem, "market_co2e_kg") if onprem and _market_complete(onprem) else None
    ghg = ghg_mapping(
        cloud_electricity_location_kg=_sum(cloud, "co2e_kg"),
        cloud_electricity_market_kg=(
            _sum(cloud, "market_co2e_kg") if cloud and _market_complete(cloud) else None
        ),
        cloud_hardware_kg=_sum(cloud, "embodied_co2e_kg"),
        market_reason=reason,
        onprem_location_kg=_sum(onprem, "co2e_kg") if onprem else None,
        onprem_market_kg=onprem_market,
        onprem_embodied_kg=_sum(onprem, "embodied_co2e_kg") if onprem else None,
    )
    restatements = tuple(
        Restatement(
            version=r.version,
            recorded_at=r.run.recorded_at,
            causes=tuple(c.cause for c in r.causes),
            delta_co2e_kg=_q(sum((d.delta for d in r.total_deltas if d.name == "co2e_kg"), _ZERO)),
            note="; ".join(f"{c.cause}: {c.detail}" for c in r.causes)
            + f" ({len({d.key for d in r.line_deltas})} line(s) changed)",
        )
        for r in ledger.restatements(month)
    )
    notes: list[str] = []
    if state == "open":
        notes.append(
            f"Month {month} is open: this is estimate {status.estimates} of the month, not yet closed "
            f"(`cloudcarbon close --month {month}`)."
        )
    fallback_rows = sum(f.rows for f in run.flags if f.flag != "excluded" and f.fate == "fallback")
    if fallback_rows:
        notes.append(f"{fallback_rows} billing row(s) were estimated with a fallback (see coverage).")
    return Statement(
        header=header,
        totals=totals,
        projects=_projects(lines),
        coverage=coverage,
        ghg=ghg,
        methodology=_methodology(run),
        restatements=restatements,
        comparison=comparison,
        trend=trend,
        notes=tuple(notes),
        reconciliation=_reconciliation(run),
    )
