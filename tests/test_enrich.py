"""``cloudcarbon enrich``: every billing row of the month out, in order, with carbon columns appended.

Hand-worked figures come from the pinned factor set (``factors/2026.11``):

* ``instances.csv``: aws m5.large, 2 vCPU, 8 GB, Skylake, host 96 vCPU, host embodied 1610.79 kgCO2e
* ``cpu_power.csv``: aws Skylake 0.612989 W (idle) to 4.10417 W (max) per vCPU
* ``coefficients.csv``: CPU utilisation 0.5 (band 0.1 to 0.9), memory 0.000392 kWh per GB-hour, server
  lifespan 35,040 h
* ``pue.csv``: aws provider average 1.135
* grid: no 2026 rows, so the latest year, ``grid_intensity_odbl.csv`` Electricity Maps 2025 us-east-1
  (zone US-MIDA-PJM) 418 gCO2e/kWh, flagged ``year_substituted`` (band +-10 %)
"""

from __future__ import annotations

import csv
import errno
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from cloudcarbon import estimate, load_config
from cloudcarbon._demo import write_demo
from cloudcarbon.enrichment import CARBON_COLUMNS, DATA_QUALITY, OutputError, enrich
from cloudcarbon.factors import FactorSet
from tests.conftest import PINNED_FACTORS, cur_row
from tests.hostile._build import cli, one_line_error

MONTH = "2026-10"
REL = 1e-6

FOCUS_COLUMNS = [
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeDescription",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ConsumedQuantity",
    "ConsumedUnit",
    "BilledCost",
    "EffectiveCost",
    "ProviderName",
    "RegionId",
    "ServiceName",
    "SubAccountId",
    "SubAccountName",
    "Tags",
    "x_UsageType",
]

HOSTILE_TAGS = json.dumps(
    {
        "team": "=1+1",
        "note": "<script>alert(1)</script>",
        "ctl": "a\x1bb\u202ec",
        "name": "Zoë 東京",
        "quote": 'say "hi", then\nleave',
    },
    ensure_ascii=False,
)
HOSTILE_NAME = '=HYPERLINK("http://evil.example","x")'


def _row(category: str, cost: str, **kw: str) -> dict[str, str]:
    row = {
        "BillingAccountId": "000011112222",
        "BillingCurrency": "USD",
        "BillingPeriodStart": "2026-10-01T00:00:00Z",
        "ChargeCategory": category,
        "ChargeDescription": "",
        "ChargePeriodStart": "2026-10-05T10:00:00Z",
        "ChargePeriodEnd": "2026-10-05T11:00:00Z",
        "ConsumedQuantity": "",
        "ConsumedUnit": "",
        "BilledCost": cost,
        "EffectiveCost": cost,
        "ProviderName": "AWS",
        "RegionId": "us-east-1",
        "ServiceName": "Amazon Elastic Compute Cloud",
        "SubAccountId": "012345678901",
        "SubAccountName": "shop",
        "Tags": '{"project":"shop"}',
        "x_UsageType": "",
    }
    row.update(kw)
    return row


def _m5_hour(**kw: str) -> dict[str, str]:
    return _row(
        "Usage",
        "0.096",
        ChargeDescription="$0.096 per On Demand Linux m5.large Instance Hour",
        ConsumedQuantity="1",
        ConsumedUnit="Hours",
        x_UsageType="BoxUsage:m5.large",
        **kw,
    )


def _small_focus(path: Path) -> Path:
    rows = [
        _m5_hour(),
        _row("Tax", "0.50", ServiceName="Tax", RegionId="", Tags=""),
        _m5_hour(SubAccountName=HOSTILE_NAME, Tags=HOSTILE_TAGS),
        _row("Credit", "-0.20", Tags=""),
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FOCUS_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


def _input_table(path: Path) -> pa.Table:
    """The FOCUS CSV read back independently, every cell as text (as cloudcarbon reads CSV)."""
    with path.open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    opts = pa_csv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    return pa_csv.read_csv(path, convert_options=opts)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path]:
    root = tmp_path_factory.mktemp("demo")
    sources, config = write_demo(root, MONTH)
    return sources, config


@pytest.fixture(scope="module")
def focus_demo(
    demo: tuple[list[str], Path], factors: FactorSet, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, Any]:
    """The demo month's FOCUS export enriched to Parquet, and the estimate of the same month and source."""
    sources, config = demo
    focus = next(s for s in sources if s.startswith("focus:"))
    out = tmp_path_factory.mktemp("out") / "focus-enriched.parquet"
    enrich([focus], MONTH, out, config=load_config(config), factor_set=factors)
    result = estimate([focus], MONTH, config=load_config(config), factor_set=factors)
    return Path(focus.removeprefix("focus:")), out, result


# ---------------------------------------------------------------------------------------------- FOCUS in


def test_focus_rows_come_out_whole_and_in_order(focus_demo: tuple[Path, Path, Any]) -> None:
    src, out, _ = focus_demo
    given = _input_table(src)
    got = pq.read_table(out)
    # every input row, in input order, its own columns unchanged, then the carbon columns
    assert got.num_rows == given.num_rows == 95
    assert got.column_names == [*given.column_names, *CARBON_COLUMNS]
    assert got.select(given.column_names).equals(given)
    assert got["x_CloudCarbonSourceRow"].to_pylist() == list(range(1, given.num_rows + 1))


def test_focus_rows_add_up_to_the_estimate(focus_demo: tuple[Path, Path, Any]) -> None:
    _, out, result = focus_demo
    got = pl.from_arrow(pq.read_table(out))
    assert isinstance(got, pl.DataFrame)
    for column, total in (
        ("x_CarbonEmissionEquivalentLocationBased", "co2e_kg"),
        ("x_CarbonEmissionEquivalentLocationBasedLow", "co2e_kg_low"),
        ("x_CarbonEmissionEquivalentLocationBasedHigh", "co2e_kg_high"),
        ("x_EmbodiedEmissions", "embodied_co2e_kg"),
    ):
        assert got[column].sum() == pytest.approx(result.total(total), rel=1e-9), column
    # facility energy (IT energy x PUE) adds up to the estimate's energy
    facility = (got["x_PowerConsumption"] * got["x_PUE"]).sum()
    assert facility == pytest.approx(result.total("energy_kwh"), rel=1e-9)
    # billed cost of the rows by data quality = the estimate's coverage split
    cov = result.coverage_of("USD")
    cost = got.with_columns(pl.col("BilledCost").cast(pl.Decimal(38, 18)))
    for quality, key in (
        ("Estimated", "estimated_cost"),
        ("Fallback", "fallback_cost"),
        ("Excluded", "excluded_cost"),
    ):
        part = cost.filter(pl.col("x_CloudCarbonDataQuality") == quality)["BilledCost"].sum()
        assert part == cov[key], quality


def test_market_based_and_wue_are_null_and_said_so(focus_demo: tuple[Path, Path, Any]) -> None:
    _, out, _ = focus_demo
    got = pq.read_table(out)
    assert got["x_CarbonEmissionEquivalentMarketBased"].null_count == got.num_rows
    assert got["x_WUE"].null_count == got.num_rows
    meta = {k.decode(): v.decode() for k, v in (got.schema.metadata or {}).items()}
    assert "no market-based" in meta["cloudcarbon.market_based"]
    assert "no water-usage" in meta["cloudcarbon.wue"]
    assert meta["cloudcarbon.month"] == MONTH
    assert meta["cloudcarbon.method"] == "cloudcarbon"
    assert meta["cloudcarbon.factor_set.version"] == PINNED_FACTORS
    assert len(meta["cloudcarbon.factor_set.sha256"]) == 64
    assert meta["cloudcarbon.version"]
    assert meta["cloudcarbon.columns"] == "focus"
    units = {f.name: (f.metadata or {}).get(b"unit", b"").decode() for f in got.schema}
    assert units["x_PowerConsumption"] == "kWh"
    assert units["x_CarbonEmissionEquivalentLocationBased"] == "kgCO2e"
    assert units["x_EmbodiedEmissions"] == "kgCO2e"
    assert units["x_GridEmissionFactor"] == "gCO2e/kWh"
    assert set(got["x_CloudCarbonDataQuality"].to_pylist()) <= set(DATA_QUALITY) - {"Calibrated"}


def test_excluded_rows_come_out_with_null_figures_and_reason(focus_demo: tuple[Path, Path, Any]) -> None:
    _, out, _ = focus_demo
    got = pl.from_arrow(pq.read_table(out))
    assert isinstance(got, pl.DataFrame)
    excluded = got.filter(pl.col("x_CloudCarbonDataQuality") == "Excluded")
    assert excluded.height > 0
    assert excluded["x_CloudCarbonDataQualityReason"].null_count() == 0
    for c in (
        "x_PowerConsumption",
        "x_CarbonEmissionEquivalentLocationBased",
        "x_EmbodiedEmissions",
        "x_PUE",
    ):
        assert excluded[c].null_count() == excluded.height, c
    # the input's non-usage charges are the excluded rows
    assert set(excluded["ChargeCategory"].to_list()) <= {"Tax", "Credit", "Purchase", "Adjustment", "Usage"}
    assert got.filter(pl.col("ChargeCategory") == "Tax")["x_CloudCarbonDataQuality"].to_list() == [
        "Excluded"
    ] * len(got.filter(pl.col("ChargeCategory") == "Tax"))


# ---------------------------------------------------------------------------------------------- hand-worked


def test_one_m5_large_hour_by_hand(tmp_path: Path, factors: FactorSet) -> None:
    src = _small_focus(tmp_path / "focus.csv")
    out = tmp_path / "out.parquet"
    res = enrich([f"focus:{src}"], MONTH, out, factor_set=factors)
    assert res.rows == 4
    rows = pq.read_table(out).to_pylist()
    r = rows[0]
    # CPU W = 2 vCPU x (0.612989 + 0.5 x (4.10417 - 0.612989)) = 2 x 2.3585795 = 4.717159 W -> 0.004717159 kWh
    # memory = 1 h x 8 GB x 0.000392 = 0.003136 kWh; IT energy = 0.007853159 kWh
    assert r["x_PowerConsumption"] == pytest.approx(0.007853159, rel=REL)
    assert r["x_PUE"] == pytest.approx(1.135)
    assert r["x_GridEmissionFactor"] == pytest.approx(418.0)
    # CO2e = 0.007853159 x 1.135 x 418 / 1000 = 0.008913335 x 0.418 = 0.003725774 kg
    assert r["x_CarbonEmissionEquivalentLocationBased"] == pytest.approx(0.003725774, rel=REL)
    # low: CPU W = 2 x (0.612989 + 0.1 x 3.491181) = 1.9242142 W; IT 0.0050602142 kWh
    # x 1.135 = 0.005743343 kWh, x 418 x 0.9 (grid year substituted: -10 %) / 1000 = 0.002160646 kg
    assert r["x_CarbonEmissionEquivalentLocationBasedLow"] == pytest.approx(0.002160646, rel=REL)
    # embodied = 1610.79 kg x 1 h / 35040 h x 2 / 96 vCPU = 0.000957710 kg
    assert r["x_EmbodiedEmissions"] == pytest.approx(0.000957710, rel=1e-5)
    assert r["x_CarbonEmissionEquivalentMarketBased"] is None
    assert r["x_CloudCarbonDataQuality"] == "Estimated"
    assert r["x_CloudCarbonDataQualityReason"] == "grid_year_substituted"
    tax, hostile, credit = rows[1], rows[2], rows[3]
    assert (tax["ChargeCategory"], tax["x_CloudCarbonDataQuality"]) == ("Tax", "Excluded")
    assert tax["x_CloudCarbonDataQualityReason"] == "tax"
    assert tax["x_CarbonEmissionEquivalentLocationBased"] is None
    assert (credit["BilledCost"], credit["x_CloudCarbonDataQuality"]) == ("-0.20", "Excluded")
    # the same hour with hostile text: same figures, text exactly as written
    assert hostile["x_CarbonEmissionEquivalentLocationBased"] == pytest.approx(0.003725774, rel=REL)
    assert hostile["Tags"] == HOSTILE_TAGS
    assert hostile["SubAccountName"] == HOSTILE_NAME


def test_hostile_text_in_csv_is_not_a_formula(tmp_path: Path, factors: FactorSet) -> None:
    src = _small_focus(tmp_path / "focus.csv")
    out = tmp_path / "out.csv"
    enrich([f"focus:{src}"], MONTH, out, factor_set=factors)
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4
    assert rows[2]["SubAccountName"] == "'" + HOSTILE_NAME
    assert rows[2]["Tags"] == HOSTILE_TAGS  # JSON starts with '{': not live, kept exactly
    assert rows[3]["BilledCost"] == "-0.20"  # a negative number is a value, not a formula
    assert float(rows[0]["x_CarbonEmissionEquivalentLocationBased"]) == pytest.approx(0.003725774, rel=REL)


def test_rows_of_other_months_are_not_written(tmp_path: Path, factors: FactorSet) -> None:
    src = tmp_path / "focus.csv"
    rows = [
        _m5_hour(),
        _m5_hour(BillingPeriodStart="2026-09-01T00:00:00Z", ChargePeriodStart="2026-09-05T10:00:00Z"),
        _row("Tax", "0.50"),
    ]
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FOCUS_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "out.parquet"
    enrich([f"focus:{src}"], MONTH, out, factor_set=factors)
    got = pq.read_table(out)
    assert got["x_CloudCarbonSourceRow"].to_pylist() == [1, 3]
    assert got["ChargeCategory"].to_pylist() == ["Usage", "Tax"]


# ---------------------------------------------------------------------------------------------- other exports


def test_demo_month_from_every_source(
    demo: tuple[list[str], Path], factors: FactorSet, tmp_path: Path
) -> None:
    sources, config = demo
    out = tmp_path / "demo.parquet"
    res = enrich(sources, MONTH, out, config=load_config(config), factor_set=factors)
    got = pl.from_arrow(pq.read_table(out))
    assert isinstance(got, pl.DataFrame)
    assert res.columns == "converted"
    # every billing row of the month: as many as the estimate counts
    assert got.height == res.rows == int(res.estimate.coverage["rows"].sum())
    assert got["x_CarbonEmissionEquivalentLocationBased"].sum() == pytest.approx(
        res.estimate.total("co2e_kg"), rel=1e-9
    )
    for name in ("BilledCost", "BillingCurrency", "ChargePeriodStart", "ServiceName", "RegionId", "Tags"):
        assert name in got.columns
    # sources in the order given, rows of each file in file order
    files = got["x_CloudCarbonSourceFile"].to_list()
    firsts = list(dict.fromkeys(files))
    kinds = [next(i for i, s in enumerate(sources) if s.split(":", 1)[1] in f) for f in firsts]
    assert kinds == sorted(kinds) == list(range(len(sources)))
    assert got.height == sum(1 for _ in files)
    for f in firsts:
        part = got.filter(pl.col("x_CloudCarbonSourceFile") == f)["x_CloudCarbonSourceRow"]
        assert part.is_sorted(), f
        # a file's rows come out as one block
        idx = [i for i, x in enumerate(files) if x == f]
        assert idx == list(range(idx[0], idx[0] + len(idx))), f


# ---------------------------------------------------------------------------------------------- bad output


def test_missing_output_folder_is_one_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _small_focus(tmp_path / "focus.csv")
    out = tmp_path / "no-such-folder" / "out.parquet"
    code, err = cli(["enrich", "-m", MONTH, "-s", f"focus:{src}", "-o", str(out)], monkeypatch, capsys)
    one_line_error(code, err, 2, str(out), "does not exist")
    assert not out.parent.exists()


def test_output_under_a_file_or_onto_a_folder_is_refused(tmp_path: Path) -> None:
    src = _small_focus(tmp_path / "focus.csv")
    with pytest.raises(OutputError, match="not a folder"):
        enrich([f"focus:{src}"], MONTH, src / "out.parquet")
    (tmp_path / "dir.parquet").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        enrich([f"focus:{src}"], MONTH, tmp_path / "dir.parquet")
    with pytest.raises(OutputError, match=r"\.parquet or \.csv"):
        enrich([f"focus:{src}"], MONTH, tmp_path / "out.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.parquet", "focus.csv"]


def test_unwritable_folder_is_one_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _small_focus(tmp_path / "focus.csv")
    locked = tmp_path / "locked"
    locked.mkdir()
    # root ignores folder permissions: make the check see what a user without write access would see
    monkeypatch.setattr("cloudcarbon.enrichment.os.access", lambda p, mode: Path(p) != locked)
    out = locked / "out.parquet"
    code, err = cli(["enrich", "-m", MONTH, "-s", f"focus:{src}", "-o", str(out)], monkeypatch, capsys)
    one_line_error(code, err, 2, str(out), "not writable")
    assert list(locked.iterdir()) == []


def test_a_failed_run_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _small_focus(tmp_path / "focus.csv")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "out.parquet"
    out.write_bytes(b"previous")
    # no rows in 2026-07: exit code 3, the previous file untouched, no temporary left behind
    code, err = cli(["enrich", "-m", "2026-07", "-s", f"focus:{src}", "-o", str(out)], monkeypatch, capsys)
    assert code == 3, err
    assert "Traceback" not in err
    assert out.read_bytes() == b"previous"
    assert [p.name for p in out_dir.iterdir()] == ["out.parquet"]


def test_an_enriched_file_is_not_enriched_again(tmp_path: Path, factors: FactorSet) -> None:
    src = _small_focus(tmp_path / "focus.csv")
    first = tmp_path / "first.csv"
    enrich([f"focus:{src}"], MONTH, first, factor_set=factors)
    with pytest.raises(Exception, match="looks enriched already"):
        enrich([f"focus:{first}"], MONTH, tmp_path / "second.parquet", factor_set=factors)
    assert not (tmp_path / "second.parquet").exists()


def test_cli_writes_the_file_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _small_focus(tmp_path / "focus.csv")
    out = tmp_path / "out.parquet"
    args = ["enrich", "-m", MONTH, "-s", f"focus:{src}", "-o", str(out), "--factors", PINNED_FACTORS]
    code, err = cli(args, monkeypatch, capsys)
    assert code == 0, err
    assert "wrote 4 rows" in err
    assert pq.read_table(out).num_rows == 4
    code, err = cli([*args, "--quiet"], monkeypatch, capsys)
    assert (code, err) == (0, "")


def test_a_write_that_fails_midway_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _small_focus(tmp_path / "focus.csv")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "out.parquet"

    def full_disk(self: pq.ParquetWriter, batch: pa.RecordBatch, row_group_size: int | None = None) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    # the temporary file exists (the writer opened it) when the disk fills up
    monkeypatch.setattr(pq.ParquetWriter, "write_batch", full_disk)
    code, err = cli(["enrich", "-m", MONTH, "-s", f"focus:{src}", "-o", str(out)], monkeypatch, capsys)
    one_line_error(code, err, 2, str(out), "No space left on device")
    assert list(out_dir.iterdir()) == []


def test_a_folder_of_focus_parquet_files(tmp_path: Path, factors: FactorSet) -> None:
    folder = tmp_path / "focus"
    folder.mkdir()
    table = _input_table(_small_focus(tmp_path / "focus.csv"))
    # Parquet keeps its types: the quantity as a double; the second file has one more column
    first = table.set_column(
        table.schema.get_field_index("ConsumedQuantity"),
        "ConsumedQuantity",
        table["ConsumedQuantity"].cast(pa.float64()),
    )
    second = first.slice(0, 2).append_column("x_Team", pa.array(["=1+1", None]))
    pq.write_table(first, folder / "a.parquet")
    pq.write_table(second, folder / "b.parquet")
    out = tmp_path / "out.parquet"
    res = enrich([f"focus:{folder}"], MONTH, out, factor_set=factors)
    got = pq.read_table(out)
    assert res.rows == got.num_rows == 6
    assert got.column_names == [*first.column_names, "x_Team", *CARBON_COLUMNS]
    assert got.schema.field("ConsumedQuantity").type == pa.float64()
    assert got.select(first.column_names).equals(pa.concat_tables([first, second.drop_columns(["x_Team"])]))
    assert got["x_Team"].to_pylist() == [None] * 4 + ["=1+1", None]
    assert got["x_CloudCarbonSourceRow"].to_pylist() == [1, 2, 3, 4, 1, 2]
    assert [Path(f).name for f in got["x_CloudCarbonSourceFile"].to_pylist()] == ["a.parquet"] * 4 + [
        "b.parquet"
    ] * 2


def test_cur_rows_come_out_under_focus_names(
    cur_file: Callable[..., Path], tmp_path: Path, factors: FactorSet
) -> None:
    hostile = "=cmd|' /C calc'!A0 <script>x</script> \x1b[31m Zoë"
    path = cur_file(
        [
            cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project=hostile),
            cur_row("Tax", 1, "-0.50", "", line_item_type="Tax"),
        ]
    )
    out = tmp_path / "cur.parquet"
    res = enrich([f"aws:{path}"], MONTH, out, factor_set=factors)
    got = pq.read_table(out)
    assert res.columns == "converted"
    assert got.num_rows == 2
    focus_names = {"BilledCost", "BillingCurrency", "ChargePeriodStart", "ServiceName", "RegionId"}
    assert focus_names <= set(got.column_names)
    first, tax = got.to_pylist()
    where = (first["ServiceName"], first["RegionId"], first["BillingCurrency"])
    assert where == ("AmazonEC2", "us-east-1", "USD")
    assert str(first["BilledCost"]) == "2.304000000000000000"
    assert json.loads(first["Tags"])["user:project"] == hostile
    # the m5.large day: IT energy 24 x (4.717159 W CPU + 8 GB x 0.392 W/GB) / 1000 = 0.188475816 kWh;
    # x 1.135 x 418 / 1000 = 0.089418581 kg
    assert first["x_PowerConsumption"] == pytest.approx(0.188475816, rel=REL)
    assert first["x_CarbonEmissionEquivalentLocationBased"] == pytest.approx(0.089418581, rel=REL)
    assert (tax["x_CloudCarbonDataQuality"], tax["x_CloudCarbonDataQualityReason"]) == ("Excluded", "tax")
    assert tax["x_PowerConsumption"] is None
    units = {f.name: (f.metadata or {}).get(b"unit", b"").decode() for f in got.schema}
    assert units["BilledCost"] == "BillingCurrency"


def test_market_based_and_water_filled_where_a_factor_exists(tmp_path: Path) -> None:
    """Factor set 2026.12.1 with a user residual mix: an m5.large day in us-east-1 (eGRID SRVC).

    energy 0.128495411 kWh (whole-server: 2 x 2.3585795 W x 24 h x PUE 1.135),
    IT 0.128495411 / 1.135 = 0.113211816 kWh;
    market = 0.128495411 x 300 g/kWh / 1000 = 0.0385486233 kg; WUE us-east-1 = 0.12 L per IT kWh (AWS 2024);
    water = 0.113211816 x 0.12 + 0.128495411 x 2.312704 (WRI, SRVC) = 0.013585418 + 0.297171851 L.
    """
    from cloudcarbon.config import Config, MarketOptions
    from cloudcarbon.residual_mix import read_residual_mix
    from tests.conftest import write_cur

    src = write_cur(
        tmp_path / "cur.csv", [cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large")]
    )
    rm = tmp_path / "rm.csv"
    rm.write_text("zone,year,g_co2e_per_kwh,source\nSRVC,2025,300,Green-e test edition\n", encoding="utf-8")
    cfg = Config(market=MarketOptions(residual_mix=str(rm), residual_rows=read_residual_mix(rm)))
    out = tmp_path / "out.parquet"
    enrich([src], MONTH, out, config=cfg, factor_set="2026.12.1")
    r = pq.read_table(out).to_pylist()[0]
    assert r["x_CarbonEmissionEquivalentMarketBased"] == pytest.approx(0.0385486233, rel=1e-6)
    assert "SRVC 2025" in r["x_CloudCarbonMarketBasedReason"]
    assert r["x_WUE"] == pytest.approx(0.12)
    assert r["x_WaterConsumption"] == pytest.approx(0.013585418 + 0.297171851, rel=1e-6)
