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
        f"{hashlib.sha256((SET_DIR / name).read_bytes()).hexdigest()}  {name}\n" for name in csv_files()
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
        # provider ``location`` (inventory countries / zones) has no provider mean: a location is
        # always named by the inventory (scripts/factors_location.py)
        groups = {(r["provider"], r["dataset"], r["year"]) for r in rows if r["provider"] != "location"}
        stars = {(r["provider"], r["dataset"], r["year"]) for r in rows if r["region"] == "*"}
        assert groups == stars, name


def test_units_sane() -> None:
    for r in table("cpu_power.csv"):
        assert 0 < float(r["min_w_per_vcpu"]) < float(r["max_w_per_vcpu"]) < 20, r
    for r in table("accelerators.csv"):
        assert 0 < float(r["idle_w"]) < float(r["tdp_w"]) <= 3000, r["model"]
        assert float(r["memory_gb"]) > 0 and float(r["embodied_kgco2e"]) > 0, r["model"]
        assert r["kind"] in {"gpu", "tpu", "asic", "fpga"}, r["model"]
        assert r["derivation"] in {"vendor", "derived", "derived_no_vendor_tdp"}, r["model"]
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
    # docs/method.md section 2: Ice Lake 0.77/3.76, Sapphire Rapids 1.04/4.16 W per vCPU
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


# --------------------------------------------------------------------------------------------------
# Inventory (on-premises) rows: scripts/factors_location.py and scripts/factor_inputs/cpu_models.csv
# --------------------------------------------------------------------------------------------------


def test_location_grid_rows() -> None:
    ember = {(r["region"], r["year"]): r for r in table("grid_intensity.csv") if r["provider"] == "location"}
    em = {
        (r["region"], r["year"]): r for r in table("grid_intensity_odbl.csv") if r["provider"] == "location"
    }
    assert ember and em
    assert {r["dataset"] for r in ember.values()} == {"ember"}
    assert {r["licence"] for r in ember.values()} == {"CC-BY-4.0"}
    assert {r["dataset"] for r in em.values()} == {"electricitymaps"}
    assert {r["licence"] for r in em.values()} == {"ODbL-1.0"}
    assert not any(r["region"] == "*" for r in [*ember.values(), *em.values()])
    # spot checks against the reference tables (Ember 2024 Germany; Electricity Maps 2025)
    assert float(ember[("DE", "2024")]["g_co2e_per_kwh"]) == pytest.approx(342.06)
    assert float(em[("DE", "2025")]["g_co2e_per_kwh"]) == pytest.approx(342)
    assert float(em[("US-CAL-CISO", "2025")]["g_co2e_per_kwh"]) == pytest.approx(208)
    assert all(len(r["region"]) == 2 for r in ember.values())


def test_inventory_pue_row() -> None:
    rows = [r for r in table("pue.csv") if r["provider"] == "inventory"]
    assert [(r["region"], float(r["pue"])) for r in rows] == [("*", 1.58)]
    assert "Uptime Institute" in rows[0]["source"]


def test_cpu_models() -> None:
    rows = table("cpu_models.csv")
    archs = {r["microarchitecture"] for r in table("cpu_power.csv")}
    assert len({r["model"] for r in rows}) == len(rows)
    for r in rows:
        assert r["microarchitecture"] in archs, r["model"]
        assert r["source"].strip() and r["licence"].strip(), r["model"]
    by_model = {r["model"]: r["microarchitecture"] for r in rows}
    assert by_model["Intel Xeon Gold 6248"] == "Cascade Lake"
    assert by_model["Intel Xeon E5-2680 v4"] == "Broadwell"
    assert by_model["AMD EPYC 7742"] == "EPYC 2nd Gen"
    assert by_model["AMD EPYC 9654"] == "EPYC 4th Gen"
    assert by_model["Intel Xeon Platinum 8480+"] == "Sapphire Rapids"
    pk = {r["path"]: r["schema"]["primaryKey"] for r in package()["resources"]}
    assert pk["cpu_models.csv"] == ["model"]


# ------------------------------------------------------------------------------------------------
# Azure (scripts/factors_azure.py, scripts/factor_inputs/azure_usage_types.csv)

AZURE_REGIONS = [
    "australiaeast",
    "brazilsouth",
    "canadacentral",
    "centralindia",
    "centralus",
    "eastasia",
    "eastus",
    "eastus2",
    "francecentral",
    "germanywestcentral",
    "japaneast",
    "koreacentral",
    "northcentralus",
    "northeurope",
    "norwayeast",
    "southafricanorth",
    "southcentralus",
    "southeastasia",
    "swedencentral",
    "uksouth",
    "ukwest",
    "westcentralus",
    "westeurope",
    "westus",
    "westus2",
    "westus3",
]


def _azure(name: str) -> dict[str, dict[str, str]]:
    key = "instance_type" if name == "instances.csv" else "microarchitecture"
    return {r[key]: r for r in table(name) if r["provider"] == "azure"}


def test_azure_instances_spot_checks() -> None:
    inst = _azure("instances.csv")
    assert len(inst) > 400
    d4 = inst["Standard_D4s_v5"]
    assert (d4["family"], d4["vcpu"], d4["memory_gb"], d4["cpu_microarchitectures"]) == (
        "Dsv5",
        "4",
        "16",
        "Ice Lake",
    )
    assert float(d4["embodied_host_kgco2e"]) == pytest.approx(1510.4)  # CCF app 1.5104 t
    ds2 = inst["Standard_DS2_v2"]
    assert (ds2["vcpu"], ds2["host_vcpu"]) == ("2", "16")
    # CCF embodied total minus additional_gpus (NC6: 2038.71 - 600)
    assert float(inst["Standard_NC6"]["embodied_host_kgco2e"]) == pytest.approx(1438.71)
    # constrained-core size: vCPU count from the CCF app table, platform from the coefficients
    e42 = inst["Standard_E4-2s_v3"]
    assert (e42["vcpu"], e42["host_vcpu"]) == ("2", "4")
    for r in inst.values():
        assert 0 < int(r["vcpu"]) <= int(r["host_vcpu"]), r["instance_type"]
        assert r["instance_type"].startswith("Standard_"), r["instance_type"]
        assert float(r["embodied_host_kgco2e"]) > 900, r["instance_type"]


def test_azure_gpu_sizes() -> None:
    inst = _azure("instances.csv")
    models = {r["model"] for r in table("accelerators.csv")}
    expected = {
        "Standard_NC6": ("NVIDIA Tesla K80", 1),
        "Standard_NC6s_v2": ("NVIDIA Tesla P100 (PCIe 16GB)", 1),
        "Standard_NC24s_v3": ("NVIDIA Tesla V100 PCIe 16/32GB", 4),
        "Standard_NC64as_T4_v3": ("NVIDIA T4", 4),
        "Standard_NC24ads_A100_v4": ("NVIDIA A100 PCIe 80GB", 1),
        "Standard_NC80adis_H100_v5": ("NVIDIA H100 NVL 94GB", 2),
        "Standard_ND24s": ("NVIDIA Tesla P40", 4),
        "Standard_ND40rs_v2": ("NVIDIA Tesla V100 SXM2 16/32GB", 8),
        "Standard_ND96asr_v4": ("NVIDIA A100 SXM4 40GB", 8),
        "Standard_ND96amsr_A100_v4": ("NVIDIA A100 SXM4 80GB", 8),
        "Standard_ND96isr_H100_v5": ("NVIDIA H100 SXM5 80GB", 8),
        "Standard_ND96isr_H200_v5": ("NVIDIA H200 SXM 141GB", 8),
        "Standard_ND96isr_MI300X_v5": ("AMD Instinct MI300X", 8),
        "Standard_NV12": ("NVIDIA Tesla M60", 2),
        "Standard_NV12s_v3": ("NVIDIA Tesla M60", 1),
        "Standard_NV6ads_A10_v5": ("NVIDIA A10", 1 / 6),
        "Standard_NV72ads_A10_v5": ("NVIDIA A10", 2),
    }
    for size, (model, count) in expected.items():
        r = inst[size]
        assert r["accelerator_model"] == model and model in models, size
        assert float(r["accelerator_count"]) == pytest.approx(count, abs=1e-6), size
    # ND A100 v4: CCF app 3.576 t includes 8 GPUs x 150 kg, removed here
    assert float(inst["Standard_ND96asr_v4"]["embodied_host_kgco2e"]) == pytest.approx(2376)


def test_azure_meter_name_aliases() -> None:
    inst = _azure("instances.csv")
    alias = inst["Standard_ND96asr_A100_v4"]
    assert alias["source"].startswith("alias of Standard_ND96asr_v4")
    target = inst["Standard_ND96asr_v4"]
    for col in ("vcpu", "memory_gb", "accelerator_model", "accelerator_count", "embodied_host_kgco2e"):
        assert alias[col] == target[col], col


def test_azure_cpu_power_covers_instances() -> None:
    cpu = _azure("cpu_power.csv")
    assert "*" in cpu
    for r in _azure("instances.csv").values():
        for arch in filter(None, r["cpu_microarchitectures"].split(";")):
            assert arch in cpu, (r["instance_type"], arch)
    # absent from Azure's coefficient table: the AWS 2026 values, cited as such
    aws = {r["microarchitecture"]: r for r in table("cpu_power.csv") if r["provider"] == "aws"}
    for arch in ("Ice Lake", "Sapphire Rapids", "EPYC 4th Gen"):
        assert cpu[arch]["min_w_per_vcpu"] == aws[arch]["min_w_per_vcpu"], arch
        assert "coefficients-aws-use" in cpu[arch]["source"], arch


def test_every_azure_region_has_a_grid_row() -> None:
    have = {r["region"] for r in table("grid_intensity.csv") if r["provider"] == "azure"}
    missing = [r for r in AZURE_REGIONS if r not in have]
    assert not missing, missing


def test_azure_usage_rules_and_units() -> None:
    rules = {r["rule_id"]: r for r in table("azure_usage_types.csv")}
    assert rules["vm-hours"]["usage_class"] == "compute"
    assert rules["disk-ssd-tier"]["replication_factor"] == "3"
    assert rules["storage-data-grs"]["replication_factor"] == "6"
    assert rules["bandwidth-intra-region"]["usage_class"] == "network_intra_region"
    for r in rules.values():
        assert r["source"].strip() and r["licence"].strip(), r["rule_id"]
    units = {r["unit"]: r for r in table("units.csv")}
    for text, canonical in (("Hour", "hours"), ("Hours", "hours"), ("GB/Month", "gb_month"), ("GB", "gb")):
        assert units[text]["canonical_unit"] == canonical, text
    assert (units["P10 Disk/Month"]["canonical_unit"], units["P10 Disk/Month"]["multiplier"]) == (
        "gb_month",
        "128",
    )
    assert units["S4 Disk/Month"]["multiplier"] == "32"
    assert units["E80 Disk/Month"]["multiplier"] == "32767"


# ================================================================================================
# GCP rows (scripts/factors_gcp.py, scripts/factor_inputs/gcp_usage_types.csv)
# ================================================================================================

# every gcp region of the reference grid/cloud_region_locations.csv (43), copied here because tests
# never read the reference folder
GCP_REGIONS = (
    "africa-south1",
    "asia-east1",
    "asia-east2",
    "asia-northeast1",
    "asia-northeast2",
    "asia-northeast3",
    "asia-south1",
    "asia-south2",
    "asia-southeast1",
    "asia-southeast2",
    "asia-southeast3",
    "australia-southeast1",
    "australia-southeast2",
    "europe-central2",
    "europe-north1",
    "europe-north2",
    "europe-southwest1",
    "europe-west1",
    "europe-west10",
    "europe-west12",
    "europe-west2",
    "europe-west3",
    "europe-west4",
    "europe-west6",
    "europe-west8",
    "europe-west9",
    "me-central1",
    "me-central2",
    "me-west1",
    "northamerica-northeast1",
    "northamerica-northeast2",
    "northamerica-south1",
    "southamerica-east1",
    "southamerica-west1",
    "us-central1",
    "us-east1",
    "us-east4",
    "us-east5",
    "us-south1",
    "us-west1",
    "us-west2",
    "us-west3",
    "us-west4",
)
GCP_SERIES = (
    "e2",
    "n1",
    "n2",
    "n2d",
    "n4",
    "c2",
    "c2d",
    "c3",
    "c3d",
    "c4",
    "c4a",
    "c4d",
    "t2d",
    "t2a",
    "m1",
    "m2",
    "m3",
    "h3",
    "a2",
    "a3",
    "a4",
    "g2",
)


def gcp_instance(name: str) -> dict[str, str]:
    return next(r for r in table("instances.csv") if (r["provider"], r["instance_type"]) == ("gcp", name))


def test_gcp_every_region_has_a_grid_row() -> None:
    assert len(GCP_REGIONS) == 43 == len(set(GCP_REGIONS))
    have = {r["region"] for r in table("grid_intensity.csv") if r["provider"] == "gcp"}
    have |= {r["region"] for r in table("grid_intensity_odbl.csv") if r["provider"] == "gcp"}
    assert not [r for r in GCP_REGIONS if r not in have]


def test_gcp_series_covered_with_their_processors() -> None:
    rows = [r for r in table("instances.csv") if r["provider"] == "gcp"]
    families = {r["family"] for r in rows}
    assert set(GCP_SERIES) <= families
    expected = {
        "n2d": {"EPYC 2nd Gen"},
        "c2d": {"EPYC 3rd Gen"},
        "t2d": {"EPYC 3rd Gen"},
        "c3d": {"EPYC 4th Gen"},
        "c4d": {"EPYC 5th Gen"},
        "c3": {"Sapphire Rapids"},
        "h3": {"Sapphire Rapids"},
        "c4": {"Emerald Rapids"},
        "n4": {"Emerald Rapids"},
        "a4": {"Emerald Rapids"},
        "n2": {"Cascade Lake", "Ice Lake"},
        "c2": {"Cascade Lake"},
        "a2": {"Cascade Lake"},
        "g2": {"Cascade Lake"},
        "t2a": {"Ampere Altra"},
        "c4a": {"Google Axion"},
    }
    for r in rows:
        if r["family"] in expected:
            assert set(r["cpu_microarchitectures"].split(";")) == expected[r["family"]], r["instance_type"]
    # A3 High/Mega/Edge on Sapphire Rapids, A3 Ultra on Emerald Rapids
    for name in ("a3-highgpu-8g", "a3-megagpu-8g", "a3-edgegpu-8g"):
        assert gcp_instance(name)["cpu_microarchitectures"] == "Sapphire Rapids"
    assert gcp_instance("a3-ultragpu-8g")["cpu_microarchitectures"] == "Emerald Rapids"
    # CCF's code maps n2d/c2d to Intel: not copied
    assert "Intel" not in gcp_instance("n2d-standard-8")["source"].split("cpu:")[1].split(";")[0]


def test_gcp_cpu_power_rows() -> None:
    cpu = {(r["provider"], r["microarchitecture"]): r for r in table("cpu_power.csv")}
    for r in table("instances.csv"):
        if r["provider"] == "gcp":
            for arch in r["cpu_microarchitectures"].split(";"):
                assert ("gcp", arch) in cpu, (r["instance_type"], arch)
    for arm, proxy in (("Ampere Altra", "Graviton3"), ("Google Axion", "Graviton4")):
        row = cpu[("gcp", arm)]
        assert "DERIVED" in row["source"] and proxy in row["source"]
        assert row["min_w_per_vcpu"] == cpu[("aws", proxy)]["min_w_per_vcpu"]
        assert row["max_w_per_vcpu"] == cpu[("aws", proxy)]["max_w_per_vcpu"]
    # Turin takes Genoa's figures: CCF's 2026 EPYC 5th Gen row (3.68 / 8.96 W) is rejected as implausible
    for provider in ("aws", "gcp"):
        turin, genoa = cpu[(provider, "EPYC 5th Gen")], cpu[(provider, "EPYC 4th Gen")]
        assert (turin["min_w_per_vcpu"], turin["max_w_per_vcpu"]) == (
            genoa["min_w_per_vcpu"],
            genoa["max_w_per_vcpu"],
        )
        assert "rejected as implausible" in turin["source"]
    assert round(float(cpu[("gcp", "Cascade Lake")]["min_w_per_vcpu"]), 6) == 0.690298


def test_gcp_machine_types_spot_checks() -> None:
    n2 = gcp_instance("n2-standard-8")
    assert (int(n2["vcpu"]), float(n2["memory_gb"]), int(n2["host_vcpu"])) == (8, 32.0, 128)
    assert float(n2["embodied_host_kgco2e"]) == 1888.46  # ccf-coefficients GCP embodied total
    a2 = gcp_instance("a2-highgpu-1g")
    assert (int(a2["vcpu"]), float(a2["memory_gb"])) == (12, 85.0)
    assert (a2["accelerator_model"], float(a2["accelerator_count"])) == ("NVIDIA A100 SXM4 40GB", 1.0)
    # 5465.5 kg total minus 16 GPUs x 150 kg (GPUs carry their own embodied in accelerators.csv)
    assert float(a2["embodied_host_kgco2e"]) == 3065.5
    accel = {
        "a2-megagpu-16g": ("NVIDIA A100 SXM4 40GB", 16.0),
        "a2-ultragpu-8g": ("NVIDIA A100 SXM4 80GB", 8.0),
        "a3-highgpu-8g": ("NVIDIA H100 SXM5 80GB", 8.0),
        "a3-megagpu-8g": ("NVIDIA H100 SXM5 80GB", 8.0),
        "a3-edgegpu-8g": ("NVIDIA H100 SXM5 80GB", 8.0),
        "a3-ultragpu-8g": ("NVIDIA H200 SXM 141GB", 8.0),
        "a4-highgpu-8g": ("NVIDIA B200 180/192GB", 8.0),
        "g2-standard-4": ("NVIDIA L4", 1.0),
        "g2-standard-96": ("NVIDIA L4", 8.0),
    }
    for name, (model, count) in accel.items():
        r = gcp_instance(name)
        assert (r["accelerator_model"], float(r["accelerator_count"])) == (model, count), name
    assert gcp_instance("c3-standard-8")["accelerator_model"] == ""
    for name in ("e2-micro", "t2a-standard-4", "c4a-standard-8", "c4d-standard-8", "m3-megamem-64"):
        gcp_instance(name)


def test_gcp_usage_rules() -> None:
    rows = table("gcp_usage_types.csv")
    assert len({r["rule_id"] for r in rows}) == len(rows)
    models = {r["model"] for r in table("accelerators.csv")}
    classes = {
        "compute",
        "cpu",
        "memory",
        "accelerator",
        "serverless",
        "container_cpu",
        "container_memory",
        "storage_ssd",
        "storage_hdd",
        "network",
        "network_intra_region",
        "unmodelled",
        "excluded",
    }
    for r in rows:
        assert r["source"].strip() and r["licence"].strip(), r["rule_id"]
        assert r["usage_class"] in classes, r["rule_id"]
        if r["accelerator_model"]:
            assert r["accelerator_model"] in models, r["rule_id"]
        if r["usage_class"] == "excluded":
            assert r["exclusion_reason"], r["rule_id"]
    by_id = {r["rule_id"]: r for r in rows}
    assert by_id["commitment-fee"]["exclusion_reason"] == "commitment_fee"
    assert float(by_id["tpu-v3"]["accelerators_per_unit"]) == 0.5
    assert float(by_id["tpu-v2"]["accelerators_per_unit"]) == 0.5
    assert float(by_id["tpu-v4"]["accelerators_per_unit"]) == 1.0
    assert float(by_id["pd-regional-ssd"]["replication_factor"]) == 2


# --------------------------------------------------------------------------------------------------
# CCF-compatible mode tables (ccf_*.csv, scripts/factors_ccf.py): CCF's own values, Apache-2.0
# --------------------------------------------------------------------------------------------------

CCF_TABLES = (
    "ccf_processors.csv",
    "ccf_constants.csv",
    "ccf_pue.csv",
    "ccf_grid.csv",
    "ccf_aws_instances.csv",
    "ccf_gcp_machine_types.csv",
    "ccf_gcp_series_processors.csv",
    "ccf_gpu_models.csv",
    "ccf_azure_vm_sizes.csv",
    "ccf_azure_size_lookups.csv",
    "ccf_replication.csv",
    "ccf_classification.csv",
)


def test_ccf_tables_cite_ccf_and_apache() -> None:
    for name in CCF_TABLES:
        rows = table(name)
        assert rows, name
        for r in rows:
            assert r["licence"] == "Apache-2.0", name
            assert "cloud-carbon-footprint/cloud-carbon-footprint@b7a049c" in r["source"], name


def test_ccf_spot_values() -> None:
    proc = {(r["provider"], r["processor"]): r for r in table("ccf_processors.csv")}
    assert (proc[("aws", "Skylake")]["min_watts"], proc[("aws", "Skylake")]["max_watts"]) == ("0.65", "4.26")
    assert proc[("aws", "Nvidia Tesla V100")]["max_watts"] == "306"
    grid = {(r["provider"], r["region"]): float(r["g_co2e_per_kwh"]) for r in table("ccf_grid.csv")}
    assert grid[("aws", "us-east-1")] == pytest.approx(379.069)  # NERC SERC, app snapshot value
    assert grid[("gcp", "us")] == pytest.approx(2805.0)  # CCF's summed multi-region factor, kept
    pue = {(r["provider"], r["region"]): float(r["pue"]) for r in table("ccf_pue.csv")}
    assert pue[("aws", "*")] == 1.135 and pue[("azure", "*")] == 1.185 and pue[("gcp", "us-central1")] == 1.11
    aws = {r["instance_type"]: r for r in table("ccf_aws_instances.csv")}
    assert (
        aws["m5.large"]["family_largest_vcpus"] == "96"
        and aws["m5.large"]["family_largest_memory_gb"] == "384"
    )
    assert aws["p3.2xlarge"]["gpu_processors"] == "Nvidia Tesla V100"
    gcp = {(r["source_table"], r["machine_type"]): r for r in table("ccf_gcp_machine_types.csv")}
    n2d = gcp[("MACHINE_FAMILY_TO_MACHINE_TYPE_MAPPING", "n2d-standard-8")]
    assert n2d["cpu_processors_effective"] == "Cascade Lake"  # CCF's n2d-as-Intel defect, kept
    consts = {(r["provider"], r["name"]): r for r in table("ccf_constants.csv")}
    assert consts[("*", "VCPUS_PER_PHYSICAL_CHIP")]["value"] == "96"
    assert consts[("aws", "AVG_CPU_UTILIZATION_2020")]["value"] == "50"


# ---- accelerators reachable from a cloud SKU (scripts/factors_others.py adds OCI, IBM Cloud, Scaleway,
# OVHcloud, Intel Tiber AI Cloud and Lambda shapes) ----


def test_every_accelerator_is_mapped_from_a_cloud_sku() -> None:
    mapped = {r["accelerator_model"] for r in table("instances.csv") if r["accelerator_model"]}
    for rules in sorted(SET_DIR.glob("*_usage_types.csv")):
        mapped |= {r["accelerator_model"] for r in table(rules.name) if r.get("accelerator_model")}
    unmapped = sorted(r["model"] for r in table("accelerators.csv") if r["model"] not in mapped)
    assert not unmapped


def test_other_providers_shapes() -> None:
    rows = {(r["provider"], r["instance_type"]): r for r in table("instances.csv")}
    expect = {
        # provider, instance type: vCPU, memory GB, accelerator, count (vendor shape tables, see
        # scripts/factors_others.py; OCI vCPU = 2 x OCPU)
        ("ibm", "gx3d-160x1792x8gaudi3"): (160, 1792, "Intel Gaudi3", 8),
        ("ibm", "gx3d-160x1792x8h100"): (160, 1792, "NVIDIA H100 SXM5 80GB", 8),
        ("intel", "bm-icp-gaudi2"): (160, 1024, "Intel Gaudi2", 8),
        ("scaleway", "H100-1-80G"): (24, 240, "NVIDIA H100 PCIe 80GB", 1),
        ("scaleway", "H100-2-80G"): (48, 480, "NVIDIA H100 PCIe 80GB", 2),
        ("ovhcloud", "t2-45"): (15, 45, "NVIDIA Tesla V100S PCIe 32GB", 1),
        ("ovhcloud", "t2-180"): (60, 180, "NVIDIA Tesla V100S PCIe 32GB", 4),
        ("oci", "BM.GPU4.8"): (128, 2048, "NVIDIA A100 SXM4 40GB", 8),
        ("oci", "BM.GPU.A100-v2.8"): (256, 2048, "NVIDIA A100 SXM4 80GB", 8),
        ("oci", "VM.GPU.A10.1"): (30, 240, "NVIDIA A10", 1),
        ("oci", "VM.GPU3.1"): (12, 90, "NVIDIA Tesla V100 SXM2 16/32GB", 1),
        ("oci", "BM.GPU.H100.8"): (224, 2048, "NVIDIA H100 SXM5 80GB", 8),
        ("lambda", "gpu_1x_a100"): (30, 200, "NVIDIA A100 PCIe 40GB", 1),
    }
    for key, (vcpu, mem, model, count) in expect.items():
        r = rows[key]
        assert (
            int(r["vcpu"]),
            float(r["memory_gb"]),
            r["accelerator_model"],
            float(r["accelerator_count"]),
        ) == (
            vcpu,
            mem,
            model,
            count,
        ), key
        assert "https://" in r["source"], key
    aws = {r["microarchitecture"]: r for r in table("cpu_power.csv") if r["provider"] == "aws"}
    for r in table("cpu_power.csv"):
        if r["provider"] in {"oci", "ibm", "scaleway", "ovhcloud", "intel", "lambda"}:
            a = aws[r["microarchitecture"]]
            assert (r["min_w_per_vcpu"], r["max_w_per_vcpu"]) == (a["min_w_per_vcpu"], a["max_w_per_vcpu"])
            assert "copy of the" in r["source"]


# --------------------------------------------------------------------------------------------------
# Cost-ratio fallback reference ratios: scripts/factors_fallback.py
# --------------------------------------------------------------------------------------------------


def test_fallback_reference_ratios_shape() -> None:
    rows = table("fallback_reference_ratios.csv")
    keys = {(r["provider"], r["currency"], r["service_class"]) for r in rows}
    # every provider (and the '*' default) has compute, storage and '*' rows in USD, EUR and GBP
    for provider in ("aws", "azure", "gcp", "*"):
        for currency in ("USD", "EUR", "GBP"):
            for cls in ("compute", "storage", "*"):
                assert (provider, currency, cls) in keys
    assert len(rows) == 4 * 3 * 3
    for r in rows:
        lo, mid, hi = (float(r[c]) for c in ("kwh_per_cost_low", "kwh_per_cost", "kwh_per_cost_high"))
        assert 0 < lo < mid < hi, r
        # a wide band: at least a factor of 2 either side (1.999: the figures are rounded to 6 decimals)
        assert mid / lo >= 1.999 and hi / mid >= 1.999, r
        assert r["note"] and r["source"] and r["licence"] == "Apache-2.0"


def test_fallback_reference_ratio_aws_compute_by_hand() -> None:
    ref = {
        (r["provider"], r["currency"], r["service_class"]): r for r in table("fallback_reference_ratios.csv")
    }
    aws = ref[("aws", "USD", "compute")]
    # m5.large hour at 0.096 USD (2 vCPU, 8 GB); AWS average 0.74 / 3.5 W per vCPU, 0.392 W/GB, PUE 1.135
    # E(0.5) = (2 x (0.74 + 0.5 x 2.76) + 8 x 0.392) x 1.135 = (4.24 + 3.136) x 1.135 = 8.37176 W
    #        -> 0.00837176 kWh / 0.096 USD = 0.087206 kWh/USD
    # low  E(0) / (2 x 0.096) = (1.48 + 3.136) x 1.135 / 1000 / 0.192 = 0.027288 kWh/USD
    # high E(1) / (0.28 x 0.096) = (7.0 + 3.136) x 1.135 / 1000 / 0.02688 = 0.427990 kWh/USD
    assert float(aws["kwh_per_cost"]) == pytest.approx(0.087206, abs=1e-6)
    assert float(aws["kwh_per_cost_low"]) == pytest.approx(0.027288, abs=2e-6)
    assert float(aws["kwh_per_cost_high"]) == pytest.approx(0.427990, abs=2e-6)
    # S3 Standard 0.023 USD per GB-month: 0.65 Wh/TB-h x 730 h / 1000 x 3 x 1.135 = 1.6157 Wh
    # -> 0.0016157 kWh / 0.023 = 0.070248 kWh/USD
    assert float(ref[("aws", "USD", "storage")]["kwh_per_cost"]) == pytest.approx(0.070248, abs=2e-6)
    # '*' = half the compute central: 0.087206 / 2 = 0.043603
    assert float(ref[("aws", "USD", "*")]["kwh_per_cost"]) == pytest.approx(0.043603, abs=1e-6)
    # EUR: x 1.0824 USD per EUR -> 0.087206 x 1.0824 = 0.094392
    assert float(ref[("aws", "EUR", "compute")]["kwh_per_cost"]) == pytest.approx(0.094392, abs=2e-6)
    # the '*' provider copies AWS
    assert ref[("*", "USD", "compute")]["kwh_per_cost"] == aws["kwh_per_cost"]
