"""Integrity and sanity checks of the released factor set factors/2026.11.

Reads only the files inside the repository (path relative to this test file); the reference
tables the set was built from are never needed here.
"""

from __future__ import annotations

import csv
import hashlib
import json
from functools import cache
from pathlib import Path

import pytest

SET_DIR = Path(__file__).resolve().parents[2] / "factors" / "2026.11"

AWS_REGIONS = [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
]

KEYS = {
    "instances.csv": ("provider", "instance_type"),
    "cpu_power.csv": ("provider", "microarchitecture"),
    "accelerators.csv": ("model",),
    "coefficients.csv": ("name",),
    "pue.csv": ("provider", "region"),
    "grid_intensity.csv": ("provider", "region", "year", "dataset"),
    "grid_intensity_odbl.csv": ("provider", "region", "year", "dataset"),
    "aws_usage_types.csv": ("rule_id",),
}
REQUIRED = [k for k in KEYS if k != "aws_usage_types.csv"]


@cache
def table(name: str) -> list[dict[str, str]]:
    with (SET_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def package() -> dict:
    return json.loads((SET_DIR / "datapackage.json").read_text(encoding="utf-8"))


def csv_files() -> list[str]:
    return sorted(p.name for p in SET_DIR.glob("*.csv"))


def test_required_tables_present() -> None:
    for name in REQUIRED:
        assert (SET_DIR / name).is_file(), name
    assert package()["name"] == "cloudcarbon-factors"
    assert package()["version"] == "2026.11"


def test_every_csv_is_a_resource_with_matching_hash() -> None:
    resources = {r["path"]: r for r in package()["resources"]}
    assert sorted(resources) == csv_files()
    for path, res in resources.items():
        data = (SET_DIR / path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == res["sha256"], path
        assert len(data) == res["bytes"], path
        header = next(csv.reader([data.decode("utf-8").splitlines()[0]]))
        assert [f["name"] for f in res["schema"]["fields"]] == header, path
        assert res["licenses"], path


def test_content_sha256_recomputes() -> None:
    lines = "".join(
        f"{hashlib.sha256((SET_DIR / name).read_bytes()).hexdigest()}  {name}\n"
        for name in csv_files()
    )
    assert hashlib.sha256(lines.encode("utf-8")).hexdigest() == package()["content_sha256"]


@pytest.mark.parametrize("name", sorted(KEYS))
def test_source_and_licence_on_every_row(name: str) -> None:
    if not (SET_DIR / name).exists():
        pytest.skip(f"{name} not in this set")
    rows = table(name)
    assert rows
    for i, row in enumerate(rows, start=2):
        assert row["source"].strip(), f"{name}:{i} empty source"
        assert row["licence"].strip(), f"{name}:{i} empty licence"


@pytest.mark.parametrize("name", sorted(KEYS))
def test_keys_unique(name: str) -> None:
    if not (SET_DIR / name).exists():
        pytest.skip(f"{name} not in this set")
    keys = [tuple(r[c] for c in KEYS[name]) for r in table(name)]
    assert len(keys) == len(set(keys))
    pk = {r["path"]: r["schema"]["primaryKey"] for r in package()["resources"]}
    assert tuple(pk[name]) == KEYS[name]


def test_share_alike_kept_separate() -> None:
    for name in csv_files():
        licences = {r["licence"] for r in table(name)}
        share_alike = {lic for lic in licences if "ODbL" in lic or "-SA" in lic}
        if name.endswith(("_odbl.csv", "_sa.csv")):
            continue
        assert not share_alike, f"{name} carries {share_alike}"
    assert {r["licence"] for r in table("grid_intensity_odbl.csv")} == {"ODbL-1.0"}
    assert {r["dataset"] for r in table("grid_intensity_odbl.csv")} == {"electricitymaps"}


def test_instance_microarchitectures_exist_in_cpu_power() -> None:
    known = {(r["provider"], r["microarchitecture"]) for r in table("cpu_power.csv")}
    providers = {r["provider"] for r in table("cpu_power.csv")}
    for provider in providers:
        assert (provider, "*") in known
    for row in table("instances.csv"):
        parts = row["cpu_microarchitectures"].split(";")
        assert parts and all(parts), row["instance_type"]
        for arch in parts:
            assert (row["provider"], arch) in known, (row["instance_type"], arch)


def test_instance_accelerators_exist() -> None:
    models = {r["model"] for r in table("accelerators.csv")}
    for row in table("instances.csv"):
        count = float(row["accelerator_count"])
        if row["accelerator_model"]:
            assert row["accelerator_model"] in models, row["instance_type"]
            assert count > 0, row["instance_type"]
        else:
            assert count == 0, row["instance_type"]


def test_every_aws_region_has_a_grid_row() -> None:
    assert len(AWS_REGIONS) == 37 == len(set(AWS_REGIONS))
    have = {r["region"] for r in table("grid_intensity.csv") if r["provider"] == "aws"}
    missing = [r for r in AWS_REGIONS if r not in have]
    assert not missing


def test_provider_mean_rows() -> None:
    for name in ("grid_intensity.csv", "grid_intensity_odbl.csv"):
        rows = table(name)
        groups = {(r["provider"], r["dataset"], r["year"]) for r in rows}
        stars = {(r["provider"], r["dataset"], r["year"]) for r in rows if r["region"] == "*"}
        assert groups == stars, name


def test_units_sane() -> None:
    for r in table("cpu_power.csv"):
        assert 0 < float(r["min_w_per_vcpu"]) < float(r["max_w_per_vcpu"]) < 20, r
    for r in table("accelerators.csv"):
        assert 0 < float(r["idle_w"]) < float(r["tdp_w"]) <= 3000, r["model"]
        assert float(r["memory_gb"]) > 0 and float(r["embodied_kgco2e"]) > 0, r["model"]
        assert r["kind"] in {"gpu", "tpu", "asic", "fpga"}, r["model"]
        assert r["derivation"] in {"vendor", "derived"}, r["model"]
        assert 0 < float(r["band_ratio"]) < 1, r["model"]
    for r in table("pue.csv"):
        assert 1.0 <= float(r["pue"]) < 2, r
    for name in ("grid_intensity.csv", "grid_intensity_odbl.csv"):
        for r in table(name):
            value = float(r["g_co2e_per_kwh"])
            # Google publishes 0 operational gCO2e/kWh for Montreal (hydro) in 2021-2022
            if r["dataset"] == "google-region-carbon" and r["basis"].startswith("operational"):
                assert 0 <= value < 1500, r
            else:
                assert 0 < value < 1500, r
            assert r["year"].isdigit() and 2000 < int(r["year"]) < 2100, r
    for r in table("instances.csv"):
        vcpu, host = int(r["vcpu"]), int(r["host_vcpu"])
        assert vcpu > 0 and host >= vcpu, r["instance_type"]
        assert float(r["memory_gb"]) > 0, r["instance_type"]
        assert float(r["embodied_host_kgco2e"]) > 0, r["instance_type"]
        if r["burstable_baseline"]:
            assert 0 < float(r["burstable_baseline"]) <= 1, r["instance_type"]
    coeff = {r["name"]: float(r["value"]) for r in table("coefficients.csv")}
    assert 0 < coeff["cpu_utilisation_low"] < coeff["cpu_utilisation_default"]
    assert coeff["cpu_utilisation_default"] < coeff["cpu_utilisation_high"] <= 1


def test_burstable_families_have_baseline() -> None:
    for r in table("instances.csv"):
        if r["family"] in {"t2", "t3", "t3a", "t4g"}:
            assert r["burstable_baseline"], r["instance_type"]
        else:
            assert not r["burstable_baseline"], r["instance_type"]


def instance(name: str) -> dict[str, str]:
    rows = table("instances.csv")
    return next(r for r in rows if (r["provider"], r["instance_type"]) == ("aws", name))


def test_spot_checks_instances() -> None:
    # AWS EC2 instance-type pages
    m5 = instance("m5.large")
    assert (int(m5["vcpu"]), float(m5["memory_gb"])) == (2, 8.0)
    assert set(m5["cpu_microarchitectures"].split(";")) <= {"Skylake", "Cascade Lake"}
    p4d = instance("p4d.24xlarge")
    assert (int(p4d["vcpu"]), float(p4d["memory_gb"])) == (96, 1152.0)
    assert (p4d["accelerator_model"], float(p4d["accelerator_count"])) == (
        "NVIDIA A100 SXM4 40GB",
        8.0,
    )
    assert instance("m6g.large")["cpu_microarchitectures"] == "Graviton2"
    assert instance("m7i.large")["cpu_microarchitectures"] == "Sapphire Rapids"
    assert instance("m7g.large")["cpu_microarchitectures"] == "Graviton3"
    assert instance("t3.micro")["burstable_baseline"] == "0.1"
    for name in ("m7i.large", "m7g.large", "c7g.large", "m8g.large", "r7i.large", "g6.xlarge"):
        instance(name)
    assert instance("p5.48xlarge")["accelerator_model"] == "NVIDIA H100 SXM5 80GB"
    assert float(instance("trn1.32xlarge")["accelerator_count"]) == 16


def test_spot_checks_cpu_power() -> None:
    # METHOD.md section 2: Ice Lake 0.77/3.76, Sapphire Rapids 1.04/4.16 W per vCPU
    cpu = {(r["provider"], r["microarchitecture"]): r for r in table("cpu_power.csv")}
    for arch, lo, hi in (("Ice Lake", 0.77, 3.76), ("Sapphire Rapids", 1.04, 4.16)):
        row = cpu[("aws", arch)]
        assert round(float(row["min_w_per_vcpu"]), 2) == lo
        assert round(float(row["max_w_per_vcpu"]), 2) == hi
    star = cpu[("aws", "*")]
    assert (float(star["min_w_per_vcpu"]), float(star["max_w_per_vcpu"])) == (0.74, 3.5)


def test_spot_checks_scalars() -> None:
    coeff = {r["name"]: float(r["value"]) for r in table("coefficients.csv")}
    assert coeff["memory_kwh_per_gb_hour"] == 0.000392
    assert coeff["server_lifespan_hours"] == 35040
    assert coeff["lambda_mb_per_vcpu"] == 1769
    pue = {(r["provider"], r["region"]): float(r["pue"]) for r in table("pue.csv")}
    assert pue[("aws", "*")] == 1.135
    assert pue[("azure", "*")] == 1.185
    assert pue[("gcp", "*")] == 1.1
