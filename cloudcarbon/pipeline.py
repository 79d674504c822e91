"""The estimate: sources in, a month's energy and CO2e per group out, every billing row accounted for.

    sources -> connectors -> canonical usage -> classify -> allocate -> per-row model
            -> one aggregation pass -> fallback ratio, lines, totals, coverage (polars, small)

The per-row work runs lazily on the engine (DuckDB by default) and ends in a single grouped
aggregation, so memory stays flat however many billing rows there are.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol, cast

import duckdb
import narwhals as nw
import polars as pl

from cloudcarbon.allocate import allocate
from cloudcarbon.config import Config
from cloudcarbon.connectors import Source, connector_for, expand_source, parse_source
from cloudcarbon.connectors.base import Connector, ScanContext
from cloudcarbon.engine import Engine, open_engine
from cloudcarbon.exceptions import CloudCarbonError, ConfigError, FactorNotFound, MonthNotFound, SourceError
from cloudcarbon.factors import FactorSet, load_factor_set
from cloudcarbon.model import classify, estimate_rows
from cloudcarbon.schema import CANONICAL_USAGE, tag_column

__all__ = [
    "BAND_SOURCES",
    "GROUP_KEYS",
    "METHODS",
    "EstimateResult",
    "Method",
    "ai_metrics",
    "estimate",
    "get_method",
    "load_usage",
    "read_requests",
]

#: Columns ``--group-by`` accepts.
GROUP_KEYS = (
    "project",
    "account",
    "service",
    "region",
    "instance_type",
    "usage_class",
    "provider",
    "stage",
    "run",
)
_GROUP_COLUMN = {
    "project": "project",
    "account": "SubAccountId",
    "service": "ServiceName",
    "region": "RegionId",
    "instance_type": "instance_type",
    "usage_class": "usage_class",
    "provider": "ProviderName",
    "stage": "stage",
    "run": "run",
}
#: Keys of the one aggregation every output is derived from (lines, coverage, flags, AI figures). The
#: grid factor, PUE and dataset follow from provider and region and are not keys (fallback CO2e uses the
#: summed ``cost_x_g``); the account is added only when lines are grouped by it.
_FINE_KEYS = [
    "billing_month",
    "ProviderName",
    "BillingCurrency",
    "project",
    "ServiceName",
    "RegionId",
    "instance_type",
    "usage_class",
    "fate",
    "reason",
    "factor_status",
    "grid_status",
    "stage",
    "run",
]


def _fine_keys(group_by: Sequence[str], extra: Sequence[str]) -> list[str]:
    keys = list(_FINE_KEYS)
    for k in (*(_GROUP_COLUMN[g] for g in group_by), *extra):
        if k not in keys:
            keys.append(k)
    return keys


_SUMS = [
    "vcpu_hours",
    "memory_gb_hours",
    "accelerator_hours",
    "storage_tb_hours",
    "network_gb",
    "cpu_kwh",
    "memory_kwh",
    "accelerator_kwh",
    "storage_kwh",
    "network_kwh",
    "energy_kwh",
    "energy_kwh_low",
    "energy_kwh_high",
    "co2e_kg",
    "co2e_kg_low",
    "co2e_kg_high",
    "embodied_co2e_kg",
    "embodied_co2e_kg_low",
    "embodied_co2e_kg_high",
    *(f"band_{s}_kg" for s in ("utilisation", "accelerator_factor", "grid", "embodied")),
]
#: The per-row figures summed by the aggregation (activity, component kWh, figures and band widths).
SUMMED_COLUMNS: tuple[str, ...] = tuple(_SUMS)
#: Named sources of spread; each line reports its width (kg) per source and the dominant one.
BAND_SOURCES = ("utilisation", "accelerator_factor", "grid", "fallback", "embodied")
#: Figures reported per line and in the totals.
FIGURES = (
    "energy_kwh",
    "energy_kwh_low",
    "energy_kwh_high",
    "co2e_kg",
    "co2e_kg_low",
    "co2e_kg_high",
    "embodied_co2e_kg",
    "embodied_co2e_kg_low",
    "embodied_co2e_kg_high",
)


@dataclass(frozen=True)
class EstimateResult:
    """A month's estimate. All frames are polars; costs are exact decimals.

    Attributes
    ----------
    month
        ``YYYY-MM``.
    lines
        One row per group (``group_by``), with cost, energy, CO2e, embodied and their bounds.
    totals
        Sums over all lines.
    coverage
        ``billed_cost`` and its split into ``estimated_cost``, ``fallback_cost`` and ``excluded_cost``
        (which add up to the billed cost exactly), per currency.
    excluded
        Rows and cost per exclusion reason.
    flags
        Rows estimated with a fallback or substituted factor: what, why, rows, cost.
    groups
        The fine-grained aggregate every other frame is derived from.
    detail
        Per-row figures, only when asked for.
    """

    month: str
    group_by: tuple[str, ...]
    factor_set: FactorSet
    sources: tuple[str, ...]
    method: str
    lines: pl.DataFrame
    totals: dict[str, float]
    coverage: pl.DataFrame
    excluded: pl.DataFrame
    flags: pl.DataFrame
    groups: pl.DataFrame
    usage_period: tuple[Any, Any] = (None, None)
    ai: dict[str, pl.DataFrame] = field(default_factory=dict)
    fallback_kwh_per_cost: dict[str, float] = field(default_factory=dict)
    detail: pl.DataFrame | None = None


def _scan_each(
    sources: Sequence[Source], engine: Engine, config: Config, month: str | None
) -> tuple[list[nw.LazyFrame[Any]], list[tuple[Source, Connector]]]:
    """One canonical frame per source (same columns, same order), with its connector."""
    columns = [*CANONICAL_USAGE, *(tag_column(k) for k in config.tag_keys())]
    frames = []
    resolved = []
    claims: dict[str, Any] = {}  # files read so far: a file reached twice is read once
    for s in [part for s0 in sources for part in expand_source(s0)]:
        src, conn = connector_for(s)
        ctx = ScanContext(
            con=engine.con,
            workdir=engine.workdir,
            tag_keys=config.tag_keys(),
            month=month,
            options=config.sources.get(conn.NAME, {}),
            claims=claims,
        )
        resolved.append((src, conn))
        frames.append(conn.scan(src, ctx).select(columns))
    if not frames:
        raise CloudCarbonError("no sources given; pass --source PATH (see `cloudcarbon estimate --help`)")
    return frames, resolved


def _scan_all(
    sources: Sequence[Source], engine: Engine, config: Config, month: str | None
) -> tuple[nw.LazyFrame[Any], list[tuple[Source, Connector]]]:
    frames, resolved = _scan_each(sources, engine, config, month)
    usage = frames[0] if len(frames) == 1 else nw.concat(frames, how="vertical")
    return usage, resolved


def load_usage(
    sources: Sequence[str | Path | Source], *, config: Config | None = None, engine: Engine
) -> nw.LazyFrame[Any]:
    """The canonical usage table of ``sources`` (lazy, on ``engine``), with ``project`` allocated."""
    cfg = config or Config()
    usage, _ = _scan_all([parse_source(s) for s in sources], engine, cfg, None)
    return allocate(usage, cfg)


class Method(Protocol):
    """An estimation method: per-row figures, and how fallback rows get energy after aggregation.

    ``estimate_rows`` returns the columns of :func:`cloudcarbon.model.estimate_rows`;
    ``apply_fallback`` fills the figures of ``fate == "fallback"`` groups and returns the ratios used;
    ``EXTRA_KEYS`` / ``EXTRA_SUMS`` are columns the method needs kept in the aggregation.
    """

    NAME: str
    EXTRA_KEYS: tuple[str, ...]
    EXTRA_SUMS: tuple[str, ...]

    def estimate_rows(
        self,
        classified: nw.LazyFrame[Any],
        factors: FactorSet,
        config: Config,
        *,
        year: int,
        to_lazy: Any,
    ) -> nw.LazyFrame[Any]: ...

    def apply_fallback(
        self, groups: pl.DataFrame, factors: FactorSet
    ) -> tuple[pl.DataFrame, dict[str, float]]: ...


class _DefaultMethod:
    """cloudcarbon's method (METHOD.md): the model in :mod:`cloudcarbon.model`, cost-ratio fallback."""

    NAME = "cloudcarbon"
    EXTRA_KEYS: tuple[str, ...] = ()
    EXTRA_SUMS: tuple[str, ...] = ()

    def estimate_rows(
        self,
        classified: nw.LazyFrame[Any],
        factors: FactorSet,
        config: Config,
        *,
        year: int,
        to_lazy: Any,
    ) -> nw.LazyFrame[Any]:
        return estimate_rows(classified, factors, config, year=year, to_lazy=to_lazy)

    def apply_fallback(
        self, groups: pl.DataFrame, factors: FactorSet
    ) -> tuple[pl.DataFrame, dict[str, float]]:
        return _apply_fallback(
            groups,
            factors.coefficient("fallback_band_low_ratio"),
            factors.coefficient("fallback_band_high_ratio"),
        )


#: Estimation methods by name (``--method``).
METHODS = ("cloudcarbon", "ccf")


def get_method(name: str) -> Method:
    """The method called ``name``; ``ccf`` reproduces Cloud Carbon Footprint's published estimation."""
    if name == "cloudcarbon":
        return _DefaultMethod()
    if name == "ccf":
        ccf = importlib.import_module("cloudcarbon.ccf")
        return cast(Method, ccf.CcfMethod())
    raise CloudCarbonError(f"unknown method {name!r}; choose from {', '.join(METHODS)}")


def _modelled(
    usage: nw.LazyFrame[Any], factors: FactorSet, config: Config, year: int, engine: Engine, method: Method
) -> nw.LazyFrame[Any]:
    rows = method.estimate_rows(
        classify(allocate(usage, config), factors, engine.to_lazy),
        factors,
        config,
        year=year,
        to_lazy=engine.to_lazy,
    )
    have = set(rows.collect_schema().names())
    # a method that does not attribute its band, or has no AI lens, still yields every column
    fill = [
        nw.lit(0.0).alias(f"band_{b}_kg")
        for b in BAND_SOURCES
        if b != "fallback" and f"band_{b}_kg" not in have
    ]
    if "stage" not in have:
        fill.append(nw.lit("other").alias("stage"))
    if "run" not in have:
        fill.append(nw.lit(None, nw.String()).alias("run"))
    return rows.with_columns(
        *fill,
        nw.col("exclusion_reason").fill_null(nw.col("status_note")).alias("reason"),
        (nw.col("BilledCost").cast(nw.Float64()) * nw.col("g_co2e_per_kwh")).alias("cost_x_g"),
    )


@contextmanager
def _reading(resolved: list[tuple[Source, Connector]], engine: Engine) -> Iterator[None]:
    """Turn an engine error on a bad value into an error naming the file, row and column."""
    try:
        yield
    except (duckdb.ConversionException, duckdb.InvalidInputException, duckdb.OutOfRangeException) as exc:
        ctx = ScanContext(con=engine.con, workdir=engine.workdir)
        for src, conn in resolved:
            conn.diagnose(src, ctx)  # raises ValueParseError naming file, row and column
        first = str(exc).splitlines()[0]
        raise SourceError(
            ", ".join(str(s) for s, _ in resolved),
            f"a value could not be read ({first}); check the export is complete and unmodified",
        ) from exc


def _collect(lf: nw.LazyFrame[Any], resolved: list[tuple[Source, Connector]], engine: Engine) -> pl.DataFrame:
    with _reading(resolved, engine):
        df: pl.DataFrame = lf.collect(backend="polars").to_native()
    return df


#: Columns the reduction sums or spans instead of grouping by; everything else is a key.
_REDUCED = ("ConsumedQuantity", "BilledCost", "ChargePeriodStart", "ChargePeriodEnd")
#: Columns no step after the reduction reads (the per-row detail keeps them): not keys, left NULL.
_UNREAD = (
    "Tags",
    "source_row",
    "source_file",
    "BillingAccountId",
    "operation",
    "product_family",
    "line_item_type",
)


def _reduce(
    usage: nw.LazyFrame[Any],
    resolved: list[tuple[Source, Connector]],
    engine: Engine,
    constant_null: Sequence[str] = (),
) -> nw.LazyFrame[Any]:
    """Billing rows that agree on every attribute the estimate reads, added up into one row.

    The model is linear in quantity and cost, so this changes no figure; a month of hourly rows per
    resource shrinks to one row per distinct attribute set before the (heavier) model runs. The result
    is materialised once so the model's passes do not re-read the exports. ``source_rows`` counts the
    billing rows behind each reduced row.
    """
    schema = usage.collect_schema()
    unread = (*_UNREAD, *constant_null)
    keys = [c for c in schema.names() if c not in _REDUCED and c not in unread]
    reduced = usage.group_by(keys).agg(
        nw.col("ConsumedQuantity").sum(),
        nw.col("BilledCost").sum(),
        nw.col("ChargePeriodStart").min(),
        nw.col("ChargePeriodEnd").max(),
        nw.len().alias("source_rows"),
    )
    with _reading(resolved, engine):
        table = engine.materialize(reduced)
    # back in canonical column order, with the dropped columns as typed NULLs
    return table.select(
        [nw.col(c) if c not in unread else nw.lit(None, schema[c]).alias(c) for c in schema.names()]
        + [nw.col("source_rows")]
    )


def _months(usage: nw.LazyFrame[Any], resolved: list[tuple[Source, Connector]], engine: Engine) -> list[str]:
    df = _collect(usage.select("billing_month").unique(), resolved, engine)
    return sorted(m for m in df["billing_month"].to_list() if m)


def _apply_fallback(
    groups: pl.DataFrame, low_ratio: float, high_ratio: float
) -> tuple[pl.DataFrame, dict[str, float]]:
    """Energy of fallback rows from the kWh per currency unit of the same provider's estimated rows."""
    est = (
        groups.filter(pl.col("fate") == "estimated")
        .group_by("ProviderName", "BillingCurrency")
        .agg(pl.col("energy_kwh").sum(), pl.col("cost").cast(pl.Float64).sum().alias("_c"))
        .with_columns(
            pl.when(pl.col("_c") > 0).then(pl.col("energy_kwh") / pl.col("_c")).otherwise(0.0).alias("_ratio")
        )
        .select("ProviderName", "BillingCurrency", "_ratio")
    )
    ratios = {
        f"{r['ProviderName']}/{r['BillingCurrency']}": float(r["_ratio"]) for r in est.iter_rows(named=True)
    }
    g = groups.join(est, on=["ProviderName", "BillingCurrency"], how="left").with_columns(
        pl.col("_ratio").fill_null(0.0)
    )
    fb = pl.col("fate") == "fallback"
    cost = pl.col("cost").cast(pl.Float64).clip(lower_bound=0.0)
    energy = cost * pl.col("_ratio")
    co2e = pl.col("cost_x_g").clip(lower_bound=0.0) * pl.col("_ratio") / 1000.0
    g = g.with_columns(
        pl.when(fb).then(energy).otherwise(pl.col("energy_kwh")).alias("energy_kwh"),
        pl.when(fb).then(energy * low_ratio).otherwise(pl.col("energy_kwh_low")).alias("energy_kwh_low"),
        pl.when(fb).then(energy * high_ratio).otherwise(pl.col("energy_kwh_high")).alias("energy_kwh_high"),
        pl.when(fb).then(co2e).otherwise(pl.col("co2e_kg")).alias("co2e_kg"),
        pl.when(fb).then(co2e * low_ratio).otherwise(pl.col("co2e_kg_low")).alias("co2e_kg_low"),
        pl.when(fb).then(co2e * high_ratio).otherwise(pl.col("co2e_kg_high")).alias("co2e_kg_high"),
        pl.when(fb).then(co2e * (high_ratio - low_ratio)).otherwise(0.0).alias("band_fallback_kg"),
    ).drop("_ratio")
    return g, ratios


def _lines(groups: pl.DataFrame, group_by: Sequence[str]) -> pl.DataFrame:
    keys = [_GROUP_COLUMN[k] for k in group_by]
    rename = {_GROUP_COLUMN[k]: k for k in group_by}
    fate_cost = [
        pl.col("cost").filter(pl.col("fate") == f).sum().alias(f"{f}_cost")
        for f in ("estimated", "fallback", "excluded")
    ]
    bands = [f"band_{b}_kg" for b in BAND_SOURCES]
    return (
        groups.group_by(keys)
        .agg(
            pl.col("rows").sum(),
            pl.col("cost").sum(),
            *fate_cost,
            *[pl.col(c).sum() for c in FIGURES],
            pl.col("accelerator_hours").sum(),
            *[pl.col(b).sum() for b in bands],
        )
        .with_columns(_dominant(bands).alias("band_dominant"))
        .sort(["co2e_kg", *keys], descending=[True, *([False] * len(keys))], nulls_last=True)
        .rename(rename)
    )


def _dominant(bands: list[str]) -> pl.Expr:
    """Name of the widest band source of a row (``none`` when every width is zero)."""
    widest = pl.max_horizontal(*bands)
    expr: Any = pl.when(widest <= 0).then(pl.lit("none"))
    for b in bands:
        expr = expr.when(pl.col(b) == widest).then(pl.lit(b.removeprefix("band_").removesuffix("_kg")))
    result: pl.Expr = expr.otherwise(pl.lit("none"))
    return result


def _flags(groups: pl.DataFrame) -> pl.DataFrame:
    flagged = groups.filter(
        pl.col("reason").is_in(["unknown_instance_type", "unit_mismatch", "unmodelled_usage_type"])
        | pl.col("grid_status").is_in(["provider_average", "year_substituted"])
        & (pl.col("fate") != "excluded")
    )
    what = (
        pl.when(pl.col("reason") == "unknown_instance_type")
        .then(pl.col("instance_type"))
        .when(pl.col("reason") == "unmodelled_usage_type")
        .then(pl.col("ServiceName"))
        .when(pl.col("reason") == "unit_mismatch")
        .then(pl.col("usage_class"))
        .otherwise(pl.col("RegionId").fill_null("(no region)"))
    )
    flag = (
        pl.when(pl.col("reason").is_in(["unknown_instance_type", "unit_mismatch", "unmodelled_usage_type"]))
        .then(pl.col("reason"))
        .when(pl.col("grid_status") == "provider_average")
        .then(pl.lit("unknown_region"))
        .otherwise(pl.lit("grid_year_substituted"))
    )
    return (
        flagged.with_columns(flag.alias("flag"), what.alias("subject"))
        .group_by("flag", "subject", "fate")
        .agg(pl.col("rows").sum(), pl.col("cost").sum(), pl.col("grid_year").max())
        .sort("flag", "subject", "fate")
    )


def estimate(
    sources: Sequence[str | Path | Source],
    month: str,
    *,
    config: Config | None = None,
    factor_set: FactorSet | str | None = None,
    group_by: Sequence[str] = ("project",),
    detail: bool = False,
    method: str = "cloudcarbon",
) -> EstimateResult:
    """Estimate one month's energy and emissions from billing exports.

    Parameters
    ----------
    sources
        Files or report folders, optionally prefixed with the provider (``"aws:path"``).
    month
        ``YYYY-MM``.
    config
        Allocation rules, utilisation and engine settings; defaults to :class:`~cloudcarbon.config.Config`.
    factor_set
        A loaded set, a version string, or ``None`` for the newest shipped set.
    group_by
        Keys of the output lines, from :data:`GROUP_KEYS`.
    detail
        Also return per-row figures (one row per billing row of the month).
    method
        ``"cloudcarbon"`` (default, METHOD.md) or ``"ccf"`` (Cloud Carbon Footprint's published method,
        its known defects included, for reconciling figures made with it).

    Returns
    -------
    EstimateResult

    Raises
    ------
    SourceError
        A source is missing, unreadable, of an unknown format, lacks columns, or holds a bad value.
    MonthNotFound
        No rows for ``month``.
    """
    cfg = config or Config()
    _check_month(month)
    for k in group_by:
        if k not in GROUP_KEYS:
            raise CloudCarbonError(f"cannot group by {k!r}; choose from {', '.join(GROUP_KEYS)}")
    factors = factor_set if isinstance(factor_set, FactorSet) else load_factor_set(factor_set)
    srcs = [parse_source(s) for s in sources]
    impl = get_method(method)
    with open_engine(cfg.engine) as engine:
        frames, resolved = _scan_each(srcs, engine, cfg, month)
        frames = [f.filter(nw.col("billing_month") == month) for f in frames]
        if detail:
            frames = [f.with_columns(nw.lit(1, nw.Int64()).alias("source_rows")) for f in frames]
        else:
            # each source is reduced on its own: a connector's never-filled columns are no keys
            frames = [
                _reduce(f, [r], engine, getattr(r[1], "CONSTANT_NULL", ()))
                for f, r in zip(frames, resolved, strict=True)
            ]
        usage = frames[0] if len(frames) == 1 else nw.concat(frames, how="vertical")
        rows = _modelled(usage, factors, cfg, int(month[:4]), engine, impl)
        agg = rows.group_by(_fine_keys(group_by, impl.EXTRA_KEYS)).agg(
            nw.col("source_rows").sum().alias("rows"),
            nw.col("BilledCost").sum().alias("cost"),
            *[nw.col(c).sum() for c in (*_SUMS, *impl.EXTRA_SUMS)],
            nw.col("cost_x_g").sum(),
            nw.col("grid_year").max(),
            # also makes the engine parse every row's timestamps, so a bad one cannot pass unseen
            nw.col("ChargePeriodStart").min().alias("usage_start"),
            nw.col("ChargePeriodEnd").max().alias("usage_end"),
        )
        groups = _collect(agg, resolved, engine)
        if groups.height == 0:
            all_usage, resolved_all = _scan_all(srcs, engine, cfg, None)
            raise MonthNotFound(month, _months(all_usage, resolved_all, engine))
        groups, ratios = impl.apply_fallback(groups, factors)
        if "band_fallback_kg" not in groups.columns:
            groups = groups.with_columns(pl.lit(0.0).alias("band_fallback_kg"))
        detail_df = None
        fill_detail = getattr(impl, "detail_fallback", None)
        if detail and fill_detail is not None:  # a method with its own fallback ratios (ccf)
            detail_df = fill_detail(_collect(rows, resolved, engine), ratios).sort(
                "source_file", "source_row"
            )
        elif detail:
            detail_df = _detail(
                rows,
                resolved,
                engine,
                ratios,
                factors.coefficient("fallback_band_low_ratio") if impl.NAME == "cloudcarbon" else 1.0,
                factors.coefficient("fallback_band_high_ratio") if impl.NAME == "cloudcarbon" else 1.0,
            )
    flags = _flags(groups)
    if cfg.strict:
        _refuse_fallbacks(flags)
    lines = _lines(groups, group_by)
    totals = {c: float(groups[c].sum()) for c in FIGURES}
    coverage = (
        groups.group_by("BillingCurrency")
        .agg(
            pl.col("cost").sum().alias("billed_cost"),
            *[
                pl.col("cost").filter(pl.col("fate") == f).sum().alias(f"{f}_cost")
                for f in ("estimated", "fallback", "excluded")
            ],
            pl.col("rows").sum(),
        )
        .rename({"BillingCurrency": "currency"})
        .sort("currency")
    )
    excluded = (
        groups.filter(pl.col("fate") == "excluded")
        .group_by("reason")
        .agg(pl.col("rows").sum(), pl.col("cost").sum())
        .sort("reason")
    )
    return EstimateResult(
        month=month,
        group_by=tuple(group_by),
        factor_set=factors,
        sources=tuple(str(s) for s, _ in resolved),
        method=impl.NAME,
        lines=lines,
        totals=totals,
        coverage=coverage,
        excluded=excluded,
        flags=flags,
        groups=groups,
        usage_period=(groups["usage_start"].min(), groups["usage_end"].max()),
        ai=ai_metrics(groups, cfg, month),
        fallback_kwh_per_cost=ratios,
        detail=detail_df,
    )


def _detail(
    rows: nw.LazyFrame[Any],
    resolved: list[tuple[Source, Connector]],
    engine: Engine,
    ratios: dict[str, float],
    low_ratio: float,
    high_ratio: float,
) -> pl.DataFrame:
    df = _collect(rows, resolved, engine)
    ratio = pl.concat_str("ProviderName", pl.lit("/"), "BillingCurrency").replace_strict(
        ratios, default=0.0, return_dtype=pl.Float64
    )
    fb = pl.col("fate") == "fallback"
    energy = pl.col("BilledCost").cast(pl.Float64).clip(lower_bound=0.0) * ratio
    co2e = energy * pl.col("g_co2e_per_kwh") / 1000.0
    return df.with_columns(
        pl.when(fb).then(energy).otherwise(pl.col("energy_kwh")).alias("energy_kwh"),
        pl.when(fb).then(energy * low_ratio).otherwise(pl.col("energy_kwh_low")).alias("energy_kwh_low"),
        pl.when(fb).then(energy * high_ratio).otherwise(pl.col("energy_kwh_high")).alias("energy_kwh_high"),
        pl.when(fb).then(co2e).otherwise(pl.col("co2e_kg")).alias("co2e_kg"),
        pl.when(fb).then(co2e * low_ratio).otherwise(pl.col("co2e_kg_low")).alias("co2e_kg_low"),
        pl.when(fb).then(co2e * high_ratio).otherwise(pl.col("co2e_kg_high")).alias("co2e_kg_high"),
    ).sort("source_file", "source_row")


def _per(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den > 0).then(num / den).otherwise(None)


def read_requests(path: str, month: str) -> pl.DataFrame:
    """Request counts (functional units) per project for ``month`` from a CSV: project, month, requests."""
    p = Path(path)
    try:
        df = pl.read_csv(p, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise ConfigError(path, f"cannot read the requests file ({exc}); see [ai] requests") from exc
    missing = [c for c in ("project", "month", "requests") if c not in df.columns]
    if missing:
        raise ConfigError(
            path, f"the requests file lacks column(s) {', '.join(missing)} (need project, month, requests)"
        )
    parsed = df.with_columns(pl.col("requests").str.strip_chars().cast(pl.Float64, strict=False).alias("_r"))
    bad = parsed.with_row_index("_i").filter(pl.col("_r").is_null() | (pl.col("_r") < 0))
    if bad.height:
        row = bad.row(0, named=True)
        raise ConfigError(
            path,
            f"row {row['_i'] + 1}, column 'requests': {row['requests']!r} is not a non-negative number",
        )
    return (
        parsed.filter(pl.col("month").str.strip_chars() == month)
        .group_by("project")
        .agg(pl.col("_r").sum().alias("requests"))
    )


def ai_metrics(groups: pl.DataFrame, config: Config, month: str) -> dict[str, pl.DataFrame]:
    """The AI lens: figures per lifecycle stage and training run, per accelerator-hour and per request.

    * ``stages``: energy, CO2e (with bounds), embodied and accelerator-hours per stage;
    * ``runs``: the same per training run (rows carrying ``[ai] run_tag``), with kgCO2e per
      accelerator-hour;
    * ``accelerators``: kgCO2e per accelerator-hour over all accelerator rows;
    * ``requests``: with ``[ai] requests``, per project: requests, kgCO2e per 1,000 inferences (the
      project's ``inference`` stage, operational + embodied) and the SCI score ``(E x I + M) / R`` per
      functional unit over all of the project's usage.
    """
    figs = [
        pl.col("energy_kwh").sum(),
        pl.col("co2e_kg").sum(),
        pl.col("co2e_kg_low").sum(),
        pl.col("co2e_kg_high").sum(),
        pl.col("embodied_co2e_kg").sum(),
        pl.col("accelerator_hours").sum(),
        pl.col("cost").sum(),
    ]
    per_acc = [
        _per(pl.col("co2e_kg"), pl.col("accelerator_hours")).alias("co2e_kg_per_accelerator_hour"),
        _per(pl.col("co2e_kg") + pl.col("embodied_co2e_kg"), pl.col("accelerator_hours")).alias(
            "total_kg_per_accelerator_hour"
        ),
    ]
    out: dict[str, pl.DataFrame] = {
        "stages": groups.group_by("stage").agg(*figs).sort("stage"),
        "accelerators": groups.filter(pl.col("accelerator_hours") > 0).select(*figs).with_columns(*per_acc),
    }
    runs = groups.filter(pl.col("run").is_not_null())
    out["runs"] = (
        runs.group_by("run")
        .agg(
            *figs,
            pl.col("stage").mode().first().alias("stage"),
            pl.col("project").mode().first().alias("project"),
        )
        .with_columns(*per_acc)
        .sort("run")
    )
    if config.ai.requests:
        req = read_requests(config.ai.requests, month)
        by_project = groups.group_by("project").agg(
            pl.col("co2e_kg").sum().alias("operational_kg"),
            pl.col("embodied_co2e_kg").sum().alias("embodied_kg"),
            pl.col("energy_kwh").sum(),
            (pl.col("co2e_kg") + pl.col("embodied_co2e_kg"))
            .filter(pl.col("stage") == "inference")
            .sum()
            .alias("inference_kg"),
        )
        out["requests"] = (
            req.join(by_project, on="project", how="left")
            .with_columns(
                (1000.0 * _per(pl.col("inference_kg"), pl.col("requests"))).alias("kg_per_1000_inferences"),
                _per(pl.col("operational_kg") + pl.col("embodied_kg"), pl.col("requests")).alias(
                    "sci_kg_per_unit"
                ),
                pl.lit(config.ai.functional_unit).alias("functional_unit"),
            )
            .sort("project")
        )
    return out


def _refuse_fallbacks(flags: pl.DataFrame) -> None:
    """Strict mode: an unknown region, instance type or accelerator is an error, not a flagged fallback.

    A substituted grid year is allowed (the latest published year is the best available figure).
    """
    hard = flags.filter(pl.col("flag") != "grid_year_substituted")
    if hard.height:
        items = "; ".join(
            f"{r['flag']} {r['subject']} ({r['rows']} rows)" for r in hard.head(8).iter_rows(named=True)
        )
        more = f" and {hard.height - 8} more" if hard.height > 8 else ""
        raise FactorNotFound(
            f"strict mode: no factor for {items}{more}; add the missing rows to a new factor set or turn "
            "off [estimate] strict to estimate them by the documented fallbacks"
        )


def _check_month(month: str) -> None:
    ok = len(month) == 7 and month[4] == "-" and month[:4].isdigit() and month[5:].isdigit()
    if not ok or not 1 <= int(month[5:]) <= 12:
        raise CloudCarbonError(f"month {month!r} is not of the form YYYY-MM (e.g. 2026-10)")


def coverage_row(result: EstimateResult) -> dict[str, Any]:
    """The coverage of a single-currency result as a dict of Decimals (for statements and tests)."""
    if result.coverage.height != 1:
        raise CloudCarbonError("the sources mix currencies; read result.coverage per currency")
    row = result.coverage.row(0, named=True)
    return {k: (Decimal(v) if isinstance(v, Decimal) else v) for k, v in row.items()}
