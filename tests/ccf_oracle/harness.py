"""Run CCF's npm packages (``oracle.js``) and ``cloudcarbon --method ccf`` on the same rows; compare per row.

The packages are installed once, with the pinned lockfile, into ``<repo>/.cache/ccf-oracle`` (``npm ci``;
``scripts/dev.py`` does it for the test suite, :func:`ensure_installed` for a direct run). CCF's GCP package
is not on the npm registry: its billing-export sources are vendored in ``gcp/`` and transpiled into
``.cache/ccf-oracle/gcp-dist`` by ``build_gcp.js`` with the pinned ``typescript`` (:func:`build_gcp`).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

import cloudcarbon
from cloudcarbon.factors import FactorSet, load_factor_set
from tests.ccf_oracle import gcp_build
from tests.ccf_oracle.rows import AwsRow, AzureRow, GcpRow, aws_rows, azure_rows, gcp_rows
from tests.conftest import cur_row, write_cur
from tests.connectors.test_azure_cost import row as azure_csv_row
from tests.connectors.test_azure_cost import write_csv as write_azure_csv
from tests.connectors.test_gcp_billing import Line as GcpLine
from tests.connectors.test_gcp_billing import write_csv as write_gcp_csv

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CACHE = ROOT / ".cache" / "ccf-oracle"
MONTH = "2026-10"
REL = 1e-6
#: set to 1 to skip the oracle tests where npm is not available (CI never sets it: there they fail)
OPT_OUT = "CLOUDCARBON_SKIP_CCF_ORACLE"

__all__ = ["CACHE", "OPT_OUT", "Comparison", "build_gcp", "compare", "ensure_installed", "run_oracle"]

PROVIDERS = ("aws", "azure", "gcp")


def ensure_installed(cache: Path = CACHE) -> Path:
    """``npm ci`` the pinned packages into ``cache`` unless the lockfile there is already installed."""
    marker = cache / ".installed"
    lock = (HERE / "package-lock.json").read_text(encoding="utf-8")
    if marker.exists() and marker.read_text(encoding="utf-8") == lock and (cache / "node_modules").is_dir():
        build_gcp(cache)
        return cache / "node_modules"
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is not on PATH: the CCF oracle needs node and npm (or set {OPT_OUT}=1)")
    cache.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HERE / name, cache / name)
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
        cwd=cache,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    marker.write_text(lock, encoding="utf-8")
    build_gcp(cache)
    return cache / "node_modules"


def build_gcp(cache: Path = CACHE) -> Path:
    """Transpile the vendored CCF GCP sources into ``cache/gcp-dist`` (see :mod:`.gcp_build`)."""
    if shutil.which("node") is None:
        raise RuntimeError(f"node is not on PATH: the CCF oracle needs node and npm (or set {OPT_OUT}=1)")
    return gcp_build.build_gcp(cache)


def aws_id(i: int) -> str:
    return f"{100000000000 + i}"


def azure_id(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def gcp_id(i: int) -> str:
    return f"oracle-project-{i:04d}"


def run_oracle(
    aws: list[AwsRow], azure: list[AzureRow], modules: Path, gcp: list[GcpRow] | None = None
) -> dict[str, Any]:
    """CCF's per-row (kWh, t CO2e), keyed by account / subscription; absent = no estimate."""
    batch = {
        "month": MONTH,
        "aws": [
            {
                "account": aws_id(i),
                "region": r.region,
                "service": r.service,
                "usageType": r.usage_type,
                "unit": r.unit,
                "vcpus": r.vcpus,
                "amount": r.amount,
                "cost": r.cost,
            }
            for i, r in enumerate(aws)
        ],
        "azure": [
            {
                "subscription": azure_id(i),
                "region": r.region,
                "category": r.category,
                "meter": r.meter,
                "unit": r.unit,
                "quantity": r.quantity,
                "cost": r.cost,
            }
            for i, r in enumerate(azure)
        ],
        "gcp": [
            {
                "project": gcp_id(i),
                "region": r.region,
                "service": r.service,
                "sku": r.sku,
                "unit": r.unit,
                "machineType": r.machine_type,
                "amount": r.amount,
                "cost": r.cost,
            }
            for i, r in enumerate(gcp or [])
        ],
    }
    node = shutil.which("node")
    if node is None:
        raise RuntimeError(f"node is not on PATH: the CCF oracle needs node and npm (or set {OPT_OUT}=1)")
    env = {
        **os.environ,
        "CCF_ORACLE_MODULES": str(modules),
        "CCF_ORACLE_GCP": str(modules.parent / "gcp-dist"),
        "NODE_NO_WARNINGS": "1",
    }
    env.pop("ELECTRICITY_MAPS_TOKEN", None)
    out = subprocess.run(
        [node, str(HERE / "oracle.js")],
        input=json.dumps(batch),
        capture_output=True,
        text=True,
        env=env,
        cwd=modules.parent,  # CCF's logger may write a logs/ folder into the working directory
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"CCF oracle failed: {out.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout)
    for prov in PROVIDERS:  # JSON writes CCF's NaN as null
        for v in result[prov].values():
            v.update({k: math.nan if v[k] is None else v[k] for k in ("kwh", "co2e")})
    return result


def run_cloudcarbon(
    aws: list[AwsRow],
    azure: list[AzureRow],
    folder: Path,
    factors: FactorSet,
    gcp: list[GcpRow] | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Our ccf figures per account / subscription: CCF kWh, CCF t CO2e, fate."""
    cur = write_cur(
        folder / "cur.csv",
        [
            cur_row(
                r.usage_type,
                repr(r.amount),
                repr(r.cost),
                r.unit,
                product=r.service,
                region=r.region,
                account=aws_id(i),
                vcpu=r.vcpus,
                end="2026-10-01T01:00:00Z",
            )
            for i, r in enumerate(aws)
        ],
    )
    az = write_azure_csv(
        folder / "azure.csv",
        [
            azure_csv_row(
                r.category,
                r.subcategory,
                r.meter,
                repr(r.quantity),
                repr(r.cost),
                r.unit,
                location=r.region,
                subscription=azure_id(i),
                date="10/01/2026",
                tags="",
            )
            for i, r in enumerate(azure)
        ],
    )
    gcp_export = write_gcp_csv(
        folder / "gcp.csv",
        [
            GcpLine(
                r.sku,
                repr(r.amount),
                r.unit,
                repr(r.cost),
                service=r.service,
                project=gcp_id(i),
                region=r.region,
                system_labels=(("compute.googleapis.com/machine_spec", r.machine_type),)
                if r.machine_type
                else (),
            )
            for i, r in enumerate(gcp or [])
        ],
    )
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for prov, path in (("aws", cur), ("azure", az), ("gcp", gcp_export)):
        res = cloudcarbon.estimate([f"{prov}:{path}"], MONTH, factor_set=factors, detail=True, method="ccf")
        assert res.detail is not None
        per = res.detail.group_by("SubAccountId").agg(
            pl.col("energy_kwh").sum(),
            ((pl.col("co2e_kg") + pl.col("embodied_co2e_kg")).sum() / 1000.0).alias("co2e_t"),
            pl.col("fate").unique().sort().str.join(","),
        )
        out[prov] = {r["SubAccountId"]: r for r in per.iter_rows(named=True)}
    return out


@dataclass
class Comparison:
    provider: str
    index: int
    row: AwsRow | AzureRow | GcpRow
    ccf: dict[str, float] | None  # None: CCF gives no estimate
    ours: dict[str, Any] | None

    @property
    def ours_estimated(self) -> bool:
        return self.ours is not None and self.ours["fate"] != "excluded"

    def problem(self) -> str | None:
        """Why this row disagrees, or None when it agrees (kWh and CO2e within 1e-6 relative)."""
        if self.ccf is None:
            return None if not self.ours_estimated else f"CCF no estimate, ours {self._ours()}"
        if not self.ours_estimated:
            return f"CCF {self._ccf()}, ours not estimated ({self.ours and self.ours['fate']})"
        assert self.ours is not None
        # CCF reports NaN t CO2e (with 0 kWh) for an instance whose vCPU count it cannot find; we give 0
        ccf_co2e = 0.0 if math.isnan(self.ccf["co2e"]) and self.ccf["kwh"] == 0 else self.ccf["co2e"]
        for a, b in ((self.ccf["kwh"], self.ours["energy_kwh"]), (ccf_co2e, self.ours["co2e_t"])):
            if not math.isclose(a, b, rel_tol=REL, abs_tol=1e-12):
                return f"CCF {self._ccf()}, ours {self._ours()}"
        return None

    def _ccf(self) -> str:
        assert self.ccf is not None
        return f"{self.ccf['kwh']:.9g} kWh {self.ccf['co2e'] * 1000:.9g} kg"

    def _ours(self) -> str:
        assert self.ours is not None
        return f"{self.ours['energy_kwh']:.9g} kWh {self.ours['co2e_t'] * 1000:.9g} kg ({self.ours['fate']})"


def compare(folder: Path, factors: FactorSet, modules: Path) -> list[Comparison]:
    aws, azure, gcp = aws_rows(), azure_rows(), gcp_rows()
    oracle = run_oracle(aws, azure, modules, gcp)
    ours = run_cloudcarbon(aws, azure, folder, factors, gcp)
    out: list[Comparison] = []
    rows: list[AwsRow] | list[AzureRow] | list[GcpRow]
    for prov, rows, key in (("aws", aws, aws_id), ("azure", azure, azure_id), ("gcp", gcp, gcp_id)):
        for i, r in enumerate(rows):
            out.append(Comparison(prov, i, r, oracle[prov].get(key(i)), ours[prov].get(key(i))))
    return out


def main(argv: list[str]) -> int:
    import tempfile

    version = argv[0] if argv else "2026.12.1"
    modules = ensure_installed()
    with tempfile.TemporaryDirectory() as tmp:
        rows = compare(Path(tmp), load_factor_set(version), modules)
    bad = [c for c in rows if c.problem()]
    for c in bad:
        print(f"{c.provider} #{c.index} {c.row}: {c.problem()}")
    for prov in PROVIDERS:
        n = [c for c in rows if c.provider == prov]
        ok = [c for c in n if not c.problem()]
        print(f"{prov}: {len(ok)} of {len(n)} rows agree within {REL:g} (factor set {version})")
    print(f"all: {len(rows) - len(bad)} of {len(rows)} rows agree")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
