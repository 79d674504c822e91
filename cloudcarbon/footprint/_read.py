"""Reading a provider footprint file into plain records, and parsing its values with clear errors.

Footprint files are small (one row per account, region and service per month), so they are read whole
into Python records of text: every value is parsed by the reader that knows its meaning, and a bad one
is reported with the file, the 1-based data row and the column.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from cloudcarbon.exceptions import SourceError, ValueParseError

__all__ = [
    "FOOTPRINT_SUFFIXES",
    "Records",
    "footprint_files",
    "month_of",
    "number",
    "read_records",
    "text",
]

#: File names the readers accept (``.gz`` for CSV and JSON).
FOOTPRINT_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson")

_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?(?:[ T].*)?$")


@dataclass(frozen=True)
class Records:
    """A file's rows as text: column names (nested fields flattened with dots) and one dict per row.

    ``document`` holds the top-level fields of a JSON document that wraps its items in ``value``
    (e.g. the Azure report's ``dateRange`` when the pull kept it), else is empty.
    """

    path: Path
    columns: list[str]
    rows: list[dict[str, str | None]]
    document: Mapping[str, Any]


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for s in sorted(FOOTPRINT_SUFFIXES, key=len, reverse=True):
        if name.endswith(s):
            return s
    return path.suffix.lower()


def footprint_files(path: Path) -> list[Path]:
    """The data files of a footprint source: the file itself, or every data file under a folder (AWS
    Data Exports ``metadata/`` manifests and hidden files left out), sorted."""
    if not path.exists():
        raise SourceError(path, "no such file or folder; check the --provider-footprint path")
    if path.is_file():
        return [path]
    found = sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and _suffix(p) in FOOTPRINT_SUFFIXES
        and not any(
            part.startswith((".", "_")) or part.lower() == "metadata" for part in p.relative_to(path).parts
        )
        and "manifest" not in p.name.lower()
    )
    if not found:
        raise SourceError(
            path,
            f"holds no footprint file ({', '.join(FOOTPRINT_SUFFIXES)}); "
            "point at the export folder or a file",
        )
    return found


def _flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _open_text(path: Path) -> str:
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise SourceError(path, f"is not a readable gzip file ({exc}); download it again") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(path, "is not UTF-8 text; save it as UTF-8 (the providers write UTF-8)") from None


def _json_items(path: Path, body: str) -> tuple[list[tuple[int, Any]], Mapping[str, Any]]:
    stripped = body.strip()
    if not stripped:
        return [], {}
    try:
        doc = json.loads(stripped)
    except json.JSONDecodeError:
        doc = None
        items: list[tuple[int, Any]] = []
        for n, line in enumerate(body.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append((len(items) + 1, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise SourceError(
                    path, f"line {n} is not valid JSON ({exc.msg}); fix that line or export the file again"
                ) from None
        return items, {}
    if isinstance(doc, list):
        return list(enumerate(doc, start=1)), {}
    if isinstance(doc, dict) and isinstance(doc.get("value"), list):
        return list(enumerate(doc["value"], start=1)), {k: v for k, v in doc.items() if k != "value"}
    if isinstance(doc, dict):
        return [(1, doc)], {}
    raise SourceError(path, "holds JSON that is neither an object, an array of objects nor JSON lines")


def _frame_records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    # nested (struct) columns become dotted names, as the flattened CSV form writes them
    while any(isinstance(dt, pl.Struct) for dt in frame.dtypes):
        cols: list[pl.Expr] = []
        for name, dt in zip(frame.columns, frame.dtypes, strict=True):
            if isinstance(dt, pl.Struct):
                cols.extend(pl.col(name).struct.field(f.name).alias(f"{name}.{f.name}") for f in dt.fields)
            else:
                cols.append(pl.col(name))
        frame = frame.select(cols)
    return frame.to_dicts()


def read_records(path: Path) -> Records:
    """Every row of one footprint file as text (CSV, CSV.gz, Parquet, JSON document, array or lines)."""
    suffix = _suffix(path)
    raw: list[dict[str, Any]]
    document: Mapping[str, Any] = {}
    if suffix == ".parquet":
        try:
            raw = _frame_records(pl.read_parquet(path))
        except Exception as exc:  # any reader failure is one line about the file
            raise SourceError(
                path, f"is not a readable Parquet file ({type(exc).__name__}); download it again"
            ) from None
    elif suffix in (".csv", ".csv.gz"):
        body = _open_text(path)
        try:
            frame = pl.read_csv(io.StringIO(body), infer_schema=False, raise_if_empty=False)
        except Exception as exc:
            raise SourceError(path, f"is not a readable CSV file ({type(exc).__name__}: {exc})") from None
        return Records(
            path, list(frame.columns), [{k: _as_text(v) for k, v in r.items()} for r in frame.to_dicts()], {}
        )
    else:
        items, document = _json_items(path, _open_text(path))
        raw = []
        for n, item in items:
            if not isinstance(item, Mapping):
                raise SourceError(path, f"item {n} is not a JSON object; each item must be one record")
            raw.append(_flatten(item))
    columns: list[str] = []
    seen: set[str] = set()
    for r in raw:
        for k in r:
            if k not in seen:
                seen.add(k)
                columns.append(k)
    return Records(path, columns, [{k: _as_text(r.get(k)) for k in columns} for r in raw], document)


def text(row: Mapping[str, str | None], column: str) -> str | None:
    """A text value, stripped; None when absent or empty."""
    value = row.get(column)
    if value is None:
        return None
    value = value.strip()
    return value or None


def number(path: Path, n: int, row: Mapping[str, str | None], column: str, unit: str) -> float | None:
    """A finite number, or None when empty; anything else is a :class:`ValueParseError`."""
    value = text(row, column)
    if value is None:
        return None
    try:
        parsed = float(value)
    except ValueError:
        parsed = math.nan
    if not math.isfinite(parsed):
        raise ValueParseError(
            path, row=n, column=column, value=row.get(column) or "", expected=f"a number ({unit})"
        )
    return parsed


def month_of(path: Path, n: int, row: Mapping[str, str | None], column: str) -> str:
    """``YYYY-MM`` of a date or timestamp value (``2026-01-01``, ``2026-01-01 00:00:00Z``)."""
    value = text(row, column)
    m = _MONTH.match(value or "")
    if value is None or m is None or not 1 <= int(m.group(2)) <= 12:
        raise ValueParseError(
            path, row=n, column=column, value=row.get(column) or "", expected="a date (YYYY-MM-DD)"
        )
    return f"{m.group(1)}-{m.group(2)}"


def records(rows: list[dict[str, str | None]]) -> Iterator[tuple[int, dict[str, str | None]]]:
    """Rows with their 1-based data row number."""
    return enumerate(rows, start=1)
