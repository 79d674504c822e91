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
