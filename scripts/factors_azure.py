"""Azure rows of the factor set: VM sizes (``instances``) and the CPU power rows they reference.

Called by ``scripts/build_factors.py`` as ``extend(ref, tables)``. Inputs (build time only):

* Cloud Carbon Footprint app table ``app_azure_vm_sizes.csv`` (packages/azure/src/lib/VirtualMachineTypes.ts)
  and the ccf-coefficients tables ``coef_data_azure_instances.csv`` (data/azure-instances.csv),
  ``coef_azure_embodied.csv`` (output/coefficients-azure-embodied.csv) and
  ``coef_data_azure_instances_cpus.csv`` (data/azure-instances-cpus.csv), Apache-2.0;
* Microsoft's VM size documentation (MicrosoftDocs/azure-docs, CC-BY-4.0) for GPU series CCF lacks or
  lists with an ``Unknown`` processor.

Rules (each row says which applied in ``source``):

* ``instance_type`` is the ARM size name (``Standard_D4s_v5``), built from CCF's size label: leading
  series letters upper case, the rest lower case, words joined by ``_``; CCF footnote markers (a trailing
  `` 1``) dropped. ``family`` is that name without ``Standard_``, vCPU digits and the constrained-core
  suffix (``Standard_D4s_v5`` -> ``Dsv5``, ``Standard_E4-2as_v4`` -> ``Easv4``).
* vCPU / memory: the CCF app table first, else ccf-coefficients azure-instances (whose constrained-core
  rows hold a vCPU ratio, not a count).
* CPU microarchitectures: the union of the non-``Unknown`` names of both CCF tables; else a
  constrained-core size inherits its parent size's; else the processor Microsoft documents for the
  series (``SERIES_CPU``); else ``*`` (the provider-average row, as for AWS).
* host_vcpu: ccf-coefficients "Platform vCPUs (highest vCPU possible)", else the CCF app platform vCPU
  of a constrained size, else the largest vCPU count of the series.
* embodied (kg, whole host, accelerators excluded because accelerators.csv carries 150 kg per device):
  ccf-coefficients embodied ``total - additional_gpus``; else the CCF app ``embodied_tco2e`` x 1000 minus
  150 kg per platform GPU it includes; else (sizes CCF lacks) CCF's own embodied method
  (ccfcoef/constants.py) on the documented host: 1000 + 1.3880 kg/GB above 16 GB + 100 kg per extra
  socket + 100 kg for one SSD.
* Billing meter names that do not turn into the ARM name mechanically (``Standard_`` + first ``/``
  alternative with spaces -> ``_``) get an alias row, e.g. ``Standard_ND96asr_A100_v4`` (meter
  ``ND96asr A100 v4``) -> ``Standard_ND96asr_v4``.
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
APP_VM = f"{APP}:packages/azure/src/lib/VirtualMachineTypes.ts"
COEF_INST = f"{COEF}:data/azure-instances.csv"
COEF_EMB = f"{COEF}:output/coefficients-azure-embodied.csv"
COEF_CPUS = f"{COEF}:data/azure-instances-cpus.csv"
COEF_CONST = f"{COEF}:ccfcoef/constants.py"
COEF_AWS_USE = f"{COEF}:output/coefficients-aws-use.csv"
DOCS = "MicrosoftDocs/azure-docs:articles/virtual-machines/sizes/gpu-accelerated/includes"
APACHE = "Apache-2.0"
DOCS_LICENCE = "Apache-2.0 AND CC-BY-4.0"
GPU_KG = 150.0
SKIP_SERIES = {
    # SAP HANA Large Instances are bare-metal units, not ARM VM sizes billed as Virtual Machines
    "SAP HANA on Azure Large Instances",
    "SAP HANA on Azure Large Instances (second generation)",
}
# CCF size labels whose ARM name is not the mechanical transform
ARM_OVERRIDES = {"ND96asr A100 v4": "Standard_ND96asr_v4"}

# Processor Microsoft documents for series CCF lists as Unknown (family -> arch, citation)
SERIES_CPU: dict[str, tuple[str, str]] = {
    "NC": ("Haswell", f"{DOCS}/nc-series-specs.md: Intel Xeon E5-2690 v3 (Haswell)"),
    "NCPromo": ("Haswell", f"{DOCS}/nc-series-specs.md: Intel Xeon E5-2690 v3 (Haswell)"),
    "NCrPromo": ("Haswell", f"{DOCS}/nc-series-specs.md: Intel Xeon E5-2690 v3 (Haswell)"),
    "NCr": ("Haswell", f"{DOCS}/nc-series-specs.md: Intel Xeon E5-2690 v3 (Haswell)"),
    "NCsv2": ("Broadwell", f"{DOCS}/ncv2-series-specs.md: Intel Xeon E5-2690 v4 (Broadwell)"),
    "NCrsv2": ("Broadwell", f"{DOCS}/ncv2-series-specs.md: Intel Xeon E5-2690 v4 (Broadwell)"),
    "NCsv3": ("Broadwell", f"{DOCS}/ncv3-series-specs.md: Intel Xeon E5-2690 v4 (Broadwell)"),
    "NCrsv3": ("Broadwell", f"{DOCS}/ncv3-series-specs.md: Intel Xeon E5-2690 v4 (Broadwell)"),
    "NDs": ("Broadwell", f"{DOCS}/nd-series-specs.md: Intel Xeon E5-2690 v4 (Broadwell)"),
    "NDrs": ("Broadwell", f"{DOCS}/nd-series-specs.md: Intel Xeon E5-2690 v4 (Broadwell)"),
    "NV": ("Haswell", f"{DOCS}/nv-series-specs.md: Intel Xeon E5-2690 v3 (Haswell)"),
    "NDasrv4": (
        "EPYC 2nd Gen",
        f"{DOCS}/ndasra100v4-series-specs.md: AMD EPYC 7V12 (Rome, 2nd generation)",
    ),
    "NDamsrA100v4": (
        "EPYC 2nd Gen",
        f"{DOCS}/ndma100v4-series-specs.md: AMD EPYC 7V12 (Rome, 2nd generation)",
    ),
    "NCasT4v3": ("EPYC 2nd Gen", f"{DOCS}/nct4v3-series-specs.md: AMD EPYC 7V12 (Rome)"),
    "NDrsv2": ("Skylake", f"{DOCS}/ndv2-series-specs.md: Intel Xeon Platinum 8168 (Skylake)"),
}

# GPU families: model (exactly an accelerators.csv model) and devices per size; citation
GPUS: dict[str, tuple[str, dict[str, float], str]] = {
    "K80": (
        "NVIDIA Tesla K80",
        {
            "Standard_NC6": 1,
            "Standard_NC12": 2,
            "Standard_NC24": 4,
            "Standard_NC24r": 4,
            "Standard_NC6_Promo": 1,
            "Standard_NC12_Promo": 2,
            "Standard_NC24_Promo": 4,
            "Standard_NC24r_Promo": 4,
        },
        f"{DOCS}/nc-series-specs.md (1-4 K80 GPUs, one GPU = one die of the dual-die board); "
        f"counts also in {APP_VM}",
    ),
    "P100": (
        "NVIDIA Tesla P100 (PCIe 16GB)",
        {
            "Standard_NC6s_v2": 1,
            "Standard_NC12s_v2": 2,
            "Standard_NC24s_v2": 4,
            "Standard_NC24rs_v2": 4,
        },
        f"{DOCS}/ncv2-series-specs.md (NVIDIA Tesla P100 PCIe); counts also in {APP_VM}",
    ),
    "V100 PCIe": (
        "NVIDIA Tesla V100 PCIe 16/32GB",
        {
            "Standard_NC6s_v3": 1,
            "Standard_NC12s_v3": 2,
            "Standard_NC24s_v3": 4,
            "Standard_NC24rs_v3": 4,
        },
        f"{DOCS}/ncv3-series-specs.md (NVIDIA Tesla V100 PCIe 16 GB); counts also in {APP_VM}",
    ),
    "T4": (
        "NVIDIA T4",
        {
            "Standard_NC4as_T4_v3": 1,
            "Standard_NC8as_T4_v3": 1,
            "Standard_NC16as_T4_v3": 1,
            "Standard_NC64as_T4_v3": 4,
        },
        f"{DOCS}/nct4v3-series-specs.md; counts also in {APP_VM}",
    ),
    "A100 PCIe": (
        "NVIDIA A100 PCIe 80GB",
        {
            "Standard_NC24ads_A100_v4": 1,
            "Standard_NC48ads_A100_v4": 2,
            "Standard_NC96ads_A100_v4": 4,
        },
        f"{DOCS}/nca100v4-series-specs.md (NVIDIA A100 PCIe 80 GB, 1-4 per VM)",
    ),
    "H100 NVL": (
        "NVIDIA H100 NVL 94GB",
        {"Standard_NC40ads_H100_v5": 1, "Standard_NC80adis_H100_v5": 2},
        f"{DOCS}/ncadsh100v5-series-specs.md (NVIDIA H100 NVL 94 GB, 1-2 per VM)",
    ),
    "P40": (
        "NVIDIA Tesla P40",
        {"Standard_ND6s": 1, "Standard_ND12s": 2, "Standard_ND24s": 4, "Standard_ND24rs": 4},
        f"{DOCS}/nd-series-specs.md (NVIDIA Tesla P40); counts also in {APP_VM}",
    ),
    "V100 SXM2": (
        "NVIDIA Tesla V100 SXM2 16/32GB",
        {"Standard_ND40rs_v2": 8},
        f"{DOCS}/ndv2-series-specs.md (8 x NVIDIA V100 NVLink 32 GB)",
    ),
    "A100 SXM4 40GB": (
        "NVIDIA A100 SXM4 40GB",
        {"Standard_ND96asr_v4": 8},
        f"{DOCS}/ndasra100v4-series-specs.md (8 x NVIDIA A100 40 GB, NVLink 3.0)",
    ),
    "A100 SXM4 80GB": (
        "NVIDIA A100 SXM4 80GB",
        {"Standard_ND96amsr_A100_v4": 8},
        f"{DOCS}/ndma100v4-series-specs.md (8 x NVIDIA A100 80 GB, NVLink 3.0)",
    ),
    "H100 SXM5": (
        "NVIDIA H100 SXM5 80GB",
        {"Standard_ND96isr_H100_v5": 8},
        f"{DOCS}/ndh100v5-series-specs.md (8 x NVIDIA H100 80 GB, NVLink 4.0)",
    ),
    "H200": (
        "NVIDIA H200 SXM 141GB",
        {"Standard_ND96isr_H200_v5": 8},
        f"{DOCS}/ndh200v5-series-specs.md (8 x NVIDIA H200 141 GB)",
    ),
    "MI300X": (
        "AMD Instinct MI300X",
        {"Standard_ND96isr_MI300X_v5": 8},
        f"{DOCS}/ndmi300xv5-series-specs.md (8 x AMD Instinct MI300X 192 GB)",
    ),
    "M60": (
        "NVIDIA Tesla M60",
        {
            "Standard_NV6": 1,
            "Standard_NV12": 2,
            "Standard_NV24": 4,
            "Standard_NV12s_v3": 1,
            "Standard_NV24s_v3": 2,
            "Standard_NV48s_v3": 4,
        },
        f"{DOCS}/nv-series-specs.md and nvv3-series-specs.md (1-4 M60 GPUs, one GPU = one die of "
        f"the dual-die board); counts also in {APP_VM}",
    ),
    "A10": (
        "NVIDIA A10",
        {
            "Standard_NV6ads_A10_v5": 1 / 6,
            "Standard_NV12ads_A10_v5": 1 / 3,
            "Standard_NV18ads_A10_v5": 1 / 2,
            "Standard_NV36ads_A10_v5": 1,
            "Standard_NV36adms_A10_v5": 1,
            "Standard_NV72ads_A10_v5": 2,
        },
        f"{DOCS}/nvadsa10v5-series-specs.md (1/6 to 2 NVIDIA A10 GPUs: partial GPUs count as the fraction)",
    ),
    "U250": (
        "Xilinx Alveo U250 (FPGA)",
        {"Standard_NP10s": 1, "Standard_NP20s": 2, "Standard_NP40s": 4},
        f"{APP_VM} (NP-series, Xilinx Alveo U250)",
    ),
}

# Sizes CCF lacks: (ARM name, vCPU, memory GiB, microarchitecture, citation of size and CPU)
NEW_SIZES: list[tuple[str, int, float, str, str]] = [
    (
        "Standard_NC40ads_H100_v5",
        40,
        320,
        "EPYC 4th Gen",
        f"{DOCS}/ncadsh100v5-series-specs.md (AMD EPYC Genoa, 4th generation)",
    ),
    (
        "Standard_NC80adis_H100_v5",
        80,
        640,
        "EPYC 4th Gen",
        f"{DOCS}/ncadsh100v5-series-specs.md (AMD EPYC Genoa, 4th generation)",
    ),
    (
        "Standard_ND96isr_H100_v5",
        96,
        1900,
        "Sapphire Rapids",
        f"{DOCS}/ndh100v5-series-specs.md (Intel Xeon Sapphire Rapids, 1900 GiB)",
    ),
    (
        "Standard_ND96isr_H200_v5",
        96,
        1850,
        "Sapphire Rapids",
        f"{DOCS}/ndh200v5-series-specs.md (Intel Xeon Sapphire Rapids, 1850 GiB)",
    ),
    (
        "Standard_ND96isr_MI300X_v5",
        96,
        1850,
        "Sapphire Rapids",
        f"{DOCS}/ndmi300xv5-series-specs.md (Intel Xeon Sapphire Rapids, 1850 GiB)",
    ),
    *[
        (
            f"Standard_{name}_A10_v5",
            vcpu,
            mem,
            "EPYC 3rd Gen",
            f"{DOCS}/nvadsa10v5-series-specs.md (AMD EPYC 74F3V Milan, 3rd generation)",
        )
        for name, vcpu, mem in (
            ("NV6ads", 6, 55),
            ("NV12ads", 12, 110),
            ("NV18ads", 18, 220),
            ("NV36ads", 36, 440),
            ("NV36adms", 36, 880),
            ("NV72ads", 72, 880),
        )
    ],
]
# CPU sockets assumed for NEW_SIZES hosts: coef azure-instances-cpus.csv (EPYC 3rd Gen 1; others not
# listed there take its "Unknown" row, 2 sockets)
NEW_SOCKETS = {"EPYC 3rd Gen": 1}


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _num(text: str | None) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _clean_label(label: str) -> str:
    return re.sub(r"\s+1$", "", label.strip())


def meter_transform(label: str) -> str:
    """The name the connector derives from a billing meter name.

    ``Standard_`` + the first ``/`` alternative with spaces -> ``_``, the leading series letters upper
    case and the rest of the first word lower case (``DS2 v2`` -> ``Standard_DS2_v2``, ``B1Ls`` ->
    ``Standard_B1ls``); cloudcarbon/connectors/azure_cost.py applies the same rule.
    """
    first, *rest = _clean_label(label).split("/")[0].split()
    m = re.fullmatch(r"([A-Za-z]+)(.*)", first)
    if m:
        first = m.group(1).upper() + m.group(2).lower()
    return "Standard_" + "_".join([first, *rest])


def arm_name(label: str) -> str:
    """ARM size name of a CCF size label (``D4s v5`` -> ``Standard_D4s_v5``)."""
    label = _clean_label(label)
    return ARM_OVERRIDES.get(label) or meter_transform(label)


def family_of(arm: str) -> str:
    first, *rest = arm.removeprefix("Standard_").split("_")
    return re.sub(r"\d+(-\d+)?", "", first) + "".join(rest)


def _arch(name: str) -> str:
    name = name.strip()
    return name[4:] if name.startswith("AMD ") else name


def _ccf_embodied(host_mem: float, sockets: int) -> float:
    # ccfcoef/constants.py: BASE 1000 kg; DRAM 533/384 kg per GB above 16 GB; 100 kg per extra CPU
    # socket; SSD 100 kg per drive (one drive assumed)
    return 1000.0 + max(0.0, host_mem - 16.0) * (533.0 / 384.0) + (sockets - 1) * 100.0 + 100.0


def extend(ref: Path, tables: dict[str, list[dict[str, Any]]]) -> None:
    ccf = ref / "ccf"
    app_rows = [
        r
        for r in _read(ccf / "app_azure_vm_sizes.csv")
        if r["source_table"]
        in ("VIRTUAL_MACHINE_TYPE_SERIES_MAPPING", "VIRTUAL_MACHINE_TYPE_CONSTRAINED_VCPU_CAPABLE_MAPPING")
        and r["series"] not in SKIP_SERIES
        and r["series"] != "As-series"  # A0-A4 basic: no embodied, no platform data, retired sizes
    ]
    coef_rows = [r for r in _read(ccf / "coef_data_azure_instances.csv") if r["Series"] not in SKIP_SERIES]
    emb_rows = _read(ccf / "coef_azure_embodied.csv")

    app: dict[str, dict[str, str]] = {}
    for r in app_rows:
        app.setdefault(arm_name(r["vm_size"]), r)
    coef: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in coef_rows:
        coef[arm_name(r["Virtual Machine"])].append(r)
    emb: dict[str, dict[str, str]] = {}
    for r in emb_rows:
        emb.setdefault(arm_name(r["type"]), r)
    series_of: dict[str, str] = {}
    for t, r in app.items():
        series_of[t] = r["series"] or "constrained"
    for t, rs in coef.items():
        series_of.setdefault(t, rs[0]["Series"])

    cpu_power = tables["cpu_power"]
    azure_arch = {r["microarchitecture"] for r in cpu_power if r["provider"] == "azure"}
    aws_cpu = {r["microarchitecture"]: r for r in cpu_power if r["provider"] == "aws"}
    gpu_of: dict[str, tuple[str, float, str]] = {}
    for model, counts, cite in GPUS.values():
        for t, n in counts.items():
            gpu_of[t] = (model, float(n), cite)

    rows: dict[str, dict[str, Any]] = {}
    for t in sorted(set(app) | set(coef)):
        a, cs = app.get(t), coef.get(t, [])
        src: list[str] = []
        # the app table first: the coefficient table gives constrained-core sizes a vCPU *ratio*
        if a is not None and _num(a["vcpus"]) and _num(a["memory_gb"]):
            vcpu, mem = int(float(a["vcpus"])), float(a["memory_gb"])
            src.append(f"vcpu/memory: {APP_VM}")
        else:
            vcpu, mem = int(float(cs[0]["Instance vCPUs"])), float(cs[0]["Instance Memory"])
            src.append(f"vcpu/memory: {COEF_INST}")
        archs: list[str] = []
        for name in [c["Microarchitecture"] for c in cs] + (
            a["cpu_processors"].split(";") if a and a["cpu_processors"] else []
        ):
            arch = _arch(name)
            if arch and arch != "Unknown" and arch not in archs:
                archs.append(arch)
        if archs:
            src.append(f"cpu: {COEF_INST} Microarchitecture / {APP_VM} processors")
        rows[t] = {
            "provider": "azure",
            "instance_type": t,
            "family": family_of(t),
            "vcpu": vcpu,
            "memory_gb": mem,
            "_archs": archs,
            "_src": src,
            "_a": a,
            "_cs": cs,
        }
    # constrained-core sizes inherit the parent size's processors
    for t, row in rows.items():
        if row["_archs"]:
            continue
        parent = re.sub(r"(\d+)-\d+", r"\1", t)
        if parent != t and parent in rows and rows[parent]["_archs"]:
            row["_archs"] = list(rows[parent]["_archs"])
            row["_src"].append(f"cpu: as the parent size {parent} (constrained-core size)")
        elif row["family"] in SERIES_CPU:
            arch, cite = SERIES_CPU[row["family"]]
            row["_archs"] = [arch]
            row["_src"].append(f"cpu: {cite} (CCF lists Unknown)")
        else:
            row["_archs"] = ["*"]
            row["_src"].append("cpu: Unknown in CCF and undocumented here; * = provider average")

    # host vCPU
    series_max: dict[str, int] = defaultdict(int)
    for t, row in rows.items():
        series_max[series_of[t]] = max(series_max[series_of[t]], row["vcpu"])
    for t, row in rows.items():
        cs, a = row["_cs"], row["_a"]
        plat = _num(cs[0]["Platform vCPUs (highest vCPU possible)"]) if cs else None
        if plat:
            row["host_vcpu"] = int(plat)
            row["_src"].append(f"host_vcpu: {COEF_INST} Platform vCPUs")
        elif a is not None and _num(a["platform_vcpus"]):
            row["host_vcpu"] = int(_num(a["platform_vcpus"]) or 0)
            row["_src"].append(f"host_vcpu: {APP_VM} constrained-vCPU platform vCPUs")
        else:
            row["host_vcpu"] = series_max[series_of[t]]
            row["_src"].append("host_vcpu: largest vCPU count of the CCF series")
        if row["host_vcpu"] < row["vcpu"]:
            row["_src"].append(f"host_vcpu raised from {row['host_vcpu']} to the instance vCPU")
            row["host_vcpu"] = row["vcpu"]

    # embodied
    for t, row in rows.items():
        e, a = emb.get(t), row["_a"]
        if e is not None:
            gpus = float(e["additional_gpus"])
            row["embodied_host_kgco2e"] = float(e["total"]) - gpus
            extra = f" minus additional_gpus {gpus:g} kg (accelerators counted in accelerators.csv)"
            row["_src"].append(f"embodied: {COEF_EMB} total{extra if gpus else ''}")
        elif a is not None and _num(a["embodied_tco2e"]):
            kg = 1000 * (_num(a["embodied_tco2e"]) or 0.0)
            n = _num(a["gpu_count"]) or 0.0
            platform_gpus = n * row["host_vcpu"] / row["vcpu"]
            row["embodied_host_kgco2e"] = kg - platform_gpus * GPU_KG
            row["_src"].append(
                f"embodied: {APP_VM} embodied tCO2e x 1000"
                + (
                    f" minus {platform_gpus:g} platform GPUs x 150 kg (accelerators counted in "
                    "accelerators.csv)"
                    if platform_gpus
                    else ""
                )
            )
    by_series: dict[str, list[float]] = defaultdict(list)
    for t, row in rows.items():
        if "embodied_host_kgco2e" in row:
            by_series[series_of[t]].append(row["embodied_host_kgco2e"])
    overall = statistics.median(
        row["embodied_host_kgco2e"]
        for t, row in rows.items()
        if "embodied_host_kgco2e" in row and t not in gpu_of
    )
    for t, row in rows.items():
        if "embodied_host_kgco2e" in row:
            continue
        if by_series[series_of[t]]:
            row["embodied_host_kgco2e"] = statistics.median(by_series[series_of[t]])
            row["_src"].append("embodied: median of the CCF series' figures")
        else:
            row["embodied_host_kgco2e"] = overall
            row["_src"].append("embodied: median of all non-accelerator Azure sizes")

    # sizes CCF lacks, from Microsoft's documentation
    host_of = {
        "H100NVL": ("Standard_NC80adis_H100_v5", 640.0),
        "A10": ("Standard_NV72ads_A10_v5", 880.0),
    }
    for t, vcpu, mem, arch, cite in NEW_SIZES:
        if t in rows:
            raise SystemExit(f"factors_azure: {t} already in the CCF tables; drop it from NEW_SIZES")
        if "H100_v5" in t and t.startswith("Standard_NC"):
            host_name, host_mem = host_of["H100NVL"]
        elif "_A10_" in t:
            host_name, host_mem = host_of["A10"]
        else:
            host_name, host_mem = t, mem
        host_vcpu = max(v for n, v, *_ in NEW_SIZES if n == host_name)
        sockets = NEW_SOCKETS.get(arch, 2)
        rows[t] = {
            "provider": "azure",
            "instance_type": t,
            "family": family_of(t),
            "vcpu": vcpu,
            "memory_gb": float(mem),
            "_archs": [arch],
            "host_vcpu": host_vcpu,
            "embodied_host_kgco2e": _ccf_embodied(host_mem, sockets),
            "_src": [
                f"vcpu/memory/cpu: {cite}",
                f"host_vcpu: largest size of the series ({host_name})",
                f"embodied: CCF method ({COEF_CONST}) on the host {host_name}: 1000 + "
                f"({host_mem:g} - 16) GB x 533/384 + {sockets - 1} extra socket(s) x 100 + one SSD "
                f"100 (sockets: {COEF_CPUS})",
            ],
            "_docs": True,
        }

    # accelerators
    for t, row in rows.items():
        if t in gpu_of:
            model, n, cite = gpu_of[t]
            row["accelerator_model"], row["accelerator_count"] = model, n
            row["_src"].append(f"accelerator: {cite}")
            row["_docs"] = True
        else:
            row["accelerator_model"], row["accelerator_count"] = "", 0.0
    missing = [t for t in gpu_of if t not in rows]
    if missing:
        raise SystemExit(f"factors_azure: GPU sizes without an instance row: {missing}")

    # cpu_power rows for microarchitectures Azure's coefficient table lacks: the AWS 2026 values
    for row in rows.values():
        for arch in row["_archs"]:
            if arch in azure_arch or arch == "*":
                continue
            if arch not in aws_cpu:
                raise SystemExit(f"factors_azure: no cpu_power row for {arch!r}")
            base = aws_cpu[arch]
            cpu_power.append(
                {
                    "provider": "azure",
                    "microarchitecture": arch,
                    "min_w_per_vcpu": base["min_w_per_vcpu"],
                    "max_w_per_vcpu": base["max_w_per_vcpu"],
                    "source": f"{COEF_AWS_USE} (2026 regeneration, SPECpower-derived, W per vCPU): "
                    f"the AWS value, because the Azure coefficient table (coefficients-azure-use.csv) "
                    f"has no {arch} row",
                    "licence": APACHE,
                }
            )
            azure_arch.add(arch)

    out: list[dict[str, Any]] = []
    for t, row in sorted(rows.items()):
        docs = row.pop("_docs", False)
        final = {
            "provider": "azure",
            "instance_type": t,
            "family": row["family"],
            "vcpu": row["vcpu"],
            "memory_gb": row["memory_gb"],
            "cpu_microarchitectures": ";".join(row["_archs"]),
            "host_vcpu": row["host_vcpu"],
            "burstable_baseline": None,
            "accelerator_model": row["accelerator_model"],
            "accelerator_count": row["accelerator_count"],
            "embodied_host_kgco2e": round(row["embodied_host_kgco2e"], 6),
            "source": "; ".join(row["_src"]),
            "licence": DOCS_LICENCE if docs else APACHE,
        }
        out.append(final)
    # aliases for billing meter names whose mechanical transform is not the ARM name
    by_type = {r["instance_type"]: r for r in out}
    labels = [r["vm_size"] for r in app_rows] + [r["Virtual Machine"] for r in coef_rows]
    aliases: dict[str, str] = {}
    for label in labels:
        target, mech = arm_name(label), meter_transform(label)
        if mech != target and mech not in by_type and target in by_type:
            aliases[mech] = target
    for alias, target in sorted(aliases.items()):
        base = by_type[target]
        out.append(
            {
                **base,
                "instance_type": alias,
                "source": f"alias of {target} (billing meter names it "
                f"{alias.removeprefix('Standard_').replace('_', ' ')!r}); {base['source']}",
            }
        )
    tables["instances"].extend(out)
