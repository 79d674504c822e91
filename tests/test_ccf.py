"""``--method ccf``: hand-worked Cloud Carbon Footprint figures, defects included.

Every expectation is worked out from CCF's formulas (CCF = cloud-carbon-footprint@b7a049c, cited in
cloudcarbon/ccf.py) and CCF's coefficients as shipped in factors/2026.11/ccf_*.csv (rows quoted in the
comments), never from this code's output. Conventions used below:

* compute  kWh = vCPU-h x (min + 0.5 x (max - min)) / 1000 x PUE x replication  (ComputeEstimator.ts)
* memory   GB-h = (largest mem / chips - GB per chip) x mem / largest mem x hours (memory/helpers.ts)
* embodied tCO2e = scope3 x (usage / vCPU / 35040) x (vCPU / largest vCPU)     (EmbodiedEmissionsEstimator.ts)
  and its kWh = tCO2e / (grid t/kWh), added to CCF's kilowattHours -> our energy_kwh
* co2e_kg here is operational only; CCF co2e (t) x 1000 = co2e_kg + embodied_co2e_kg
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import cloudcarbon
from cloudcarbon.explain import CAUSES, explain_diff
from cloudcarbon.factors import FactorSet
from tests.conftest import cur_row
from tests.connectors.test_gcp_billing import Line, n2_spec, write_csv

MONTH = "2026-10"
# ccf_pue.csv aws,* = 1.135 ; ccf_grid.csv aws,us-east-1 = 379.069 (SERC), aws,us-west-2 = 322.167 (WECC)
AWS_PUE = 1.135
G_USE1 = 379.069
G_USW2 = 322.167


def approx(v: float) -> Any:
    return pytest.approx(v, rel=1e-6, abs=1e-15)


def _run(path: Path, factors: FactorSet, method: str = "ccf", prefix: str = "aws") -> pl.DataFrame:
    res = cloudcarbon.estimate([f"{prefix}:{path}"], MONTH, factor_set=factors, detail=True, method=method)
    assert res.detail is not None
    return res.detail


def _one(df: pl.DataFrame, usage_type: str) -> dict[str, Any]:
    rows = df.filter(pl.col("usage_type") == usage_type)
    assert rows.height == 1
    return rows.row(0, named=True)


AWS_ROWS = [
    cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", vcpu="2", project="m5"),
    cur_row("BoxUsage:m5.24xlarge", 24, "110.592", "Hrs", instance="m5.24xlarge", vcpu="96", project="big"),
    cur_row(
        "USW2-BoxUsage:p3.2xlarge", 24, "73.44", "Hrs", instance="p3.2xlarge", region="us-west-2", vcpu="8"
    ),
    cur_row("EBS:VolumeUsage.gp2", 100, "10", "GB-Mo"),
    cur_row("TimedStorage-ByteHrs", 1000, "23", "GB-Mo", product="AmazonS3", project="s3"),
    cur_row("Lambda-GB-Second", 3600000, "60", "Lambda-GB-Second", product="AWSLambda"),
    cur_row("NatGateway-Hours", 24, "1.08", "Hrs"),
    cur_row("HostBoxUsage:m5.large", 24, "0", "Hrs", instance="m5.large"),
    cur_row("Tax", 1, "3", "", line_item_type="Tax"),
]


@pytest.fixture
def aws_detail(cur_file: Callable[..., Path], factors: FactorSet) -> pl.DataFrame:
    return _run(cur_file(AWS_ROWS), factors)


# m5: ccf_aws_instances.csv m5.large = 2 vCPU, 8 GB, 1.6103792 tCO2e, Skylake; the family's last entry
# m5.metal = 96 vCPU, 384 GB. ccf_processors.csv aws,Skylake = 0.65 / 4.26 W, 81.32 GB per chip.
M5_W = 0.65 + 0.5 * (4.26 - 0.65)  # 2.455 W per vCPU
M5_EMB_T = 1.6103792 * (24 / 2 / 35040) * (2 / 96)  # the vCPU cancels: 1.6103792 x 24 / 35040 / 96


def test_m5_large_day(aws_detail: pl.DataFrame) -> None:
    r = _one(aws_detail, "BoxUsage:m5.large")
    assert r["fate"] == "estimated" and r["usage_class"] == "compute"
    # CPU: 2 vCPU x 24 h = 48 vCPU-h x 2.455 W / 1000 = 0.11784 kWh
    assert r["vcpu_hours"] == approx(48.0)
    assert r["cpu_kwh"] == approx(0.11784)
    # memory: chips = ceil(96 / 96) = 1; (384 / 1 - 81.32) x 8 / 384 x 24 = 151.34 GB-h x 0.000392
    assert r["memory_gb_hours"] == approx(151.34)
    assert r["memory_kwh"] == approx(151.34 * 0.000392)
    # embodied: 1.6103792 x 24 / 35040 / 96 = 1.14896e-5 t = 0.0114896 kg; as kWh / 0.000379069
    assert r["embodied_co2e_kg"] == approx(M5_EMB_T * 1000)
    assert r["ccf_embodied_kwh"] == approx(M5_EMB_T / 0.000379069)
    op = (0.11784 + 151.34 * 0.000392) * AWS_PUE  # 0.20108259 kWh
    assert r["energy_kwh"] == approx(op + M5_EMB_T / 0.000379069)  # CCF kilowattHours = 0.2313922
    assert r["co2e_kg"] == approx(op * G_USE1 / 1000)  # 0.0762243 kg
    assert r["pue"] == AWS_PUE and r["g_co2e_per_kwh"] == approx(G_USE1)


def test_m5_24xlarge_embodied_vcpu_cancels(aws_detail: pl.DataFrame) -> None:
    r = _one(aws_detail, "BoxUsage:m5.24xlarge")
    # 96 vCPU x 24 h = 2304 vCPU-h x 2.455 W = 5.65632 kWh; memory (384 - 81.32) x 384/384 x 24 = 7264.32 GB-h
    assert r["cpu_kwh"] == approx(5.65632)
    assert r["memory_gb_hours"] == approx(7264.32)
    # embodied: 1.6103792 x (24 / 96 / 35040) x (96 / 96): the same 0.0114896 kg as the m5.large
    assert r["embodied_co2e_kg"] == approx(M5_EMB_T * 1000)
    op = (5.65632 + 7264.32 * 0.000392) * AWS_PUE
    assert r["co2e_kg"] == approx(op * G_USE1 / 1000)


def test_p3_2xlarge_us_west_2_with_gpu(aws_detail: pl.DataFrame) -> None:
    r = _one(aws_detail, "USW2-BoxUsage:p3.2xlarge")
    # p3.2xlarge: 8 vCPU, 61 GB, 1 GPU Nvidia Tesla V100, Broadwell, 3.5429488 t; family last p3.16xlarge
    # = 64 vCPU, 488 GB. aws,Broadwell = 0.71 / 3.69 W, 69.65 GB/chip; aws,Nvidia Tesla V100 = 35 / 306 W
    assert r["cpu_kwh"] == approx(192 * (0.71 + 0.5 * 2.98) / 1000)  # 0.4224
    assert r["accelerator_hours"] == approx(24.0)
    assert r["accelerator_kwh"] == approx(24 * (35 + 0.5 * 271) / 1000)  # 4.092
    mem_gbh = (488 - 69.65) * 61 / 488 * 24  # 1255.05
    assert r["memory_gb_hours"] == approx(mem_gbh)
    emb_t = 3.5429488 * (24 / 8 / 35040) * (8 / 64)
    assert r["embodied_co2e_kg"] == approx(emb_t * 1000)  # 0.0379166 kg
    op = (0.4224 + 4.092 + mem_gbh * 0.000392) * AWS_PUE  # 5.68224 kWh
    assert r["co2e_kg"] == approx(op * G_USW2 / 1000)
    assert r["energy_kwh"] == approx(op + emb_t / (G_USW2 / 1e6))


def test_gp2_volume(aws_detail: pl.DataFrame) -> None:
    r = _one(aws_detail, "EBS:VolumeUsage.gp2")
    # GB-Mo -> TB-h: 100 / 1000 x 24 x 31 days = 74.4; SSD 1.2 Wh/TB-h; EC2_EBS_VOLUME replication 2
    assert r["usage_class"] == "storage_ssd"
    assert r["storage_tb_hours"] == approx(74.4)
    assert r["energy_kwh"] == approx(74.4 * 1.2 / 1000 * 2 * AWS_PUE)  # 0.2026656 kWh
    assert r["co2e_kg"] == approx(74.4 * 1.2 / 1000 * 2 * AWS_PUE * G_USE1 / 1000)


def test_s3_gb_months_divided_as_bytes(
    aws_detail: pl.DataFrame, cur_file: Callable[..., Path], factors: FactorSet
) -> None:
    r = _one(aws_detail, "TimedStorage-ByteHrs")
    # CCF's BYTE_HOURS_USAGE_TYPES catch TimedStorage-ByteHrs: 1000 GB-Mo / 2^40 = 9.09e-10 "TB-h";
    # HDD 0.65 Wh/TB-h, S3 replication 6
    tbh = 1000 / 2**40
    assert r["storage_tb_hours"] == approx(tbh)
    assert r["energy_kwh"] == approx(tbh * 0.65 / 1000 * 6 * AWS_PUE)  # 4.03e-12 kWh: near zero
    default = _one(_run(cur_file(AWS_ROWS, name="d.csv"), factors, "cloudcarbon"), "TimedStorage-ByteHrs")
    assert default["energy_kwh"] > 1e6 * r["energy_kwh"]


def test_lambda_gb_seconds(aws_detail: pl.DataFrame) -> None:
    r = _one(aws_detail, "Lambda-GB-Second")
    # GB-seconds / 3600 taken as vCPU-hours = 1000, at the AWS average 0.74 / 3.5 W (processor Unknown)
    assert r["vcpu_hours"] == approx(1000.0)
    assert r["energy_kwh"] == approx(1000 * (0.74 + 0.5 * 2.76) / 1000 * AWS_PUE)  # 2.4062 kWh
    assert r["memory_kwh"] == 0.0 and r["embodied_co2e_kg"] == 0.0


def test_unknown_and_unsupported_rows(aws_detail: pl.DataFrame) -> None:
    nat = _one(aws_detail, "NatGateway-Hours")
    assert nat["fate"] == "fallback" and nat["reason"] == "ccf:unknown_usage"
    # AmazonEC2 / Hrs kWh per USD of the estimated compute rows x 1.08 USD
    est = aws_detail.filter(
        (pl.col("ServiceName") == "AmazonEC2")
        & (pl.col("ConsumedUnit") == "Hrs")
        & (pl.col("fate") == "estimated")
    )
    ratio = est["energy_kwh"].sum() / est["BilledCost"].cast(pl.Float64).sum()
    assert nat["energy_kwh"] == approx(ratio * 1.08)
    host = _one(aws_detail, "HostBoxUsage:m5.large")
    assert host["fate"] == "excluded" and host["reason"] == "ccf:unsupported"
    assert _one(aws_detail, "Tax")["reason"] == "tax"


def test_coverage_reconciles(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    res = cloudcarbon.estimate([f"aws:{cur_file(AWS_ROWS)}"], MONTH, factor_set=factors, method="ccf")
    cov = res.coverage.row(0, named=True)
    assert cov["estimated_cost"] + cov["fallback_cost"] + cov["excluded_cost"] == cov["billed_cost"]
    assert res.method == "ccf"


def test_default_figures_differ(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    path = cur_file(AWS_ROWS)
    ccf = _run(path, factors)
    default = _run(path, factors, "cloudcarbon")
    for ut in ("BoxUsage:m5.large", "BoxUsage:m5.24xlarge", "EBS:VolumeUsage.gp2", "TimedStorage-ByteHrs"):
        a, b = _one(ccf, ut), _one(default, ut)
        assert a["co2e_kg"] + a["embodied_co2e_kg"] != pytest.approx(b["co2e_kg"] + b["embodied_co2e_kg"])


def test_explain_names_s3_and_embodied_causes(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    path = cur_file(AWS_ROWS)
    by_service = explain_diff([f"aws:{path}"], MONTH, factor_set=factors, group_by=("service",))
    s3 = by_service.filter(pl.col("service") == "AmazonS3").row(0, named=True)
    assert s3["cause"] == "s3_gb_month_as_bytes"
    assert s3["ccf_co2e_kg"] < 1e-9 < s3["default_co2e_kg"]
    by_type = explain_diff([f"aws:{path}"], MONTH, factor_set=factors, group_by=("instance_type",))
    big = by_type.filter(pl.col("instance_type") == "m5.24xlarge").row(0, named=True)
    assert big["cause"] == "embodied_vcpu_share"
    assert big["ccf_embodied_co2e_kg"] == approx(M5_EMB_T * 1000)
    assert set(by_type["cause"]) <= set(CAUSES)


# ---- GCP (through the gcp_billing connector) -----------------------------------------------------


def test_gcp_n1_core_day(tmp_path: Path, factors: FactorSet) -> None:
    spec = n2_spec("n1-standard-4", "4", "15360")
    path = write_csv(
        tmp_path / "gcp.csv",
        [
            Line(
                "N1 Predefined Instance Core running in Americas",
                str(4 * 86400),
                "seconds",
                "3.6",
                system_labels=spec,
            )
        ],
    )
    r = _run(path, factors, prefix="gcp").row(0, named=True)
    # 345600 core-s / 3600 = 96 vCPU-h. n1 -> Skylake, Broadwell, Haswell, Sandy Bridge, Ivy Bridge: with
    # Sandy/Ivy Bridge CCF takes the median: min median(0.65, 0.71, 1, 2.17, 3.04) = 1,
    # max median(4.26, 3.69, 4.74, 8.58, 8.25) = 4.74 -> 1 + 0.5 x 3.74 = 2.87 W
    assert r["vcpu_hours"] == approx(96.0)
    assert r["cpu_kwh"] == approx(96 * 2.87 / 1000)  # 0.27552
    # ccf_pue gcp,us-central1 = 1.11; ccf_grid gcp,us-central1 = 456 g
    assert r["pue"] == 1.11 and r["g_co2e_per_kwh"] == approx(456.0)
    assert r["co2e_kg"] == approx(0.27552 * 1.11 * 0.456)  # 0.13945720 kg
    # embodied: n1-standard-4 1.6771 t, family last n1-standard-96: period = 345600 / 4 / 3600 = 24 h
    emb_t = 1.6771 * (24 / 35040) * (4 / 96)  # 4.786245e-5 t (a true vCPU share on GCP)
    assert r["embodied_co2e_kg"] == approx(emb_t * 1000)
    assert r["energy_kwh"] == approx(0.27552 * 1.11 + emb_t / 0.000456)


def test_gcp_n2d_priced_as_intel(tmp_path: Path, factors: FactorSet) -> None:
    spec = n2_spec("n2d-standard-8", "8", "32768")
    line = Line(
        "N2D AMD Instance Core running in Americas", str(8 * 86400), "seconds", "6.0", system_labels=spec
    )
    path = write_csv(tmp_path / "gcp.csv", [line] * 20)
    r = _run(path, factors, prefix="gcp").row(0, named=True)
    # 'n2d-standard-8'[:2] = 'n2' -> Cascade Lake 0.64 / 3.97 W (not AMD EPYC 2nd Gen 0.47 / 1.69)
    assert r["cpu_kwh"] == approx(192 * (0.64 + 0.5 * 3.33) / 1000)  # 0.44256 kWh
    assert r["ccf_defect"] == "gcp_amd_as_intel"
    default = _run(path, factors, "cloudcarbon", prefix="gcp").row(0, named=True)
    assert default["cpu_kwh"] < r["cpu_kwh"]
    lines = explain_diff([f"gcp:{path}"], MONTH, factor_set=factors, group_by=("instance_type",))
    assert lines.row(0, named=True)["cause"] == "gcp_amd_as_intel"


def test_gcp_gke_regional_cluster_three_vcpus_on_e2_medium(tmp_path: Path, factors: FactorSet) -> None:
    line = Line("Regional Kubernetes Clusters", str(720 * 3600), "seconds", "72", service="Kubernetes Engine")
    r = _run(write_csv(tmp_path / "gcp.csv", [line]), factors, prefix="gcp").row(0, named=True)
    # CCF BillingExportRow.ts: a GKE cluster is VCPUS_PER_GKE_CLUSTER = 3 vCPUs on an e2-medium:
    # 720 h x 3 = 2160 vCPU-h; e2-medium -> Unknown processor -> GCP medians 0.68 / 4.11 W:
    # 0.68 + 0.5 x 3.43 = 2.395 W -> 5.1732 kWh, x KUBERNETES_ENGINE replication 3 (Regional) = 15.5196
    assert r["vcpu_hours"] == approx(2160.0)
    assert r["ccf_defect"] == "gcp_fixed_cluster_vcpus"
    assert r["cpu_kwh"] == approx(15.5196)
    # embodied: e2-medium 2 vCPU 1.2303 t, e2 family largest 32: period = 2592000 / 2 / 3600 = 360 h
    emb_t = 1.2303 * (360 / 35040) * (2 / 32)  # 7.90004281e-4 t
    assert r["embodied_co2e_kg"] == approx(emb_t * 1000)
    # CCF's own figures for this row (the oracle): 18.9592215 kWh, 8.64540502 kg
    assert r["energy_kwh"] == approx(15.5196 * 1.11 + emb_t / 0.000456)  # 17.226756 + 1.7324655
    assert r["co2e_kg"] + r["embodied_co2e_kg"] == approx(15.5196 * 1.11 * 0.456 + emb_t * 1000)


def test_gcp_gpu_watts_by_sku_prefix(tmp_path: Path, factors: FactorSet) -> None:
    skus = ["Nvidia Tesla P4 GPU running in Americas", "Nvidia T4 GPU running in Americas"]
    skus.append("Nvidia Tesla T4 GPU running in Americas")  # starts with no listed model
    path = write_csv(tmp_path / "gcp.csv", [Line(s, str(96 * 3600), "seconds", "10") for s in skus])
    df = _run(path, factors, prefix="gcp")
    # 96 GPU-h x (min + 0.5 (max - min)) / 1000, x PUE 1.11 (no machine type: no embodied)
    assert _one(df, skus[0])["energy_kwh"] == approx(96 * (9 + 0.5 * 67.5) / 1000 * 1.11)  # P4: 4.55544
    assert _one(df, skus[1])["energy_kwh"] == approx(96 * (8 + 0.5 * 63) / 1000 * 1.11)  # T4: 4.20912
    # the mean of CCF's six GCP models: min (8+35+35+46+9+36)/6 = 28.1667, max (71+306+306+407+76.5+306)/6
    lo, hi = 169 / 6, 1472.5 / 6
    assert _one(df, skus[2])["energy_kwh"] == approx(96 * (lo + 0.5 * (hi - lo)) / 1000 * 1.11)
    assert _one(df, skus[2])["ccf_defect"] == "gcp_gpu_average"
    assert _one(df, skus[0])["ccf_defect"] != "gcp_gpu_average"


def test_gcp_unknown_usage_by_unit_only_without_embodied(tmp_path: Path, factors: FactorSet) -> None:
    spec = n2_spec("n1-standard-4", "4", "15360")
    lines = [
        Line(
            "N1 Predefined Instance Core running in Americas",
            str(4 * 86400),
            "seconds",
            "3.6",
            system_labels=spec,
        ),
        Line("IP address reserved", str(2 * 86400), "seconds", "1", service="Networking"),
        Line("Autopilot Pod mCPU Requests (us-central1)", str(4 * 86400 * 1000), "seconds", "1"),
        Line("Secret version replica storage", str(4 * 86400), "seconds", "1", service="Secret Manager"),
        Line("Secret access operations", "1000", "count", "1", service="Secret Manager"),
    ]
    df = _run(write_csv(tmp_path / "gcp.csv", lines), factors, prefix="gcp")
    # the seconds ratio is the N1 row's compute kWh (embodied left out, as CCF accumulates it) per
    # core-second: 96 x 2.87 / 1000 x 1.11 = 0.3058272 kWh over 345600 s (test_gcp_n1_core_day)
    ip = _one(df, "IP address reserved")
    assert ip["fate"] == "fallback" and ip["energy_kwh"] == approx(0.3058272 / 2)
    # Pod mCPU Requests: usage / 1000 (millicores), so 345600 vCPU-seconds -> the N1 row's kWh
    assert _one(df, "Autopilot Pod mCPU Requests (us-central1)")["energy_kwh"] == approx(0.3058272)
    # Secret Manager: CCF sets its unit to 'Unknown', a unit no estimated row has -> 0
    secret = _one(df, "Secret version replica storage")
    assert secret["fate"] == "fallback" and secret["energy_kwh"] == 0.0
    # ... but only after the query's unit filter: a 'count' row never reaches CCF
    assert _one(df, "Secret access operations")["fate"] == "excluded"


# ---- Azure (canonical rows written as a cost-details CSV) -------------------------------------------


def test_azure_d2s_v3_day(tmp_path: Path, factors: FactorSet) -> None:
    path = tmp_path / "azure.csv"
    path.write_text(
        "Date,BillingPeriodStartDate,SubscriptionId,MeterCategory,MeterSubCategory,MeterName,UnitOfMeasure,"
        "Quantity,CostInBillingCurrency,BillingCurrency,ResourceLocation,ChargeType\n"
        "10/01/2026,10/01/2026,sub-1,Virtual Machines,Dsv3 Series,D2s v3,1 Hour,24,2.3,USD,"
        "westeurope,Usage\n",
        encoding="utf-8",
    )
    r = _run(path, factors, prefix="azure").row(0, named=True)
    # D2s v3: 2 vCPU, 8 GB, 1.4829 t, Cascade Lake; Skylake; Broadwell; Haswell; series D2s-64s v3 ends
    # with D64s v3 = 64 vCPU, 256 GB. ccf_processors azure: min mean (0.64 + 0.65 + 0.71 + 1) / 4 = 0.75,
    # max mean (3.97 + 4.26 + 3.69 + 4.74) / 4 = 4.165 -> 2.4575 W; GB/chip mean
    # (98.12 + 81.32 + 69.65 + 27.71) / 4 = 69.2
    assert r["vcpu_hours"] == approx(48.0)
    assert r["cpu_kwh"] == approx(48 * 2.4575 / 1000)  # 0.11796
    mem = (256 - 69.2) * 8 / 256 * 24  # 140.1 GB-h
    assert r["memory_gb_hours"] == approx(mem)
    op = (0.11796 + mem * 0.000392) * 1.185  # ccf_pue azure,* = 1.185 -> 0.20486185 kWh
    assert r["co2e_kg"] == approx(op * 328.4 / 1000)  # ccf_grid azure,westeurope = 328.4 g
    emb_t = 1.4829 * (24 / 2 / 35040) * (2 / 64)  # 1.587007e-5 t: the vCPU cancels
    assert r["embodied_co2e_kg"] == approx(emb_t * 1000)
    assert r["energy_kwh"] == approx(op + emb_t / 0.0003284)


def test_azure_pack_unit_meter_alternatives_and_us_region(tmp_path: Path, factors: FactorSet) -> None:
    """CCF reads the meter before '/', the billed quantity of a pack unit, and EastUS's grid factor."""
    path = tmp_path / "azure.csv"
    path.write_text(
        "Date,BillingPeriodStartDate,SubscriptionId,MeterCategory,MeterSubCategory,MeterName,UnitOfMeasure,"
        "Quantity,CostInBillingCurrency,BillingCurrency,ResourceLocation,ChargeType\n"
        "10/01/2026,10/01/2026,sub-1,Virtual Machines,Dv3 Series,D2 v3/D2s v3,100 Hours,0.24,2.3,USD,"
        "eastus,Usage\n",
        encoding="utf-8",
    )
    r = _run(path, factors, prefix="azure").row(0, named=True)
    # CCF's usage type "D2 v3" (text before '/'): ccf_azure_vm_sizes D2 v3 = 2 vCPU, 8 GB, 1.4829 t,
    # Cascade Lake; Skylake; Broadwell; Haswell, series D2-64 v3 ends with 64 vCPU, 256 GB (watts and
    # GB/chip as in the test above: 2.4575 W, 69.2 GB). CCF counts the billed 0.24 (of '100 Hours') as
    # hours: 0.48 vCPU-h, not the 24 hours billed.
    assert r["vcpu_hours"] == approx(0.48)
    mem = (256 - 69.2) * 8 / 256 * 0.24  # 1.401 GB-h
    op = (0.48 * 2.4575 / 1000 + mem * 0.000392) * 1.185  # 0.0020486185 kWh
    # ccf_grid azure,EastUS = 379.069 g (SERC); the bill's "eastus" is CCF's EastUS, not Unknown (351.28)
    assert r["co2e_kg"] == approx(op * 379.069 / 1000)
    emb_t = 1.4829 * (0.24 / 2 / 35040) * (2 / 64)
    assert r["energy_kwh"] == approx(op + emb_t / 0.000379069)
    assert r["ccf_defect"] == "azure_pack_units"
