"""FOCUS rows of clouds without rule files (OCI, IBM Cloud, Scaleway, OVHcloud, Intel Tiber AI Cloud,
Lambda): an hour of a named instance type is compute, looked up in instances.csv with its accelerators.

Expected models and counts are written by hand from the vendor shape tables cited in
``scripts/factors_others.py``; energy figures are worked from the factor rows quoted in the comments.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest

from cloudcarbon import estimate
from cloudcarbon.connectors import focus
from cloudcarbon.connectors.base import Source
from cloudcarbon.factors import FactorSet

REL = 1e-6
SET_DIR = Path(__file__).resolve().parents[2] / "factors" / "2026.11"

COLUMNS = [
    "BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodStart", "ChargeCategory",
    "ChargeClass", "ChargeDescription", "ChargePeriodEnd", "ChargePeriodStart", "ConsumedQuantity",
    "ConsumedUnit", "ProviderName", "RegionId", "ServiceName", "SkuPriceDetails", "SubAccountId",
]  # fmt: skip

# (ProviderName as exported, canonical provider, instance type, accelerator model, count)
SHAPES = [
    ("IBM", "ibm", "gx3d-160x1792x8gaudi3", "Intel Gaudi3", 8),
    ("IBM Cloud", "ibm", "gx3d-160x1792x8h100", "NVIDIA H100 SXM5 80GB", 8),
    ("IBM", "ibm", "gx3d-160x1792x8h200", "NVIDIA H200 SXM 141GB", 8),
    ("IBM", "ibm", "gx3-16x80x1l4", "NVIDIA L4", 1),
    ("IBM", "ibm", "gx3-32x160x2l4", "NVIDIA L4", 2),
    ("IBM", "ibm", "gx3-64x320x4l4", "NVIDIA L4", 4),
    ("IBM", "ibm", "gx3-24x120x1l40s", "NVIDIA L40S", 1),
    ("IBM", "ibm", "gx3-48x240x2l40s", "NVIDIA L40S", 2),
    ("Intel Tiber AI Cloud", "intel", "bm-icp-gaudi2", "Intel Gaudi2", 8),
    ("Scaleway", "scaleway", "H100-1-80G", "NVIDIA H100 PCIe 80GB", 1),
    ("Scaleway", "scaleway", "H100-2-80G", "NVIDIA H100 PCIe 80GB", 2),
    ("OVHcloud", "ovhcloud", "t2-45", "NVIDIA Tesla V100S PCIe 32GB", 1),
    ("OVHcloud", "ovhcloud", "t2-90", "NVIDIA Tesla V100S PCIe 32GB", 2),
    ("OVHcloud", "ovhcloud", "t2-180", "NVIDIA Tesla V100S PCIe 32GB", 4),
    ("Oracle", "oci", "VM.GPU3.1", "NVIDIA Tesla V100 SXM2 16/32GB", 1),
    ("Oracle", "oci", "VM.GPU3.2", "NVIDIA Tesla V100 SXM2 16/32GB", 2),
    ("Oracle", "oci", "VM.GPU3.4", "NVIDIA Tesla V100 SXM2 16/32GB", 4),
    ("Oracle", "oci", "BM.GPU3.8", "NVIDIA Tesla V100 SXM2 16/32GB", 8),
    ("Oracle", "oci", "VM.GPU.A10.1", "NVIDIA A10", 1),
    ("Oracle", "oci", "VM.GPU.A10.2", "NVIDIA A10", 2),
    ("Oracle", "oci", "BM.GPU.A10.4", "NVIDIA A10", 4),
    ("Oracle", "oci", "BM.GPU4.8", "NVIDIA A100 SXM4 40GB", 8),
    ("Oracle Cloud Infrastructure", "oci", "BM.GPU.A100-v2.8", "NVIDIA A100 SXM4 80GB", 8),
    ("Oracle", "oci", "BM.GPU.H100.8", "NVIDIA H100 SXM5 80GB", 8),
    ("Lambda", "lambda", "gpu_1x_a100", "NVIDIA A100 PCIe 40GB", 1),
]


def row(
    provider: str, instance: str | None, unit: str = "Hours", qty: str = "1", **extra: str
) -> dict[str, str]:
    sku = json.dumps({"InstanceType": instance}) if instance else ""
    return {
        "BilledCost": "2.50",
        "BillingAccountId": "acct-1",
        "BillingCurrency": "USD",
        "BillingPeriodStart": "2026-10-01T00:00:00Z",
        "ChargeCategory": "Usage",
        "ChargeClass": "",
        "ChargeDescription": f"{instance} instance hour",
        "ChargePeriodEnd": "2026-10-05T11:00:00Z",
        "ChargePeriodStart": "2026-10-05T10:00:00Z",
        "ConsumedQuantity": qty,
        "ConsumedUnit": unit,
        "ProviderName": provider,
        "RegionId": "somewhere-1",
        "ServiceName": "Compute",
        "SkuPriceDetails": sku,
        "SubAccountId": "sub-1",
        **extra,
    }


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


def detail(path: Path, factors: FactorSet) -> pl.DataFrame:
    result = estimate([Source(path, "focus")], "2026-10", factor_set=factors, detail=True)
    assert result.detail is not None
    return result.detail.sort("source_row")


def test_every_new_shape_is_compute_with_its_accelerators(tmp_path: Path, factors: FactorSet) -> None:
    path = write(tmp_path / "others.csv", [row(p, t) for p, _, t, _, _ in SHAPES])
    d = detail(path, factors)
    assert d["ProviderName"].to_list() == [c for _, c, _, _, _ in SHAPES]
    assert d["usage_class"].to_list() == ["compute"] * len(SHAPES)
    assert d["fate"].to_list() == ["estimated"] * len(SHAPES)
    assert d["instance_key"].to_list() == [t for _, _, t, _, _ in SHAPES]
    assert d["accelerator_model"].to_list() == [m for _, _, _, m, _ in SHAPES]
    # one hour of each shape: accelerator hours = device count
    assert d["accelerator_hours"].to_list() == pytest.approx([float(n) for *_, n in SHAPES])
    assert all(k > 0 for k in d["accelerator_kwh"].to_list())


def test_ovh_t2_45_hour_hand_worked(tmp_path: Path, factors: FactorSet) -> None:
    d = detail(write(tmp_path / "ovh.csv", [row("OVHcloud", "t2-45")]), factors)
    r = d.row(0, named=True)
    # factor rows (set 2026.11): ovhcloud t2-45 15 vCPU, 45 GB, Cascade Lake, 1 x NVIDIA Tesla V100S PCIe
    # 32GB; ovhcloud Cascade Lake (copy of aws) 0.690298 / 4.063194 W per vCPU; V100S idle 29.2 W,
    # TDP 250 W; memory 0.000392 kWh/GB-h; CPU and accelerator utilisation 0.5.
    # accelerator = 1 device-hour x (29.2 + 0.5 x (250 - 29.2)) / 1000 = 139.6 / 1000 = 0.1396 kWh
    # CPU W = 15 x (0.690298 + 0.5 x (4.063194 - 0.690298)) = 15 x 2.376746 = 35.65119 W -> 0.03565119 kWh
    # memory = 45 GB x 1 h x 0.000392 = 0.01764 kWh
    # PUE: no ovhcloud row -> global mean of the pue.csv '*' rows: aws 1.135, azure 1.185, gcp 1.1,
    # inventory 1.58 -> 5.0 / 4 = 1.25
    # energy = (0.1396 + 0.03565119 + 0.01764) x 1.25 = 0.19289119 x 1.25 = 0.2411139875 kWh
    assert r["accelerator_model"] == "NVIDIA Tesla V100S PCIe 32GB"
    assert r["accelerator_kwh"] == pytest.approx(0.1396, rel=REL)
    assert r["cpu_kwh"] == pytest.approx(0.03565119, rel=REL)
    assert r["memory_kwh"] == pytest.approx(0.01764, rel=REL)
    assert r["pue"] == pytest.approx(1.25, rel=REL)
    assert r["energy_kwh"] == pytest.approx(0.2411139875, rel=REL)
    assert r["grid_status"] == "global_average"


def test_gaudi2_and_a100_pcie_accelerator_energy(tmp_path: Path, factors: FactorSet) -> None:
    rows = [row("Intel", "bm-icp-gaudi2", qty="2"), row("Lambda Labs", "gpu_1x_a100")]
    d = detail(write(tmp_path / "acc.csv", rows), factors)
    # Gaudi2: idle 70 W, TDP 600 W; 2 h x 8 devices = 16 device-hours
    #   16 x (70 + 0.5 x (600 - 70)) / 1000 = 16 x 335 / 1000 = 5.36 kWh
    # A100 PCIe 40GB: idle 29.2 W, TDP 250 W; 1 device-hour: (29.2 + 110.4) / 1000 = 0.1396 kWh
    assert d["accelerator_kwh"].to_list() == pytest.approx([5.36, 0.1396], rel=REL)
    assert d["ProviderName"].to_list() == ["intel", "lambda"]


def test_rule_applies_only_to_hour_rows_with_an_instance_type(tmp_path: Path, factors: FactorSet) -> None:
    rows = [
        row("Oracle", "BM.GPU4.8"),
        row("Oracle", None),  # no InstanceType: rule files decide; OCI has none -> unmodelled
        row("Oracle", "BM.GPU4.8", unit="GB Hours", qty="8"),  # not hours
        row("Scaleway", "H100-9-80G"),  # hours, unknown type: compute, flagged fallback
        row("OVHcloud", "t2-45", ChargeCategory="Tax"),  # not usage: excluded
    ]
    d = detail(write(tmp_path / "rule.csv", rows), factors)
    assert d["usage_class"].to_list() == ["compute", "unmodelled", "unmodelled", "compute", "excluded"]
    assert d["fate"].to_list() == ["estimated", "fallback", "fallback", "fallback", "excluded"]
    assert d["status_note"][3] == "unknown_instance_type"


def test_providers_with_rules_match_the_rule_files() -> None:
    files = {p.name.removesuffix("_usage_types.csv") for p in SET_DIR.glob("*_usage_types.csv")}
    assert set(focus.PROVIDERS_WITH_RULES) == files


def test_provider_names() -> None:
    names = focus.PROVIDER_NAMES
    assert names["ibm cloud"] == names["ibm"] == "ibm"
    assert names["ovhcloud"] == "ovhcloud"
    assert names["scaleway"] == "scaleway"
    assert names["intel tiber ai cloud"] == names["intel"] == "intel"
    assert names["oracle"] == "oci"
