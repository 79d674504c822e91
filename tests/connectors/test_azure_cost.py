"""Azure cost details connector: the contract for EA CSV, MCA CSV and Parquet, plus Azure behaviour.

Fixtures are written here, shaped like the real EA actual / amortized and MCA exports (BOM, US dates,
``Tags`` without braces, ``AdditionalInfo`` JSON, pack sizes in ``UnitOfMeasure``). Every expected value is
written by hand from the row, the mapping in ``cloudcarbon/connectors/azure_cost.py``'s docstring and the
rules in ``factors/2026.11/azure_usage_types.csv``; none is copied from a run of the code.

Factor rows used by the hand-worked estimates (factor set 2026.11):

* PUE azure ``*`` = 1.185 (CCF AzureFootprintEstimationConstants; the only Azure PUE row)
* memory 0.000392 kWh/GB-h; SSD 1.2 Wh/TB-h; HDD 0.65 Wh/TB-h; network 0.001 kWh/GB; lifespan 35,040 h;
  default utilisation 0.5 (CPU and accelerator)
* azure Ice Lake 0.766797 / 3.758203 W per vCPU (the AWS 2026 value: Azure's table has no Ice Lake);
  azure EPYC 3rd Gen 0.44539 / 2.019328 W per vCPU
* Standard_D4s_v5: 4 vCPU, 16 GB, Ice Lake, host 96 vCPU, host embodied 1510.4 kg
* Standard_NC24ads_A100_v4: 24 vCPU, 220 GB, EPYC 3rd Gen, host 96 vCPU, host embodied 2248.3 kg,
  1 x NVIDIA A100 PCIe 80GB (idle 35 W, TDP 300 W, 150 kg)
* grid for a 2026 month: no 2026 rows, latest year Electricity Maps 2025: westeurope 253 g/kWh,
  eastus 418 g/kWh (flagged year_substituted)
* managed disk P10 = 128 GB (units.csv ``P10 Disk/Month``); disk replication 3; GRS replication 6
* October has 744 hours; 1 TB = 1024 GB.
"""

from __future__ import annotations

import csv
import gzip
import io
import warnings
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cloudcarbon import estimate
from cloudcarbon.config import config_from_mapping
from cloudcarbon.connectors import azure_cost
from cloudcarbon.connectors.base import ScanContext, Source
from cloudcarbon.engine import open_engine
from cloudcarbon.exceptions import CloudCarbonWarning, SourceError, ValueParseError
from cloudcarbon.factors import FactorSet
from cloudcarbon.pipeline import coverage_row
from tests.connectors.contract import ConnectorContract

REL = 1e-6
SUB = "1caaa5a3-2b66-438e-8ab4-bce37d518c5d"
SUB2 = "ed570627-0265-4620-bb42-bae06bcfa914"

EA_COLUMNS = [
    "BillingAccountId",
    "BillingAccountName",
    "BillingPeriodStartDate",
    "BillingPeriodEndDate",
    "SubscriptionId",
    "SubscriptionName",
    "Date",
    "Product",
    "MeterId",
    "ServiceFamily",
    "MeterCategory",
    "MeterSubCategory",
    "MeterRegion",
    "MeterName",
    "Quantity",
    "EffectivePrice",
    "Cost",
    "UnitPrice",
    "BillingCurrency",
    "ResourceLocation",
    "ConsumedService",
    "ResourceId",
    "AdditionalInfo",
    "Tags",
    "UnitOfMeasure",
    "ResourceGroup",
    "ReservationName",
    "ChargeType",
    "Frequency",
    "PublisherType",
    "PricingModel",
]
# MCA export: camelCase names, CostInBillingCurrency, BillingCurrencyCode, extra MCA-only columns
MCA_RENAME = {"Cost": "costInBillingCurrency", "BillingCurrency": "billingCurrencyCode"}
MCA_EXTRA = ["invoiceId", "costInUsd", "exchangeRatePricingToBilling"]


def _camel(name: str) -> str:
    return MCA_RENAME.get(name) or name[0].lower() + name[1:]


def vm_info(size: str, vcpus: int) -> str:
    return (
        f'{{"UsageType":"ComputeHR","ImageType":"Canonical","ServiceType":"{size}",'
        f'"VMName":"vm-{vcpus}","VCPUs":{vcpus}}}'
    )


def row(
    category: str,
    sub: str,
    meter: str,
    quantity: str,
    cost: str,
    unit: str,
    *,
    date: str = "10/05/2026",
    period: str = "10/01/2026",
    location: str = "westeurope",
    info: str = "",
    tags: str = '"env": "prod","team": "data"',
    charge_type: str = "Usage",
    pricing: str = "OnDemand",
    publisher: str = "Azure",
    rg: str = "RG-Data",
    subscription: str = SUB,
) -> dict[str, str]:
    return {
        "BillingAccountId": "8611537",
        "BillingAccountName": "Contoso",
        "BillingPeriodStartDate": period,
        "BillingPeriodEndDate": "10/31/2026",
        "SubscriptionId": subscription,
        "SubscriptionName": "Contoso IT",
        "Date": date,
        "Product": f"{category} {sub} - {meter}",
        "MeterId": "14fc9a21-4919-4cb1-b495-5666966556bc",
        "ServiceFamily": "Compute",
        "MeterCategory": category,
        "MeterSubCategory": sub,
        "MeterRegion": "EU West",
        "MeterName": meter,
        "Quantity": quantity,
        "EffectivePrice": "0.1",
        "Cost": cost,
        "UnitPrice": "0.1",
        "BillingCurrency": "USD",
        "ResourceLocation": location,
        "ConsumedService": "Microsoft.Compute",
        "ResourceId": f"/subscriptions/{subscription}/resourceGroups/{rg}/providers/x/y",
        "AdditionalInfo": info,
        "Tags": tags,
        "UnitOfMeasure": unit,
        "ResourceGroup": rg,
        "ReservationName": "",
        "ChargeType": charge_type,
        "Frequency": "UsageBased",
        "PublisherType": publisher,
        "PricingModel": pricing,
    }


def write_csv(path: Path, rows: Sequence[dict[str, str]], *, bom: bool = True, mca: bool = False) -> Path:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    cols = [_camel(c) for c in EA_COLUMNS] + MCA_EXTRA if mca else EA_COLUMNS
    w.writerow(cols)
    for r in rows:
        values = [r[c] for c in EA_COLUMNS]
        w.writerow([*values, "INV-1", r["Cost"], "1.0"] if mca else values)
    data = ("\ufeff" if bom else "") + buf.getvalue()
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(data.encode("utf-8")))
    else:
        path.write_bytes(data.encode("utf-8"))
    return path


def write_parquet(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    cols: dict[str, Any] = {c: [r[c] for r in rows] for c in EA_COLUMNS}
    cols["Quantity"] = pa.array([float(r["Quantity"]) for r in rows], pa.float64())
    cols["Cost"] = pa.array([Decimal(r["Cost"]) for r in rows], pa.decimal128(28, 10))
    cols["Date"] = pa.array([datetime.strptime(r["Date"], "%m/%d/%Y") for r in rows], pa.timestamp("us"))
    pq.write_table(pa.table(cols), path)
    return path


# the EA actual-cost fixture: usage of several kinds plus a reservation purchase
EA_ROWS = [
    row(
        "Virtual Machines",
        "Dsv5 Series",
        "D4s v5",
        "24",
        "4.608",
        "1 Hour",
        info=vm_info("Standard_D4s_v5", 4),
    ),
    row("Virtual Machines", "Dsv5 Series", "D4s v5", "0.24", "4.608", "100 Hours", date="10/6/2026"),
    row("Virtual Machines", "DSv2 Series VM", "DS4 v2 Spot", "2", "0.07", "1 Hour", pricing="Spot"),
    row("Storage", "Premium SSD Managed Disks", "P10 LRS Disk", "0.032258", "0.62", "1/Month"),
    row("Bandwidth", "", "Standard Data Transfer Out", "10", "0.87", "1 GB"),
    row("Storage", "Tiered Block Blob", "All Other Operations", "0.0083", "0.0000394951", "10K"),
    row(
        "Virtual Machines",
        "BS Series",
        "B1s",
        "1",
        "3.25",
        "1 Hour",
        charge_type="Purchase",
        pricing="Reservation",
        info="",
        tags="",
        rg="",
    ),
]
EA_EXPECTED: list[dict[str, Any]] = [
    {
        "ProviderName": "azure",
        "BillingAccountId": "8611537",
        "SubAccountId": SUB,
        "billing_month": "2026-10",
        "billing_period_hours": 744.0,
        "ChargePeriodStart": datetime(2026, 10, 5),
        "ChargePeriodEnd": datetime(2026, 10, 6),
        "ServiceName": "Virtual Machines",
        "RegionId": "westeurope",
        "usage_type": "Virtual Machines|Dsv5 Series|D4s v5",
        "instance_type": "Standard_D4s_v5",
        "vcpu_hint": 4.0,
        "line_item_type": "Usage/OnDemand",
        "charge_class": "usage",
        "ConsumedQuantity": 24.0,
        "ConsumedUnit": "Hour",
        "BilledCost": Decimal("4.608"),
        "BillingCurrency": "USD",
        "project_hint": None,
        "Tags": '{"env": "prod","team": "data"}',
    },
    {
        # pack of 100 hours: 0.24 packs = 24 hours; no AdditionalInfo -> instance from the meter name
        "ChargePeriodStart": datetime(2026, 10, 6),
        "instance_type": "Standard_D4s_v5",
        "vcpu_hint": None,
        "ConsumedQuantity": 24.0,
        "ConsumedUnit": "Hours",
        "BilledCost": Decimal("4.608"),
    },
    {
        "instance_type": "Standard_DS4_v2",
        "line_item_type": "Usage/Spot",
        "charge_class": "usage",
        "ConsumedQuantity": 2.0,
        "BilledCost": Decimal("0.07"),
    },
    {
        "usage_type": "Storage|Premium SSD Managed Disks|P10 LRS Disk",
        "instance_type": None,
        "ConsumedQuantity": 0.032258,
        "ConsumedUnit": "P10 Disk/Month",
        "BilledCost": Decimal("0.62"),
    },
    {
        "usage_type": "Bandwidth||Standard Data Transfer Out",
        "ConsumedQuantity": 10.0,
        "ConsumedUnit": "GB",
        "BilledCost": Decimal("0.87"),
    },
    {
        # "10K" = packs of 10,000 operations
        "ConsumedQuantity": 83.0,
        "ConsumedUnit": "Units",
        "BilledCost": Decimal("0.0000394951"),
    },
    {
        "line_item_type": "Purchase/Reservation",
        "charge_class": "commitment_purchase",
        "instance_type": "Standard_B1s",
        "Tags": None,
        "project_hint": None,
        "BilledCost": Decimal("3.25"),
    },
]


class TestEaCsv(ConnectorContract):
    connector = azure_cost

    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        return write_csv(tmp_path / "ea-actualcost_202610.csv", EA_ROWS)

    @pytest.fixture
    def expected_rows(self) -> list[dict[str, Any]]:
        return EA_EXPECTED


class TestMcaCsvGz(ConnectorContract):
    connector = azure_cost

    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        rows = [
            {**r, "Date": "2026-10-05T00:00:00.0000000Z", "BillingPeriodStartDate": "2026-10-01"}
            for r in EA_ROWS
        ]
        return write_csv(tmp_path / "mca-actual.csv.gz", rows, bom=False, mca=True)

    @pytest.fixture
    def expected_rows(self) -> list[dict[str, Any]]:
        out = [dict(r) for r in EA_EXPECTED]
        out[1]["ChargePeriodStart"] = datetime(2026, 10, 5)  # ISO date column, same day for all rows
        return out


class TestParquet(ConnectorContract):
    connector = azure_cost

    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        return write_parquet(tmp_path / "actual.parquet", EA_ROWS)

    @pytest.fixture
    def expected_rows(self) -> list[dict[str, Any]]:
        return EA_EXPECTED


# --------------------------------------------------------------------------------------------------
# hand-worked estimates


def _detail(path: Path, factors: FactorSet, **cfg: Any) -> list[dict[str, Any]]:
    config = config_from_mapping(cfg) if cfg else None
    result = estimate([f"azure:{path}"], "2026-10", factor_set=factors, detail=True, config=config)
    assert result.detail is not None
    return result.detail.sort("source_row").to_dicts()


def test_d4s_v5_day_westeurope(tmp_path: Path, factors: FactorSet) -> None:
    path = write_csv(tmp_path / "a.csv", [EA_ROWS[0]])
    (r,) = _detail(path, factors)
    # CPU W = 4 x (0.766797 + 0.5 x (3.758203 - 0.766797)) = 4 x 2.2625 = 9.05 W
    # CPU kWh = 24 h x 9.05 / 1000 = 0.2172; memory = 24 x 16 x 0.000392 = 0.150528
    # energy = (0.2172 + 0.150528) x 1.185 = 0.43575768 kWh; CO2e = x 253 / 1000 = 0.110246693 kg
    # embodied = 1510.4 kg x 24 / 35040 x 4 / 96 = 0.043105023 kg
    assert r["fate"] == "estimated"
    assert r["instance_key"] == "Standard_D4s_v5"
    assert r["cpu_kwh"] == pytest.approx(0.2172, rel=REL)
    assert r["memory_kwh"] == pytest.approx(0.150528, rel=REL)
    assert r["pue"] == pytest.approx(1.185)
    assert r["energy_kwh"] == pytest.approx(0.43575768, rel=REL)
    assert r["g_co2e_per_kwh"] == pytest.approx(253)
    assert r["co2e_kg"] == pytest.approx(0.110246693, rel=REL)
    assert r["embodied_co2e_kg"] == pytest.approx(0.043105023, rel=REL)


def test_nc24ads_a100_v4_day_eastus(tmp_path: Path, factors: FactorSet) -> None:
    gpu = row(
        "Virtual Machines",
        "NC A100 v4 Series",
        "NC24ads A100 v4",
        "24",
        "88.17",
        "1 Hour",
        location="EastUS",
        info=vm_info("Standard_NC24ads_A100_v4", 24),
    )
    (r,) = _detail(write_csv(tmp_path / "gpu.csv", [gpu]), factors)
    # CPU W = 24 x (0.44539 + 0.5 x (2.019328 - 0.44539)) = 24 x 1.232359 = 29.576616 W -> 0.709838784 kWh
    # memory = 24 x 220 x 0.000392 = 2.06976 kWh
    # A100 PCIe 80GB: 24 device-h x (35 + 0.5 x (300 - 35)) W = 24 x 167.5 / 1000 = 4.02 kWh
    # energy = (0.709838784 + 2.06976 + 4.02) x 1.185 = 8.057524559 kWh; CO2e = x 418 / 1000 = 3.368045266
    # embodied = (576 vCPU-h x 2248.3 / 96 + 24 device-h x 150) / 35040 = 0.487722603 kg
    assert r["fate"] == "estimated"
    assert r["RegionId"] == "eastus"
    assert r["accelerator_model"] == "NVIDIA A100 PCIe 80GB"
    assert r["accelerator_hours"] == pytest.approx(24.0)
    assert r["cpu_kwh"] == pytest.approx(0.709838784, rel=REL)
    assert r["memory_kwh"] == pytest.approx(2.06976, rel=REL)
    assert r["accelerator_kwh"] == pytest.approx(4.02, rel=REL)
    assert r["energy_kwh"] == pytest.approx(8.057524559, rel=REL)
    assert r["co2e_kg"] == pytest.approx(3.368045266, rel=REL)
    assert r["embodied_co2e_kg"] == pytest.approx(0.487722603, rel=REL)


def test_100_hours_pack_is_scaled(tmp_path: Path, factors: FactorSet) -> None:
    # 0.24 packs of "100 Hours" = 24 instance-hours: the same figures as the 24 x "1 Hour" row
    # (CCF leaves such rows at 0.24 h: docs/method.md section 4)
    path = write_csv(tmp_path / "pack.csv", [EA_ROWS[1]])
    (r,) = _detail(path, factors)
    assert r["quantity"] == pytest.approx(24.0)
    assert r["vcpu_hours"] == pytest.approx(96.0)
    assert r["energy_kwh"] == pytest.approx(0.43575768, rel=REL)


def test_storage_and_bandwidth(tmp_path: Path, factors: FactorSet) -> None:
    rows = [
        row("Storage", "Premium SSD Managed Disks", "P10 LRS Disk", "1", "19.71", "1/Month"),
        row("Storage", "Tiered Block Blob", "Hot GRS Data Stored", "100", "4.6", "1 GB/Month"),
        row("Bandwidth", "", "Standard Data Transfer Out", "10", "0.87", "1 GB"),
        row("Bandwidth", "Inter-Region", "Intra Continent Data Transfer Out", "5", "0.1", "1 GB"),
    ]
    disk, blob, egress, inter = _detail(write_csv(tmp_path / "s.csv", rows), factors)
    # P10 disk for a month = 128 GB-months -> 128 x 744 / 1024 = 93 TB-h
    # SSD kWh = 93 x 1.2 / 1000 x 3 copies = 0.3348; energy = x 1.185 = 0.396738
    assert disk["usage_class"] == "storage_ssd"
    assert disk["storage_tb_hours"] == pytest.approx(93.0)
    assert disk["energy_kwh"] == pytest.approx(0.396738, rel=REL)
    # blob GRS: 100 GB-months -> 72.65625 TB-h x 0.65 / 1000 x 6 copies = 0.283359375; x 1.185
    assert blob["usage_class"] == "storage_hdd"
    assert blob["energy_kwh"] == pytest.approx(0.335780859, rel=REL)
    # internet egress: 10 GB x 0.001 kWh/GB x 1.185 = 0.01185 kWh
    assert egress["usage_class"] == "network"
    assert egress["energy_kwh"] == pytest.approx(0.01185, rel=REL)
    assert inter["usage_class"] == "network"
    assert inter["energy_kwh"] == pytest.approx(5 * 0.001 * 1.185, rel=REL)


def test_meter_name_alias_for_nd_a100(tmp_path: Path, factors: FactorSet) -> None:
    # billing meter "ND96asr A100 v4" is ARM size Standard_ND96asr_v4: the alias row finds it
    nd = row("Virtual Machines", "ND A100 v4 Series", "ND96asr A100 v4", "1", "27.2", "1 Hour")
    (r,) = _detail(write_csv(tmp_path / "nd.csv", [nd]), factors)
    assert r["instance_type"] == "Standard_ND96asr_A100_v4"
    assert r["fate"] == "estimated"
    assert r["accelerator_model"] == "NVIDIA A100 SXM4 40GB"
    assert r["accelerator_hours"] == pytest.approx(8.0)


# --------------------------------------------------------------------------------------------------
# charges, views, projects, parsing


def test_charge_types_excluded_and_reconciled(tmp_path: Path, factors: FactorSet) -> None:
    vm = EA_ROWS[0]
    rows = [
        vm,
        {**vm, "ChargeType": "Purchase", "PricingModel": "Reservation", "Cost": "100.01"},
        {**vm, "ChargeType": "Purchase", "PublisherType": "Marketplace", "Cost": "12.5"},
        {**vm, "ChargeType": "Refund", "PricingModel": "Reservation", "Cost": "-20.02"},
        {**vm, "ChargeType": "UnusedReservation", "PricingModel": "Reservation", "Cost": "3.3"},
        {**vm, "ChargeType": "RoundingAdjustment", "Cost": "0.01"},
        {**vm, "ChargeType": "Tax", "Cost": "1.23"},
        {**vm, "ChargeType": "Usage", "PublisherType": "Marketplace", "Cost": "0.5"},
    ]
    path = write_csv(tmp_path / "charges-actual.csv", rows)
    result = estimate([f"azure:{path}"], "2026-10", factor_set=factors, detail=True)
    assert result.detail is not None
    d = result.detail.sort("source_row")
    assert d["reason"].to_list() == [
        None,
        "commitment_purchase",
        "marketplace",
        "refund",
        "commitment_fee",
        "rounding",
        "tax",
        "marketplace",
    ]
    assert d["fate"].to_list() == ["estimated"] + ["excluded"] * 7
    assert d.filter(d["fate"] == "excluded")["energy_kwh"].sum() == 0
    cov = coverage_row(result)
    # 4.608 + 100.01 + 12.5 - 20.02 + 3.3 + 0.01 + 1.23 + 0.5 = 102.138
    assert cov["billed_cost"] == Decimal("102.138")
    assert cov["estimated_cost"] == Decimal("4.608")
    assert cov["excluded_cost"] == Decimal("97.53")
    assert cov["estimated_cost"] + cov["fallback_cost"] + cov["excluded_cost"] == cov["billed_cost"]


def _views(folder: Path) -> tuple[Path, Path]:
    folder.mkdir()
    vm = EA_ROWS[0]
    covered = {**vm, "PricingModel": "Reservation", "ReservationName": "r1"}
    # actual: reservation-covered usage at zero cost and the purchase
    actual = write_csv(
        folder / "export-a.csv",
        [
            {**covered, "Cost": "0"},
            {**vm, "ChargeType": "Purchase", "PricingModel": "Reservation", "Cost": "30"},
        ],
    )
    # amortized: the same usage carrying its share of the purchase, plus the unused part
    amortized = write_csv(
        folder / "export-b.csv",
        [
            {**covered, "Cost": "1.0"},
            {**vm, "ChargeType": "UnusedReservation", "PricingModel": "Reservation", "Cost": "29"},
        ],
    )
    return actual, amortized


def test_actual_and_amortized_in_one_folder_read_once(tmp_path: Path, factors: FactorSet) -> None:
    actual, amortized = _views(tmp_path / "exports")
    with pytest.warns(CloudCarbonWarning, match="export-b.csv"):
        result = estimate([f"azure:{tmp_path / 'exports'}"], "2026-10", factor_set=factors, detail=True)
    assert result.detail is not None
    assert set(result.detail["source_file"].to_list()) == {str(actual)}
    assert result.detail.filter(result.detail["usage_class"] == "compute").height == 1
    assert coverage_row(result)["billed_cost"] == Decimal("30")

    config = config_from_mapping({"sources": {"azure": {"cost": "amortized"}}})
    with pytest.warns(CloudCarbonWarning, match="export-a.csv"):
        result = estimate(
            [f"azure:{tmp_path / 'exports'}"], "2026-10", factor_set=factors, detail=True, config=config
        )
    assert result.detail is not None
    assert set(result.detail["source_file"].to_list()) == {str(amortized)}
    assert coverage_row(result)["billed_cost"] == Decimal("30")


def test_view_from_file_name(tmp_path: Path) -> None:
    folder = tmp_path / "named"
    folder.mkdir()
    plain = write_csv(folder / "costs_amortizedcost_2026.csv", [EA_ROWS[0]])
    with open_engine() as engine:
        v = azure_cost.file_view(engine.con, plain, engine.workdir, folder)
    assert (v.view, v.months) == ("amortized", frozenset({"2026-10"}))


def test_two_sources_of_different_views_raise(tmp_path: Path, factors: FactorSet) -> None:
    actual, amortized = _views(tmp_path / "exports")
    with pytest.raises(SourceError) as err:
        estimate([f"azure:{actual}", f"azure:{amortized}"], "2026-10", factor_set=factors)
    assert str(actual) in str(err.value) and str(amortized) in str(err.value)


def test_resource_group_projects(tmp_path: Path, factors: FactorSet) -> None:
    rows = [
        {**EA_ROWS[0], "ResourceGroup": "RG-Data"},
        {**EA_ROWS[0], "ResourceGroup": "rg-data"},
        {**EA_ROWS[0], "ResourceGroup": "rg-web", "SubscriptionId": SUB2},
        {**EA_ROWS[0], "ResourceGroup": "", "SubscriptionId": SUB2},
    ]
    path = write_csv(tmp_path / "rg.csv", rows)
    d = _detail(path, factors, sources={"azure": {"project": "resource_group"}})
    assert [r["project"] for r in d] == ["rg-data", "rg-data", "rg-web", SUB2]
    d = _detail(path, factors)
    assert [r["project"] for r in d] == [SUB, SUB, SUB2, SUB2]


def test_bom_and_short_dates(tmp_path: Path) -> None:
    rows = [{**EA_ROWS[0], "Date": "10/5/2026", "BillingPeriodStartDate": "10/1/2026"}]
    path = write_csv(tmp_path / "bom.csv", rows, bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with open_engine() as engine:
        ctx = ScanContext(con=engine.con, workdir=engine.workdir)
        df = azure_cost.scan(Source(path, "azure"), ctx).collect(backend="polars").to_native()
    assert df["ChargePeriodStart"].to_list() == [datetime(2026, 10, 5)]
    assert df["billing_month"].to_list() == ["2026-10"]
    assert df["SubAccountId"].to_list() == [SUB]


def test_invalid_tags_kept_as_text(tmp_path: Path) -> None:
    rows = [{**EA_ROWS[0], "Tags": '"env": "prod", broken'}]
    path = write_csv(tmp_path / "tags.csv", rows)
    with open_engine() as engine:
        ctx = ScanContext(con=engine.con, workdir=engine.workdir, tag_keys=("env",))
        df = azure_cost.scan(Source(path, "azure"), ctx).collect(backend="polars").to_native()
    assert df["Tags"].to_list() == ['"env": "prod", broken']
    assert df["tag:env"].to_list() == [None]


def test_bad_number_names_row_and_column(tmp_path: Path, factors: FactorSet) -> None:
    rows = [EA_ROWS[0], {**EA_ROWS[0], "Quantity": "24,5"}]
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(ValueParseError) as err:
        estimate([f"azure:{path}"], "2026-10", factor_set=factors)
    assert (err.value.row, err.value.column, err.value.value) == (2, "Quantity", "24,5")


def test_sniff_and_header_detection() -> None:
    assert azure_cost.sniff(EA_COLUMNS) == []
    assert azure_cost.sniff([_camel(c) for c in EA_COLUMNS]) == []
    assert "MeterCategory" in azure_cost.sniff(["SubscriptionId", "Date", "Quantity"])


def test_warning_filter_is_clean(tmp_path: Path) -> None:
    # a single-view folder reads every file without a warning
    folder = tmp_path / "one"
    folder.mkdir()
    write_csv(folder / "a.csv", [EA_ROWS[0]])
    write_csv(folder / "b.csv", [EA_ROWS[4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", CloudCarbonWarning)
        with open_engine() as engine:
            ctx = ScanContext(con=engine.con, workdir=engine.workdir)
            df = azure_cost.scan(Source(folder, "azure"), ctx).collect(backend="polars").to_native()
    assert df.height == 2
