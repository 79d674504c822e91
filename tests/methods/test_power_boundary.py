"""Factor set 2026.12.1: one power boundary, per-stage accelerator utilisation, non-zero component bands.

Worked out by hand from the set's published rows (``cloudcarbon factors lookup ...``):

* ``power_boundary_whole_server`` = 1 and ``memory_kwh_per_gb_hour`` = 0: the per-vCPU watts are
  SPECpower whole-server figures, memory included, so memory is not added again.
* cpu_power aws Skylake 0.612989 / 4.10417, EPYC 2nd Gen 0.474262 / 1.692962, EPYC 3rd Gen
  0.455625 / 1.957334 W per vCPU; CPU utilisation 0.5, band 0.1-0.9.
* m5.xlarge 4 vCPU, 16 GB, Skylake; g5.xlarge 4 vCPU EPYC 2nd Gen + 1 x NVIDIA A10G (idle 18 W, TDP
  300 W, band 0.1); p5.48xlarge 192 vCPU EPYC 3rd Gen + 8 x NVIDIA H100 SXM5 80GB (idle 81.7 W, TDP
  700 W, band 0.3).
* accelerator utilisation (the model's u in ``idle + u x (TDP - idle)``): inference 0.7062 (p10 0.3974,
  p90 0.915) - the ML.ENERGY v3 median of 0.7405 x TDP, converted with the median idle/TDP ratio
  r = 0.1167: (0.7405 - 0.1167) / 0.8833 = 0.7062; unknown stage 0.6785 (band 0.0377-0.915).
* SSD 1.2 Wh/TB-h (low 0.6, high 2.4); network 0.001 kWh/GB (low 0.0005, high 0.004).
* memory: 0 centrally; at the high bound, the GB above ``memory_gb_per_vcpu_in_boundary`` = 1.0 GB per
  vCPU (the median of the SPECpower validation servers) at ``memory_kwh_per_gb_hour_high`` 0.000392.
* PUE aws 1.135. The month is October 2025 (744 h), whose grid year (2025) exists for us-east-1, so
  the grid band is zero and every remaining width comes from the model's own sources.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cloudcarbon import estimate
from cloudcarbon.config import AiOptions, Config, StageRule, UtilisationOverride
from cloudcarbon.factors import FactorSet, load_factor_set
from tests.conftest import cur_row

REL = 1e-6
# 2023: the year of the us-east-1 grid factor in 2026.12.1 (EPA eGRID2023 SRVC), so the grid year is exact
MONTH = "2023-10"


@pytest.fixture(scope="module")
def new_set() -> FactorSet:
    return load_factor_set("2026.12.1")


def _row(usage_type: str, amount: float, cost: str, unit: str, **kw: Any) -> dict[str, Any]:
    row = cur_row(
        usage_type, amount, cost, unit, start="2023-10-01T00:00:00Z", end="2023-10-02T00:00:00Z", **kw
    )
    row["bill/BillingPeriodStartDate"] = "2023-10-01T00:00:00.000Z"
    return row


def _only(path: Path, factors: FactorSet, config: Config | None = None) -> dict[str, Any]:
    result = estimate([path], MONTH, factor_set=factors, detail=True, config=config)
    assert result.detail is not None and result.detail.height == 1
    return result.detail.row(0, named=True)


def test_m5_xlarge_counts_memory_once(cur_file: Callable[..., Path], new_set: FactorSet) -> None:
    path = cur_file([_row("BoxUsage:m5.xlarge", 24, "4.608", "Hrs", instance="m5.xlarge")])
    r = _only(path, new_set)
    # CPU W = 4 x (0.612989 + 0.5 x (4.10417 - 0.612989)) = 4 x 2.3585795 = 9.434318 W (the whole
    # server's share per vCPU, memory included); 24 h -> 0.226423632 kWh
    # memory: 0 kWh. Under 2026.12 it was 24 h x 16 GB x 0.000392 = 0.150528 kWh on top, i.e.
    # 0.150528 / (0.150528 + 0.226423632) = 39.9 % of the row's IT energy counted twice.
    # energy = 0.226423632 x 1.135 = 0.256990822 kWh
    # low (u 0.1): 4 x (0.612989 + 0.1 x 3.491181) = 3.8484284 W -> 24 h x 1.135 = 0.104831190 kWh
    # high (u 0.9): 4 x (0.612989 + 0.9 x 3.491181) = 15.0202076 W -> 24 h x 1.135 = 0.409150455 kWh
    #   plus memory above 1 GB per vCPU: (16 - 4) GB x 24 h x 0.000392 = 0.112896 kWh x 1.135 = 0.12813696
    #   -> energy_high = 0.537287415 kWh
    assert r["grid_status"] == "exact"
    assert r["memory_gb_hours"] == pytest.approx(384.0)
    assert r["memory_kwh"] == 0.0
    assert r["cpu_kwh"] == pytest.approx(0.226423632, rel=REL)
    assert r["energy_kwh"] == pytest.approx(0.256990822, rel=REL)
    assert r["energy_kwh_low"] == pytest.approx(0.104831190, rel=REL)
    assert r["energy_kwh_high"] == pytest.approx(0.537287415, rel=REL)
    assert r["band_grid_kg"] == 0.0
    assert r["band_component_factor_kg"] == pytest.approx(0.12813696 * r["co2e_kg"] / 0.256990822, rel=REL)
    assert r["band_utilisation_kg"] > 0.0


def test_m5_xlarge_unchanged_under_2026_12(cur_file: Callable[..., Path]) -> None:
    # the released set keeps its memory coefficient: 0.226423632 + 0.150528 = 0.376951632 kWh x 1.135
    path = cur_file([_row("BoxUsage:m5.xlarge", 24, "4.608", "Hrs", instance="m5.xlarge")])
    r = _only(path, load_factor_set("2026.12"))
    assert r["memory_kwh"] == pytest.approx(0.150528, rel=REL)
    assert r["energy_kwh"] == pytest.approx(0.376951632 * 1.135, rel=REL)
    assert r["band_component_factor_kg"] == 0.0


def test_g5_gpu_row_unknown_stage(cur_file: Callable[..., Path], new_set: FactorSet) -> None:
    path = cur_file([_row("BoxUsage:g5.xlarge", 1, "1.006", "Hrs", instance="g5.xlarge")])
    r = _only(path, new_set)
    # no [ai] stage rule and an NVIDIA device: stage unknown -> u_acc 0.6785
    # GPU W = 18 + 0.6785 x (300 - 18) = 18 + 191.337 = 209.337 W
    # CPU W = 4 x (0.474262 + 0.5 x 1.2187) = 4 x 1.083612 = 4.334448 W
    # energy = (209.337 + 4.334448) / 1000 x 1.135 = 0.242517093 kWh
    # high: GPU (18 + 0.915 x 282) x 1.1 = 276.03 x 1.1 = 303.633 W; CPU 4 x (0.474262 + 0.9 x 1.2187)
    #   = 6.284368 W; memory above 1 GB per vCPU (16 - 4) GB x 0.392 W = 4.704 W
    #   -> (303.633 + 6.284368 + 4.704) / 1000 x 1.135 = 0.357095253 kWh
    # low: GPU (18 + 0.0377 x 282) x 0.9 = 28.6314 x 0.9 = 25.76826 W; CPU 4 x (0.474262 + 0.1 x 1.2187)
    #   = 2.384528 W -> (25.76826 + 2.384528) / 1000 x 1.135 = 0.031953414 kWh
    assert r["accelerator_utilisation"] == pytest.approx(0.6785)
    assert r["accelerator_kwh"] == pytest.approx(0.209337, rel=REL)
    assert r["energy_kwh"] == pytest.approx(0.242517093, rel=REL)
    assert r["energy_kwh_high"] == pytest.approx(0.357095253, rel=REL)
    assert r["energy_kwh_low"] == pytest.approx(0.031953414, rel=REL)


def _p5_inference(cur_file: Callable[..., Path]) -> Path:
    return cur_file([_row("BoxUsage:p5.48xlarge", 1, "98.32", "Hrs", instance="p5.48xlarge")])


INFERENCE = AiOptions(stages=(StageRule(stage="inference", instance_family="p5"),))


def test_h100_inference_row(cur_file: Callable[..., Path], new_set: FactorSet) -> None:
    r = _only(_p5_inference(cur_file), new_set, Config(ai=INFERENCE))
    # GPU W = 8 x (81.7 + 0.7062 x 618.3) = 8 x 518.34346 = 4146.74768 W (518.3 W per GPU = 0.7405 x
    # 700 W, the measured median)
    # CPU W = 192 x (0.455625 + 0.5 x 1.501709) = 192 x 1.2064795 = 231.644064 W
    # energy = (4146.74768 + 231.644064) / 1000 x 1.135 = 4.969474629 kWh
    # accelerator bounds: low 8 x (81.7 + 0.3974 x 618.3) x 0.7 = 1833.509552 W;
    #   high 8 x (81.7 + 0.915 x 618.3) x 1.3 = 6733.4228 W
    # CPU bounds: 192 x (0.455625 + 0.1 x 1.501709) = 116.3125248 W; 192 x (0.455625 + 0.9 x 1.501709)
    #   = 346.9755072 W
    # energy_low = (1833.509552 + 116.3125248) / 1000 x 1.135 = 2.213048057 kWh
    # memory above 1 GB per vCPU: (2048 - 192) GB x 0.392 W = 727.552 W (high bound only)
    # energy_high = (6733.4228 + 346.9755072 + 727.552) / 1000 x 1.135 = 8.862023599 kWh
    assert r["stage"] == "inference"
    assert r["accelerator_utilisation"] == pytest.approx(0.7062)
    assert r["accelerator_kwh"] == pytest.approx(4.14674768, rel=REL)
    assert r["energy_kwh"] == pytest.approx(4.969474629, rel=REL)
    assert r["energy_kwh_low"] == pytest.approx(2.213048057, rel=REL)
    assert r["energy_kwh_high"] == pytest.approx(8.862023599, rel=REL)


def test_stage_default_overridden_in_config(cur_file: Callable[..., Path], new_set: FactorSet) -> None:
    config = Config(
        ai=INFERENCE, utilisation_overrides=(UtilisationOverride(stage="inference", accelerator=0.9),)
    )
    r = _only(_p5_inference(cur_file), new_set, config)
    # GPU W = 8 x (81.7 + 0.9 x 618.3) = 8 x 638.17 = 5105.36 W
    assert r["accelerator_utilisation"] == pytest.approx(0.9)
    assert r["accelerator_kwh"] == pytest.approx(5.10536, rel=REL)
    # a global [utilisation] accelerator value replaces every stage default
    r = _only(_p5_inference(cur_file), new_set, Config(ai=INFERENCE, accelerator_utilisation=0.5))
    # GPU W = 8 x (81.7 + 0.5 x 618.3) = 8 x 390.85 = 3126.8 W
    assert r["accelerator_kwh"] == pytest.approx(3.1268, rel=REL)


def test_storage_row_band_without_grid_band(cur_file: Callable[..., Path], new_set: FactorSet) -> None:
    path = cur_file([_row("EBS:VolumeUsage.gp3", 100, "8.00", "GB-Mo")])
    r = _only(path, new_set)
    # TB-hours = 100 GB-Mo x 744 h / 1024 = 72.65625; x 2 (replication) x 1.135 PUE:
    # central 72.65625 x 1.2 / 1000 x 2 x 1.135 = 0.197915625 kWh
    # low 0.6 Wh/TB-h -> 0.0989578125 kWh; high 2.4 Wh/TB-h -> 0.39583125 kWh
    assert r["grid_status"] == "exact"
    assert r["energy_kwh"] == pytest.approx(0.197915625, rel=REL)
    assert r["energy_kwh_low"] == pytest.approx(0.0989578125, rel=REL)
    assert r["energy_kwh_high"] == pytest.approx(0.39583125, rel=REL)
    # with an exact grid year the CO2e bounds scale like the energy bounds (x0.5, x2), and the whole
    # width is the component factor's: (2.4 - 0.6) / 1.2 = 1.5 x the central CO2e
    assert r["band_grid_kg"] == 0.0
    assert r["co2e_kg_low"] == pytest.approx(0.5 * r["co2e_kg"], rel=REL)
    assert r["co2e_kg_high"] == pytest.approx(2.0 * r["co2e_kg"], rel=REL)
    assert r["band_component_factor_kg"] == pytest.approx(1.5 * r["co2e_kg"], rel=REL)
    assert r["co2e_kg"] > 0.0


def test_network_row_band_without_grid_band(cur_file: Callable[..., Path], new_set: FactorSet) -> None:
    path = cur_file([_row("DataTransfer-Out-Bytes", 100, "9.00", "GB")])
    r = _only(path, new_set)
    # 100 GB x 0.001 kWh/GB x 1.135 = 0.1135 kWh; low 0.0005 -> 0.05675; high 0.004 -> 0.454
    assert r["usage_class"] == "network"
    assert r["energy_kwh"] == pytest.approx(0.1135, rel=REL)
    assert r["energy_kwh_low"] == pytest.approx(0.05675, rel=REL)
    assert r["energy_kwh_high"] == pytest.approx(0.454, rel=REL)
    assert r["band_grid_kg"] == 0.0
    # width = (0.004 - 0.0005) / 0.001 = 3.5 x the central CO2e
    assert r["band_component_factor_kg"] == pytest.approx(3.5 * r["co2e_kg"], rel=REL)
    assert r["co2e_kg_low"] < r["co2e_kg"] < r["co2e_kg_high"]


@pytest.mark.parametrize(
    ("instance", "stage", "u"),
    [
        # no [ai] stage rule: AWS Inferentia -> the inference default, Trainium -> training (0.6508, the
        # Zeus median 0.6915 of the power limit: (0.6915 - 0.1167) / 0.8833)
        ("inf2.xlarge", "inference", 0.7062),
        ("trn1.2xlarge", "training", 0.6508),
    ],
)
def test_stage_from_the_device_when_no_rule(
    cur_file: Callable[..., Path], new_set: FactorSet, instance: str, stage: str, u: float
) -> None:
    path = cur_file([_row(f"BoxUsage:{instance}", 1, "1.00", "Hrs", instance=instance)])
    r = _only(path, new_set)
    assert r["stage"] == "other"  # the AI lens stage is unchanged; only the utilisation default follows
    assert r["accelerator_utilisation"] == pytest.approx(u)
    # and the released set keeps its single default 0.5
    assert _only(path, load_factor_set("2026.12"))["accelerator_utilisation"] == 0.5
