"""CCF's tables from the factor set (``ccf_*.csv``), and the lookups CCF's code derives from them."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from cloudcarbon.factors import FactorSet

__all__ = ["Tables", "split"]

# CCF:packages/core/src/compute/ComputeProcessorTypes.ts: Sandy/Ivy Bridge groups use the median
_MEDIAN_MARKERS = ("Sandy Bridge", "Ivy Bridge")
_AWS_HOUR_UNITS = ("Hrs", "Hours", "hours", "vCPU-Hours", "DPU-Hour", "ACU-Hr")
_AWS_STORAGE_UNITS = ("GB-Mo", "GB-Month", "GB-Mp", "GB-month", "GB-Hours")
_AWS_SECONDS_UNITS = ("seconds", "Second", "Lambda-GB-Second")
_AWS_GB_UNITS = ("GB", "GigaBytes")
_AZURE_PACK = r"^\s*([0-9]+)\s+"


def _watts(
    processors: Iterable[str], table: dict[str, tuple[float, float, float | None]]
) -> tuple[float | None, float | None, float | None]:
    """CCF's getMinWatts / getMaxWatts / getMemory for a processor list.

    CCF:packages/core/src/FootprintEstimate.ts ``getWattsByAverageOrMedian`` (mean, or median when Sandy or
    Ivy Bridge is in the list) and ``getAverage``; an unknown processor makes the mean NaN, and CCF then
    falls back to the provider's MIN/MAX_WATTS_AVG and MEMORY_AVG (returned here as None).
    """
    procs = [p for p in processors if p]
    if not procs or any(p not in table for p in procs):
        return None, None, None
    mins = [table[p][0] for p in procs]
    maxs = [table[p][1] for p in procs]
    mems = [table[p][2] for p in procs]
    agg = statistics.median if any(p in _MEDIAN_MARKERS for p in procs) else statistics.fmean
    mem = None if any(m is None for m in mems) else statistics.fmean([m for m in mems if m is not None])
    lo, hi = agg(mins), agg(maxs)
    return (lo or None), (hi or None), (mem or None)


def split(text: Any) -> list[str]:
    return [p.strip() for p in str(text or "").split(";") if p.strip()]


class Tables:
    """CCF's tables from the factor set, and lookups derived from them the way CCF's code does."""

    def __init__(self, factors: FactorSet) -> None:
        t = factors.table
        self.classes = t("ccf_classification")
        self.consts = t("ccf_constants")
        proc = t("ccf_processors")
        self.proc: dict[str, dict[str, tuple[float, float, float | None]]] = {}
        for r in proc.iter_rows(named=True):
            self.proc.setdefault(r["provider"], {})[r["processor"]] = (
                r["min_watts"],
                r["max_watts"],
                r["memory_gb_per_chip"],
            )
        self.pue = t("ccf_pue")
        self.grid = t("ccf_grid")
        self.replication = t("ccf_replication")
        self.aws = t("ccf_aws_instances")
        # factor sets from 2026.12.1 keep REDSHIFT_INSTANCE_TYPES apart (older sets: the Redshift rows of
        # ccf_aws_instances, which there replaced the EC2 rows of dc2/ds2/ra3 and their embodied)
        names = {Path(r["path"]).stem for r in factors.descriptor.get("resources", [])}
        self.redshift = (
            t("ccf_aws_redshift_instances")
            if "ccf_aws_redshift_instances" in names
            else self.aws.filter(pl.col("source_table") == "REDSHIFT_INSTANCE_TYPES").select(
                "instance_type", "family", "vcpus", "memory_gb"
            )
        )
        self.gcp = t("ccf_gcp_machine_types")
        self.gcp_series = t("ccf_gcp_series_processors")
        self.gpu_models = t("ccf_gpu_models")
        self.azure = t("ccf_azure_vm_sizes")
        self.azure_sizes = t("ccf_azure_size_lookups")

    def const(self, provider: str, name: str) -> float:
        df = self.consts.filter((pl.col("provider") == provider) & (pl.col("name") == name))
        return float(df["value"][0])

    def const_text(self, provider: str, name: str) -> str:
        df = self.consts.filter((pl.col("provider") == provider) & (pl.col("name") == name))
        return str(df["text"][0])

    def values(self, provider: str, list_name: str) -> list[str]:
        df = self.classes.filter((pl.col("provider") == provider) & (pl.col("list") == list_name))
        return [str(v) for v in df["value"].to_list()]

    def watts(self, provider: str, processors: Iterable[str]) -> tuple[float, float, float, bool]:
        """(min, max, GB per chip, used the provider fallback) for a processor list."""
        lo, hi, mem = _watts(processors, self.proc[provider])
        p = provider
        fb_min = self.const(p, "MIN_WATTS_MEDIAN" if p == "gcp" else "MIN_WATTS_AVG")
        fb_max = self.const(p, "MAX_WATTS_MEDIAN" if p == "gcp" else "MAX_WATTS_AVG")
        fb_mem = self.const(p, "MEMORY_AVG") if p != "gcp" else 0.0
        return (lo or fb_min), (hi or fb_max), (mem or fb_mem), lo is None

    # ---- per-provider lookup frames (one row per CCF key, joined to the usage rows) ----

    def aws_lookup(self) -> pl.DataFrame:
        # CCF:packages/aws/src/lib/CostAndUsageReportsRow.ts (vCPU, GPU, processors),
        # AWSMemoryEstimatesBuilder.ts (memory), CostAndUsageReports.ts getDataFromInstanceType (embodied)
        rows = [
            {
                **self._size_row("aws", r, key="instance_type", group="family"),
                "_c_burst": r["burstable_baseline_pct"],
                # memory needs the family in EC2_INSTANCE_TYPES or REDSHIFT_INSTANCE_TYPES;
                # embodied reads EC2_INSTANCE_TYPES or INSTANCE_FAMILY_TO_INSTANCE_TYPE_MAPPING
                "_c_mem_ok": r["source_table"] in ("EC2_INSTANCE_TYPES", "REDSHIFT_INSTANCE_TYPES"),
                "_c_emb_ok": r["source_table"]
                in ("EC2_INSTANCE_TYPES", "INSTANCE_FAMILY_TO_INSTANCE_TYPE_MAPPING"),
            }
            for r in self.aws.iter_rows(named=True)
        ]
        return pl.DataFrame(rows, infer_schema_length=None).with_columns(pl.lit("aws").alias("ProviderName"))

    def aws_vcpu_lookup(self) -> pl.DataFrame:
        """vCPU, GPU and burstable figures by CCF's vCPU key (CostAndUsageReportsRow.ts getVCpuHours,
        getGpuHours): EC2_INSTANCE_TYPES' vCPU, REDSHIFT_INSTANCE_TYPES' vCPU for Redshift rows."""
        t = self.aws
        ec2 = pl.col("source_table") == "EC2_INSTANCE_TYPES"
        counts = t.select(
            pl.col("instance_type").alias("_ccf_vkey"),
            pl.when(ec2).then(pl.col("vcpus").cast(pl.Float64)).alias("_v_vcpus"),
            pl.col("gpu_count").cast(pl.Float64).alias("_v_gpus"),
            pl.col("burstable_baseline_pct").cast(pl.Float64).alias("_v_burst"),
        )
        rs = self.redshift.select(
            pl.col("instance_type").alias("_ccf_vkey"), pl.col("vcpus").cast(pl.Float64).alias("_v_rs_vcpus")
        )
        return counts.join(rs, on="_ccf_vkey", how="full", coalesce=True).with_columns(
            pl.lit("aws").alias("ProviderName")
        )

    def aws_memory_lookup(self) -> pl.DataFrame:
        """Memory inputs by CCF's memory key, the first two ``.`` parts of the instance key
        (AWSMemoryEstimatesBuilder.ts: EC2_INSTANCE_TYPES, else REDSHIFT_INSTANCE_TYPES)."""
        ok = pl.col("source_table").is_in(["EC2_INSTANCE_TYPES", "REDSHIFT_INSTANCE_TYPES"])
        return (
            self.aws.filter(ok)
            .select(
                pl.col("instance_type").alias("_ccf_mkey"),
                pl.col("memory_gb").cast(pl.Float64).alias("_m_mem"),
                pl.col("family_largest_memory_gb").cast(pl.Float64).alias("_m_big_mem"),
                pl.col("family_largest_vcpus").cast(pl.Float64).alias("_m_big_vcpu"),
                pl.col("family").alias("_m_family"),
            )
            .with_columns(pl.lit("aws").alias("ProviderName"))
        )

    def aws_embodied_lookup(self) -> pl.DataFrame:
        """Embodied inputs by CCF's embodied key (CostAndUsageReports.ts getDataFromInstanceType):
        EC2_INSTANCE_TYPES or INSTANCE_FAMILY_TO_INSTANCE_TYPE_MAPPING only."""
        ok = pl.col("source_table").is_in(["EC2_INSTANCE_TYPES", "INSTANCE_FAMILY_TO_INSTANCE_TYPE_MAPPING"])
        return (
            self.aws.filter(ok)
            .select(
                pl.col("instance_type").alias("_ccf_ekey"),
                pl.col("vcpus").cast(pl.Float64).alias("_e_vcpus"),
                pl.col("embodied_tco2e").cast(pl.Float64).alias("_e_emb_t"),
                pl.col("family_largest_vcpus").cast(pl.Float64).alias("_e_big_vcpu"),
            )
            .with_columns(pl.lit("aws").alias("ProviderName"))
        )

    def _size_row(self, provider: str, r: dict[str, Any], *, key: str, group: str) -> dict[str, Any]:
        """The columns CCF reads for one instance or VM size: vCPU, memory, watts, GPUs, family sizes."""
        lo, hi, mem, avg = self.watts(provider, split(r["cpu_processors"]) or ["Unknown"])
        glo, ghi, _, _ = self.watts(provider, split(r["gpu_processors"]) or ["Unknown"])
        return {
            "_ccf_key": r[key],
            "_c_vcpus": r["vcpus"],
            "_c_mem": r["memory_gb"],
            "_c_emb_t": r["embodied_tco2e"],
            "_c_min": lo,
            "_c_max": hi,
            "_c_mem_chip": mem,
            "_c_avg": avg,
            "_c_gpus": r["gpu_count"],
            "_c_gmin": glo,
            "_c_gmax": ghi,
            "_c_big_vcpu": r[f"{group}_largest_vcpus"],
            "_c_big_mem": r[f"{group}_largest_memory_gb"],
            "_c_family": r[group],
            "_c_gpu_model": r["gpu_processors"] or None,
        }

    def gcp_lookup(self) -> pl.DataFrame:
        # CCF:packages/gcp/src/lib/BillingExportTable.ts getComputeProcessorsFromMachineType (the first two
        # characters of the machine type, so n2d/c2d resolve to n2/c2 = Intel) and getDataFromMachineType
        series = {r["series_key"]: split(r["cpu_processors"]) for r in self.gcp_series.iter_rows(named=True)}
        shared = [k for k in series if "-" in k or k in ("f1-micro", "g1-small")]
        table = self.gcp.sort(pl.col("source_table") != "MACHINE_FAMILY_TO_MACHINE_TYPE_MAPPING").unique(
            "machine_type", keep="first", maintain_order=True
        )
        rows = []
        for r in table.iter_rows(named=True):
            mt = r["machine_type"]
            core = next((c for c in shared if c in mt), None)
            procs = series.get(core or mt[:2], ["Unknown"])
            lo, hi, _, avg = self.watts("gcp", procs)
            rows.append(
                {
                    "_ccf_key": mt,
                    "_c_vcpus": r["vcpus"],
                    "_c_emb_t": r["embodied_tco2e"],
                    "_c_min": lo,
                    "_c_max": hi,
                    "_c_avg": avg,
                    "_c_big_vcpu": r["family_largest_vcpus"],
                    "_c_family": r["family"],
                    "_c_emb_ok": True,
                    "_c_amd_as_intel": "AMD" in str(r["cpu_processors_by_series_key"])
                    and "AMD" not in ";".join(procs),
                }
            )
        return pl.DataFrame(rows, infer_schema_length=None).with_columns(pl.lit("gcp").alias("ProviderName"))

    def gcp_series_lookup(self) -> pl.DataFrame:
        """Watts for machine types missing from the size tables: the 2-char prefix mapping still applies."""
        rows = []
        for r in self.gcp_series.iter_rows(named=True):
            lo, hi, _, avg = self.watts("gcp", split(r["cpu_processors"]))
            rows.append({"_ccf_prefix": r["series_key"], "_p_min": lo, "_p_max": hi, "_p_avg": avg})
        return pl.DataFrame(rows)

    def gcp_gpu_by_prefix(self) -> list[tuple[str, tuple[float, float]]]:
        """(model, watts) longest model first: a SKU starting with a model gets the mean of every model
        it starts with (those that are prefixes of the longest match)."""
        models = sorted(
            self.gpu_models.filter(pl.col("provider") == "gcp")["gpu_processor"].to_list(),
            key=len,
            reverse=True,
        )
        out = []
        for m in models:
            lo, hi, _, _ = self.watts("gcp", [p for p in models if m.startswith(p)])
            out.append((m, (lo, hi)))
        return out

    def gcp_gpu_average(self) -> tuple[float, float]:
        # CCF:packages/gcp/src/lib/BillingExportTable.ts getGpuComputeProcessorsFromUsageType: a SKU that
        # starts with none of the GPU_MACHINE_TYPES entries gets the mean of all six models
        models = self.gpu_models.filter(pl.col("provider") == "gcp")["gpu_processor"].to_list()
        lo, hi, _, _ = self.watts("gcp", models)
        return lo, hi

    def azure_lookup(self) -> pl.DataFrame:
        # CCF:packages/azure/src/lib/ConsumptionDetailRow.ts (vCPU, GPU; 1 vCPU when unknown) and
        # ConsumptionManagement.ts (processors by meter name, memory by series, embodied)
        order = {
            "VIRTUAL_MACHINE_TYPE_SERIES_MAPPING": 0,
            "VIRTUAL_MACHINE_TYPE_CONSTRAINED_VCPU_CAPABLE_MAPPING": 1,
            "VIRTUAL_MACHINE_TYPE_VCPU_MEMORY_MAPPING": 2,
        }
        table = (
            self.azure.with_columns(pl.col("source_table").replace_strict(order, default=9).alias("_o"))
            .sort("_o")
            .unique("vm_size", keep="first", maintain_order=True)
        )
        rows = [
            {
                **self._size_row("azure", r, key="vm_size", group="series"),
                "_c_mem_ok": r["source_table"] == "VIRTUAL_MACHINE_TYPE_SERIES_MAPPING",
                "_c_emb_ok": True,
            }
            for r in table.iter_rows(named=True)
        ]
        return pl.DataFrame(rows, infer_schema_length=None).with_columns(
            pl.lit("azure").alias("ProviderName")
        )
