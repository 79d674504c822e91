"""The estimate: sources in, a month's energy and CO2e per group out, every billing row accounted for.

    sources -> connectors -> canonical usage -> classify -> allocate -> method rows (declared schema)
            -> one aggregation pass -> method's fallback ratios -> shared fallback -> result

The per-row work runs lazily on the engine (DuckDB by default) and ends in a single grouped
aggregation, so memory stays flat however many billing rows there are. ``--detail`` streams the same
per-row query, with the same fallback expression, straight to its file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import narwhals as nw
import polars as pl

from cloudcarbon.allocate import allocate
from cloudcarbon.config import Config
from cloudcarbon.connectors import Source, connector_for, expand_source, for_engine, parse_source
from cloudcarbon.connectors.base import Connector, ScanContext
from cloudcarbon.engine import ENGINES, Engine, open_engine
from cloudcarbon.exceptions import CloudCarbonError, ConfigError, FactorNotFound, MonthNotFound, SourceError
from cloudcarbon.factors import FactorSet, load_factor_set
from cloudcarbon.fallback_ratio import fallback_shares
from cloudcarbon.methods import METHODS, FallbackRatios, Method, get_method
from cloudcarbon.methods.default.classify import classify
from cloudcarbon.methods.fallback import apply_fallback
from cloudcarbon.methods.market_water import apply_market_water, factor_table, summed
from cloudcarbon.progress import ProgressCallback, ScanWatcher
from cloudcarbon.results import EstimateResult, FactorSetInfo, InputFile, totals_of
from cloudcarbon.schema import (
    BAND_SOURCES,
    CANONICAL_USAGE,
    COST_DTYPE,
    ESTIMATE_DETAIL,
    ESTIMATE_KEYS,
    ESTIMATE_SUMS,
    FIGURES,
    tag_column,
)
from cloudcarbon.sharing import share_groups
from cloudcarbon.tokens import token_candidates, token_metrics

__all__ = [
    "BAND_SOURCES",
    "DETAIL_FORMATS",
    "FIGURES",
    "GROUP_COLUMN",
    "GROUP_EXTRA_KEYS",
    "GROUP_KEYS",
    "METHODS",
    "SUMMED_COLUMNS",
    "DetailFormatError",
    "EstimateResult",
    "Method",
    "ai_metrics",
    "coverage_row",
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
#: ``--group-by`` key -> estimate-row column.
GROUP_COLUMN = {
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
#: Per-row columns ``estimate(keys=...)`` can keep as keys of ``groups``: the factors each row used.
GROUP_EXTRA_KEYS = (
    "instance_key",
    "accelerator_model",
    "pue",
    "g_co2e_per_kwh",
    "grid_year",
    "grid_dataset",
)
#: Kept as a key of ``groups`` when the estimate is set beside the providers' own figures
#: (``provider_footprint``; :mod:`cloudcarbon.reconcile` compares per account).
ACCOUNT_KEY = "SubAccountId"
#: The per-row figures summed by the aggregation (declared in :mod:`cloudcarbon.schema`).
SUMMED_COLUMNS: tuple[str, ...] = ESTIMATE_SUMS
#: ``--detail`` file formats by suffix.
DETAIL_FORMATS = (".csv", ".parquet")


def _fine_keys(group_by: Sequence[str], extra: Sequence[str]) -> list[str]:
    keys = list(ESTIMATE_KEYS)
    for k in (*(GROUP_COLUMN[g] for g in group_by), *extra):
        if k not in keys:
            keys.append(k)
    return keys


def _scan_each(
    sources: Sequence[Source], engine: Engine, config: Config, month: str | None, *, reduce: bool = False
) -> tuple[list[nw.LazyFrame[Any]], list[tuple[Source, Connector]]]:
    """One canonical frame per source (same columns, same order), with its connector.

    ``reduce``: a connector that can (``REDUCES``) returns its rows already reduced, with
    ``source_rows`` (see :func:`_reduce`).
    """
    columns = [*CANONICAL_USAGE, *(tag_column(k) for k in config.tag_keys())]
    frames = []
    resolved = []
    claims: dict[str, Any] = {}  # files read so far: a file reached twice is read once
    on = [for_engine(s, engine.dialect) for s in sources]  # a URI: Spark reads it, DuckDB refuses it
    for s in [part for s0 in on for part in expand_source(s0)]:
        src, conn = connector_for(s)
        ctx = ScanContext(
            con=engine.con,
            workdir=engine.workdir,
            tag_keys=config.tag_keys(),
            month=month,
            options=config.sources.get(conn.NAME, {}),
            claims=claims,
            reduce=reduce,
        )
        resolved.append((src, conn))
        reduces = reduce and month is not None and getattr(conn, "REDUCES", False)
        frames.append(conn.scan(src, ctx).select([*columns, *(["source_rows"] if reduces else [])]))
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


def _modelled(
    usage: nw.LazyFrame[Any],
    factors: FactorSet,
    config: Config,
    year: int,
    engine: Engine,
    method: Method,
    resolved: list[tuple[Source, Connector]],
    *,
    per_row: bool,
) -> nw.LazyFrame[Any]:
    """The method's per-row estimate of the classified, allocated usage rows.

    The classified rows and the method's rows are each computed once into a temporary table (spilling
    under the memory limit), and so are the allocated rows when they come straight from the exports
    (``per_row``; otherwise they are already the reduced table). Each step then starts from a table scan
    instead of the whole plan before it: engines bind and optimise every join and projection against its
    full input plan, so a plan grown step by step costs time that grows with its depth (DuckDB 1.4 spent
    17 s planning a one-row ``--detail`` estimate before this).
    """

    def table(lf: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
        return _table(lf, resolved, engine)

    allocated = allocate(usage, config)
    classified = table(classify(table(allocated) if per_row else allocated, factors, engine.to_lazy))
    return table(method.rows(classified, factors, config, year=year, to_lazy=engine.to_lazy))


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
    except Exception as exc:
        if engine.dialect == "duckdb" or not isinstance(exc, _engine_errors()):
            raise
        # another engine: the diagnosis re-reads the local files on DuckDB to name file, row, column; a
        # URI source (read through Spark's Hadoop FileSystem) is diagnosed on the engine that read it
        with open_engine() as duck:
            ctx = ScanContext(con=duck.con, workdir=duck.workdir)
            for src, conn in resolved:
                if isinstance(src.path, Path):
                    conn.diagnose(src, ctx)
                    continue
                try:
                    conn.diagnose(src, ScanContext(con=engine.con, workdir=engine.workdir))
                except CloudCarbonError:
                    raise
                except Exception:  # the error below names the sources instead
                    continue
        first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise SourceError(
            ", ".join(str(s) for s, _ in resolved),
            f"a value could not be read ({first[:300]}); check the export is complete and unmodified",
        ) from exc


def _engine_errors() -> tuple[type[BaseException], ...]:
    from cloudcarbon.spark import spark_errors

    return spark_errors()


@contextmanager
def _open(config: Config, kind: str | None, spark: Any, spark_model: str | None = None) -> Iterator[Engine]:
    """The engine of a run: ``kind`` (``"duckdb"``, ``"spark"``), else Spark when given a session, else
    ``[engine] kind`` of the configuration."""
    chosen = kind or ("spark" if spark is not None else config.engine.kind)
    if chosen not in ENGINES:
        raise ConfigError(None, f"unknown engine {chosen!r}; choose from {', '.join(ENGINES)}")
    if chosen == "spark":
        from cloudcarbon.spark import open_spark_engine, require_spark

        require_spark()
        opts = config.engine if spark_model is None else replace(config.engine, spark_model=spark_model)
        with open_spark_engine(spark, opts) as spark_engine:
            yield spark_engine
    else:
        with open_engine(config.engine) as duck:
            yield duck


def _table(
    lf: nw.LazyFrame[Any], resolved: list[tuple[Source, Connector]], engine: Engine
) -> nw.LazyFrame[Any]:
    """``lf`` computed once into a temporary table of ``engine``; a bad value names its file, row, column."""
    with _reading(resolved, engine):
        return engine.materialize(lf)


def _collect(lf: nw.LazyFrame[Any], resolved: list[tuple[Source, Connector]], engine: Engine) -> pl.DataFrame:
    with _reading(resolved, engine):
        df: pl.DataFrame = lf.collect(backend="polars").to_native()
    return _declared_types(df)


def _declared_types(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with the types the schema declares whatever engine computed it.

    Timestamps are naive UTC (``schema.CANONICAL_USAGE``); Spark's come back zone-aware (UTC). Billing
    row counts summed (``rows``) are exact Decimal(38, 0), as DuckDB's sum of 64-bit integers gives
    them; Spark's sum stays a 64-bit integer."""
    fixes = [
        pl.col(c).dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        for c, t in df.schema.items()
        if isinstance(t, pl.Datetime) and t.time_zone is not None
    ]
    if df.schema.get("rows") in (pl.Int64, pl.Int32):
        fixes.append(pl.col("rows").cast(pl.Decimal(38, 0)))
    return df.with_columns(fixes) if fixes else df


#: Columns the reduction sums or spans instead of grouping by; everything else is a key.
_REDUCED = ("ConsumedQuantity", "BilledCost", "EffectiveCost", "ChargePeriodStart", "ChargePeriodEnd")
#: Columns no step after the reduction reads (the per-row detail keeps them): not keys, left NULL.
_UNREAD = (
    "Tags",
    "source_row",
    "source_file",
    "BillingAccountId",
    "operation",
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
    billing rows behind each reduced row. Rows of opposite cost signs stay apart, so per-row rules
    that are not linear at 0 (the default method's fallback basis) give the same figures as on the rows.
    """
    schema = usage.collect_schema()
    unread = (*_UNREAD, *constant_null)
    # a connector's reduced scan has counted its rows already (its groups never mix cost signs either)
    counted = "source_rows" in schema.names()
    keys = [c for c in schema.names() if c not in (*_REDUCED, "source_rows") and c not in unread]
    # negative and non-negative costs are never added together: a method's fallback basis may clip each
    # billing row's cost at 0, and the clip of a sum is not the sum of the clips
    reduced = usage.with_columns(
        (nw.col("BilledCost") < 0).fill_null(False).alias("_negative"),
        (nw.col("EffectiveCost") < 0).fill_null(False).alias("_negative_effective"),
    )
    reduced = reduced.group_by([*keys, "_negative", "_negative_effective"]).agg(
        nw.col("ConsumedQuantity").sum(),
        nw.col("BilledCost").sum(),
        nw.col("EffectiveCost").sum(),
        nw.col("ChargePeriodStart").min(),
        nw.col("ChargePeriodEnd").max(),
        nw.col("source_rows").sum().cast(nw.Int64()) if counted else nw.len().alias("source_rows"),
    )
    table = _table(reduced, resolved, engine)
    # back in canonical column order, with the dropped columns as typed NULLs
    names = [c for c in schema.names() if c != "source_rows"]
    return table.select(
        [nw.col(c) if c not in unread else nw.lit(None, schema[c]).alias(c) for c in names]
        + [nw.col("source_rows")]
    )


def _months(usage: nw.LazyFrame[Any], resolved: list[tuple[Source, Connector]], engine: Engine) -> list[str]:
    df = _collect(usage.select("billing_month").unique(), resolved, engine)
    return sorted(m for m in df["billing_month"].to_list() if m)


def _lines(groups: pl.DataFrame, group_by: Sequence[str]) -> pl.DataFrame:
    """One row per group and currency: costs are only added within a currency."""
    keys = [GROUP_COLUMN[k] for k in group_by]
    rename = {GROUP_COLUMN[k]: k for k in group_by}
    fate_cost = [
        pl.col("cost").filter(pl.col("fate") == f).sum().alias(f"{f}_cost")
        for f in ("estimated", "fallback", "excluded")
    ]
    bands = [f"band_{b}_kg" for b in BAND_SOURCES]
    by = [*keys, "BillingCurrency"]
    return (
        groups.group_by(by)
        .agg(
            pl.col("rows").sum(),
            pl.col("cost").sum(),
            *fate_cost,
            *[pl.col(c).sum() for c in FIGURES],
            pl.col("accelerator_hours").sum(),
            *[pl.col(b).sum() for b in bands],
            *summed(groups),
        )
        .with_columns(_dominant(bands).alias("band_dominant"))
        .sort(["co2e_kg", *by], descending=[True, *([False] * len(by))], nulls_last=True)
        .select(pl.exclude("BillingCurrency"), pl.col("BillingCurrency").alias("currency"))
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


def _bounded(ratios: FallbackRatios) -> dict[str, dict[str, Any]]:
    """The per-key ratio records of a method whose ratios carry a ``ratio_basis`` (the default method)."""
    return {k: dict(v) for k, v in ratios.detail.items() if isinstance(v, dict) and "ratio_basis" in v}


def _fallback_shares(groups: pl.DataFrame) -> pl.DataFrame:
    """Per currency, the share of the effective usage cost resting on the fallback (``fallback_shares``)."""
    # summed as exact decimals first, so the share does not depend on row order
    eff = pl.col("effective_cost")
    costs = groups.group_by("BillingCurrency").agg(
        eff.filter(pl.col("fate") == "estimated").sum().cast(pl.Float64).alias("estimated_cost"),
        eff.filter(pl.col("fate") == "fallback").sum().cast(pl.Float64).alias("fallback_cost"),
    )
    return fallback_shares(costs).rename({"BillingCurrency": "currency"})


def _fallback_flags(groups: pl.DataFrame, ratios: FallbackRatios, shares: pl.DataFrame) -> pl.DataFrame:
    """``mostly_fallback`` per currency whose fallback share passes FALLBACK_SHARE_THRESHOLD, and
    ``fallback_ratio_none`` per fallback key that had nothing to base a ratio on (its rows got 0 kWh)."""
    fb = groups.filter(pl.col("fate") == "fallback")
    none_keys = [k for k, d in _bounded(ratios).items() if d["ratio_basis"] == "none"]
    mostly = shares.filter(pl.col("mostly_fallback"))
    share_text = (pl.col("fallback_share") * 100).round(1).cast(pl.String)
    parts = [
        fb.join(mostly.rename({"currency": "BillingCurrency"}), on="BillingCurrency", how="inner")
        .group_by("BillingCurrency")
        .agg(pl.col("rows").sum(), pl.col("cost").sum(), pl.col("fallback_share").first())
        .select(
            pl.lit("mostly_fallback").alias("flag"),
            pl.concat_str([share_text, pl.lit("% of the effective usage cost")]).alias("subject"),
            pl.lit("fallback").alias("fate"),
            pl.col("BillingCurrency").alias("currency"),
            "rows",
            "cost",
        ),
        fb.filter(pl.col("fallback_key").is_in(none_keys))
        .group_by("fallback_key", "BillingCurrency")
        .agg(pl.col("rows").sum(), pl.col("cost").sum())
        .select(
            pl.lit("fallback_ratio_none").alias("flag"),
            pl.col("fallback_key").alias("subject"),
            pl.lit("fallback").alias("fate"),
            pl.col("BillingCurrency").alias("currency"),
            "rows",
            "cost",
        ),
    ]
    return pl.concat(parts, how="vertical_relaxed")


def _flags(
    groups: pl.DataFrame, ratios: FallbackRatios | None = None, shares: pl.DataFrame | None = None
) -> pl.DataFrame:
    flagged = groups.filter(
        pl.col("reason").is_in(["unknown_instance_type", "unit_mismatch", "unmodelled_usage_type"])
        | pl.col("grid_status").is_in(["provider_average", "year_substituted", "boundary_substituted"])
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
        .when(pl.col("grid_status") == "boundary_substituted")
        .then(pl.lit("grid_boundary_substituted"))
        .otherwise(pl.lit("grid_year_substituted"))
    )
    out = (
        flagged.with_columns(flag.alias("flag"), what.alias("subject"))
        .group_by("flag", "subject", "fate", "BillingCurrency")
        .agg(pl.col("rows").sum(), pl.col("cost").sum(), pl.col("grid_year").max())
        .rename({"BillingCurrency": "currency"})
    )
    if ratios is not None and shares is not None:
        extra = _fallback_flags(groups, ratios, shares)
        out = pl.concat([out, extra.with_columns(pl.lit(None, out.schema["grid_year"]).alias("grid_year"))])
    return out.sort("flag", "subject", "fate", "currency", nulls_last=True)


def estimate(
    sources: Sequence[str | Path | Source],
    month: str,
    *,
    config: Config | None = None,
    factor_set: FactorSet | str | None = None,
    group_by: Sequence[str] = ("project",),
    detail: bool = False,
    detail_to: str | Path | None = None,
    method: str = "cloudcarbon",
    keys: Sequence[str] = (),
    detail_sink: DetailSink | None = None,
    calibrate: str | None = None,
    provider_footprint: Sequence[str | Path] = (),
    progress: ProgressCallback | None = None,
    engine: str | None = None,
    spark: Any = None,
    spark_model: str | None = None,
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
        Also return per-row figures (one row per billing row of the month) as ``result.detail``.
    detail_to
        Stream the per-row figures to this ``.csv`` or ``.parquet`` file through the engine (memory stays
        bounded by the engine's limit, however many rows); ``result.detail_path`` names it.
    method
        A name from :data:`METHODS`: ``"cloudcarbon"`` (default, docs/method.md) or ``"ccf"`` (Cloud Carbon
        Footprint's published method, its known defects included, for reconciling figures made with it).
    keys
        Extra per-row columns kept as keys of ``result.groups`` (from :data:`GROUP_EXTRA_KEYS`: the
        factors used, such as ``pue``, ``g_co2e_per_kwh``, ``grid_dataset``, ``accelerator_model``), for
        outputs that report the factor behind each figure (:mod:`cloudcarbon.exports`). Lines, totals and
        coverage do not change; only ``groups`` is finer.
    detail_sink
        Called once, on the open engine, with the per-row figures (a lazy frame of the engine, one row
        per billing row of the month, fallback figures applied) and the sources as resolved: how
        :func:`cloudcarbon.enrichment.enrich` streams them to its own file. Its errors on a bad value are
        reported like the estimate's.
    calibrate
        ``"provider"``: scale the CO2e figures to the providers' own totals of ``provider_footprint``
        per account x region x service, keeping cloudcarbon's split within each key
        (:func:`cloudcarbon.reconcile.calibrate`); the result says so in ``assumptions``, ``flags``
        and a ``calibrated`` column of ``lines`` and ``groups``.
    provider_footprint
        The providers' footprint files or folders (``PATH`` or ``aws:PATH``, ``gcp:PATH``,
        ``azure:PATH``): the estimate is set beside them (``result.reconciliation``, recorded in the
        ledger and shown by the statement) and, with ``calibrate``, scaled to them.
    progress
        Called with a :class:`~cloudcarbon.progress.ScanProgress` (files and bytes read, rows per
        second) a few times a second while the exports are read, from a background thread; ``None``
        (the default) reports nothing. The command line draws it as a progress bar.
    engine
        ``"duckdb"`` (the embedded engine) or ``"spark"``; default ``[engine] kind`` of ``config``
        (``"duckdb"``), or ``"spark"`` when ``spark`` is given. Spark needs ``cloudcarbon[spark]``
        (docs/spark.md); the figures are the same on either engine.
    spark
        A ``pyspark.sql.SparkSession`` to run on (e.g. ``spark`` in a Databricks notebook); without one,
        ``engine="spark"`` uses the active session or starts a local one.
    spark_model
        With the Spark engine, where the model runs after the per-row reduction: ``"driver"`` (the
        reduced table, one row per distinct resource description, moves to the embedded engine on the
        driver) or ``"spark"`` (every step on Spark); default ``[engine] spark_model`` (``"driver"``).

    Returns
    -------
    EstimateResult
        Polars frames: ``lines`` (one row per ``group_by`` key and currency: cost, kWh, kgCO2e, embodied
        kg, each with low/high bounds), ``totals`` (one row: every figure summed; ``total("co2e_kg")``
        gives one as a float), ``coverage`` (per currency: billed = estimated + fallback + excluded
        cost, exactly), ``excluded``, ``flags`` and, with ``detail=True``, ``detail`` (one row per
        billing row). ``to_pandas("lines")`` converts a frame when pandas is installed.

    Raises
    ------
    SourceError
        A source is missing, unreadable, of an unknown format, lacks columns, or holds a bad value.
    MonthNotFound
        No rows for ``month``.
    DetailFormatError
        ``detail_to`` has a suffix other than ``.csv`` or ``.parquet``.

    See Also
    --------
    cloudcarbon.demo_sources : the bundled demo organisation's sources and configuration.

    Examples
    --------
    >>> import cloudcarbon as cc
    >>> sources, config = cc.demo_sources("demo-data")  # doctest: +SKIP
    >>> result = cc.estimate(sources, "2026-10", config=config, group_by=["provider", "project"])
    ... # doctest: +SKIP
    >>> result.total("co2e_kg")  # doctest: +SKIP
    >>> result.lines.sort("co2e_kg", descending=True).head(5)  # doctest: +SKIP

    A worked walkthrough is in ``docs/notebook.md``.
    """
    cfg = config or Config()
    _check_month(month)
    if calibrate is not None:
        from cloudcarbon.reconcile import CALIBRATION_TARGETS

        if calibrate not in CALIBRATION_TARGETS:
            raise CloudCarbonError(
                f"cannot calibrate to {calibrate!r}; choose from {', '.join(CALIBRATION_TARGETS)}"
            )
        if not provider_footprint:
            raise CloudCarbonError(
                "calibrate='provider' needs the providers' footprint files (provider_footprint)"
            )
    for k in group_by:
        if k not in GROUP_KEYS:
            raise CloudCarbonError(f"cannot group by {k!r}; choose from {', '.join(GROUP_KEYS)}")
    for k in keys:
        if k not in GROUP_EXTRA_KEYS:
            raise CloudCarbonError(f"cannot keep {k!r} as a key; choose from {', '.join(GROUP_EXTRA_KEYS)}")
    if provider_footprint:
        keys = tuple(dict.fromkeys((*keys, ACCOUNT_KEY)))
    detail_path = _detail_path(detail_to)
    factors = factor_set if isinstance(factor_set, FactorSet) else load_factor_set(factor_set)
    srcs = [parse_source(s) for s in sources]
    impl = get_method(method)
    per_row = detail or detail_path is not None or detail_sink is not None
    # the input files are hashed (for the ledger) on a thread of their own while the engine reads them
    with (
        _open(cfg, engine, spark, spark_model) as run,
        ThreadPoolExecutor(1, "cloudcarbon-sha256") as hashing,
    ):
        frames, resolved = _scan_each(srcs, run, cfg, month, reduce=not per_row)
        inputs = hashing.submit(_inputs, resolved, month)
        watch = ScanWatcher(run.con, progress)
        if watch.active:
            watch.expect([_files_of(src, conn, month) for src, conn in resolved])
        frames = [f.filter(nw.col("billing_month") == month) for f in frames]
        if per_row:
            # one cost type for every source (a connector's decimal may be wider), so the frames concat
            frames = [
                f.with_columns(
                    nw.lit(1, nw.Int64()).alias("source_rows"),
                    *(nw.col(c).cast(COST_DTYPE) for c in ("BilledCost", "EffectiveCost")),
                )
                for f in frames
            ]
        else:
            # each source is reduced on its own: a connector's never-filled columns are no keys
            reduced = []
            for i, (f, r) in enumerate(zip(frames, resolved, strict=True)):
                with watch.reading(i):
                    reduced.append(_reduce(f, [r], run, getattr(r[1], "CONSTANT_NULL", ())))
            frames = reduced
        usage = frames[0] if len(frames) == 1 else nw.concat(frames, how="vertical")
        # model-API token rows (few) for the token lens, read before the model runs
        token_rows = _collect(token_candidates(allocate(usage, cfg)), resolved, run)
        with watch.reading(None) if per_row else nullcontext():  # per row: the model's first step reads
            rows = _modelled(usage, factors, cfg, int(month[:4]), run, impl, resolved, per_row=per_row)
        watch.close()
        # a by_tag sharing rule reads its tag on the groups
        sharing_tags = [tag_column(r.by_tag) for r in cfg.sharing if r.by_tag]
        agg = rows.group_by(_fine_keys(group_by, (*impl.EXTRA_KEYS, *keys, *sharing_tags))).agg(
            nw.col("source_rows").sum().alias("rows"),
            nw.col("BilledCost").sum().alias("cost"),
            nw.col("EffectiveCost").fill_null(nw.col("BilledCost")).sum().alias("effective_cost"),
            *[nw.col(c).sum() for c in (*ESTIMATE_SUMS, *impl.EXTRA_SUMS)],
            *([] if "grid_year" in keys else [nw.col("grid_year").max()]),
            # also makes the engine parse every row's timestamps, so a bad one cannot pass unseen
            nw.col("ChargePeriodStart").min().alias("usage_start"),
            nw.col("ChargePeriodEnd").max().alias("usage_end"),
        )
        groups = _collect(agg, resolved, run)
        if groups.height == 0:
            all_usage, resolved_all = _scan_all(srcs, run, cfg, None)
            raise MonthNotFound(month, _months(all_usage, resolved_all, run))
        ratios = impl.fallback_ratios(groups, factors)
        groups = apply_fallback(nw.from_native(groups, eager_only=True), ratios).to_native()
        # market-based CO2e and water, from the energy the fallback completed (docs/method.md 3.5, 3.6)
        mw = factor_table(impl, groups, factors, cfg, month)
        groups = apply_market_water(nw.from_native(groups, eager_only=True), mw, keep=False).to_native()
        detail_df = None
        if per_row:
            detail_rows = apply_fallback(rows, ratios, run.to_lazy)
            detail_rows = apply_market_water(detail_rows, mw, run.to_lazy, keep=True)
            if detail_path is not None:
                cols = _detail_columns(detail_rows)
                if detail_path.suffix.lower() == ".csv":
                    detail_rows = _neutralise_text(detail_rows, cols)
                with _reading(resolved, run):
                    run.write(detail_rows, detail_path, columns=cols, order_by=_ORDER)
            if detail_sink is not None:
                with _reading(resolved, run):
                    detail_sink(detail_rows, run, resolved)
            if detail:
                detail_df = _collect(detail_rows, resolved, run).sort(*_ORDER)
    shares = _fallback_shares(groups)
    flags = _flags(groups, ratios, shares)
    if cfg.strict:
        _refuse_fallbacks(flags)
    # shared projects split among their receivers (coverage, totals and flags are of the groups as billed)
    shared, sharing = share_groups(groups, cfg.sharing)
    result = EstimateResult(
        month=month,
        group_by=tuple(group_by),
        method=impl.NAME,
        factor_set=FactorSetInfo(version=factors.version, sha256=factors.sha256, user_made=factors.user_made),
        sources=tuple(str(s) for s, _ in resolved),
        lines=_lines(shared, group_by),
        totals=totals_of(groups),
        coverage=_coverage(groups).join(shares, on="currency", how="left", nulls_equal=True),
        excluded=(
            groups.filter(pl.col("fate") == "excluded")
            .group_by("reason", "BillingCurrency")
            .agg(pl.col("rows").sum(), pl.col("cost").sum())
            .rename({"BillingCurrency": "currency"})
            .sort("reason", "currency", nulls_last=True)
        ),
        flags=flags,
        groups=shared,
        sharing=sharing,
        assumptions=_assumptions(impl, factors, cfg, ratios),
        inputs=inputs.result(),
        config=_config_dict(cfg),
        usage_period=(groups["usage_start"].min(), groups["usage_end"].max()),
        ai=_ai(shared, token_rows, factors, cfg, month),
        fallback_kwh_per_cost=dict(ratios.ratios),
        detail=detail_df,
        detail_path=detail_path,
    )
    if not provider_footprint:
        return result
    from cloudcarbon.footprint.read import read_footprints
    from cloudcarbon.reconcile import calibrate as calibrate_to
    from cloudcarbon.reconcile import with_reconciliation

    footprint = read_footprints(provider_footprint, month=month)
    return (calibrate_to if calibrate else with_reconciliation)(result, footprint)


_ORDER = ("source_file", "source_row")

#: ``estimate(detail_sink=...)``: receives the per-row figures, the engine and the resolved sources.
DetailSink = Callable[[nw.LazyFrame[Any], Engine, Sequence[tuple[Source, Connector]]], None]


class DetailFormatError(CloudCarbonError):
    """The per-row detail was asked for in a format it is not written in (exit code 2, a usage error)."""

    exit_code = 2

    def __init__(self, path: Path) -> None:
        self.path = path
        what = f"{path.suffix!r} files" if path.suffix else "files without a suffix"
        super().__init__(
            f"{path}: --detail writes {' or '.join(DETAIL_FORMATS)} files, not {what}; "
            "name the file .csv or .parquet"
        )


def _detail_path(detail_to: str | Path | None) -> Path | None:
    """The ``--detail`` file, refused up front when its format is not one we write."""
    if detail_to is None:
        return None
    path = Path(detail_to)
    if path.suffix.lower() not in DETAIL_FORMATS:
        raise DetailFormatError(path)
    return path


def _detail_columns(rows: nw.LazyFrame[Any]) -> list[str]:
    have = set(rows.collect_schema().names())
    return [c for c in ESTIMATE_DETAIL if c in have]


#: Text a spreadsheet would run as a formula (OWASP CSV injection): written with a leading ``'``.
_LIVE = r"^[=+\-@\t\r]"


def _neutralise_text(rows: nw.LazyFrame[Any], columns: Sequence[str]) -> nw.LazyFrame[Any]:
    """Text columns of a CSV detail: formula-like cells prefixed with ``'`` (numbers untouched)."""
    schema = rows.collect_schema()
    text = [c for c in columns if schema[c] == nw.String()]
    return rows.with_columns(
        nw.when(nw.col(c).str.contains(_LIVE))
        .then(nw.concat_str([nw.lit("'"), nw.col(c)]))
        .otherwise(nw.col(c))
        .alias(c)
        for c in text
    )


def _coverage(groups: pl.DataFrame) -> pl.DataFrame:
    """Billed cost per currency and its split by fate (exact decimals)."""
    return (
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
        .sort("currency", nulls_last=True)
    )


def _assumptions(impl: Method, factors: FactorSet, config: Config, ratios: FallbackRatios) -> dict[str, Any]:
    """What the method declares it used, and the fallback ratios this run computed."""
    out = {"method": impl.NAME, **impl.assumptions(factors, config)}
    out["fallback_kwh_per_basis"] = dict(ratios.ratios)
    if _bounded(ratios):
        # per key: the ratio used, its basis (observed / clamped / reference / unbounded / none), the
        # observed ratio and the reference band it was bounded by
        out["fallback_ratios"] = _bounded(ratios)
    return out


def _config_dict(config: Config) -> dict[str, Any]:
    """The configuration as plain data. Keys a release added are left out while unset, so a month
    recorded before them re-estimates with the same configuration hash (no spurious restatement)."""
    out = asdict(config)
    if not out.get("sharing"):
        out.pop("sharing", None)
    if out.get("grid_boundary") == "operational":  # the default ([grid] boundary came with set 2026.12.1)
        out.pop("grid_boundary", None)
    return out


def _inputs(resolved: list[tuple[Source, Connector]], month: str) -> tuple[InputFile, ...]:
    """Every file the sources name: the connector's own choice when it declares one (CUR manifests pick
    the current delivery), else the file itself or every file under the folder."""
    seen: dict[Path, InputFile] = {}
    for src, conn in resolved:
        for f in _files_of(src, conn, month):
            if f not in seen:
                seen[f] = InputFile.of(f)
    return tuple(seen.values())


def _files_of(src: Source, conn: Connector, month: str) -> list[Path]:
    """The files of one source (see :func:`_inputs`)."""
    pick = getattr(conn, "resolve_files", None)
    if pick is not None:
        return list(pick(src.path, month))
    if src.path.is_file():
        return [src.path]
    return sorted(p for p in src.path.rglob("*") if p.is_file())


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
        "stages": groups.group_by("stage").agg(*figs, *summed(groups)).sort("stage"),
        "accelerators": groups.filter(pl.col("accelerator_hours") > 0).select(*figs).with_columns(*per_acc),
    }
    runs = groups.filter(pl.col("run").is_not_null())
    out["runs"] = (
        runs.group_by("run")
        .agg(
            *figs,
            *summed(groups),
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


def _ai(
    groups: pl.DataFrame, token_rows: pl.DataFrame, factors: FactorSet, config: Config, month: str
) -> dict[str, pl.DataFrame]:
    """The AI lens: :func:`ai_metrics` and the token lens with the SCI for AI (:mod:`cloudcarbon.tokens`)."""
    out = ai_metrics(groups, config, month)
    requests = read_requests(config.ai.requests, month) if config.ai.requests else None
    out.update(token_metrics(token_rows, groups, factors, config, month, requests))
    return out


def _refuse_fallbacks(flags: pl.DataFrame) -> None:
    """Strict mode: an unknown region, instance type or accelerator is an error, not a flagged fallback.

    A substituted grid year is allowed (the latest published year is the best available figure).
    """
    mostly = flags.filter(pl.col("flag") == "mostly_fallback")
    if mostly.height:
        items = "; ".join(f"{r['currency']}: {r['subject']}" for r in mostly.iter_rows(named=True))
        raise FactorNotFound(
            f"strict mode: most of the cost rests on the cost-ratio fallback ({items}); the figures would "
            "depend more on the reference ratio than on the model; add the missing factors or turn off "
            "[estimate] strict"
        )
    hard = flags.filter(~pl.col("flag").is_in(["grid_year_substituted", "grid_boundary_substituted"]))
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
