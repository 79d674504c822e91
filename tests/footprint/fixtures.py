"""Hand-made provider footprint files (from the documented schemas; never the reference samples)."""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

AWS_COLUMNS = [
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
]


def aws_row(
    lbm: str,
    *,
    mbm: str = "0.0",
    account: str = "111111111111",
    product: str = "AmazonEC2",
    region: str = "us-east-1",
    version: str = "v3.0.0",
    month: str = "2026-10",
    refreshed: str = "2026-11-19 07:12:44Z",
    s1: str = "",
    s2: str = "",
    s3: str = "",
) -> dict[str, str]:
    """One CARBON_EMISSIONS row (values in MTCO2e, as AWS writes them)."""
    y, m = (int(x) for x in month.split("-"))
    end = f"{y + (m == 12)}-{m % 12 + 1:02d}"
    row = {
        "last_refresh_timestamp": refreshed,
        "location": "US East (N. Virginia)",
        "model_version": version,
        "payer_account_id": "000011112222",
        "product_code": product,
        "region_code": region,
        "total_lbm_emissions_value": lbm,
        "total_mbm_emissions_value": mbm,
        "total_scope_1_emissions_value": s1,
        "total_scope_2_lbm_emissions_value": s2,
        "total_scope_2_mbm_emissions_value": "",
        "total_scope_3_lbm_emissions_value": s3,
        "total_scope_3_mbm_emissions_value": "",
        "usage_account_id": account,
        "usage_period_end": f"{end}-01 00:00:00Z",
        "usage_period_start": f"{month}-01 00:00:00Z",
    }
    for c in AWS_COLUMNS:
        if c.endswith("_unit"):
            row[c] = "MTCO2e"
    return row


def write_csv(path: Path, rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = list(columns or (rows[0].keys() if rows else []))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def write_csv_gz(path: Path, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> Path:
    plain = write_csv(path.with_suffix(".tmp"), rows, columns)
    path.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    return path


GCP_COLUMNS = [
    "usage_month",
    "billing_account_id",
    "project.id",
    "project.number",
    "service.description",
    "service.id",
    "location.location",
    "location.region",
    "carbon_model_version",
    "carbon_footprint_total_kgCO2e.location_based",
    "carbon_footprint_total_kgCO2e.market_based",
    "carbon_footprint_kgCO2e.scope1",
    "carbon_footprint_kgCO2e.scope2.location_based",
    "carbon_footprint_kgCO2e.scope2.market_based",
    "carbon_footprint_kgCO2e.scope3",
]


def gcp_row(
    location_kg: str,
    *,
    project: str = "proj-1",
    service: str = "Compute Engine",
    zone: str = "europe-west1-b",
    region: str = "europe-west1",
    month: str = "2026-10",
    market_kg: str = "",
    scopes: tuple[str, str, str] = ("", "", ""),
) -> dict[str, str]:
    return {
        "usage_month": f"{month}-01",
        "billing_account_id": "AAAAAA-BBBBBB-CCCCCC",
        "project.id": project,
        "project.number": "123456789012",
        "service.description": service,
        "service.id": "6F81-5844-456A",
        "location.location": zone,
        "location.region": region,
        "carbon_model_version": "14",
        "carbon_footprint_total_kgCO2e.location_based": location_kg,
        "carbon_footprint_total_kgCO2e.market_based": market_kg,
        "carbon_footprint_kgCO2e.scope1": scopes[0],
        "carbon_footprint_kgCO2e.scope2.location_based": scopes[1],
        "carbon_footprint_kgCO2e.scope2.market_based": "",
        "carbon_footprint_kgCO2e.scope3": scopes[2],
    }


def nested(row: dict[str, Any]) -> dict[str, Any]:
    """The nested record of a flat (dotted) row, as BigQuery writes JSON."""
    rec: dict[str, Any] = {}
    for k, v in row.items():
        node = rec
        *parents, leaf = k.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = v
    return rec


SUB = "00000000-0000-0000-0000-000000000001"


def azure_item(
    kg: float, *, sub: str = SUB, location: str = "east us", name: str = "vm-web-01", **kw: Any
) -> dict[str, Any]:
    item = {
        "dataType": "ResourceItemDetailsData",
        "itemName": name,
        "categoryType": "Resource",
        "subscriptionId": sub,
        "resourceGroup": "rg-web",
        "resourceId": f"/subscriptions/{sub}/resourceGroups/rg-web/providers/Microsoft.Compute/"
        f"virtualMachines/{name}",
        "location": location,
        "resourceType": "microsoft.compute/virtualmachines",
        "latestMonthEmissions": kg,
        "previousMonthEmissions": 0.0,
        "monthOverMonthEmissionsChangeRatio": 0.0,
        "monthlyEmissionsChangeValue": kg,
    }
    item.update(kw)
    return item


def azure_document(path: Path, items: Sequence[dict[str, Any]], month: str | None = "2026-10") -> Path:
    doc: dict[str, Any] = {"value": list(items), "skipToken": None}
    if month is not None:
        doc["dateRange"] = {"start": f"{month}-01", "end": f"{month}-01"}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path
