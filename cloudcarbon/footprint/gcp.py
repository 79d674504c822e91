"""Google Cloud: the Carbon Footprint BigQuery export (``carbon_footprint`` table).

Read from CSV, JSON lines or Parquet, with the nested fields flattened with dots as BigQuery's CSV
export writes them (``project.id``, ``carbon_footprint_total_kgCO2e.location_based``) or nested (JSON
lines, Parquet). ``usage_month`` -> ``billing_period``; ``billing_account_id``; ``project.id`` ->
``account_id`` (null when the figure is tied to no project); ``service.description`` -> ``service``
(the same names as the billing export's ``service.description``); ``location.region`` -> ``region``
(else the region of the zone in ``location.location``); ``location.location`` -> ``location_label``;
the totals and the scope split, already in kg; ``carbon_model_version`` -> ``model_version``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from cloudcarbon.footprint._read import Records, month_of, number, records, text

__all__ = ["NAME", "read", "sniff"]

NAME = "gcp"

_REQUIRED = (
    "usage_month",
    "project.id",
    "service.description",
    "location.location",
    "carbon_footprint_total_kgCO2e.location_based",
)
_VALUES = {
    "location_kgco2e": "carbon_footprint_total_kgCO2e.location_based",
    "market_kgco2e": "carbon_footprint_total_kgCO2e.market_based",
    "scope1_kgco2e": "carbon_footprint_kgCO2e.scope1",
    "scope2_location_kgco2e": "carbon_footprint_kgCO2e.scope2.location_based",
    "scope2_market_kgco2e": "carbon_footprint_kgCO2e.scope2.market_based",
    "scope3_kgco2e": "carbon_footprint_kgCO2e.scope3",
}
_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")


def sniff(columns: Sequence[str]) -> list[str]:
    """The required columns the header lacks (empty: it is the Carbon Footprint export)."""
    have = set(columns)
    return [c for c in _REQUIRED if c not in have]


def read(rec: Records, *, partition: Mapping[str, str], month: str | None = None) -> list[dict[str, Any]]:
    """The footprint rows of one Carbon Footprint export file."""
    out = []
    for n, row in records(rec.rows):
        location = text(row, "location.location")
        region = text(row, "location.region")
        if region is None and location is not None:
            zone = _ZONE.match(location)
            region = zone.group(1) if zone else location
        out.append(
            {
                "provider": NAME,
                "billing_period": month_of(rec.path, n, row, "usage_month"),
                "account_id": text(row, "project.id"),
                "billing_account_id": text(row, "billing_account_id"),
                "region": region,
                "location_label": location,
                "service": text(row, "service.description"),
                **{f: number(rec.path, n, row, c, "kgCO2e") for f, c in _VALUES.items()},
                "model_version": text(row, "carbon_model_version"),
                "source": str(rec.path),
                "source_row": n,
                "resource_id": None,
                "refreshed_at": None,
            }
        )
    return out
