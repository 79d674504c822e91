"""Pull a month of AWS Cost and Usage Report files (legacy CUR or CUR 2.0 Data Exports) from S3 with boto3.

AWS re-delivers an open month many times; each delivery (assembly) is a full replacement and the
month-level ``<report>-Manifest.json`` is overwritten to point at the newest one. This connector reads that
manifest and downloads only the data files it lists (plus the manifest itself), mirroring their S3 keys
under the destination folder, so :func:`cloudcarbon.connectors.aws_cur.resolve_files` finds them exactly as
it would in a synced copy of the bucket. Older assemblies left in the bucket are listed but never
downloaded.

Layouts::

    legacy  <prefix>/<report>/<yyyymmdd>-<yyyymmdd>/<report>-Manifest.json           (reportKeys)
            <prefix>/<report>/<yyyymmdd>-<yyyymmdd>/<assemblyId>/<report>-1.csv.gz
    CUR 2.0 <prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json (dataFiles, s3://)
            <prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/<executionId>/<export>-00001.parquet
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

from cloudcarbon.pull import MissingDependency, PullError, PullResult, _atomic_path, month_bounds

__all__ = ["manifest_key", "pull"]

_S3_URI = re.compile(r"^s3://([^/]+)/(.+)$")
_LEGACY_PERIOD = re.compile(r"^(\d{4})(\d{2})01-\d{8}$")
_CUR2_PERIOD = re.compile(r"^BILLING_PERIOD=(\d{4}-\d{2})$")


def _join(*parts: str) -> str:
    """S3 key from parts, without empty segments or doubled slashes."""
    return "/".join(seg for p in parts for seg in p.split("/") if seg)


def manifest_key(
    month: str, *, prefix: str = "", report: str | None = None, export: str | None = None
) -> str:
    """S3 key of the month-level manifest.

    Parameters
    ----------
    month
        Billing month, ``YYYY-MM``.
    prefix
        Report path prefix in the bucket (may be empty).
    report
        Legacy CUR report name.
    export
        CUR 2.0 (Data Exports) export name.

    Returns
    -------
    str
        ``<prefix>/<report>/<yyyymmdd>-<yyyymmdd>/<report>-Manifest.json`` (legacy) or
        ``<prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json`` (CUR 2.0).
    """
    start, end = month_bounds(month)
    if report:
        return _join(prefix, report, f"{start:%Y%m%d}-{end:%Y%m%d}", f"{report}-Manifest.json")
    if export:
        return _join(prefix, export, "metadata", f"BILLING_PERIOD={month}", f"{export}-Manifest.json")
    raise PullError("aws pull needs --report (legacy CUR) or --export (CUR 2.0 Data Exports)")


def _client(session: Any, endpoint_url: str | None, region: str | None, profile: str | None) -> Any:
    try:
        import boto3
    except ImportError as exc:
        raise MissingDependency("boto3", "aws") from exc
    if session is None:
        session = boto3.session.Session(region_name=region, profile_name=profile)
    return session.client("s3", endpoint_url=endpoint_url, region_name=region)


def _client_error(exc: Exception, bucket: str, what: str) -> PullError:
    """Turn a botocore error into one line that says what failed and what to check (never credentials)."""
    response = getattr(exc, "response", None)
    code = ""
    if isinstance(response, dict):
        err = response.get("Error")
        if isinstance(err, dict):
            code = str(err.get("Code", ""))
    name = type(exc).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return PullError(
            "no AWS credentials found; configure them the usual way (AWS_PROFILE, aws configure / sso login, "
            "instance or container role) and run again"
        )
    if code in ("NoSuchBucket",):
        return PullError(f"s3://{bucket} does not exist (or is in another partition); check --bucket")
    if code in ("AccessDenied", "AllAccessDisabled", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return PullError(
            f"access to s3://{bucket} denied while {what} ({code}); the credentials need s3:ListBucket and "
            "s3:GetObject on the report prefix"
        )
    return PullError(f"S3 request failed while {what} in s3://{bucket}: {code or name}: {exc}")


def _list_keys(s3: Any, bucket: str, prefix: str) -> list[tuple[str, int]]:
    """All ``(key, size)`` under ``prefix``, following pagination."""
    out: list[tuple[str, int]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []) or []:
            out.append((str(obj["Key"]), int(obj.get("Size", 0))))
    return out


def _list_folders(s3: Any, bucket: str, prefix: str) -> list[str]:
    """Immediate sub-folder names under ``prefix`` (``Delimiter='/'``), following pagination."""
    names: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        for cp in page.get("CommonPrefixes", []) or []:
            names.append(str(cp["Prefix"])[len(prefix) :].strip("/"))
    return names


def _available_periods(s3: Any, bucket: str, root: str, legacy: bool) -> list[str]:
    """Billing months that have a folder under the report root, as ``YYYY-MM``."""
    months: set[str] = set()
    if legacy:
        for name in _list_folders(s3, bucket, root + "/"):
            m = _LEGACY_PERIOD.match(name)
            if m:
                months.add(f"{m.group(1)}-{m.group(2)}")
    else:
        for sub in ("metadata", "data"):
            for name in _list_folders(s3, bucket, f"{root}/{sub}/"):
                m = _CUR2_PERIOD.match(name)
                if m:
                    months.add(m.group(1))
    return sorted(months)


def _data_keys(manifest: dict[str, Any], bucket: str) -> list[tuple[str, str]]:
    """``(bucket, key)`` of every data file the manifest lists."""
    files = manifest.get("dataFiles")
    if isinstance(files, list) and files:
        out: list[tuple[str, str]] = []
        for uri in files:
            m = _S3_URI.match(str(uri))
            out.append((m.group(1), m.group(2)) if m else (bucket, str(uri).lstrip("/")))
        return out
    keys = manifest.get("reportKeys")
    if isinstance(keys, list) and keys:
        return [(bucket, str(k).lstrip("/")) for k in keys]
    return []


def _local(dest: Path, key: str) -> Path:
    """Where an S3 key is mirrored under ``dest``; refuses keys that would escape it."""
    parts = PurePosixPath(key).parts
    if not parts or any(p in ("..", "") for p in parts) or key.startswith("/"):
        raise PullError(f"refusing to mirror S3 key {key!r} outside the destination folder")
    return dest.joinpath(*parts)


def pull(
    month: str,
    dest: Path,
    *,
    bucket: str,
    prefix: str = "",
    report: str | None = None,
    export: str | None = None,
    endpoint_url: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    session: Any = None,
    client: Any = None,
) -> PullResult:
    """Download the current delivery of one month's CUR from S3 into ``dest``.

    Parameters
    ----------
    month
        Billing month, ``YYYY-MM``.
    dest
        Destination folder; S3 keys are mirrored below it (created if missing).
    bucket
        S3 bucket the report is delivered to.
    prefix
        Report path prefix configured on the report or export (may be empty).
    report
        Legacy CUR report name (give this or ``export``).
    export
        CUR 2.0 Data Exports export name (give this or ``report``).
    endpoint_url
        Custom S3 endpoint (S3-compatible stores, tests).
    region
        AWS region of the bucket.
    profile
        Named profile of the shared AWS config; default: boto3's default credential chain.
    session
        A ``boto3.session.Session`` to create the S3 client from.
    client
        A ready S3 client (takes precedence over ``session``).

    Returns
    -------
    PullResult
        Files written (data files first, manifest last), bytes, and the keys of older deliveries skipped.

    Raises
    ------
    PullError
        No manifest for the month (the message lists the months present), a file the manifest lists is
        missing, access denied, or invalid options.
    MissingDependency
        boto3 is not installed.
    """
    if bool(report) == bool(export):
        raise PullError("aws pull needs exactly one of --report (legacy CUR) or --export (CUR 2.0)")
    legacy = bool(report)
    name = str(report or export)
    m_key = manifest_key(month, prefix=prefix, report=report, export=export)
    root = _join(prefix, name)
    s3 = client if client is not None else _client(session, endpoint_url, region, profile)
    dest = Path(dest)

    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError as exc:
        raise MissingDependency("botocore", "aws") from exc

    try:
        if legacy:
            period_prefix = m_key.rsplit("/", 1)[0] + "/"
            listed = _list_keys(s3, bucket, period_prefix)
        else:
            listed = _list_keys(s3, bucket, f"{root}/metadata/BILLING_PERIOD={month}/")
            listed += _list_keys(s3, bucket, f"{root}/data/BILLING_PERIOD={month}/")
        sizes = dict(listed)
        if m_key not in sizes:
            have = _available_periods(s3, bucket, root, legacy)
            kind = "report" if legacy else "export"
            raise PullError(
                f"no manifest for {month} at s3://{bucket}/{m_key}; billing periods present for {kind} "
                f"{name!r}: {', '.join(have) if have else 'none'} "
                "(check --bucket/--prefix/--month, or wait for the first delivery of the month)"
            )
        body = s3.get_object(Bucket=bucket, Key=m_key)["Body"]
        try:
            raw = body.read()
        finally:
            body.close()
        try:
            manifest = json.loads(raw)
        except ValueError as exc:
            raise PullError(
                f"s3://{bucket}/{m_key} is not valid JSON ({exc}); is this a CUR manifest?"
            ) from exc
        if not isinstance(manifest, dict):
            raise PullError(f"s3://{bucket}/{m_key} is not a JSON object; is this a CUR manifest?")
        wanted = _data_keys(manifest, bucket)
        if not wanted:
            raise PullError(f"s3://{bucket}/{m_key} lists no data files (reportKeys/dataFiles)")
        for b, key in wanted:
            if b == bucket and key not in sizes:
                # the manifest points outside the listed period folder: check the object exists at all
                try:
                    head = s3.head_object(Bucket=b, Key=key)
                except ClientError as exc:
                    raise PullError(
                        f"s3://{bucket}/{m_key} lists s3://{b}/{key}, which does not exist; the delivery may "
                        "still be in progress, pull again later"
                    ) from exc
                sizes[key] = int(head.get("ContentLength", 0))

        written: list[Path] = []
        for b, key in wanted:
            target = _local(dest, key)
            with _atomic_path(target) as tmp:
                s3.download_file(b, key, str(tmp))
            written.append(target)
        # the manifest goes last: a pull that fails half-way never leaves a manifest naming absent files
        m_target = _local(dest, m_key)
        with _atomic_path(m_target) as tmp:
            tmp.write_bytes(raw)
        written.append(m_target)
    except (ClientError, BotoCoreError) as exc:
        raise _client_error(exc, bucket, f"pulling {month}") from exc

    taken = {key for _, key in wanted} | {m_key}
    skipped = tuple(sorted(k for k in sizes if k not in taken and not k.endswith("/")))
    return PullResult(
        provider="aws",
        month=month,
        files=tuple(written),
        rows=None,
        bytes=sum(p.stat().st_size for p in written),
        skipped=skipped,
    )
