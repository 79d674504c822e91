"""Pull a month of the Google Cloud Billing export from BigQuery into Parquet.

GCP no longer drops billing files into a bucket: the export is a BigQuery table
(``<project>.<dataset>.gcp_billing_export_v1_<ACCOUNT>`` or the detailed ``..._resource_v1_...``). This
connector runs one parameterised, month-bounded query (``invoice.month = @invoice_month`` plus a
``_PARTITIONTIME`` and ``usage_start_time`` window so BigQuery scans only the partitions that can hold the
month) and writes the result with its nesting intact (``credits``, ``labels``, ``system_labels`` stay
REPEATED RECORDs, ``service``/``sku``/``usage``... stay STRUCTs) to ``DEST/gcp-billing-YYYY-MM.parquet``.

:func:`resolve_accelerator_skus` looks GPU/TPU SKU ids up in the Cloud Billing Catalog and writes
``DEST/gcp-skus.json``, for SKUs whose export description does not name the accelerator model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from cloudcarbon.pull import MissingDependency, PullError, PullResult, _atomic_path, month_bounds

__all__ = [
    "CLOUD_TPU_SERVICE_ID",
    "COLUMNS",
    "COMPUTE_ENGINE_SERVICE_ID",
    "accelerator_sku_candidates",
    "build_query",
    "pull",
    "resolve_accelerator_skus",
]

COMPUTE_ENGINE_SERVICE_ID = "6F81-5844-456A"
CLOUD_TPU_SERVICE_ID = "E000-3F24-B8AA"

COLUMNS: tuple[str, ...] = (
    "billing_account_id",
    "service",
    "sku",
    "usage_start_time",
    "usage_end_time",
    "project",
    "labels",
    "system_labels",
    "location",
    "cost",
    "currency",
    "usage",
    "credits",
    "invoice",
    "cost_type",
)
_RESOURCE_COLUMNS = ("resource", "price")

_TABLE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.:-]*)\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$")
_INSTALL = ("google.cloud.bigquery", "gcp")

# accelerator SKUs whose description already names the model: nothing to resolve
_KNOWN_MODEL = re.compile(
    r"\b(?:nvidia\s+)?(?:tesla\s+)?(?:k80|p4|p100|v100|t4|l4|a10g?|a100(?:\s+\d+gb)?|h100(?:\s+\d+gb)?|"
    r"h200|b200|gb200|rtx\s*pro\s*6000)\b|\btpu[\s-]?v\d+[a-z]*\b",
    re.IGNORECASE,
)
_ACCELERATOR = re.compile(r"\b(?:gpu|tpu|accelerator|nvidia)\b", re.IGNORECASE)


def _parse_table(table: str) -> tuple[str, str, str]:
    m = _TABLE.match(table.strip().strip("`"))
    if m is None:
        raise PullError(
            f"--table {table!r} is not project.dataset.table "
            "(e.g. my-project.billing.gcp_billing_export_v1_01A2B3_C4D5E6_F70819)"
        )
    return m.group(1), m.group(2), m.group(3)


def build_query(
    table: str,
    month: str,
    *,
    billing_account: str | None = None,
    partition_filter: bool = True,
    late_days: int = 15,
) -> tuple[str, list[tuple[str, str, Any]]]:
    """The SQL and its parameters for one invoice month.

    Parameters
    ----------
    table
        Fully qualified export table, ``project.dataset.gcp_billing_export_(resource_)v1_XXXX``.
    month
        Invoice month, ``YYYY-MM``.
    billing_account
        Restrict to one billing account id (an export table can hold sub-accounts).
    partition_filter
        Bound ``_PARTITIONTIME`` (export ingestion time) as well as ``usage_start_time``; turn off for a view
        or a copy that is not ingestion-time partitioned.
    late_days
        Days after month end during which late rows for the month are still ingested.

    Returns
    -------
    tuple
        ``(sql, [(name, bigquery_type, value), ...])``.
    """
    project, dataset, name = _parse_table(table)
    start, end = month_bounds(month)
    columns = list(COLUMNS)
    if "resource_v1" in name:
        columns += _RESOURCE_COLUMNS
    # invoice months follow US Pacific time, so usage can start up to a day before the UTC month start
    usage_from = datetime.combine(start - timedelta(days=1), time(), tzinfo=UTC)
    usage_to = datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
    params: list[tuple[str, str, Any]] = [
        ("invoice_month", "STRING", f"{start:%Y%m}"),
        ("usage_from", "TIMESTAMP", usage_from),
        ("usage_to", "TIMESTAMP", usage_to),
    ]
    where = [
        "invoice.month = @invoice_month",
        "usage_start_time >= @usage_from",
        "usage_start_time < @usage_to",
    ]
    if partition_filter:
        params += [
            ("partition_from", "TIMESTAMP", usage_from),
            ("partition_to", "TIMESTAMP", usage_to + timedelta(days=late_days)),
        ]
        where += ["_PARTITIONTIME >= @partition_from", "_PARTITIONTIME < @partition_to"]
    if billing_account:
        params.append(("billing_account_id", "STRING", billing_account))
        where.append("billing_account_id = @billing_account_id")
    sql = (
        "SELECT\n  "
        + ",\n  ".join(columns)
        + f"\nFROM `{project}.{dataset}.{name}`\nWHERE "
        + "\n  AND ".join(where)
        + "\nORDER BY usage_start_time"
    )
    return sql, params


def _bigquery() -> Any:
    try:
        from google.cloud import bigquery
    except ImportError as exc:
        raise MissingDependency(*_INSTALL) from exc
    return bigquery


def _billing() -> Any:
    try:
        from google.cloud import billing_v1
    except ImportError as exc:
        raise MissingDependency("google.cloud.billing_v1", "gcp") from exc
    return billing_v1


def _google_error(exc: Exception, what: str) -> PullError:
    name = type(exc).__name__
    if name == "DefaultCredentialsError":
        return PullError(
            "no Google credentials found; run `gcloud auth application-default login` or set "
            "GOOGLE_APPLICATION_CREDENTIALS, then try again"
        )
    message = getattr(exc, "message", None) or str(exc)
    return PullError(f"{what} failed: {name}: {message}")


def accelerator_sku_candidates(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """SKU ids of GPU/TPU rows whose description does not name the accelerator model.

    Parameters
    ----------
    rows
        Export rows with nested ``service`` and ``sku`` records (``{"id", "description"}``).

    Returns
    -------
    list of str
        Sorted, distinct SKU ids to look up with :func:`resolve_accelerator_skus`.
    """
    out: set[str] = set()
    for row in rows:
        service = row.get("service") or {}
        sku = row.get("sku") or {}
        sku_id = sku.get("id")
        if not sku_id:
            continue
        desc = str(sku.get("description") or "")
        is_tpu_service = (
            service.get("id") == CLOUD_TPU_SERVICE_ID or service.get("description") == "Cloud TPU"
        )
        in_scope = (
            is_tpu_service
            or service.get("id") == COMPUTE_ENGINE_SERVICE_ID
            or (service.get("description") == "Compute Engine")
        )
        if in_scope and (is_tpu_service or _ACCELERATOR.search(desc)) and not _KNOWN_MODEL.search(desc):
            out.add(str(sku_id))
    return sorted(out)


def resolve_accelerator_skus(
    sku_ids: Iterable[str],
    dest: Path | None = None,
    *,
    client: Any = None,
    service_ids: Sequence[str] = (COMPUTE_ENGINE_SERVICE_ID, CLOUD_TPU_SERVICE_ID),
) -> dict[str, str]:
    """Look SKU ids up in the Cloud Billing Catalog (Compute Engine and Cloud TPU services).

    Parameters
    ----------
    sku_ids
        SKU ids as in the export's ``sku.id`` (e.g. ``2E27-4F75-95CD``).
    dest
        When given, also write ``dest/gcp-skus.json`` with the catalog category of each SKU found
        (``resource_family``, ``resource_group``, ``usage_type``, service, regions).
    client
        A ``google.cloud.billing_v1.CloudCatalogClient``; default: one on the REST transport with the
        default Google credentials.
    service_ids
        Catalog services to search.

    Returns
    -------
    dict
        ``{sku_id: description}`` for the SKUs found; ids not in the catalog are left out.
    """
    wanted = {s for s in sku_ids if s}
    if not wanted:
        return {}
    if client is None:
        billing_v1 = _billing()
        try:
            client = billing_v1.CloudCatalogClient(transport="rest")
        except Exception as exc:  # credentials are resolved here
            raise _google_error(exc, "creating the Cloud Billing Catalog client") from exc
    found: dict[str, dict[str, Any]] = {}
    try:
        for service_id in service_ids:
            for sku in client.list_skus(parent=f"services/{service_id}"):
                if sku.sku_id not in wanted:
                    continue
                found[sku.sku_id] = {
                    "description": sku.description,
                    "service_id": service_id,
                    "service_display_name": sku.category.service_display_name,
                    "resource_family": sku.category.resource_family,
                    "resource_group": sku.category.resource_group,
                    "usage_type": sku.category.usage_type,
                    "service_regions": sorted(sku.service_regions),
                }
            if wanted <= found.keys():
                break
    except PullError:
        raise
    except Exception as exc:
        raise _google_error(exc, "listing Cloud Billing Catalog SKUs") from exc
    if dest is not None:
        target = Path(dest) / "gcp-skus.json"
        doc = {
            "source": "cloudbilling.googleapis.com services.skus.list",
            "services": list(service_ids),
            "skus": dict(sorted(found.items())),
            "not_found": sorted(wanted - found.keys()),
        }
        with _atomic_path(target) as tmp:
            tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return {k: str(v["description"]) for k, v in sorted(found.items())}


def _client_and_config(
    bigquery: Any,
    client: Any,
    params: Sequence[tuple[str, str, Any]],
    project: str | None,
    location: str | None,
) -> tuple[Any, Any]:
    """The BigQuery client (``client`` when given) and a standard-SQL job config with ``params``."""
    if client is None:
        try:
            client = bigquery.Client(project=project, location=location)
        except Exception as exc:
            raise _google_error(exc, "creating the BigQuery client") from exc
    config = bigquery.QueryJobConfig(
        query_parameters=[bigquery.ScalarQueryParameter(n, t, v) for n, t, v in params],
        use_legacy_sql=False,
    )
    return client, config


def pull(
    month: str,
    dest: Path,
    *,
    table: str,
    billing_account: str | None = None,
    project: str | None = None,
    location: str | None = None,
    partition_filter: bool = True,
    late_days: int = 15,
    resolve_skus: bool = True,
    page_size: int | None = None,
    bqstorage_client: Any = None,
    client: Any = None,
    catalog_client: Any = None,
) -> PullResult:
    """Query one invoice month of the billing export and write it to ``dest`` as Parquet.

    Parameters
    ----------
    month
        Invoice month, ``YYYY-MM``.
    dest
        Destination folder (created if missing); the file is ``gcp-billing-YYYY-MM.parquet``.
    table
        Export table, ``project.dataset.gcp_billing_export_v1_XXXX`` or ``..._resource_v1_XXXX``.
    billing_account
        Only rows of this billing account id.
    project
        Project the query job runs (and is billed) in; default: the client's default project, else the
        table's project.
    location
        BigQuery location of the dataset (e.g. ``US``, ``EU``).
    partition_filter
        Also bound ``_PARTITIONTIME`` (see :func:`build_query`).
    late_days
        Days after month end to include in the partition window.
    resolve_skus
        Look up GPU/TPU SKUs whose description does not name the model (writes ``gcp-skus.json``).
    page_size
        Rows per REST page (default: BigQuery's).
    bqstorage_client
        A ``google.cloud.bigquery_storage.BigQueryReadClient`` to download through the Storage Read API
        (faster for large months; needs ``google-cloud-bigquery-storage``); default: the REST pages.
    client
        A ``google.cloud.bigquery.Client``; default: one with the default Google credentials.
    catalog_client
        A ``google.cloud.billing_v1.CloudCatalogClient`` for ``resolve_skus``.

    Returns
    -------
    PullResult
        The Parquet file (and ``gcp-skus.json`` when written), row count and bytes written.
    """
    bigquery = _bigquery()
    table_project, _, _ = _parse_table(table)
    sql, params = build_query(
        table, month, billing_account=billing_account, partition_filter=partition_filter, late_days=late_days
    )
    client, config = _client_and_config(bigquery, client, params, project or table_project, location)
    import pyarrow.parquet as pq

    dest = Path(dest)
    target = dest / f"gcp-billing-{month}.parquet"
    rows = 0
    candidates: set[str] = set()
    try:
        job = client.query(sql, job_config=config, location=location, project=project)
        result = job.result(page_size=page_size)
        with _atomic_path(target) as tmp:
            # stream page by page into one Parquet file: a month of a detailed export need not fit in memory
            writer: Any = None
            try:
                for batch in result.to_arrow_iterable(bqstorage_client=bqstorage_client):
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, batch.schema, compression="zstd")
                    writer.write_batch(batch)
                    rows += batch.num_rows
                    if resolve_skus and batch.num_rows:
                        cols = batch.select(["service", "sku"]).to_pylist()
                        candidates.update(accelerator_sku_candidates(cols))
                if writer is None:  # no rows: still write the file, with the export's schema
                    pq.write_table(result.to_arrow(create_bqstorage_client=False), tmp, compression="zstd")
            finally:
                if writer is not None:
                    writer.close()
    except PullError:
        raise
    except Exception as exc:
        raise _google_error(exc, f"querying {table} for {month}") from exc

    files = [target]
    skipped: list[str] = []
    if candidates:
        resolved = resolve_accelerator_skus(sorted(candidates), dest, client=catalog_client)
        files.append(dest / "gcp-skus.json")
        skipped += [
            f"sku {s}: not in the Cloud Billing Catalog" for s in sorted(candidates) if s not in resolved
        ]
    return PullResult(
        provider="gcp",
        month=month,
        files=tuple(files),
        rows=rows,
        bytes=sum(p.stat().st_size for p in files),
        skipped=tuple(skipped),
    )
