"""``cloudcarbon pull``: fetch a month of billing data (or the providers' own carbon figures) with a cloud SDK
into a folder."""

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
    aws_carbon = "aws-carbon"
    aws_carbon_api = "aws-carbon-api"
    gcp_carbon = "gcp-carbon"
    azure_carbon = "azure-carbon"


class AzureReportType(StrEnum):
    ItemDetailsReport = "ItemDetailsReport"
    MonthlySummaryReport = "MonthlySummaryReport"


class AzureCategory(StrEnum):
    Resource = "Resource"
    ResourceGroup = "ResourceGroup"
    Subscription = "Subscription"
    Location = "Location"
    ResourceType = "ResourceType"


class CarbonScope(StrEnum):
    Scope1 = "Scope1"
    Scope2 = "Scope2"
    Scope3 = "Scope3"


class AzureMetric(StrEnum):
    actualcost = "actualcost"
    amortizedcost = "amortizedcost"


_AWS = "AWS options"
_GCP = "GCP options"
_AZ = "Azure options"
_AZC = "Azure carbon options"

_CARBON = (
    PullProvider.aws_carbon,
    PullProvider.aws_carbon_api,
    PullProvider.gcp_carbon,
    PullProvider.azure_carbon,
)


def _next_step(provider: PullProvider, result: PullResult, dest: Path) -> str:
    if provider in _CARBON:
        return (
            f"next: cloudcarbon reconcile --month {result.month} --source <billing source> "
            f"--provider-footprint {dest}"
        )
    return f"next: cloudcarbon estimate --month {result.month} --source {provider.value}:{dest}"


def _needs(option: str, what: str) -> typer.BadParameter:
    """A missing provider option is a usage error (exit 2), found before any SDK is imported."""
    return typer.BadParameter(what, param_hint=f"'{option}'")


def pull_command(
    provider: Annotated[
        PullProvider,
        typer.Argument(
            help="What to pull: billing data (aws, gcp, azure) or the provider's own carbon figures "
            "(aws-carbon: CARBON_EMISSIONS Data Export; aws-carbon-api: Sustainability API; gcp-carbon; "
            "azure-carbon)."
        ),
    ],
    month: MonthOpt,
    dest: Annotated[Path, typer.Option("--dest", "-d", help="Folder to write the billing files to.")],
    bucket: Annotated[
        str | None, typer.Option(help="S3 bucket the CUR is delivered to.", rich_help_panel=_AWS)
    ] = None,
    prefix: Annotated[str, typer.Option(help="Report path prefix in the bucket.", rich_help_panel=_AWS)] = "",
    report: Annotated[str | None, typer.Option(help="Legacy CUR report name.", rich_help_panel=_AWS)] = None,
    export: Annotated[
        str | None,
        typer.Option(
            help="Data Exports export name (CUR 2.0, or the CARBON_EMISSIONS export for aws-carbon).",
            rich_help_panel=_AWS,
        ),
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
            help="BigQuery export table project.dataset.gcp_billing_export_v1_XXXX "
            "(gcp-carbon: project.dataset.carbon_footprint).",
            rich_help_panel=_GCP,
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
    subscription: Annotated[
        list[str] | None,
        typer.Option(help="Subscription id to report on (repeatable, up to 100).", rich_help_panel=_AZC),
    ] = None,
    report_type: Annotated[
        AzureReportType, typer.Option(help="Carbon Optimization report type.", rich_help_panel=_AZC)
    ] = AzureReportType.ItemDetailsReport,
    category: Annotated[
        AzureCategory, typer.Option(help="Item category of an ItemDetailsReport.", rich_help_panel=_AZC)
    ] = AzureCategory.Resource,
    carbon_scope: Annotated[
        list[CarbonScope] | None,
        typer.Option(
            help="Scope to include (repeatable; default all three; the figures are their sum).",
            rich_help_panel=_AZC,
        ),
    ] = None,
) -> None:
    """Pull a month of billing data with the cloud's SDK into DEST, ready for `cloudcarbon estimate`; or the
    provider's own carbon figures (aws-carbon, aws-carbon-api, gcp-carbon, azure-carbon), ready for
    `cloudcarbon reconcile --provider-footprint DEST`.

    Exit 2: usage error. Exit 7: no SDK or credentials, access denied, nothing for the month, throttled.

    A failed pull leaves no partial file.

    Example: cloudcarbon pull gcp -m 2026-10 -d exports --table p.billing.export

    Example: cloudcarbon pull aws-carbon -m 2026-01 -d footprints --bucket B --prefix P --export carbon

    Example: cloudcarbon pull gcp-carbon -m 2026-01 -d footprints --table p.carbon.carbon_footprint

    Example: cloudcarbon pull azure-carbon -m 2026-01 -d footprints --subscription 0000-...
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
    elif provider is PullProvider.azure:
        if not scope:
            raise _needs("--scope", "azure pull needs --scope, e.g. /subscriptions/<id>.")
        options = {"scope": scope, "metric": metric.value}
    elif provider is PullProvider.aws_carbon:
        if not bucket:
            raise _needs("--bucket", "aws-carbon pull needs the S3 bucket the carbon export is delivered to.")
        if not export:
            raise _needs("--export", "aws-carbon pull needs --export, the CARBON_EMISSIONS export's name.")
        options = {
            "bucket": bucket,
            "prefix": prefix,
            "export": export,
            "endpoint_url": endpoint_url,
            "region": region,
            "profile": profile,
        }
    elif provider is PullProvider.aws_carbon_api:
        options = {"endpoint_url": endpoint_url, "region": region, "profile": profile}
    elif provider is PullProvider.gcp_carbon:
        if not table:
            raise _needs("--table", "gcp-carbon pull needs --table project.dataset.carbon_footprint.")
        options = {
            "table": table,
            "billing_account": billing_account,
            "project": project,
            "location": location,
        }
    else:
        if not subscription:
            raise _needs("--subscription", "azure-carbon pull needs at least one --subscription <id>.")
        options = {
            "subscriptions": subscription,
            "report_type": report_type.value,
            "category": category.value,
        }
        if carbon_scope:
            options["scopes"] = [s.value for s in carbon_scope]
    result = pull(provider.value, month, dest, **options)
    size = f"{result.bytes:,} bytes"
    rows = f"{result.rows:,} rows, " if result.rows is not None else ""
    typer.echo(f"pulled {provider.value} {result.month}: {len(result.files)} file(s), {rows}{size}")
    for path in result.files:
        typer.echo(f"  wrote {path}")
    if result.skipped:
        typer.echo(f"  skipped {len(result.skipped)} object(s) of older deliveries or unresolved items")
    for note in result.notes:
        typer.echo(f"  note: {note}")
    typer.echo(_next_step(provider, result, dest))
