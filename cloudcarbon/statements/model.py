"""The statement: a plain, engine-free data model that every statement renderer reads.

Figures are :class:`~decimal.Decimal` (exact, as the ledger stores them): kilograms of CO2e, kWh,
and amounts of money in their own currency. Construction checks what must add up (coverage to the
bill, bridge parts to the change), so a renderer never shows a statement that does not reconcile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

__all__ = [
    "BRIDGE_STEPS",
    "STAGE_LABELS",
    "BridgeLine",
    "Comparison",
    "Coverage",
    "Exclusion",
    "GhgLine",
    "Header",
    "Intensity",
    "Methodology",
    "Money",
    "ProjectLine",
    "ProviderReconciliation",
    "ReconcileLine",
    "Restatement",
    "SideFigure",
    "Source",
    "Stage",
    "Statement",
    "Totals",
    "Trend",
    "TrendPoint",
    "TrendSeries",
    "ghg_mapping",
]

Status = Literal["open", "closed", "restated"]
_ZERO = Decimal(0)

#: Lifecycle stages in display order, with their labels; ``hardware`` is the embodied share.
STAGE_LABELS: dict[str, str] = {
    "data_processing": "Data processing",
    "training": "Training",
    "inference": "Inference",
    "other": "Other",
    "hardware": "Hardware (embodied)",
}

#: Steps of a variance bridge, in chain order, with their labels (see :mod:`cloudcarbon.compare`).
BRIDGE_STEPS: dict[str, str] = {
    "method": "Method and factor set",
    "activity": "Activity (usage volume)",
    "mix": "Mix (instance, region, accelerator)",
    "efficiency": "Energy per unit of activity",
    "grid": "Grid / emission factor",
    "unattributed": "Without activity",
    "restatement": "Restatements",
}


def _dec(v: Any) -> Decimal:
    return v if isinstance(v, Decimal) else Decimal(str(v))


def _check_nonneg(owner: str, **values: Decimal | None) -> None:
    for name, v in values.items():
        if v is not None and v < 0:
            raise ValueError(f"{owner}: {name} must be >= 0, got {v}")


@dataclass(frozen=True)
class Header:
    """What the statement is: period, organisation, method, factor set, status."""

    period: str
    organisation: str
    method: str
    factor_set_version: str
    factor_set_hash: str
    status: Status
    restatements: int = 0
    version: int = 1
    generated_at: str = ""
    tool_version: str = ""

    def __post_init__(self) -> None:
        if self.status not in ("open", "closed", "restated"):
            raise ValueError(f"Header: status must be open, closed or restated, got {self.status!r}")
        if (self.status == "restated") != (self.restatements > 0):
            raise ValueError("Header: status 'restated' goes with restatements > 0, and only with it")

    @property
    def status_text(self) -> str:
        if self.status == "restated":
            times = "once" if self.restatements == 1 else f"{self.restatements} times"
            return f"closed, restated {times}"
        return self.status


@dataclass(frozen=True)
class Money:
    currency: str
    amount: Decimal


@dataclass(frozen=True)
class Intensity:
    """CO2e of the rows billed in one currency, per unit of that currency."""

    currency: str
    co2e_kg: Decimal
    cost: Decimal

    @property
    def kg_per_unit(self) -> Decimal | None:
        return None if self.cost == 0 else self.co2e_kg / self.cost


@dataclass(frozen=True)
class Totals:
    """Statement totals. ``co2e`` figures are operational (location-based) unless named otherwise."""

    location_co2e_kg: Decimal
    location_co2e_kg_low: Decimal
    location_co2e_kg_high: Decimal
    market_co2e_kg: Decimal | None
    market_reason: str | None
    embodied_co2e_kg: Decimal
    energy_kwh: Decimal
    billed: tuple[Money, ...]
    intensity: tuple[Intensity, ...] = ()
    #: water consumed on site and in generating the electricity (litres); None with ``water_reason``
    #: when a line with energy has no water factor (docs/method.md section 3.6)
    water_l: Decimal | None = None
    water_reason: str | None = None

    def __post_init__(self) -> None:
        _check_nonneg(
            "Totals",
            water_l=self.water_l,
            location_co2e_kg_low=self.location_co2e_kg_low,
            market_co2e_kg=self.market_co2e_kg,
            embodied_co2e_kg=self.embodied_co2e_kg,
            energy_kwh=self.energy_kwh,
        )
        if not self.location_co2e_kg_low <= self.location_co2e_kg <= self.location_co2e_kg_high:
            raise ValueError("Totals: location CO2e must lie within its low and high bounds")
        if self.market_co2e_kg is None and not self.market_reason:
            raise ValueError("Totals: without a market-based figure, give the reason (market_reason)")


@dataclass(frozen=True)
class Stage:
    stage: str
    co2e_kg: Decimal

    @property
    def label(self) -> str:
        return STAGE_LABELS.get(self.stage, self.stage)


@dataclass(frozen=True)
class ProjectLine:
    """One project: operational CO2e with range, embodied, energy, cost, and the lifecycle split."""

    project: str
    co2e_kg: Decimal
    co2e_kg_low: Decimal
    co2e_kg_high: Decimal
    embodied_co2e_kg: Decimal
    energy_kwh: Decimal
    cost: tuple[Money, ...]
    stages: tuple[Stage, ...] = ()

    def __post_init__(self) -> None:
        if not self.co2e_kg_low <= self.co2e_kg <= self.co2e_kg_high:
            raise ValueError(f"ProjectLine {self.project!r}: CO2e must lie within its bounds")
        ops = sum((s.co2e_kg for s in self.stages if s.stage != "hardware"), _ZERO)
        hw = sum((s.co2e_kg for s in self.stages if s.stage == "hardware"), _ZERO)
        if self.stages and (ops != self.co2e_kg or hw != self.embodied_co2e_kg):
            raise ValueError(
                f"ProjectLine {self.project!r}: operational stages sum to {ops} (CO2e {self.co2e_kg}) and "
                f"hardware to {hw} (embodied {self.embodied_co2e_kg}); they must match"
            )

    @property
    def total_kg(self) -> Decimal:
        return self.co2e_kg + self.embodied_co2e_kg


@dataclass(frozen=True)
class Exclusion:
    reason: str
    cost: Decimal
    rows: int


@dataclass(frozen=True)
class Coverage:
    """One currency's bill, split into estimated, fallback and excluded cost (which add up to it)."""

    currency: str
    billed: Decimal
    estimated: Decimal
    fallback: Decimal
    excluded: Decimal
    rows: int = 0
    exclusions: tuple[Exclusion, ...] = ()

    def __post_init__(self) -> None:
        if self.estimated + self.fallback + self.excluded != self.billed:
            raise ValueError(
                f"Coverage {self.currency}: estimated {self.estimated} + fallback {self.fallback} + excluded "
                f"{self.excluded} != billed {self.billed}"
            )
        reasons = sum((e.cost for e in self.exclusions), _ZERO)
        if self.exclusions and reasons != self.excluded:
            raise ValueError(
                f"Coverage {self.currency}: exclusion reasons add up to {reasons}, "
                f"excluded is {self.excluded}"
            )

    def share(self, part: Decimal) -> Decimal | None:
        return None if self.billed == 0 else part / self.billed


@dataclass(frozen=True)
class GhgLine:
    """One line of the GHG Protocol mapping."""

    owner: str  # whose inventory: "cloud usage" or "on-premises"
    scope: str
    category: str
    component: str
    basis: str  # "location-based", "market-based" or "" (not an electricity figure)
    co2e_kg: Decimal | None
    note: str = ""


def _reason(value: Decimal | None, reason: str) -> str:
    return "" if value is not None else reason


def ghg_mapping(
    *,
    cloud_electricity_location_kg: Decimal,
    cloud_electricity_market_kg: Decimal | None,
    cloud_hardware_kg: Decimal,
    market_reason: str = "",
    onprem_location_kg: Decimal | None = None,
    onprem_market_kg: Decimal | None = None,
    onprem_embodied_kg: Decimal | None = None,
) -> tuple[GhgLine, ...]:
    """The GHG Protocol lines: cloud usage is the customer's scope 3 category 1 (purchased services),
    split into the provider's electricity and hardware; on-premises inventory is the organisation's
    own scope 2 (location- and market-based) plus scope 3 category 2 (capital goods) for embodied."""
    s3c1 = "Category 1: Purchased goods and services"
    lines = [
        GhgLine("cloud usage", "Scope 3", s3c1, "Provider electricity", "location-based",
                cloud_electricity_location_kg),
        GhgLine("cloud usage", "Scope 3", s3c1, "Provider electricity", "market-based",
                cloud_electricity_market_kg, _reason(cloud_electricity_market_kg, market_reason)),
        GhgLine("cloud usage", "Scope 3", s3c1, "Provider hardware (embodied)", "", cloud_hardware_kg),
    ]  # fmt: skip
    if onprem_location_kg is not None or onprem_market_kg is not None or onprem_embodied_kg is not None:
        lines += [
            GhgLine("on-premises", "Scope 2", "Purchased electricity", "Own electricity", "location-based",
                    onprem_location_kg),
            GhgLine("on-premises", "Scope 2", "Purchased electricity", "Own electricity", "market-based",
                    onprem_market_kg, _reason(onprem_market_kg, market_reason)),
            GhgLine("on-premises", "Scope 3", "Category 2: Capital goods", "Own hardware (embodied)", "",
                    onprem_embodied_kg),
        ]  # fmt: skip
    return tuple(lines)


@dataclass(frozen=True)
class Restatement:
    version: int
    recorded_at: str
    causes: tuple[str, ...]
    delta_co2e_kg: Decimal
    note: str = ""


@dataclass(frozen=True)
class BridgeLine:
    """One project's bridge: ``base + sum(parts) == current`` exactly."""

    project: str
    base_kg: Decimal
    parts: tuple[tuple[str, Decimal], ...]
    current_kg: Decimal

    def __post_init__(self) -> None:
        unknown = [p for p, _ in self.parts if p not in BRIDGE_STEPS]
        if unknown:
            raise ValueError(f"BridgeLine {self.project!r}: unknown part(s) {unknown}")
        if self.base_kg + sum((v for _, v in self.parts), _ZERO) != self.current_kg:
            raise ValueError(f"BridgeLine {self.project!r}: base + parts != current")

    @property
    def change_kg(self) -> Decimal:
        return self.current_kg - self.base_kg

    def part(self, name: str) -> Decimal:
        return sum((v for p, v in self.parts if p == name), _ZERO)


#: Figures carried beside the bridge (market-based CO2e, water): field name, label, unit.
SIDE_FIGURES = (("market_co2e_kg", "market-based CO2e", "kg"), ("water_l", "water", "L"))


@dataclass(frozen=True)
class SideFigure:
    """One figure's total in the baseline and the current month, not bridged; ``None`` where a month
    lacks the figure, and then the change is ``None`` with ``note`` saying which month lacks it."""

    label: str
    unit: str
    base: Decimal | None
    current: Decimal | None
    note: str | None = None

    @property
    def change(self) -> Decimal | None:
        return None if self.base is None or self.current is None else self.current - self.base

    @classmethod
    def of(cls, label: str, unit: str, base: Decimal | None, current: Decimal | None) -> SideFigure:
        lacking = [n for n, v in (("base", base), ("current", current)) if v is None]
        note = (
            f"no {label} figure in the {' and '.join(lacking)} period" + ("s" if len(lacking) > 1 else "")
            if lacking
            else None
        )
        return cls(label, unit, base, current, note)


@dataclass(frozen=True)
class Comparison:
    """The change against a baseline, explained per project."""

    baseline: str  # e.g. "baseline 'fy2025' (2025 monthly average)"
    basis: str  # which version is used, e.g. "recomputed under factor set 2026.11"
    lines: tuple[BridgeLine, ...]
    #: Per line (same order), the market-based CO2e and water beside the bridge (:data:`SIDE_FIGURES`);
    #: empty when not given. A figure the bridge did not carry is ``None`` in both months.
    sides: tuple[tuple[SideFigure, ...], ...] = ()

    def side_totals(self) -> tuple[SideFigure, ...]:
        """Market-based CO2e and water over all lines, in both months: a month's total is ``None``
        (with the note naming the month) when any line lacks the figure there, never a partial sum."""
        out = []
        for i, (_, label, unit) in enumerate(SIDE_FIGURES):
            figs = [s[i] for s in self.sides] if self.sides else []
            totals: list[Decimal | None] = []
            for attr in ("base", "current"):
                vals = [getattr(f, attr) for f in figs]
                ok = bool(figs) and all(v is not None for v in vals)
                totals.append(sum((v for v in vals if v is not None), _ZERO) if ok else None)
            out.append(SideFigure.of(label, unit, totals[0], totals[1]))
        return tuple(out)

    @property
    def base_kg(self) -> Decimal:
        return sum((ln.base_kg for ln in self.lines), _ZERO)

    @property
    def current_kg(self) -> Decimal:
        return sum((ln.current_kg for ln in self.lines), _ZERO)

    def part(self, name: str) -> Decimal:
        return sum((ln.part(name) for ln in self.lines), _ZERO)

    @classmethod
    def from_rows(
        cls, rows: Sequence[Mapping[str, Any]], *, baseline: str, basis: str, project: str = "project"
    ) -> Comparison:
        """From the rows of :func:`cloudcarbon.compare.bridge` (``df.to_dicts()``)."""
        lines = tuple(
            BridgeLine(
                project=str(r[project]),
                base_kg=_dec(r["base_co2e_kg"]),
                parts=tuple((p, _dec(r[f"{p}_kg"])) for p in BRIDGE_STEPS),
                current_kg=_dec(r["current_co2e_kg"]),
            )
            for r in rows
        )
        sides = tuple(
            tuple(
                SideFigure(
                    label,
                    unit,
                    None if r.get(f"base_{col}") is None else _dec(r[f"base_{col}"]),
                    None if r.get(f"current_{col}") is None else _dec(r[f"current_{col}"]),
                    r.get(f"{col}_note"),
                )
                if f"base_{col}" in r
                else SideFigure.of(label, unit, None, None)
                for col, label, unit in SIDE_FIGURES
            )
            for r in rows
        )
        return cls(baseline=baseline, basis=basis, lines=lines, sides=sides)


@dataclass(frozen=True)
class TrendPoint:
    month: str
    co2e_kg: Decimal


@dataclass(frozen=True)
class TrendSeries:
    name: str
    points: tuple[TrendPoint, ...]
    baseline_kg: Decimal | None = None


@dataclass(frozen=True)
class Trend:
    series: tuple[TrendSeries, ...]
    baseline: str = ""

    @property
    def months(self) -> tuple[str, ...]:
        return tuple(sorted({p.month for s in self.series for p in s.points}))

    @classmethod
    def from_rows(
        cls,
        rows: Sequence[Mapping[str, Any]],
        *,
        series: str | None = None,
        value: str = "co2e_kg",
        month: str = "month",
        baseline: str = "",
        total_name: str = "Total",
    ) -> Trend:
        """From the rows of :func:`cloudcarbon.compare.trend` (``df.to_dicts()``): one series per value of
        the ``series`` column (one named ``total_name`` without it); ``baseline_<value>`` when present."""
        points: dict[str, list[TrendPoint]] = {}
        bases: dict[str, Decimal | None] = {}
        for r in rows:
            name = total_name if series is None else str(r[series])
            points.setdefault(name, []).append(TrendPoint(str(r[month]), _dec(r[value])))
            b = r.get(f"baseline_{value}")
            bases[name] = None if b is None else _dec(b)
        out = tuple(
            TrendSeries(name, tuple(sorted(pts, key=lambda p: p.month)), bases.get(name))
            for name, pts in points.items()
        )
        return cls(series=out, baseline=baseline)


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    licence: str = ""


@dataclass(frozen=True)
class Methodology:
    paragraphs: tuple[str, ...]
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class ReconcileLine:
    """One provider x account x region x service: cloudcarbon's kg beside the provider's own.

    ``match`` is ``matched``, ``provider_only`` or ``ours_only``; ``ours_kg`` is operational plus
    embodied CO2e as estimated (before any calibration); ``ratio`` = ``ours_kg / provider_kg``.
    """

    provider: str
    account: str | None
    region: str | None
    service: str | None
    match: str
    ours_kg: Decimal
    provider_kg: Decimal | None
    provider_market_kg: Decimal | None
    ratio: Decimal | None
    model_version: str | None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProviderReconciliation:
    """The statement's section on the providers' own figures (``cloudcarbon.reconcile``).

    ``reasons`` are the documented reasons the figures differ, as ``(code, text)``; ``calibrated``
    says whether the statement's figures were scaled to the providers' totals.
    """

    lines: tuple[ReconcileLine, ...]
    reasons: tuple[tuple[str, str], ...] = ()
    calibrated: bool = False
    files: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    not_compared: tuple[str, ...] = ()

    def total(self, figure: Literal["ours_kg", "provider_kg"], match: str = "matched") -> Decimal:
        """A figure summed over the lines of one ``match`` kind."""
        return sum((getattr(ln, figure) or _ZERO for ln in self.lines if ln.match == match), _ZERO)


@dataclass(frozen=True)
class Statement:
    """A monthly carbon statement (every section a renderer shows)."""

    header: Header
    totals: Totals
    projects: tuple[ProjectLine, ...]
    coverage: tuple[Coverage, ...]
    ghg: tuple[GhgLine, ...]
    methodology: Methodology
    restatements: tuple[Restatement, ...] = ()
    comparison: Comparison | None = None
    trend: Trend | None = None
    notes: tuple[str, ...] = field(default=())
    #: the estimate beside the providers' own figures, when recorded with ``--provider-footprint``
    reconciliation: ProviderReconciliation | None = None

    def __post_init__(self) -> None:
        billed = {m.currency: m.amount for m in self.totals.billed}
        covered = {c.currency: c.billed for c in self.coverage}
        if billed != covered:
            raise ValueError(f"Statement: billed totals {billed} differ from the coverage {covered}")
