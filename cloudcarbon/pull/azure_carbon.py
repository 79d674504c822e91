"""Pull one month of Azure Carbon Optimization emission reports and write them as the API returns them.

``CarbonOptimizationMgmtClient.carbon_service.query_carbon_emission_reports`` (package
``azure-mgmt-carbonoptimization``, REST ``POST /providers/Microsoft.Carbon/carbonEmissionReports``,
api-version 2025-04-01) answers one query per call. This connector asks for one month
(``dateRange.start == dateRange.end == YYYY-MM-01``) and writes the items of every page, unchanged (the
API's own camelCase field names, ``dataType`` discriminator included), to
``DEST/azure-carbon-YYYY-MM-<reportType>[-<categoryType>].json`` as ``{"value": [items], "dateRange":
{"start": "YYYY-MM-01", "end": "YYYY-MM-01"}}`` (the request's month, which the items do not carry), the
form :mod:`cloudcarbon.footprint` reads.

* ``ItemDetailsReport`` (default, ``categoryType`` ``Resource``): one item per resource with its
  subscription, resource group, location and resource type; paged with ``skipToken`` in the request body,
  followed here until the API returns none.
* ``MonthlySummaryReport``: one item for the month over all the subscriptions asked for.

Every figure is the sum of the scopes in ``carbonScopeList`` (default all three: Scope1, Scope2, Scope3), in
kgCO2e. Throttling (HTTP 429 with ``Retry-After``) is retried by azure-core's ``RetryPolicy`` a bounded
number of times, as in the Consumption pull. A subscription the API reports as ``Denied`` in
``subscriptionAccessDecisionList`` fails the pull (its figures would be silently missing otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from cloudcarbon.pull import MissingDependency, PullError, PullResult, _atomic_path, month_bounds
from cloudcarbon.pull.azure import default_credential

__all__ = ["CATEGORIES", "REPORT_TYPES", "SCOPES", "build_query", "make_client", "pull"]

ReportType = Literal["ItemDetailsReport", "MonthlySummaryReport"]
REPORT_TYPES: tuple[str, ...] = ("ItemDetailsReport", "MonthlySummaryReport")
CATEGORIES: tuple[str, ...] = ("Resource", "ResourceGroup", "Subscription", "Location", "ResourceType")
SCOPES: tuple[str, ...] = ("Scope1", "Scope2", "Scope3")
#: the API's limits (azure-mgmt-carbonoptimization 1.0.0 models: ``pageSize`` max 5000, 100 subscriptions)
MAX_PAGE_SIZE = 5000
MAX_SUBSCRIPTIONS = 100


def build_query(
    month: str,
    subscriptions: Sequence[str],
    *,
    report_type: str = "ItemDetailsReport",
    category: str = "Resource",
    scopes: Sequence[str] = SCOPES,
    page_size: int = MAX_PAGE_SIZE,
) -> dict[str, Any]:
    """The request body (``QueryFilter``) for one month, in the API's field names.

    Parameters
    ----------
    month
        Usage month, ``YYYY-MM``.
    subscriptions
        Subscription ids (sent lower-case, as the API requires; at most 100).
    report_type
        ``ItemDetailsReport`` or ``MonthlySummaryReport``.
    category
        ``categoryType`` of an ``ItemDetailsReport``: Resource, ResourceGroup, Subscription, Location or
        ResourceType.
    scopes
        ``carbonScopeList``: the figures are the sum of these scopes.
    page_size
        ``pageSize`` of an ``ItemDetailsReport`` (1..5000).

    Returns
    -------
    dict
        JSON-ready body without ``skipToken``.
    """
    start, _ = month_bounds(month)
    if report_type not in REPORT_TYPES:
        raise PullError(f"--report-type {report_type!r} is not one of {', '.join(REPORT_TYPES)}")
    subs = [s.strip().lower() for s in subscriptions if s.strip()]
    if not subs:
        raise PullError("azure-carbon pull needs at least one --subscription <id>")
    if len(subs) > MAX_SUBSCRIPTIONS:
        raise PullError(
            f"the Carbon Optimization API takes at most {MAX_SUBSCRIPTIONS} subscriptions per query "
            f"({len(subs)} given); pull them in batches into separate folders"
        )
    if len(set(subs)) != len(subs):
        raise PullError("a --subscription is given twice; each subscription's figures would count twice")
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise PullError(f"--carbon-scope {', '.join(bad) or '(none)'}: choose from {', '.join(SCOPES)}")
    day = f"{start:%Y-%m-%d}"
    body: dict[str, Any] = {
        "reportType": report_type,
        "dateRange": {"start": day, "end": day},
        "subscriptionList": subs,
        "carbonScopeList": [s for s in SCOPES if s in scopes],
    }
    if report_type == "ItemDetailsReport":
        if category not in CATEGORIES:
            raise PullError(f"--category {category!r} is not one of {', '.join(CATEGORIES)}")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise PullError(f"page size {page_size} is outside 1..{MAX_PAGE_SIZE}")
        body |= {
            "categoryType": category,
            "orderBy": "ItemName",
            "sortDirection": "Asc",
            "pageSize": page_size,
        }
    return body


def make_client(
    credential: Any = None,
    *,
    retries: int = 6,
    backoff_factor: float = 1.0,
    backoff_max: float = 120.0,
    **kwargs: Any,
) -> Any:
    """A ``CarbonOptimizationMgmtClient`` with a bounded retry policy that honours ``Retry-After``.

    Parameters
    ----------
    credential
        An azure-core ``TokenCredential``; default: ``azure.identity.DefaultAzureCredential()``.
    retries, backoff_factor, backoff_max
        As for :func:`cloudcarbon.pull.azure.make_client`.
    **kwargs
        Passed to the client (e.g. ``transport=`` for tests, ``base_url=``).

    Returns
    -------
    azure.mgmt.carbonoptimization.CarbonOptimizationMgmtClient
    """
    try:
        from azure.mgmt.carbonoptimization import CarbonOptimizationMgmtClient
    except ImportError as exc:
        raise MissingDependency("azure-mgmt-carbonoptimization", "azure") from exc
    if credential is None:
        credential = default_credential()
    return CarbonOptimizationMgmtClient(
        credential,
        retry_total=retries,
        retry_status=retries,
        retry_connect=3,
        retry_read=3,
        retry_backoff_factor=backoff_factor,
        retry_backoff_max=backoff_max,
        **kwargs,
    )


def _azure_error(exc: Exception, month: str) -> PullError:
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    if name in ("ClientAuthenticationError", "CredentialUnavailableError"):
        return PullError(
            f"Azure authentication failed for the Carbon Optimization API ({name}); sign in with `az login`, "
            "a managed identity or the AZURE_* environment variables"
        )
    message = getattr(exc, "message", None) or str(exc)
    first = message.strip().splitlines()[0] if message.strip() else name
    if status == 403:
        return PullError(
            f"the Carbon Optimization API refused the query for {month} (403: {first}); the identity needs "
            "Carbon Optimization Reader (or Reader) on every --subscription"
        )
    if status == 429:
        return PullError(
            f"Azure kept throttling the Carbon Optimization query for {month} after the retries; "
            "try again later"
        )
    return PullError(f"Carbon Optimization query for {month} failed ({status or name}): {first}")


def _raw_json(pipeline_response: Any, deserialized: Any, headers: Any) -> Any:
    """``cls`` hook: the response body exactly as the API sent it (no model round trip)."""
    return pipeline_response.http_response.json()


def pull(
    month: str,
    dest: Path,
    *,
    subscriptions: Sequence[str],
    report_type: str = "ItemDetailsReport",
    category: str = "Resource",
    scopes: Sequence[str] = SCOPES,
    page_size: int = MAX_PAGE_SIZE,
    retries: int = 6,
    credential: Any = None,
    client: Any = None,
    **client_kwargs: Any,
) -> PullResult:
    """Write one month of Carbon Optimization report items to ``dest`` as ``{"value": [...], "dateRange"}``.

    Parameters
    ----------
    month
        Usage month, ``YYYY-MM`` (the API keeps the last 12 months).
    dest
        Destination folder (created if missing).
    subscriptions
        Subscription ids to report on (1..100).
    report_type, category, scopes, page_size
        See :func:`build_query`.
    retries
        Bounded retries per request, see :func:`make_client`.
    credential
        A ``TokenCredential``; default ``DefaultAzureCredential``.
    client
        A ready ``CarbonOptimizationMgmtClient`` (takes precedence over ``credential``).
    **client_kwargs
        Passed to :func:`make_client` (e.g. ``transport=``).

    Returns
    -------
    PullResult
        The JSON file written and its item count.

    Raises
    ------
    PullError
        Bad options, authentication or access refused (including a subscription the API denies),
        throttled after the retries, a paging token that repeats, or no items for the month.
    """
    body = build_query(
        month, subscriptions, report_type=report_type, category=category, scopes=scopes, page_size=page_size
    )
    if client is None:
        client = make_client(credential, retries=retries, **client_kwargs)
    from azure.core.exceptions import AzureError

    items: list[Any] = []
    seen_tokens: set[str] = set()
    denied: dict[str, str] = {}
    token: str | None = None
    try:
        while True:
            query = dict(body) if token is None else {**body, "skipToken": token}
            page = client.carbon_service.query_carbon_emission_reports(query, cls=_raw_json)
            if not isinstance(page, dict) or not isinstance(page.get("value"), list):
                raise PullError(
                    f"the Carbon Optimization API answered the query for {month} without a 'value' list"
                )
            items += page["value"]
            for decision in page.get("subscriptionAccessDecisionList") or []:
                if str(decision.get("decision", "")).lower() == "denied":
                    reason = str(decision.get("denialReason") or "no reason given")
                    denied[str(decision.get("subscriptionId"))] = reason
            token = page.get("skipToken") or None
            if token is None or report_type != "ItemDetailsReport":
                break
            if token in seen_tokens:
                raise PullError(
                    f"the Carbon Optimization API returned the same skipToken twice for {month}; stopped "
                    "paging, nothing was written"
                )
            seen_tokens.add(token)
    except AzureError as exc:
        raise _azure_error(exc, month) from exc
    if denied:
        listed = "; ".join(f"{sub}: {why}" for sub, why in sorted(denied.items()))
        raise PullError(
            f"the Carbon Optimization API denied access to {len(denied)} subscription(s) ({listed}); grant "
            "Carbon Optimization Reader or leave them out of --subscription; nothing was written"
        )
    if not items:
        raise PullError(
            f"the Carbon Optimization API has no {report_type} items for {month} on the subscriptions given "
            "(it keeps the last 12 months; a month appears some days after it ends); nothing was written"
        )
    name = f"azure-carbon-{month}-{report_type}"
    if report_type == "ItemDetailsReport":
        name += f"-{category}"
    if list(body["carbonScopeList"]) != list(SCOPES):
        name += "-" + "-".join(body["carbonScopeList"])
    target = Path(dest) / f"{name}.json"
    # the request's dateRange goes beside the items: they carry no month of their own (ItemDetailsData)
    doc = {"value": items, "dateRange": body["dateRange"]}
    with _atomic_path(target) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return PullResult(
        provider="azure-carbon",
        month=month,
        files=(target,),
        rows=len(items),
        bytes=target.stat().st_size,
    )
