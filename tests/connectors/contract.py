"""The connector contract as a reusable test class.

A connector test module subclasses :class:`ConnectorContract` once per export flavour and supplies:

``connector``
    Class attribute: the connector module under test (``NAME``, ``sniff``, ``scan``, ``diagnose``).
``source`` (fixture)
    Path to an export the test wrote into ``tmp_path``. Every row must belong to :attr:`month`.
``expected_rows`` (fixture)
    One dict per data row, in file order (row 1 first). Each dict maps canonical column names to the
    value the connector must produce for that row, written by hand; ``BilledCost`` is required and
    must be a :class:`~decimal.Decimal` (the independent cost total is their sum).

The contract then checks: canonical columns and dtype families, laziness, non-negative quantities,
cost in = cost out (scan and the full estimate), unknown extra columns ignored, row count preserved,
and ``source_file`` / ``source_row`` lineage. The class has no ``Test`` prefix so pytest only collects
its subclasses.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import shutil
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import narwhals as nw
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cloudcarbon import estimate
from cloudcarbon.connectors import connector_for
from cloudcarbon.connectors._io import read_header
from cloudcarbon.connectors.base import ScanContext, Source
from cloudcarbon.engine import open_engine
from cloudcarbon.factors import FactorSet
from cloudcarbon.pipeline import coverage_row
from cloudcarbon.schema import CANONICAL_USAGE, tag_column, validate_usage

__all__ = ["ConnectorContract", "add_extra_columns", "dtype_family"]

#: Extra columns every source gets in the "unknown columns are ignored" test, with their values.
EXTRA_COLUMNS = {"foo/Bar": "junk, with a comma", "zzz": "-42"}


def dtype_family(dtype: Any) -> str:
    """string / float / int / datetime / decimal / other, for a narwhals or polars dtype."""
    if isinstance(dtype, pl.DataType):
        dtype = nw.from_native(pl.DataFrame(schema={"x": dtype})).schema["x"]
    if dtype == nw.String:
        return "string"
    if isinstance(dtype, nw.Decimal) or dtype == nw.Decimal:
        return "decimal"
    if isinstance(dtype, nw.Datetime) or dtype == nw.Datetime:
        return "datetime"
    if dtype.is_float():
        return "float"
    if dtype.is_integer():
        return "int"
    return f"other:{dtype}"


DECLARED_FAMILY = {name: dtype_family(col.dtype) for name, col in CANONICAL_USAGE.items()}


def _csv_with_extras(text: str) -> str:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, data = rows[0], rows[1:]
    names = list(EXTRA_COLUMNS)
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\n")
    # one unknown column in the middle of the known ones, one at the end
    mid = len(header) // 2
    w.writerow([*header[:mid], names[0], *header[mid:], names[1]])
    for r in data:
        w.writerow([*r[:mid], EXTRA_COLUMNS[names[0]], *r[mid:], EXTRA_COLUMNS[names[1]]])
    return out.getvalue()


def add_extra_columns(src: Path, dest_dir: Path) -> Path:
    """Copy of the export file ``src`` (CSV, CSV.gz, zip of one CSV, Parquet) with EXTRA_COLUMNS added."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / src.name
    name = src.name.lower()
    if name.endswith(".parquet"):
        table = pq.read_table(src)
        n = table.num_rows
        names = list(EXTRA_COLUMNS)
        table = table.add_column(
            table.num_columns // 2, names[0], pa.array([EXTRA_COLUMNS[names[0]]] * n, pa.string())
        )
        table = table.append_column(names[1], pa.array([EXTRA_COLUMNS[names[1]]] * n, pa.string()))
        pq.write_table(table, dest)
    elif name.endswith(".gz"):
        text = gzip.decompress(src.read_bytes()).decode("utf-8")
        dest.write_bytes(gzip.compress(_csv_with_extras(text).encode("utf-8")))
    elif name.endswith(".zip"):
        with zipfile.ZipFile(src) as zf:
            (member,) = zf.namelist()
            text = zf.read(member).decode("utf-8")
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(member, _csv_with_extras(text))
    elif name.endswith(".csv"):
        dest.write_text(_csv_with_extras(src.read_text(encoding="utf-8")), encoding="utf-8")
    else:  # pragma: no cover - a subclass with another layout overrides source_with_extras
        raise NotImplementedError(f"cannot add columns to {src}")
    return dest


class ConnectorContract:
    """Tests every connector must pass; subclass it per export flavour (see the module docstring)."""

    connector: ClassVar[ModuleType]
    #: The billing month every row of ``source`` belongs to.
    month: ClassVar[str] = "2026-10"
    #: False when the connector must decompress the file while scanning (e.g. zip): the laziness
    #: check then cannot tell a full read from the unavoidable extraction.
    reads_at_collect: ClassVar[bool] = True

    # -- fixtures a subclass may override ------------------------------------------------------

    @pytest.fixture
    def ctx(self, tmp_path: Path) -> Iterator[ScanContext]:
        with open_engine() as engine:
            yield ScanContext(con=engine.con, workdir=engine.workdir, month=self.month)

    @pytest.fixture
    def expected_total(self, expected_rows: list[dict[str, Any]]) -> Decimal:
        costs = [r["BilledCost"] for r in expected_rows]
        assert all(isinstance(c, Decimal) for c in costs), "expected BilledCost must be Decimal"
        return sum(costs, Decimal(0))

    @pytest.fixture
    def expected_source_file(self, source: Path) -> str:
        return str(source)

    @pytest.fixture
    def source_with_extras(self, source: Path, tmp_path: Path) -> Path:
        return add_extra_columns(source, tmp_path / "with-extras")

    # -- helpers -------------------------------------------------------------------------------

    def scan(self, path: Path, ctx: ScanContext) -> nw.LazyFrame:
        return self.connector.scan(Source(path, self.connector.NAME), ctx)

    def collect(self, path: Path, ctx: ScanContext) -> pl.DataFrame:
        df = self.scan(path, ctx).collect(backend="polars").to_native()
        return df.sort("source_row")

    # -- the contract --------------------------------------------------------------------------

    def test_header_is_recognised(self, source: Path) -> None:
        if source.is_file():
            assert self.connector.sniff(read_header(source)) == []
        src, conn = connector_for(Source(source))
        assert src.provider == self.connector.NAME
        assert conn is self.connector

    def test_scan_is_lazy(self, source: Path, ctx: ScanContext) -> None:
        lf = self.scan(source, ctx)
        assert isinstance(lf, nw.LazyFrame)
        assert not isinstance(lf, nw.DataFrame)
        if not self.reads_at_collect:
            return
        # the data rows are read when collected, not when scanned: remove the input in between
        for p in [source] if source.is_file() else [p for p in source.rglob("*") if p.is_file()]:
            p.unlink()
        with pytest.raises(Exception):  # noqa: B017 - the engine's own I/O error type
            lf.collect(backend="polars")

    def test_canonical_columns_and_dtypes(self, source: Path, ctx: ScanContext) -> None:
        lf = self.scan(source, ctx)
        validate_usage(lf, source=str(source))
        lazy_schema = lf.collect_schema()
        df = lf.collect(backend="polars").to_native()
        for name, family in DECLARED_FAMILY.items():
            assert name in lazy_schema, name
            assert dtype_family(lazy_schema[name]) == family, (name, lazy_schema[name])
            assert dtype_family(df.schema[name]) == family, (name, df.schema[name])
        for name in ("ChargePeriodStart", "ChargePeriodEnd"):
            # declared naive (UTC): a zone-aware input must be converted, not passed through
            assert df.schema[name].time_zone is None, name  # type: ignore[attr-defined]

    def test_tag_columns_present_for_requested_keys(self, source: Path) -> None:
        with open_engine() as engine:
            ctx = ScanContext(
                con=engine.con, workdir=engine.workdir, tag_keys=("contract:absent",), month=self.month
            )
            lf = self.scan(source, ctx)
            validate_usage(lf, source=str(source), tag_keys=ctx.tag_keys)
            df = lf.collect(backend="polars").to_native()
        col = tag_column("contract:absent")
        assert dtype_family(df.schema[col]) == "string"
        assert df[col].null_count() == df.height

    def test_row_count_preserved(
        self, source: Path, ctx: ScanContext, expected_rows: list[dict[str, Any]]
    ) -> None:
        assert self.collect(source, ctx).height == len(expected_rows)

    def test_quantities_non_negative(
        self, source: Path, ctx: ScanContext, expected_rows: list[dict[str, Any]]
    ) -> None:
        df = self.collect(source, ctx)
        assert df["ConsumedQuantity"].null_count() == 0
        for got, want in zip(df.iter_rows(named=True), expected_rows, strict=True):
            want_q = want.get("ConsumedQuantity")
            if want_q is not None and want_q >= 0:
                assert got["ConsumedQuantity"] >= 0, got

    def test_cost_in_equals_cost_out(self, source: Path, ctx: ScanContext, expected_total: Decimal) -> None:
        df = self.collect(source, ctx)
        total = df["BilledCost"].sum()
        assert isinstance(total, Decimal)
        assert total == expected_total

    def test_estimate_accounts_for_every_cost(
        self,
        source: Path,
        factors: FactorSet,
        expected_total: Decimal,
        expected_rows: list[dict[str, Any]],
    ) -> None:
        result = estimate([Source(source, self.connector.NAME)], self.month, factor_set=factors, detail=True)
        cov = coverage_row(result)
        assert cov["billed_cost"] == expected_total
        assert cov["estimated_cost"] + cov["fallback_cost"] + cov["excluded_cost"] == expected_total
        assert cov["rows"] == len(expected_rows)
        assert result.detail is not None
        assert result.detail.height == len(expected_rows)
        assert result.detail["BilledCost"].sum() == expected_total

    def test_unknown_columns_are_ignored(
        self, source: Path, source_with_extras: Path, ctx: ScanContext
    ) -> None:
        plain = self.collect(source, ctx).drop("source_file")
        # a second run over another copy (one run would refuse the two as overlapping exports)
        extra = self.collect(source_with_extras, dataclasses.replace(ctx, claims={})).drop("source_file")
        assert extra.columns == plain.columns
        assert extra.equals(plain), (plain, extra)

    def test_rows_match_expected_and_point_at_source(
        self,
        source: Path,
        ctx: ScanContext,
        expected_rows: list[dict[str, Any]],
        expected_source_file: str,
    ) -> None:
        df = self.collect(source, ctx)
        assert df["source_row"].to_list() == list(range(1, len(expected_rows) + 1))
        assert set(df["source_file"].to_list()) == {expected_source_file}
        for got, want in zip(df.iter_rows(named=True), expected_rows, strict=True):
            for key, value in want.items():
                assert got[key] == value, (got["source_row"], key, got[key], value)

    def test_source_untouched(self, source: Path, ctx: ScanContext, tmp_path: Path) -> None:
        before = tmp_path / "before"
        if source.is_file():
            shutil.copy(source, before)
            self.collect(source, ctx)
            assert source.read_bytes() == before.read_bytes()
