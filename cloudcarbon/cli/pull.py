"""``cloudcarbon pull``: fetch a month of billing data with a cloud SDK into a folder."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cloudcarbon.cli._options import MonthOpt
from cloudcarbon.pull import PullResult

__all__ = ["PullProvider", "pull_command"]


class PullProvider(StrEnum):
    aws = "aws"
    gcp = "gcp"
    azure = "azure"


class AzureMetric(StrEnum):
    actualcost = "actualcost"
    amortizedcost = "amortizedcost"


_AWS = "AWS options"
_GCP = "GCP options"
_AZ = "Azure options"


def _next_step(provider: PullProvider, result: PullResult, dest: Path) -> str:
    return f"next: cloudcarbon estimate --month {result.month} --source {provider.value}:{dest}"


def _needs(option: str, what: str) -> typer.BadParameter:
    """A missing provider option is a usage error (exit 2), found before any SDK is imported."""
    return typer.BadParameter(what, param_hint=f"'{option}'")


def pull_command(
    provider: Annotated[PullProvider, typer.Argument(help="Cloud to pull from: aws, gcp or azure.")],
    month: MonthOpt,
    dest: Annotated[Path, typer.Option("--dest", "-d", help="Folder to write the billing files to.")],
    bucket: Annotated[
        str | None, typer.Option(help="S3 bucket the CUR is delivered to.", rich_help_panel=_AWS)
    ] = None,
    prefix: Annotated[str, typer.Option(help="Report path prefix in the bucket.", rich_help_panel=_AWS)] = "",
    report: Annotated[str | None, typer.Option(help="Legacy CUR report name.", rich_help_panel=_AWS)] = None,
    export: Annotated[
        str | None, typer.Option(help="CUR 2.0 (Data Exports) export name.", rich_help_panel=_AWS)
    ] = None,
    endpoint_url: Annotated[
        str | None, typer.Option(help="Custom S3 endpoint URL.", rich_help_panel=_AWS)
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="AWS region of the bucket.", rich_help_panel=_AWS)
    ] = None,
    profile: Annotated[
        str | None, typer.Option(help="AWS shared-config profile.", rich_help_panel=_AWS)
    ] = None,
    table: Annotated[
        str | None,
        typer.Option(
            help="BigQuery export table project.dataset.gcp_billing_export_v1_XXXX.", rich_help_panel=_GCP
        ),
    ] = None,
    billing_account: Annotated[
        str | None, typer.Option(help="Only this billing account id.", rich_help_panel=_GCP)
    ] = None,
    project: Annotated[
        str | None, typer.Option(help="Project to run the query job in.", rich_help_panel=_GCP)
    ] = None,
    location: Annotated[
        str | None, typer.Option(help="BigQuery location of the dataset (US, EU, ...).", rich_help_panel=_GCP)
    ] = None,
    resolve_skus: Annotated[
        bool,
        typer.Option(help="Look up GPU/TPU SKUs in the Cloud Billing Catalog.", rich_help_panel=_GCP),
    ] = True,
    scope: Annotated[
        str | None,
        typer.Option(help="/subscriptions/<id> or a billing account scope.", rich_help_panel=_AZ),
    ] = None,
    metric: Annotated[AzureMetric, typer.Option(help="Cost metric.", rich_help_panel=_AZ)] = (
        AzureMetric.actualcost
    ),
) -> None:
    """Pull a month of billing data with the cloud's SDK into DEST, ready for `cloudcarbon estimate`.

    Example: cloudcarbon pull gcp -m 2026-10 -d exports --table p.billing.export
    """
    from cloudcarbon.pull import pull

    options: dict[str, Any]
    if provider is PullProvider.aws:
        if not bucket:
            raise _needs("--bucket", "aws pull needs the S3 bucket the CUR is delivered to.")
        if (report is None) == (export is None):
            raise _needs(
                "--report / --export",
                "aws pull needs exactly one of --report (legacy CUR) or --export (CUR 2.0).",
            )
        options = {
            "bucket": bucket,
            "prefix": prefix,
            "report": report,
            "export": export,
            "endpoint_url": endpoint_url,
            "region": region,
            "profile": profile,
        }
    elif provider is PullProvider.gcp:
        if not table:
            raise _needs("--table", "gcp pull needs --table project.dataset.gcp_billing_export_v1_XXXX.")
        options = {
            "table": table,
            "billing_account": billing_account,
            "project": project,
            "location": location,
            "resolve_skus": resolve_skus,
        }
    else:
        if not scope:
            raise _needs("--scope", "azure pull needs --scope, e.g. /subscriptions/<id>.")
        options = {"scope": scope, "metric": metric.value}
    result = pull(provider.value, month, dest, **options)
    size = f"{result.bytes:,} bytes"
    rows = f"{result.rows:,} rows, " if result.rows is not None else ""
    typer.echo(f"pulled {provider.value} {result.month}: {len(result.files)} file(s), {rows}{size}")
    for path in result.files:
        typer.echo(f"  wrote {path}")
    if result.skipped:
        typer.echo(f"  skipped {len(result.skipped)} object(s) of older deliveries or unresolved items")
    typer.echo(_next_step(provider, result, dest))
