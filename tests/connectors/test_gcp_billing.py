"""GCP billing export connector: the contract for CSV (dotted and underscored names), newline-delimited
JSON and nested Parquet, plus GCP-specific behaviour and hand-worked estimates.

Every expected value is written by hand from the rows the tests write, the mapping in
``cloudcarbon/connectors/gcp_billing.py``'s docstring, the rules in ``factors/2026.11/gcp_usage_types.csv``
and the factor rows quoted in the comments; none is copied from a run of the code.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cloudcarbon import estimate
from cloudcarbon.config import config_from_mapping
from cloudcarbon.connectors import gcp_billing
from cloudcarbon.connectors.base import ScanContext, Source
from cloudcarbon.engine import open_engine
from cloudcarbon.exceptions import ValueParseError
from cloudcarbon.factors import FactorSet
from cloudcarbon.pipeline import coverage_row
from tests.connectors.contract import EXTRA_COLUMNS, ConnectorContract

BILLING_ACCOUNT = "01A2B3-C4D5E6-F70819"
MONTH = "2026-10"
DAY_START = "2026-10-01 00:00:00 UTC"
DAY_END = "2026-10-02 00:00:00 UTC"
GIB = 2**30
SPEC = "compute.googleapis.com/machine_spec"
CORES = "compute.googleapis.com/cores"
MEMORY = "compute.googleapis.com/memory"


# --------------------------------------------------------------------------------------------------
# One export row, written in any of the flavours
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    sku: str
    amount: str
    unit: str
    cost: str
    service: str = "Compute Engine"
    project: str = "proj-a"
    region: str = "us-central1"
    zone: str = ""
    start: str = DAY_START
    end: str = DAY_END
    invoice: str = "202610"
    cost_type: str = "regular"
    labels: tuple[tuple[str, str], ...] = ()
    system_labels: tuple[tuple[str, str], ...] = ()
    project_labels: tuple[tuple[str, str], ...] = ()
    credits: tuple[tuple[str, str], ...] = ()  # (type, amount)
    adjustment_type: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _kv(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in pairs]


def _credits(line: Line, *, numeric: bool) -> list[dict[str, Any]]:
    return [
        {
            "name": t.replace("_", " ").title(),
            "amount": float(a) if numeric else a,
            "full_name": t,
            "id": f"credit-{i}",
            "type": t,
        }
        for i, (t, a) in enumerate(line.credits)
    ]


FLAT = [
    "billing_account_id",
    "service.id",
    "service.description",
    "sku.id",
    "sku.description",
    "usage_start_time",
    "usage_end_time",
    "project.id",
    "project.name",
    "project.labels",
    "labels",
    "system_labels",
    "location.location",
    "location.country",
    "location.region",
    "location.zone",
    "cost",
    "currency",
    "usage.amount",
    "usage.unit",
    "credits",
    "invoice.month",
    "cost_type",
    "adjustment_info.type",
]


def _flat(line: Line) -> dict[str, str]:
    return {
        "billing_account_id": BILLING_ACCOUNT,
        "service.id": "6F81-5844-456A",
        "service.description": line.service,
        "sku.id": "2E27-4F75-95CD",
        "sku.description": line.sku,
        "usage_start_time": line.start,
        "usage_end_time": line.end,
        "project.id": line.project,
        "project.name": line.project,
        "project.labels": json.dumps(_kv(line.project_labels)),
        "labels": json.dumps(_kv(line.labels)),
        "system_labels": json.dumps(_kv(line.system_labels)),
        "location.location": line.region or line.zone,
        "location.country": "US",
        "location.region": line.region,
        "location.zone": line.zone,
        "cost": line.cost,
        "currency": "USD",
        "usage.amount": line.amount,
        "usage.unit": line.unit,
        "credits": json.dumps(_credits(line, numeric=True)),
        "invoice.month": line.invoice,
        "cost_type": line.cost_type,
        "adjustment_info.type": line.adjustment_type,
        **line.extra,
    }


def write_csv(path: Path, lines: list[Line], *, underscored: bool = False) -> Path:
    names = [c.replace(".", "_") for c in FLAT] if underscored else FLAT
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(names)
        for line in lines:
            row = _flat(line)
            w.writerow([row[c] for c in FLAT])
    return path


def _ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=UTC)


def _nested(line: Line, *, for_parquet: bool) -> dict[str, Any]:
    return {
        "billing_account_id": BILLING_ACCOUNT,
        "service": {"id": "6F81-5844-456A", "description": line.service},
        "sku": {"id": "2E27-4F75-95CD", "description": line.sku},
        "usage_start_time": _ts(line.start) if for_parquet else line.start,
        "usage_end_time": _ts(line.end) if for_parquet else line.end,
        "project": {"id": line.project, "name": line.project, "labels": _kv(line.project_labels)},
        "labels": _kv(line.labels),
        "system_labels": _kv(line.system_labels),
        "location": {
            "location": line.region or line.zone,
            "country": "US",
            "region": line.region or None,
            "zone": line.zone or None,
        },
        "cost": float(line.cost),
        "currency": "USD",
        "usage": {"amount": float(line.amount), "unit": line.unit or None},
        "credits": _credits(line, numeric=True),
        "invoice": {"month": line.invoice},
        "cost_type": line.cost_type,
        "adjustment_info": {"type": line.adjustment_type or None},
    }


def write_jsonl(path: Path, lines: list[Line]) -> Path:
    path.write_text(
        "".join(json.dumps(_nested(x, for_parquet=False)) + "\n" for x in lines), encoding="utf-8"
    )
    return path


KV = pa.list_(pa.struct([("key", pa.string()), ("value", pa.string())]))
PARQUET_SCHEMA = pa.schema(
    [
        ("billing_account_id", pa.string()),
        ("service", pa.struct([("id", pa.string()), ("description", pa.string())])),
        ("sku", pa.struct([("id", pa.string()), ("description", pa.string())])),
        ("usage_start_time", pa.timestamp("us", tz="UTC")),
        ("usage_end_time", pa.timestamp("us", tz="UTC")),
        ("project", pa.struct([("id", pa.string()), ("name", pa.string()), ("labels", KV)])),
        ("labels", KV),
        ("system_labels", KV),
        (
            "location",
            pa.struct(
                [
                    ("location", pa.string()),
                    ("country", pa.string()),
                    ("region", pa.string()),
                    ("zone", pa.string()),
                ]
            ),
        ),
        ("cost", pa.float64()),
        ("currency", pa.string()),
        ("usage", pa.struct([("amount", pa.float64()), ("unit", pa.string())])),
        (
            "credits",
            pa.list_(
                pa.struct(
                    [
                        ("name", pa.string()),
                        ("amount", pa.float64()),
                        ("full_name", pa.string()),
                        ("id", pa.string()),
                        ("type", pa.string()),
                    ]
                )
            ),
        ),
        ("invoice", pa.struct([("month", pa.string())])),
        ("cost_type", pa.string()),
        ("adjustment_info", pa.struct([("type", pa.string())])),
    ]
)


def write_parquet(path: Path, lines: list[Line]) -> Path:
    table = pa.Table.from_pylist([_nested(x, for_parquet=True) for x in lines], schema=PARQUET_SCHEMA)
    pq.write_table(table, path)
    return path


def n2_spec(
    machine: str = "n2-standard-8", cores: str = "8", memory_mb: str = "32768"
) -> tuple[tuple[str, str], ...]:
    return ((SPEC, machine), (CORES, cores), (MEMORY, memory_mb))


# --------------------------------------------------------------------------------------------------
# Contract
# --------------------------------------------------------------------------------------------------

CONTRACT_LINES = [
    Line(
        "N2 Instance Core running in Americas",
        str(8 * 86400),
        "seconds",
        "7.6",
        system_labels=n2_spec(),
        labels=(("team", "ml"),),
    ),
    Line(
        "N2 Instance Ram running in Americas",
        str(32 * GIB * 86400),
        "byte-seconds",
        "1.02",
        system_labels=n2_spec(),
    ),
    Line("Nvidia Tesla A100 GPU running in Americas", "86400", "seconds", "70.4"),
    Line(
        "SSD backed PD Capacity", str(100 * GIB * 86400), "byte-seconds", "0.55", zone="us-east1-b", region=""
    ),
    Line(
        "Standard Storage US Regional",
        str(1024 * GIB * 86400),
        "byte-seconds",
        "0.67",
        service="Cloud Storage",
    ),
    Line("Network Internet Egress from Americas to Americas", str(10 * GIB), "bytes", "1.2"),
    # a late row: usage in September, billed on the October invoice
    Line(
        "E2 Instance Core running in Americas",
        "7200",
        "seconds",
        "0.05",
        start="2026-09-30 22:00:00 UTC",
        end="2026-09-30 23:00:00 UTC",
    ),
    Line("Tax", "0", "", "0.93", service="Tax", cost_type="tax", region=""),
]


def _expected(underscored: bool = False) -> list[dict[str, Any]]:
    base = {"ProviderName": "gcp", "BillingAccountId": BILLING_ACCOUNT, "SubAccountId": "proj-a"}
    day = datetime(2026, 10, 1)
    return [
        {
            **base,
            "billing_month": "2026-10",
            "billing_period_hours": 744.0,
            "ChargePeriodStart": day,
            "ChargePeriodEnd": datetime(2026, 10, 2),
            "ServiceName": "Compute Engine",
            "RegionId": "us-central1",
            "usage_type": "N2 Instance Core running in Americas",
            "instance_type": "n2-standard-8",
            "machine_series": "n2",
            "vcpu_hint": 8.0,
            "memory_gb_hint": 32.0,
            "line_item_type": "regular",
            "charge_class": "usage",
            "ConsumedQuantity": 691200.0,
            "ConsumedUnit": "seconds",
            "BilledCost": Decimal("7.6"),
            "BillingCurrency": "USD",
            "Tags": '{"team":"ml"}',
            "cpu_utilisation_hint": None,
        },
        {
            **base,
            "usage_type": "N2 Instance Ram running in Americas",
            "machine_series": "n2",
            "instance_type": "n2-standard-8",
            "ConsumedQuantity": 32.0 * GIB * 86400,
            "ConsumedUnit": "byte-seconds",
            "BilledCost": Decimal("1.02"),
            "Tags": "{}",
        },
        {
            **base,
            "usage_type": "Nvidia Tesla A100 GPU running in Americas",
            "machine_series": None,
            "instance_type": None,
            "vcpu_hint": None,
            "ConsumedQuantity": 86400.0,
            "BilledCost": Decimal("70.4"),
        },
        {
            **base,
            "usage_type": "SSD backed PD Capacity",
            "RegionId": "us-east1",  # from the zone us-east1-b: location.region is empty
            "BilledCost": Decimal("0.55"),
        },
        {**base, "ServiceName": "Cloud Storage", "RegionId": "us-central1", "BilledCost": Decimal("0.67")},
        {**base, "ConsumedUnit": "bytes", "ConsumedQuantity": 10.0 * GIB, "BilledCost": Decimal("1.2")},
        {
            **base,
            "billing_month": "2026-10",  # invoice month, not the usage month (September)
            "ChargePeriodStart": datetime(2026, 9, 30, 22),
            "machine_series": "e2",
            "BilledCost": Decimal("0.05"),
        },
        {
            **base,
            "ServiceName": "Tax",
            "charge_class": "tax",
            "line_item_type": "tax",
            "RegionId": None,
            "ConsumedQuantity": 0.0,
            "ConsumedUnit": None,
            "BilledCost": Decimal("0.93"),
        },
    ]


class _GcpContract(ConnectorContract):
    connector = gcp_billing
    month = MONTH

    @pytest.fixture
    def expected_rows(self) -> list[dict[str, Any]]:
        return _expected()


class TestCsvDottedContract(_GcpContract):
    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        return write_csv(tmp_path / "gcp-billing.csv", CONTRACT_LINES)


class TestCsvUnderscoredContract(_GcpContract):
    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        return write_csv(tmp_path / "gcp-billing.csv", CONTRACT_LINES, underscored=True)


class TestJsonlContract(_GcpContract):
    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        return write_jsonl(tmp_path / "gcp-billing.jsonl", CONTRACT_LINES)

    @pytest.fixture
    def source_with_extras(self, source: Path, tmp_path: Path) -> Path:
        out = tmp_path / "with-extras" / source.name
        out.parent.mkdir()
        docs = [json.loads(x) for x in source.read_text(encoding="utf-8").splitlines()]
        out.write_text("".join(json.dumps({**d, **EXTRA_COLUMNS}) + "\n" for d in docs), encoding="utf-8")
        return out


class TestParquetContract(_GcpContract):
    @pytest.fixture
    def source(self, tmp_path: Path) -> Path:
        return write_parquet(tmp_path / "gcp-billing.parquet", CONTRACT_LINES)


def test_contract_total_is_the_sum_of_the_written_costs() -> None:
    # 7.6 + 1.02 + 70.4 + 0.55 + 0.67 + 1.2 + 0.05 + 0.93 = 82.42
    assert sum((e["BilledCost"] for e in _expected()), Decimal(0)) == Decimal("82.42")


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------

WRITERS = {
    "csv": lambda p, lines: write_csv(p.with_suffix(".csv"), lines),
    "csv_underscored": lambda p, lines: write_csv(p.with_suffix(".csv"), lines, underscored=True),
    "jsonl": lambda p, lines: write_jsonl(p.with_suffix(".jsonl"), lines),
    "parquet": lambda p, lines: write_parquet(p.with_suffix(".parquet"), lines),
}


def run(
    tmp_path: Path,
    factors: FactorSet,
    lines: list[Line],
    *,
    fmt: str = "csv",
    month: str = MONTH,
    config: dict[str, Any] | None = None,
) -> Any:
    path = WRITERS[fmt](tmp_path / "export", lines)
    cfg = config_from_mapping(config or {})
    return estimate([f"gcp:{path}"], month, factor_set=factors, detail=True, config=cfg)


def scan_rows(
    tmp_path: Path, lines: list[Line], *, fmt: str = "csv", tag_keys: tuple[str, ...] = ()
) -> pl.DataFrame:
    path = WRITERS[fmt](tmp_path / "export", lines)
    with open_engine() as engine:
        ctx = ScanContext(con=engine.con, workdir=engine.workdir, tag_keys=tag_keys, month=MONTH)
        df: pl.DataFrame = gcp_billing.scan(Source(path, "gcp"), ctx).collect(backend="polars").to_native()
    return df.sort("source_row", "charge_class", descending=[False, True])


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-6)


# --------------------------------------------------------------------------------------------------
# Hand-worked estimates
# --------------------------------------------------------------------------------------------------

# Factor rows used (factors/2026.11):
#   cpu_power gcp Cascade Lake 0.690298 / 3.754854 W per vCPU; gcp Ice Lake 0.766797 / 3.651579
#   instances gcp n2-standard-8: Cascade Lake;Ice Lake, host_vcpu 128, embodied_host 1888.46 kg
#   instances gcp a2-highgpu-1g: Cascade Lake, host_vcpu 96, embodied_host 3065.5 kg (5465.5 - 2400 GPUs)
#   accelerators NVIDIA A100 SXM4 40GB idle 46 W, TDP 400 W, 150 kg; TPU v4 (chip) 19.8 / 170 W;
#   TPU v3 (chip) 25.7 / 220 W
#   coefficients: memory 0.000392 kWh/GB-h, SSD 1.2 Wh/TB-h, HDD 0.65 Wh/TB-h, lifespan 35040 h, u = 0.5
#   pue gcp us-central1 1.11 (CCF trailing-twelve-month)
#   grid gcp us-central1: no 2026 row; latest earlier year = 2025 Electricity Maps 501 gCO2e/kWh
#   (grid_year 2025, year_substituted)


def test_handworked_n2_standard_8_day(tmp_path: Path, factors: FactorSet) -> None:
    lines = [
        Line(
            "N2 Instance Core running in Americas", str(8 * 86400), "seconds", "7.6", system_labels=n2_spec()
        ),
        Line(
            "N2 Instance Ram running in Americas",
            str(32 * GIB * 86400),
            "byte-seconds",
            "1.02",
            system_labels=n2_spec(),
        ),
    ]
    d = run(tmp_path, factors, lines).detail.sort("source_row")
    core, ram = d.row(0, named=True), d.row(1, named=True)
    # core-seconds 691200 / 3600 = 192 vCPU-h; W = mean of the two microarchitectures:
    #   Wmin = (0.690298 + 0.766797) / 2 = 0.7285475, Wmax = (3.754854 + 3.651579) / 2 = 3.7032165
    #   W(0.5) = 0.7285475 + 0.5 x 2.974669 = 2.215882 W; cpu = 192 x 2.215882 / 1000 = 0.425449344 kWh
    assert core["usage_class"] == "cpu" and core["fate"] == "estimated"
    assert core["instance_key"] == "n2-standard-8"
    assert core["vcpu_hours"] == approx(192.0)
    assert core["cpu_kwh"] == approx(0.425449344)
    # RAM: 32 GiB x 86400 s = 768 GiB-h x 0.000392 = 0.301056 kWh
    assert ram["usage_class"] == "memory"
    assert ram["memory_gb_hours"] == approx(768.0)
    assert ram["memory_kwh"] == approx(0.301056)
    assert core["pue"] == 1.11 and core["g_co2e_per_kwh"] == 501.0 and core["grid_year"] == 2025
    # energy = (0.425449344 + 0.301056) x 1.11 = 0.80642093 kWh; CO2e x 501 g = 0.404016887 kg
    total_kwh = core["energy_kwh"] + ram["energy_kwh"]
    assert total_kwh == approx(0.806420932)
    assert core["co2e_kg"] + ram["co2e_kg"] == approx(0.404016887)
    # embodied: 192 vCPU-h x 1888.46 / 128 kg per host vCPU / 35040 h = 0.080841610 kg (RAM row: 0)
    assert core["embodied_co2e_kg"] == approx(0.080841610)
    assert ram["embodied_co2e_kg"] == 0.0


def test_handworked_a2_highgpu_1g_day(tmp_path: Path, factors: FactorSet) -> None:
    spec = ((SPEC, "a2-highgpu-1g"), (CORES, "12"), (MEMORY, str(85 * 1024)))
    lines = [
        Line("A2 Instance Core running in Americas", str(12 * 86400), "seconds", "8.0", system_labels=spec),
        Line(
            "A2 Instance Ram running in Americas",
            str(85 * GIB * 86400),
            "byte-seconds",
            "2.0",
            system_labels=spec,
        ),
        Line("Nvidia Tesla A100 GPU running in Americas", "86400", "seconds", "70.4"),
    ]
    d = run(tmp_path, factors, lines).detail.sort("source_row")
    core, ram, gpu = (d.row(i, named=True) for i in range(3))
    # core: 288 vCPU-h x (0.690298 + 0.5 x (3.754854 - 0.690298)) = 288 x 2.222576 W = 0.640101888 kWh
    assert core["cpu_kwh"] == approx(0.640101888)
    # RAM: 85 GiB x 24 h = 2040 GiB-h x 0.000392 = 0.79968 kWh
    assert ram["memory_kwh"] == approx(0.79968)
    # GPU: 24 device-h x (46 + 0.5 x (400 - 46)) = 24 x 223 W = 5.352 kWh (A100 40GB by the SKU rule)
    assert gpu["usage_class"] == "accelerator"
    assert gpu["accelerator_model"] == "NVIDIA A100 SXM4 40GB"
    assert gpu["accelerator_hours"] == approx(24.0)
    assert gpu["accelerator_kwh"] == approx(5.352)
    # the core row does not add the instance's GPU a second time
    assert core["accelerator_kwh"] == 0.0
    # total (0.640101888 + 0.79968 + 5.352) x 1.11 = 7.538877896 kWh; x 501 g = 3.776977826 kg
    assert sum(r["energy_kwh"] for r in (core, ram, gpu)) == approx(7.538877896)
    assert sum(r["co2e_kg"] for r in (core, ram, gpu)) == approx(3.776977826)
    # embodied: host share 288 x 3065.5 / 96 / 35040 = 0.262457192 kg; GPU 24 x 150 / 35040 = 0.102739726
    assert core["embodied_co2e_kg"] == approx(0.262457192)
    assert gpu["embodied_co2e_kg"] == approx(0.102739726)


def test_handworked_tpu_rows(tmp_path: Path, factors: FactorSet) -> None:
    lines = [
        Line("TPU v4 chip-hour running in Americas", "3600", "seconds", "3.22", service="Cloud TPU"),
        Line("TPU v3 core-hour running in Americas", "3600", "seconds", "1.1", service="Cloud TPU"),
    ]
    d = run(tmp_path, factors, lines).detail.sort("source_row")
    v4, v3 = d.row(0, named=True), d.row(1, named=True)
    # v4: 1 chip-hour x (19.8 + 0.5 x (170 - 19.8)) = 94.9 Wh = 0.0949 kWh
    assert v4["accelerator_model"] == "Google TPU v4 (chip)"
    assert v4["accelerator_hours"] == approx(1.0)
    assert v4["accelerator_kwh"] == approx(0.0949)
    # v3: 1 core-hour = 0.5 chip-hour (2 TensorCores per chip) x (25.7 + 0.5 x 194.3) W = 0.061425 kWh
    assert v3["accelerator_model"] == "Google TPU v3 (chip)"
    assert v3["accelerator_hours"] == approx(0.5)
    assert v3["accelerator_kwh"] == approx(0.061425)
    assert v3["energy_kwh"] == approx(0.061425 * 1.11)


def test_handworked_pd_ssd_and_cloud_storage(tmp_path: Path, factors: FactorSet) -> None:
    lines = [
        Line("SSD backed PD Capacity", str(100 * GIB * 86400), "byte-seconds", "0.55"),
        Line(
            "Standard Storage US Regional",
            str(1024 * GIB * 86400),
            "byte-seconds",
            "0.67",
            service="Cloud Storage",
        ),
        Line("Regional SSD backed PD Capacity", str(100 * GIB * 86400), "byte-seconds", "1.1"),
    ]
    d = run(tmp_path, factors, lines).detail.sort("source_row")
    pd_, gcs, regional = (d.row(i, named=True) for i in range(3))
    # PD SSD 100 GiB for a day = 2400 GiB-h = 2.34375 TiB-h x 1.2 Wh = 0.0028125 kWh (one copy)
    assert pd_["usage_class"] == "storage_ssd"
    assert pd_["storage_tb_hours"] == approx(2.34375)
    assert pd_["energy_kwh"] == approx(0.0028125 * 1.11)
    # Cloud Storage 1 TiB for a day = 24 TiB-h x 0.65 Wh x 2 copies (CCF CLOUD_STORAGE_SINGLE_REGION)
    # = 0.0312 kWh
    assert gcs["usage_class"] == "storage_hdd"
    assert gcs["storage_tb_hours"] == approx(24.0)
    assert gcs["energy_kwh"] == approx(0.0312 * 1.11)
    # regional PD: replica in a second zone, x 2
    assert regional["energy_kwh"] == approx(2 * 0.0028125 * 1.11)


# --------------------------------------------------------------------------------------------------
# Credits, cost types, invoice month
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_credits_become_rows_and_reconcile_to_the_cent(tmp_path: Path, factors: FactorSet, fmt: str) -> None:
    lines = [
        Line(
            "N2 Instance Core running in Americas",
            str(8 * 3600),
            "seconds",
            "12.3456",
            system_labels=n2_spec(),
            credits=(("SUSTAINED_USAGE_DISCOUNT", "-1.2345"), ("COMMITTED_USAGE_DISCOUNT", "-0.0011")),
        ),
        Line(
            "E2 Instance Core running in Americas",
            "3600",
            "seconds",
            "0.02",
            credits=(("FREE_TIER", "-0.02"),),
        ),
        Line("Nvidia L4 GPU running in Americas", "3600", "seconds", "0.7", credits=(("PROMOTION", "-0.7"),)),
    ]
    df = scan_rows(tmp_path, lines, fmt=fmt)
    assert df.height == 7  # 3 rows + 4 credits
    credits = df.filter(pl.col("charge_class") == "credit")
    assert credits["source_row"].to_list() == [1, 1, 2, 3]
    assert sorted(credits["line_item_type"].to_list()) == sorted(
        ["SUSTAINED_USAGE_DISCOUNT", "COMMITTED_USAGE_DISCOUNT", "FREE_TIER", "PROMOTION"]
    )
    assert credits["ConsumedQuantity"].to_list() == [0.0] * 4
    # billed = sum(cost) + sum(credits) = (12.3456 + 0.02 + 0.7) - (1.2345 + 0.0011 + 0.02 + 0.7) = 11.11
    assert df["BilledCost"].sum() == Decimal("11.11")
    (tmp_path / "est").mkdir()
    result = run(tmp_path / "est", factors, lines, fmt=fmt)
    cov = coverage_row(result)
    assert cov["billed_cost"] == Decimal("11.11")
    # usage rows keep their full cost; the four credits are excluded
    assert cov["estimated_cost"] == Decimal("13.0656")
    assert cov["excluded_cost"] == Decimal("-1.9556")
    d = result.detail
    assert d.filter(pl.col("charge_class") == "credit")["usage_class"].unique().to_list() == ["excluded"]
    assert d.filter(pl.col("charge_class") == "credit")["energy_kwh"].sum() == 0.0


def test_cost_types(tmp_path: Path, factors: FactorSet) -> None:
    lines = [
        Line("Tax", "0", "", "1.5", service="Tax", cost_type="tax"),
        Line(
            "N2 Instance Core running in Americas",
            "3600",
            "seconds",
            "-0.4",
            cost_type="adjustment",
            adjustment_type="USAGE_CORRECTION",
        ),
        Line(
            "N2 Instance Core running in Americas",
            "0",
            "seconds",
            "0.3",
            cost_type="adjustment",
            adjustment_type="PRICE_CORRECTION",
        ),
        Line("Support", "0", "", "-5", cost_type="adjustment", adjustment_type="GOODWILL", service="Support"),
        Line("Rounding", "0", "", "-0.004", cost_type="rounding_error", service="Invoice"),
    ]
    df = scan_rows(tmp_path, lines)
    assert df["charge_class"].to_list() == ["tax", "refund", "other_non_usage", "credit", "rounding"]
    assert df["line_item_type"].to_list() == [
        "tax",
        "adjustment",
        "adjustment",
        "adjustment",
        "rounding_error",
    ]
    (tmp_path / "est").mkdir()
    result = run(tmp_path / "est", factors, lines)
    cov = coverage_row(result)
    # 1.5 - 0.4 + 0.3 - 5 - 0.004 = -3.604, all excluded
    assert cov["billed_cost"] == Decimal("-3.604") == cov["excluded_cost"]
    assert result.detail["fate"].unique().to_list() == ["excluded"]


def test_commitment_fee_excluded(tmp_path: Path, factors: FactorSet) -> None:
    lines = [Line("Commitment v1: N2 Cpu in Americas for 1 Year", "86400", "seconds", "5.0")]
    row = run(tmp_path, factors, lines).detail.row(0, named=True)
    assert row["charge_class"] == "usage"
    assert (row["usage_class"], row["exclusion_reason"], row["fate"]) == (
        "excluded",
        "commitment_fee",
        "excluded",
    )


def test_invoice_month_decides_the_billing_month(tmp_path: Path, factors: FactorSet) -> None:
    lines = [
        # usage on 30 September billed on the October invoice: belongs to October
        Line(
            "E2 Instance Core running in Americas",
            "3600",
            "seconds",
            "0.02",
            start="2026-09-30 23:00:00 UTC",
            end="2026-10-01 00:00:00 UTC",
            invoice="202610",
        ),
        # usage in October billed on the November invoice (a late correction): not October's
        Line("E2 Instance Core running in Americas", "3600", "seconds", "0.03", invoice="202611"),
        Line("E2 Instance Core running in Americas", "3600", "seconds", "0.05"),
    ]
    result = run(tmp_path, factors, lines)
    assert sorted(result.detail["source_row"].to_list()) == [1, 3]
    assert coverage_row(result)["billed_cost"] == Decimal("0.07")
    (tmp_path / "nov").mkdir()
    nov = run(tmp_path / "nov", factors, lines, month="2026-11")
    assert nov.detail["source_row"].to_list() == [2]
    assert nov.detail["billing_period_hours"].to_list() == [720.0]


# --------------------------------------------------------------------------------------------------
# Machine series, AMD, unused reservations, fallbacks
# --------------------------------------------------------------------------------------------------


def test_n2d_runs_on_amd(tmp_path: Path, factors: FactorSet) -> None:
    lines = [
        Line(
            "N2D AMD Instance Core running in Americas",
            str(8 * 3600),
            "seconds",
            "0.2",
            system_labels=n2_spec("n2d-standard-8"),
        ),
        # no machine_spec: the SKU's series word picks the n2d family
        Line("N2D AMD Instance Core running in Americas", str(8 * 3600), "seconds", "0.2"),
    ]
    d = run(tmp_path, factors, lines).detail.sort("source_row")
    spec_row, series_row = d.row(0, named=True), d.row(1, named=True)
    assert series_row["machine_series"] == "n2d" and series_row["instance_key"] is None
    inst = factors.table("instances").filter(
        (pl.col("provider") == "gcp") & (pl.col("instance_type") == "n2d-standard-8")
    )
    assert inst["cpu_microarchitectures"].to_list() == ["EPYC 2nd Gen"]
    # 8 vCPU-h x (0.474262 + 0.5 x (1.575187 - 0.474262)) W = 8 x 1.0247245 W = 0.008197796 kWh (not Intel)
    for row in (spec_row, series_row):
        assert row["cpu_kwh"] == approx(0.008197796)


@pytest.mark.parametrize(
    ("sku", "spec", "series"),
    [
        ("N2D AMD Instance Core running in Americas", "", "n2d"),
        ("N1 Predefined Instance Core running in Americas", "", "n1"),
        ("Spot Preemptible C3D Instance Ram running in EMEA", "", "c3d"),
        ("Custom Instance Core running in Americas", "", None),
        ("Custom Instance Core running in Americas", "custom-4-16384", "n1"),
        ("N2 Custom Instance Core running in Americas", "n2-custom-4-16384", "n2"),
        ("Compute optimized Core running in Americas", "", "c2"),
        ("Memory-optimized Instance Ram running in Americas", "", "m1"),
        ("Nvidia Tesla T4 GPU running in Americas", "n1-standard-8", None),
    ],
)
def test_machine_series(tmp_path: Path, sku: str, spec: str, series: str | None) -> None:
    labels = ((SPEC, spec),) if spec else ()
    df = scan_rows(tmp_path, [Line(sku, "3600", "seconds", "0.1", system_labels=labels)])
    assert df["machine_series"].to_list() == [series]
    if not spec:
        assert gcp_billing.series_of_sku(sku) == series


def test_unused_reservation_is_idle_usage(tmp_path: Path, factors: FactorSet) -> None:
    labels = (*n2_spec(), ("compute.googleapis.com/is_unused_reservation", "true"))
    lines = [
        Line("N2 Instance Core running in Americas", str(8 * 3600), "seconds", "0.3", system_labels=labels)
    ]
    row = run(tmp_path, factors, lines).detail.row(0, named=True)
    assert row["fate"] == "estimated" and row["charge_class"] == "usage"
    # idle: 8 vCPU-h x Wmin 0.7285475 = 0.00582838 kWh
    assert row["cpu_kwh"] == approx(0.00582838)


def test_unknown_gpu_sku_is_a_flagged_fallback(tmp_path: Path, factors: FactorSet) -> None:
    lines = [
        Line("Nvidia Tesla T4 GPU running in Americas", "3600", "seconds", "0.35"),
        Line("Nvidia Z9000 GPU running in Americas", "3600", "seconds", "9.0"),
    ]
    d = run(tmp_path, factors, lines).detail.sort("source_row")
    known, unknown = d.row(0, named=True), d.row(1, named=True)
    assert known["fate"] == "estimated" and known["accelerator_model"] == "NVIDIA T4"
    assert (unknown["usage_class"], unknown["fate"], unknown["status_note"]) == (
        "accelerator",
        "fallback",
        "unknown_accelerator",
    )


def test_unknown_unit_is_a_flagged_fallback(tmp_path: Path, factors: FactorSet) -> None:
    lines = [Line("N2 Instance Core running in Americas", "2", "furlongs", "0.1", system_labels=n2_spec())]
    row = run(tmp_path, factors, lines).detail.row(0, named=True)
    assert (row["fate"], row["status_note"]) == ("fallback", "unit_mismatch")


def test_unmodelled_sku_is_a_fallback(tmp_path: Path, factors: FactorSet) -> None:
    lines = [Line("Cloud DNS Query", "1000", "requests", "0.4", service="Cloud DNS")]
    row = run(tmp_path, factors, lines).detail.row(0, named=True)
    assert (row["usage_class"], row["fate"]) == ("unmodelled", "fallback")


# --------------------------------------------------------------------------------------------------
# Labels and projects
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["team", "label:team"])
def test_labels_to_project_rule(tmp_path: Path, factors: FactorSet, key: str) -> None:
    lines = [
        Line("E2 Instance Core running in Americas", "3600", "seconds", "0.1", labels=(("team", "ml"),)),
        Line("E2 Instance Core running in Americas", "3600", "seconds", "0.2", project="proj-b"),
    ]
    result = run(
        tmp_path, factors, lines, config={"projects": {"rules": [{"tag": key}], "unmatched": "account"}}
    )
    assert result.detail.sort("source_row")["project"].to_list() == ["ml", "proj-b"]


def test_project_and_system_label_tag_columns(tmp_path: Path) -> None:
    lines = [
        Line(
            "E2 Instance Core running in Americas",
            "3600",
            "seconds",
            "0.1",
            labels=(("env", "dev"),),
            project_labels=(("env", "prod"),),
            system_labels=((SPEC, "e2-standard-2"),),
        )
    ]
    for fmt in ("csv", "jsonl", "parquet"):
        sub = tmp_path / fmt
        sub.mkdir()
        df = scan_rows(
            sub, lines, fmt=fmt, tag_keys=("env", "project_label:env", f"system_label:{SPEC}", "absent")
        )
        row = df.row(0, named=True)
        assert row["tag:env"] == "dev"
        assert row["tag:project_label:env"] == "prod"
        assert row[f"tag:system_label:{SPEC}"] == "e2-standard-2"
        assert row["tag:absent"] is None
        assert json.loads(row["Tags"]) == {"env": "dev"}


def test_labels_as_json_object_in_csv(tmp_path: Path) -> None:
    line = Line(
        "E2 Instance Core running in Americas", "3600", "seconds", "0.1", extra={"labels": '{"team": "ml"}'}
    )
    df = scan_rows(tmp_path, [line], tag_keys=("team",))
    assert df["tag:team"].to_list() == ["ml"]


# --------------------------------------------------------------------------------------------------
# Errors and detection
# --------------------------------------------------------------------------------------------------


def test_bad_amount_names_file_row_and_column(tmp_path: Path, factors: FactorSet) -> None:
    lines = [
        Line("E2 Instance Core running in Americas", "3600", "seconds", "0.1"),
        Line("E2 Instance Core running in Americas", "lots", "seconds", "0.1"),
    ]
    with pytest.raises(ValueParseError) as err:
        run(tmp_path, factors, lines, fmt="csv_underscored")
    msg = str(err.value)
    assert "row 2" in msg and "usage_amount" in msg and "lots" in msg and "export.csv" in msg


def test_bad_credits_json_is_diagnosed(tmp_path: Path, factors: FactorSet) -> None:
    lines = [
        Line("E2 Instance Core running in Americas", "3600", "seconds", "0.1", extra={"credits": "[{oops"})
    ]
    with pytest.raises(ValueParseError) as err:
        run(tmp_path, factors, lines)
    assert "row 1" in str(err.value) and "credits" in str(err.value)


def test_bad_credit_amount_is_diagnosed(tmp_path: Path, factors: FactorSet) -> None:
    bad = json.dumps([{"name": "x", "amount": "abc", "type": "PROMOTION"}])
    lines = [
        Line("E2 Instance Core running in Americas", "3600", "seconds", "0.1"),
        Line("E2 Instance Core running in Americas", "3600", "seconds", "0.1", extra={"credits": bad}),
    ]
    with pytest.raises(ValueParseError) as err:
        run(tmp_path, factors, lines)
    assert "row 2" in str(err.value) and "credits" in str(err.value)


def test_sniff_accepts_flat_and_nested_headers() -> None:
    assert gcp_billing.sniff(FLAT) == []
    assert gcp_billing.sniff([c.replace(".", "_") for c in FLAT]) == []
    assert gcp_billing.sniff(PARQUET_SCHEMA.names) == []
    assert gcp_billing.sniff(["lineItem/UsageType", "cost"]) == [
        "service.description",
        "sku.description",
        "usage_start_time",
        "usage.amount",
    ]


def test_folder_skips_non_export_json(tmp_path: Path, factors: FactorSet) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    write_parquet(
        folder / "gcp-billing-2026-10.parquet",
        [Line("E2 Instance Core running in Americas", "3600", "seconds", "0.1")],
    )
    write_jsonl(
        folder / "more.jsonl", [Line("E2 Instance Core running in Americas", "3600", "seconds", "0.2")]
    )
    (folder / "gcp-skus.json").write_text('{"source": "catalog", "skus": {}}\n', encoding="utf-8")
    result = estimate([f"gcp:{folder}"], MONTH, factor_set=factors, detail=True)
    assert coverage_row(result)["billed_cost"] == Decimal("0.3")
