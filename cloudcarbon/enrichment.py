"""``cloudcarbon enrich``: the billing rows of a month written back out with carbon columns appended.

    sources -> estimate (per-row path, same engine, same memory limit) -> detail sink
            -> carbon columns per row -> ordered, streamed to a temporary file -> renamed to ``out``

Every billing row of the month comes out once, in input order (the sources in the order given, the files
of a folder sorted, the rows of a file in file order), with the figures the estimate adds up: the per-row
CO2e of the output sums to ``estimate()``'s total for the same month, sources and factor set.

Columns
    * All sources FOCUS: each input file's own columns exactly as read (CSV cells as text, Parquet with its
      types; files with different columns are united by name, in order of first appearance).
    * Any other source (AWS CUR, GCP, Azure, inventory, or FOCUS mixed with them): the canonical usage
      table under FOCUS 1.2 column names where FOCUS has the column (:data:`FOCUS_NAMES`) and ``x_``
      names for cloudcarbon's own.
    * Then the carbon columns (:data:`CARBON_COLUMNS`), named after the FOCUS sustainability proposal, with
      their unit in the Parquet field metadata.

``x_PowerConsumption`` is the row's IT energy (kWh, before PUE), as in the proposal: the facility energy
is ``x_PowerConsumption x x_PUE`` and ``x_CarbonEmissionEquivalentLocationBased = x_PowerConsumption x
x_PUE x x_GridEmissionFactor / 1000``. ``x_CarbonEmissionEquivalentMarketBased`` is the market-based
figure where a factor exists (the user's residual mix and instruments, docs/method.md section 3.5) and
null otherwise, never a copy of the location-based figure, with ``x_CloudCarbonMarketBasedReason`` saying
which factor was used or why there is none; ``x_WUE`` is the on-site water usage effectiveness (L per IT
kWh) and ``x_WaterConsumption`` the water in litres (on-site plus electricity generation, section 3.6),
null where the factor set has no factor (factor sets before 2026.12.1 have none). Excluded rows (taxes,
credits, purchases...) come out with null figures, ``x_CloudCarbonDataQuality = Excluded`` and their reason.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import duckdb
import narwhals as nw
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cloudcarbon._version import __version__
from cloudcarbon.config import Config
from cloudcarbon.connectors import Source, parse_source
from cloudcarbon.connectors._io import data_files, open_relation, sql_ident, sql_str
from cloudcarbon.connectors._sql import query_on
from cloudcarbon.connectors.base import Connector
from cloudcarbon.engine import Engine
from cloudcarbon.exceptions import CloudCarbonError, SourceError
from cloudcarbon.factors import FactorSet, load_factor_set
from cloudcarbon.methods import get_method
from cloudcarbon.pipeline import estimate
from cloudcarbon.results import EstimateResult
from cloudcarbon.schema import CANONICAL_USAGE

__all__ = [
    "CARBON_COLUMNS",
    "DATA_QUALITY",
    "ENRICH_FORMATS",
    "FOCUS_NAMES",
    "EnrichResult",
    "OutputError",
    "enrich",
]

#: Files ``enrich`` writes, by suffix.
ENRICH_FORMATS = (".parquet", ".csv")

#: ``x_CloudCarbonDataQuality`` values. ``Calibrated``: the row's CO2e is scaled to its provider's own
#: reported figure (``calibrate="provider"``, :func:`cloudcarbon.reconcile.calibrate`).
DATA_QUALITY = ("Estimated", "Calibrated", "Fallback", "Excluded")


@dataclass(frozen=True)
class CarbonColumn:
    """One appended column: name, Arrow type, unit and meaning (written to the Parquet field metadata)."""

    name: str
    dtype: pa.DataType
    unit: str
    description: str


def _carbon(*cols: CarbonColumn) -> Mapping[str, CarbonColumn]:
    return {c.name: c for c in cols}


#: The columns appended to every row, in output order.
CARBON_COLUMNS: Mapping[str, CarbonColumn] = _carbon(
    CarbonColumn(
        "x_PowerConsumption",
        pa.float64(),
        "kWh",
        "IT energy of the row (before PUE); facility energy = x_PowerConsumption x x_PUE",
    ),
    CarbonColumn(
        "x_CarbonEmissionEquivalentLocationBased",
        pa.float64(),
        "kgCO2e",
        "operational emissions, location-based (facility energy x grid factor)",
    ),
    CarbonColumn(
        "x_CarbonEmissionEquivalentLocationBasedLow",
        pa.float64(),
        "kgCO2e",
        "low bound of x_CarbonEmissionEquivalentLocationBased",
    ),
    CarbonColumn(
        "x_CarbonEmissionEquivalentLocationBasedHigh",
        pa.float64(),
        "kgCO2e",
        "high bound of x_CarbonEmissionEquivalentLocationBased",
    ),
    CarbonColumn(
        "x_CarbonEmissionEquivalentMarketBased",
        pa.float64(),
        "kgCO2e",
        "market-based emissions; null where no market-based factor exists (never a copy of the "
        "location-based): see x_CloudCarbonMarketBasedReason",
    ),
    CarbonColumn("x_GridEmissionFactor", pa.float64(), "gCO2e/kWh", "grid carbon intensity used"),
    CarbonColumn("x_PUE", pa.float64(), "ratio", "power usage effectiveness used"),
    CarbonColumn(
        "x_WUE",
        pa.float64(),
        "L/kWh",
        "on-site water usage effectiveness (per IT kWh); null where none is published",
    ),
    CarbonColumn("x_EmbodiedEmissions", pa.float64(), "kgCO2e", "embodied emissions of the hardware used"),
    CarbonColumn(
        "x_CloudCarbonDataQuality",
        pa.string(),
        "",
        "Estimated, Calibrated (CO2e scaled to the provider's own figure), Fallback or Excluded",
    ),
    CarbonColumn(
        "x_CloudCarbonDataQualityReason",
        pa.string(),
        "",
        "why the row fell back or was excluded, or how its grid factor was substituted; null when exact",
    ),
    CarbonColumn("x_CloudCarbonSourceFile", pa.string(), "", "file the row was read from"),
    CarbonColumn("x_CloudCarbonSourceRow", pa.int64(), "", "row of the file (1-based data row)"),
    CarbonColumn(
        "x_WaterConsumption",
        pa.float64(),
        "L",
        "water: IT kWh x WUE (on site) + facility kWh x electricity water factor; null unless both known",
    ),
    CarbonColumn(
        "x_CloudCarbonMarketBasedReason",
        pa.string(),
        "",
        "the market-based factor used (residual mix, instruments) or why there is none",
    ),
)

#: Canonical usage column -> output column for non-FOCUS inputs (FOCUS 1.2 names where FOCUS has one).
FOCUS_NAMES: Mapping[str, str] = {
    "BillingAccountId": "BillingAccountId",
    "SubAccountId": "SubAccountId",
    "ProviderName": "ProviderName",
    "BillingCurrency": "BillingCurrency",
    "billing_month": "BillingPeriodStart",
    "ChargePeriodStart": "ChargePeriodStart",
    "ChargePeriodEnd": "ChargePeriodEnd",
    "ServiceName": "ServiceName",
    "RegionId": "RegionId",
    "ConsumedQuantity": "ConsumedQuantity",
    "ConsumedUnit": "ConsumedUnit",
    "BilledCost": "BilledCost",
    "EffectiveCost": "EffectiveCost",
    "Tags": "Tags",
    "usage_type": "x_UsageType",
    "operation": "x_Operation",
    "product_family": "x_ProductFamily",
    "instance_type": "x_InstanceType",
    "line_item_type": "x_LineItemType",
    "charge_class": "x_ChargeClass",
}

_QUALITY_SQL = (
    "CASE fate WHEN 'estimated' THEN 'Estimated' WHEN 'fallback' THEN 'Fallback' ELSE 'Excluded' END"
)
#: the row's reason; an estimated row whose grid factor was substituted says how
_REASON_SQL = (
    "coalesce(reason, CASE WHEN grid_status IN "
    "('provider_average', 'year_substituted', 'boundary_substituted') "
    "THEN 'grid_' || grid_status END)"
)


def _figure(expr: str) -> str:
    return f"CASE WHEN fate = 'excluded' THEN NULL ELSE CAST({expr} AS DOUBLE) END"


#: carbon column -> SQL over the per-row estimate
_CARBON_SQL: Mapping[str, str] = {
    "x_PowerConsumption": _figure("CASE WHEN pue > 0 THEN energy_kwh / pue END"),
    "x_CarbonEmissionEquivalentLocationBased": _figure("co2e_kg"),
    "x_CarbonEmissionEquivalentLocationBasedLow": _figure("co2e_kg_low"),
    "x_CarbonEmissionEquivalentLocationBasedHigh": _figure("co2e_kg_high"),
    "x_CarbonEmissionEquivalentMarketBased": _figure("market_co2e_kg"),
    "x_GridEmissionFactor": _figure("g_co2e_per_kwh"),
    "x_PUE": _figure("pue"),
    "x_WUE": _figure("wue_l_per_kwh"),
    "x_EmbodiedEmissions": _figure("embodied_co2e_kg"),
    "x_CloudCarbonDataQuality": _QUALITY_SQL,
    "x_CloudCarbonDataQualityReason": _REASON_SQL,
    "x_CloudCarbonSourceFile": "source_file",
    "x_CloudCarbonSourceRow": "CAST(source_row AS BIGINT)",
    "x_WaterConsumption": _figure("water_l"),
    "x_CloudCarbonMarketBasedReason": "CASE WHEN fate = 'excluded' THEN NULL ELSE market_reason END",
}
assert list(_CARBON_SQL) == list(CARBON_COLUMNS)

#: carbon column -> the estimate figure it is (the columns calibration may scale)
_FIGURE_OF: Mapping[str, str] = {
    "x_CarbonEmissionEquivalentLocationBased": "co2e_kg",
    "x_CarbonEmissionEquivalentLocationBasedLow": "co2e_kg_low",
    "x_CarbonEmissionEquivalentLocationBasedHigh": "co2e_kg_high",
    "x_CarbonEmissionEquivalentMarketBased": "market_co2e_kg",
    "x_PowerConsumption": "energy_kwh",
    "x_EmbodiedEmissions": "embodied_co2e_kg",
    "x_WaterConsumption": "water_l",
}
#: the per-row calibration factor's column while the rows are written (null: not calibrated)
_FACTOR = "__cloudcarbon_calibration_factor"


def _calibrated_sql() -> Mapping[str, str]:
    """:data:`_CARBON_SQL` with the figures :func:`~cloudcarbon.reconcile.calibrate` scales multiplied by
    the row's key factor, and ``Calibrated`` quality on the rows of a calibrated key (not excluded rows)."""
    from cloudcarbon.reconcile import SCALED

    out = dict(_CARBON_SQL)
    for col, fig in _FIGURE_OF.items():
        if fig in SCALED:
            out[col] = _figure(f"{fig} * coalesce({_FACTOR}, 1.0)")
    out["x_CloudCarbonDataQuality"] = (
        f"CASE WHEN fate <> 'excluded' AND {_FACTOR} IS NOT NULL THEN 'Calibrated' ELSE {_QUALITY_SQL} END"
    )
    return out


_BATCH_ROWS = 16_384
_names = count()


class OutputError(CloudCarbonError):
    """The output file cannot be written where asked (exit code 2; nothing is written)."""

    exit_code = 2

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True)
class EnrichResult:
    """What :func:`enrich` wrote.

    Attributes
    ----------
    path
        The file written.
    rows
        Rows written: every billing row of the month.
    columns
        ``"focus"`` (the FOCUS inputs' own columns) or ``"converted"`` (canonical columns, FOCUS names).
    metadata
        The file-level metadata (also in the Parquet footer).
    estimate
        The month's estimate the rows add up to.
    """

    path: Path
    rows: int
    columns: str
    metadata: Mapping[str, str]
    estimate: EstimateResult


def _check_out(out: Path) -> None:
    """Refuse, before any work, an output that cannot be written: nothing is created."""
    if out.suffix.lower() not in ENRICH_FORMATS:
        what = f"{out.suffix!r} files" if out.suffix else "files without a suffix"
        raise OutputError(out, f"enrich writes .parquet or .csv files, not {what}; name the file .parquet")
    parent = out.parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(out, f"{str(parent)!r} is not a folder; choose another --out")
    if not parent.is_dir():
        raise OutputError(
            out, f"the folder {str(parent)!r} does not exist; create it or choose another --out"
        )
    if out.is_dir():
        raise OutputError(out, "is a folder; give a file name such as enriched.parquet")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(out, f"the folder {str(parent)!r} is not writable; choose another --out")


def enrich(
    sources: Sequence[str | Path | Source],
    month: str,
    out: str | Path,
    *,
    config: Config | None = None,
    factor_set: FactorSet | str | None = None,
    method: str = "cloudcarbon",
    calibrate: str | None = None,
    provider_footprint: Sequence[str | Path] = (),
) -> EnrichResult:
    """Write every billing row of ``month`` to ``out`` with carbon columns appended.

    Parameters
    ----------
    sources
        Files or report folders, as for :func:`~cloudcarbon.pipeline.estimate`.
    month
        ``YYYY-MM``; rows of other billing months in the inputs are not written.
    out
        A ``.parquet`` file (units in the field metadata; version, method, factor set and month in the
        file metadata) or a ``.csv`` file (text that a spreadsheet would run as a formula is written with
        a leading ``'``; no metadata). Written to a temporary file next to it and renamed when complete.
    config, factor_set, method
        As for :func:`~cloudcarbon.pipeline.estimate`.
    calibrate, provider_footprint
        As for :func:`~cloudcarbon.pipeline.estimate`: with ``calibrate="provider"``, the month is first
        estimated and reconciled with the footprint files to get each provider x account x region x
        service key's factor (:func:`cloudcarbon.reconcile.calibration_factors`); then every row of a
        matched key has its location-based CO2e (central, low, high) and embodied CO2e multiplied by its
        key's factor and ``x_CloudCarbonDataQuality = Calibrated`` (energy, market-based CO2e and water
        are not scaled, as in :func:`cloudcarbon.reconcile.calibrate`). Rows of other keys keep their
        figures and quality. The calibration is recorded in the file metadata
        (``cloudcarbon.calibration``); ``estimate`` is then the calibrated estimate.

    Returns
    -------
    EnrichResult

    Raises
    ------
    OutputError
        ``out`` has another suffix, or its folder is missing or not writable (nothing is written).
    SourceError, MonthNotFound, FactorSetError
        As :func:`~cloudcarbon.pipeline.estimate`.
    """
    path = Path(out)
    _check_out(path)
    factors = factor_set if isinstance(factor_set, FactorSet) else load_factor_set(factor_set)
    srcs = [parse_source(s) for s in sources]
    meta = {
        "cloudcarbon.version": __version__,
        "cloudcarbon.method": get_method(method).NAME,
        "cloudcarbon.factor_set.version": factors.version,
        "cloudcarbon.factor_set.sha256": factors.sha256,
        "cloudcarbon.factor_set.user_made": "true" if factors.user_made else "false",
        "cloudcarbon.month": month,
        "cloudcarbon.power_consumption": "x_PowerConsumption is IT energy in kWh, before PUE",
        "cloudcarbon.market_based": (
            "x_CarbonEmissionEquivalentMarketBased: from [market] residual_mix and instruments; null where "
            "no market-based factor exists (x_CloudCarbonMarketBasedReason says why)"
            if factors.has_table("grid_market")
            else "null: the factor set has no market-based emission factors"
        ),
        "cloudcarbon.wue": (
            "x_WUE: on-site L per IT kWh (water_wue.csv); x_WaterConsumption adds the electricity's water; "
            "null where the factor set has no factor"
            if factors.has_table("water_wue")
            else "null: the factor set has no water-usage effectiveness factors"
        ),
        "cloudcarbon.data_quality": ", ".join(DATA_QUALITY)
        + " (Calibrated only with calibrate='provider': CO2e scaled to the provider's own figure)",
        "cloudcarbon.calibration": "none: figures are cloudcarbon's own estimate",
    }
    ratios: pl.DataFrame | None = None
    before: EstimateResult | None = None
    if calibrate is not None or provider_footprint:
        # the per-key factors are known only once the whole month is estimated: a first pass reconciles
        # (and, with calibrate, calibrates) the month; the rows are then streamed with their key's factor
        before = estimate(
            srcs, month, config=config, factor_set=factors, method=method,
            calibrate=calibrate, provider_footprint=provider_footprint,
        )  # fmt: skip
        assert before.reconciliation is not None
        if calibrate is not None:
            from cloudcarbon.reconcile import calibration_factors

            ratios = calibration_factors(before.reconciliation)
            meta["cloudcarbon.calibration"] = json.dumps(before.assumptions["calibration"])
        else:
            meta["cloudcarbon.calibration"] = "none: provider figures read for comparison only"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    written: dict[str, Any] = {}

    def sink(rows: nw.LazyFrame[Any], engine: Engine, resolved: Sequence[tuple[Source, Connector]]) -> None:
        focus = all(conn.NAME == "focus" for _, conn in resolved)
        meta["cloudcarbon.columns"] = "focus" if focus else "converted"
        meta["cloudcarbon.sources"] = json.dumps([str(s) for s, _ in resolved])
        with _writer_share(engine.con):
            schema, batches = _output(rows.to_native(), engine, resolved, focus=focus, ratios=ratios)
            try:
                written["rows"] = _write(schema, batches, tmp, meta, csv=path.suffix.lower() == ".csv")
            except OSError as exc:
                raise _unwritable(path, exc) from exc
        written["columns"] = meta["cloudcarbon.columns"]

    try:
        result = estimate(srcs, month, config=config, factor_set=factors, method=method, detail_sink=sink)
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise _unwritable(path, exc) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return EnrichResult(
        path=path,
        rows=written["rows"],
        columns=written["columns"],
        metadata=dict(meta),
        estimate=result if before is None else before,
    )


#: Share of the engine's memory limit the engine keeps while the rows are written: the record batches
#: and the Parquet writer's buffers live outside the engine, and the process stays within the same bound
#: as the estimate (measured in BENCHMARKS.md).
_ENGINE_SHARE_WHILE_WRITING = 2 / 3
_SIZE = re.compile(r"([0-9.]+)\s*([KMGT]?i?B)", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNITS.update({"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40})


@contextmanager
def _writer_share(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The engine's memory limit lowered while the rows are written, restored afterwards."""
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    current = str(row[0]) if row else ""
    size = _SIZE.fullmatch(current.strip())
    if size is None:  # no limit, or a form not known: leave it
        yield
        return
    limit = float(size.group(1)) * _UNITS[size.group(2).lower()]
    con.execute(f"SET memory_limit = '{int(limit * _ENGINE_SHARE_WHILE_WRITING) >> 20}MiB'")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = {sql_str(current)}")


def _unwritable(path: Path, exc: OSError) -> OutputError:
    return OutputError(path, f"cannot be written ({exc.strerror or exc}); choose another --out")


def _output(
    rows: duckdb.DuckDBPyRelation,
    engine: Engine,
    resolved: Sequence[tuple[Source, Connector]],
    *,
    focus: bool,
    ratios: pl.DataFrame | None = None,
) -> tuple[pa.Schema, Generator[pa.RecordBatch, None, None]]:
    """The output's schema and its rows, in input order, as a stream of record batches (with
    ``ratios``, :func:`~cloudcarbon.reconcile.calibration_factors`, the figures calibrated)."""
    con = engine.con
    sql = _CARBON_SQL
    if ratios is not None:
        rows = _with_factors(rows, con, ratios)
        sql = _calibrated_sql()
    carbon = ", ".join(f"{e} AS {sql_ident(n)}" for n, e in sql.items())
    table = f"__cloudcarbon_enrich_{next(_names)}"
    if focus:
        # only the carbon columns, sorted by file and row (narrow rows): the input's own columns are
        # streamed from the file itself and matched to these in one ordered pass
        query_on(
            rows, "enrich", lambda r: f"SELECT {carbon} FROM {r} ORDER BY source_file, source_row"
        ).to_table(table)
        return _focus_batches(con, table, resolved, engine.workdir)
    have = set(rows.columns)
    converted = []
    for canon, name in FOCUS_NAMES.items():
        if canon not in have:
            continue
        expr = sql_ident(canon)
        if canon == "billing_month":  # YYYY-MM -> the first instant of the billing period
            expr = f"strptime({expr} || '-01', '%Y-%m-%d')"
        converted.append(f"{expr} AS {sql_ident(name)}")
    ties = [c for c in ("line_item_type", "charge_class", "usage_type") if c in have]
    picked = ", ".join([*converted, carbon, *(sql_ident(c) for c in ties)])
    query_on(rows, "enrich", lambda r: f"SELECT {picked} FROM {r}").to_table(table)
    files = [str(f) for (f,) in con.sql(f"SELECT DISTINCT x_CloudCarbonSourceFile FROM {table}").fetchall()]
    rank = " ".join(f"WHEN {sql_str(f)} THEN {i}" for i, f in enumerate(_file_order(files, resolved)))
    out_cols = [*(FOCUS_NAMES[c] for c in FOCUS_NAMES if c in have), *_CARBON_SQL]
    # a GCP line with credits is several billing rows of one source row: kept together, in a fixed order
    order = [f"CASE x_CloudCarbonSourceFile {rank} END", "x_CloudCarbonSourceRow", *map(sql_ident, ties)]
    rel = con.sql(
        f"SELECT {', '.join(map(sql_ident, out_cols))} FROM {table} ORDER BY {', '.join(order)}, BilledCost"
    )
    reader = _reader(rel)

    def batches() -> Generator[pa.RecordBatch, None, None]:
        yield from reader

    return reader.schema, batches()


_ROW_KEY = ("ProviderName", "SubAccountId", "RegionId", "ServiceName")


def _with_factors(
    rows: duckdb.DuckDBPyRelation, con: duckdb.DuckDBPyConnection, ratios: pl.DataFrame
) -> duckdb.DuckDBPyRelation:
    """``rows`` with the calibration factor of each row's key (:data:`_FACTOR`, null if none), keys
    matched as :func:`~cloudcarbon.reconcile.calibrate` matches them (``factors_by_row_key``)."""
    from cloudcarbon.reconcile import factors_by_row_key

    cols = ", ".join(map(sql_ident, _ROW_KEY))
    keys = pl.from_arrow(
        _reader(query_on(rows, "enrich", lambda r: f"SELECT DISTINCT {cols} FROM {r}")).read_all()
    )
    assert isinstance(keys, pl.DataFrame)
    keys = keys.with_columns(pl.col(c).cast(pl.String) for c in _ROW_KEY)
    table = f"__cloudcarbon_enrich_factors_{next(_names)}"
    con.register(table, factors_by_row_key(keys, ratios).rename({"factor": _FACTOR}).to_arrow())
    on = " AND ".join(f"r.{sql_ident(c)} IS NOT DISTINCT FROM f.{sql_ident(c)}" for c in _ROW_KEY)
    return query_on(
        rows, "enrich", lambda r: f"SELECT r.*, f.{_FACTOR} FROM {r} AS r LEFT JOIN {table} AS f ON {on}"
    )


def _reader(rel: duckdb.DuckDBPyRelation) -> pa.RecordBatchReader:
    # duckdb 2 names it to_arrow_reader (older releases: fetch_arrow_reader, deprecated since)
    to_reader = getattr(rel, "to_arrow_reader", None) or rel.fetch_arrow_reader
    reader: pa.RecordBatchReader = to_reader(_BATCH_ROWS)
    return reader


def _file_order(files: Sequence[str], resolved: Sequence[tuple[Source, Connector]]) -> list[str]:
    """``files`` in input order: by the source that names them, then by path (as folders are read)."""

    def key(f: str) -> tuple[int, Path]:
        p = Path(f)
        for i, (src, _) in enumerate(resolved):
            if p == src.path or src.path in p.parents:
                return i, p
        return len(resolved), p

    return sorted(files, key=key)


def _focus_files(
    con: duckdb.DuckDBPyConnection, resolved: Sequence[tuple[Source, Connector]], workdir: Path
) -> list[tuple[Path, duckdb.DuckDBPyRelation]]:
    """Every FOCUS file once, in input order, as read (with its ``__row``)."""
    out: list[tuple[Path, duckdb.DuckDBPyRelation]] = []
    seen: set[str] = set()
    for src, _ in resolved:
        for f in data_files(src.path):
            if str(f) in seen:
                continue
            seen.add(str(f))
            raw = open_relation(con, f, workdir)
            clash = [c for c in raw.columns if c in CARBON_COLUMNS]
            if clash:
                raise SourceError(
                    f,
                    f"already has column {clash[0]!r}: it looks enriched already; enrich the original export",
                )
            out.append((f, raw))
    return out


def _focus_batches(
    con: duckdb.DuckDBPyConnection, table: str, resolved: Sequence[tuple[Source, Connector]], workdir: Path
) -> tuple[pa.Schema, Generator[pa.RecordBatch, None, None]]:
    """Each FOCUS file's own rows, as read, with their carbon columns: a merge on the row number.

    Both sides are read in row order (the file in file order, the carbon rows sorted), so neither is
    sorted in full nor held in memory; a file row with no carbon row (another billing month) is skipped.
    Files with different columns are united by name, in order of first appearance.
    """
    files = _focus_files(con, resolved, workdir)
    views = []
    for _, raw in files:
        view = f"__cloudcarbon_enrich_in_{next(_names)}"
        raw.create_view(view, replace=True)
        views.append(f"(SELECT * EXCLUDE (__row) FROM {view} LIMIT 0)")
    united = _reader(con.sql(" UNION ALL BY NAME ".join(views))).schema
    carbon_schema = _reader(con.sql(f"SELECT * FROM {table} LIMIT 0")).schema
    schema = pa.schema([*united, *carbon_schema])

    def batches() -> Generator[pa.RecordBatch, None, None]:
        side = con.cursor()  # the carbon rows stream on their own connection, beside the file's
        con.execute("SET preserve_insertion_order = true")  # a file is read in file order
        try:
            for f, raw in files:
                carbon = _reader(
                    side.sql(
                        f"SELECT * FROM {table} WHERE x_CloudCarbonSourceFile = {sql_str(str(f))} "
                        "ORDER BY x_CloudCarbonSourceRow"
                    )
                )
                yield from _merge(f, _reader(raw), carbon, united, schema)
        finally:
            side.close()
            con.execute("SET preserve_insertion_order = false")

    return schema, batches()


def _merge(
    path: Path,
    raw: pa.RecordBatchReader,
    carbon: pa.RecordBatchReader,
    united: pa.Schema,
    schema: pa.Schema,
) -> Iterator[pa.RecordBatch]:
    """File rows (ascending ``__row``) joined to carbon rows (ascending, a subset of them)."""
    incoming = iter(carbon)
    pending = pa.Table.from_batches([], carbon.schema)
    exhausted = False
    last = 0
    for batch in raw:
        if batch.num_rows == 0:
            continue
        rows = batch.column("__row")
        if not _ascending(rows, last):
            raise CloudCarbonError(f"{path}: the rows were not read in file order; please report this")
        last = rows[-1].as_py()
        # carbon rows up to this batch's last row number (and one batch beyond, or none left)
        while not exhausted and (
            pending.num_rows == 0 or pending["x_CloudCarbonSourceRow"][-1].as_py() <= last
        ):
            nxt = next(incoming, None)
            if nxt is None:
                exhausted = True
            else:
                pending = pa.concat_tables([pending, pa.Table.from_batches([nxt])])
        k = pc.sum(pc.less_equal(pending["x_CloudCarbonSourceRow"], last)).as_py() or 0
        part, pending = pending.slice(0, k).combine_chunks(), pending.slice(k)
        numbers = part["x_CloudCarbonSourceRow"].combine_chunks()
        kept = batch.filter(pc.is_in(rows, value_set=numbers))
        if not kept.column("__row").equals(numbers):
            raise CloudCarbonError(f"{path}: a billing row has no match in the file; please report this")
        n = kept.num_rows
        own = [
            kept.column(f.name).cast(f.type) if f.name in kept.schema.names else pa.nulls(n, f.type)
            for f in united
        ]
        figures = [part[f.name].combine_chunks() for f in carbon.schema]
        yield pa.RecordBatch.from_arrays([*own, *figures], schema=schema)
    if pending.num_rows or next(incoming, None) is not None:
        raise CloudCarbonError(f"{path}: a billing row has no match in the file; please report this")


def _ascending(rows: pa.Array, after: int) -> bool:
    """``rows`` strictly ascending, all above ``after``."""
    if rows[0].as_py() <= after:
        return False
    n = len(rows)
    return n == 1 or bool(pc.all(pc.greater(rows.slice(1), rows.slice(0, n - 1))).as_py())


#: Text a spreadsheet would run as a formula (OWASP CSV injection), unless it is a plain number.
_LIVE = r"^[=+\-@\t\r]"
_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def _neutralise(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Text cells of a CSV that a spreadsheet would evaluate, written with a leading ``'``.

    A number stored as text (a FOCUS CSV's ``-1.25``) is a value, not a formula, and stays as it is.
    """
    cols = []
    for col in batch.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            live = pc.and_(
                pc.match_substring_regex(col, _LIVE), pc.invert(pc.match_substring_regex(col, _NUMBER))
            )
            col = pc.if_else(live, pc.binary_join_element_wise("'", col, ""), col)
        cols.append(col)
    return pa.RecordBatch.from_arrays(cols, schema=batch.schema)


def _schema(schema: pa.Schema, meta: Mapping[str, str]) -> pa.Schema:
    """``schema`` with units on the carbon columns and the canonical ones, and the file's metadata."""
    descriptions = {FOCUS_NAMES[c.name]: c for c in CANONICAL_USAGE.values() if c.name in FOCUS_NAMES}
    fields = []
    for field in schema:
        carbon = CARBON_COLUMNS.get(field.name)
        if carbon is not None:
            md = {"unit": carbon.unit, "description": carbon.description}
        elif meta.get("cloudcarbon.columns") == "converted" and field.name in descriptions:
            canon = descriptions[field.name]
            md = {"unit": canon.unit, "description": canon.description}
        else:
            md = {}
        fields.append(field.with_metadata({k: v for k, v in md.items() if v}) if md else field)
    return pa.schema(fields, metadata=dict(meta))


def _write(
    schema: pa.Schema,
    batches: Generator[pa.RecordBatch, None, None],
    tmp: Path,
    meta: Mapping[str, str],
    *,
    csv: bool,
) -> int:
    """Stream ``batches`` to ``tmp`` (nothing is collected); the rows written."""
    n = 0
    if csv:
        import pyarrow.csv as pa_csv  # only for CSV output

        writer: Any = pa_csv.CSVWriter(str(tmp), schema)
    else:
        writer = pq.ParquetWriter(str(tmp), _schema(schema, meta), compression="zstd")
    # closed here even when the writer fails: the stream's clean-up needs the engine, still open now
    with writer, closing(batches):
        for batch in batches:
            writer.write_batch(_neutralise(batch) if csv else batch)
            n += batch.num_rows
    return n
