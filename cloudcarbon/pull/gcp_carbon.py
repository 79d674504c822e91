"""Pull one month of the Google Cloud Carbon Footprint export from BigQuery into a flat CSV.

The Carbon Footprint data transfer writes a monthly-partitioned table (``carbon_footprint``) into a
dataset the customer chooses. This connector runs one parameterised query for a usage month
(``usage_month = @usage_month``, which prunes to one partition) selecting every column the table has
(its schema has changed over the years; the table's own schema is the truth), and writes the rows to
``DEST/gcp-carbon-footprint-YYYY-MM.csv`` with the export's column names, nested RECORD fields
flattened with dots (``project.id``, ``service.description``, ``location.region``,
``carbon_footprint_total_kgCO2e.location_based``, ``carbon_footprint_kgCO2e.scope2.market_based``, ...)
in the table's column order, the form :mod:`cloudcarbon.footprint` reads.

The BigQuery client set-up and error handling are the billing pull's (:mod:`cloudcarbon.pull.gcp`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cloudcarbon.pull import PullError, PullResult, _atomic_path, month_bounds
from cloudcarbon.pull.gcp import _bigquery, _client_and_config, _google_error, _parse_table

__all__ = ["build_query", "flat_columns", "flat_row", "pull"]

_RECORD = ("RECORD", "STRUCT")


def build_query(
    table: str, month: str, *, billing_account: str | None = None
) -> tuple[str, list[tuple[str, str, Any]]]:
    """The SQL and its parameters for one usage month of the Carbon Footprint table.

    Parameters
    ----------
    table
        ``project.dataset.carbon_footprint`` (any table name is accepted).
    month
        Usage month, ``YYYY-MM``.
    billing_account
        Only this billing account id (a dataset may receive several accounts' transfers).

    Returns
    -------
    tuple
        ``(sql, [(name, bigquery_type, value), ...])``.
    """
    project, dataset, name = _parse_table(table)
    start, _ = month_bounds(month)
    params: list[tuple[str, str, Any]] = [("usage_month", "DATE", start)]
    where = ["usage_month = @usage_month"]
    if billing_account:
        params.append(("billing_account_id", "STRING", billing_account))
        where.append("billing_account_id = @billing_account_id")
    sql = f"SELECT *\nFROM `{project}.{dataset}.{name}`\nWHERE " + "\n  AND ".join(where)
    return sql, params


def _paths(schema: Sequence[Any], keys: tuple[str, ...] = ()) -> list[tuple[str, tuple[str, ...]]]:
    """``(dotted name, keys from the row down to the leaf)`` of every leaf column, in schema order.

    Computed once per result: ``SchemaField.fields`` builds new objects on every access.
    """
    out: list[tuple[str, tuple[str, ...]]] = []
    for field in schema:
        path = (*keys, str(field.name))
        sub = field.fields if field.field_type in _RECORD and field.mode != "REPEATED" else ()
        if sub:
            out += _paths(sub, path)
        else:
            out.append((".".join(path), path))
    return out


def _flat(paths: Sequence[tuple[str, tuple[str, ...]]], row: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, keys in paths:
        value = row
        for key in keys:
            value = None if value is None else value.get(key)
        out[name] = _text(value)
    return out


def flat_columns(schema: Sequence[Any], prefix: str = "") -> list[str]:
    """Dotted leaf column names of a BigQuery schema, in schema order.

    Parameters
    ----------
    schema
        ``google.cloud.bigquery.SchemaField`` objects (``name``, ``field_type``, ``mode``, ``fields``).
    prefix
        Prefix of the parent record (used in the recursion).

    Returns
    -------
    list of str
        ``["usage_month", ..., "project.id", "project.number", ...]``; a REPEATED field is one column.
    """
    return [prefix + name for name, _ in _paths(schema)]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
    return str(value)


def flat_row(schema: Sequence[Any], row: Any, prefix: str = "") -> dict[str, str]:
    """One result row as ``{dotted column: text}`` (empty text for NULL, at any depth).

    Parameters
    ----------
    schema
        The result's schema (see :func:`flat_columns`).
    row
        A ``google.cloud.bigquery.Row`` or a mapping (nested records as mappings).
    prefix
        Prefix of the parent record (used in the recursion).

    Returns
    -------
    dict
        Values for :func:`flat_columns` of ``schema``; floats as Python's shortest round-trip text.
    """
    return {prefix + name: text for name, text in _flat(_paths(schema), row).items()}


def pull(
    month: str,
    dest: Path,
    *,
    table: str,
    billing_account: str | None = None,
    project: str | None = None,
    location: str | None = None,
    page_size: int | None = None,
    client: Any = None,
) -> PullResult:
    """Query one usage month of the Carbon Footprint export and write it as CSV with dotted columns.

    Parameters
    ----------
    month
        Usage month, ``YYYY-MM``.
    dest
        Destination folder (created if missing); the file is ``gcp-carbon-footprint-YYYY-MM.csv``.
    table
        The export table, ``project.dataset.carbon_footprint``.
    billing_account
        Only rows of this billing account id.
    project
        Project the query job runs (and is billed) in; default: the table's project.
    location
        BigQuery location of the dataset (``US``, ``EU``, ...).
    page_size
        Rows per REST page (default: BigQuery's).
    client
        A ``google.cloud.bigquery.Client``; default: one with the default Google credentials.

    Returns
    -------
    PullResult
        The CSV written and its row count.

    Raises
    ------
    PullError
        Bad table name, query refused (access, table not found), or no rows for the month (nothing is
        written then: Google publishes a month on the 15th of the following month).
    MissingDependency
        google-cloud-bigquery is not installed.
    """
    bigquery = _bigquery()
    table_project, _, _ = _parse_table(table)
    sql, params = build_query(table, month, billing_account=billing_account)
    client, config = _client_and_config(bigquery, client, params, project or table_project, location)
    dest = Path(dest)
    target = dest / f"gcp-carbon-footprint-{month}.csv"
    rows = 0
    try:
        job = client.query(sql, job_config=config, location=location, project=project)
        result = job.result(page_size=page_size)
        paths = _paths(list(result.schema))
        with _atomic_path(target) as tmp:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=[name for name, _ in paths], lineterminator="\n")
                writer.writeheader()
                found: Iterable[Any] = result
                for row in found:
                    writer.writerow(_flat(paths, row))
                    rows += 1
            if rows == 0:
                who = f" for billing account {billing_account}" if billing_account else ""
                raise PullError(
                    f"{table} has no Carbon Footprint rows for {month}{who}; Google publishes a month on the "
                    "15th of the following month (check --month, --table and --billing-account); "
                    "nothing was written"
                )
    except PullError:
        raise
    except Exception as exc:
        raise _google_error(exc, f"querying {table} for {month}") from exc
    return PullResult(
        provider="gcp-carbon",
        month=month,
        files=(target,),
        rows=rows,
        bytes=target.stat().st_size,
    )
