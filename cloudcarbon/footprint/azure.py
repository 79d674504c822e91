"""Azure: Carbon Optimization emission reports (``carbonServices.queryCarbonEmissionReports``).

Accepted: the API's response document (``{"value": [items], ...}``), a JSON array of items, JSON
lines, or CSV with the items' field names. Items are ``ResourceItemDetailsData`` (an
``ItemDetailsReport`` with ``categoryType`` ``Resource``: one month, down to resources); other
``dataType`` values do not split emissions by subscription and region and are refused.

``subscriptionId`` -> ``account_id``; ``location`` (``east us``) -> ``region`` lower case without spaces
(``eastus``, as the cost-details connector writes ``RegionId``) and ``location_label`` as written;
``resourceType`` -> ``service``; ``resourceId`` -> ``resource_id``; ``latestMonthEmissions`` (kgCO2e,
the sum of the scopes the report asked for) -> ``location_kgco2e`` (Azure does not say whether its
scope 2 is location- or market-based; ``market_kgco2e`` stays null). The month: the item's ``date``
when it has one, else the document's ``dateRange.start`` when ``start`` equals ``end`` (the pull
keeps the request's ``dateRange`` beside ``value``), else the month the caller asks for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cloudcarbon.exceptions import SourceError
from cloudcarbon.footprint._read import Records, month_of, number, records, text

__all__ = ["NAME", "read", "sniff"]

NAME = "azure"

_REQUIRED = ("subscriptionId", "resourceId", "latestMonthEmissions")
_DATA_TYPES = ("ResourceItemDetailsData",)


def sniff(columns: Sequence[str]) -> list[str]:
    """The required fields the items lack (empty: they are Carbon Optimization resource items)."""
    have = set(columns)
    return [c for c in _REQUIRED if c not in have]


def _document_month(rec: Records) -> str | None:
    date_range = rec.document.get("dateRange")
    if not isinstance(date_range, Mapping):
        return None
    start, end = date_range.get("start"), date_range.get("end")
    if not isinstance(start, str) or start != end:
        raise SourceError(
            rec.path,
            f"dateRange {start!r} to {end!r} spans more than one month, and an item's latestMonthEmissions "
            "is the total over the range; pull one month per file (start == end)",
        )
    return month_of(rec.path, 0, {"dateRange.start": start}, "dateRange.start")


def read(rec: Records, *, partition: Mapping[str, str], month: str | None = None) -> list[dict[str, Any]]:
    """The footprint rows of one Carbon Optimization report file."""
    doc_month = _document_month(rec)
    out = []
    for n, row in records(rec.rows):
        data_type = text(row, "dataType")
        if data_type is not None and data_type not in _DATA_TYPES:
            raise SourceError(
                rec.path,
                f"row {n}, column 'dataType': {data_type!r} does not split emissions by subscription and "
                "region; pull an ItemDetailsReport with categoryType Resource",
            )
        if text(row, "date") is not None:
            period = month_of(rec.path, n, row, "date")
        elif doc_month is not None:
            period = doc_month
        elif month is not None:
            period = month
        else:
            raise SourceError(
                rec.path,
                f"row {n}: the item has no 'date' and the file no one-month dateRange; "
                "say which month it is (reconcile --month) or keep the request's dateRange in the file",
            )
        location = text(row, "location")
        out.append(
            {
                "provider": NAME,
                "billing_period": period,
                "account_id": text(row, "subscriptionId"),
                "billing_account_id": None,
                "region": None if location is None else location.lower().replace(" ", ""),
                "location_label": location,
                "service": text(row, "resourceType"),
                "location_kgco2e": number(rec.path, n, row, "latestMonthEmissions", "kgCO2e"),
                "market_kgco2e": None,
                "scope1_kgco2e": None,
                "scope2_location_kgco2e": None,
                "scope2_market_kgco2e": None,
                "scope3_kgco2e": None,
                "model_version": text(row, "version"),
                "source": str(rec.path),
                "source_row": n,
                "resource_id": text(row, "resourceId"),
                "refreshed_at": None,
            }
        )
    return out
