"""Shared file handling for connectors: finding data files, reading headers, opening them in DuckDB."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import narwhals as nw
import pyarrow.parquet as pq

from cloudcarbon.exceptions import SourceError, SourceNotFound, ValueParseError

__all__ = [
    "DATA_SUFFIXES",
    "data_files",
    "find_bad_value",
    "open_relation",
    "read_header",
    "sql_ident",
    "sql_str",
    "union_all",
]

DATA_SUFFIXES = (".csv", ".csv.gz", ".csv.zip", ".zip", ".parquet", ".snappy.parquet", ".gz")


def sql_ident(name: str) -> str:
    """Quote a column name for DuckDB SQL."""
    return '"' + name.replace('"', '""') + '"'


def sql_str(value: str) -> str:
    """Quote a string literal for DuckDB SQL."""
    return "'" + value.replace("'", "''") + "'"


def is_data_file(p: Path) -> bool:
    name = p.name.lower()
    if name.endswith(".json"):
        return False
    return name.endswith((".csv", ".csv.gz", ".zip", ".parquet"))


def data_files(path: Path) -> list[Path]:
    """The data files under ``path`` (itself if it is a file), sorted."""
    if not path.exists():
        raise SourceNotFound(path, "no such file or folder; check the path passed to --source")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and is_data_file(p))
    if not files:
        raise SourceNotFound(
            path, "the folder holds no .csv, .csv.gz, .zip or .parquet files; point --source at the export"
        )
    return files


def _first_row(path: Path) -> list[str] | None:
    """The first CSV record of a plain, gzip or single-member zip file (BOM tolerated)."""
    name = path.name.lower()
    if name.endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.namelist() if not m.endswith("/")]
            if not members:
                raise SourceError(path, "the zip archive is empty")
            with zf.open(members[0]) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
                return next(csv.reader(fh), None)
    if name.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
            return next(csv.reader(fh), None)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), None)


def _json_record_keys(path: Path) -> list[str]:
    """Top-level keys of the first record of a newline-delimited JSON file (.jsonl, .ndjson, .json)."""
    import json

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig") as fh:
        for line in fh:
            if line.strip():
                try:
                    doc = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SourceError(path, f"is not newline-delimited JSON ({exc})") from exc
                if not isinstance(doc, dict):
                    raise SourceError(path, "the first JSON record is not an object")
                return [str(k) for k in doc]
    raise SourceError(path, "the file is empty; export the report again")


JSON_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")


def read_header(path: Path) -> list[str]:
    """Column names of a data file, without reading its rows (JSON: keys of the first record)."""
    try:
        if path.name.lower().endswith(".parquet"):
            return list(pq.read_schema(path).names)
        if path.name.lower().endswith(JSON_SUFFIXES):
            return _json_record_keys(path)
        row = _first_row(path)
        if not row:
            raise SourceError(path, "the file is empty; export the report again")
        return [c.strip() for c in row]
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile, gzip.BadGzipFile, EOFError) as exc:
        raise SourceError(path, f"cannot be read ({exc}); check the file is a complete export") from exc
    except Exception as exc:  # pyarrow raises its own error types for corrupt files
        if exc.__class__.__module__.startswith("pyarrow"):
            raise SourceError(path, f"is not a readable Parquet file ({exc})") from exc
        raise


def _extract_zip(path: Path, workdir: Path) -> Path:
    with zipfile.ZipFile(path) as zf:
        members = [m for m in zf.namelist() if not m.endswith("/")]
        if len(members) != 1:
            raise SourceError(path, f"expected one file in the zip archive, found {len(members)}")
        target = workdir / f"{abs(hash(str(path))):x}-{Path(members[0]).name}"
        if not target.exists():
            with zf.open(members[0]) as src, target.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
        return target


def open_relation(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path) -> duckdb.DuckDBPyRelation:
    """A DuckDB relation over one data file with a 1-based ``__row`` column.

    CSV is read as text (``all_varchar``) so that the connector decides how each column is parsed and
    can name the row of a bad value; Parquet keeps its types.
    """
    real = _extract_zip(path, workdir) if path.name.lower().endswith(".zip") else path
    lit = sql_str(str(real))
    try:
        if real.name.lower().endswith(".parquet"):
            return con.sql(
                f"SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS __row "
                f"FROM read_parquet({lit}, file_row_number = true)"
            )
        return con.sql(
            f"SELECT * EXCLUDE (ordinality), ordinality AS __row FROM read_csv({lit}, header = true, "
            "all_varchar = true, delim = ',', quote = '\"', escape = '\"', encoding = 'utf-8') "
            "WITH ORDINALITY"
        )
    except duckdb.Error as exc:
        raise SourceError(path, f"cannot be read as a table ({str(exc).splitlines()[0]})") from exc


def find_bad_value(
    rel: duckdb.DuckDBPyRelation,
    path: Path,
    checks: list[tuple[str, str, str]],
) -> None:
    """Raise :class:`ValueParseError` for the first row where a check fails.

    ``checks`` holds (column, SQL expression, human description of the expected value); the expression
    is the connector's own parsing expression written with ``TRY_CAST``, so it is NULL exactly where the
    real parse fails. A value fails when it is non-empty and the expression gives NULL.
    """
    for column, try_expr, expected in checks:
        col = sql_ident(column)
        bad = (
            rel.filter(f"{col} IS NOT NULL AND trim(CAST({col} AS VARCHAR)) <> '' AND ({try_expr}) IS NULL")
            .order("__row")
            .limit(1)
            .project(f"__row, CAST({col} AS VARCHAR)")
            .fetchall()
        )
        if bad:
            row, value = bad[0]
            raise ValueParseError(path, row=int(row), column=column, value=str(value), expected=expected)


def union_all(parts: Sequence[duckdb.DuckDBPyRelation]) -> nw.LazyFrame[Any]:
    """The relations of a source's files (same columns, same order) as one lazy frame."""
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.union(part)
    return nw.from_native(combined)
