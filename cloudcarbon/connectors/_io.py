"""Shared file handling for connectors: finding data files, reading headers, opening them in DuckDB.

Everything a connector reads goes through here, so the defences against hostile files are in one place:

* paths are literal: a file name holding glob characters (``[``, ``*``, ``?``) is opened through a
  link with a plain name in the run's scratch folder, never handed to DuckDB as a pattern;
* CSV is read with the column names taken from its header (no dialect guessing), so a ragged row or an
  unbalanced quote is an error naming the row, never a silently empty or shifted table;
* a UTF-16 export (Excel's "Unicode text", some Azure downloads) is detected by its byte-order mark or
  its NUL bytes and converted to UTF-8 in the scratch folder; a zip member that is encrypted or uses a
  compression method Python cannot read (deflate64) is refused with what to do;
* a header naming the same column twice is refused, naming the column;
* the same file reached twice in one run (named twice, through a symlink, a folder, or a byte-identical
  copy) is read once, with a :class:`~cloudcarbon.exceptions.CloudCarbonWarning` (see :func:`claim_files`);
* :func:`union_all` guards every connector's canonical rows: a non-finite quantity (NaN, inf, an overflowing
  number) or a row without a billing period is an error naming the file and row; negative usage on a
  usage row is classified as a ``correction`` (excluded with that reason); the currency is upper-cased,
  and an empty currency becomes ``UNKNOWN`` (reported as its own currency in the coverage).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, cast

import duckdb
import narwhals as nw

from cloudcarbon.exceptions import CloudCarbonWarning, SourceError, SourceNotFound, ValueParseError

__all__ = [
    "DATA_SUFFIXES",
    "DETECT_SUFFIXES",
    "JSON_SUFFIXES",
    "UNKNOWN_CURRENCY",
    "as_lazy",
    "candidate_files",
    "claim_files",
    "data_files",
    "empty_canonical",
    "find_bad_json_line",
    "find_bad_rows",
    "find_bad_value",
    "literal_path",
    "open_relation",
    "read_error",
    "read_header",
    "readable_path",
    "sql_ident",
    "sql_str",
    "union_all",
]

DATA_SUFFIXES = (".csv", ".csv.gz", ".csv.zip", ".zip", ".parquet", ".snappy.parquet", ".gz")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")
#: What a folder may hold for format detection (``.json`` files only when they hold export rows).
DETECT_SUFFIXES = (".csv", ".csv.gz", ".zip", ".parquet", ".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
#: Currency of rows whose currency column is present but empty.
UNKNOWN_CURRENCY = "UNKNOWN"
_GLOB_CHARS = re.compile(r"[*?\[\]{}]")


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


def candidate_files(path: Path) -> list[Path]:
    """Every file under ``path`` a connector might read (CSV, zip, Parquet, JSON lines), sorted.

    ``.json`` files count only when their first record is a JSON object (manifests and price lists are
    objects too, so detection decides by their keys); used to detect the format(s) of a folder.
    """
    if not path.exists():
        raise SourceNotFound(path, "no such file or folder; check the path passed to --source")
    if path.is_file():
        return [path]
    files = []
    for p in sorted(q for q in path.rglob("*") if q.is_file()):
        name = p.name.lower()
        if name.endswith(DETECT_SUFFIXES) or (name.endswith((".json", ".json.gz")) and _json_rows(p)):
            files.append(p)
    if not files:
        raise SourceNotFound(
            path,
            "the folder holds no .csv, .csv.gz, .zip, .parquet, .jsonl or .ndjson files; "
            "point --source at the export",
        )
    return files


def _json_rows(path: Path) -> bool:
    """Whether a ``.json`` file is newline-delimited export rows (not a manifest or a document)."""
    try:
        keys = _json_record_keys(path)
    except SourceError:
        return False
    return not any(k in keys for k in ("reportKeys", "dataFiles", "assemblyId", "resources"))


# --------------------------------------------------------------------------------------------------
# opening files: literal paths, zip members, encodings


def literal_path(path: Path, workdir: Path) -> Path:
    """A name for ``path`` that DuckDB reads literally: itself, or a link without glob characters."""
    if not _GLOB_CHARS.search(str(path)) or not isinstance(path, Path):  # a URI is read as named
        return path
    suffix = "".join(path.suffixes[-2:]) if path.suffixes else ""
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    link = workdir / f"lit-{digest}{_GLOB_CHARS.sub('_', suffix)}"
    if not link.exists():
        try:
            link.symlink_to(path.resolve())
        except OSError:  # no symlinks (some Windows setups): copy instead
            import shutil

            shutil.copyfile(path, link)
    return link


def _zip_member(path: Path, zf: zipfile.ZipFile) -> zipfile.ZipInfo:
    members = [m for m in zf.infolist() if not m.is_dir()]
    if not members:
        raise SourceError(path, "the zip archive is empty")
    if len(members) != 1:
        raise SourceError(
            path, f"expected one file in the zip archive, found {len(members)}; unzip it and pass the folder"
        )
    member = members[0]
    if member.flag_bits & 0x1:
        raise SourceError(
            path,
            f"the zip member {member.filename!r} is encrypted; unzip it with its password and pass the file",
        )
    if member.compress_type not in (
        zipfile.ZIP_STORED,
        zipfile.ZIP_DEFLATED,
        zipfile.ZIP_BZIP2,
        zipfile.ZIP_LZMA,
    ):
        method = "deflate64" if member.compress_type == 9 else f"compression method {member.compress_type}"
        raise SourceError(
            path,
            f"the zip member {member.filename!r} uses {method}, which cannot be read; unzip it with "
            "another tool (e.g. 7-Zip) or re-compress it as a plain zip or .csv.gz",
        )
    return member


@contextmanager
def _open_binary(path: Path) -> Iterator[IO[bytes]]:
    """The decompressed bytes of a plain, gzip or single-member zip file."""
    name = path.name.lower()
    # path.open, not open(path): a HadoopPath (cloudcarbon.connectors._uri) reads through Hadoop
    with path.open("rb") as fh:
        if name.endswith(".zip"):
            with zipfile.ZipFile(fh) as zf, zf.open(_zip_member(path, zf)) as member:
                yield member
        elif name.endswith(".gz"):
            with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
                yield cast(IO[bytes], gz)
        else:
            yield fh


def _encoding(head: bytes) -> str:
    """``utf-16`` when the bytes start with a UTF-16 byte-order mark or look like UTF-16 text, else UTF-8."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4 and head[1::2][:8].count(0) >= 3 and head[0] != 0:
        return "utf-16-le"
    if len(head) >= 4 and head[0::2][:8].count(0) >= 3 and head[1] != 0:
        return "utf-16-be"
    return "utf-8-sig"


def _text_encoding(path: Path) -> str:
    with _open_binary(path) as raw:
        return _encoding(raw.read(64))


def _first_row(path: Path) -> list[str] | None:
    """The first CSV record of a plain, gzip or single-member zip file (BOM and UTF-16 tolerated)."""
    enc = _text_encoding(path)
    with _open_binary(path) as raw, io.TextIOWrapper(raw, encoding=enc, newline="") as fh:
        return next(csv.reader(fh), None)


def _json_record_keys(path: Path) -> list[str]:
    """Top-level keys of the first record of a newline-delimited JSON file (.jsonl, .ndjson, .json)."""
    import json

    try:
        with _open_binary(path) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig") as fh:
            for line in fh:
                if line.strip():
                    try:
                        doc = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise SourceError(path, f"is not newline-delimited JSON ({exc})") from exc
                    if not isinstance(doc, dict):
                        raise SourceError(path, "the first JSON record is not an object")
                    return [str(k) for k in doc]
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise SourceError(path, f"cannot be read ({exc}); check the file is a complete export") from exc
    raise SourceError(path, "the file is empty; export the report again")


def _duplicate_column(path: Path, names: Sequence[str]) -> None:
    seen: dict[str, int] = {}
    for i, n in enumerate(names, 1):
        if n in seen:
            raise SourceError(
                path,
                f"column {n!r} appears twice (columns {seen[n]} and {i}); remove one copy and run again",
            )
        seen[n] = i


def read_header(path: Path) -> list[str]:
    """Column names of a data file, without reading its rows (JSON: keys of the first record)."""
    try:
        if path.name.lower().endswith(".parquet"):
            import pyarrow.parquet as pq  # imported when a Parquet file is read

            with path.open("rb") as fh:
                names = list(pq.read_schema(fh).names)
        elif path.name.lower().endswith(JSON_SUFFIXES):
            return _json_record_keys(path)
        else:
            row = _first_row(path)
            if not row:
                raise SourceError(path, "the file is empty; export the report again")
            names = [c.strip() for c in row]
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile, gzip.BadGzipFile, EOFError, csv.Error) as exc:
        raise SourceError(path, f"cannot be read ({exc}); check the file is a complete export") from exc
    except (RuntimeError, NotImplementedError) as exc:  # zipfile: encrypted / unsupported method
        raise SourceError(path, f"cannot be read ({exc}); unzip it and pass the file") from exc
    except Exception as exc:  # pyarrow raises its own error types for corrupt files
        if exc.__class__.__module__.startswith("pyarrow"):
            raise SourceError(path, f"is not a readable Parquet file ({exc})") from exc
        raise
    _duplicate_column(path, names)
    return names


def _plain_copy(path: Path, workdir: Path, encoding: str, name: str) -> Path:
    """``path`` decompressed (zip member) and/or converted to UTF-8, in the scratch folder."""
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    target = workdir / f"{digest}-{_GLOB_CHARS.sub('_', name)}"
    if target.exists():
        return target
    try:
        with _open_binary(path) as src, target.open("wb") as dst:
            if encoding == "utf-8-sig":
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            else:
                text = io.TextIOWrapper(src, encoding=encoding, newline="")
                while chunk_s := text.read(1 << 20):
                    dst.write(chunk_s.encode("utf-8"))
    except (UnicodeDecodeError, EOFError, OSError, zipfile.BadZipFile) as exc:
        target.unlink(missing_ok=True)
        raise SourceError(path, f"cannot be read as {encoding} text ({exc}); save it as UTF-8 CSV") from exc
    return target


def readable_path(path: Path, workdir: Path) -> Path:
    """A plain path DuckDB can read for ``path``: zip extracted, UTF-16 converted, glob-safe."""
    lower = path.name.lower()
    if lower.endswith(".parquet"):
        return literal_path(path, workdir)
    try:
        enc = _text_encoding(path) if not lower.endswith(JSON_SUFFIXES) else "utf-8-sig"
        if lower.endswith(".zip"):
            with path.open("rb") as fh, zipfile.ZipFile(fh) as zf:
                member = Path(_zip_member(path, zf).filename).name
            return _plain_copy(path, workdir, enc, member)
    except (OSError, zipfile.BadZipFile, gzip.BadGzipFile, EOFError) as exc:
        raise SourceError(path, f"cannot be read ({exc}); check the file is a complete export") from exc
    except (RuntimeError, NotImplementedError) as exc:
        raise SourceError(path, f"cannot be read ({exc}); unzip it and pass the file") from exc
    if enc != "utf-8-sig":
        stem = path.name[: -len(".gz")] if lower.endswith(".gz") else path.name
        return _plain_copy(path, workdir, enc, stem)
    return literal_path(path, workdir)


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")
_COLUMNS_FOUND = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def read_error(path: Path, exc: Exception) -> SourceError:
    """A one-line error naming the row for a DuckDB read error of one file."""
    text = str(exc)
    line = _CSV_LINE.search(text)
    if line:
        n = int(line.group(1))
        where = f"row {n - 1} (line {n} of the file)" if n > 1 else f"line {n}"
        cols = _COLUMNS_FOUND.search(text)
        if cols:
            what = f"has {cols.group(2)} fields where the header has {cols.group(1)}"
        elif "unterminated quote" in text.lower():
            what = "opens a quoted value that is never closed"
        else:
            what = "is not valid CSV"
        return SourceError(
            path, f"{where} {what}; fix or remove that row (or re-export the file) and run again"
        )
    first = text.splitlines()[0] if text else type(exc).__name__
    return SourceError(path, f"cannot be read as a table ({first})")


def open_parquet_files(
    con: duckdb.DuckDBPyConnection, paths: Sequence[Path], workdir: Path
) -> duckdb.DuckDBPyRelation | None:
    """One DuckDB relation over several Parquet files of one schema, with a 1-based ``__row`` (the row
    in its file) and ``__file`` (the path as given), or None where that does not apply (another engine,
    a file that is not Parquet, a path DuckDB would read as a glob).

    One scan over the list keeps the engine's read buffers bounded however many files a delivery is
    split into, where a union of one scan per file holds buffers for each.
    """
    if not isinstance(con, duckdb.DuckDBPyConnection) or len(paths) < 2:
        return None
    if any(not p.name.lower().endswith(".parquet") or literal_path(p, workdir) != p for p in paths):
        return None
    files = "[" + ", ".join(sql_str(str(p)) for p in paths) + "]"
    try:
        return con.sql(
            "SELECT * EXCLUDE (file_row_number, filename), file_row_number + 1 AS __row, "
            f"filename AS __file FROM read_parquet({files}, file_row_number = true, filename = true)"
        )
    except duckdb.Error as exc:
        raise read_error(paths[0], exc) from exc


def _csv_options(names: Sequence[str]) -> str:
    """The ``read_csv`` options of every CSV read: the header's columns as text, no dialect guessing,
    strict RFC 4180 quoting, UTF-8."""
    columns = "{" + ", ".join(f"{sql_str(n)}: 'VARCHAR'" for n in names) + "}"
    return (
        f"header = true, auto_detect = false, columns = {columns}, strict_mode = true, delim = ',', "
        "quote = '\"', escape = '\"', encoding = 'utf-8'"
    )


def open_csv_files(
    con: duckdb.DuckDBPyConnection, paths: Sequence[Path], workdir: Path
) -> duckdb.DuckDBPyRelation | None:
    """One DuckDB relation over several CSV (or CSV.gz) files of one header, read as text as
    :func:`open_relation` reads one, with ``__file`` (the path as given) and ``__row`` NULL; or None where
    that does not apply (another engine, a file to convert or link first, a column named ``filename``).

    A union of one CSV scan per file holds every file's read buffers at once (about 30 MB each: a delivery
    of 100 CSV.gz files needs more than 3 GB before the first row), one scan over the list holds one
    file's at a time. DuckDB numbers no rows per file of a list, so ``__row`` is NULL: a bad value is
    named by its file here and by its file and row when the file is then diagnosed on its own.
    """
    if not isinstance(con, duckdb.DuckDBPyConnection) or len(paths) < 2:
        return None
    if any(not p.name.lower().endswith((".csv", ".csv.gz")) for p in paths):
        return None
    if any(readable_path(p, workdir) != p for p in paths):  # zip, UTF-16 or a glob character in the name
        return None
    names = read_header(paths[0])
    if "filename" in (n.lower() for n in names):
        return None
    files = "[" + ", ".join(sql_str(str(p)) for p in paths) + "]"
    try:
        return con.sql(
            f"SELECT * EXCLUDE (filename), NULL::BIGINT AS __row, filename AS __file "
            f"FROM read_csv({files}, {_csv_options(names)}, filename = true)"
        )
    except duckdb.Error as exc:
        raise read_error(paths[0], exc) from exc


def open_relation(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path) -> duckdb.DuckDBPyRelation:
    """A DuckDB relation over one data file with a 1-based ``__row`` column.

    CSV is read as text with the column names of its header (no dialect guessing, strict quoting), so
    that the connector decides how each column is parsed and a bad row is named; Parquet keeps its types.
    """
    if not isinstance(con, duckdb.DuckDBPyConnection):  # another engine's reader (cloudcarbon.spark)
        return cast(duckdb.DuckDBPyRelation, con.open_relation(path, workdir))
    real = readable_path(path, workdir)
    lit = sql_str(str(real))
    try:
        if real.name.lower().endswith(".parquet"):
            return con.sql(
                f"SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS __row "
                f"FROM read_parquet({lit}, file_row_number = true)"
            )
        return con.sql(
            f"SELECT * EXCLUDE (ordinality), ordinality AS __row "
            f"FROM read_csv({lit}, {_csv_options(read_header(path))}) WITH ORDINALITY"
        )
    except duckdb.Error as exc:
        raise read_error(path, exc) from exc


# --------------------------------------------------------------------------------------------------
# one file, read once


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _real(f: Path) -> str:
    """The real path of a local file; a URI (cloudcarbon.connectors._uri.HadoopPath) as written."""
    return os.path.realpath(f) if isinstance(f, Path) else str(f)


def claim_files(claims: dict[str, Any], files: Iterable[Path], owner: str) -> list[Path]:
    """``files`` without those already read in this run (same real path, or byte-identical content).

    ``claims`` is the run's shared register (``ScanContext.claims``); ``owner`` names the source. A
    duplicate is skipped with a :class:`~cloudcarbon.exceptions.CloudCarbonWarning` naming both files;
    contents are hashed only when two files have the same size.
    """
    real: dict[str, Path] = claims.setdefault("real", {})
    by_size: dict[int, list[Path]] = claims.setdefault("size", {})
    digests: dict[Path, str] = claims.setdefault("sha256", {})
    keep: list[Path] = []
    for f in files:
        key = _real(f)
        first = real.get(key)
        if first is None:
            size = f.stat().st_size
            for other in by_size.get(size, []):
                if other not in digests:
                    digests[other] = _sha256(other)
                if f not in digests:
                    digests[f] = _sha256(f)
                if digests[other] == digests[f]:
                    first = other
                    break
        if first is not None:
            how = "the same file" if _real(first) == key else "a byte-identical copy"
            warnings.warn(
                f"{f}: is {how} as {first}, already read in this run ({owner}); read once, not twice",
                CloudCarbonWarning,
                stacklevel=3,
            )
            continue
        real[key] = f
        by_size.setdefault(f.stat().st_size, []).append(f)
        keep.append(f)
    return keep


# --------------------------------------------------------------------------------------------------
# checks


def find_bad_value(
    rel: duckdb.DuckDBPyRelation,
    path: Path,
    checks: list[tuple[str, str, str]],
) -> None:
    """Raise :class:`ValueParseError` for the first row where a check fails.

    ``checks`` holds (column, SQL expression, human description of the expected value); the expression
    is the connector's own parsing expression written with ``TRY_CAST``, so it is NULL exactly where the
    real parse fails. A value fails when it is non-empty and the expression gives NULL. A file that
    cannot be read at all (ragged row, unbalanced quote) raises :class:`SourceError` naming the row.
    """
    try:
        rel.aggregate("count(*)").fetchall()
    except duckdb.Error as exc:
        raise read_error(path, exc) from exc
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


_GUARD_MONTH = "no billing period"
_GUARD_QTY = "a usage quantity that is not a finite number"
_GUARD_COST = "a cost of a quadrillion or more"
#: Largest cost one billing row may carry (exclusive): 10^15 leaves the sum of 10^5 such rows inside
#: the 20 integer digits of the cost type, so a total can never overflow.
MAX_ROW_COST = "CAST(1000000000000000 AS DECIMAL(38,18))"


def row_where(file: str, row: str) -> str:
    """SQL text ``<file>: row <n>`` for a guard's error message (``file``, ``row``: SQL expressions); just
    ``<file>`` where the row is not known (NULL: :func:`open_csv_files`)."""
    return f"{file} || coalesce(': row ' || CAST({row} AS VARCHAR), '')"


def guarded_quantity(qty: str, where: str) -> str:
    """``qty`` (a DOUBLE expression), or an error naming ``where`` when it is not a finite number."""
    return (
        f"CASE WHEN {qty} IS NULL OR isfinite({qty}) THEN {qty} ELSE error({where} || ': {_GUARD_QTY}') END"
    )


def guarded_cost(cost: str, where: str) -> str:
    """``cost`` (a decimal expression), or an error naming ``where`` when it is MAX_ROW_COST or more."""
    return (
        f"CASE WHEN {cost} IS NULL OR abs({cost}) < {MAX_ROW_COST} THEN {cost} "
        f"ELSE error({where} || ': {_GUARD_COST}') END"
    )


def _guard(rel: duckdb.DuckDBPyRelation, *, reduced: bool = False) -> duckdb.DuckDBPyRelation:
    """The canonical relation with the shared row rules applied (see the module docstring).

    ``reduced``: the relation's rows are sums of billing rows of one sign (a connector's reduced scan)
    whose quantity and cost were checked row by row before they were added; the checks on values that
    belong to one row are not repeated on the sums.
    """
    cost = sql_ident("BilledCost")
    qty, cls, cur, month = (
        sql_ident(c) for c in ("ConsumedQuantity", "charge_class", "BillingCurrency", "billing_month")
    )
    where = row_where(sql_ident("source_file"), sql_ident("source_row"))
    replace = {
        "charge_class": f"CASE WHEN {cls} = 'usage' AND {qty} < 0 THEN 'correction' ELSE {cls} END",
        "BillingCurrency": (
            f"CASE WHEN {cur} IS NULL OR trim({cur}) = '' THEN {sql_str(UNKNOWN_CURRENCY)} "
            f"ELSE upper(trim({cur})) END"
        ),
        "billing_month": (
            f"CASE WHEN {month} IS NULL THEN error({where} || ': {_GUARD_MONTH}') ELSE {month} END"
        ),
    }
    if not reduced:
        replace["ConsumedQuantity"] = guarded_quantity(qty, where)
        replace["BilledCost"] = guarded_cost(cost, where)
    from cloudcarbon.schema import CANONICAL_USAGE, duckdb_type

    cols = []
    for c in rel.columns:
        expr = replace.get(c, sql_ident(c))
        if c in CANONICAL_USAGE:  # the declared type, whatever literal type the connector's SQL gave
            expr = f"CAST({expr} AS {duckdb_type(CANONICAL_USAGE[c])})"
        cols.append(f"{expr} AS {sql_ident(c)}")
    return rel.project(", ".join(cols))


def union_all(
    parts: Sequence[duckdb.DuckDBPyRelation], *, guarded: bool = True, reduced: bool = False
) -> nw.LazyFrame[Any]:
    """The canonical relations of a source's files (same columns, same order) as one lazy frame.

    With ``guarded`` (the default) the shared row rules apply; :func:`find_bad_rows` reads the
    unguarded frame to name the first row that breaks them. ``reduced``: the parts are a connector's
    reduced scan (see :func:`_guard`).
    """

    def guard(rel: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
        return _guard(rel, reduced=reduced) if guarded else rel

    combined = guard(parts[0])
    for part in parts[1:]:
        combined = combined.union(guard(part))
    return as_lazy(combined)


def as_lazy(rel: duckdb.DuckDBPyRelation) -> nw.LazyFrame[Any]:
    """A relation of the engine (DuckDB's, or :class:`cloudcarbon.spark.SparkRelation`) as a lazy frame."""
    if isinstance(rel, duckdb.DuckDBPyRelation):
        return nw.from_native(rel)
    lazy: nw.LazyFrame[Any] = cast(Any, rel).lazy()
    return lazy


def find_bad_rows(frame: nw.LazyFrame[Any], describe: Callable[[str], str] | None = None) -> None:
    """Raise :class:`SourceError` for the first canonical row the guard of :func:`union_all` refuses.

    ``frame`` is a connector's unguarded canonical output; ``describe(column)`` names the export's
    columns behind a canonical one (for the message).
    """
    rel = frame.to_native()
    name = describe or (lambda c: c)
    checks = (
        (
            "billing_month IS NULL",
            "billing_month",
            "has no billing period (its date columns are empty), so it belongs to no month; fill in the "
            "date or remove the row",
        ),
        (
            f"BilledCost IS NOT NULL AND abs(BilledCost) >= {MAX_ROW_COST}",
            "BilledCost",
            "holds a cost of a quadrillion or more, which no billing row carries; fix or remove that row",
        ),
        (
            "ConsumedQuantity IS NOT NULL AND NOT isfinite(ConsumedQuantity)",
            "ConsumedQuantity",
            "holds a quantity that is not a finite number (NaN, infinity or too large); fix or remove "
            "that row",
        ),
    )
    for cond, column, what in checks:
        bad = (
            rel.filter(cond)
            .order("source_file, source_row")
            .limit(1)
            .project("source_file, source_row")
            .fetchall()
        )
        if bad:
            f, row = bad[0]
            raise SourceError(str(f), f"row {row}, column {name(column)!r}: {what}")


def empty_canonical(con: duckdb.DuckDBPyConnection, tag_keys: Sequence[str]) -> nw.LazyFrame[Any]:
    """An empty canonical usage table (a source whose files were all read already)."""
    from cloudcarbon.schema import CANONICAL_USAGE, duckdb_type, tag_column

    if not isinstance(con, duckdb.DuckDBPyConnection):  # another engine (cloudcarbon.spark)
        empty: nw.LazyFrame[Any] = con.empty_canonical(tag_keys)
        return empty
    cols = [f"NULL::{duckdb_type(c)} AS {sql_ident(n)}" for n, c in CANONICAL_USAGE.items()]
    cols += [f"NULL::VARCHAR AS {sql_ident(tag_column(k))}" for k in tag_keys]
    return nw.from_native(con.sql("SELECT " + ", ".join(cols) + " WHERE false"))


def find_bad_json_line(path: Path) -> None:
    """Raise :class:`SourceError` naming the first line of a JSON-lines file that is not a JSON object."""
    import json

    try:
        with _open_binary(path) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    doc = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SourceError(
                        path,
                        f"line {n} is not valid JSON ({exc.msg} at column {exc.colno}); fix or remove "
                        "that line and run again",
                    ) from exc
                if not isinstance(doc, dict):
                    raise SourceError(
                        path, f"line {n} is not a JSON object; each line must be one export row"
                    )
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise SourceError(path, f"cannot be read ({exc}); check the file is a complete export") from exc
