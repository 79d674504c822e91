"""One local SparkSession for the whole test session (starting one costs seconds), and the demo month
with its DuckDB results computed once and shared by the Spark test files."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import cloudcarbon as cc
from cloudcarbon.pipeline import estimate

MONTH = "2026-10"


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """Local mode on 2 threads, 2 shuffle partitions, no UI, UTC; adaptive execution off (on inputs of a
    few rows its re-planning costs more than it saves) and whole-stage code generation off
    (interpreting the wide mapping SELECT is faster than compiling it for a few rows)."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("cloudcarbon-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.codegen.wholeStage", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("OFF")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], cc.Config]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cc.demo_sources(tmp_path_factory.mktemp("demo"), MONTH)


@pytest.fixture(scope="session")
def duck_demo(demo: tuple[list[str], cc.Config]) -> Callable[[str], cc.EstimateResult]:
    """The DuckDB engine's result on the demo month for a method, computed once per method."""
    sources, config = demo
    done: dict[str, cc.EstimateResult] = {}

    def get(method: str) -> cc.EstimateResult:
        if method not in done:
            done[method] = estimate(
                sources, MONTH, config=config, method=method, group_by=["provider", "project"]
            )
        return done[method]

    return get


def as_uri(path: Path) -> str:
    """A local path as the ``file://`` URI Hadoop's local FileSystem reads and lists: as written, not
    percent-encoded (Hadoop takes ``%3D`` literally; ``Path.as_uri`` would write ``=`` so)."""
    return "file://" + str(path.resolve())
