"""The demo month estimated once for the export tests (the factors used kept as group keys)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudcarbon._demo import write_demo
from cloudcarbon.config import load_config
from cloudcarbon.exports import estimate_for_export
from cloudcarbon.results import EstimateResult

DEMO_MONTH = "2026-10"


@pytest.fixture(scope="session")
def demo_result(tmp_path_factory: pytest.TempPathFactory) -> EstimateResult:
    root: Path = tmp_path_factory.mktemp("demo")
    sources, config = write_demo(root, DEMO_MONTH)
    return estimate_for_export(sources, DEMO_MONTH, config=load_config(config))
