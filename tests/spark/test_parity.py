"""The Spark engine gives the embedded engine's figures, group by group (issue 10).

The expected figures are not this engine's own: they are the DuckDB engine's result on the same input,
which the rest of the suite checks against hand-worked and published figures. On the demo month (all five
sources: AWS CUR CSV.gz through its manifests, GCP JSON lines, Azure CSV, FOCUS CSV, the inventory),
for every method of ``cloudcarbon.pipeline.METHODS``, Spark's groups must equal DuckDB's: the same keys,
text and counts exactly, every number within 1e-9 relative; the coverage adds up per currency
(estimated + fallback + excluded = billed). A CUR 2.0 Parquet file (typed decimals, zone-aware
timestamps, MAP columns) and a ``file://`` URI source are checked the same way.

``rows`` (billing rows behind each group) is compared exactly, so a row Spark dropped or read twice
fails the test. pyspark is installed by the test set-up (``scripts/dev.py test``, ``.ci/run``); the
tests are skipped only when pyspark is absent AND ``CLOUDCARBON_SKIP_SPARK=1`` is set.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import cloudcarbon as cc
from cloudcarbon.pipeline import METHODS, estimate
from tests.connectors.test_aws_cur import Line, write_cur2_parquet

OPT_OUT = "CLOUDCARBON_SKIP_SPARK"
MONTH = "2026-10"
REL = 1e-9

try:
    import pyspark  # noqa: F401

    HAVE_SPARK = True
except ImportError:  # pragma: no cover - CI installs it
    HAVE_SPARK = False

if not HAVE_SPARK:
    if os.environ.get(OPT_OUT) == "1":
        pytest.skip(
            f"{OPT_OUT}=1 and pyspark is not installed: Spark parity skipped", allow_module_level=True
        )
    raise RuntimeError(
        f"pyspark is needed for the Spark parity tests: pip install 'cloudcarbon[spark]' "
        f"(or set {OPT_OUT}=1 to skip them on purpose)"
    )


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    x, y = float(a), float(b)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return abs(x - y) <= REL * max(abs(x), abs(y)) or abs(x - y) < 1e-300


def _numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() and not dtype.is_integer()


def assert_same_groups(duck: pl.DataFrame, spark: pl.DataFrame) -> float:
    """Equal group by group (keys and text exact, integers exact, numbers within REL); the largest
    relative difference seen."""
    assert sorted(duck.columns) == sorted(spark.columns)
    spark = spark.select(duck.columns)
    numeric = [c for c, t in duck.schema.items() if _numeric(t)]
    keys = [c for c in duck.columns if c not in numeric]
    assert duck.height == spark.height, f"{duck.height} groups on DuckDB, {spark.height} on Spark"
    d = duck.sort(keys, nulls_last=True)
    s = spark.sort(keys, nulls_last=True)
    # keys, text, counts (rows) and timestamps exactly
    assert d.select(keys).to_dicts() == s.select(keys).to_dicts()
    worst = 0.0
    for c in numeric:
        for i, (a, b) in enumerate(zip(d[c].to_list(), s[c].to_list(), strict=True)):
            assert _close(a, b), f"group {i} column {c}: DuckDB {a!r}, Spark {b!r}"
            if a is not None and b is not None and float(a) != 0.0:
                worst = max(worst, abs(float(a) - float(b)) / abs(float(a)))
    return worst


def assert_coverage_adds_up(result: cc.EstimateResult) -> None:
    for row in result.coverage.to_dicts():
        parts = sum(Decimal(str(row[f"{f}_cost"] or 0)) for f in ("estimated", "fallback", "excluded"))
        assert parts == Decimal(str(row["billed_cost"])), row


@pytest.mark.parametrize(
    "model",
    ["driver", "spark"],
)
@pytest.mark.parametrize("method", METHODS)
def test_demo_month_same_groups_on_spark(
    spark: Any,
    demo: tuple[list[str], cc.Config],
    duck_demo: Callable[[str], cc.EstimateResult],
    method: str,
    model: str,
) -> None:
    """Every method, with the model on the driver's embedded engine (default) and on Spark (the whole
    pipeline on Spark), gives DuckDB's groups."""
    sources, config = demo
    duck = duck_demo(method)
    on_spark = estimate(
        sources,
        MONTH,
        config=config,
        method=method,
        group_by=["provider", "project"],
        spark=spark,
        spark_model=model,
    )
    # every provider of the demo is in the result (a source Spark read as empty would drop out)
    assert set(duck.groups["ProviderName"].unique()) >= {"aws", "gcp", "azure"}
    worst = assert_same_groups(duck.groups, on_spark.groups)
    assert on_spark.coverage["rows"].to_list() == duck.coverage["rows"].to_list()
    assert_coverage_adds_up(on_spark)
    assert on_spark.total("co2e_kg") == pytest.approx(duck.total("co2e_kg"), rel=REL)
    print(f"{method} (model on {model}): {duck.groups.height} groups, max relative difference {worst:.3g}")


def test_model_on_spark_runs_on_spark(spark: Any, demo: tuple[list[str], cc.Config]) -> None:
    """With spark_model="spark" the model's frames are Spark DataFrames (nothing moves to the driver's
    engine), with "driver" they are DuckDB relations."""
    import narwhals as nw

    from cloudcarbon.config import EngineOptions
    from cloudcarbon.spark import open_spark_engine

    frame = pl.DataFrame({"a": [1.0]})
    for choice, module in (("spark", "pyspark."), ("driver", "duckdb")):
        with open_spark_engine(spark, EngineOptions(spark_model=choice)) as engine:
            lf = engine.materialize(nw.from_native(spark.createDataFrame(frame.to_arrow())))
            # DuckDB 1.4 names the module "_duckdb", 2.0 "duckdb"
            assert type(lf.to_native()).__module__.lstrip("_").startswith(module), choice
            assert engine.to_lazy(frame).collect(backend="polars").to_native().equals(frame)


def test_split_on_is_literal_on_every_engine(spark: Any) -> None:
    """Spark's ``split`` reads its separator as a regular expression (``"."`` is any character, so
    ``"m5.xlarge"`` splits into empty strings and CCF's vCPU key of every AWS row was lost on Spark);
    ``split_on`` splits on the text on DuckDB and Spark, the engines the model runs on."""
    import duckdb
    import narwhals as nw

    from cloudcarbon.engine import list_item, split_on

    frame = pl.DataFrame({"k": ["m5.xlarge", "ml.g5.4xlarge", "plain", "a:b.c", None]})
    # by hand: the first two parts on ".", and the parts on ":"
    expect = [
        {"k": "a:b.c", "p0": "a:b", "p1": "c", "colon": ["a", "b.c"]},
        {"k": "m5.xlarge", "p0": "m5", "p1": "xlarge", "colon": ["m5.xlarge"]},
        {"k": "ml.g5.4xlarge", "p0": "ml", "p1": "g5", "colon": ["ml.g5.4xlarge"]},
        {"k": "plain", "p0": "plain", "p1": None, "colon": ["plain"]},
        {"k": None, "p0": None, "p1": None, "colon": None},
    ]
    con = duckdb.connect()  # kept: DuckDB 1.4 closes a connection nothing refers to
    natives = {
        "duckdb": con.from_arrow(frame.to_arrow()),
        "spark": spark.createDataFrame(frame.to_arrow()),
    }
    for name, native in natives.items():
        dots = split_on(nw.col("k"), ".")
        out = (
            nw.from_native(native)
            .select(
                "k",
                list_item(dots, 0).alias("p0"),
                list_item(dots, 1).alias("p1"),
                split_on(nw.col("k"), ":").alias("colon"),
            )
            .collect(backend="polars")
            .to_native()
            .sort("k", nulls_last=True)
        )
        assert out.to_dicts() == expect, name


def test_unknown_spark_model_is_refused(spark: Any, demo: tuple[list[str], cc.Config]) -> None:
    sources, config = demo
    with pytest.raises(cc.ConfigError, match="spark_model 'cluster'"):
        estimate(sources[:1], MONTH, config=config, spark=spark, spark_model="cluster")


def _lines() -> list[Line]:
    # two instance hours of one m5.xlarge, a storage line and a tax line (excluded)
    hour2 = {"start": "2026-10-01T01:00:00Z", "end": "2026-10-01T02:00:00Z"}
    return [
        Line("USW2-BoxUsage:m5.xlarge", "1", "0.192", "Hrs", instance="m5.xlarge", vcpu="4", memory="16 GiB"),
        Line("USW2-BoxUsage:m5.xlarge", "1", "0.192", "Hrs", instance="m5.xlarge", vcpu="4", **hour2),
        Line("USW2-TimedStorage-ByteHrs", "100", "2.30", "GB-Mo", product="AmazonS3", project="web"),
        Line("", "0", "1.25", "", line_item_type="Tax"),
    ]


def test_cur2_parquet_and_file_uri_on_spark(spark: Any, tmp_path: Path) -> None:
    folder = tmp_path / "cur2"
    folder.mkdir()
    write_cur2_parquet(folder / "export-00001.snappy.parquet", _lines())
    duck = estimate([f"aws:{folder}"], MONTH)
    uri = f"aws:{folder.as_uri()}"  # file:///...
    on_spark = estimate([uri], MONTH, spark=spark)
    assert duck.coverage["rows"].to_list() == [4]
    assert_same_groups(duck.groups, on_spark.groups)
    assert_coverage_adds_up(on_spark)


def test_bad_value_on_spark_names_file_row_column(spark: Any, tmp_path: Path) -> None:
    from tests.conftest import cur_row, write_cur

    ec2 = ("BoxUsage:m5.large", "1", "0.096", "Hrs")
    path = write_cur(
        tmp_path / "cur.csv",
        [cur_row(*ec2), cur_row(*ec2), cur_row("BoxUsage:m5.large", "one and a half", "0.096", "Hrs")],
    )
    with pytest.raises(cc.SourceError) as err:
        estimate([f"aws:{path}"], MONTH, spark=spark)
    text = str(err.value)
    assert "row 3" in text and "lineItem/UsageAmount" in text and str(path) in text


def test_cli_engine_spark(spark: Any, demo: tuple[list[str], cc.Config]) -> None:
    """``--engine spark`` runs on the active session and prints the same total as the default engine."""
    import json

    from typer.testing import CliRunner

    from cloudcarbon.cli import app

    sources, _ = demo
    focus = next(s for s in sources if s.startswith("focus:"))
    runner = CliRunner()
    args = ["estimate", "-m", MONTH, "-s", focus, "--format", "json", "--no-record"]
    duck = runner.invoke(app, args)
    on_spark = runner.invoke(app, [*args, "--engine", "spark"])
    assert duck.exit_code == 0, duck.output
    assert on_spark.exit_code == 0, on_spark.output
    a, b = json.loads(duck.stdout), json.loads(on_spark.stdout)
    assert a["totals"].keys() == b["totals"].keys()
    for k, v in a["totals"].items():
        assert _close(v, b["totals"][k]) if isinstance(v, float) else v == b["totals"][k], k
    assert a["coverage"] == b["coverage"]
