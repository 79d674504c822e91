"""Pull a month of Azure cost details with the Consumption API and write an EA/MCA-style cost CSV.

``ConsumptionManagementClient.usage_details.list`` returns legacy items (EA, pay-as-you-go) and modern
items (MCA) with different field names; both are written to one CSV in the PascalCase layout of the
cost-details exports (``DEST/azure-cost-YYYY-MM-<metric>.csv``), so the file goes through the same path as
a downloaded export. Paging (``nextLink``) is followed by the SDK's pager; throttling (HTTP 429 with
``Retry-After``) is retried by azure-core's ``RetryPolicy`` with a bounded number of attempts.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from cloudcarbon.pull import MissingDependency, PullError, PullResult, _atomic_path, month_bounds

__all__ = ["CSV_COLUMNS", "Metric", "make_client", "month_filter", "pull", "usage_row"]

Metric = Literal["actualcost", "amortizedcost", "usage"]

CSV_COLUMNS: tuple[str, ...] = (
    "Date",
    "BillingPeriodStartDate",
    "BillingPeriodEndDate",
    "SubscriptionId",
    "SubscriptionName",
    "ResourceGroup",
    "ResourceId",
    "ResourceLocation",
    "MeterCategory",
    "MeterSubCategory",
    "MeterName",
    "MeterId",
    "MeterRegion",
    "ConsumedService",
    "Quantity",
    "UnitOfMeasure",
    "EffectivePrice",
    "CostInBillingCurrency",
    "BillingCurrency",
    "Tags",
    "AdditionalInfo",
    "ChargeType",
    "PricingModel",
    "Frequency",
    "ReservationName",
    "PublisherType",
    "ProductName",
)

EXPAND = "properties/meterDetails,properties/additionalInfo"
_SUBSCRIPTION = re.compile(r"^/?subscriptions/([^/]+)", re.IGNORECASE)
_PLACEHOLDER_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"


def month_filter(month: str) -> str:
    """OData ``$filter`` selecting the usage days of ``month``.

    Parameters
    ----------
    month
        Billing month, ``YYYY-MM``.

    Returns
    -------
    str
        ``properties/usageStart ge 'YYYY-MM-01' and properties/usageEnd le 'YYYY-MM-<last>'``.
    """
    start, end = month_bounds(month)
    last = end - timedelta(days=1)
    return f"properties/usageStart ge '{start:%Y-%m-%d}' and properties/usageEnd le '{last:%Y-%m-%d}'"


def default_credential() -> Any:
    """``azure.identity.DefaultAzureCredential()`` (environment, managed identity, Azure CLI ...)."""
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError as exc:
        raise MissingDependency("azure-identity", "azure") from exc
    return DefaultAzureCredential()


def make_client(
    credential: Any = None,
    *,
    scope: str = "",
    retries: int = 6,
    backoff_factor: float = 1.0,
    backoff_max: float = 120.0,
    **kwargs: Any,
) -> Any:
    """A ``ConsumptionManagementClient`` with a bounded retry policy that honours ``Retry-After``.

    Parameters
    ----------
    credential
        An azure-core ``TokenCredential``; default: ``azure.identity.DefaultAzureCredential()``.
    scope
        Scope the client will query; its subscription id (if any) is passed to the client.
    retries
        Maximum retries per request (throttling 429, 408 and 5xx). azure-core sleeps for ``Retry-After``
        when the response carries it, otherwise backs off exponentially.
    backoff_factor, backoff_max
        Exponential back-off for retries without ``Retry-After``, in seconds.
    **kwargs
        Passed to the client (e.g. ``transport=`` for tests, ``base_url=``).

    Returns
    -------
    azure.mgmt.consumption.ConsumptionManagementClient
    """
    try:
        from azure.mgmt.consumption import ConsumptionManagementClient
    except ImportError as exc:
        raise MissingDependency("azure-mgmt-consumption", "azure") from exc
    if credential is None:
        credential = default_credential()
    m = _SUBSCRIPTION.match(scope)
    return ConsumptionManagementClient(
        credential,
        m.group(1) if m else _PLACEHOLDER_SUBSCRIPTION,
        retry_total=retries,
        retry_status=retries,
        retry_connect=3,
        retry_read=3,
        retry_backoff_factor=backoff_factor,
        retry_backoff_max=backoff_max,
        **kwargs,
    )


def _get(obj: Any, *names: str) -> Any:
    """First non-None attribute of ``obj`` among ``names``."""
    for name in names:
        if obj is None:
            return None
        val = getattr(obj, name, None)
        if val is not None:
            return val
    return None


def _us_date(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if isinstance(value, datetime | date):
        return value.strftime("%m/%d/%Y")
    return str(value)


def _number(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
    else:
        text = str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(getattr(value, "value", value))


def _tags(tags: Mapping[str, Any] | None) -> str:
    """Tags as the cost-details CSV writes them: a JSON object without its outer braces."""
    if not tags:
        return ""
    clean = {str(k): "" if v is None else str(v) for k, v in tags.items()}
    return json.dumps(clean, ensure_ascii=False, separators=(",", ": "))[1:-1]


def _additional_info(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def usage_row(item: Any) -> dict[str, str]:
    """One usage-details item (legacy or modern) as a cost-details CSV row.

    Parameters
    ----------
    item
        A ``LegacyUsageDetail`` or ``ModernUsageDetail`` from ``usage_details.list``.

    Returns
    -------
    dict
        Values for :data:`CSV_COLUMNS`, as text.
    """
    # 11.x models nest the fields under ``properties``; 10.x (msrest) models carry them flattened
    p = getattr(item, "properties", None) or item
    kind = _text(getattr(item, "kind", ""))
    modern = kind == "modern"
    md = None if modern else getattr(p, "meter_details", None)
    row = {
        "Date": _us_date(_get(p, "date")),
        "BillingPeriodStartDate": _us_date(_get(p, "billing_period_start_date")),
        "BillingPeriodEndDate": _us_date(_get(p, "billing_period_end_date")),
        "SubscriptionId": _text(_get(p, "subscription_guid", "subscription_id")),
        "SubscriptionName": _text(_get(p, "subscription_name")),
        "ResourceGroup": _text(_get(p, "resource_group")),
        "ResourceId": _text(_get(p, "instance_name", "resource_id") if modern else _get(p, "resource_id")),
        "ResourceLocation": _text(_get(p, "resource_location")),
        "MeterCategory": _text(_get(p, "meter_category") if modern else _get(md, "meter_category")),
        "MeterSubCategory": _text(
            _get(p, "meter_sub_category") if modern else _get(md, "meter_sub_category")
        ),
        "MeterName": _text(_get(p, "meter_name") if modern else _get(md, "meter_name")),
        "MeterId": _text(_get(p, "meter_id")),
        "MeterRegion": _text(_get(p, "meter_region")) if modern else "",
        "ConsumedService": _text(_get(p, "consumed_service")),
        "Quantity": _number(_get(p, "quantity")),
        "UnitOfMeasure": _text(_get(p, "unit_of_measure") if modern else _get(md, "unit_of_measure")),
        "EffectivePrice": _number(_get(p, "effective_price")),
        "CostInBillingCurrency": _number(_get(p, "cost_in_billing_currency") if modern else _get(p, "cost")),
        "BillingCurrency": _text(_get(p, "billing_currency_code") if modern else _get(p, "billing_currency")),
        "Tags": _tags(getattr(item, "tags", None)),
        "AdditionalInfo": _additional_info(_get(p, "additional_info")),
        "ChargeType": _text(_get(p, "charge_type")),
        "PricingModel": _text(_get(p, "pricing_model")),
        "Frequency": _text(_get(p, "frequency")),
        "ReservationName": _text(_get(p, "reservation_name")),
        "PublisherType": _text(_get(p, "publisher_type")),
        "ProductName": _text(_get(p, "product")),
    }
    return row


def _azure_error(exc: Exception, scope: str) -> PullError:
    name = type(exc).__name__
    if name in ("ClientAuthenticationError", "CredentialUnavailableError"):
        return PullError(
            f"Azure authentication failed for {scope} ({name}); sign in with `az login`, a managed "
            "identity or the AZURE_* environment variables, and check the identity has Cost Management "
            "Reader on the scope"
        )
    status = getattr(exc, "status_code", None)
    if status == 429:
        return PullError(f"Azure kept throttling the usage details request for {scope}; try again later")
    message = getattr(exc, "message", None) or str(exc)
    return PullError(f"Azure usage details request for {scope} failed ({status or name}): {message}")


def pull(
    month: str,
    dest: Path,
    *,
    scope: str,
    metric: Metric = "actualcost",
    retries: int = 6,
    credential: Any = None,
    client: Any = None,
    on_page: Callable[[int], None] | None = None,
    **client_kwargs: Any,
) -> PullResult:
    """Write one month of usage details for ``scope`` to ``dest/azure-cost-YYYY-MM-<metric>.csv``.

    Parameters
    ----------
    month
        Billing month, ``YYYY-MM``.
    dest
        Destination folder (created if missing).
    scope
        ``/subscriptions/<id>``, ``/providers/Microsoft.Billing/billingAccounts/<id>`` (EA/MCA), a billing
        profile, resource group or management group scope.
    metric
        ``actualcost`` (default) or ``amortizedcost`` (``usage`` is accepted as the API allows it).
    retries
        Bounded retries per request, see :func:`make_client`.
    credential
        A ``TokenCredential``; default ``DefaultAzureCredential``.
    client
        A ready ``ConsumptionManagementClient`` (takes precedence over ``credential``).
    on_page
        Called with the running row count after each page (progress reporting).
    **client_kwargs
        Passed to :func:`make_client` (e.g. ``transport=``).

    Returns
    -------
    PullResult
        The CSV written and its row count.
    """
    if metric not in ("actualcost", "amortizedcost", "usage"):
        raise PullError(f"--metric {metric!r} is not one of actualcost, amortizedcost, usage")
    if not scope.strip("/"):
        raise PullError("azure pull needs --scope, e.g. /subscriptions/<id> or a billing account scope")
    flt = month_filter(month)
    if client is None:
        client = make_client(credential, scope=scope, retries=retries, **client_kwargs)
    try:
        from azure.core.exceptions import AzureError
    except ImportError as exc:  # pragma: no cover - azure-core comes with the client
        raise MissingDependency("azure-core", "azure") from exc

    dest = Path(dest)
    target = dest / f"azure-cost-{month}-{metric}.csv"
    rows = 0
    try:
        pages: Iterable[Iterable[Any]] = client.usage_details.list(
            scope.strip("/"), expand=EXPAND, filter=flt, metric=metric
        ).by_page()
        with _atomic_path(target) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
            writer.writeheader()
            for page in pages:
                for item in page:
                    writer.writerow(usage_row(item))
                    rows += 1
                if on_page is not None:
                    on_page(rows)
    except AzureError as exc:
        raise _azure_error(exc, scope) from exc
    return PullResult(
        provider="azure",
        month=month,
        files=(target,),
        rows=rows,
        bytes=target.stat().st_size,
    )
