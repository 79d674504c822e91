"""Inventory connector: contract for CSV inventories, hand-worked servers, validation errors.

Expected figures are worked by hand from the factor rows named in the comments (set 2026.11); none is
copied from a run of the code.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest

from cloudcarbon import estimate
from cloudcarbon.connectors import inventory
from cloudcarbon.connectors.base import ScanContext, Source
from cloudcarbon.engine import open_engine
from cloudcarbon.factors import FactorSet
from cloudcarbon.pipeline import coverage_row
from tests.conftest import cur_row
from tests.connectors.contract import ConnectorContract

REL = 1e-6

SERVERS_TOML = """
[[server]]
name = "db-01"
project = "legacy"
cpu_model = "Intel Xeon Gold 6248"   # 2 sockets x 20 cores x 2 threads
vcpus = 80
memory_gb = 384
always_on = true
location = "DE"
pue = 1.6
utilisation = 0.3
embodied_kgco2e = 1500

[[server]]
name = "gpu-colo"
project = "ml"
cpu_microarchitecture = "EPYC 2nd Gen"
cores = 64
threads_per_core = 2
memory_gb = 1024
accelerators = "8 x NVIDIA A100 SXM4 40GB"
hours_per_month = 500
location = "us-cal-ciso"
count = 3

[[server]]
name = "old-web"
cpu_model = "Intel Xeon E5-2680 v4"
vcpus = 56
always_on = true
location = "FR"
retired_on = 2026-06-30

[[server]]
name = "half-month"
cpu_model = "AMD EPYC 7742"
vcpus = 256
always_on = true
location = "DE"
in_service_from = 2026-10-17
"""


def write(tmp_path: Path, text: str, name: str = "servers.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def detail(path: Path, factors: FactorSet, month: str = "2026-10") -> list[dict[str, Any]]:
    result = estimate([Source(path, "inventory")], month, factor_set=factors, detail=True)
    assert result.detail is not None
    return result.detail.sort("source_file", "source_row").to_dicts()


def scan_rows(path: Path, month: str | None = "2026-10") -> list[dict[str, Any]]:
    with open_engine() as engine:
        ctx = ScanContext(con=engine.con, workdir=engine.workdir, month=month)
        lf = inventory.scan(Source(path, "inventory"), ctx)
        return lf.collect(backend="polars").to_native().sort("source_row").to_dicts()


def test_toml_hand_worked_servers(tmp_path: Path, factors: FactorSet) -> None:
    rows = detail(write(tmp_path, SERVERS_TOML), factors)
    # old-web was retired in June: no row for October
    assert [r["usage_type"] for r in rows] == [
        "inventory:db-01",
        "inventory:gpu-colo",
        "inventory:half-month",
    ]
    assert [r["source_row"] for r in rows] == [1, 2, 4]
    assert {r["fate"] for r in rows} == {"estimated"}
    db = rows[0]
    # db-01: Intel Xeon Gold 6248 -> Cascade Lake (cpu_models.csv). A named microarchitecture takes the
    # AWS cpu_power row: Cascade Lake 0.690298 / 4.063194 W per vCPU.
    # W per vCPU at u = 0.3: 0.690298 + 0.3 x (4.063194 - 0.690298) = 1.7021668
    # hours: always on in October = 744 h; vCPU-hours = 80 x 744 = 59,520
    # CPU kWh = 59,520 x 1.7021668 / 1000 = 101.312967936
    # memory kWh = 384 GB x 744 h x 0.000392 = 111.992832
    # energy = (101.312967936 + 111.992832) x PUE 1.6 = 341.289279898 kWh
    # grid DE for a 2026 month: no 2026 row; Electricity Maps 2025 country zone DE 342 g/kWh (it
    # outranks Ember 2024, 342.06, as the nearer year) -> CO2e = 341.289279898 x 342 / 1000 = 116.720933725 kg
    # embodied = 744 h x 1500 kg / 35,040 h = 31.849315 kg
    assert db["quantity"] == 744.0
    assert db["vcpu_hours"] == 59520.0
    assert db["cpu_kwh"] == pytest.approx(101.312967936, rel=REL)
    assert db["memory_kwh"] == pytest.approx(111.992832, rel=REL)
    assert db["energy_kwh"] == pytest.approx(341.289279898, rel=REL)
    assert db["g_co2e_per_kwh"] == 342.0 and db["grid_year"] == 2025
    assert db["co2e_kg"] == pytest.approx(116.720933725, rel=REL)
    assert db["embodied_co2e_kg"] == pytest.approx(31.849315, rel=REL)
    assert db["project"] == "legacy"
    gpu = rows[1]
    # gpu-colo: 3 machines x 500 h = 1500 machine-hours; 64 cores x 2 threads = 128 vCPU
    # A100 SXM4 40GB idle 46 W, TDP 400 W, default accelerator utilisation 0.5 -> 223 W per device
    # accelerator kWh = 1500 h x 8 x 223 / 1000 = 2676
    # PUE: none given -> inventory * row 1.58 (Uptime Institute survey 2023)
    # grid US-CAL-CISO, Electricity Maps 2025: 208 g/kWh
    assert gpu["quantity"] == 1500.0
    assert gpu["vcpu_hours"] == 1500.0 * 128
    assert gpu["accelerator_hours"] == 1500.0 * 8
    assert gpu["accelerator_model"] == "NVIDIA A100 SXM4 40GB"
    assert gpu["accelerator_kwh"] == pytest.approx(2676.0, rel=REL)
    assert gpu["pue"] == 1.58
    assert gpu["g_co2e_per_kwh"] == 208.0
    # half-month: in service from 17 October 00:00 -> 15 days x 24 h = 360 h
    assert rows[2]["quantity"] == 360.0


def test_rows_carry_the_documented_columns(tmp_path: Path) -> None:
    rows = scan_rows(write(tmp_path, SERVERS_TOML))
    db = rows[0]
    assert db["ProviderName"] == "inventory"
    assert db["SubAccountId"] == "legacy" and db["project_hint"] == "legacy"
    assert db["billing_month"] == "2026-10"
    assert db["usage_class_hint"] == "compute"
    assert db["ConsumedUnit"] == "Hours"
    assert db["cpu_microarchitecture_hint"] == "Cascade Lake"
    assert db["RegionId"] == "DE"
    assert db["BilledCost"] == Decimal(0)
    assert db["BillingCurrency"] == "USD"
    assert db["instance_type"] is None
    assert db["ServiceName"] == "inventory"
    assert db["Tags"] == '{"inventory": "db-01"}'
    assert rows[1]["RegionId"] == "US-CAL-CISO"
    assert rows[1]["SubAccountId"] == "ml"
    assert rows[2]["SubAccountId"] == "inventory"  # no project
    assert rows[2]["cpu_microarchitecture_hint"] == "EPYC 2nd Gen"


def test_no_month_emits_nothing(tmp_path: Path) -> None:
    assert scan_rows(write(tmp_path, SERVERS_TOML), month=None) == []


@pytest.mark.parametrize(
    ("snippet", "field", "words"),
    [
        ('accelerators = "2 x NVIDIA A100 40GB"', "accelerators", ["NVIDIA A100 SXM4 40GB"]),
        ('cpu_model = "Intel Xeon Gold 6249"', "cpu_model", ["Intel Xeon Gold 6248"]),
        ('cpu_microarchitecture = "Cascadelake"', "cpu_microarchitecture", ["Cascade Lake"]),
        ('location = "XX-NOWHERE"', "location", ["closest known"]),
        ("utilisation = 30", "utilisation", ["fraction"]),
    ],
)
def test_validation_errors_name_file_entry_field(
    tmp_path: Path, snippet: str, field: str, words: list[str]
) -> None:
    base = {
        "name": '"box"',
        "vcpus": "8",
        "always_on": "true",
        "location": '"DE"',
    }
    key = snippet.split(" = ")[0]
    base[key] = snippet.split(" = ", 1)[1]
    text = '[[server]]\nname = "ok"\nvcpus = 2\nalways_on = true\nlocation = "DE"\n\n[[server]]\n'
    text += "\n".join(f"{k} = {v}" for k, v in base.items()) + "\n"
    path = write(tmp_path, text)
    with pytest.raises(inventory.InventoryError) as info:
        scan_rows(path)
    msg = str(info.value)
    assert str(path) in msg
    assert "[[server]] #2 'box'" in msg
    assert f"field {field!r}" in msg
    for w in words:
        assert w in msg


def test_missing_hours_and_threads_are_explained(tmp_path: Path) -> None:
    path = write(tmp_path, '[[server]]\nname = "a"\ncores = 8\nlocation = "DE"\nalways_on = true\n')
    with pytest.raises(inventory.InventoryError, match="threads_per_core"):
        scan_rows(path)
    path = write(tmp_path, '[[server]]\nname = "a"\nvcpus = 8\nlocation = "DE"\n', "b.toml")
    with pytest.raises(inventory.InventoryError, match="hours_per_month or always_on"):
        scan_rows(path)


# --------------------------------------------------------------------------------------------------
# CSV inventory: the connector contract
# --------------------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "name", "project", "cpu_model", "vcpus", "memory_gb", "accelerator_model", "accelerator_count",
    "hours_per_month", "always_on", "location", "pue", "utilisation", "embodied_kgco2e", "count",
]  # fmt: skip
CSV_ROWS = [
    ["app-1", "shop", "Intel Xeon Gold 6248", "40", "192", "", "", "", "true", "DE", "", "", "", "2"],
    ["gpu-1", "ml", "AMD EPYC 7742", "128", "512", "NVIDIA A100 SXM4 40GB", "4", "300", "", "NL",
     "1.3", "0.6", "2500", "1"],
]  # fmt: skip


class TestInventoryCsvContract(ConnectorContract):
    connector = inventory
    # the inventory is parsed and validated when scanned (so an error names the entry and field);
    # collecting then reads the Arrow table built from it, not the file
    reads_at_collect: ClassVar[bool] = False

    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        path = tmp_path / "servers.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(CSV_COLUMNS)
            w.writerows(CSV_ROWS)
        return path

    @pytest.fixture
    def expected_rows(self) -> list[dict[str, Any]]:
        common = {"ProviderName": "inventory", "billing_month": "2026-10", "BilledCost": Decimal(0)}
        return [
            {
                **common,
                "SubAccountId": "shop",
                "ConsumedQuantity": 744.0 * 2,
                "vcpu_hint": 40.0,
                "memory_gb_hint": 192.0,
                "RegionId": "DE",
                "usage_type": "inventory:app-1",
                "accelerator_model_hint": None,
            },
            {
                **common,
                "SubAccountId": "ml",
                "ConsumedQuantity": 300.0,
                "accelerator_model_hint": "NVIDIA A100 SXM4 40GB",
                "accelerator_count_hint": 4.0,
                "pue_hint": 1.3,
                "cpu_utilisation_hint": 0.6,
                "embodied_kgco2e_hint": 2500.0,
                "cpu_microarchitecture_hint": "EPYC 2nd Gen",
                "RegionId": "NL",
            },
        ]


def test_csv_entry_errors_name_the_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("name,vcpus,always_on,location\nok,4,true,DE\nbad,four,true,DE\n", encoding="utf-8")
    with pytest.raises(inventory.InventoryError, match=r"row 2 'bad', field 'vcpus'"):
        scan_rows(path)


def test_mixed_with_cloud_bill(tmp_path: Path, factors: FactorSet, cur_file: Any) -> None:
    cur = cur_file([cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large")])
    inv = write(tmp_path, SERVERS_TOML)
    result = estimate([f"aws:{cur}", f"inventory:{inv}"], "2026-10", factor_set=factors, detail=True)
    assert result.detail is not None
    assert sorted(set(result.detail["ProviderName"].to_list())) == ["aws", "inventory"]
    assert set(result.detail["fate"].to_list()) == {"estimated"}
    cov = coverage_row(result)
    assert cov["billed_cost"] == Decimal("2.304")


def test_cli_estimate_with_aws_and_inventory(tmp_path: Path, cur_file: Any) -> None:
    from typer.testing import CliRunner

    from cloudcarbon.cli import app

    cur = cur_file([cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large")])
    inv = write(tmp_path, SERVERS_TOML)
    res = CliRunner().invoke(
        app, ["estimate", "--month", "2026-10", "--source", f"aws:{cur}", "--source", f"inventory:{inv}"]
    )
    assert res.exit_code == 0, res.output
