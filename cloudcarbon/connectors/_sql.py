"""SQL expression builders shared by the DuckDB-reading connectors.

Connectors read files as text (CSV) or typed (Parquet, JSON) relations and map them to the canonical
table with one ``SELECT``; these helpers build the parsing expressions so every connector parses numbers,
timestamps, JSON and MAP values the same way, and so the diagnosis of a bad value re-uses the exact
parsing expression (``try_=True``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Sequence

import duckdb

from cloudcarbon.connectors._io import sql_ident, sql_str
from cloudcarbon.schema import COST_SQL

__all__ = ["Header", "json_lookup", "map_lookup", "num", "text", "ts", "val", "value_checks"]


class Header:
    """Case-insensitive access to a relation's columns and their DuckDB types."""

    def __init__(self, names: Sequence[str], types: Sequence[str]) -> None:
        self.names = list(names)
        self.types = dict(zip(names, types, strict=True))
        self._lower = {n.lower(): n for n in names}

    def first(self, candidates: Sequence[str]) -> str | None:
        """The first of ``candidates`` present (case-insensitive), as spelled in the file."""
        for cand in candidates:
            hit = self._lower.get(cand.lower())
            if hit is not None:
                return hit
        return None

    def raw(self, name: str) -> str | None:
        return self._lower.get(name.lower())

    def is_text(self, column: str) -> bool:
        return self.types[column].upper() in ("VARCHAR", "STRING")

    def is_map(self, column: str) -> bool:
        return self.types[column].upper().startswith("MAP")


def text(column: str) -> str:
    """The column as trimmed text, empty -> NULL."""
    return f"NULLIF(trim(CAST({sql_ident(column)} AS VARCHAR)), '')"


def val(h: Header, column: str) -> str:
    """The column as text, empty -> NULL, without trimming (cheaper than :func:`text` on typed data).

    Use for machine-written exports whose values are never padded; :func:`text` trims.
    """
    if h.is_text(column):
        return f"NULLIF({sql_ident(column)}, '')"
    return f"NULLIF(CAST({sql_ident(column)} AS VARCHAR), '')"


def num(h: Header, column: str, sql_type: str, *, try_: bool = False) -> str:
    """The column as a number of ``sql_type`` (strict CAST, or TRY_CAST for diagnosis)."""
    cast = "TRY_CAST" if try_ else "CAST"
    if h.is_text(column):
        return f"{cast}({text(column)} AS {sql_type})"
    if sql_type == COST_SQL and h.types[column].upper() in ("DOUBLE", "FLOAT", "REAL"):
        # a binary float becomes the decimal it was written as (its shortest text), not its binary expansion
        return f"{cast}(CAST({sql_ident(column)} AS VARCHAR) AS {sql_type})"
    return f"{cast}({sql_ident(column)} AS {sql_type})"


#: A UTC offset after a time of day (``...T23:30:00-05:00``, ``... 23:30:00 +0530``, ``...+01``).
_OFFSET = (
    r"(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)"
    r"\s?([+-])([0-9]{2}):?([0-9]{2})?$"
)
#: The groups of :data:`_OFFSET`: sign, hours, minutes (numbered, not named: Spark's regex has no
#: ``(?P<name>...)``, and DuckDB's struct form of ``regexp_extract`` does not transpile).
_SIGN, _HOURS, _MINUTES = 1, 2, 3


def ts(h: Header, column: str, *, try_: bool = False, fmt: str | None = None) -> str:
    """The column as a UTC TIMESTAMP.

    Text accepts ``2023-11-01T00:00:00.000Z``, ``2024-09-01T00:00:00Z``, ``2024-09-01 00:00:00`` and
    ``2024-09-01 00:00:00 UTC``; a time with an offset (``2026-10-31T23:30:00-05:00``, ``+0530``, ``+01``)
    is converted to UTC (that row belongs to 2026-11-01 04:30 UTC); with ``fmt`` (a strptime format such
    as ``%m/%d/%Y``) text is parsed with that format instead.
    """
    if h.is_text(column):
        if fmt is not None:
            fn = "try_strptime" if try_ else "strptime"
            return f"CAST({fn}({text(column)}, {sql_str(fmt)}) AS TIMESTAMP)"
        cast = "TRY_CAST" if try_ else "CAST"
        x = text(column)
        # strip the zone suffix before replacing the date/time 'T' (else ' UTC' becomes ' U C')
        cleaned = f"replace(regexp_replace({x}, '(Z| UTC|\\+00:?00)$', ''), 'T', ' ')"
        # a non-zero offset after a time of day: local time minus the offset is UTC
        sign, hours, mins = (
            f"regexp_extract({x}, {sql_str(_OFFSET)}, {g})" for g in (_SIGN, _HOURS, _MINUTES)
        )
        local = f"replace(regexp_replace({x}, '\\s?[+-][0-9]{{2}}:?([0-9]{{2}})?$', ''), 'T', ' ')"
        minutes = (
            f"(CASE WHEN {sign} = '-' THEN -1 ELSE 1 END * (CAST({hours} AS INTEGER) * 60 + "
            f"coalesce(TRY_CAST(NULLIF({mins}, '') AS INTEGER), 0)))"
        )
        # ``n * INTERVAL 1 MINUTE`` rather than DuckDB's ``to_minutes(n)``: both dialects have it
        return (
            f"CASE WHEN regexp_matches({x}, {sql_str(_OFFSET)}) "
            f"THEN {cast}({local} AS TIMESTAMP) - {minutes} * INTERVAL 1 MINUTE "
            f"ELSE {cast}({cleaned} AS TIMESTAMP) END"
        )
    if "TIME ZONE" in h.types[column].upper():
        return f"timezone('UTC', {sql_ident(column)})"
    cast = "TRY_CAST" if try_ else "CAST"
    return f"{cast}({sql_ident(column)} AS TIMESTAMP)"


def json_lookup(expr: str, key: str) -> str:
    """``expr`` (JSON text) -> the string value at top-level ``key``, empty -> NULL."""
    return f"NULLIF(json_extract_string(NULLIF({expr}, ''), {sql_str('$.' + json.dumps(key))}), '')"


def map_lookup(h: Header, column: str, keys: Sequence[str]) -> str:
    """Value of the first present key of a MAP column, or of a JSON-object text column."""
    col = sql_ident(column)
    if h.is_map(column):
        parts = [f"NULLIF(CAST({col}[{sql_str(k)}] AS VARCHAR), '')" for k in keys]
    else:
        parts = [json_lookup(text(column), k) for k in keys]
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def value_checks(
    h: Header,
    columns: Iterable[tuple[str | None, str]],
    *,
    timestamp: Callable[..., str] = ts,
    timestamp_text: str = "an ISO-8601 timestamp",
) -> list[tuple[str, str, str]]:
    """The diagnosis checks for :func:`cloudcarbon.connectors._io.find_bad_value`.

    ``columns`` holds (column or None, kind) with kind ``number``, ``decimal`` or ``timestamp``; each
    check is the connector's own parsing expression in its ``TRY_`` form. Typed (non-text) columns and
    absent ones need no check.
    """
    checks: list[tuple[str, str, str]] = []
    for c, kind in columns:
        if c is None:
            continue
        if not h.is_text(c):
            # typed (Parquet) numbers: NaN and infinity are values of the type, but not usable amounts
            if kind == "number":
                checks.append(
                    (c, f"CASE WHEN isfinite(CAST({sql_ident(c)} AS DOUBLE)) THEN 1 END", "a number")
                )
            elif kind == "decimal":
                checks.append((c, num(h, c, COST_SQL, try_=True), "a decimal amount"))
            continue
        if kind == "number":
            checks.append((c, f"CASE WHEN isfinite({num(h, c, 'DOUBLE', try_=True)}) THEN 1 END", "a number"))
        elif kind == "decimal":
            checks.append((c, num(h, c, COST_SQL, try_=True), "a decimal amount"))
        else:
            checks.append((c, timestamp(h, c, try_=True), timestamp_text))
    return checks


_views = itertools.count()


def query_on(rel: duckdb.DuckDBPyRelation, stem: str, sql: Callable[[str], str]) -> duckdb.DuckDBPyRelation:
    """``sql(view)``, a query reading ``rel`` under the name ``view``, as a relation.

    ``view`` is ``__<stem>_<n>``, unique in the process: DuckDB resolves the name when the query runs, not
    when it is built (1.4 does; 2.0 binds at once), so two lazy parts queried under one name would both
    read whichever relation was named last.
    """
    view = f"__{stem}_{next(_views)}"
    out = rel.query(view, sql(view))
    assert out is not None  # a SELECT always yields a relation
    return out
