"""Pull AWS's own carbon figures for a month: the ``CARBON_EMISSIONS`` Data Export or the Sustainability API.

Data Export
    AWS delivers the table to S3 in Hive-style partitions::

        <prefix>/<export>/data/model_version=<V>/usage_period=<YYYY-MM>/<files>.csv|.csv.gz|.parquet

    After a methodology change AWS delivers a month under **both** the old and the new ``model_version``
    for three months. :func:`pull` downloads the month's objects under **every** model version present,
    byte for byte, mirroring their keys under the destination folder, so the footprint reader can pick
    one version per month (it must never sum across versions). Nothing is converted.

Sustainability API
    :func:`pull_api` calls ``GetEstimatedCarbonEmissions`` (botocore service ``sustainability``, API
    version 2018-05-10) for the month, grouped by usage account, Region and service, with all seven
    emissions types, and writes the results in the ``CARBON_EMISSIONS`` column layout and partition
    folders (``<dest>/sustainability-api/data/model_version=<V>/usage_period=<M>/...csv``). Columns the API
    does not return (``last_refresh_timestamp``, ``payer_account_id``, the ``location`` display name) are
    left empty. The API and the Data Export carry the same figures: pull them into different folders
    (without a payer account the reader cannot tell the copies apart). The service model is not in
    every botocore the ``aws`` extra allows (``botocore>=1.34``); :func:`pull_api` checks the installed
    botocore has it and says how to upgrade when not.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from cloudcarbon.pull import PullError, PullResult, _atomic_path, month_bounds
from cloudcarbon.pull.aws import _client, _client_error, _join, _list_folders, _list_keys, _local

__all__ = [
    "API_EXPORT_NAME",
    "CARBON_COLUMNS",
    "EMISSIONS_TYPES",
    "data_prefix",
    "pull",
    "pull_api",
]

_VERSION_FOLDER = re.compile(r"^model_version=(.+)$")
_PERIOD_FOLDER = re.compile(r"^usage_period=(\d{4}-\d{2})$")
#: object names the reader accepts; anything else in a partition folder is listed as skipped
_DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".gz")

#: The ``CARBON_EMISSIONS`` table's columns (AWS Data Exports, model v3), in the order AWS writes them.
CARBON_COLUMNS: tuple[str, ...] = (
    "last_refresh_timestamp",
    "location",
    "model_version",
    "payer_account_id",
    "product_code",
    "region_code",
    "total_lbm_emissions_unit",
    "total_lbm_emissions_value",
    "total_mbm_emissions_unit",
    "total_mbm_emissions_value",
    "total_scope_1_emissions_unit",
    "total_scope_1_emissions_value",
    "total_scope_2_lbm_emissions_unit",
    "total_scope_2_lbm_emissions_value",
    "total_scope_2_mbm_emissions_unit",
    "total_scope_2_mbm_emissions_value",
    "total_scope_3_lbm_emissions_unit",
    "total_scope_3_lbm_emissions_value",
    "total_scope_3_mbm_emissions_unit",
    "total_scope_3_mbm_emissions_value",
    "usage_account_id",
    "usage_period_end",
    "usage_period_start",
)

#: Sustainability API emissions type -> the ``CARBON_EMISSIONS`` column stem it fills.
EMISSIONS_TYPES: dict[str, str] = {
    "TOTAL_LBM_CARBON_EMISSIONS": "total_lbm_emissions",
    "TOTAL_MBM_CARBON_EMISSIONS": "total_mbm_emissions",
    "TOTAL_SCOPE_1_CARBON_EMISSIONS": "total_scope_1_emissions",
    "TOTAL_SCOPE_2_LBM_CARBON_EMISSIONS": "total_scope_2_lbm_emissions",
    "TOTAL_SCOPE_2_MBM_CARBON_EMISSIONS": "total_scope_2_mbm_emissions",
    "TOTAL_SCOPE_3_LBM_CARBON_EMISSIONS": "total_scope_3_lbm_emissions",
    "TOTAL_SCOPE_3_MBM_CARBON_EMISSIONS": "total_scope_3_mbm_emissions",
}
_GROUP_BY = ("USAGE_ACCOUNT_ID", "REGION", "SERVICE")

#: Folder the Sustainability API results are written under, in place of a Data Export name.
API_EXPORT_NAME = "sustainability-api"


def data_prefix(prefix: str, export: str) -> str:
    """S3 key prefix of the export's data partitions, ``<prefix>/<export>/data/``."""
    return _join(prefix, export, "data") + "/"


def _is_data(key: str) -> bool:
    return key.lower().endswith(_DATA_SUFFIXES)


def pull(
    month: str,
    dest: Path,
    *,
    bucket: str,
    export: str,
    prefix: str = "",
    endpoint_url: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    session: Any = None,
    client: Any = None,
) -> PullResult:
    """Download one month of the ``CARBON_EMISSIONS`` Data Export, every model version present.

    Parameters
    ----------
    month
        Usage month, ``YYYY-MM`` (the ``usage_period`` partition).
    dest
        Destination folder; the S3 keys are mirrored below it, partition folders included.
    bucket
        S3 bucket the export is delivered to.
    export
        Data Exports export name (the folder under ``prefix``).
    prefix
        S3 path prefix configured on the export (may be empty).
    endpoint_url, region, profile, session, client
        As for :func:`cloudcarbon.pull.aws.pull`.

    Returns
    -------
    PullResult
        Data files written (sorted by key), ``rows`` None (files are copied as delivered), the keys of
        non-data objects skipped, and a note naming the model versions when there is more than one.

    Raises
    ------
    PullError
        No object for the month under any model version (the message lists the versions and months
        present), access denied, or invalid options.
    MissingDependency
        boto3 is not installed.
    """
    month_bounds(month)
    if not export or not export.strip("/"):
        raise PullError("aws-carbon pull needs --export, the Data Exports export name")
    if not bucket:
        raise PullError("aws-carbon pull needs --bucket, the S3 bucket the export is delivered to")
    root = data_prefix(prefix, export)
    s3 = client if client is not None else _client(session, endpoint_url, region, profile)
    dest = Path(dest)

    from botocore.exceptions import BotoCoreError, ClientError

    try:
        versions = sorted(
            m.group(1) for name in _list_folders(s3, bucket, root) if (m := _VERSION_FOLDER.match(name))
        )
        listed: list[tuple[str, int]] = []
        for version in versions:
            listed += _list_keys(s3, bucket, f"{root}model_version={version}/usage_period={month}/")
        wanted = sorted(k for k, _ in listed if _is_data(k))
        if not wanted:
            present: set[str] = set()
            for version in versions:
                for name in _list_folders(s3, bucket, f"{root}model_version={version}/"):
                    if m := _PERIOD_FOLDER.match(name):
                        present.add(m.group(1))
            raise PullError(
                f"no CARBON_EMISSIONS data for {month} under s3://{bucket}/{root}; model versions present: "
                f"{', '.join(versions) if versions else 'none'}; usage periods present: "
                f"{', '.join(sorted(present)) if present else 'none'} (check --bucket/--prefix/--export; "
                "AWS delivers a month's figures after the month ends)"
            )
        written: list[Path] = []
        for key in wanted:
            target = _local(dest, key)
            with _atomic_path(target) as tmp:
                s3.download_file(bucket, key, str(tmp))
            written.append(target)
    except (ClientError, BotoCoreError) as exc:
        raise _client_error(exc, bucket, f"pulling the carbon export for {month}") from exc

    got = sorted({k[len(root) :].split("/", 1)[0].split("=", 1)[1] for k in wanted})
    notes: list[str] = []
    if len(got) > 1:
        notes.append(
            f"{month} is delivered under {len(got)} model versions ({', '.join(got)}); all were kept in "
            "their partition folders: use one version per month, never their sum"
        )
    # files of an earlier pull that S3 no longer has would be read beside the new ones: say so, never delete
    stale: list[str] = []
    for folder in sorted({p.parent for p in written}):
        stale += [p.name for p in sorted(folder.iterdir()) if p.is_file() and p not in written]
    if stale:
        notes.append(
            f"{len(stale)} file(s) in the month's partition folders under {dest} are not in S3 any more "
            f"({', '.join(stale[:3])}{', ...' if len(stale) > 3 else ''}); remove them or pull into an "
            "empty folder, or they will be read too"
        )
    return PullResult(
        provider="aws-carbon",
        month=month,
        files=tuple(written),
        rows=None,
        bytes=sum(p.stat().st_size for p in written),
        skipped=tuple(sorted(k for k, _ in listed if not _is_data(k) and not k.endswith("/"))),
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------------------
# Sustainability API
# --------------------------------------------------------------------------------------------------


def _sustainability_client(
    session: Any, endpoint_url: str | None, region: str | None, profile: str | None
) -> Any:
    from cloudcarbon.pull import MissingDependency

    try:
        import boto3
        import botocore
    except ImportError as exc:
        raise MissingDependency("boto3", "aws") from exc
    if session is None:
        session = boto3.session.Session(region_name=region, profile_name=profile)
    if "sustainability" not in session.get_available_services():
        raise PullError(
            f"the installed botocore {botocore.__version__} has no 'sustainability' service model (AWS "
            "Sustainability API); upgrade it with: pip install -U boto3 botocore "
            "(or pull the CARBON_EMISSIONS Data Export with `cloudcarbon pull aws-carbon`)"
        )
    return session.client("sustainability", endpoint_url=endpoint_url, region_name=region or "us-east-1")


def _timestamp(value: Any) -> str:
    """A time in the Data Export's form, ``YYYY-MM-DD HH:MM:SSZ`` (UTC)."""
    if isinstance(value, datetime):
        when = value.astimezone(UTC) if value.tzinfo is not None else value
        return when.strftime("%Y-%m-%d %H:%M:%SZ")
    return str(value)


def _number(value: Any) -> str:
    if value is None:
        return ""
    return repr(float(value))


def _api_row(result: dict[str, Any]) -> dict[str, str]:
    dims = result.get("DimensionsValues") or {}
    period = result.get("TimePeriod") or {}
    row = dict.fromkeys(CARBON_COLUMNS, "")
    row.update(
        {
            "model_version": str(result.get("ModelVersion") or ""),
            "usage_account_id": str(dims.get("USAGE_ACCOUNT_ID") or ""),
            "region_code": str(dims.get("REGION") or ""),
            "product_code": str(dims.get("SERVICE") or ""),
            "usage_period_start": _timestamp(period.get("Start")),
            "usage_period_end": _timestamp(period.get("End")),
        }
    )
    for etype, value in (result.get("EmissionsValues") or {}).items():
        stem = EMISSIONS_TYPES.get(str(etype))
        if stem is None:  # a type this version does not know: refuse rather than drop it
            raise PullError(
                f"the Sustainability API returned emissions type {etype!r}, which cloudcarbon does not "
                "know; upgrade cloudcarbon"
            )
        row[f"{stem}_value"] = _number(value.get("Value"))
        row[f"{stem}_unit"] = str(value.get("Unit") or "")
    return row


def _api_error(exc: Exception, month: str) -> PullError:
    response = getattr(exc, "response", None)
    code = ""
    if isinstance(response, dict):
        err = response.get("Error")
        if isinstance(err, dict):
            code = str(err.get("Code", ""))
    if type(exc).__name__ in ("NoCredentialsError", "PartialCredentialsError"):
        return _client_error(exc, "", "")
    if code in ("AccessDeniedException", "AccessDenied", "UnrecognizedClientException"):
        return PullError(
            f"the AWS Sustainability API denied access ({code}); the credentials need "
            "sustainability:GetEstimatedCarbonEmissions"
        )
    if code in ("ThrottlingException", "TooManyRequestsException"):
        return PullError(
            f"the AWS Sustainability API kept throttling the request for {month} after botocore's retries; "
            "try again later"
        )
    return PullError(
        f"AWS Sustainability API request for {month} failed: {code or type(exc).__name__}: {exc}"
    )


def pull_api(
    month: str,
    dest: Path,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    session: Any = None,
    client: Any = None,
    page_size: int | None = None,
) -> PullResult:
    """Fetch one month from the AWS Sustainability API and write it as a ``CARBON_EMISSIONS`` CSV.

    Parameters
    ----------
    month
        Usage month, ``YYYY-MM``.
    dest
        Destination folder; the file is
        ``sustainability-api/data/model_version=<V>/usage_period=<M>/sustainability-api-<M>.csv``
        (one per model version returned; the API returns the latest only).
    endpoint_url, region, profile, session
        As for :func:`cloudcarbon.pull.aws.pull`; the API's home Region is ``us-east-1``.
    client
        A ready ``sustainability`` client (takes precedence over ``session``).
    page_size
        ``MaxResults`` per page (1..5000; default: the API's, 1000).

    Returns
    -------
    PullResult
        The CSV file(s) written and the number of result rows.

    Raises
    ------
    PullError
        The installed botocore lacks the service, access denied, throttled after retries, a result for
        another month, or no results for the month.
    """
    start, end = month_bounds(month)
    sus = client if client is not None else _sustainability_client(session, endpoint_url, region, profile)
    from botocore.exceptions import BotoCoreError, ClientError

    request: dict[str, Any] = {
        "TimePeriod": {
            "Start": datetime.combine(start, time(), tzinfo=UTC),
            "End": datetime.combine(end, time(), tzinfo=UTC),
        },
        "GroupBy": list(_GROUP_BY),
        "EmissionsTypes": list(EMISSIONS_TYPES),
        "Granularity": "MONTHLY",
    }
    if page_size is not None:
        request["PaginationConfig"] = {"PageSize": page_size}
    by_version: dict[str, list[dict[str, str]]] = {}
    try:
        for page in sus.get_paginator("get_estimated_carbon_emissions").paginate(**request):
            for result in page.get("Results", []) or []:
                row = _api_row(result)
                if not row["usage_period_start"].startswith(f"{start:%Y-%m-%d}"):
                    raise PullError(
                        f"the Sustainability API returned a result for {row['usage_period_start']!r} when "
                        f"asked for {month}; nothing was written"
                    )
                by_version.setdefault(row["model_version"], []).append(row)
    except (ClientError, BotoCoreError) as exc:
        raise _api_error(exc, month) from exc
    if not by_version:
        raise PullError(
            f"the AWS Sustainability API has no carbon figures for {month} (AWS publishes a month's figures "
            "after it ends; check the month)"
        )
    dest = Path(dest)
    written: list[Path] = []
    rows = 0
    for version, version_rows in sorted(by_version.items()):
        if not version or "/" in version or version in (".", ".."):
            raise PullError(
                f"the Sustainability API returned model version {version!r}, not a vX.Y.Z version"
            )
        target = (
            dest
            / API_EXPORT_NAME
            / "data"
            / f"model_version={version}"
            / f"usage_period={month}"
            / f"{API_EXPORT_NAME}-{month}.csv"
        )
        with _atomic_path(target) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=CARBON_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(version_rows)
        written.append(target)
        rows += len(version_rows)
    return PullResult(
        provider="aws-carbon-api",
        month=month,
        files=tuple(written),
        rows=rows,
        bytes=sum(p.stat().st_size for p in written),
    )
