"""Google Cloud rows for the factor set: machine types, GCP CPU power rows, grid coverage check.

Called by ``scripts/build_factors.py`` as ``extend(ref, tables)``. Inputs (build time only):

* ``ccf/app_gcp_machine_types.csv`` (CCF app ``packages/gcp/src/lib/MachineTypes.ts``) - vCPU and
  embodied tCO2e of the types CCF knows;
* ``ccf/coef_data_gcp_instances.csv`` and ``ccf/coef_data_gcp_instances_latest_2026.csv``
  (ccf-coefficients ``data/gcp-instances*.csv``) - instance vCPU/memory, platform sizes, CPU names;
* ``ccf/coef_gcp_embodied.csv`` (ccf-coefficients ``output/coefficients-gcp-embodied.csv``) - embodied
  kgCO2e per whole host split into base + memory + storage + CPU + GPU parts;
* ``ccf/coef_embodied_constants.csv`` (ccf-coefficients ``ccfcoef/constants.py``) - the constants of
  that method, used for platforms the embodied table lacks;
* ``ccf/coef_use_gcp_2026.csv`` / ``coef_use_aws_2026.csv`` - CPU watts per vCPU.

Decisions (each also written into the rows' ``source``):

* **Processor per series** is this module's ``SERIES`` table, not CCF's code: CCF resolves a type's
  processor from the first two characters of its name, so n2d/c2d/t2d fall on Intel (a documented
  defect, docs/method.md section 4). Here n2d = AMD EPYC 2nd Gen, c2d/t2d = EPYC 3rd Gen, c3d = EPYC 4th
  Gen, c4d = EPYC 5th Gen; n2 = Cascade Lake;Ice Lake (both are deployed), c2/a2/g2/m2 = Cascade Lake,
  c3/h3/a3 (high/mega/edge) = Sapphire Rapids, c4/n4/a4/a3-ultra = Emerald Rapids, t2a = Ampere
  Altra, c4a = Google Axion.
* **Arm CPUs** (Ampere Altra, Google Axion) have no SPECpower result: their GCP ``cpu_power`` rows are
  copied from the ccf-coefficients AWS Graviton3 (Altra) / Graviton4 (Axion) rows, i.e. the closest Arm
  Neoverse neighbours (N1 vs Graviton3's V1; V2 = Graviton4's core), which ccf-coefficients itself
  proxies with EPYC 2nd Gen SPECpower figures.
* **Embodied** (kgCO2e per whole host, accelerators excluded because accelerators.csv carries 150 kg
  per device): the ccf-coefficients GCP embodied table minus its ``additional_gpus`` part (mean over
  the microarchitecture rows of a type); else the CCF app table (t -> kg); else CCF's own method
  (1000 kg base + 1.388 kg per GB above 16 GB + 100 kg per extra socket) applied to the platform =
  the largest type of the same ccf-coefficients "Platform" group. The 2026 list's own "Platform
  Embedded Emissions" column is **not** used: it is inconsistent with that method (e2-highcpu 890 kg,
  below the 1000 kg base; c4-highmem 1,000,000 kg).
* **host_vcpu**: ccf-coefficients platform vCPU where listed, else the largest vCPU count of the
  platform group.
* Shared-core e2-micro/small/medium, f1-micro and g1-small get no ``burstable_baseline``: GCP bills
  their fractional vCPU in the core SKU's usage amount already (e.g. 0.25 vCPU for e2-micro), so the
  vCPU-hours of the billing row carry the share.
"""

from __future__ import annotations

import csv
import re
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

APP = "cloud-carbon-footprint/cloud-carbon-footprint@b7a049c"
COEF = "cloud-carbon-footprint/ccf-coefficients@b0032d9"
APP_TYPES = f"{APP}:packages/gcp/src/lib/MachineTypes.ts"
COEF_DATA = f"{COEF}:data/gcp-instances.csv"
COEF_LATEST = f"{COEF}:data/gcp-instances-latest-2026.csv"
COEF_EMB = f"{COEF}:output/coefficients-gcp-embodied.csv"
COEF_CONST = f"{COEF}:ccfcoef/constants.py"
COEF_USE_GCP = f"{COEF}:output/coefficients-gcp-use.csv"
COEF_USE_AWS = f"{COEF}:output/coefficients-aws-use.csv"
GCP_DOCS_CO = (
    "Google Cloud docs, compute-optimized machine family "
    "(cloud.google.com/compute/docs/compute-optimized-machines)"
)
GCP_DOCS_ACC = (
    "Google Cloud docs, GPU machine types "
    "(cloud.google.com/compute/docs/gpus, accelerator-optimized-machines)"
)
GCP_DOCS_CPU = "Google Cloud docs, CPU platforms (cloud.google.com/compute/docs/cpu-platforms)"
APACHE = "Apache-2.0"

# series -> (microarchitectures, source of the choice)
SERIES: dict[str, tuple[str, str]] = {
    "e2": ("Skylake;Broadwell;Haswell;EPYC 2nd Gen", f"{APP_TYPES} series key e2"),
    "n1": ("Skylake;Broadwell;Haswell;Sandy Bridge;Ivy Bridge", f"{APP_TYPES} series key n1"),
    "f1": ("Skylake;Broadwell;Haswell;Sandy Bridge;Ivy Bridge", f"{APP_TYPES} n1 shared core"),
    "g1": ("Skylake;Broadwell;Haswell;Sandy Bridge;Ivy Bridge", f"{APP_TYPES} n1 shared core"),
    "n2": (
        "Cascade Lake;Ice Lake",
        f"{APP_TYPES} series key n2 (Cascade Lake) + {COEF_LATEST} (Ice Lake, Xeon 8373C); "
        f"{GCP_DOCS_CPU}: N2 runs on both",
    ),
    "n2d": (
        "EPYC 2nd Gen",
        f"{APP_TYPES} series key n2d and {COEF_LATEST} (AMD EPYC 7B12); "
        "CCF code's Intel mapping of n2d is a defect and is not copied",
    ),
    "t2d": ("EPYC 3rd Gen", f"{APP_TYPES} series key t2d and {COEF_LATEST} (AMD EPYC 7B13)"),
    "c2": ("Cascade Lake", f"{APP_TYPES} series key c2 and {COEF_LATEST} (Xeon Gold 6253CL)"),
    "c2d": (
        "EPYC 3rd Gen",
        f"{APP_TYPES} series key c2d and {COEF_LATEST} (AMD EPYC 7B13); "
        "CCF code's Intel mapping of c2d is a defect and is not copied",
    ),
    "c3": ("Sapphire Rapids", f"{COEF_LATEST} (Xeon Platinum 8481C)"),
    "c3d": ("EPYC 4th Gen", f"{COEF_LATEST} (AMD EPYC 9B14)"),
    "c4": ("Emerald Rapids", f"{COEF_LATEST} (Xeon Platinum 8581C)"),
    "c4a": ("Google Axion", f"{COEF_LATEST} (Google Axion, Arm Neoverse V2)"),
    "c4d": ("EPYC 5th Gen", f"{GCP_DOCS_CO}: C4D runs on 5th generation AMD EPYC (Turin)"),
    "n4": ("Emerald Rapids", f"{COEF_LATEST} (Xeon Platinum 8581C)"),
    "t2a": ("Ampere Altra", f"{COEF_LATEST} (Ampere Altra Q64-30)"),
    "h3": ("Sapphire Rapids", f"{COEF_LATEST} (Xeon Platinum 8481C)"),
    "z3": ("Sapphire Rapids", f"{COEF_LATEST} (Xeon Platinum 8481C)"),
    "x4": ("Sapphire Rapids", f"{COEF_LATEST} (Xeon Platinum 8490H)"),
    "m1": ("Broadwell;Skylake", f"{APP_TYPES} series key m1"),
    "m2": ("Cascade Lake", f"{COEF_LATEST} (Xeon Platinum 8280L); {GCP_DOCS_CPU}"),
    "m3": ("Ice Lake", f"{COEF_LATEST} (Xeon Platinum 8373C)"),
    "a2": ("Cascade Lake", f"{APP_TYPES} series key a2 and {COEF_LATEST} (Xeon Platinum 8273CL)"),
    "a3": (
        "Sapphire Rapids",
        f"{GCP_DOCS_ACC}: A3 High/Mega/Edge use Sapphire Rapids (Xeon 8481C); "
        f"{COEF_LATEST} lists 8581C for every a3, not followed",
    ),
    "a4": ("Emerald Rapids", f"{GCP_DOCS_ACC}: A4 uses 5th generation Xeon (Emerald Rapids)"),
    "g2": ("Cascade Lake", f"{COEF_LATEST} (Xeon Platinum 8273CL)"),
}
# single types whose processor differs from their series
TYPE_ARCH = {
    "m1-megamem-96": ("Skylake", f"{COEF_LATEST} (Xeon Scalable Platinum 8173M)"),
    "m1-ultramem-40": ("Broadwell", f"{COEF_LATEST} (Xeon E7-8880 V4)"),
    "m1-ultramem-80": ("Broadwell", f"{COEF_LATEST} (Xeon E7-8880 V4)"),
    "m1-ultramem-160": ("Broadwell", f"{COEF_LATEST} (Xeon E7-8880 V4)"),
    "a3-ultragpu-8g": (
        "Emerald Rapids",
        f"{GCP_DOCS_ACC}: A3 Ultra uses 5th generation Xeon; {COEF_LATEST} (8581C)",
    ),
}
# CPU sockets per platform (CCF method: +100 kg per socket above one)
SOCKETS = {
    "EPYC 2nd Gen": 1,
    "EPYC 3rd Gen": 1,
    "EPYC 4th Gen": 2,  # c3d-standard-360 needs two 96-core EPYC 9B14
    "EPYC 5th Gen": 2,  # c4d-standard-384 needs two sockets
    "Ampere Altra": 1,
    "Google Axion": 1,
}
SOCKETS_SRC = (
    f"sockets: {COEF}:data/gcp-instances-cpus.csv (Intel 2, EPYC 2nd/3rd Gen 1); EPYC 4th/5th Gen 2 "
    "(largest c3d/c4d shapes exceed one socket's threads), Arm 1 (cloudcarbon assumption)"
)

# Machine types no stored CCF table lists: (type, vcpu, memory GB, platform group, source)
CURATED: list[tuple[str, int, float, str, str]] = []
for _n in (2, 4, 8, 16, 32, 48, 64, 96, 192, 384):
    for _kind, _gb in (("standard", 3.875), ("highcpu", 1.875), ("highmem", 7.75)):
        CURATED.append(
            (
                f"c4d-{_kind}-{_n}",
                _n,
                _n * _gb,
                f"c4d-{_kind}",
                f"{GCP_DOCS_CO} C4D table: {_gb} GB per vCPU (cloudcarbon transcription, verify)",
            )
        )
CURATED.append(
    ("a4-highgpu-8g", 224, 3968.0, "a4-highgpu", f"{GCP_DOCS_ACC}: a4-highgpu-8g 224 vCPU, 3968 GB, 8 x B200")
)

# accelerators per type: regex -> (accelerators.model, count from the name's -<n>g suffix or fixed)
ACCEL_RULES: list[tuple[str, str, str]] = [
    (
        r"^a2-(highgpu|megagpu)-(\d+)g$",
        "NVIDIA A100 SXM4 40GB",
        f"{GCP_DOCS_ACC}: A2 Standard = A100 40GB, count = the -<n>g suffix",
    ),
    (
        r"^a2-ultragpu-(\d+)g$",
        "NVIDIA A100 SXM4 80GB",
        f"{GCP_DOCS_ACC}: A2 Ultra = A100 80GB, count = the -<n>g suffix",
    ),
    (
        r"^a3-(highgpu|megagpu|edgegpu)-(\d+)g$",
        "NVIDIA H100 SXM5 80GB",
        f"{GCP_DOCS_ACC}: A3 High/Mega/Edge = H100 80GB (SXM), count = the -<n>g suffix",
    ),
    (
        r"^a3-ultragpu-(\d+)g$",
        "NVIDIA H200 SXM 141GB",
        f"{GCP_DOCS_ACC}: A3 Ultra = H200 141GB, count = the -<n>g suffix",
    ),
    (r"^a4-highgpu-(\d+)g$", "NVIDIA B200 180/192GB", f"{GCP_DOCS_ACC}: A4 = B200, count = the -<n>g suffix"),
]
G2_L4 = {4: 1, 8: 1, 12: 1, 16: 1, 24: 2, 32: 1, 48: 4, 96: 8}
# CCF list errors corrected here
SKIP_TYPES = {"a2-highgpu-16g": "not a GCP machine type (the 16-GPU A2 is a2-megagpu-16g)"}
MEMORY_FIX = {
    "a2-ultragpu-1g": (170.0, f"{GCP_DOCS_ACC}: a2-ultragpu-1g has 170 GB ({COEF_LATEST} lists 85)")
}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _num(text: str | None) -> float | None:
    text = (text or "").strip()
    try:
        return float(text) if text else None
    except ValueError:
        return None


def series_of(machine_type: str) -> str:
    """Series of a GCP machine type: ``n2d-standard-8`` -> ``n2d``; N1 custom ``custom-4-16384`` -> ``n1``."""
    head = machine_type.split("-", 1)[0].lower()
    return "n1" if head == "custom" else head


def _accelerator(t: str) -> tuple[str, float, str] | None:
    for pattern, model, src in ACCEL_RULES:
        m = re.match(pattern, t)
        if m:
            return model, float(m.groups()[-1]), src
    m = re.match(r"^g2-standard-(\d+)$", t)
    if m and int(m.group(1)) in G2_L4:
        return "NVIDIA L4", float(G2_L4[int(m.group(1))]), f"{GCP_DOCS_ACC}: G2 = NVIDIA L4, count per size"
    return None


def _cpu_rows(ccf: Path, tables: dict[str, list[dict[str, Any]]]) -> None:
    cpu = tables["cpu_power"]
    have = {(r["provider"], r["microarchitecture"]) for r in cpu}
    gcp_use = {
        r["Architecture"].removeprefix("AMD ").strip(): r for r in _read(ccf / "coef_use_gcp_2026.csv")
    }
    aws_use = {
        r["Architecture"].removeprefix("AMD ").strip(): r for r in _read(ccf / "coef_use_aws_2026.csv")
    }
    needed = {a for archs, _ in SERIES.values() for a in archs.split(";")}
    needed |= {a for a, _ in TYPE_ARCH.values()}
    arm_proxy = {"Ampere Altra": "Graviton3", "Google Axion": "Graviton4"}
    for arch in sorted(needed):
        if ("gcp", arch) in have:
            continue
        if arch in gcp_use:
            r, src = gcp_use[arch], f"{COEF_USE_GCP} (2026 regeneration, SPECpower-derived, W per vCPU)"
        elif arch in arm_proxy:
            proxy = arm_proxy[arch]
            r = aws_use[proxy]
            src = (
                f"DERIVED: no SPECpower result exists for {arch} (Arm); copied from the closest Arm "
                f"neighbour, {COEF_USE_AWS} row {proxy} (which ccf-coefficients itself proxies with EPYC "
                "2nd Gen SPECpower figures); cloudcarbon assumption, wide uncertainty"
            )
        elif arch in aws_use:
            r = aws_use[arch]
            src = (
                f"{COEF_USE_AWS} row {arch} (2026 regeneration, SPECpower-derived, W per vCPU): "
                f"{COEF_USE_GCP} lacks {arch}, so the AWS value is used"
            )
        else:
            raise SystemExit(f"factors_gcp: no CPU power figure for {arch}")
        cpu.append(
            {
                "provider": "gcp",
                "microarchitecture": arch,
                "min_w_per_vcpu": float(r["Min Watts"]),
                "max_w_per_vcpu": float(r["Max Watts"]),
                "source": src,
                "licence": APACHE,
            }
        )
        have.add(("gcp", arch))


def _instance_rows(ccf: Path, tables: dict[str, list[dict[str, Any]]]) -> None:
    consts = {r["constant"]: float(r["value"]) for r in _read(ccf / "coef_embodied_constants.csv")}
    base = consts["BASE_MANUFACTURING_EMISSIONS"]
    dram_gb = consts["DRAM_THRESHOLD"]
    dram_kg = consts["DRAM_MANUFACTURING_EMISSIONS_PER_GB"]
    cpu_kg = consts["CPU_MANUFACTURING_EMISSIONS"]

    app = {r["machine_type"]: r for r in _read(ccf / "app_gcp_machine_types.csv")}
    old: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in _read(ccf / "coef_data_gcp_instances.csv"):
        old[r["Machine type"].strip()].append(r)
    latest = {r["Instance Type"].strip(): r for r in _read(ccf / "coef_data_gcp_instances_latest_2026.csv")}
    emb: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in _read(ccf / "coef_gcp_embodied.csv"):
        emb[r["type"].strip()].append(r)
    curated = {c[0]: c for c in CURATED}

    # platform groups (the 2026 list's Platform column, or the curated group): largest vCPU and memory
    group_of: dict[str, str] = {}
    for t, r in latest.items():
        group_of[t] = r["Platform"].strip().removesuffix("-lssd")
    for t, c in curated.items():
        group_of[t] = c[3]
    sizes: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for t, r in latest.items():
        if t not in SKIP_TYPES:
            sizes[group_of[t]].append((int(float(r["Instance vCPU"])), float(r["Instance Memory"])))
    for c in curated.values():
        sizes[c[3]].append((c[1], c[2]))

    types = sorted((set(app) | set(old) | set(latest) | set(curated)) - set(SKIP_TYPES))
    rows: list[dict[str, Any]] = []
    for t in types:
        src: list[str] = []
        series = series_of(t)
        if series not in SERIES:
            raise SystemExit(f"factors_gcp: no processor for series {series} ({t})")
        # vcpu / memory
        if t in curated:
            _, vcpu, mem, _, csrc = curated[t]
            src.append(f"vcpu/memory: {csrc}")
        elif t in latest:
            vcpu, mem = int(float(latest[t]["Instance vCPU"])), float(latest[t]["Instance Memory"])
            src.append(f"vcpu/memory: {COEF_LATEST}")
        elif t in old:
            vcpu, mem = int(float(old[t][0]["Instance vCPUs"])), float(old[t][0]["Instance Memory"])
            src.append(f"vcpu/memory: {COEF_DATA}")
        else:
            continue  # app-only names without memory (none expected)
        if t in MEMORY_FIX:
            mem, fix_src = MEMORY_FIX[t]
            src.append(f"memory corrected: {fix_src}")
        # processor
        arch, arch_src = TYPE_ARCH.get(t) or SERIES[series]
        src.append(f"cpu: {arch_src}")
        # host vCPU
        platform_vcpu = _num(old[t][0]["Platform vCPUs (highest vCPU possible)"]) if t in old else None
        group = group_of.get(t)
        if platform_vcpu:
            host = int(platform_vcpu)
            src.append(f"host_vcpu: {COEF_DATA} Platform vCPUs")
        elif group:
            host = max(v for v, _ in sizes[group])
            src.append(f"host_vcpu: largest vCPU count of platform group {group}")
        else:
            host = vcpu
            src.append("host_vcpu: no platform figure; the type's own vCPU count")
        if host < vcpu:
            src.append(f"host_vcpu raised from {host} to the instance vCPU")
            host = vcpu
        # embodied (whole host, accelerators excluded)
        parts = emb.get(t)
        if parts and series != "m2":
            values = [float(p["total"]) - float(p["additional_gpus"]) for p in parts]
            host_kg = statistics.fmean(values)
            gpus = float(parts[0]["additional_gpus"])
            extra = (
                f" minus additional_gpus {gpus:g} kg (accelerators carry their own 150 kg each)"
                if gpus
                else ""
            )
            mean = " (mean over its microarchitecture rows)" if len(parts) > 1 else ""
            src.append(f"embodied: {COEF_EMB} total{extra}{mean}")
        elif t in app and _num(app[t]["embodied_tco2e"]) and series not in ("a2", "m2"):
            host_kg = 1000 * (_num(app[t]["embodied_tco2e"]) or 0.0)
            src.append(f"embodied: {APP_TYPES} embodied tCO2e x 1000")
        else:
            if group:
                p_vcpu, p_mem = max(sizes[group])
                what = f"platform = largest {group} type ({p_vcpu} vCPU, {p_mem:g} GB)"
            else:
                p_mem, what = mem, "platform = this type"
            sockets = SOCKETS.get(arch.split(";")[0], 2)
            host_kg = base + max(0.0, p_mem - dram_gb) * dram_kg + (sockets - 1) * cpu_kg
            why = (
                " (CCF's table reads m2 platform memory as 11.776 GB, a TB figure, so its memory part "
                "is 0: recomputed)"
                if series == "m2"
                else ""
            )
            src.append(
                f"embodied: CCF method ({COEF_CONST}: {base:g} kg base + {dram_kg:.4f} kg/GB above "
                f"{dram_gb:g} GB + {cpu_kg:g} kg per extra socket, {sockets} socket(s)), {what}; "
                f"no local-storage or GPU part{why}; {SOCKETS_SRC}"
            )
        acc = _accelerator(t)
        if acc:
            model, count, acc_src = acc
            src.append(f"accelerator: {acc_src}")
        else:
            model, count = "", 0.0
        rows.append(
            {
                "provider": "gcp",
                "instance_type": t,
                "family": series,
                "vcpu": vcpu,
                "memory_gb": mem,
                "cpu_microarchitectures": arch,
                "host_vcpu": host,
                "burstable_baseline": None,
                "accelerator_model": model,
                "accelerator_count": count,
                "embodied_host_kgco2e": round(host_kg, 2),
                "source": "; ".join(src),
                "licence": APACHE,
            }
        )
    have = {(r["provider"], r["instance_type"]) for r in tables["instances"]}
    tables["instances"].extend(r for r in rows if ("gcp", r["instance_type"]) not in have)


def _check_grid(ref: Path, tables: dict[str, list[dict[str, Any]]]) -> None:
    regions = {
        r["region"] for r in _read(ref / "grid" / "cloud_region_locations.csv") if r["provider"] == "gcp"
    }
    have = {r["region"] for r in tables["grid"] if r["provider"] == "gcp"}
    have |= {r["region"] for r in tables["grid_odbl"] if r["provider"] == "gcp"}
    missing = sorted(regions - have)
    if missing:
        raise SystemExit(f"factors_gcp: gcp regions without a grid row: {missing}")


def extend(ref: Path, tables: dict[str, list[dict[str, Any]]]) -> None:
    """Append the GCP rows to the shared factor tables (see the module docstring)."""
    ccf = ref / "ccf"
    _cpu_rows(ccf, tables)
    _instance_rows(ccf, tables)
    _check_grid(ref, tables)
