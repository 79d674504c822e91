"""Google Cloud Billing export (standard or detailed usage cost) to the canonical usage table.

GCP exports billing to BigQuery; offline copies come in three shapes, all accepted:

* **CSV** of a flattened query: nested names dotted (``service.description``, ``usage.amount``) or
  underscored (``service_description``); ``labels``, ``system_labels``, ``project.labels`` /
  ``project_labels`` and ``credits`` as JSON strings (arrays of ``{"key", "value"}`` / credit objects; a
  JSON object ``{"team": "ml"}`` is accepted for label columns too).
* **Newline-delimited JSON** (``.jsonl``, ``.ndjson``, ``.json``) as BigQuery's extract writes it, fields
  nested.
* **Parquet** with nested STRUCT / LIST fields (BigQuery extract, ``to_arrow()``, ``cloudcarbon pull gcp``).

Mapping (one canonical row per export row, plus one per credit):

* ``billing_month`` = ``invoice.month`` (``YYYYMM`` -> ``YYYY-MM``): a late row whose usage fell in an
  earlier month belongs to the invoice month it is billed in; without ``invoice.month`` the usage
  start month is used.
* ``SubAccountId`` = ``project.id``; ``ServiceName`` = ``service.description``; ``usage_type`` =
  ``sku.description``; ``RegionId`` = ``location.region``, else the zone's region, else
  ``location.location`` (multi-regions such as ``us`` fall back to the provider-average grid, flagged).
* ``instance_type`` = system label ``compute.googleapis.com/machine_spec``; ``vcpu_hint`` =
  ``compute.googleapis.com/cores``; ``memory_gb_hint`` = ``compute.googleapis.com/memory`` / 1024 (MB).
* ``machine_series`` (core and RAM SKUs only) = the series word of the SKU description, lower-cased
  (``N2D AMD Instance Core running in ...`` -> ``n2d``, ``Compute optimized Core`` -> ``c2``,
  ``Memory-optimized Instance Core`` -> ``m1``), else the series of ``machine_spec`` (``custom-4-16384`` is
  an N1 custom type -> ``n1``), else NULL (``Custom Instance Core`` with no machine_spec).
* ``charge_class`` from ``cost_type``: ``regular`` -> usage, ``tax`` -> tax, ``rounding_error`` ->
  rounding, ``adjustment`` -> ``credit`` when ``adjustment_info.type`` is a goodwill / SLA credit,
  ``refund`` when the adjustment is negative, else ``other_non_usage``; anything else ->
  other_non_usage. Adjustments are never estimated: their usage fields restate earlier rows.
  Commitment fees (``Commitment v1: ...``) are ``regular`` rows that the rules in
  ``gcp_usage_types.csv`` exclude as ``commitment_fee``.
* **Credits**: every element of ``credits`` becomes its own row (same ``source_row``, ``charge_class =
  credit``, ``line_item_type`` = the credit type, ``BilledCost`` = the credit amount, quantity 0), so
  the billed total is sum(cost) + sum(credits) exactly, and the usage row keeps its full cost and usage.
* **Unused reservations** (system label ``compute.googleapis.com/is_unused_reservation = true``) stay
  usage rows: the reserved capacity is held (powered) for the customer, so its core/RAM rows are
  estimated, with ``cpu_utilisation_hint = 0`` (idle capacity: the CPU's minimum watts).
* ``Tags`` = resource ``labels`` as a JSON object. Tag columns: a configured key ``team`` or
  ``label:team`` reads resource label ``team``; ``project_label:team`` reads the project's label;
  ``system_label:<key>`` reads a system label.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, cast

import duckdb
import narwhals as nw
from duckdb.sqltypes import DuckDBPyType

from cloudcarbon.connectors._io import (
    JSON_SUFFIXES,
    claim_files,
    empty_canonical,
    find_bad_json_line,
    find_bad_rows,
    find_bad_value,
    open_relation,
    read_header,
    readable_path,
    sql_ident,
    sql_str,
    union_all,
)
from cloudcarbon.connectors._sql import Header, num, query_on, text, ts, value_checks
from cloudcarbon.connectors.base import ScanContext, Source
from cloudcarbon.exceptions import SchemaError, SourceError, SourceNotFound, ValueParseError
from cloudcarbon.schema import CANONICAL_USAGE, COST_SQL, HINT_COLUMNS, duckdb_type, tag_column

__all__ = ["NAME", "diagnose", "scan", "sniff"]

NAME = "gcp"
_WHAT = "a Google Cloud Billing export"

# logical field -> path in the nested export record
_FIELDS: dict[str, tuple[str, ...]] = {
    "billing_account": ("billing_account_id",),
    "service": ("service", "description"),
    "sku": ("sku", "description"),
    "start": ("usage_start_time",),
    "end": ("usage_end_time",),
    "project": ("project", "id"),
    "region": ("location", "region"),
    "zone": ("location", "zone"),
    "location": ("location", "location"),
    "cost": ("cost",),
    "currency": ("currency",),
    "amount": ("usage", "amount"),
    "unit": ("usage", "unit"),
    "invoice_month": ("invoice", "month"),
    "cost_type": ("cost_type",),
    "adjustment_type": ("adjustment_info", "type"),
    "labels": ("labels",),
    "system_labels": ("system_labels",),
    "project_labels": ("project", "labels"),
    "credits": ("credits",),
}
_REQUIRED = ("service", "sku", "start", "cost", "amount")
_LISTS = ("labels", "system_labels", "project_labels", "credits")
_CREDIT_FIELDS = ("name", "amount", "type", "id", "full_name")

_SPEC = "compute.googleapis.com/machine_spec"
_CORES = "compute.googleapis.com/cores"
_MEMORY = "compute.googleapis.com/memory"
_UNUSED = "compute.googleapis.com/is_unused_reservation"

# adjustment_info.type values that are credits granted by Google rather than corrections
_CREDIT_ADJUSTMENTS = ("GOODWILL", "SALES_BASED_GOODWILL", "SLA_VIOLATION", "GENERAL_CREDIT")
# core / RAM SKUs whose series word names the machine series
_COMPONENT_SKU = r"(?i)\b(core|cpu|vcpu|ram)\b"
_SERIES_WORD = (
    r"^(?i:(?:commitment v1: )?(?:spot |preemptible |sole tenancy )*)"
    r"([A-Za-z][0-9][A-Za-z]?)\b"
)
_CREDIT_AMOUNT = "NULLIF(trim(__credit.amount), '')"
_DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet", *JSON_SUFFIXES)


def _names(field: str) -> list[str]:
    """Accepted column names of a logical field: dotted, underscored (and the bare name)."""
    path = _FIELDS[field]
    return [".".join(path), "_".join(path)] if len(path) > 1 else [path[0]]


def sniff(columns: Sequence[str]) -> list[str]:
    """Required export columns missing from a header (flat CSV names or nested top-level names)."""
    lower = {c.lower() for c in columns}
    missing = []
    for f in _REQUIRED:
        path = _FIELDS[f]
        accepted = {n.lower() for n in _names(f)} | {path[0].lower()}
        if not accepted & lower:
            missing.append(".".join(path))
    return missing


# --------------------------------------------------------------------------------------------------
# files


def _is_json(path: Path) -> bool:
    return path.name.lower().endswith(JSON_SUFFIXES)


def _files(path: Path) -> list[Path]:
    """The export files under ``path`` (itself if a file). JSON files in a folder count only when their
    first record looks like an export row (``gcp-skus.json`` and manifests are skipped)."""
    if not path.exists():
        raise SourceNotFound(path, "no such file or folder; check the path passed to --source")
    if path.is_file():
        return [path]
    files = []
    for p in sorted(q for q in path.rglob("*") if q.is_file()):
        name = p.name.lower()
        if not name.endswith(_DATA_SUFFIXES):
            continue
        if _is_json(p):
            try:
                if sniff(read_header(p)):
                    continue
            except SourceError:
                continue
        files.append(p)
    if not files:
        raise SourceNotFound(
            path, "the folder holds no .csv, .parquet or .jsonl export files; point --source at the export"
        )
    return files


# --------------------------------------------------------------------------------------------------
# staging: every format becomes a relation whose columns Header can find by _names(field)


def _child_types(t: object) -> dict[str, DuckDBPyType]:
    """Field name -> type of a STRUCT type (empty for any other type)."""
    if not isinstance(t, DuckDBPyType) or t.id != "struct":
        return {}
    return {str(n): c for n, c in t.children if isinstance(c, DuckDBPyType)}


def _list_child(t: DuckDBPyType) -> DuckDBPyType | None:
    """Element type of a LIST type (None for any other type)."""
    if t.id != "list":
        return None
    child = t.children[0][1]
    return child if isinstance(child, DuckDBPyType) else None


def _stage_json(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path) -> duckdb.DuckDBPyRelation:
    if not isinstance(con, duckdb.DuckDBPyConnection):  # another engine's reader (cloudcarbon.spark)
        return cast(duckdb.DuckDBPyRelation, con.open_json(path, workdir, _FIELDS, _LISTS))
    lit = sql_str(str(readable_path(path, workdir)))
    cols = []
    for f, p in _FIELDS.items():
        jp = sql_str("$." + ".".join(json.dumps(k) for k in p))
        fn = "json_extract" if f in _LISTS else "json_extract_string"
        cols.append(f"CAST({fn}(json, {jp}) AS VARCHAR) AS {sql_ident('.'.join(p))}")
    try:
        return con.sql(
            f"SELECT {', '.join(cols)}, ordinality AS __row FROM read_ndjson_objects({lit}) WITH ORDINALITY"
        )
    except duckdb.Error as exc:
        find_bad_json_line(path)  # names the line
        raise SourceError(path, f"cannot be read as JSON ({str(exc).splitlines()[0]})") from exc


def _stage_parquet(rel: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    h = Header(rel.columns, [str(t) for t in rel.types])
    types = dict(zip(rel.columns, rel.types, strict=True))
    cols = []
    for f, p in _FIELDS.items():
        flat = h.first(_names(f))
        if flat is not None:
            cols.append(f"{sql_ident(flat)} AS {sql_ident('.'.join(p))}")
            continue
        top = h.raw(p[0])
        if top is None or len(p) == 1:
            continue
        children = _child_types(types[top])
        child = next((n for n in children if n.lower() == p[1].lower()), None)
        if child is not None:
            cols.append(f"{sql_ident(top)}.{sql_ident(child)} AS {sql_ident('.'.join(p))}")
    return rel.project(", ".join([*cols, "__row"]))


def _relations(source: Source, ctx: ScanContext) -> list[tuple[Path, duckdb.DuckDBPyRelation, Header]]:
    out = []
    for f in claim_files(ctx.claims, _files(source.path), str(source)):
        missing = sniff(read_header(f))
        if missing:
            raise SchemaError(f, _WHAT, missing)
        if _is_json(f):
            rel = _stage_json(ctx.con, f, ctx.workdir)
        else:
            rel = open_relation(ctx.con, f, ctx.workdir)
            if f.name.lower().endswith(".parquet"):
                rel = _stage_parquet(rel)
        out.append((f, rel, Header(rel.columns, [str(t) for t in rel.types])))
    return out


# --------------------------------------------------------------------------------------------------
# SQL


def _col(h: Header, field: str) -> str:
    c = h.first(_names(field))
    return text(c) if c is not None else "NULL::VARCHAR"


_KV_TYPE = "STRUCT(key VARCHAR, value VARCHAR)[]"


def _kv_list(h: Header, field: str) -> str | None:
    """The label list of ``field`` as ``STRUCT(key, value)[]`` (NULL when absent)."""
    c = h.first(_names(field))
    if c is None:
        return None
    col = sql_ident(c)
    if h.is_text(c):
        t = text(c)
        return (
            f"CASE json_type({t}) "
            f'WHEN \'ARRAY\' THEN from_json({t}, \'[{{"key":"VARCHAR","value":"VARCHAR"}}]\') '
            f"WHEN 'OBJECT' THEN "
            f"CAST(map_entries(from_json({t}, '\"MAP(VARCHAR, VARCHAR)\"')) AS {_KV_TYPE}) "
            "END"
        )
    if h.is_map(c):
        return f"CAST(map_entries({col}) AS {_KV_TYPE})"
    pair = "{'key': CAST(x.key AS VARCHAR), 'value': CAST(x.value AS VARCHAR)}"
    return f"list_transform({col}, lambda x: {pair})"


def _credit_list(h: Header, types: dict[str, DuckDBPyType]) -> str | None:
    c = h.first(_names("credits"))
    if c is None:
        return None
    if h.is_text(c):
        schema = "{" + ",".join(f'"{k}":"VARCHAR"' for k in _CREDIT_FIELDS) + "}"
        return f"from_json({text(c)}, '[{schema}]')"
    child = _list_child(types[c])
    present = {n.lower(): n for n in _child_types(child)} if child is not None else {}
    parts = []
    for k in _CREDIT_FIELDS:
        src = f"CAST(x.{sql_ident(present[k])} AS VARCHAR)" if k in present else "NULL::VARCHAR"
        parts.append(f"{sql_str(k)}: {src}")
    return f"list_transform({sql_ident(c)}, lambda x: {{{', '.join(parts)}}})"


def _lookup(kv: str | None, key: str) -> str:
    if kv is None:
        return "NULL::VARCHAR"
    return f"NULLIF(trim(list_filter({kv}, lambda x: x.key = {sql_str(key)})[1].value), '')"


def _decimal(expr: str) -> str:
    return f"CAST({expr} AS {COST_SQL})"


def _tag_expr(h: Header, key: str) -> str:
    for prefix, field in (("project_label:", "project_labels"), ("system_label:", "system_labels")):
        if key.startswith(prefix):
            return _lookup(_kv_list(h, field), key[len(prefix) :])
    return _lookup(_kv_list(h, "labels"), key.removeprefix("label:"))


def _month_text(h: Header) -> str:
    """``invoice.month`` as ``YYYY-MM`` (accepts ``YYYYMM`` and ``YYYY-MM``)."""
    m = _col(h, "invoice_month")
    return f"regexp_replace({m}, '^([0-9]{{4}})-?([0-9]{{2}})$', '\\1-\\2')"


def _select_sql(
    h: Header, path: Path, types: dict[str, DuckDBPyType], tag_keys: Sequence[str], view: str
) -> str:
    missing = [".".join(_FIELDS[f]) for f in _REQUIRED if h.first(_names(f)) is None]
    if missing:
        raise SchemaError(path, _WHAT, missing)
    start = ts(h, h.first(_names("start")))  # type: ignore[arg-type]
    end_col = h.first(_names("end"))
    end = ts(h, end_col) if end_col else start
    month = f"coalesce({_month_text(h)}, strftime({start}, '%Y-%m'))"
    period = f"CAST(strptime({month} || '-01', '%Y-%m-%d') AS TIMESTAMP)"
    sku = _col(h, "sku")
    cost_type = f"lower(coalesce({_col(h, 'cost_type')}, 'regular'))"
    cost = num(h, h.first(_names("cost")), COST_SQL)  # type: ignore[arg-type]
    sys_labels = _kv_list(h, "system_labels")
    spec = f"lower({_lookup(sys_labels, _SPEC)})"
    zone = _col(h, "zone")
    region = (
        f"lower(coalesce({_col(h, 'region')}, "
        f"NULLIF(regexp_extract({zone}, '^([a-z]+-[a-z]+[0-9]+)-[a-z]$', 1), ''), {_col(h, 'location')}))"
    )
    adj = f"upper(coalesce({_col(h, 'adjustment_type')}, ''))"
    credit_adj = ", ".join(sql_str(a) for a in _CREDIT_ADJUSTMENTS)
    charge_class = f"""CASE
  WHEN {cost_type} = 'regular' THEN 'usage'
  WHEN {cost_type} = 'tax' THEN 'tax'
  WHEN {cost_type} = 'rounding_error' THEN 'rounding'
  WHEN {cost_type} = 'adjustment' AND {adj} IN ({credit_adj}) THEN 'credit'
  WHEN {cost_type} = 'adjustment' AND coalesce({cost}, 0) < 0 THEN 'refund'
  ELSE 'other_non_usage'
END"""
    sku_word = f"lower(NULLIF(regexp_extract({sku}, {sql_str(_SERIES_WORD)}, 1), ''))"
    named = f"""CASE
  WHEN {sku} ILIKE '%compute optimized%' THEN 'c2'
  WHEN {sku} ILIKE 'memory-optimized%' OR {sku} ILIKE '%memory optimized instance%' THEN 'm1'
  ELSE {sku_word}
END"""
    spec_series = (
        f"CASE WHEN {spec} LIKE 'custom-%' THEN 'n1' ELSE NULLIF(split_part({spec}, '-', 1), '') END"
    )
    is_component = f"regexp_matches({sku}, {sql_str(_COMPONENT_SKU)})"
    series = f"CASE WHEN {is_component} THEN coalesce({named}, {spec_series}) END"
    labels = _kv_list(h, "labels")
    tags = "NULL::VARCHAR" if labels is None else f"CAST(to_json(map_from_entries({labels})) AS VARCHAR)"
    unused = f"lower(coalesce({_lookup(sys_labels, _UNUSED)}, ''))"
    exprs = {
        "ProviderName": "'gcp'",
        "BillingAccountId": _col(h, "billing_account"),
        "SubAccountId": _col(h, "project"),
        "billing_month": month,
        "billing_period_hours": f"CAST(date_diff('hour', {period}, {period} + INTERVAL 1 MONTH) AS DOUBLE)",
        "ChargePeriodStart": start,
        "ChargePeriodEnd": end,
        "ServiceName": _col(h, "service"),
        "RegionId": region,
        "usage_type": sku,
        "operation": "NULL::VARCHAR",
        "product_family": "NULL::VARCHAR",
        "instance_type": spec,
        "line_item_type": cost_type,
        "charge_class": charge_class,
        "ConsumedQuantity": f"coalesce({num(h, h.first(_names('amount')), 'DOUBLE')}, 0.0)",  # type: ignore[arg-type]
        "ConsumedUnit": _col(h, "unit"),
        "BilledCost": f"coalesce({cost}, 0)",
        # GCP bills commitments monthly as fee rows of their own and credits as rows of their own (below):
        # the usage row's amortised cost is its cost before credits
        "EffectiveCost": f"coalesce({cost}, 0)",
        # no currency column: USD (the export's default); present but empty: UNKNOWN (see _io)
        "BillingCurrency": _col(h, "currency") if h.first(_names("currency")) else "'USD'",
        "vcpu_hint": f"TRY_CAST({_lookup(sys_labels, _CORES)} AS DOUBLE)",
        "memory_gb_hint": f"TRY_CAST({_lookup(sys_labels, _MEMORY)} AS DOUBLE) / 1024.0",
        **{c: f"NULL::{duckdb_type(CANONICAL_USAGE[c])}" for c in HINT_COLUMNS[2:]},
        "Tags": tags,
        "source_file": sql_str(str(path)),
        "source_row": "CAST(__row AS BIGINT)",
    }
    exprs["machine_series"] = series
    exprs["cpu_utilisation_hint"] = f"CASE WHEN {unused} = 'true' THEN 0.0 END"
    assert list(exprs) == list(CANONICAL_USAGE)
    tag_cols = [f"{_tag_expr(h, k)} AS {sql_ident(tag_column(k))}" for k in tag_keys]
    base = "SELECT " + ",\n  ".join([*(f"{e} AS {sql_ident(n)}" for n, e in exprs.items()), *tag_cols])
    sql = base + f" FROM {view}"
    credits = _credit_list(h, types)
    if credits is None:
        return sql
    credit_exprs = dict(exprs)
    credit_exprs.update(
        {
            "line_item_type": "coalesce(NULLIF(trim(__credit.type), ''), 'credit')",
            "charge_class": "'credit'",
            "ConsumedQuantity": "0.0",
            "ConsumedUnit": "NULL::VARCHAR",
            "BilledCost": f"coalesce({_decimal(_CREDIT_AMOUNT)}, 0)",
            "EffectiveCost": f"coalesce({_decimal(_CREDIT_AMOUNT)}, 0)",
            "vcpu_hint": "NULL::DOUBLE",
            "memory_gb_hint": "NULL::DOUBLE",
            "cpu_utilisation_hint": "NULL::DOUBLE",
        }
    )
    credit_sql = (
        "SELECT "
        + ",\n  ".join([*(f"{e} AS {sql_ident(n)}" for n, e in credit_exprs.items()), *tag_cols])
        + f" FROM (SELECT *, unnest({credits}) AS __credit FROM {view})"
    )
    return f"{sql}\nUNION ALL\n{credit_sql}"


# --------------------------------------------------------------------------------------------------
# contract


def scan(source: Source, ctx: ScanContext) -> nw.LazyFrame[Any]:
    """The canonical usage table of a GCP billing export file or folder (lazy)."""
    parts: list[duckdb.DuckDBPyRelation] = []
    for f, rel, h in _relations(source, ctx):
        types = dict(zip(rel.columns, rel.types, strict=True))
        parts.append(query_on(rel, "gcp", partial(_select_sql, h, f, types, ctx.tag_keys)))
    if not parts:  # every file was read already by an earlier source of this run
        return empty_canonical(ctx.con, ctx.tag_keys)
    return union_all(parts, guarded=ctx.guard)


def _checks(h: Header, types: dict[str, DuckDBPyType]) -> list[tuple[str, str, str]]:
    basic = (("amount", "number"), ("cost", "decimal"), ("start", "ts"), ("end", "ts"))
    checks = value_checks(
        h,
        [(h.first(_names(f)), k) for f, k in basic],
        timestamp_text="a timestamp such as 2026-10-01 00:00:00 UTC",
    )
    for field, kind in (
        ("invoice_month", "month"),
        ("labels", "json"),
        ("system_labels", "json"),
        ("project_labels", "json"),
        ("credits", "credits"),
    ):
        c = h.first(_names(field))
        if c is None or not h.is_text(c):
            continue
        if kind == "month":
            checks.append(
                (c, f"CASE WHEN regexp_matches({text(c)}, '^[0-9]{{4}}-?[0-9]{{2}}$') THEN 1 END", "YYYYMM")
            )
        elif kind == "json":
            t = text(c)
            checks.append(
                (
                    c,
                    f"CASE WHEN json_valid({t}) AND json_type({t}) IN ('ARRAY', 'OBJECT') THEN 1 END",
                    'a JSON array of {"key": ..., "value": ...} objects',
                )
            )
        else:
            t = text(c)
            checks.append(
                (
                    c,
                    f"CASE WHEN json_valid({t}) AND json_type({t}) = 'ARRAY' THEN 1 END",
                    "a JSON array of credit objects",
                )
            )
    return checks


def _bad_credit_amount(rel: duckdb.DuckDBPyRelation, path: Path, h: Header) -> None:
    c = h.first(_names("credits"))
    if c is None or not h.is_text(c):
        return
    t = text(c)
    amounts = f'from_json({t}, \'[{{"amount":"VARCHAR"}}]\')'
    bad = (
        rel.filter(f"json_valid({t}) AND json_type({t}) = 'ARRAY'")
        .project(f"__row, {t} AS v, {amounts} AS a")
        .filter(
            "len(list_filter(a, lambda x: x.amount IS NOT NULL "
            f"AND TRY_CAST(x.amount AS {COST_SQL}) IS NULL)) > 0"
        )
        .order("__row")
        .limit(1)
        .fetchall()
    )
    if bad:
        row, value, _ = bad[0]
        raise ValueParseError(
            path, row=int(row), column=c, value=str(value), expected="credit amounts as numbers"
        )


def diagnose(source: Source, ctx: ScanContext) -> None:
    """Raise :class:`~cloudcarbon.exceptions.ValueParseError` for the first unparseable value."""
    for f in _files(source.path):
        if _is_json(f):
            find_bad_json_line(f)
    for f, rel, h in _relations(source, ctx):
        types = dict(zip(rel.columns, rel.types, strict=True))
        find_bad_value(rel, f, _checks(h, types))
        _bad_credit_amount(rel, f, h)
    find_bad_rows(
        scan(source, dataclasses.replace(ctx, guard=False, claims={})),
        lambda c: {
            "billing_month": "invoice.month / usage_start_time",
            "ConsumedQuantity": "usage.amount",
            "BilledCost": "cost",
        }.get(c, c),
    )


def series_of_sku(description: str) -> str | None:
    """Python mirror of the SQL series rule (for documentation and tests)."""
    if not re.search(_COMPONENT_SKU, description):
        return None
    low = description.lower()
    if "compute optimized" in low:
        return "c2"
    if low.startswith("memory-optimized") or "memory optimized instance" in low:
        return "m1"
    m = re.match(_SERIES_WORD, description)
    return m.group(1).lower() if m else None
