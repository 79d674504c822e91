"""Optional pull connectors: fetch a month of billing data with each cloud's official SDK.

The pull connectors do not estimate anything. They download (AWS) or export (GCP, Azure) the same billing
data the file connectors read and write it under a destination folder, so that the normal path takes
over::

    cloudcarbon pull aws --month 2026-10 --dest ./bills/aws --bucket my-cur --report my-report
    cloudcarbon estimate --month 2026-10 --source aws:./bills/aws

The carbon pulls (``aws_carbon``, ``gcp_carbon``, ``azure_carbon``) fetch the providers' own carbon
figures the same way, in the file formats :mod:`cloudcarbon.footprint` reads (the AWS ``CARBON_EMISSIONS``
export objects as delivered, the Google Carbon Footprint table as CSV with dotted column names, Azure
Carbon Optimization report items as ``{"value": [...], "dateRange": {...}}`` JSON).

Each provider module exposes ``pull(month, dest, **options) -> PullResult`` and imports its SDK inside the
functions, so ``import cloudcarbon`` never needs boto3, google-cloud-* or azure-*. A missing SDK raises
:class:`MissingDependency` with the ``pip install 'cloudcarbon[<extra>]'`` line that fixes it.

Credentials only ever come from each SDK's standard chain (boto3's default session, ``google.auth.default``,
``DefaultAzureCredential``); nothing here writes a secret to disk or to a log.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from cloudcarbon.exceptions import CloudCarbonError

__all__ = [
    "CARBON_PROVIDERS",
    "PROVIDERS",
    "MissingDependency",
    "Provider",
    "PullError",
    "PullResult",
    "month_bounds",
    "pull",
]

Provider = Literal["aws", "gcp", "azure"]
PROVIDERS: tuple[Provider, ...] = ("aws", "gcp", "azure")
#: Pulls of the providers' own carbon figures (read by :mod:`cloudcarbon.footprint`, not by ``estimate``).
CARBON_PROVIDERS: tuple[str, ...] = ("aws-carbon", "aws-carbon-api", "gcp-carbon", "azure-carbon")

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class PullError(CloudCarbonError):
    """A pull connector could not fetch the billing data (bad options, access denied, nothing there)."""

    exit_code = 7


class MissingDependency(PullError):
    """The cloud SDK a pull connector needs is not installed.

    Parameters
    ----------
    package
        Import name that failed (e.g. ``boto3``).
    extra
        The cloudcarbon extra that installs it (``aws``, ``gcp`` or ``azure``).
    """

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"pulling from {extra} needs {package}, which is not installed; "
            f"run: pip install 'cloudcarbon[{extra}]'"
        )


@dataclass(frozen=True)
class PullResult:
    """What a pull wrote.

    Attributes
    ----------
    provider
        ``"aws"``, ``"gcp"`` or ``"azure"``, or one of :data:`CARBON_PROVIDERS`.
    month
        Billing month pulled, ``YYYY-MM``.
    files
        Files written under the destination folder, in the order they were written.
    rows
        Billing (or carbon) rows written (GCP, Azure, the Sustainability API); ``None`` when the files
        were copied as delivered (AWS).
    bytes
        Total size of the files written, in bytes.
    skipped
        What was deliberately not fetched, e.g. the S3 keys of superseded CUR deliveries.
    notes
        Things the user should know about what was written (e.g. a month delivered under two carbon
        model versions).
    """

    provider: str
    month: str
    files: tuple[Path, ...]
    rows: int | None
    bytes: int
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def month_bounds(month: str) -> tuple[date, date]:
    """First day of ``month`` and first day of the following month.

    Parameters
    ----------
    month
        Billing month as ``YYYY-MM``.

    Returns
    -------
    tuple of date
        ``(start, end)``, ``end`` exclusive.

    Raises
    ------
    PullError
        When ``month`` is not a valid ``YYYY-MM``.
    """
    m = _MONTH.match(month)
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise PullError(f"month {month!r} is not YYYY-MM (e.g. 2026-10)")
    year, mon = int(m.group(1)), int(m.group(2))
    start = date(year, mon, 1)
    end = date(year + 1, 1, 1) if mon == 12 else date(year, mon + 1, 1)
    return start, end


@contextmanager
def _atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``target`` that replaces it only when the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def pull(provider: str, month: str, dest: Path, **options: Any) -> PullResult:
    """Pull one month of billing data from ``provider`` into ``dest``.

    Parameters
    ----------
    provider
        ``"aws"``, ``"gcp"`` or ``"azure"`` (billing data), or one of :data:`CARBON_PROVIDERS` (the
        providers' own carbon figures: ``"aws-carbon"`` the ``CARBON_EMISSIONS`` Data Export,
        ``"aws-carbon-api"`` the Sustainability API, ``"gcp-carbon"``, ``"azure-carbon"``).
    month
        Billing month, ``YYYY-MM``.
    dest
        Destination folder (created if missing).
    **options
        Provider options, passed to :func:`cloudcarbon.pull.aws.pull`, :func:`cloudcarbon.pull.gcp.pull` or
        :func:`cloudcarbon.pull.azure.pull`.

    Returns
    -------
    PullResult
        The files written and what was skipped.
    """
    if provider == "aws":
        from cloudcarbon.pull import aws

        return aws.pull(month, dest, **options)
    if provider == "gcp":
        from cloudcarbon.pull import gcp

        return gcp.pull(month, dest, **options)
    if provider == "azure":
        from cloudcarbon.pull import azure

        return azure.pull(month, dest, **options)
    if provider == "aws-carbon":
        from cloudcarbon.pull import aws_carbon

        return aws_carbon.pull(month, dest, **options)
    if provider == "aws-carbon-api":
        from cloudcarbon.pull import aws_carbon

        return aws_carbon.pull_api(month, dest, **options)
    if provider == "gcp-carbon":
        from cloudcarbon.pull import gcp_carbon

        return gcp_carbon.pull(month, dest, **options)
    if provider == "azure-carbon":
        from cloudcarbon.pull import azure_carbon

        return azure_carbon.pull(month, dest, **options)
    choices = ", ".join((*PROVIDERS, *CARBON_PROVIDERS))
    raise PullError(f"unknown provider {provider!r}; choose one of {choices}")
