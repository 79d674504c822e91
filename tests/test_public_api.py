"""The public surface is deliberate, and importing the library does not import the CLI."""

from __future__ import annotations

import subprocess
import sys

import cloudcarbon

EXPECTED = {
    "CANONICAL_USAGE",
    "GROUP_KEYS",
    "CloudCarbonError",
    "CloudCarbonWarning",
    "Config",
    "ConfigError",
    "EnrichResult",
    "EstimateResult",
    "FactorNotFound",
    "FactorSet",
    "FactorSetError",
    "MlflowLogReport",
    "MonthNotFound",
    "SchemaError",
    "SourceError",
    "SourceNotFound",
    "UnrecognisedExport",
    "ValueParseError",
    "__version__",
    "available_factor_sets",
    "demo_sources",
    "enrich",
    "estimate",
    "load_config",
    "load_factor_set",
    "load_usage",
    "mlflow_log",
}


def test_all() -> None:
    assert set(cloudcarbon.__all__) == EXPECTED
    for name in cloudcarbon.__all__:
        assert hasattr(cloudcarbon, name)


def test_import_does_not_pull_in_the_cli() -> None:
    code = "import sys, cloudcarbon; print(sorted(m for m in ('typer', 'rich', 'click') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_load_usage_is_the_canonical_table(tmp_path: object) -> None:
    from pathlib import Path

    import narwhals as nw

    from cloudcarbon.engine import open_engine
    from tests.conftest import cur_row, write_cur

    f = write_cur(
        Path(str(tmp_path)) / "cur.csv",
        [cur_row("BoxUsage:m5.large", 24, "2.30", "Hrs", instance="m5.large")],
    )
    with open_engine() as engine:
        lf = cloudcarbon.load_usage([f], engine=engine)
        assert isinstance(lf, nw.LazyFrame)
        df = lf.collect(backend="polars").to_native()
    assert set(cloudcarbon.CANONICAL_USAGE) <= set(df.columns) and "project" in df.columns
    row = df.row(0, named=True)
    assert (row["instance_type"], row["project"], row["source_row"]) == ("m5.large", "012345678901", 1)


def test_estimate_takes_an_engine_or_a_spark_session() -> None:
    """``estimate(..., engine="spark")`` or ``estimate(..., spark=session)`` (docs/spark.md); the Spark
    test of the call itself is tests/spark/test_parity.py."""
    import inspect

    params = inspect.signature(cloudcarbon.estimate).parameters
    assert params["engine"].default is None and params["engine"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["spark"].default is None and params["spark"].kind is inspect.Parameter.KEYWORD_ONLY


def test_import_does_not_pull_in_spark() -> None:
    code = "import sys, cloudcarbon; print(sorted(m for m in ('pyspark', 'sqlglot') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
