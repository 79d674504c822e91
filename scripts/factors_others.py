"""Accelerated shapes of clouds that reach cloudcarbon through FOCUS exports: OCI, IBM Cloud, Scaleway,
OVHcloud, Intel Tiber AI Cloud and Lambda.

Called by ``scripts/build_factors.py`` as ``extend(ref, tables)``; reads nothing from ``ref``: every
figure is written below with the vendor page it comes from.

* ``instances``: one row per shape (provider, instance type exactly as the provider bills it). vCPU,
  memory, accelerator model and count and the CPU come from the cited vendor page; anything the page
  (as stored where we could read it) did not confirm carries ``(verify)`` in ``source``. OCI bills
  OCPUs: on x86 one OCPU is two vCPUs (OCI "Compute Shapes"), so ``vcpu`` = 2 x OCPU.
  ``family`` is the provider's series name, except OVHcloud ``t2`` which is ``ovh-t2`` (``t2`` is an
  AWS burstable family, and utilisation overrides match families across providers).
  ``host_vcpu`` is the bare-metal size or the largest shape of the series (as for Azure, see
  ``factors_azure.py``); ``embodied_host_kgco2e`` uses CCF's embodied method (ccf-coefficients
  ``ccfcoef/constants.py``) on that host: 1000 kg + 533/384 kg per GB above 16 GB + 100 kg per extra
  socket (two sockets assumed) + 100 kg for one SSD; accelerators are excluded (accelerators.csv
  carries 150 kg per device).
* ``cpu_power``: these providers publish no SPECpower-derived coefficients, so each provider gets a
  copy of the AWS 2026 rows (ccf-coefficients ``output/coefficients-aws-use.csv``, as already in the
  table) for the microarchitectures its shapes use, and a ``*`` row copying the AWS provider average,
  each saying so in ``source``. The rows are copied from ``tables["cpu_power"]`` at build time, so
  they follow any change of the AWS figures.
* ``pue``: none added. No PUE figure from these providers was confirmed in a citable source during
  this change, so rows of these providers take the model's global mean (flagged ``pue`` fallback).
* grid: none added; rows take the provider mean, else the global mean (flagged).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

APACHE = "Apache-2.0"
COEF_CONST = "cloud-carbon-footprint/ccf-coefficients@b0032d9:ccfcoef/constants.py"
GPU_KG = 150.0

IBM_DOC = "https://cloud.ibm.com/docs/vpc?topic=vpc-accelerated-profile-family"
IBM_DOC_REPO = "ibm-cloud-docs/vpc:accelerated-profile-family.md (2025)"
OCI_DOC = "https://docs.oracle.com/en-us/iaas/Content/Compute/References/computeshapes.htm"
SCW_DOC = "https://www.scaleway.com/en/h100-pcie-try-it-now/"
SCW_DATASHEET = "https://www.scaleway.com/en/docs/instances/reference-content/instances-datasheet/"
OVH_DOC = "https://www.ovhcloud.com/en/public-cloud/prices/#gpu"
INTEL_DOC = "https://console.cloud.intel.com/docs/ (Intel Tiber AI Cloud docs: Gaudi2 Deep Learning Server)"
LAMBDA_DOC = "https://docs.lambda.ai/public-cloud/on-demand/"

# provider, instance type, family, vCPU, memory GB, microarchitecture, accelerator, count,
# host (instance type of the whole server, or a description), host vCPU, host memory GB, cite
Shape = tuple[str, str, str, int, float, str, str, float, str, int, float, str]

SHAPES: list[Shape] = [
    # ---- IBM Cloud VPC (profiles as billed) ----
    ("ibm", "gx3d-160x1792x8gaudi3", "gx3d", 160, 1792, "Emerald Rapids", "Intel Gaudi3", 8,
     "gx3d-160x1792x8gaudi3", 160, 1792,
     f"{IBM_DOC} (Intel Gaudi 3 profiles: 160 vCPU / 80 cores, 1792 GiB, 8x Intel Gaudi-3 128 GB OAM; "
     f"CPU Intel Xeon 8568Y+ 5th Gen Xeon Scalable = Emerald Rapids; read in {IBM_DOC_REPO})"),
    ("ibm", "gx3d-160x1792x8h100", "gx3d", 160, 1792, "Sapphire Rapids", "NVIDIA H100 SXM5 80GB", 8,
     "gx3d-160x1792x8h100", 160, 1792,
     f"{IBM_DOC} (NVIDIA Hopper HGX profiles: 160 vCPU / 80 cores, 1792 GiB, 8x NVIDIA H100 SXM5 80 GB; "
     f"CPU Intel 8474C 4th Gen Xeon Scalable = Sapphire Rapids; read in {IBM_DOC_REPO})"),
    ("ibm", "gx3d-160x1792x8h200", "gx3d", 160, 1792, "Sapphire Rapids", "NVIDIA H200 SXM 141GB", 8,
     "gx3d-160x1792x8h200", 160, 1792,
     f"{IBM_DOC} (NVIDIA Hopper HGX profiles: 160 vCPU, 1792 GiB, 8x NVIDIA H200 SXM5 141 GB; "
     f"CPU Intel 8474C = Sapphire Rapids; read in {IBM_DOC_REPO})"),
    ("ibm", "gx3-16x80x1l4", "gx3", 16, 80, "Sapphire Rapids", "NVIDIA L4", 1,
     "gx3-64x320x4l4", 64, 320,
     f"{IBM_DOC} (NVIDIA L4 profiles: 16 vCPU, 80 GiB, 1x L4 24 GB; CPU Intel 8474C; "
     f"read in {IBM_DOC_REPO})"),
    ("ibm", "gx3-32x160x2l4", "gx3", 32, 160, "Sapphire Rapids", "NVIDIA L4", 2,
     "gx3-64x320x4l4", 64, 320,
     f"{IBM_DOC} (NVIDIA L4 profiles: 32 vCPU, 160 GiB, 2x L4; CPU Intel 8474C; read in {IBM_DOC_REPO})"),
    ("ibm", "gx3-64x320x4l4", "gx3", 64, 320, "Sapphire Rapids", "NVIDIA L4", 4,
     "gx3-64x320x4l4", 64, 320,
     f"{IBM_DOC} (NVIDIA L4 profiles: 64 vCPU, 320 GiB, 4x L4; CPU Intel 8474C; read in {IBM_DOC_REPO})"),
    ("ibm", "gx3-24x120x1l40s", "gx3", 24, 120, "Sapphire Rapids", "NVIDIA L40S", 1,
     "gx3-48x240x2l40s", 48, 240,
     f"{IBM_DOC} (NVIDIA L40S profiles: 24 vCPU, 120 GiB, 1x L40S 48 GB; CPU Intel 8474C; "
     f"read in {IBM_DOC_REPO})"),
    ("ibm", "gx3-48x240x2l40s", "gx3", 48, 240, "Sapphire Rapids", "NVIDIA L40S", 2,
     "gx3-48x240x2l40s", 48, 240,
     f"{IBM_DOC} (NVIDIA L40S profiles: 48 vCPU, 240 GiB, 2x L40S; CPU Intel 8474C; the page spells the "
     "profile 'gx3-48x240x-2l40s', the API name is taken as gx3-48x240x2l40s (verify); "
     f"read in {IBM_DOC_REPO})"),
    # ---- Intel Tiber AI Cloud ----
    ("intel", "bm-icp-gaudi2", "bm-icp-gaudi2", 160, 1024, "Ice Lake", "Intel Gaudi2", 8,
     "bm-icp-gaudi2", 160, 1024,
     f"{INTEL_DOC} (Bare Metal 'Gaudi2 Deep Learning Server': 8 Gaudi 2 HL-225H mezzanine cards with "
     "3rd Gen Intel Xeon processors (= Ice Lake), 1 TB RAM; read in Intel Tiber AI Cloud tutorial "
     "'Fine-tune Meta Llama-3.2-3B-Instruct'); instance type name bm-icp-gaudi2 and 160 vCPU "
     "(2 x Xeon Platinum 8380, 40 cores x 2 threads each) not confirmed on a vendor page (verify)"),
    # ---- Scaleway (H100-X-80G = H100 PCIe; H100-SXM-X-80G is the SXM range, not mapped here) ----
    ("scaleway", "H100-1-80G", "H100", 24, 240, "EPYC 4th Gen", "NVIDIA H100 PCIe 80GB", 1,
     "H100-2-80G", 48, 480,
     f"{SCW_DOC} and {SCW_DATASHEET} (H100 PCIe GPU Instance: 1x NVIDIA H100 PCIe 80 GB, 24 vCPU, 240 GB; "
     "CPU AMD EPYC Zen 4 = EPYC 4th Gen (verify); vCPU/RAM as in Scaleway's products API listings "
     "quoted in public code, not read on the vendor page itself (verify))"),
    ("scaleway", "H100-2-80G", "H100", 48, 480, "EPYC 4th Gen", "NVIDIA H100 PCIe 80GB", 2,
     "H100-2-80G", 48, 480,
     f"{SCW_DOC} and {SCW_DATASHEET} (H100 PCIe GPU Instance: 2x NVIDIA H100 PCIe 80 GB, 48 vCPU, 480 GB; "
     "CPU AMD EPYC Zen 4 = EPYC 4th Gen (verify); vCPU/RAM as in Scaleway's products API listings "
     "quoted in public code, not read on the vendor page itself (verify))"),
    # ---- OVHcloud Public Cloud GPU (t2 = Tesla V100S 32 GB) ----
    ("ovhcloud", "t2-45", "ovh-t2", 15, 45, "Cascade Lake", "NVIDIA Tesla V100S PCIe 32GB", 1,
     "t2-180", 60, 180,
     f"{OVH_DOC} (t2-45: 15 vCores, 45 GB, 1x NVIDIA Tesla V100S 32 GB; vCores/RAM read in a copy of "
     "the OVHcloud price table; CPU Intel Xeon Cascade Lake not confirmed (verify))"),
    ("ovhcloud", "t2-90", "ovh-t2", 30, 90, "Cascade Lake", "NVIDIA Tesla V100S PCIe 32GB", 2,
     "t2-180", 60, 180,
     f"{OVH_DOC} (t2-90: 30 vCores, 90 GB, 2x NVIDIA Tesla V100S 32 GB; CPU Cascade Lake (verify))"),
    ("ovhcloud", "t2-180", "ovh-t2", 60, 180, "Cascade Lake", "NVIDIA Tesla V100S PCIe 32GB", 4,
     "t2-180", 60, 180,
     f"{OVH_DOC} (t2-180: 60 vCores, 180 GB, 4x NVIDIA Tesla V100S 32 GB; CPU Cascade Lake (verify))"),
    # ---- Oracle Cloud Infrastructure (vCPU = 2 x OCPU) ----
    ("oci", "VM.GPU3.1", "GPU3", 12, 90, "Skylake", "NVIDIA Tesla V100 SXM2 16/32GB", 1,
     "BM.GPU3.8", 104, 768,
     f"{OCI_DOC}#vm-gpu (VM.GPU3.1: 6 OCPU, 90 GB, 1x NVIDIA Tesla V100 16 GB; CPU Intel Xeon Platinum "
     "8167M = Skylake (verify))"),
    ("oci", "VM.GPU3.2", "GPU3", 24, 180, "Skylake", "NVIDIA Tesla V100 SXM2 16/32GB", 2,
     "BM.GPU3.8", 104, 768,
     f"{OCI_DOC}#vm-gpu (VM.GPU3.2: 12 OCPU, 180 GB, 2x V100 16 GB; CPU Xeon Platinum 8167M (verify))"),
    ("oci", "VM.GPU3.4", "GPU3", 48, 360, "Skylake", "NVIDIA Tesla V100 SXM2 16/32GB", 4,
     "BM.GPU3.8", 104, 768,
     f"{OCI_DOC}#vm-gpu (VM.GPU3.4: 24 OCPU, 360 GB, 4x V100 16 GB; CPU Xeon Platinum 8167M (verify))"),
    ("oci", "BM.GPU3.8", "GPU3", 104, 768, "Skylake", "NVIDIA Tesla V100 SXM2 16/32GB", 8,
     "BM.GPU3.8", 104, 768,
     f"{OCI_DOC}#bm-gpu (BM.GPU3.8: 52 OCPU, 768 GB, 8x V100 16 GB; CPU Xeon Platinum 8167M (verify))"),
    ("oci", "VM.GPU.A10.1", "GPU.A10", 30, 240, "Ice Lake", "NVIDIA A10", 1,
     "BM.GPU.A10.4", 128, 1024,
     f"{OCI_DOC}#vm-gpu (VM.GPU.A10.1: 15 OCPU, 240 GB, 1x NVIDIA A10 24 GB; CPU Intel Xeon Platinum "
     "8358 = Ice Lake (verify))"),
    ("oci", "VM.GPU.A10.2", "GPU.A10", 60, 480, "Ice Lake", "NVIDIA A10", 2,
     "BM.GPU.A10.4", 128, 1024,
     f"{OCI_DOC}#vm-gpu (VM.GPU.A10.2: 30 OCPU, 480 GB, 2x NVIDIA A10; CPU Xeon Platinum 8358 (verify))"),
    ("oci", "BM.GPU.A10.4", "GPU.A10", 128, 1024, "Ice Lake", "NVIDIA A10", 4,
     "BM.GPU.A10.4", 128, 1024,
     f"{OCI_DOC}#bm-gpu (BM.GPU.A10.4: 64 OCPU, 1024 GB, 4x NVIDIA A10; CPU Xeon Platinum 8358 (verify))"),
    ("oci", "BM.GPU4.8", "GPU4", 128, 2048, "EPYC 2nd Gen", "NVIDIA A100 SXM4 40GB", 8,
     "BM.GPU4.8", 128, 2048,
     f"{OCI_DOC}#bm-gpu (BM.GPU4.8: 64 OCPU, 2048 GB, 8x NVIDIA A100 40 GB SXM4; CPU AMD EPYC 7542 = "
     "Rome, EPYC 2nd Gen (verify))"),
    ("oci", "BM.GPU.A100-v2.8", "GPU.A100-v2", 256, 2048, "EPYC 3rd Gen", "NVIDIA A100 SXM4 80GB", 8,
     "BM.GPU.A100-v2.8", 256, 2048,
     f"{OCI_DOC}#bm-gpu (BM.GPU.A100-v2.8: 128 OCPU, 2048 GB, 8x NVIDIA A100 80 GB SXM4; CPU AMD EPYC "
     "7J13 = Milan, EPYC 3rd Gen; OCPU and memory not read on a stored copy of the page (verify))"),
    ("oci", "BM.GPU.H100.8", "GPU.H100", 224, 2048, "Sapphire Rapids", "NVIDIA H100 SXM5 80GB", 8,
     "BM.GPU.H100.8", 224, 2048,
     f"{OCI_DOC}#bm-gpu (BM.GPU.H100.8: 112 OCPU, 2048 GB, 8x NVIDIA H100 80 GB SXM; CPU Intel Xeon "
     "Platinum 8480+ = Sapphire Rapids; not read on a stored copy of the page (verify))"),
    # ---- Lambda (single A100 PCIe 40 GB) ----
    ("lambda", "gpu_1x_a100", "gpu_1x", 30, 200, "*", "NVIDIA A100 PCIe 40GB", 1,
     "gpu_1x_a100", 30, 200,
     f"{LAMBDA_DOC} (gpu_1x_a100: 1x NVIDIA A100 40 GB PCIe, 30 vCPU, 200 GiB; instance type name seen "
     "in Lambda API clients' type lists next to gpu_1x_a100_sxm4; specs and CPU not read on a stored "
     "copy of the vendor page (verify); CPU unknown: provider fallback (*))"),
]  # fmt: skip


def _ccf_embodied(host_mem: float, sockets: int = 2) -> float:
    # ccfcoef/constants.py: BASE 1000 kg; DRAM 533/384 kg per GB above 16 GB; 100 kg per extra CPU
    # socket; SSD 100 kg per drive (one drive assumed)
    return 1000.0 + max(0.0, host_mem - 16.0) * (533.0 / 384.0) + (sockets - 1) * 100.0 + 100.0


def _cpu_rows(tables: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    aws = {r["microarchitecture"]: r for r in tables["cpu_power"] if r["provider"] == "aws"}
    needed: dict[str, set[str]] = {}
    for provider, *_rest in SHAPES:
        needed.setdefault(provider, {"*"})
    for provider, _t, _f, _v, _m, arch, *_ in SHAPES:
        needed[provider].add(arch)
    rows = []
    for provider in sorted(needed):
        for arch in sorted(needed[provider]):
            src = aws[arch]
            what = "provider average (AWS '*' row)" if arch == "*" else f"AWS {arch} row"
            rows.append(
                {
                    "provider": provider,
                    "microarchitecture": arch,
                    "min_w_per_vcpu": src["min_w_per_vcpu"],
                    "max_w_per_vcpu": src["max_w_per_vcpu"],
                    "source": f"copy of the {what}: {provider} publishes no SPECpower-derived coefficients, "
                    f"so the AWS 2026 figures for the same CPU are used as a proxy ({src['source']})",
                    "licence": src["licence"],
                }
            )
    return rows


def extend(ref: Path, tables: dict[str, list[dict[str, Any]]]) -> None:
    del ref  # every figure is cited inline above
    tables["cpu_power"].extend(_cpu_rows(tables))
    for provider, t, family, vcpu, mem, arch, acc, n, host, host_vcpu, host_mem, cite in SHAPES:
        emb = _ccf_embodied(host_mem)
        tables["instances"].append(
            {
                "provider": provider,
                "instance_type": t,
                "family": family,
                "vcpu": vcpu,
                "memory_gb": float(mem),
                "cpu_microarchitectures": arch,
                "host_vcpu": host_vcpu,
                "burstable_baseline": "",
                "accelerator_model": acc,
                "accelerator_count": float(n),
                "embodied_host_kgco2e": round(emb, 6),
                "source": f"vcpu/memory/cpu/accelerator: {cite}; host_vcpu: {host} ({host_vcpu} vCPU, "
                f"{host_mem:g} GB); embodied: CCF method ({COEF_CONST}) on that host: 1000 + "
                f"({host_mem:g} - 16) GB x 533/384 + 1 extra socket x 100 + one SSD 100 (two sockets "
                f"assumed), accelerators excluded ({GPU_KG:g} kg each in accelerators.csv)",
                "licence": APACHE,
            }
        )
