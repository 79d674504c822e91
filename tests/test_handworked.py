"""Energy, CO2e and embodied figures worked out by hand from the published factor rows.

Factor rows used (factor set 2026.11, all cited in the set's CSVs):

* PUE aws ``*`` = 1.135 (CCF AwsFootprintEstimationConstants)
* memory 0.000392 kWh per GB-hour; SSD 1.2 Wh per TB-hour; HDD 0.65 Wh per TB-hour (CCF)
* lifespan 35,040 h; default utilisation 0.5, band 0.1-0.9 (docs/method.md)
* Skylake 0.612989 / 4.10417 W per vCPU; Cascade Lake 0.690298 / 4.063194; Graviton2 0.474262 / 1.692962
  (ccf-coefficients 2026 output)
* m5.large 2 vCPU, 8 GB, host 96 vCPU, host embodied 1610.79 kg; m6g.large 2 vCPU, 8 GB, host 64 vCPU,
  1333.12 kg; p4d.24xlarge 96 vCPU, 1152 GB, host 96, 3476.79 kg + 8 x NVIDIA A100 SXM4 40GB
  (idle 46 W, TDP 400 W, band 0.1, 150 kg each)
* grid for a 2026 month: no 2026 rows, so the latest year, Electricity Maps 2025: us-east-1 (US-MIDA-PJM)
  418 g/kWh, us-west-2 (US-NW-BPAT) 129 g/kWh; flagged year_substituted (band +-10%)
* S3 Standard replication 6, EBS volume replication 2 (CCF ReplicationFactors)
* October has 744 hours; AWS bills GiB, so 1 TB = 1024 GB.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from cloudcarbon import estimate
from cloudcarbon.factors import FactorSet
from tests.conftest import cur_row

REL = 1e-6


def _only_row(path: Path, factors: FactorSet) -> dict[str, object]:
    result = estimate([path], "2026-10", factor_set=factors, detail=True)
    assert result.detail is not None
    assert result.detail.height == 1
    return result.detail.row(0, named=True)


def test_m5_large_day_us_east_1(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    path = cur_file([cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large")])
    r = _only_row(path, factors)
    # CPU W = 2 x (0.612989 + 0.5 x (4.10417 - 0.612989)) = 2 x 2.3585795 = 4.717159 W
    # CPU kWh = 24 h x 4.717159 / 1000 = 0.113211816
    # memory kWh = 24 h x 8 GB x 0.000392 = 0.075264
    # energy = (0.113211816 + 0.075264) x 1.135 = 0.213920051 kWh
    # CO2e = 0.213920051 x 418 / 1000 = 0.089418581 kg
    # embodied = 1610.79 kg x 24 / 35040 x 2 / 96 = 0.022985 kg
    assert r["fate"] == "estimated"
    assert r["cpu_kwh"] == pytest.approx(0.113211816, rel=REL)
    assert r["memory_kwh"] == pytest.approx(0.075264, rel=REL)
    assert r["energy_kwh"] == pytest.approx(0.213920051, rel=REL)
    assert r["co2e_kg"] == pytest.approx(0.089418581, rel=REL)
    assert r["embodied_co2e_kg"] == pytest.approx(1610.79 * 24 / 35040 * 2 / 96, rel=REL)
    assert r["embodied_co2e_kg"] == pytest.approx(0.0229850, rel=1e-5)
    # low: u = 0.1 -> CPU W = 2 x (0.612989 + 0.1 x 3.491181) = 2 x 0.9621071 = 1.9242142 W
    # -> 24 x 1.9242142 / 1000 = 0.046181141 kWh
    # energy_low = (0.046181141 + 0.075264) x 1.135 = 0.137840235; CO2e_low = x 418 x 0.9 / 1000
    assert r["energy_kwh_low"] == pytest.approx(0.137840235, rel=REL)
    assert r["co2e_kg_low"] == pytest.approx(0.137840235 * 0.418 * 0.9, rel=REL)
    assert r["grid_status"] == "year_substituted"
    assert r["grid_year"] == 2025


def test_graviton_m6g_large_day_us_west_2(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    path = cur_file(
        [cur_row("USW2-BoxUsage:m6g.large", 24, "1.848", "Hrs", instance="m6g.large", region="us-west-2")]
    )
    r = _only_row(path, factors)
    # CPU W = 2 x (0.474262 + 0.5 x (1.692962 - 0.474262)) = 2 x 1.083612 = 2.167224 W
    # CPU kWh = 24 x 2.167224 / 1000 = 0.052013376; memory 0.075264
    # energy = 0.127277376 x 1.135 = 0.144459822 kWh; CO2e = x 129 / 1000 = 0.018635317 kg
    # embodied = 1333.12 x 24 / 35040 x 2 / 64 = 0.0285343 kg
    assert r["cpu_kwh"] == pytest.approx(0.052013376, rel=REL)
    assert r["energy_kwh"] == pytest.approx(0.144459822, rel=REL)
    assert r["co2e_kg"] == pytest.approx(0.018635317, rel=REL)
    assert r["embodied_co2e_kg"] == pytest.approx(0.0285343, rel=1e-5)


def test_p4d_24xlarge_hour(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    path = cur_file([cur_row("BoxUsage:p4d.24xlarge", 1, "32.7726", "Hrs", instance="p4d.24xlarge")])
    r = _only_row(path, factors)
    # CPU W = 96 x (0.690298 + 0.5 x (4.063194 - 0.690298)) = 96 x 2.376746 = 228.167616 W
    # memory W = 1152 GB x 0.392 W/GB = 451.584 W
    # GPU W = 8 x (46 + 0.5 x (400 - 46)) = 8 x 223 = 1784 W
    # energy = (228.167616 + 451.584 + 1784) W x 1 h / 1000 x 1.135 = 2.796358084 kWh
    # CO2e = 2.796358084 x 418 / 1000 = 1.168877679 kg
    # embodied = (3476.79 x 96/96 + 8 x 150) / 35040 = 4676.79 / 35040 = 0.1334700 kg
    assert r["accelerator_hours"] == pytest.approx(8.0)
    assert r["accelerator_kwh"] == pytest.approx(1.784, rel=REL)
    assert r["cpu_kwh"] == pytest.approx(0.228167616, rel=REL)
    assert r["energy_kwh"] == pytest.approx(2.796358084, rel=REL)
    assert r["co2e_kg"] == pytest.approx(1.168877679, rel=REL)
    assert r["embodied_co2e_kg"] == pytest.approx(4676.79 / 35040, rel=REL)
    # high: u = 0.9 for CPU and GPU; GPU factor band +10%:
    # CPU 96 x (0.690298 + 0.9 x 3.372896) = 96 x 3.7259044 = 357.6868224 W
    # GPU 8 x (46 + 0.9 x 354) x 1.1 = 8 x 364.6 x 1.1 = 3208.48 W
    # energy_high = (357.6868224 + 451.584 + 3208.48) / 1000 x 1.135 = 4.560147183 kWh
    assert r["energy_kwh_high"] == pytest.approx(4.560147183, rel=REL)


def test_gp3_volume_month(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    path = cur_file([cur_row("EBS:VolumeUsage.gp3", 100, "8.00", "GB-Mo")])
    r = _only_row(path, factors)
    # TB-hours = 100 GB-Mo x 744 h / 1024 = 72.65625
    # kWh = 72.65625 x 1.2 Wh / 1000 x 2 (replication) = 0.174375; x 1.135 = 0.197915625 kWh
    # CO2e = 0.197915625 x 418 / 1000 = 0.082728731 kg; no embodied for storage rows
    assert r["usage_class"] == "storage_ssd"
    assert r["storage_tb_hours"] == pytest.approx(72.65625, rel=REL)
    assert r["energy_kwh"] == pytest.approx(0.197915625, rel=REL)
    assert r["co2e_kg"] == pytest.approx(0.082728731, rel=REL)
    assert r["embodied_co2e_kg"] == 0.0


def test_s3_standard_gb_month(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    path = cur_file([cur_row("TimedStorage-ByteHrs", 1000, "23.00", "GB-Mo", product="AmazonS3")])
    r = _only_row(path, factors)
    # TB-hours = 1000 x 744 / 1024 = 726.5625 (not divided as if bytes: CCF's defect)
    # kWh = 726.5625 x 0.65 / 1000 x 6 = 2.83359375; x 1.135 = 3.216128906 kWh
    # CO2e = 3.216128906 x 418 / 1000 = 1.344341883 kg
    assert r["usage_class"] == "storage_hdd"
    assert r["replication_factor"] == 6
    assert r["energy_kwh"] == pytest.approx(3.216128906, rel=REL)
    assert r["co2e_kg"] == pytest.approx(1.344341883, rel=REL)


def test_lambda_gb_seconds(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    path = cur_file([cur_row("Lambda-GB-Second", 3_600_000, "60.0", "Lambda-GB-Second", product="AWSLambda")])
    r = _only_row(path, factors)
    # 3,600,000 GB-s = 1000 GB-hours of memory; vCPU-hours = 1000 x 1024 / 1769 = 578.8581 (one vCPU
    # per 1,769 MB); CPU at the AWS average 0.74 / 3.5 W: 578.8581 x (0.74 + 0.5 x 2.76) = 1227.1792 Wh
    # memory 1000 x 0.392 = 392 Wh; energy = (1.2271792 + 0.392) x 1.135 = 1.837708 kWh
    assert r["vcpu_hours"] == pytest.approx(1000 * 1024 / 1769, rel=REL)
    assert r["memory_gb_hours"] == pytest.approx(1000.0, rel=REL)
    assert r["energy_kwh"] == pytest.approx((1000 * 1024 / 1769 * 2.12 / 1000 + 0.392) * 1.135, rel=REL)


def test_burstable_uses_baseline(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    path = cur_file([cur_row("BoxUsage:t3.medium", 24, "0.9984", "Hrs", instance="t3.medium")])
    r = _only_row(path, factors)
    # t3.medium baseline 20% of a vCPU: CPU W = 2 x (0.612989 + 0.2 x 3.491181) = 2.622450 W
    assert r["cpu_utilisation"] == pytest.approx(0.2)
    assert r["cpu_kwh"] == pytest.approx(24 * 2 * (0.612989 + 0.2 * 3.491181) / 1000, rel=REL)


def test_totals_are_sums_of_lines(cur_file: Callable[..., Path], factors: FactorSet) -> None:
    path = cur_file(
        [
            cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project="a"),
            cur_row("EBS:VolumeUsage.gp3", 100, "8.00", "GB-Mo", project="b"),
        ]
    )
    result = estimate([path], "2026-10", factor_set=factors)
    assert result.total("co2e_kg") == pytest.approx(0.089418581 + 0.082728731, rel=REL)
    assert result.lines["co2e_kg"].sum() == pytest.approx(result.total("co2e_kg"), rel=1e-12)
    assert (result.lines["co2e_kg_low"] <= result.lines["co2e_kg"]).all()
    assert (result.lines["co2e_kg"] <= result.lines["co2e_kg_high"]).all()
    assert result.lines.filter(pl.col("project") == "012345678901").height == 1
