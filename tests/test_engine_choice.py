"""Choosing the engine: ``--engine``, ``[engine] kind``, and what happens without pyspark installed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import cloudcarbon as cc
from cloudcarbon.cli import main
from cloudcarbon.engine import ENGINES
from tests.conftest import cur_row, write_cur


@pytest.fixture
def cur(tmp_path: Path) -> Path:
    return write_cur(tmp_path / "cur.csv", [cur_row("BoxUsage:m5.large", "1", "0.096", "Hrs")])


def test_engines() -> None:
    assert ENGINES == ("duckdb", "spark")


def test_engine_spark_without_pyspark_names_the_extra(
    cur: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # an entry of None in sys.modules makes `import pyspark` raise ImportError, as when it is not installed
    monkeypatch.setitem(sys.modules, "pyspark", None)
    argv = [
        "cloudcarbon",
        "estimate",
        "-m",
        "2026-10",
        "-s",
        f"aws:{cur}",
        "--engine",
        "spark",
        "--no-record",
    ]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as done:
        main()
    out, err = capsys.readouterr()
    assert done.value.code == cc.ConfigError.exit_code == 4
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "pip install 'cloudcarbon[spark]'" in lines[0]
    assert out == ""


def test_library_engine_spark_without_pyspark(cur: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(cc.ConfigError, match=r"cloudcarbon\[spark\]"):
        cc.estimate([f"aws:{cur}"], "2026-10", engine="spark")


def test_unknown_engine_is_a_usage_error(
    cur: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["cloudcarbon", "estimate", "-m", "2026-10", "-s", f"aws:{cur}", "--engine", "polars"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 2
    assert "choose from duckdb, spark" in capsys.readouterr().err


def test_config_engine_kind(tmp_path: Path) -> None:
    from cloudcarbon.config import load_config

    path = tmp_path / "cloudcarbon.toml"
    path.write_text('[engine]\nkind = "spark"\n', encoding="utf-8")
    assert load_config(path).engine.kind == "spark"
    path.write_text('[engine]\nkind = "pandas"\n', encoding="utf-8")
    with pytest.raises(cc.ConfigError):
        load_config(path)


@pytest.mark.parametrize(
    "uri", ["s3a://acme-billing/cur", "abfss://c@acct.dfs.core.windows.net/x", "gs://b/k"]
)
def test_object_store_uri_on_duckdb_names_engine_spark(
    uri: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The embedded engine cannot list a bucket: one line saying to use --engine spark or download."""
    argv = ["cloudcarbon", "estimate", "-m", "2026-10", "-s", f"aws:{uri}", "--no-record"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as done:
        main()
    out, err = capsys.readouterr()
    assert done.value.code == cc.SourceError.exit_code
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert uri in lines[0] and "--engine spark" in lines[0] and "download" in lines[0]
    assert out == ""
    with pytest.raises(cc.SourceError, match="--engine spark"):
        cc.estimate([uri], "2026-10")


def test_file_uri_on_duckdb_reads_the_local_file(cur: Path) -> None:
    # one m5.large hour billed 0.096 (the file written by the fixture)
    result = cc.estimate([f"aws:{cur.as_uri()}"], "2026-10")
    assert str(result.coverage["billed_cost"][0]).rstrip("0") == "0.096"
    assert [f.path for f in result.inputs] == [str(cur)]


def test_config_engine_spark_model(tmp_path: Path) -> None:
    from cloudcarbon.config import load_config

    path = tmp_path / "cloudcarbon.toml"
    path.write_text('[engine]\nkind = "spark"\n', encoding="utf-8")
    assert load_config(path).engine.spark_model == "driver"  # the default
    path.write_text('[engine]\nkind = "spark"\nspark_model = "spark"\n', encoding="utf-8")
    assert load_config(path).engine.spark_model == "spark"
    path.write_text('[engine]\nspark_model = "cluster"\n', encoding="utf-8")
    with pytest.raises(cc.ConfigError, match="spark_model"):
        load_config(path)
