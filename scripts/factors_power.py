"""One power boundary, measured accelerator power and non-zero bands (factor set 2026.12.1 onwards).

Loaded by ``scripts/build_factors.py`` like the other ``factors_*.py`` modules. Reads, at build time only,
``<reference>/power/server_measured_power.csv`` and ``<reference>/power/gpu_measured_power*.csv`` (facts
from SPECpower_ssj2008 results and the ML.ENERGY / Zeus data; every row written here cites the original
public source, never the reference folder).

* **Boundary** (``power_boundary_whole_server = 1``): the per-vCPU watts of ``cpu_power.csv`` are
  SPECpower_ssj2008 whole-server wall power divided by hardware threads, so they already include the
  server's memory, disks, fans and power supply losses. Memory is therefore not counted again:
  ``memory_kwh_per_gb_hour = 0``. Accelerators stay separate (SPECpower servers carry none). The
  measured servers carry about ``memory_gb_per_vcpu_in_boundary`` GB per thread (median of the
  validation table); a row's memory above that counts at ``memory_kwh_per_gb_hour_high`` in the high
  bound only.
* **Validation** (``server_power_validation.csv``): SPEC-published servers with a full load curve whose
  processor has a ``cpu_power`` row; ``tests/factors/test_server_power_validation.py`` compares the
  model ``threads x (W_min + load x (W_max - W_min))`` with the measured watts at each load.
* **Accelerator utilisation per stage** (``accelerator_utilisation_{inference,training,unknown}`` with
  ``_low``/``_high``): from measured board power as a fraction ``f`` of TDP, converted to the model's
  ``u`` in ``W_idle + u x (W_tdp - W_idle)`` with the median idle/TDP ratio ``r`` of the accelerator
  table: ``u = (f - r) / (1 - r)``.
* **TPU v4** and the accelerators with no vendor TDP: see :func:`extend`.
* **Bands** of the storage and network coefficients (``*_low`` / ``*_high``).
"""

from __future__ import annotations

import csv
import statistics
from pathlib import Path
from typing import Any

APACHE = "Apache-2.0"
METHOD = "cloudcarbon docs/method.md"
OWN = "cloudcarbon assumption"
SPEC_TERMS = (
    "SPEC published result, public; used under the SPEC Fair Use Rule https://www.spec.org/fairuse.html "
    "(SPEC(R) and SPECpower_ssj(R) are trademarks of the Standard Performance Evaluation Corporation)"
)
MLE3 = "ml-energy/leaderboard@0cd52da:public/data/models/*.json (ML.ENERGY Leaderboard v3.0, avg_power_watts)"
MLDATA = "ml-energy/data@b37408f:data_publishing/DATASET_CARD.md (ML.ENERGY Benchmark V3 dataset, Apache-2.0)"
ZEUS = (
    "ml-energy/zeus@75a8b93:examples/research_reproducibility/zeus_nsdi23/trace/summary_power_"
    "{a40,v100,p100,rtx6000}.csv (Zeus NSDI'23 training traces at the maximum power limit)"
)
MORRISON = (
    "Morrison et al. 2025, Holistically Evaluating the Environmental Impact of Creating Language Models "
    "(ICLR 2025) https://arxiv.org/abs/2503.05804: GPU power during training swings between about 15% "
    "and 85% of maximum"
)
TPU_V4_PAPER = (
    "Jouppi et al. 2023, TPU v4: An Optically Reconfigurable Supercomputer for Machine Learning with "
    "Hardware Support for Embeddings (ISCA 2023) https://doi.org/10.1145/3579371.3589350 (CC-BY)"
)

# SPEC cpu family (substring of server_measured_power.cpu_family) -> (cpu_power provider, microarchitecture).
# The provider is the one whose cpu_power row for that microarchitecture is the SPECpower-derived
# ccf-coefficients figure (AWS for x86; GCP for Ampere Altra, the only provider with that row).
FAMILY_MICROARCHITECTURE = {
    "(Sandy Bridge-EP)": ("aws", "Sandy Bridge"),
    "(Ivy Bridge-EP)": ("aws", "Ivy Bridge"),
    "(Haswell-EP)": ("aws", "Haswell"),
    "(Broadwell-EP)": ("aws", "Broadwell"),
    "(Skylake-SP)": ("aws", "Skylake"),
    "(Cascade Lake)": ("aws", "Cascade Lake"),
    "(Ice Lake-SP)": ("aws", "Ice Lake"),
    "(Sapphire Rapids)": ("aws", "Sapphire Rapids"),
    "(Emerald Rapids)": ("aws", "Emerald Rapids"),
    "(Naples, Zen 1)": ("aws", "EPYC 1st Gen"),
    "(Rome, Zen 2)": ("aws", "EPYC 2nd Gen"),
    "(Milan, Zen 3)": ("aws", "EPYC 3rd Gen"),
    "(Milan-X, Zen 3": ("aws", "EPYC 3rd Gen"),
    "(Bergamo, Zen 4c)": ("aws", "EPYC 4th Gen"),
    "Ampere Altra (Arm": ("gcp", "Ampere Altra"),
}
# Corrections of published counts, with the reason (facts of the processor, not of the result).
THREADS_FIX = {
    "power_ssj2008-20231120-01339": (
        128,
        "threads 128, not the 256 listed in cloud-carbon-footprint/ccf-coefficients@b0032d9:data/"
        "SPECpower-2026-03-09.csv: one Intel Xeon Platinum 8592+ has 64 cores / 128 threads (Intel ARK)",
    ),
}
LOADS = ["w_active_idle", *(f"w_{p}" for p in range(10, 101, 10))]

TABLES: dict[str, tuple[list[dict[str, str]], list[str]]] = {
    "server_power_validation.csv": (
        [
            {"name": "server", "type": "string", "description": "vendor and system as published by SPEC"},
            {"name": "cpu_model", "type": "string", "description": "processor"},
            {"name": "cpu_family", "type": "string", "description": "processor family and code name"},
            {
                "name": "microarchitecture",
                "type": "string",
                "description": "cpu_power.microarchitecture the model uses for this processor",
            },
            {"name": "cpu_power_provider", "type": "string", "description": "cpu_power.provider of that row"},
            {"name": "isa", "type": "string", "description": "x86_64 / aarch64"},
            {"name": "sockets", "type": "integer", "description": "processor sockets"},
            {"name": "cores", "type": "integer", "description": "physical cores"},
            {"name": "threads", "type": "integer", "description": "hardware threads (= vCPUs)"},
            {"name": "memory_gb", "type": "number", "unit": "GB", "description": "installed memory"},
            *(
                {
                    "name": c,
                    "type": "number",
                    "unit": "W",
                    "description": "measured average wall power (AC) at "
                    + ("active idle" if c == "w_active_idle" else f"{c[2:]} % target load"),
                }
                for c in LOADS
            ),
            {"name": "published", "type": "string", "description": "SPEC publication date"},
            {"name": "spec_result_id", "type": "string", "description": "SPECpower_ssj2008 result id"},
            {"name": "spec_result_url", "type": "string", "description": "result page on spec.org"},
            {"name": "note", "type": "string", "description": "corrections and caveats"},
            {
                "name": "source",
                "type": "string",
                "description": "where the figure comes from (repository@commit:path, URL, document)",
            },
            {"name": "licence", "type": "string", "description": "licence or terms of use of the figures"},
        ],
        ["spec_result_id"],
    ),
}


def _read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise SystemExit(f"factors_power: reference file {path} is missing")
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _microarchitecture(family: str) -> tuple[str, str] | None:
    for key, value in FAMILY_MICROARCHITECTURE.items():
        if key in family:
            return value
    return None


def tables(ref: Path) -> dict[str, list[dict[str, Any]]]:
    rows = []
    for r in _read(ref / "power" / "server_measured_power.csv"):
        mapped = _microarchitecture(r["cpu_family"])
        if not r["spec_result_url"] or not r["w_50"] or mapped is None:
            continue  # endpoint-only rows (no result URL) and processors with no cpu_power row
        provider, arch = mapped
        threads, note = int(r["threads"]), ""
        if r["spec_result_id"] in THREADS_FIX:
            threads, note = THREADS_FIX[r["spec_result_id"]]
        route = r["data_route"]
        if "simulator code file" in route:
            route = (
                "load curve transcribed from a public code file (secondary; active-idle and 100 % "
                "values match cloud-carbon-footprint/ccf-coefficients@b0032d9:data/"
                "SPECpower-2026-03-09.csv; 10-90 % points to be checked on the SPEC page)"
            )
        rows.append(
            {
                "server": f"{r['server_vendor']} {r['server_model']}",
                "cpu_model": r["cpu_model"],
                "cpu_family": r["cpu_family"],
                "microarchitecture": arch,
                "cpu_power_provider": provider,
                "isa": r["isa"],
                "sockets": int(r["sockets"]),
                "cores": int(r["cores"]),
                "threads": threads,
                "memory_gb": float(r["memory_gb"]) if r["memory_gb"] else "",
                **{c: float(r[c]) for c in LOADS},
                "published": r["published"],
                "spec_result_id": r["spec_result_id"],
                "spec_result_url": r["spec_result_url"],
                "note": note,
                "source": f"SPEC(R) SPECpower_ssj(R)2008 result {r['spec_result_url']} (spec.org); {route}",
                "licence": SPEC_TERMS,
            }
        )
    return {"server_power_validation.csv": sorted(rows, key=lambda x: x["spec_result_id"])}


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    """Median, p10 and p90 (linear interpolation, as numpy's default)."""
    q = statistics.quantiles(values, n=10, method="inclusive")
    return statistics.median(values), q[0], q[-1]


def _utilisation_rows(ref: Path, idle_ratio: float) -> list[tuple[str, float, str, str]]:
    configs = _read(ref / "power" / "gpu_measured_power_configs.csv")
    summary = _read(ref / "power" / "gpu_measured_power.csv")
    v3 = [float(r["frac_of_tdp"]) for r in configs if r["benchmark_version"].startswith("v3")]
    inf_med, inf_p10, inf_p90 = _quantiles(v3)
    zeus = {
        r["gpu_model"]: float(r["median_frac_tdp"]) for r in summary if r["record_type"] == "zeus_training"
    }
    train_med = statistics.median(zeus.values())
    train_lo, train_hi = 0.15, 0.85  # Morrison et al. 2025
    to_u = lambda f: round((f - idle_ratio) / (1.0 - idle_ratio), 4)  # noqa: E731
    conv = (
        f"converted from a fraction f of TDP to the model's u = (f - r) / (1 - r), r = {idle_ratio:.4f} "
        "(the median idle/TDP ratio of accelerators.csv, so a device at u draws f x TDP)"
    )
    inf_src = (
        f"{MLE3}; {MLDATA}: per-GPU average power / TDP of the {len(v3)} NVIDIA H100 SXM and B200 "
        f"inference configurations of the v3.0 leaderboard (Dec 2025), median {inf_med:.4f}, "
        f"p10 {inf_p10:.4f}, p90 {inf_p90:.4f}"
    )
    train_src = (
        f"{ZEUS}: median of the per-GPU medians ({', '.join(f'{v:g}' for v in zeus.values())}) = "
        f"{train_med:.4f} of the power limit; band {MORRISON}"
    )
    unk = (
        "stage unknown (no [ai] stage rule and no Inferentia/Trainium device): central = mean of the "
        f"inference and training centrals ({OWN}, equal weight); band = the envelope of both bands"
    )
    return [
        ("accelerator_utilisation_inference", to_u(inf_med), f"central = median; {inf_src}; {conv}", APACHE),
        ("accelerator_utilisation_inference_low", to_u(inf_p10), f"p10; {inf_src}; {conv}", APACHE),
        ("accelerator_utilisation_inference_high", to_u(inf_p90), f"p90; {inf_src}; {conv}", APACHE),
        ("accelerator_utilisation_training", to_u(train_med), f"central; {train_src}; {conv}", APACHE),
        ("accelerator_utilisation_training_low", to_u(train_lo), f"low = 0.15; {MORRISON}; {conv}", APACHE),
        ("accelerator_utilisation_training_high", to_u(train_hi), f"high = 0.85; {MORRISON}; {conv}", APACHE),
        (
            "accelerator_utilisation_unknown",
            round((to_u(inf_med) + to_u(train_med)) / 2.0, 4),
            f"{unk}; {inf_src}; {train_src}",
            APACHE,
        ),
        ("accelerator_utilisation_unknown_low", min(to_u(inf_p10), to_u(train_lo)), unk, APACHE),
        ("accelerator_utilisation_unknown_high", max(to_u(inf_p90), to_u(train_hi)), unk, APACHE),
    ]


def _coefficients(ref: Path, idle_ratio: float) -> list[tuple[str, float, str, str, str]]:
    boundary = (
        f"{METHOD} section 2: one power boundary, the whole server. cpu_power.csv watts per vCPU are "
        "SPEC(R) SPECpower_ssj(R)2008 whole-server wall power (spec.org) per hardware thread "
        "(cloud-carbon-footprint/ccf-coefficients@b0032d9:output/coefficients-*-use.csv), which includes "
        "the measured servers' memory; validated against server_power_validation.csv"
    )
    aslan = (
        "Aslan, Mayers, Koomey, France 2018, Electricity Intensity of Internet Data Transmission: "
        "Untangling the Estimates, J. Industrial Ecology 22(4) https://doi.org/10.1111/jiec.12630"
    )
    ccf_doc = "cloud-carbon-footprint/cloud-carbon-footprint@b7a049c:microsite/docs/HowItWorks/Methodology.md"
    rows: list[tuple[str, float, str, str]] = [
        ("power_boundary_whole_server", 1.0, f"declaration (1 = whole server); {boundary}", APACHE),
        (
            "memory_kwh_per_gb_hour",
            0.0,
            f"0: memory is inside the whole-server per-vCPU watts ({boundary}); the former 0.000392 "
            "(CCF MEMORY_COEFFICIENT) on top counted it twice",
            APACHE,
        ),
        (
            "network_kwh_per_gb_low",
            0.0005,
            f"{OWN}: half the smallest published figure (0.001 kWh/GB, {ccf_doc} Networking, chosen "
            "coefficient), because the energy of a provisioned network grows far less than in proportion "
            "to traffic (Mytton, Lunden, Malmodin 2024, J. Industrial Ecology, "
            "https://doi.org/10.1111/jiec.13512)",
            APACHE,
        ),
        (
            "network_kwh_per_gb_high",
            0.004,
            f"{aslan}: Internet core network 0.004 kWh/GB (2015), as tabulated in {ccf_doc} Appendix IV; "
            "core transmission, the scope of inter-region transfer, in a year of lower efficiency than "
            "today (the paper finds intensity halving about every 2 years)",
            APACHE,
        ),
        (
            "ssd_wh_per_tb_hour_low",
            0.6,
            f"{OWN}: half the central 1.2 Wh/TB-h, which is one point projection (6 W per 5 TB drive for "
            f"2020, {ccf_doc} Storage, after the 2016 U.S. Data Center Energy Usage Report, Shehabi et al., "
            "LBNL-1005775); larger drives draw less per TB. No published spread found",
            APACHE,
        ),
        (
            "ssd_wh_per_tb_hour_high",
            2.4,
            f"{OWN}: twice the central 1.2 Wh/TB-h (same projection, {ccf_doc} Storage); smaller and "
            "busier drives and the storage servers' own share draw more per TB. No published spread found",
            APACHE,
        ),
        (
            "hdd_wh_per_tb_hour_low",
            0.325,
            f"{OWN}: half the central 0.65 Wh/TB-h (6.5 W per 10 TB drive for 2020, {ccf_doc} Storage, "
            "after Shehabi et al. 2016, LBNL-1005775). No published spread found",
            APACHE,
        ),
        (
            "hdd_wh_per_tb_hour_high",
            1.3,
            f"{OWN}: twice the central 0.65 Wh/TB-h ({ccf_doc} Storage). No published spread found",
            APACHE,
        ),
        (
            "memory_kwh_per_gb_hour_high",
            0.000392,
            "high end only: memory beyond what the measured servers carried per vCPU is not in the "
            "whole-server watts, so the high bound adds it at cloud-carbon-footprint/cloud-carbon-footprint"
            "@b7a049c:packages/aws/src/domain/AwsFootprintEstimationConstants.ts MEMORY_COEFFICIENT "
            f"(0.392 W/GB, mean of Crucial 0.375 and Micron 0.408 W/GB; {ccf_doc} Memory)",
            APACHE,
        ),
        (
            "memory_gb_per_vcpu_in_boundary",
            _memory_per_thread(ref),
            "median installed memory per hardware thread of the SPEC(R) SPECpower_ssj(R)2008 servers of "
            "server_power_validation.csv (spec.org results): the memory the whole-server per-vCPU watts "
            "already contain; a row's memory above it counts at the high bound only",
            APACHE,
        ),
        *_utilisation_rows(ref, idle_ratio),
    ]
    return [(n, v, "flag" if n.startswith("power_") else _unit(n), s, lic) for n, v, s, lic in rows]


def _memory_per_thread(ref: Path) -> float:
    rows = tables(ref)["server_power_validation.csv"]
    return round(statistics.median(r["memory_gb"] / r["threads"] for r in rows if r["memory_gb"] != ""), 3)


def _unit(name: str) -> str:
    if name == "memory_gb_per_vcpu_in_boundary":
        return "GB/vCPU"
    if name.startswith("memory_"):
        return "kWh/GB-h"
    if name.startswith("network_"):
        return "kWh/GB"
    if name.startswith(("ssd_", "hdd_")):
        return "Wh/TB-h"
    return "fraction"


def _idle_ratio(ref: Path) -> float:
    # the same median build_factors.build_accelerators uses for derived idle figures
    rows = _read(ref / "accelerators.csv")
    return statistics.median(
        float(r["idle_watts_estimate"]) / float(r["tdp_watts"])
        for r in rows
        if r["idle_watts_estimate"] and r["tdp_watts"]
    )


NO_VENDOR_TDP_BAND = 0.6


def extend(ref: Path, shared: dict[str, list[dict[str, Any]]]) -> None:
    """TPU v4 at its published maximum, wider bands for accelerators with no vendor TDP, and the
    coefficients above (added, or replacing the value of the same name)."""
    idle_ratio = _idle_ratio(ref)
    for r in shared["accelerators"]:
        if r["model"] == "Google TPU v4 (chip)":
            # 170 W is the chip's MEAN power; the model's tdp_w is the maximum (the top of the
            # idle-to-TDP line), so it takes 192 W. Idle stays derived from the median ratio.
            r["tdp_w"] = 192.0
            r["idle_w"] = round(192.0 * idle_ratio, 1)
            r["source"] = (
                f"{TPU_V4_PAPER}: 170 W is the mean and 192 W the maximum power per chip; tdp_w = 192 "
                f"(maximum, like every tdp_w here); idle = {idle_ratio * 100:.1f}% of TDP, the median "
                "idle/TDP ratio of the accelerators.csv rows with a CCF Appendix III idle figure; "
                "embodied 150 kgCO2e per device = CCF GPU_MANUFACTURING_EMISSIONS "
                "(cloud-carbon-footprint/ccf-coefficients@b0032d9:ccfcoef/constants.py)"
            )
            r["licence"] = f"{r['licence']} AND CC-BY-4.0" if "CC-BY" not in r["licence"] else r["licence"]
        elif "TDP derived:" in r["source"] and "no vendor figure published" in r["source"]:
            # TPU v5e/v5p/v6e, Trainium, Inferentia: no vendor TDP at all -> the widest band
            if "Google TPU v4 (chip) TDP 170 W" in r["source"]:
                # the sibling's maximum is 192 W, not its 170 W mean: rescale the derived figures
                r["tdp_w"] = round(float(r["tdp_w"]) * 192.0 / 170.0, 1)
                r["idle_w"] = round(float(r["tdp_w"]) * idle_ratio, 1)
                r["source"] = r["source"].replace(
                    "Google TPU v4 (chip) TDP 170 W",
                    "Google TPU v4 (chip) TDP 192 W (maximum; 170 W is its mean)",
                )
            r["derivation"] = "derived_no_vendor_tdp"
            r["band_ratio"] = NO_VENDOR_TDP_BAND
            r["source"] = (
                f"{r['source']}; band {NO_VENDOR_TDP_BAND} (no vendor TDP: the figure is a sibling's TDP "
                "scaled by memory, so +-60%)"
            )
    coefficients = shared["coefficients"]
    by_name = {r["name"]: r for r in coefficients}
    for name, value, unit, source, licence in _coefficients(ref, idle_ratio):
        row = {"name": name, "value": value, "unit": unit, "source": source, "licence": licence}
        if name in by_name:
            by_name[name].update(row)
        else:
            coefficients.append(row)
    coefficients.sort(key=lambda r: r["name"])
