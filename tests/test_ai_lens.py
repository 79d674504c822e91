"""The AI lens: lifecycle stages, training runs, per accelerator-hour and per-request figures, and bands
whose named sources say why a line's range is wide.

Factor rows (set 2026.11): p4d.24xlarge as in tests/test_handworked.py; g5.xlarge 4 vCPU, 16 GB,
EPYC 2nd Gen 0.474262 / 1.692962 W per vCPU, host 192 vCPU, host embodied 2200 kg, 1 x NVIDIA A10G
(idle 18 W, TDP 150 W, band 0.1, 150 kg). PUE 1.135; us-east-1 grid for 2026 = 418 g/kWh (EM 2025).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from cloudcarbon import estimate
from cloudcarbon.config import config_from_mapping
from cloudcarbon.factors import FactorSet
from tests.conftest import CUR_COLUMNS, cur_row

COLUMNS = [*CUR_COLUMNS, "resourceTags/user:stage", "resourceTags/user:run"]
REL = 1e-6


def _config(tmp_path: Path, requests: str | None = None) -> object:
    ai: dict[str, object] = {
        "stages": [{"tag": "user:stage"}, {"project": "etl", "stage": "data_processing"}],
        "run_tag": "user:run",
    }
    if requests is not None:
        f = tmp_path / "requests.csv"
        f.write_text(requests, encoding="utf-8")
        ai["requests"] = str(f)
    return config_from_mapping(
        {
            "projects": {"rules": [{"tag": "user:project"}]},
            "utilisation": {
                "overrides": [
                    {"stage": "training", "accelerator": 0.85},
                    {"stage": "inference", "accelerator": 0.3},
                ]
            },
            "ai": ai,
        }
    )


def _rows() -> list[dict[str, object]]:
    train = cur_row("BoxUsage:p4d.24xlarge", 1, "32.7726", "Hrs", instance="p4d.24xlarge", project="train")
    chat = cur_row("BoxUsage:g5.xlarge", 1, "1.006", "Hrs", instance="g5.xlarge", project="chat")
    etl = cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project="etl")
    nat = cur_row("NatGateway-Hours", 24, "1.08", "Hrs", project="net")
    return [
        {**train, "resourceTags/user:stage": "training", "resourceTags/user:run": "run-42"},
        {**chat, "resourceTags/user:stage": "inference"},
        etl,
        nat,
    ]


def test_stages_runs_and_per_accelerator_hour(
    cur_file: Callable[..., Path], tmp_path: Path, factors: FactorSet
) -> None:
    f = cur_file(_rows(), columns=COLUMNS)
    result = estimate([f], "2026-10", factor_set=factors, config=_config(tmp_path), group_by=("stage",))  # type: ignore[arg-type]
    stages = {r["stage"]: r for r in result.ai["stages"].iter_rows(named=True)}
    assert set(stages) == {"training", "inference", "data_processing", "other"}
    # training: p4d hour at accelerator utilisation 0.85 (stage override):
    # CPU 96 x (0.690298 + 0.5 x 3.372896) = 228.167616 W; memory 451.584 W;
    # GPU 8 x (46 + 0.85 x 354) = 2775.2 W; energy = 3454.951616 W x 1 h x 1.135 / 1000 = 3.921370084 kWh
    # CO2e = 3.921370084 x 0.418 = 1.639132695 kg; per accelerator-hour 1.639132695 / 8 = 0.204891587
    assert stages["training"]["energy_kwh"] == pytest.approx(3.921370084, rel=REL)
    assert stages["training"]["co2e_kg"] == pytest.approx(1.639132695, rel=REL)
    (run,) = result.ai["runs"].iter_rows(named=True)
    assert run["run"] == "run-42" and run["stage"] == "training" and run["project"] == "train"
    assert run["accelerator_hours"] == 8
    assert run["co2e_kg_per_accelerator_hour"] == pytest.approx(0.204891587, rel=REL)
    # embodied (3476.79 + 8 x 150) / 35040 = 0.133470034 kg -> (1.639132695 + 0.133470034) / 8
    assert run["total_kg_per_accelerator_hour"] == pytest.approx((1.639132695 + 0.133470034) / 8, rel=REL)
    # inference: g5.xlarge hour at accelerator utilisation 0.3:
    # CPU 4 x (0.474262 + 0.5 x 1.2187) = 4.334448 W; memory 16 x 0.392 = 6.272 W;
    # GPU 18 + 0.3 x 132 = 57.6 W; energy 68.206448 W x 1.135 / 1000 = 0.077414318 kWh; CO2e x 0.418
    assert stages["inference"]["co2e_kg"] == pytest.approx(0.032359185, rel=REL)
    assert stages["inference"]["accelerator_hours"] == 1
    # the lines grouped by stage add up to the totals, bounds included
    lines = result.lines
    for col in ("co2e_kg", "co2e_kg_low", "co2e_kg_high", "embodied_co2e_kg"):
        assert lines[col].sum() == pytest.approx(result.total(col), rel=1e-12)


def test_per_1000_inferences_and_sci(
    cur_file: Callable[..., Path], tmp_path: Path, factors: FactorSet
) -> None:
    f = cur_file(_rows(), columns=COLUMNS)
    requests = "project,month,requests\nchat,2026-10,1000000\nchat,2026-09,5\ntrain,2026-10,0\n"
    result = estimate([f], "2026-10", factor_set=factors, config=_config(tmp_path, requests))  # type: ignore[arg-type]
    req = {r["project"]: r for r in result.ai["requests"].iter_rows(named=True)}
    # chat: operational 0.032359185 kg + embodied (2200 / 192 x 4 + 150) / 35040 = 0.005588851 kg,
    # all of it inference; per 1,000 of 1,000,000 requests: 0.037948036 / 1000 = 3.7948036e-5 kg
    assert req["chat"]["requests"] == 1_000_000  # the September row is not this month's
    assert req["chat"]["kg_per_1000_inferences"] == pytest.approx(3.7948036e-5, rel=REL)
    # SCI = (E x I + M) / R = 0.037948036 kg / 1,000,000 requests
    assert req["chat"]["sci_kg_per_unit"] == pytest.approx(3.7948036e-8, rel=REL)
    assert req["train"]["sci_kg_per_unit"] is None  # zero requests: no score rather than infinity


def test_band_sources_name_the_dominant_one(
    cur_file: Callable[..., Path], tmp_path: Path, factors: FactorSet
) -> None:
    f = cur_file(_rows(), columns=COLUMNS)
    result = estimate([f], "2026-10", factor_set=factors, config=_config(tmp_path), group_by=("project",))  # type: ignore[arg-type]
    lines = {r["project"]: r for r in result.lines.iter_rows(named=True)}
    # a GPU host's range comes from utilisation (0.1-0.9 on CPU and GPU) more than from the +-10 % A10G /
    # A100 factor band or the +-10 % grid-year band
    assert lines["train"]["band_dominant"] == "utilisation"
    # a NAT gateway is a cost-ratio fallback: its x0.5-x2 band is all it has
    assert lines["net"]["band_dominant"] == "fallback"
    assert lines["net"]["band_fallback_kg"] == pytest.approx(
        lines["net"]["co2e_kg"] * 1.5, rel=1e-9
    )  # (2 - 0.5) x central
    for r in lines.values():
        assert r["co2e_kg_low"] <= r["co2e_kg"] <= r["co2e_kg_high"]
        assert r["embodied_co2e_kg_low"] <= r["embodied_co2e_kg"] <= r["embodied_co2e_kg_high"]
    # grid band: a substituted year (2025 for 2026) gives a +-10 % grid width: 2 x 0.1 x central
    m5 = lines["etl"]
    assert m5["band_grid_kg"] == pytest.approx(0.2 * m5["co2e_kg"], rel=1e-9)


def test_stage_rule_errors(tmp_path: Path) -> None:
    from cloudcarbon.config import ConfigError

    with pytest.raises(ConfigError, match="must be one of data_processing, training, inference, other"):
        config_from_mapping({"ai": {"stages": [{"project": "x", "stage": "serving"}]}})
    with pytest.raises(ConfigError, match="needs 'stage'"):
        config_from_mapping({"ai": {"stages": [{"project": "x"}]}})


def test_json_has_ai_and_band_sources(
    cur_file: Callable[..., Path], tmp_path: Path, factors: FactorSet
) -> None:
    from cloudcarbon.report import to_json_dict

    f = cur_file(_rows(), columns=COLUMNS)
    result = estimate([f], "2026-10", factor_set=factors, config=_config(tmp_path))  # type: ignore[arg-type]
    doc = to_json_dict(result)
    assert {"stages", "runs", "accelerators"} <= set(doc["ai"])
    assert all("band_dominant" in line for line in doc["lines"])
    assert pl.DataFrame(doc["ai"]["runs"])["run"].to_list() == ["run-42"]
