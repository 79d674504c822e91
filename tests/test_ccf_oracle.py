"""``--method ccf`` against Cloud Carbon Footprint's own npm packages, row by row (tests/ccf_oracle).

CCF's published packages (``@cloud-carbon-footprint/aws@0.15.0``, ``/azure@1.8.0``, Apache-2.0; pinned by
tests/ccf_oracle/package-lock.json) and CCF's GCP billing-export sources (not on npm: vendored unmodified
from cloud-carbon-footprint@b7a049c in tests/ccf_oracle/gcp, transpiled at install time with the pinned
typescript, run against npm ``/core@0.17.3`` and ``/common@1.15.0``) run offline on rows covering every
classification path (tests/ccf_oracle/rows.py); the same rows go through the real connectors as a CUR,
an Azure cost export and a GCP billing export. The expected figures are CCF's own output, not this
code's. Every row must agree within 1e-6 relative on kWh and CO2e, CCF's zeros must be zeros and the
rows CCF estimates must be the rows we do.
The packages are installed once into ``.cache/ccf-oracle`` (``scripts/dev.py test`` and ``.ci/run``
do it; a direct pytest run installs them on first use). Without node/npm the tests fail; set
``CLOUDCARBON_SKIP_CCF_ORACLE=1`` to skip them explicitly.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest

from cloudcarbon.factors import load_factor_set
from tests.ccf_oracle import harness
from tests.ccf_oracle.rows import AZURE_CRASH_ROWS

#: Under factor set 2026.12 (kept byte-identical), whose ccf_aws_instances table lost the EC2 rows of
#: the Redshift node families dc2/ds2/ra3 (and so their embodied) to REDSHIFT_INSTANCE_TYPES, these rows
#: stay apart from CCF: the Redshift rows, and the unknown rows in Hrs whose ratio includes them.
#: 2026.12.1 keeps both tables (ccf_aws_redshift_instances) and agrees on every row.
APART_UNDER_2026_12 = {
    ("aws", "USE1-Node:dc2.large"),
    ("aws", "USE1-Node:ra3.4xlarge"),
    ("aws", "USE1-Node:ds2.xlarge"),
    ("aws", "USE1-Node:dc2.8xlarge"),
    ("aws", "NatGateway-Hours"),
    ("aws", "LoadBalancerUsage"),
    ("aws", "USE1-VpcEndpoint-Hours"),
    ("aws", "USE1-SoftwareUsage:m5.large"),
    ("aws", "USE1-Kafka.mcu.general"),
}


def _key(c: harness.Comparison) -> tuple[str, str]:
    return (c.provider, c.row.usage_type if isinstance(c.row, harness.AwsRow) else c.row.meter)


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


@pytest.fixture(scope="module")
def comparison_2026_12(modules: Path, tmp_path_factory: pytest.TempPathFactory) -> list[harness.Comparison]:
    return harness.compare(tmp_path_factory.mktemp("oracle-2026.12"), load_factor_set("2026.12"), modules)


def test_oracle_is_the_pinned_packages(modules: Path) -> None:
    out = harness.run_oracle([], [], modules)
    assert out["versions"]["aws"] == "0.15.0" and out["versions"]["azure"] == "1.8.0"
    # the versions CCF's gcp package.json at b7a049c declares (^0.17.3, ^1.15.0), as the lockfile pins them
    assert out["versions"]["core"] == "0.17.3" and out["versions"]["common"] == "1.15.0"


def test_vendored_gcp_sources_are_unmodified() -> None:
    """Every vendored file has the sha256 its README records (taken from the upstream commit)."""
    gcp = harness.HERE / "gcp"
    listed = dict(
        (path, digest)
        for digest, path in re.findall(r"^    ([0-9a-f]{64})  (\S+)$", (gcp / "README.md").read_text(), re.M)
    )
    present = {p.relative_to(gcp).as_posix() for p in gcp.rglob("*") if p.is_file() and p.name != "README.md"}
    assert set(listed) == present and len(present) == 10
    for path, digest in listed.items():
        assert hashlib.sha256((gcp / path).read_bytes()).hexdigest() == digest, path


def test_every_row_agrees_with_ccf(comparison: list[harness.Comparison]) -> None:
    assert len(comparison) > 300
    assert {c.provider for c in comparison} == {"aws", "azure", "gcp"}
    assert sum(c.provider == "gcp" and c.ccf is not None for c in comparison) > 80  # GCP really ran
    apart = {f"{c.provider} #{c.index} {c.row}": c.problem() for c in comparison if c.problem()}
    assert not apart, "\n".join(f"{k}: {v}" for k, v in apart.items())


def test_2026_12_apart_only_on_the_redshift_table(comparison_2026_12: list[harness.Comparison]) -> None:
    """The code fixes apply to 2026.12 too; only the rows that need the 2026.12.1 table stay apart."""
    apart = {_key(c) for c in comparison_2026_12 if c.problem()}
    assert apart == APART_UNDER_2026_12


def test_estimated_rows_are_ccfs(comparison: list[harness.Comparison]) -> None:
    ours = {(c.provider, c.index) for c in comparison if c.ours_estimated}
    ccf = {(c.provider, c.index) for c in comparison if c.ccf is not None}
    assert ours == ccf
    # both kinds of rows are in the batch, for each provider: CCF leaves some without an estimate
    for prov in ("aws", "azure", "gcp"):
        assert 0 < sum(p == prov for p, _ in ccf) < sum(c.provider == prov for c in comparison)


def test_ccf_zeros_are_zeros(comparison: list[harness.Comparison]) -> None:
    zeros = [c for c in comparison if c.ccf is not None and c.ccf["kwh"] == 0]
    assert len(zeros) >= 5  # unknown units without an estimated row of the unit, NaN vCPU, zero branch
    assert all(c.ours is not None and c.ours["energy_kwh"] == 0 for c in zeros)


def test_rows_ccf_crashes_on(modules: Path) -> None:
    """CCF itself fails on these rows, so they are kept out of the compared batch (documented)."""
    for row in AZURE_CRASH_ROWS:
        with pytest.raises(RuntimeError, match="CCF oracle failed"):
            harness.run_oracle([], [row], modules)
