#!/usr/bin/env python3
"""Build a cloudcarbon factor set (``factors/<version>/``) from cited public tables.

Usage::

    python scripts/build_factors.py --reference ../shared/reference --out factors/2026.12.1

Inputs are read only at build time: the reference folder (Cloud Carbon Footprint tables, the
accelerator list and the grid-intensity tables) and the hand-curated CSVs in
``scripts/factor_inputs/`` (each row with its own ``source`` and ``licence``). The output follows
the contract in ``factors/README.md``. Output is deterministic: rows are sorted, floats use a fixed
format and ``created`` is fixed, so rerunning the build gives byte-identical files and hashes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import io
import json
import re
import statistics
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

VERSION = "2026.12.1"
CREATED = "2026-12-01"
REPO_ROOT = Path(__file__).resolve().parent.parent
INPUTS = Path(__file__).resolve().parent / "factor_inputs"

# full commits: APP b7a049c7d25c0022919ab9010199dd9e77aa4577
#               COEF b0032d928c787cf76cecd7d1d611c5b46f366e29
APP = "cloud-carbon-footprint/cloud-carbon-footprint@b7a049c"
COEF = "cloud-carbon-footprint/ccf-coefficients@b0032d9"
APP_TYPES = f"{APP}:packages/aws/src/lib/AWSInstanceTypes.ts"
APP_CONST = {
    "aws": f"{APP}:packages/aws/src/domain/AwsFootprintEstimationConstants.ts",
    "gcp": f"{APP}:packages/gcp/src/domain/GcpFootprintEstimationConstants.ts",
    "azure": f"{APP}:packages/azure/src/domain/AzureFootprintEstimationConstants.ts",
}
COEF_USE = {p: f"{COEF}:output/coefficients-{p}-use.csv" for p in ("aws", "gcp", "azure")}
COEF_TEADS = f"{COEF}:data/aws-instances.csv (Teads AWS EC2 carbon emissions dataset)"
COEF_LATEST = f"{COEF}:data/aws-instances-latest-2026.csv"
COEF_EMBODIED = f"{COEF}:output/coefficients-aws-embodied.csv"
COEF_CONSTANTS = f"{COEF}:ccfcoef/constants.py"
METHOD = "cloudcarbon docs/method.md"
OWN = "cloudcarbon assumption"
#: Where cloud regions are: the providers' own region pages, as compiled with the data-centre locations
#: in these open datasets.
REGION_PAGES = (
    "provider region pages (as cited in Boavizta API regions.csv, Green Algorithms "
    "cloudProviders_datacenters.csv and Cloud Carbon Footprint *Regions.ts)"
)
APACHE = "Apache-2.0"

PROVIDER_NAMES = {"AWS": "aws", "GCP": "gcp", "Azure": "azure"}
BURSTABLE_FAMILIES = {"t2", "t3", "t3a", "t4g"}
# Boards carrying two GPU dies that clouds expose as two GPUs: figures are halved per exposed GPU.
DUAL_GPU_BOARDS = {"NVIDIA Tesla K80", "NVIDIA Tesla M60", "NVIDIA GRID K520"}
IDLE_DERIVED_BAND = 0.3
TDP_DERIVED_BAND = 0.5
VENDOR_BAND = 0.1
GPU_EMBODIED_KG = 150.0
# Rule for accelerators with no published TDP: closest published sibling scaled by memory.
TDP_SIBLINGS = {
    "Google TPU v5e (chip)": ("Google TPU v4 (chip)", "closest published Google TPU"),
    "Google TPU v5p (chip)": ("Google TPU v4 (chip)", "closest published Google TPU"),
    "Google TPU v6e Trillium (chip)": ("Google TPU v4 (chip)", "closest published Google TPU"),
    "AWS Inferentia (v1)": ("NVIDIA T4", "same-era (2019) inference accelerator on AWS"),
    "AWS Inferentia2": ("NVIDIA A10G", "same-era (2022) inference accelerator on AWS"),
    "AWS Trainium (Trn1)": ("NVIDIA A100 SXM4 40GB", "same-era (2021-22) training accelerator"),
    "AWS Trainium2": ("NVIDIA H100 SXM5 80GB", "same-era (2023-24) training accelerator"),
}
LOW_CONFIDENCE_TDP = {"NVIDIA GB200 (Grace + 2x B200 superchip)"}


# --------------------------------------------------------------------------------------------
# small helpers


def fmt(value: Any) -> str:
    """Fixed, locale-free formatting: ints as ints, floats with at most 6 decimals."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{round(value, 6):.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(value)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def num(text: str) -> float | None:
    """Parse a number, accepting the Teads comma decimal separator; None for blanks/N/A."""
    text = (text or "").strip().replace(",", ".")
    if text in ("", "N/A", "NA", "n/a"):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def norm_name(text: str) -> str:
    text = text.replace("\u2011", "-").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


def family_of(instance_type: str) -> str:
    return instance_type.split(".", 1)[0]


def write_csv(path: Path, fields: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([fmt(row.get(f)) for f in fields])
    path.write_bytes(buf.getvalue().encode("utf-8"))


def fail(message: str) -> None:
    raise SystemExit(f"build_factors: {message}")


def check_unique(rows: list[dict[str, Any]], key: Sequence[str], table: str) -> None:
    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        k = tuple(row[c] for c in key)
        if k in seen:
            fail(f"{table}: duplicate key {k}")
        seen.add(k)


# --------------------------------------------------------------------------------------------
# cpu_power.csv


def normalise_arch(name: str) -> str:
    name = name.strip()
    if name.startswith("AMD "):
        name = name[4:]
    if name.startswith("AWS "):
        name = name[4:]
    return name


def build_cpu_power(ccf: Path) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for provider in ("aws", "gcp", "azure"):
        for r in read_csv(ccf / f"coef_use_{provider}_2026.csv"):
            arch = normalise_arch(r["Architecture"])
            note = ""
            if arch.startswith("Graviton"):
                note = " (ccf-coefficients uses EPYC 2nd Gen SPECpower results as the Graviton proxy)"
            rows[(provider, arch)] = {
                "provider": provider,
                "microarchitecture": arch,
                "min_w_per_vcpu": float(r["Min Watts"]),
                "max_w_per_vcpu": float(r["Max Watts"]),
                "source": f"{COEF_USE[provider]} (2026 regeneration, SPECpower-derived, W per vCPU){note}",
                "licence": APACHE,
            }
    # older CCF app constants fill microarchitectures the 2026 tables lack
    for r in read_csv(ccf / "app_processor_min_max_watts.csv"):
        if r["kind"] != "CPU":
            continue
        provider = PROVIDER_NAMES[r["provider"]]
        arch = normalise_arch(r["processor"])
        if (provider, arch) in rows:
            continue
        rows[(provider, arch)] = {
            "provider": provider,
            "microarchitecture": arch,
            "min_w_per_vcpu": float(r["min_watts"]),
            "max_w_per_vcpu": float(r["max_watts"]),
            "source": f"{APP_CONST[provider]} (CCF app constant, SPECpower-derived, W per vCPU; "
            "absent from the 2026 coefficient table)",
            "licence": APACHE,
        }
    # first-generation Graviton: no SPECpower result; Teads measured package watts per vCPU
    teads = {r["Instance type"]: r for r in read_csv(ccf / "coef_data_aws_instances.csv")}
    a1 = teads["a1.medium"]
    vcpu = float(a1["Instance vCPU"])
    idle, full = num(a1["PkgWatt @ Idle"]), num(a1["PkgWatt @ 100%"])
    assert idle is not None and full is not None
    rows[("aws", "Graviton")] = {
        "provider": "aws",
        "microarchitecture": "Graviton",
        "min_w_per_vcpu": idle / vcpu,
        "max_w_per_vcpu": full / vcpu,
        "source": f"{COEF_TEADS}: a1.medium PkgWatt @ Idle and @ 100% divided by its vCPU count "
        "(no SPECpower result exists for first-generation Graviton)",
        "licence": APACHE,
    }
    consts = defaultdict(dict)
    for r in read_csv(ccf / "app_provider_constants.csv"):
        consts[PROVIDER_NAMES[r["provider"]]][r["constant"]] = (
            float(r["value"]) if r["unit"] == "W per vCPU" else r["value"]
        )
    for provider, (lo, hi) in {
        "aws": ("MIN_WATTS_AVG", "MAX_WATTS_AVG"),
        "gcp": ("MIN_WATTS_MEDIAN", "MAX_WATTS_MEDIAN"),
        "azure": ("MIN_WATTS_AVG", "MAX_WATTS_AVG"),
    }.items():
        rows[(provider, "*")] = {
            "provider": provider,
            "microarchitecture": "*",
            "min_w_per_vcpu": consts[provider][lo],
            "max_w_per_vcpu": consts[provider][hi],
            "source": f"{APP_CONST[provider]} {lo}/{hi} (provider fallback for unknown CPUs; code value)",
            "licence": APACHE,
        }
    return sorted(rows.values(), key=lambda r: (r["provider"], r["microarchitecture"]))


# --------------------------------------------------------------------------------------------
# accelerators.csv


def accelerator_kind(vendor: str, model: str) -> str:
    if "TPU" in model:
        return "tpu"
    if "FPGA" in model or vendor == "Xilinx":
        return "fpga"
    if vendor in ("AWS", "Intel", "Qualcomm"):
        return "asic"
    return "gpu"


def accelerator_licence(source: str) -> str:
    """SPDX expression for a reference row: the compiled sources it cites plus cloudcarbon's own."""
    ids = {APACHE}
    if "GA " in source or "GreenAlgorithms" in source:
        ids.add("CC-BY-4.0")
    if "mlco2" in source:
        ids.add("MIT")
    return " AND ".join(sorted(ids))


def build_accelerators(ref: Path) -> list[dict[str, Any]]:
    ref_rows = read_csv(ref / "accelerators.csv")
    extra = read_csv(INPUTS / "accelerators_extra.csv")
    ratios = [
        float(r["idle_watts_estimate"]) / float(r["tdp_watts"])
        for r in ref_rows
        if r["idle_watts_estimate"] and r["tdp_watts"]
    ]
    idle_ratio = statistics.median(ratios)
    ratio_text = (
        f"idle = {idle_ratio * 100:.1f}% of TDP, the median idle/TDP ratio of the {len(ratios)} "
        "accelerators.csv rows with a CCF Appendix III idle figure"
    )
    by_model = {r["model"]: r for r in ref_rows}
    out = []
    for r in [*ref_rows, *extra]:
        model = r["model"]
        vendor = r["vendor"]
        memory = float(r["memory_gb"])
        tdp = num(r["tdp_watts"])
        idle = num(r["idle_watts_estimate"])
        notes = []
        base = r["source"]
        if r in extra:
            base = f"scripts/factor_inputs/accelerators_extra.csv ({r['source']})"
        derivation, band = "vendor", VENDOR_BAND
        if tdp is None:
            sibling, why = TDP_SIBLINGS[model]
            s = by_model[sibling]
            tdp = round(float(s["tdp_watts"]) * memory / float(s["memory_gb"]), 1)
            notes.append(
                f"TDP derived: {sibling} TDP {s['tdp_watts']} W ({why}) x memory ratio "
                f"{fmt(memory)}/{s['memory_gb']} GB; no vendor figure published"
            )
            derivation, band = "derived", TDP_DERIVED_BAND
        if idle is None:
            idle = round(tdp * idle_ratio, 1)
            notes.append(ratio_text)
            if derivation == "vendor":
                derivation, band = "derived", IDLE_DERIVED_BAND
        else:
            notes.append("idle: CCF Appendix III (Teads idle/max ratio applied to TDP)")
        if model in LOW_CONFIDENCE_TDP:
            band = TDP_DERIVED_BAND
            notes.append("TDP from a third-party listing, low confidence: band 0.5")
        embodied = GPU_EMBODIED_KG
        emb_note = (
            f"embodied {GPU_EMBODIED_KG:g} kgCO2e per device = CCF GPU_MANUFACTURING_EMISSIONS "
            f"({COEF_CONSTANTS}), applied to every accelerator kind as a proxy"
        )
        if model.startswith("NVIDIA GB200"):
            embodied = 2 * GPU_EMBODIED_KG
            emb_note += "; GB200 superchip carries 2 GPUs: 2 x 150"
        if model in DUAL_GPU_BOARDS:
            tdp, idle, memory, embodied = tdp / 2, idle / 2, memory / 2, embodied / 2
            notes.append(
                "dual-GPU board: TDP, idle, memory and embodied halved to one exposed GPU "
                "(clouds bill each die as one GPU)"
            )
            derivation, band = "derived", IDLE_DERIVED_BAND
        if r.get("note"):
            notes.append(f"note: {r['note']}")
        out.append(
            {
                "model": model,
                "vendor": vendor,
                "kind": r.get("kind") or accelerator_kind(vendor, model),
                "idle_w": idle,
                "tdp_w": tdp,
                "memory_gb": memory,
                "embodied_kgco2e": embodied,
                "derivation": derivation,
                "band_ratio": band,
                "source": f"{base}; {'; '.join(notes)}; {emb_note}",
                "licence": r.get("licence") or accelerator_licence(r["source"]),
            }
        )
    check_unique(out, ["model"], "accelerators")
    return sorted(out, key=lambda r: r["model"])


# --------------------------------------------------------------------------------------------
# instances.csv


def build_instances(
    ccf: Path, cpu_power: list[dict[str, Any]], accelerators: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    app = {}
    for r in read_csv(ccf / "app_aws_instance_types.csv"):
        t = r["instance_type"].strip().lower()
        app.setdefault(t, r)  # first wins: EC2 table rows precede Redshift rows
    proc_map = {
        r["instance_type"].strip().lower(): r["cpu_processors"]
        for r in read_csv(ccf / "app_aws_instance_processor_mapping.csv")
    }
    teads = {r["Instance type"].strip(): r for r in read_csv(ccf / "coef_data_aws_instances.csv")}
    latest = {
        r["Instance Type"].strip(): r for r in read_csv(ccf / "coef_data_aws_instances_latest_2026.csv")
    }
    embodied_tab = {r["type"].strip(): r for r in read_csv(ccf / "coef_aws_embodied.csv")}
    cpu_names = {norm_name(r["cpu_name"]): r for r in read_csv(INPUTS / "cpu_name_microarchitecture.csv")}
    accel_map = {r["instance_type"]: r for r in read_csv(INPUTS / "aws_instance_accelerators.csv")}
    overrides = read_csv(INPUTS / "instance_overrides.csv")
    known_arch = {r["microarchitecture"] for r in cpu_power if r["provider"] == "aws"}
    accel_models = {r["model"] for r in accelerators}

    def map_cpu(name: str, table: str) -> str | None:
        if not name.strip():
            return None
        entry = cpu_names.get(norm_name(name))
        if entry is None:
            fail(f"{table}: CPU name {name!r} missing from cpu_name_microarchitecture.csv")
        return entry["microarchitecture"] or None

    types = sorted(set(app) | set(latest))
    for t in accel_map:
        if t not in types:
            fail(f"aws_instance_accelerators.csv: unknown instance type {t}")

    rows: dict[str, dict[str, Any]] = {}
    for t in types:
        a, lt, td = app.get(t), latest.get(t), teads.get(t)
        src: list[str] = []
        # vCPU and memory: newest list first, CCF app table second
        if lt is not None:
            vcpu, mem = int(float(lt["vCPUs"])), float(lt["Memory (GiB)"])
            src.append(f"vcpu/memory: {COEF_LATEST}")
        else:
            assert a is not None
            vcpu, mem = int(float(a["vcpus"])), float(a["memory_gb"])
            src.append(f"vcpu/memory: {APP_TYPES} ({a['source_table']})")
        # CPU microarchitecture: latest CPU name -> Teads CPU name -> CCF processor map -> *
        arch = None
        if lt is not None:
            arch = map_cpu(lt["Platform CPU Name"], "latest_2026")
            if arch:
                src.append(f"cpu: {COEF_LATEST} Platform CPU Name {lt['Platform CPU Name']!r}")
        if not arch and td is not None:
            arch = map_cpu(td["Platform CPU Name"], "aws-instances")
            if arch:
                src.append(f"cpu: {COEF_TEADS} Platform CPU Name {td['Platform CPU Name']!r}")
        if not arch and proc_map.get(t, "Unknown") != "Unknown":
            arch = ";".join(normalise_arch(p) for p in proc_map[t].split(";"))
            src.append(f"cpu: {APP_TYPES} INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING")
        if not arch:
            arch = "*"
            src.append("cpu: unknown processor, provider fallback (*)")
        for part in arch.split(";"):
            if part not in known_arch:
                fail(f"instances: {t} microarchitecture {part!r} not in cpu_power (aws)")
        rows[t] = {
            "provider": "aws",
            "instance_type": t,
            "family": family_of(t),
            "vcpu": vcpu,
            "memory_gb": mem,
            "cpu_microarchitectures": arch,
            "_src": src,
            "_teads": td,
            "_latest": lt,
            "_app": a,
        }

    for o in overrides:
        row = rows.get(o["instance_type"])
        if row is None or o["provider"] != "aws":
            fail(f"instance_overrides.csv: unknown instance {o['instance_type']}")
        if o["field"] == "memory_gb":
            row["memory_gb"] = float(o["value"])
        elif o["field"] == "cpu_microarchitectures":
            if any(p not in known_arch for p in o["value"].split(";")):
                fail(f"instance_overrides.csv: unknown microarchitecture {o['value']}")
            row["cpu_microarchitectures"] = o["value"]
            row["_src"] = [x for x in row["_src"] if not x.startswith("cpu:")]
        else:
            fail(f"instance_overrides.csv: unsupported field {o['field']}")
        row["_src"].append(f"{o['field']} override: {o['source']}")

    # host vCPU: Teads platform vCPU -> same family's Teads value -> largest vCPU in the family
    fam_teads: dict[str, list[int]] = defaultdict(list)
    fam_max: dict[str, int] = defaultdict(int)
    for row in rows.values():
        td = row["_teads"]
        if td is not None and num(td["Platform Total Number of vCPU"]):
            fam_teads[row["family"]].append(int(num(td["Platform Total Number of vCPU"]) or 0))
        fam_max[row["family"]] = max(fam_max[row["family"]], row["vcpu"])
    for row in rows.values():
        td, fam = row["_teads"], row["family"]
        host = num(td["Platform Total Number of vCPU"]) if td is not None else None
        if host:
            row["host_vcpu"] = int(host)
            row["_src"].append(f"host_vcpu: {COEF_TEADS} Platform Total Number of vCPU")
        elif fam_teads[fam]:
            row["host_vcpu"] = max(fam_teads[fam])
            row["_src"].append(
                f"host_vcpu: {COEF_TEADS} platform vCPU of another {fam} size (type not listed)"
            )
        else:
            row["host_vcpu"] = fam_max[fam]
            row["_src"].append(
                f"host_vcpu: not in the Teads data; largest vCPU count of the {fam} family used "
                "as the platform size"
            )
        if row["host_vcpu"] < row["vcpu"]:
            row["_src"].append(f"host_vcpu raised from {row['host_vcpu']} to the instance vCPU")
            row["host_vcpu"] = row["vcpu"]

    # burstable baseline (fraction of a vCPU)
    for row in rows.values():
        a = row["_app"]
        if row["family"] in BURSTABLE_FAMILIES:
            if a is None or not a["burstable_baseline_pct"]:
                fail(f"instances: burstable {row['instance_type']} lacks a CCF baseline")
            row["burstable_baseline"] = float(a["burstable_baseline_pct"]) / 100
            row["_src"].append(
                f"burstable_baseline: {APP_TYPES} BURSTABLE_INSTANCE_BASELINE_UTILIZATION / 100"
            )
        else:
            row["burstable_baseline"] = None

    # accelerators
    for row in rows.values():
        acc = accel_map.get(row["instance_type"])
        if acc is None:
            row["accelerator_model"], row["accelerator_count"] = "", 0.0
            continue
        if acc["accelerator_model"] not in accel_models:
            fail(f"aws_instance_accelerators.csv: unknown model {acc['accelerator_model']}")
        row["accelerator_model"] = acc["accelerator_model"]
        row["accelerator_count"] = float(acc["accelerator_count"])
        note = f" ({acc['note']})" if acc["note"] else ""
        row["_src"].append(
            f"accelerator: scripts/factor_inputs/aws_instance_accelerators.csv <- {acc['source']}{note}"
        )

    # embodied (whole host, accelerators excluded: they carry their own embodied figure)
    resolved: dict[str, float] = {}
    for row in rows.values():
        t = row["instance_type"]
        e, lt, a = embodied_tab.get(t), row["_latest"], row["_app"]
        if e is not None:
            gpus = float(e["additional_gpus"])
            resolved[t] = float(e["total"]) - gpus
            extra = f" minus additional_gpus {gpus:g} kg (accelerators counted in accelerators.csv)"
            row["_src"].append(f"embodied: {COEF_EMBODIED} total{extra if gpus else ''}")
        elif lt is not None and num(lt["Platform Embedded Emissions (mtCo2eq)"]):
            resolved[t] = 1000 * (num(lt["Platform Embedded Emissions (mtCo2eq)"]) or 0)
            row["_src"].append(f"embodied: {COEF_LATEST} Platform Embedded Emissions (mtCO2eq) x 1000")
        elif a is not None and num(a["embodied_tco2e"]):
            resolved[t] = 1000 * (num(a["embodied_tco2e"]) or 0)
            row["_src"].append(f"embodied: {APP_TYPES} embodied tCO2e x 1000")
    by_family: dict[str, list[float]] = defaultdict(list)
    by_arch: dict[str, list[float]] = defaultdict(list)
    for t, v in resolved.items():
        by_family[rows[t]["family"]].append(v)
        if not rows[t]["accelerator_model"]:
            by_arch[rows[t]["cpu_microarchitectures"]].append(v)
    overall = statistics.median(v for t, v in resolved.items() if not rows[t]["accelerator_model"])
    for row in rows.values():
        t = row["instance_type"]
        if t in resolved:
            row["embodied_host_kgco2e"] = resolved[t]
        elif by_family[row["family"]]:
            row["embodied_host_kgco2e"] = statistics.median(by_family[row["family"]])
            row["_src"].append(
                f"embodied: no figure for this type; median of the {row['family']} family's figures"
            )
        elif by_arch[row["cpu_microarchitectures"]]:
            row["embodied_host_kgco2e"] = statistics.median(by_arch[row["cpu_microarchitectures"]])
            row["_src"].append(
                "embodied: no figure for this type or family; median of non-accelerator instances "
                f"with microarchitecture {row['cpu_microarchitectures']}"
            )
        else:
            row["embodied_host_kgco2e"] = overall
            row["_src"].append("embodied: no figure; median of all non-accelerator AWS instances")
        row["source"] = "; ".join(row.pop("_src"))
        row["licence"] = APACHE
        for k in ("_teads", "_latest", "_app"):
            row.pop(k)
    out = sorted(rows.values(), key=lambda r: (r["provider"], r["instance_type"]))
    check_unique(out, ["provider", "instance_type"], "instances")
    return out


# --------------------------------------------------------------------------------------------
# coefficients.csv and pue.csv


def build_coefficients() -> list[dict[str, Any]]:
    ccf_aws = f"{APP_CONST['aws']}"
    rows = [
        (
            "memory_kwh_per_gb_hour",
            0.000392,
            "kWh/GB-h",
            f"{ccf_aws} MEMORY_COEFFICIENT; {METHOD} section 2 (mean of 0.375 and 0.408 W/GB)",
        ),
        ("ssd_wh_per_tb_hour", 1.2, "Wh/TB-h", f"{ccf_aws} SSDCOEFFICIENT; {METHOD} section 2"),
        ("hdd_wh_per_tb_hour", 0.65, "Wh/TB-h", f"{ccf_aws} HDDCOEFFICIENT; {METHOD} section 2"),
        (
            "network_kwh_per_gb",
            0.001,
            "kWh/GB",
            f"{ccf_aws} NETWORKING_COEFFICIENT; {METHOD} section 2 (inter-region and internet)",
        ),
        (
            "network_intra_region_kwh_per_gb",
            0.0,
            "kWh/GB",
            f"{METHOD} section 2 counts inter-region and internet transfer only; intra-region "
            f"transfer is not counted ({OWN})",
        ),
        (
            "server_lifespan_hours",
            35040.0,
            "h",
            f"{ccf_aws} SERVER_EXPECTED_LIFESPAN (4 years); {METHOD} section 3",
        ),
        (
            "lambda_mb_per_vcpu",
            1769.0,
            "MB/vCPU",
            "AWS Lambda developer guide, memory and computing power: a function gets the "
            "equivalent of one vCPU at 1,769 MB https://docs.aws.amazon.com/lambda/latest/dg/"
            "configuration-memory.html",
        ),
        (
            "cpu_utilisation_default",
            0.5,
            "fraction",
            f"{ccf_aws} AVG_CPU_UTILIZATION_2020 (50 %); {METHOD} section 2",
        ),
        ("cpu_utilisation_low", 0.1, "fraction", f"{METHOD} section 2 (band 0.1 to 0.9)"),
        ("cpu_utilisation_high", 0.9, "fraction", f"{METHOD} section 2 (band 0.1 to 0.9)"),
        (
            "accelerator_utilisation_default",
            0.5,
            "fraction",
            f"{METHOD} section 2: configurable separately from the CPU's; default 0.5 ({OWN})",
        ),
        ("accelerator_utilisation_low", 0.1, "fraction", f"{METHOD} section 2 band ({OWN})"),
        ("accelerator_utilisation_high", 0.9, "fraction", f"{METHOD} section 2 band ({OWN})"),
        (
            "fallback_band_low_ratio",
            0.5,
            "ratio",
            f"{OWN}: low end of the band for fallback-estimated rows = 0.5 x estimate",
        ),
        (
            "fallback_band_high_ratio",
            2.0,
            "ratio",
            f"{OWN}: high end of the band for fallback-estimated rows = 2 x estimate",
        ),
        (
            "embodied_band_ratio",
            0.3,
            "ratio",
            f"{OWN}: relative half-width of the embodied-emissions band",
        ),
        (
            "grid_boundary_band_ratio",
            0.3,
            "ratio",
            f"{OWN}: extra relative half-width when a grid factor of the other boundary (lifecycle for "
            "operational or the reverse) replaces the chosen one; lifecycle Electricity Maps 2025 zone "
            "averages are about 30% above the providers' operational figures for the same places "
            "(Netherlands 253 vs Google europe-west4 194.35; US-NW-BPAT 129 vs Google us-west1 Oregon "
            "97.85 g/kWh: GoogleCloudPlatform/region-carbon-info@74d9bf81:data/yearly/2025.csv, "
            "thegreenwebfoundation/co2.js@27cbe83:data/output/electricity-maps/yearly_2025.json)",
        ),
        (
            "grid_substitution_band_ratio",
            0.1,
            "ratio",
            f"{OWN}: extra relative half-width when a grid factor of an earlier year is used",
        ),
    ]
    return sorted(
        ({"name": n, "value": v, "unit": u, "source": s, "licence": APACHE} for n, v, u, s in rows),
        key=lambda r: r["name"],
    )


def build_pue(ccf: Path) -> list[dict[str, Any]]:
    out = []
    for r in read_csv(ccf / "app_pue.csv"):
        provider = PROVIDER_NAMES[r["provider"]]
        kind = "provider average" if r["region"] == "*" else "trailing-twelve-month region value"
        out.append(
            {
                "provider": provider,
                "region": r["region"],
                "pue": float(r["pue"]),
                "source": f"{APP_CONST[provider]} ({kind}); {METHOD} section 2",
                "licence": APACHE,
            }
        )
    check_unique(out, ["provider", "region"], "pue")
    return sorted(out, key=lambda r: (r["provider"], r["region"]))


# --------------------------------------------------------------------------------------------
# grid intensity


def grid_year(text: str) -> int | None:
    m = re.fullmatch(r"~?(\d{4})", text.strip())
    return int(m.group(1)) if m else None


def build_grid(grid: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    permissive: list[dict[str, Any]] = []
    odbl: list[dict[str, Any]] = []
    for r in read_csv(grid / "cloud_regions.csv"):
        if "not in curated location table" in r["note"]:
            continue  # legacy / geography names, not current regions
        year = grid_year(r["year"])
        if year is None:
            continue  # mixed-year rows (mlco2 2016-2019, Green Algorithms 2019-2022)
        src, basis = r["source"], r["basis"]
        value = float(r["gco2e_per_kwh"])
        base = {
            "provider": r["provider"],
            "region": r["region"],
            "year": year,
            "g_co2e_per_kwh": value,
        }
        approx = " (year given as ~" + str(year) + " in the source)" if "~" in r["year"] else ""
        if src.startswith("Electricity Maps") and basis.startswith("DERIVED"):
            odbl.append(
                {
                    **base,
                    "dataset": "electricitymaps",
                    "basis": "lifecycle, zone (Electricity Maps yearly average)",
                    "zone": r["em_zone"],
                    "source": f"Electricity Maps yearly averages, {r['source_path']}; "
                    f"region->zone mapping: {REGION_PAGES}",
                    "licence": "ODbL-1.0",
                }
            )
        elif src.startswith("Ember") and basis.startswith("DERIVED"):
            permissive.append(
                {
                    **base,
                    "dataset": "ember",
                    "basis": "lifecycle, country (Ember yearly average)",
                    "zone": r["country_iso2"],
                    "source": f"Ember yearly electricity data (attribute: Ember), "
                    f"{r['source_path']}; Ember publishes under CC-BY-4.0 (co2.js "
                    "README states CC-BY-SA-4.0 for its copy); region->country: "
                    f"{REGION_PAGES}",
                    "licence": "CC-BY-4.0",
                }
            )
        elif src.startswith("Cloud Carbon Footprint"):
            if "CFE" in basis:
                continue  # quasi market-based, not a location-based grid factor
            m = re.search(r"NERC=(\w+)", r["note"])
            if m:
                zone, basis_out = m.group(1), "operational, US NERC region (EPA eGRID2020)"
                under = "EPA eGRID2020 (US public domain)"
            elif "Google" in src:
                # CCF's copy of Google's 2020 file, which is lifecycle (see google-region-carbon)
                zone, basis_out = r["region"], "lifecycle, Google-published region grid average (~2020)"
                under = "Google region carbon data"
            else:
                # generation (combustion) emissions per kWh as published, no upstream: operational
                zone, basis_out = (
                    r["country_iso2"],
                    "operational, country average (carbonfootprint.com/EEA)",
                )
                under = src.split(";", 1)[1].strip() if ";" in src else src
            permissive.append(
                {
                    **base,
                    "dataset": "ccf-appendix-v",
                    "basis": basis_out + approx,
                    "zone": zone,
                    "source": f"{r['source_path']} Appendix V; underlying: {under}",
                    "licence": APACHE,
                }
            )
        elif src.startswith("Google Cloud region carbon"):
            kind = "operational" if "operational" in basis else "lifecycle"
            permissive.append(
                {
                    **base,
                    "dataset": "google-region-carbon",
                    "basis": f"{kind}, region (Google-published grid average)",
                    "zone": r["region"],
                    "source": f"{r['source_path']}",
                    "licence": APACHE,
                }
            )
    permissive.extend(build_google_2025(grid))
    egrid = build_egrid(grid)
    out = []
    for rows in (permissive, odbl):
        groups: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            groups[(row["provider"], row["dataset"], row["year"])].append(row)
        for (provider, dataset, year), members in groups.items():
            bases = {m["basis"] for m in members}
            rows.append(
                {
                    "provider": provider,
                    "region": "*",
                    "year": year,
                    "g_co2e_per_kwh": round(statistics.fmean(m["g_co2e_per_kwh"] for m in members), 1),
                    "dataset": dataset,
                    "basis": bases.pop() if len(bases) == 1 else "mixed",
                    "zone": "*",
                    "source": f"unweighted mean of the {len(members)} {provider} region rows "
                    f"of dataset {dataset}, year {year}, in this table (computed by "
                    "scripts/build_factors.py)",
                    "licence": members[0]["licence"],
                }
            )
        if rows is permissive:
            # eGRID covers US regions only: no provider mean (it would be a US mean posing as the
            # provider's), so rows with an unknown region never take it
            rows.extend(egrid)
        key = ["provider", "region", "year", "dataset"]
        check_unique(rows, key, "grid")
        out.append(sorted(rows, key=lambda r: tuple(r[k] for k in key)))
    return out[0], out[1]


#: Grid-factor boundaries (factor set 2026.12.1 on): ``operational`` = combustion / direct emissions of
#: generation (GHG Protocol scope 2 location-based), ``lifecycle`` = with upstream fuel supply and plant
#: construction. The first word of every grid row's ``basis`` names it.
GRID_BOUNDARIES = ("operational", "lifecycle")
EGRID_SOURCE = (
    "US EPA eGRID2023 (data year 2023, released 2025-01), subregion total output emission rates as "
    "tabulated in the EPA GHG Emission Factors Hub 2025, Table 6 "
    "(https://www.epa.gov/egrid/download-data, "
    "https://www.epa.gov/climateleadership/ghg-emission-factors-hub); CO2e = CO2 + 28 CH4 + 265 N2O "
    "(IPCC AR5 GWP100, the Hub's basis), lb/MWh x 0.45359237 = g/kWh"
)


def declare_boundary(row: dict[str, Any], table: str) -> None:
    """Set a grid row's ``boundary`` (from the first word of its ``basis``) and ``granularity``."""
    boundary = str(row["basis"]).split(",", 1)[0].strip()
    if boundary not in GRID_BOUNDARIES:
        fail(
            f"{table}: {row['provider']} {row['region']} {row['year']} {row['dataset']}: basis "
            f"{row['basis']!r} does not start with one of {GRID_BOUNDARIES}"
        )
    row["boundary"] = boundary
    # every source used publishes yearly averages; a monthly source would set "monthly" here
    row.setdefault("granularity", "annual")


def build_google_2025(grid: Path) -> list[dict[str, Any]]:
    """Google region-carbon-info 2025 (operational), curated in factor_inputs: current regions only."""
    current = {r["region"] for r in read_csv(grid / "cloud_region_locations.csv") if r["provider"] == "gcp"}
    out = []
    for r in read_csv(INPUTS / "google_region_carbon_2025.csv"):
        if r["region"] not in current:
            continue  # not (yet) a region of the location table, like the 2019-2024 files' extras
        out.append(
            {
                "provider": "gcp",
                "region": r["region"],
                "year": int(r["year"]),
                "g_co2e_per_kwh": float(r["g_co2e_per_kwh"]),
                "dataset": "google-region-carbon",
                "basis": "operational, region (Google-published grid average)",
                "zone": r["region"],
                "source": r["source"],
                "licence": r["licence"],
            }
        )
    return out


def build_egrid(grid: Path) -> list[dict[str, Any]]:
    """US cloud regions -> eGRID2023 subregion CO2e rate (operational, public domain)."""
    rates = {r["egrid_subregion"]: r for r in read_csv(grid / "us_egrid_subregions.csv")}
    review = {(r["provider"], r["region"]): r for r in read_csv(INPUTS / "egrid_region_review.csv")}
    out = []
    for r in read_csv(grid / "cloud_region_egrid.csv"):
        checked = review.get((r["provider"], r["region"]))
        sub = checked["egrid_subregion"] if checked else r["egrid_subregion"]
        rate = rates.get(sub)
        if rate is None:
            fail(f"cloud_region_egrid.csv: {r['provider']} {r['region']}: no eGRID rate for {sub!r}")
            raise AssertionError  # unreachable: fail() exits
        value = float(rate["co2e_g_per_kwh_ar5"])
        # the CO2e rate recomputed from the Hub's CO2, CH4 and N2O (lb/MWh) must match the table's
        lb = (
            float(rate["co2_lb_per_mwh"])
            + 28 * float(rate["ch4_lb_per_mwh"])
            + 265 * float(rate["n2o_lb_per_mwh"])
        )
        if abs(lb * 0.45359237 - value) > 0.06:
            fail(f"us_egrid_subregions.csv: {sub}: CO2e {value} g/kWh != {lb * 0.45359237:.2f} recomputed")
        reason = checked["review"] if checked else r["reason"]
        confidence = checked["confidence"] if checked else r["confidence"]
        out.append(
            {
                "provider": r["provider"],
                "region": r["region"],
                "year": int(rate["data_year"]),
                "g_co2e_per_kwh": value,
                "dataset": "egrid",
                "basis": f"operational, eGRID subregion {sub} ({rate['subregion_name']}), total output "
                "emission rate (no upstream, no grid losses)",
                "zone": sub,
                "source": f"{EGRID_SOURCE}; region -> subregion ({confidence} confidence): "
                f"{r['data_centre_location']}, {r['us_state']}: {reason} "
                "(EPA eGRID subregion map / Power Profiler, https://www.epa.gov/egrid/power-profiler)",
                "licence": "public domain",
            }
        )
    # inventory locations: the US average (location "US") and each subregion by its eGRID acronym
    # ("NWPP"), operational; ISO country codes have two letters and Electricity Maps zones a hyphen
    for sub, rate in sorted(rates.items()):
        out.append(
            {
                "provider": "location",
                "region": sub,
                "year": int(rate["data_year"]),
                "g_co2e_per_kwh": float(rate["co2e_g_per_kwh_ar5"]),
                "dataset": "egrid",
                "basis": f"operational, eGRID {'US average' if sub == 'US' else 'subregion ' + sub} "
                f"({rate['subregion_name']}), total output emission rate (no upstream, no grid losses)",
                "zone": sub,
                "source": EGRID_SOURCE,
                "licence": "public domain",
            }
        )
    return out


# --------------------------------------------------------------------------------------------
# schema / datapackage

F = dict[str, str]


def field(name: str, type_: str, description: str, unit: str | None = None) -> F:
    f = {"name": name, "type": type_}
    if unit:
        f["unit"] = unit
    f["description"] = description
    return f


SRC = field("source", "string", "where the figure comes from (repository@commit:path, URL, document)")
LIC = field("licence", "string", "licence of the figure (SPDX id where one exists)")
GRID_FIELDS = [
    field("provider", "string", "aws / gcp / azure"),
    field("region", "string", "cloud region; * = unweighted mean of the provider's regions"),
    field("year", "integer", "year the intensity is for"),
    field("g_co2e_per_kwh", "number", "location-based grid intensity", "gCO2e/kWh"),
    field("dataset", "string", "electricitymaps / ember / ccf-appendix-v / google-region-carbon / egrid"),
    field("basis", "string", "lifecycle or operational; zone, country or region"),
    field("zone", "string", "grid zone or country the value is for"),
    field(
        "boundary",
        "string",
        "operational (combustion / direct emissions of generation, GHG Protocol scope 2 "
        "location-based) or lifecycle (with upstream fuel supply and plant construction)",
    ),
    field("granularity", "string", "annual or monthly: the period one value averages"),
    SRC,
    LIC,
]
SCHEMAS: dict[str, tuple[list[F], list[str]]] = {
    "instances.csv": (
        [
            field("provider", "string", "aws / gcp / azure"),
            field("instance_type", "string", "instance type as billed (db./ml. prefixes stripped)"),
            field("family", "string", "instance family, e.g. m5"),
            field("vcpu", "integer", "vCPUs of the instance", "vCPU"),
            field("memory_gb", "number", "memory of the instance", "GB"),
            field(
                "cpu_microarchitectures",
                "string",
                "';'-separated cpu_power.microarchitecture names (averaged); * = fallback",
            ),
            field("host_vcpu", "integer", "vCPUs of the whole platform (host)", "vCPU"),
            field(
                "burstable_baseline",
                "number",
                "baseline share of a vCPU, blank if not burstable",
                "fraction",
            ),
            field("accelerator_model", "string", "accelerators.model, blank for none"),
            field(
                "accelerator_count",
                "number",
                "accelerator devices per instance (0 for none)",
                "devices",
            ),
            field(
                "embodied_host_kgco2e",
                "number",
                "manufacturing emissions of the whole host, accelerators excluded",
                "kgCO2e",
            ),
            SRC,
            LIC,
        ],
        ["provider", "instance_type"],
    ),
    "cpu_power.csv": (
        [
            field("provider", "string", "aws / gcp / azure"),
            field("microarchitecture", "string", "CPU microarchitecture; * = provider fallback"),
            field("min_w_per_vcpu", "number", "power per vCPU at idle", "W/vCPU"),
            field("max_w_per_vcpu", "number", "power per vCPU at 100 % load", "W/vCPU"),
            SRC,
            LIC,
        ],
        ["provider", "microarchitecture"],
    ),
    "accelerators.csv": (
        [
            field("model", "string", "accelerator model"),
            field("vendor", "string", "vendor"),
            field("kind", "string", "gpu / tpu / asic / fpga"),
            field("idle_w", "number", "power per device at idle", "W"),
            field("tdp_w", "number", "thermal design power per device", "W"),
            field("memory_gb", "number", "device memory", "GB"),
            field("embodied_kgco2e", "number", "manufacturing emissions per device", "kgCO2e"),
            field(
                "derivation",
                "string",
                "vendor = vendor datasheet TDP; derived = see source; derived_no_vendor_tdp = no "
                "vendor TDP exists, a sibling's TDP scaled by memory",
            ),
            field("band_ratio", "number", "relative half-width of the factor's uncertainty", "ratio"),
            SRC,
            LIC,
        ],
        ["model"],
    ),
    "coefficients.csv": (
        [
            field("name", "string", "coefficient name used by the model"),
            field("value", "number", "value"),
            field("unit", "string", "unit of value"),
            SRC,
            LIC,
        ],
        ["name"],
    ),
    "pue.csv": (
        [
            field("provider", "string", "aws / gcp / azure"),
            field("region", "string", "region; * = provider value"),
            field("pue", "number", "power usage effectiveness", "ratio"),
            SRC,
            LIC,
        ],
        ["provider", "region"],
    ),
    "grid_intensity.csv": (GRID_FIELDS, ["provider", "region", "year", "dataset"]),
    "grid_intensity_odbl.csv": (GRID_FIELDS, ["provider", "region", "year", "dataset"]),
}
USAGE_TYPE_FIELDS = [
    "rule_id",
    "priority",
    "product_code",
    "usage_type_regex",
    "usage_class",
    "quantity_unit",
    "replication_factor",
    "storage_tier",
    "note",
    "source",
    "licence",
]
USAGE_TYPE_SCHEMA: tuple[list[F], list[str]] = (
    [
        field("rule_id", "string", "rule identifier"),
        field("priority", "integer", "lower first; first match wins"),
        field("product_code", "string", "AWS product code; blank = any service"),
        field("usage_type_regex", "string", "regex on the usage type without its region prefix"),
        field("usage_class", "string", "usage class assigned"),
        field("quantity_unit", "string", "what ConsumedQuantity is for this class"),
        field("replication_factor", "number", "copies kept by the service", "ratio"),
        field("storage_tier", "string", "ssd / hdd / blank"),
        field("exclusion_reason", "string", "why rows of class excluded are excluded"),
        field("accelerator_model", "string", "accelerators.model billed by this rule (GPU/TPU SKUs)"),
        field(
            "accelerators_per_unit",
            "number",
            "devices per billed unit-hour (e.g. 0.5 chip per TPU core-hour); blank = 1",
            "devices",
        ),
        field("note", "string", "note"),
        SRC,
        LIC,
    ],
    ["rule_id"],
)

CANONICAL_UNITS = ("hours", "gb_month", "gb_hours", "gb_seconds", "vcpu_hours", "gb", "requests")
UNITS_SCHEMA: tuple[list[F], list[str]] = (
    [
        field("unit", "string", "unit as a provider writes it (exact text)"),
        field("canonical_unit", "string", "one of " + ", ".join(CANONICAL_UNITS)),
        field("multiplier", "number", "quantity in the canonical unit per billed unit"),
        field("note", "string", "note"),
        SRC,
        LIC,
    ],
    ["unit"],
)

CPU_MODELS_SCHEMA: tuple[list[F], list[str]] = (
    [
        field("model", "string", "CPU model name as an inventory states it (e.g. Intel Xeon Gold 6248)"),
        field("microarchitecture", "string", "a cpu_power.microarchitecture"),
        field("note", "string", "note"),
        SRC,
        LIC,
    ],
    ["model"],
)

LICENCE_INFO = {
    "Apache-2.0": ("Apache License 2.0", "https://www.apache.org/licenses/LICENSE-2.0"),
    "CC-BY-4.0": (
        "Creative Commons Attribution 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "ODbL-1.0": (
        "Open Data Commons Open Database License 1.0",
        "https://opendatacommons.org/licenses/odbl/1-0/",
    ),
    "MIT": ("MIT License", "https://opensource.org/license/mit"),
    "MPL-2.0": ("Mozilla Public License 2.0", "https://www.mozilla.org/en-US/MPL/2.0/"),
    "public domain": (
        "US government work, public domain (17 U.S.C. 105)",
        "https://www.usa.gov/government-copyright",
    ),
}


def licence_objects(values: Iterable[str]) -> list[dict[str, str]]:
    ids: set[str] = set()
    for v in values:
        ids.update(p.strip() for p in re.split(r"\s+AND\s+|\s+OR\s+", v) if p.strip())
    out = []
    for i in sorted(ids):
        title, path = LICENCE_INFO.get(i, (i, ""))
        obj = {"name": i, "title": title}
        if path:
            obj["path"] = path
        out.append(obj)
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_datapackage(out: Path, schemas: dict[str, tuple[list[F], list[str]]]) -> str:
    resources = []
    all_lic: set[str] = set()
    for name in sorted(schemas):
        path = out / name
        fields, key = schemas[name]
        lic_values = {r["licence"] for r in read_csv(path)}
        all_lic.update(lic_values)
        res: dict[str, Any] = {
            "name": name.removesuffix(".csv"),
            "path": name,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "sha256": sha256(path),
            "bytes": path.stat().st_size,
            "licenses": licence_objects(lic_values),
            "schema": {"fields": fields, "primaryKey": key},
        }
        if name == "grid_intensity_odbl.csv":
            res["description"] = (
                "Electricity Maps yearly zone averages (via thegreenwebfoundation/co2.js). "
                "ODbL-1.0 share-alike: kept separate, attribute Electricity Maps."
            )
        resources.append(res)
    lines = "".join(f"{r['sha256']}  {r['path']}\n" for r in sorted(resources, key=lambda r: r["path"]))
    content = hashlib.sha256(lines.encode("utf-8")).hexdigest()
    package = {
        "name": "cloudcarbon-factors",
        "title": f"cloudcarbon factor set {VERSION}",
        "version": VERSION,
        "created": CREATED,
        "description": "Factors cloudcarbon multiplies by; every row names its source and licence. "
        "Built by scripts/build_factors.py; see factors/README.md and factors/CHANGES.md.",
        "licenses": licence_objects(all_lic),
        "resources": resources,
        "content_sha256": content,
    }
    (out / "datapackage.json").write_text(
        json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return content


# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=REPO_ROOT.parent / "shared" / "reference")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "factors" / VERSION)
    args = parser.parse_args(argv)
    ref: Path = args.reference.resolve()
    out: Path = args.out
    for sub in ("ccf", "grid", "accelerators.csv"):
        if not (ref / sub).exists():
            fail(f"reference folder {ref} lacks {sub}")
    out.mkdir(parents=True, exist_ok=True)
    ccf = ref / "ccf"

    cpu_power = build_cpu_power(ccf)
    accelerators = build_accelerators(ref)
    instances = build_instances(ccf, cpu_power, accelerators)
    grid, grid_odbl = build_grid(ref / "grid")
    pue = build_pue(ccf)
    # Per-provider extensions live in their own modules next to this script (factors_<name>.py),
    # each with ``extend(ref, tables)`` adding rows to the shared tables in place.
    shared = {
        "instances": instances,
        "cpu_power": cpu_power,
        "accelerators": accelerators,
        "grid": grid,
        "grid_odbl": grid_odbl,
        "pue": pue,
        "coefficients": build_coefficients(),
    }
    extra_tables: dict[str, tuple[list[F], list[str]]] = {}
    extra_rows: dict[str, list[dict[str, Any]]] = {}
    for ext in sorted(Path(__file__).resolve().parent.glob("factors_*.py")):
        spec = importlib.util.spec_from_file_location(ext.stem, ext)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        before = {k: len(v) for k, v in shared.items()}
        if hasattr(module, "extend"):
            module.extend(ref, shared)
        added = {k: len(v) - before[k] for k, v in shared.items() if len(v) != before[k]}
        print(f"{ext.name}: added {added}")
        # a module may also contribute whole tables of its own: TABLES maps file name ->
        # (fields as field(...) dicts, primary key), and tables(ref) returns their rows
        for name, (fields, key) in getattr(module, "TABLES", {}).items():
            if name in SCHEMAS or name in extra_tables:
                fail(f"{ext.name}: table {name} already exists")
            extra_tables[name] = (fields, key)
        if hasattr(module, "tables"):
            for name, rows in module.tables(ref).items():
                if name not in extra_tables:
                    fail(f"{ext.name}: tables() returned {name}, which TABLES does not declare")
                check_unique(rows, extra_tables[name][1], name)
                extra_rows[name] = rows
    # CCF's 2026 regeneration gives EPYC 5th Gen (Turin) 3.68 / 8.96 W per vCPU, 5x its EPYC 4th Gen
    # row: a 384-thread host would idle at 1.4 kW, which no published SPECpower result for Turin
    # supports. Until a SPECpower-derived Turin row is published, Turin takes Genoa's figures (Turin is
    # at least as efficient per thread, so this errs high, not low).
    genoa = {r["provider"]: r for r in cpu_power if r["microarchitecture"] == "EPYC 4th Gen"}
    for r in cpu_power:
        if r["microarchitecture"] == "EPYC 5th Gen" and r["provider"] in genoa:
            g = genoa[r["provider"]]
            r["min_w_per_vcpu"], r["max_w_per_vcpu"] = g["min_w_per_vcpu"], g["max_w_per_vcpu"]
            r["source"] = (
                f"EPYC 4th Gen figures of the same provider used as a proxy ({g['source']}); "
                "the ccf-coefficients 2026 EPYC 5th Gen row (3.68 / 8.96 W per vCPU) was rejected "
                "as implausible (5x Genoa per thread)"
            )
    check_unique(instances, ["provider", "instance_type"], "instances")
    check_unique(cpu_power, ["provider", "microarchitecture"], "cpu_power")
    check_unique(accelerators, ["model"], "accelerators")
    for table, rows in (("grid_intensity", grid), ("grid_intensity_odbl", grid_odbl)):
        for row in rows:
            declare_boundary(row, table)
    check_unique(grid, ["provider", "region", "year", "dataset"], "grid_intensity")
    check_unique(grid_odbl, ["provider", "region", "year", "dataset"], "grid_intensity_odbl")
    check_unique(pue, ["provider", "region"], "pue")
    known_arch = {(r["provider"], r["microarchitecture"]) for r in cpu_power}
    known_acc = {r["model"] for r in accelerators}
    for r in instances:
        for arch in filter(None, (a.strip() for a in str(r["cpu_microarchitectures"]).split(";"))):
            if (r["provider"], arch) not in known_arch:
                fail(f"instances: {r['provider']} {r['instance_type']}: no cpu_power row for {arch!r}")
        if r.get("accelerator_model") and r["accelerator_model"] not in known_acc:
            fail(f"instances: {r['instance_type']}: unknown accelerator {r['accelerator_model']!r}")
    instances.sort(key=lambda r: (r["provider"], r["instance_type"]))
    cpu_power.sort(key=lambda r: (r["provider"], r["microarchitecture"]))
    grid.sort(key=lambda r: (r["provider"], r["region"], int(r["year"]), r["dataset"]))
    grid_odbl.sort(key=lambda r: (r["provider"], r["region"], int(r["year"]), r["dataset"]))
    pue.sort(key=lambda r: (r["provider"], r["region"]))
    tables = {
        "instances.csv": instances,
        "cpu_power.csv": cpu_power,
        "accelerators.csv": accelerators,
        "coefficients.csv": shared["coefficients"],
        "pue.csv": pue,
        "grid_intensity.csv": grid,
        "grid_intensity_odbl.csv": grid_odbl,
    }
    schemas = dict(SCHEMAS)
    for name, rows in extra_rows.items():
        tables[name] = rows
        schemas[name] = extra_tables[name]
    for name, rows in tables.items():
        fields = [f["name"] for f in schemas[name][0]]
        for row in rows:
            if not row.get("source") or not row.get("licence"):
                fail(f"{name}: row without source/licence: {row}")
        write_csv(out / name, fields, rows)
        print(f"{name}: {len(rows)} rows")

    # hand-curated rule and lookup tables are copied verbatim after validation
    for stale in out.glob("*_usage_types.csv"):
        stale.unlink()
    for usage in sorted(INPUTS.glob("*_usage_types.csv")):
        rows = read_csv(usage)
        header = list(rows[0].keys()) if rows else []
        missing = [c for c in USAGE_TYPE_FIELDS if c not in header]
        if missing:
            fail(f"{usage}: columns {missing} of the README contract are missing")
        for i, row in enumerate(rows, start=2):
            if not row["source"].strip() or not row["licence"].strip():
                fail(f"{usage}: line {i} lacks source or licence")
        (out / usage.name).write_bytes(usage.read_bytes())
        known = {f["name"]: f for f in USAGE_TYPE_SCHEMA[0]}
        schemas[usage.name] = (
            [known.get(c) or field(c, "string", "see factors/README.md") for c in header],
            USAGE_TYPE_SCHEMA[1],
        )
        check_unique(rows, ["rule_id"], usage.stem)
        print(f"{usage.name}: {len(rows)} rows (copied verbatim)")
    units = INPUTS / "units.csv"
    rows = read_csv(units)
    for i, row in enumerate(rows, start=2):
        if not row["source"].strip() or not row["licence"].strip():
            fail(f"{units}: line {i} lacks source or licence")
        if row["canonical_unit"] not in CANONICAL_UNITS:
            fail(f"{units}: line {i}: unknown canonical unit {row['canonical_unit']!r}")
    check_unique(rows, ["unit"], "units")
    (out / "units.csv").write_bytes(units.read_bytes())
    schemas["units.csv"] = UNITS_SCHEMA
    print(f"units.csv: {len(rows)} rows (copied verbatim)")

    # inventory connector: CPU model name -> microarchitecture (copied like units.csv)
    cpu_models = INPUTS / "cpu_models.csv"
    rows = read_csv(cpu_models)
    archs = {r["microarchitecture"] for r in cpu_power}
    for i, row in enumerate(rows, start=2):
        if not row["source"].strip() or not row["licence"].strip():
            fail(f"{cpu_models}: line {i} lacks source or licence")
        if row["microarchitecture"] not in archs:
            fail(f"{cpu_models}: line {i}: no cpu_power row for {row['microarchitecture']!r}")
    check_unique(rows, ["model"], "cpu_models")
    (out / "cpu_models.csv").write_bytes(cpu_models.read_bytes())
    schemas["cpu_models.csv"] = CPU_MODELS_SCHEMA
    print(f"cpu_models.csv: {len(rows)} rows (copied verbatim)")

    content = write_datapackage(out, schemas)
    print(f"content_sha256: {content}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
