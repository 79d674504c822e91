"""``--method ccf`` against Cloud Carbon Footprint's own npm packages, row by row (tests/ccf_oracle).

CCF's published packages (``@cloud-carbon-footprint/aws@0.15.0``, ``/azure@1.8.0``, Apache-2.0; pinned by
tests/ccf_oracle/package-lock.json) run offline on rows covering every classification path
(tests/ccf_oracle/rows.py); the same rows go through the real connectors as a CUR and an Azure cost
export. The expected figures are CCF's own output, not this code's. Every row must agree within 1e-6
relative on kWh and CO2e, CCF's zeros must be zeros and the rows CCF estimates must be the rows we do.
The packages are installed once into ``.cache/ccf-oracle`` (``scripts/dev.py test`` and ``.ci/run``
do it; a direct pytest run installs them on first use). Without node/npm the tests fail; set
``CLOUDCARBON_SKIP_CCF_ORACLE=1`` to skip them explicitly.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cloudcarbon.factors import load_factor_set
from tests.ccf_oracle import harness
from tests.ccf_oracle.rows import AZURE_CRASH_ROWS

#: Rows still apart from CCF, with the cause (see docs/method.md, CCF differences). Each entry is a
#: (provider, usage type / meter) pair; the test fails if one of them starts agreeing (remove it then).
KNOWN_APART: dict[tuple[str, str], str] = {
    # Redshift dc2/ds2/ra3: CCF reads vCPU from REDSHIFT_INSTANCE_TYPES but embodied from
    # EC2_INSTANCE_TYPES; the shipped ccf_aws_instances table keeps only the Redshift row
    ("aws", "USE1-Node:dc2.large"): "redshift table",
    ("aws", "USE1-Node:ra3.4xlarge"): "redshift table",
    ("aws", "USE1-Node:ds2.xlarge"): "redshift table",
    ("aws", "USE1-Node:dc2.8xlarge"): "redshift table",
    # unknown Hrs rows: their ratio includes the Redshift rows above
    ("aws", "NatGateway-Hours"): "redshift table (Hrs ratio)",
    ("aws", "LoadBalancerUsage"): "redshift table (Hrs ratio)",
    ("aws", "USE1-VpcEndpoint-Hours"): "redshift table (Hrs ratio)",
    ("aws", "USE1-SoftwareUsage:m5.large"): "redshift table (Hrs ratio)",
    # memory of a 3-part key (m5.large.search): CCF takes family and size from its first two parts
    ("aws", "USE1-ES:m5.large.search"): "memory key",
}


@pytest.fixture(scope="module")
def modules() -> Path:
    if os.environ.get(harness.OPT_OUT) == "1":
        pytest.skip(f"{harness.OPT_OUT}=1: CCF oracle skipped on request")
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail(
            f"node and npm are needed for the CCF oracle (set {harness.OPT_OUT}=1 to skip on purpose)"
        )
    return harness.ensure_installed()


@pytest.fixture(scope="module")
def comparison(modules: Path, tmp_path_factory: pytest.TempPathFactory) -> list[harness.Comparison]:
    return harness.compare(tmp_path_factory.mktemp("oracle"), load_factor_set("2026.12.1"), modules)


def test_oracle_is_the_pinned_packages(modules: Path) -> None:
    out = harness.run_oracle([], [], modules)
    assert out["versions"]["aws"] == "0.15.0" and out["versions"]["azure"] == "1.8.0"


def test_every_row_agrees_with_ccf(comparison: list[harness.Comparison]) -> None:
    assert len(comparison) > 150
    apart = {}
    for c in comparison:
        key = (c.provider, c.row.usage_type if isinstance(c.row, harness.AwsRow) else c.row.meter)
        problem = c.problem()
        if problem and key not in KNOWN_APART:
            apart[f"{c.provider} #{c.index} {c.row}"] = problem
        if (
            not problem
            and key in KNOWN_APART
            and all(
                not d.problem()
                for d in comparison
                if (d.provider, getattr(d.row, "usage_type", getattr(d.row, "meter", ""))) == key
            )
        ):
            apart[f"{key} is listed in KNOWN_APART but agrees now"] = "remove it from KNOWN_APART"
    assert not apart, "\n".join(f"{k}: {v}" for k, v in apart.items())


def test_estimated_rows_are_ccfs(comparison: list[harness.Comparison]) -> None:
    ours = {(c.provider, c.index) for c in comparison if c.ours_estimated}
    ccf = {(c.provider, c.index) for c in comparison if c.ccf is not None}
    assert ours == ccf
    # both kinds of rows are in the batch: CCF leaves some without an estimate
    assert len(ccf) < len(comparison)


def test_ccf_zeros_are_zeros(comparison: list[harness.Comparison]) -> None:
    zeros = [c for c in comparison if c.ccf is not None and c.ccf["kwh"] == 0]
    assert len(zeros) >= 5  # unknown units without an estimated row of the unit, NaN vCPU, zero branch
    assert all(c.ours is not None and c.ours["energy_kwh"] == 0 for c in zeros)


def test_rows_ccf_crashes_on(modules: Path) -> None:
    """CCF itself fails on these rows, so they are kept out of the compared batch (documented)."""
    for row in AZURE_CRASH_ROWS:
        with pytest.raises(RuntimeError, match="CCF oracle failed"):
            harness.run_oracle([], [row], modules)
