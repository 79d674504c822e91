"""``--method ccf``: Cloud Carbon Footprint's published estimation, its documented defects included.

Users migrating from Cloud Carbon Footprint (CCF) reconcile their old figures with this method; the
default method (:mod:`cloudcarbon.model`) corrects the defects listed in METHOD.md section 4. Every rule
below reproduces CCF application code at commit ``b7a049c7d25c0022919ab9010199dd9e77aa4577`` of
``cloud-carbon-footprint/cloud-carbon-footprint`` (cited per block as ``CCF:<path>``), with CCF's own
coefficients from the factor set's ``ccf_*.csv`` tables (``scripts/factors_ccf.py``). Nothing here reads
the default method's factor tables.

What the output columns mean in this method (so a CCF user can match CCF's ``kilowattHours`` and
``co2e`` fields, which CCF reports in kWh and metric tonnes):

* ``energy_kwh`` = CCF ``kilowattHours``: operational kWh (PUE and replication included) **plus** the
  embodied emissions converted back into kWh at the row's grid factor
  (CCF:packages/core/src/embodiedEmissions/EmbodiedEmissionsEstimator.ts, ``estimateKwh``); the
  embodied part alone is ``ccf_embodied_kwh``;
* ``co2e_kg`` = operational CO2e only, ``(energy_kwh - ccf_embodied_kwh) x g / 1000``;
* ``embodied_co2e_kg`` = CCF's embodied CO2e; CCF ``co2e`` (t) x 1000 = ``co2e_kg + embodied_co2e_kg``;
* bounds equal the central figures (CCF has no uncertainty band; utilisation is fixed at 50 %).

Rows CCF gives no estimate (its UNSUPPORTED_USAGE_TYPES, rows its query filters out, storage or
networking rows it does not recognise) keep a fate here: ``excluded`` with reason ``ccf:unsupported``
(CCF skips them on purpose) or ``ccf:no_estimate`` (CCF returns nothing for them), so billed cost still
reconciles. CCF's "unknown" rows are ``fallback`` (``ccf:unknown_usage``) and get CCF's ratio estimate in
:meth:`CcfMethod.apply_fallback`.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from typing import Any

import narwhals as nw
import polars as pl

from cloudcarbon.config import Config
from cloudcarbon.factors import FactorSet

__all__ = ["CCF_COMMIT", "CcfMethod"]

CCF_COMMIT = "b7a049c7d25c0022919ab9010199dd9e77aa4577"

ToLazy = Callable[[pl.DataFrame], nw.LazyFrame[Any]]

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


def _split(text: Any) -> list[str]:
    return [p.strip() for p in str(text or "").split(";") if p.strip()]


class _Tables:
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
        self.gcp = t("ccf_gcp_machine_types")
        self.gcp_series = t("ccf_gcp_series_processors")
        self.gpu_models = t("ccf_gpu_models")
        self.azure = t("ccf_azure_vm_sizes")
        self.azure_sizes = t("ccf_azure_size_lookups")

    def const(self, provider: str, name: str) -> float:
        df = self.consts.filter((pl.col("provider") == provider) & (pl.col("name") == name))
        return float(df["value"][0])

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

    def _size_row(self, provider: str, r: dict[str, Any], *, key: str, group: str) -> dict[str, Any]:
        """The columns CCF reads for one instance or VM size: vCPU, memory, watts, GPUs, family sizes."""
        lo, hi, mem, avg = self.watts(provider, _split(r["cpu_processors"]) or ["Unknown"])
        glo, ghi, _, _ = self.watts(provider, _split(r["gpu_processors"]) or ["Unknown"])
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
        series = {r["series_key"]: _split(r["cpu_processors"]) for r in self.gcp_series.iter_rows(named=True)}
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
            lo, hi, _, avg = self.watts("gcp", _split(r["cpu_processors"]))
            rows.append({"_ccf_prefix": r["series_key"], "_p_min": lo, "_p_max": hi, "_p_avg": avg})
        return pl.DataFrame(rows)

    def gcp_gpu_average(self) -> tuple[float, float]:
        # CCF:packages/gcp/src/lib/BillingExportTable.ts getGpuComputeProcessorsFromUsageType: SKU names
        # never start with a GPU_MACHINE_TYPES entry, so every GPU row gets the mean of all six models
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


# ------------------------------------------------------------------------------------------------
# expression helpers


def _ends_any(expr: nw.Expr, values: Iterable[str]) -> nw.Expr:
    out = nw.lit(False)
    for v in values:
        out = out | expr.str.ends_with(v)
    return out


def _contains_any(expr: nw.Expr, values: Iterable[str]) -> nw.Expr:
    out = nw.lit(False)
    for v in values:
        out = out | expr.str.contains(v, literal=True)
    return out


def _in(expr: nw.Expr, values: Iterable[str]) -> nw.Expr:
    return expr.is_in(list(values))


def _replication(tab: _Tables) -> nw.Expr:
    """CCF's replication factor per row: first matching rule of the row's service, else DEFAULT (1).

    CCF:packages/{aws,gcp,azure}/src/lib/ReplicationFactors.ts (AWS matches its product code, GCP the
    service description, Azure the meter category); rules in ccf_replication.csv.
    """
    ut = nw.col("_ut")
    rules = tab.replication.sort(pl.col("service") == "*", "provider", "service", "order").iter_rows(
        named=True
    )
    chain: Any = None
    for r in rules:
        cond = nw.col("ProviderName") == r["provider"]
        if r["service"] != "*":
            cond = cond & (nw.col("_svc") == r["service"])
        if r["contains_any"]:
            cond = cond & _contains_any(ut, _split(r["contains_any"]))
        if r["and_contains_any"]:
            cond = cond & _contains_any(ut, _split(r["and_contains_any"]))
        val = nw.lit(float(r["value"]))
        chain = nw.when(cond).then(val) if chain is None else chain.when(cond).then(val)
    return chain.otherwise(nw.lit(1.0)) if chain is not None else nw.lit(1.0)


def _first(*exprs: nw.Expr) -> nw.Expr:
    out = exprs[0]
    for e in exprs[1:]:
        out = out.fill_null(e)
    return out


def _z(name: str) -> nw.Expr:
    return nw.col(name).fill_null(0.0)


# ------------------------------------------------------------------------------------------------


class CcfMethod:
    """Cloud Carbon Footprint's estimation (``--method ccf``); see the module docstring."""

    NAME = "ccf"
    #: raw usage unit (CCF's unknown-usage ratios are per service and usage unit) and whether the row's
    #: kWh feeds those ratios (CCF's accumulateKilowattHours is only called on some branches)
    # the grid factor is a key here: CCF's unknown-usage rows get their CO2e from it after aggregation
    EXTRA_KEYS: tuple[str, ...] = ("ccf_unit", "ccf_accumulate", "ccf_defect", "g_co2e_per_kwh")
    EXTRA_SUMS: tuple[str, ...] = ("ccf_usage_amount", "ccf_embodied_kwh")

    def estimate_rows(
        self,
        classified: nw.LazyFrame[Any],
        factors: FactorSet,
        config: Config,
        *,
        year: int,
        to_lazy: Any,
    ) -> nw.LazyFrame[Any]:
        return _estimate(classified, _Tables(factors), to_lazy)

    def apply_fallback(
        self, groups: pl.DataFrame, factors: FactorSet
    ) -> tuple[pl.DataFrame, dict[str, float]]:
        return _apply_fallback(groups)

    def detail_fallback(self, detail: pl.DataFrame, ratios: dict[str, float]) -> pl.DataFrame:
        """Per-row fallback figures with the same ratios :meth:`apply_fallback` used."""
        return _fill_fallback(
            detail,
            ratios,
            amount=pl.col("ccf_usage_amount"),
            cost=pl.col("BilledCost").cast(pl.Float64),
        )


def _estimate(classified: nw.LazyFrame[Any], tab: _Tables, to_lazy: ToLazy) -> nw.LazyFrame[Any]:
    prov = nw.col("ProviderName")
    aws, gcp, azure = prov == "aws", prov == "gcp", prov == "azure"
    lists = {
        (p, name): tab.values(p, name)
        for p, name in {(r[0], r[1]) for r in tab.classes.select("provider", "list").iter_rows()}
    }

    def L(p: str, name: str) -> list[str]:
        return lists.get((p, name), [])

    # CCF's row fields: usageType / serviceName / usageUnit / usageAmount.
    # CCF:packages/azure/src/lib/ConsumptionDetailRow.ts, ConsumptionManagement.ts
    # Azure: our usage_type is "MeterCategory|MeterSubCategory|MeterName"; CCF's usageType is the meter
    # name and its unit the UnitOfMeasure ("1 Hour", "1 GB/Month"...). The connector has already split
    # the pack size off the unit, so the CCF unit is rebuilt as the 1-pack unit of the same kind.
    raw_ut = nw.col("usage_type").fill_null("")
    cu = nw.col("ConsumedUnit").fill_null("")
    az_unit = (
        nw.when(cu.is_in(["Hours", "Hour"]))
        .then(nw.lit("1 Hour"))
        .when(cu == "GB/Month")
        .then(nw.lit("1 GB/Month"))
        .when(cu == "TB/Month")
        .then(nw.lit("1 TB/Month"))
        .when((cu == "Units/Month") | cu.str.ends_with("Disk/Month"))
        .then(nw.lit("1 /Month"))
        .when(cu == "GB")
        .then(nw.lit("1 GB"))
        .when(cu == "TB")
        .then(nw.lit("1 TB"))
        .when(cu.is_in(["GB Seconds", "GB Second"]))
        .then(nw.lit("1 GB Second"))
        .when(cu.is_in(["GB Hours", "GB Hour"]))
        .then(nw.lit("1 GB Hour"))
        .otherwise(cu)
    )
    rows = classified.with_columns(
        nw.when(azure).then(raw_ut.str.replace_all(r"^.*\|", "")).otherwise(raw_ut).alias("_ut"),
        nw.col("ServiceName").fill_null("").alias("_svc"),
        nw.when(azure).then(az_unit).otherwise(cu).alias("ccf_unit"),
        nw.col("ConsumedQuantity").fill_null(0.0).alias("_amt"),
    )
    # CCF reads usageAmount as billed. For Azure pack units ("100 Hours") our connector multiplies the
    # pack out; when it exposes the pack size (``azure_pack_size``) the pack count is restored here.
    amount = nw.col("_amt")
    if "azure_pack_size" in rows.collect_schema().names():
        amount = (
            nw.when(azure & (nw.col("azure_pack_size") > 0))
            .then(nw.col("_amt") / nw.col("azure_pack_size"))
            .otherwise(nw.col("_amt"))
        )
    rows = rows.with_columns(amount.alias("ccf_usage_amount"))
    ut, svc, unit, amt = nw.col("_ut"), nw.col("_svc"), nw.col("ccf_unit"), nw.col("ccf_usage_amount")

    # ---- the CCF key of the row's instance / machine / VM ----
    # AWS: CCF:packages/aws/src/lib/CostAndUsageReportsRow.ts parseInstanceTypeFromUsageType /
    # extractInstanceTypeFromUsageType: text after the last ':', 'xl' -> 'xlarge', service prefixes dropped
    aws_key = (
        ut.str.replace_all(r"^.*:", "")
        .str.replace_all(r"xl$", "xlarge")
        .str.replace_all(r"^(db|cache|dax|dms|ml|mq|KernelGateway-ml|.+Kafka)\.", "")
    )
    # GCP: the system label compute.googleapis.com/machine_spec (BillingExportTable.ts getUsage)
    # Azure: the meter name (ConsumptionManagement.ts getComputeProcessorsFromUsageType)
    rows = rows.with_columns(
        nw.when(aws)
        .then(aws_key)
        .when(gcp)
        .then(nw.col("instance_type"))
        .when(azure)
        .then(ut)
        .otherwise(nw.lit(None, nw.String()))
        .alias("_ccf_key"),
        nw.when(gcp).then(nw.col("instance_type").str.slice(0, 2)).alias("_ccf_prefix"),
    )
    lookup = pl.concat([tab.aws_lookup(), tab.gcp_lookup(), tab.azure_lookup()], how="diagonal_relaxed")
    grid = tab.grid.select(
        "provider", pl.col("region").alias("RegionId"), pl.col("g_co2e_per_kwh").alias("_g")
    )
    grid_unknown = grid.filter(pl.col("RegionId") == "Unknown").select(
        pl.col("provider").alias("ProviderName"), pl.col("_g").alias("_g_unknown")
    )
    pue = tab.pue.filter(pl.col("region") != "*").select(
        pl.col("provider").alias("ProviderName"),
        pl.col("region").alias("RegionId"),
        pl.col("pue").alias("_pue_r"),
    )
    pue_avg = tab.pue.filter(pl.col("region") == "*").select(
        pl.col("provider").alias("ProviderName"), pl.col("pue").alias("_pue_avg")
    )
    consts = {
        p: {
            "min": tab.watts(p, ["Unknown"])[0],
            "max": tab.watts(p, ["Unknown"])[1],
            "u": tab.const(p, "AVG_CPU_UTILIZATION_2020") / 100.0,
            "mem_coef": tab.const(p, "MEMORY_COEFFICIENT"),
            "ssd": tab.const(p, "SSDCOEFFICIENT"),
            "hdd": tab.const(p, "HDDCOEFFICIENT"),
            "net": tab.const(p, "NETWORKING_COEFFICIENT"),
            "life": tab.const(p, "SERVER_EXPECTED_LIFESPAN"),
        }
        for p in ("aws", "gcp", "azure")
    }
    vcpus_per_chip = tab.const("*", "VCPUS_PER_PHYSICAL_CHIP")
    bytes_per_tb = tab.const("*", "BYTES_TO_TB")
    bytes_per_gb = tab.const("*", "BYTES_TO_GB")
    gpu_lo, gpu_hi = tab.gcp_gpu_average()

    def per_provider(key: str) -> nw.Expr:
        return (
            nw.when(aws)
            .then(nw.lit(consts["aws"][key]))
            .when(gcp)
            .then(nw.lit(consts["gcp"][key]))
            .otherwise(nw.lit(consts["azure"][key]))
        )

    rows = (
        rows.join(to_lazy(lookup), on=["ProviderName", "_ccf_key"], how="left")
        .join(to_lazy(tab.gcp_series_lookup()), on="_ccf_prefix", how="left")
        .with_columns(prov.alias("provider"))
        .join(to_lazy(grid), on=["provider", "RegionId"], how="left")
        .join(to_lazy(grid_unknown), on="ProviderName", how="left")
        .join(to_lazy(pue), on=["ProviderName", "RegionId"], how="left")
        .join(to_lazy(pue_avg), on="ProviderName", how="left")
    )

    # ---- classification: CCF's branch for the row ----
    usage = nw.col("_cc") == "usage"
    # AWS: CCF:packages/aws/src/lib/CostAndUsageReports.ts getFootprintEstimateFromUsageRow and
    # getEstimateByUsageUnit, lists in CostAndUsageTypes.ts
    aws_unsupported = _ends_any(ut, L("aws", "UNSUPPORTED_USAGE_TYPES")) | _contains_any(
        ut, L("aws", "UNSUPPORTED_USAGE_TYPES")
    )
    aws_unknown = _contains_any(ut, L("aws", "UNKNOWN_USAGE_TYPES")) | ~_in(
        unit, L("aws", "KNOWN_USAGE_UNITS")
    )
    aws_ssd = _ends_any(ut, L("aws", "SSD_USAGE_TYPES")) | (
        _ends_any(svc, L("aws", "SSD_SERVICES")) & ~ut.str.contains("Backup", literal=True)
    )
    aws_hdd = _ends_any(ut, L("aws", "HDD_USAGE_TYPES"))
    aws_net = _ends_any(ut, L("aws", "NETWORKING_USAGE_TYPES")) & (svc != "AmazonCloudFront")
    aws_kind = (
        nw.when(aws_unsupported)
        .then(nw.lit("x:unsupported"))
        .when(aws_unknown)
        .then(nw.lit("unknown"))
        .when(_in(unit, _AWS_HOUR_UNITS))
        .then(nw.lit("compute"))
        .when(_in(unit, _AWS_STORAGE_UNITS) & aws_ssd)
        .then(nw.lit("storage_ssd"))
        .when(_in(unit, _AWS_STORAGE_UNITS) & aws_hdd)
        .then(nw.lit("storage_hdd"))
        .when(_in(unit, _AWS_SECONDS_UNITS))
        .then(nw.lit("seconds"))
        .when(_in(unit, _AWS_GB_UNITS) & aws_net)
        .then(nw.lit("network"))
        .otherwise(nw.lit("x:no_estimate"))
    )
    # GCP: CCF:packages/gcp/src/lib/BillingExportTable.ts getFootprintEstimateFromUsageRow,
    # getEstimateByUsageUnit; the query keeps only units byte-seconds, seconds, bytes, requests
    g_compute = _contains_any(ut, L("gcp", "COMPUTE_STRING_FORMATS"))
    gcp_unknown = (
        _contains_any(ut, L("gcp", "UNKNOWN_USAGE_TYPES"))
        | _contains_any(svc, L("gcp", "UNKNOWN_SERVICE_TYPES"))
        | _contains_any(unit, L("gcp", "UNKNOWN_USAGE_UNITS"))
        | (ut == "")
    )
    gcp_kind = (
        nw.when(~_in(unit, L("gcp", "query usage.unit filter")))
        .then(nw.lit("x:not_queried"))
        .when(_contains_any(ut, L("gcp", "UNSUPPORTED_USAGE_TYPES")))
        .then(nw.lit("x:unsupported"))
        .when(gcp_unknown)
        .then(nw.lit("unknown"))
        .when((unit == "seconds") & g_compute & ut.str.contains("GPU", literal=True))
        .then(nw.lit("gpu"))
        .when((unit == "seconds") & g_compute)
        .then(nw.lit("compute"))
        .when(unit == "seconds")
        .then(nw.lit("unknown"))
        .when((unit == "byte-seconds") & _contains_any(ut, L("gcp", "MEMORY_USAGE_TYPES")) & ~g_compute)
        .then(nw.lit("memory"))
        .when((unit == "byte-seconds") & ut.str.contains("SSD", literal=True))
        .then(nw.lit("storage_ssd"))
        .when(unit == "byte-seconds")
        .then(nw.lit("storage_hdd"))
        .when((unit == "bytes") & _contains_any(ut, L("gcp", "NETWORKING_STRING_FORMATS")))
        .then(nw.lit("network"))
        .otherwise(nw.lit("unknown"))
    )
    # Azure: CCF:packages/azure/src/lib/ConsumptionManagement.ts getFootprintEstimateFromUsageRow,
    # getEstimateByPricingUnit; lists in ConsumptionTypes.ts
    az_units = [
        *L("azure", "COMPUTE_USAGE_UNITS"),
        *L("azure", "STORAGE_USAGE_UNITS"),
        *L("azure", "NETWORKING_USAGE_UNITS"),
        *L("azure", "MEMORY_USAGE_UNITS"),
    ]
    ssd_disks = tab.azure_sizes.filter(pl.col("table") == "SSD_MANAGED_DISKS_STORAGE_GB")
    hdd_disks = tab.azure_sizes.filter(pl.col("table") == "HDD_MANAGED_DISKS_STORAGE_GB")
    az_ssd = _contains_any(ut, ssd_disks["key"].to_list()) | _contains_any(
        ut, L("azure", "STORAGE_USAGE_TYPES")
    )
    az_hdd = _contains_any(ut, hdd_disks["key"].to_list())
    az_memory_type = _contains_any(ut, L("azure", "MEMORY_USAGE_TYPES"))
    az_net = _contains_any(ut, L("azure", "NETWORKING_USAGE_TYPES")) & ~ut.str.contains(
        "To Any", literal=True
    )
    azure_kind = (
        nw.when(_contains_any(ut, L("azure", "UNSUPPORTED_USAGE_TYPES")))
        .then(nw.lit("x:unsupported"))
        .when(
            _contains_any(svc, L("azure", "UNKNOWN_SERVICES"))
            | _contains_any(ut, L("azure", "UNKNOWN_USAGE_TYPES"))
            | ~_contains_any(unit, az_units)
        )
        .then(nw.lit("unknown"))
        .when(_in(unit, L("azure", "COMPUTE_USAGE_UNITS")) & az_memory_type)
        .then(nw.lit("memory"))
        .when(_in(unit, L("azure", "COMPUTE_USAGE_UNITS")))
        .then(nw.lit("compute"))
        .when(_in(unit, L("azure", "STORAGE_USAGE_UNITS")) & az_ssd)
        .then(nw.lit("storage_ssd"))
        .when(_in(unit, L("azure", "STORAGE_USAGE_UNITS")) & az_hdd)
        .then(nw.lit("storage_hdd"))
        .when(_in(unit, L("azure", "STORAGE_USAGE_UNITS")))
        .then(nw.lit("x:no_estimate"))
        .when(_in(unit, L("azure", "NETWORKING_USAGE_UNITS")) & az_net)
        .then(nw.lit("network"))
        .when(_in(unit, L("azure", "NETWORKING_USAGE_UNITS")))
        .then(nw.lit("x:no_estimate"))
        .when(_in(unit, ["50000 GB Seconds", "1000 GB Hours"]))
        .then(nw.lit("memory"))
        .otherwise(nw.lit("zero"))  # CCF's default branch: a zero estimate
    )
    kind = (
        nw.when(~usage)
        .then(nw.lit("x:charge"))
        .when(aws)
        .then(aws_kind)
        .when(gcp)
        .then(gcp_kind)
        .when(azure)
        .then(azure_kind)
        .otherwise(nw.lit("x:unsupported"))  # providers CCF does not read (e.g. on-premises inventory)
    )
    aws_bytes = _ends_any(ut, L("aws", "BYTE_HOURS_USAGE_TYPES"))
    disk_gb = ssd_disks.vstack(hdd_disks)
    disk_rows = list(disk_gb.sort(pl.col("key").str.len_chars(), descending=True).iter_rows(named=True))
    az_disk_chain: Any = None
    for r in disk_rows:
        cond = ut.str.contains(rf"\b{r['key']}\b")
        val = nw.lit(float(r["value"]))
        az_disk_chain = (
            nw.when(cond).then(val) if az_disk_chain is None else az_disk_chain.when(cond).then(val)
        )
    az_disk = az_disk_chain.otherwise(nw.lit(None, nw.Float64()))
    # The string tests depend only on (provider, service, usage type, unit, charge class): evaluate
    # them once per distinct combination and join back, as cloudcarbon.model.classify does (this also
    # keeps the engine's query plan small).
    combo = ["ProviderName", "_svc", "_ut", "ccf_unit", "_cc"]
    rows = rows.with_columns(nw.col("charge_class").fill_null("").alias("_cc"))
    distinct = (
        rows.select(combo)
        .unique()
        .with_columns(
            kind.alias("_kind"),
            _replication(tab).alias("_repl"),
            aws_bytes.alias("_aws_bytes"),
            az_disk.alias("_az_disk"),
            az_memory_type.alias("_az_memtype"),
            _in(ut, L("azure", "MEMORY_USAGE_TYPES")).alias("_az_mem_exact"),
        )
    )
    rows = rows.join(distinct, on=combo, how="left")
    aws_bytes = nw.col("_aws_bytes")
    az_disk = nw.col("_az_disk")
    k = nw.col("_kind")
    excluded = k.str.starts_with("x:")
    est = ~excluded & (k != "unknown")

    # ---- activity ----
    hours_row = est & (k == "compute")
    burst = ~nw.col("_c_burst").is_null()
    # CCF:packages/aws/src/lib/CostAndUsageReportsRow.ts getVCpuHours
    aws_vcpu_h = (
        nw.when(svc == "AWSGlue")
        .then(amt * tab.const("aws", "GLUE_VCPUS_PER_USAGE"))
        .when(svc == "AmazonSimpleDB")
        .then(amt * tab.const("aws", "SIMPLE_DB_VCPUS_PER_USAGE"))
        .when(ut.str.contains("Aurora:ServerlessUsage", literal=True))
        .then(amt * tab.const("aws", "AURORA_SERVERLESS_ACU_TO_VCPU"))
        .when(_contains_any(ut, ["Fargate-vCPU-Hours", "CPUCredits"]))
        .then(amt)
        .when(burst)
        .then(nw.col("_c_vcpus") * nw.col("_c_burst") / (consts["aws"]["u"] * 100.0) * amt)
        .when(nw.col("vcpu_hint") > 0)
        .then(nw.col("vcpu_hint") * amt)
        .otherwise(nw.col("_c_vcpus") * amt)
    )
    vcpu_h = (
        nw.when(aws & hours_row)
        .then(aws_vcpu_h)
        # Lambda and other per-second rows: usage / 3600 taken as vCPU-hours (CostAndUsageReports.ts)
        .when(aws & est & (k == "seconds"))
        .then(amt / 3600.0)
        # GCP core-seconds / 3600 (BillingExportRow.ts)
        .when(gcp & hours_row)
        .then(amt / 3600.0)
        # Azure: vCPU x usage, 1 vCPU when the size is unknown (ConsumptionDetailRow.ts)
        .when(azure & hours_row)
        .then(nw.col("_c_vcpus").fill_null(tab.const("azure", "DEFAULT_VCPUS_IF_UNKNOWN_SIZE")) * amt)
        .otherwise(nw.lit(0.0))
        .fill_null(0.0)
    )
    gpu_h = (
        nw.when(aws & hours_row)
        .then(_z("_c_gpus") * amt)
        .when(gcp & est & (k == "gpu"))
        .then(amt / 3600.0)
        .when(azure & hours_row & ~nw.col("_c_gpu_model").is_null())
        .then(nw.col("_c_gpus").fill_null(tab.const("azure", "DEFAULT_GPUS_IF_UNKNOWN_SIZE")) * amt)
        .otherwise(nw.lit(0.0))
    )
    # processors: Lambda is Unknown (or Graviton2 for -ARM) -> provider average
    lambda_arm = aws & (svc == "AWSLambda") & ut.str.ends_with("-ARM")
    arm = tab.watts("aws", ["AWS Graviton2"])
    rows = rows.with_columns(
        vcpu_h.alias("vcpu_hours"),
        gpu_h.alias("accelerator_hours"),
        nw.when(lambda_arm)
        .then(nw.lit(arm[0]))
        .when(aws & (svc == "AWSLambda"))
        .then(per_provider("min"))
        .otherwise(_first(nw.col("_c_min"), nw.col("_p_min"), per_provider("min")))
        .alias("_wmin"),
        nw.when(lambda_arm)
        .then(nw.lit(arm[1]))
        .when(aws & (svc == "AWSLambda"))
        .then(per_provider("max"))
        .otherwise(_first(nw.col("_c_max"), nw.col("_p_max"), per_provider("max")))
        .alias("_wmax"),
        nw.when(lambda_arm)
        .then(nw.lit(False))
        .when(aws & (svc == "AWSLambda"))
        .then(nw.lit(True))
        .otherwise(_first(nw.col("_c_avg"), nw.col("_p_avg"), nw.lit(True)))
        .alias("_w_avg"),
        nw.when(gcp & (k == "gpu"))
        .then(nw.lit(gpu_lo))
        .otherwise(_first(nw.col("_c_gmin"), per_provider("min")))
        .alias("_gmin"),
        nw.when(gcp & (k == "gpu"))
        .then(nw.lit(gpu_hi))
        .otherwise(_first(nw.col("_c_gmax"), per_provider("max")))
        .alias("_gmax"),
        _first(nw.col("_pue_r"), nw.col("_pue_avg")).alias("pue"),
        nw.col("_g").is_null().alias("_grid_missing"),
        _first(nw.col("_g"), nw.col("_g_unknown")).alias("g_co2e_per_kwh"),
    )
    u = per_provider("u")
    # CCF:packages/core/src/compute/ComputeEstimator.ts: (min + u (max - min)) x vCPU-h x PUE x repl / 1000
    # (PUE applied below with the other components). Replication: AWS/GCP/Azure pass the row's factor.
    cpu_kwh = nw.col("vcpu_hours") * (nw.col("_wmin") + u * (nw.col("_wmax") - nw.col("_wmin"))) / 1000.0
    acc_kwh = (
        nw.col("accelerator_hours") * (nw.col("_gmin") + u * (nw.col("_gmax") - nw.col("_gmin"))) / 1000.0
    )

    # memory (CCF:packages/core/src/memory/helpers.ts calculateGigabyteHours + getPhysicalChips):
    # GB above what the processor family carries per chip, shared by the instance's memory ratio
    chips = (
        nw.when(aws & nw.col("_c_family").is_in(["m5zn", "z1d"]))
        .then(nw.lit(tab.const("aws", "PHYSICAL_CHIPS_m5zn_z1d")))
        .otherwise((nw.col("_c_big_vcpu") / vcpus_per_chip).ceil())
    )
    delta = nw.col("_c_big_mem") / chips - nw.col("_c_mem_chip")
    delta_gbh = delta * nw.col("_c_mem") / nw.col("_c_big_mem") * amt
    instance_mem_ok = (aws | azure) & hours_row & nw.col("_c_mem_ok").fill_null(False) & ~burst
    # Azure meters of memory (Execution Time, ...): GB-seconds / 3600, or the usage as GB-hours
    az_mem = (
        nw.when(unit == "50000 GB Seconds")
        .then(amt / 3600.0)
        .when(nw.col("_az_mem_exact"))
        .then(amt)
        .otherwise(nw.lit(0.0))
    )
    mem_gbh = (
        nw.when(instance_mem_ok & (delta > 0))
        .then(delta_gbh)
        .when(gcp & est & (k == "memory"))
        .then(amt / bytes_per_gb / 3600.0)
        .when(azure & est & (k == "memory"))
        .then(az_mem)
        .otherwise(nw.lit(0.0))
        .fill_null(0.0)
    )
    # storage TB-hours (CCF:packages/common/src/helpers/unitConversion.ts):
    #  AWS byte-hours usage types: / 2^40 -- applied to S3 rows billed in GB-Mo too (the bytes defect);
    #  GB-Hours: x 0.001; GB-Mo: / 1000 x 24 x days in the month. GCP byte-seconds / 2^40 / 3600.
    #  Azure: GB x 24 / 1000 (no days: the GB-month is treated as one day); 1 TB/Month x 24; managed
    #  disks take the tier's size, not the usage (ConsumptionManagement.ts getUsageAmountInTerabyteHours)
    tb_h = (
        nw.when(aws & aws_bytes)
        .then(amt / bytes_per_tb)
        .when(aws & (unit == "GB-Hours"))
        .then(amt * tab.const("*", "GB_HOURS_TO_TB_HOURS"))
        .when(aws)
        .then(amt / 1000.0 * nw.col("billing_period_hours"))
        .when(gcp)
        .then(amt / bytes_per_tb / 3600.0)
        .when(azure & (unit == "1 TB/Month"))
        .then(amt * 24.0)
        .when(azure & ~az_disk.is_null())
        .then(az_disk / 1000.0 * 24.0)
        .otherwise(amt / 1000.0 * 24.0)
    )
    storage = est & k.is_in(["storage_ssd", "storage_hdd"])
    coef_wh = nw.when(k == "storage_ssd").then(per_provider("ssd")).otherwise(per_provider("hdd"))
    net_gb = (
        nw.when(gcp)
        .then(amt / bytes_per_gb)
        .when(azure & unit.str.contains("TB", literal=True))
        .then(amt * 1000.0)
        .otherwise(amt)
    )
    # GCP memory rows are not replicated (BillingExportTable.ts getMemoryFootprintEstimate)
    mem_repl = nw.when(gcp).then(nw.lit(1.0)).otherwise(nw.col("_repl"))
    rows = rows.with_columns(
        mem_gbh.alias("memory_gb_hours"),
        nw.when(storage).then(tb_h).otherwise(nw.lit(0.0)).alias("storage_tb_hours"),
        nw.when(est & (k == "network")).then(net_gb).otherwise(nw.lit(0.0)).alias("network_gb"),
    ).with_columns(
        (cpu_kwh * nw.col("_repl")).fill_null(0.0).alias("cpu_kwh"),
        (acc_kwh * nw.col("_repl")).fill_null(0.0).alias("accelerator_kwh"),
        (nw.col("memory_gb_hours") * per_provider("mem_coef") * mem_repl).alias("memory_kwh"),
        (nw.col("storage_tb_hours") * coef_wh / 1000.0 * nw.col("_repl")).alias("storage_kwh"),
        (nw.col("network_gb") * per_provider("net")).alias("network_kwh"),
    )

    # ---- embodied (CCF:packages/core/src/embodiedEmissions/EmbodiedEmissionsEstimator.ts):
    #   co2e = scope3 x (usageTimePeriod / lifespan) x (instance vCPU / largest vCPU in family)
    # with usageTimePeriod = usage / instance vCPU (AWS CostAndUsageReports.ts, Azure
    # ConsumptionManagement.ts: the usage is instance-hours, so the vCPU count cancels and every size
    # gets 1/largest of the host) or usage / vCPU / 3600 (GCP: core-seconds, a true share).
    emb_vcpu = nw.col("_c_vcpus")
    period = nw.when(gcp).then(amt / emb_vcpu / 3600.0).otherwise(amt / emb_vcpu)
    emb_t = nw.col("_c_emb_t") * (period / per_provider("life")) * (emb_vcpu / nw.col("_c_big_vcpu"))
    emb_ok = (
        est
        & (k == "compute")
        & nw.col("_c_emb_ok").fill_null(False)
        & (emb_vcpu > 0)
        & (nw.col("_c_emb_t") > 0)
        & (nw.col("_c_big_vcpu") > 0)
    ) | (gcp & est & (k == "gpu") & (emb_vcpu > 0) & (nw.col("_c_emb_t") > 0))
    rows = rows.with_columns(
        nw.when(emb_ok).then(emb_t * 1000.0).otherwise(nw.lit(0.0)).fill_null(0.0).alias("embodied_co2e_kg"),
    ).with_columns(
        # estimateKwh: embodied tCO2e / grid t per kWh, added to kilowattHours by the compute branches
        (nw.col("embodied_co2e_kg") / nw.col("g_co2e_per_kwh") * 1000.0).alias("ccf_embodied_kwh"),
    )
    op_kwh = (
        nw.col("cpu_kwh")
        + nw.col("accelerator_kwh")
        + nw.col("memory_kwh")
        + nw.col("storage_kwh")
        + nw.col("network_kwh")
    ) * nw.col("pue")

    # ---- fate, labels and the defect that marks the row ----
    usage_class = (
        nw.when(excluded)
        .then(nw.lit("excluded"))
        .when(k == "unknown")
        .then(nw.lit("unmodelled"))
        .when(k == "seconds")
        .then(nw.lit("serverless"))
        .when(k == "gpu")
        .then(nw.lit("accelerator"))
        .when(k == "zero")
        .then(nw.lit("unmodelled"))
        .otherwise(k)
    )
    reason = (
        nw.when(~usage)
        .then(nw.col("charge_class"))
        .when(k == "x:unsupported")
        .then(nw.lit("ccf:unsupported"))
        .when(k == "x:not_queried")
        .then(nw.lit("ccf:unsupported"))
        .when(excluded)
        .then(nw.lit("ccf:no_estimate"))
        .otherwise(nw.lit(None, nw.String()))
    )
    amd_as_intel = gcp & nw.col("_c_amd_as_intel").fill_null(False) | (
        gcp & nw.col("instance_type").str.contains(r"^(n2d|c2d|t2d)-")
    )
    defect = (
        nw.when(excluded)
        .then(nw.lit("ccf_skipped"))
        .when(k == "unknown")
        .then(nw.lit("fallback_ratio"))
        .when(aws & storage & aws_bytes & ~_in(unit, ["GB-Hours"]) & (svc == "AmazonS3"))
        .then(nw.lit("s3_gb_month_as_bytes"))
        .when(azure & storage)
        .then(nw.lit("azure_gb_month_x24"))
        .when(storage)
        .then(nw.lit("replication"))
        .when(gcp & (k == "gpu"))
        .then(nw.lit("gcp_gpu_average"))
        .when(azure & hours_row & unit.str.contains(r"^\s*(10|100|1000)\s"))
        .then(nw.lit("azure_pack_units"))
        .when(amd_as_intel)
        .then(nw.lit("gcp_amd_as_intel"))
        .when(hours_row & (nw.col("accelerator_hours") > 0))
        .then(nw.lit("gpu_model_coverage"))
        .when(k == "seconds")
        .then(nw.lit("serverless_model"))
        .when((k == "memory") | (nw.col("memory_kwh") > nw.col("cpu_kwh")))
        .then(nw.lit("memory_model"))
        .when(k == "network")
        .then(nw.lit("networking_scope"))
        .otherwise(nw.lit("processor_coefficients"))
    )
    rows = rows.with_columns(
        nw.when(excluded)
        .then(nw.lit("excluded"))
        .when(k == "unknown")
        .then(nw.lit("fallback"))
        .otherwise(nw.lit("estimated"))
        .alias("fate"),
        nw.when(k == "unknown")
        .then(nw.lit("ccf:unknown_usage"))
        .when(k == "zero")
        .then(nw.lit("ccf:unexpected_unit"))
        .otherwise(nw.lit(None, nw.String()))
        .alias("status_note"),
        reason.alias("exclusion_reason"),
        usage_class.alias("usage_class"),
        defect.alias("ccf_defect"),
        # CCF feeds its unknown-usage ratios from the compute (hour units), storage and networking
        # branches only: AWS Lambda / seconds rows and zero-estimate rows do not accumulate
        (est & ~k.is_in(["seconds", "zero"])).alias("ccf_accumulate"),
        nw.when(est).then(op_kwh + nw.col("ccf_embodied_kwh")).otherwise(nw.lit(0.0)).alias("energy_kwh"),
    )
    rows = (
        rows.with_columns(
            (nw.col("energy_kwh") - nw.col("ccf_embodied_kwh")).alias("_op_kwh"),
        )
        .with_columns(
            (nw.col("_op_kwh") * nw.col("g_co2e_per_kwh") / 1000.0).alias("co2e_kg"),
            nw.col("energy_kwh").alias("energy_kwh_low"),
            nw.col("energy_kwh").alias("energy_kwh_high"),
            nw.col("embodied_co2e_kg").alias("embodied_co2e_kg_low"),
            nw.col("embodied_co2e_kg").alias("embodied_co2e_kg_high"),
        )
        .with_columns(
            nw.col("co2e_kg").alias("co2e_kg_low"),
            nw.col("co2e_kg").alias("co2e_kg_high"),
            nw.when(nw.col("fate") == "excluded")
            .then(nw.lit("excluded"))
            .when(nw.col("fate") == "fallback")
            .then(nw.lit("fallback"))
            .when(nw.col("_grid_missing") | ((k == "compute") & nw.col("_w_avg")))
            .then(nw.lit("provider_average"))
            .otherwise(nw.lit("exact"))
            .alias("factor_status"),
            nw.when(nw.col("_grid_missing"))
            .then(nw.lit("provider_average"))
            .otherwise(nw.lit("exact"))
            .alias("grid_status"),
            nw.lit(None, nw.Int64()).alias("grid_year"),
            nw.lit("ccf").alias("grid_dataset"),
            nw.col("_ccf_key").alias("instance_key"),
            _first(nw.col("_c_family"), nw.col("machine_series")).alias("instance_family"),
            nw.lit(consts["aws"]["u"]).alias("cpu_utilisation"),
            nw.lit(consts["aws"]["u"]).alias("accelerator_utilisation"),
            nw.when(nw.col("accelerator_hours") > 0)
            .then(
                nw.when(gcp & (k == "gpu"))
                .then(nw.lit("CCF GCP GPU average (6 models)"))
                .otherwise(nw.col("_c_gpu_model"))
            )
            .otherwise(nw.lit(None, nw.String()))
            .alias("accelerator_model"),
            nw.col("_repl").alias("replication_factor"),
        )
    )
    return _complete(rows)


def _complete(rows: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """Drop helper columns; add any column the pipeline aggregates that this method does not model."""
    from cloudcarbon import pipeline  # the pipeline imports this module lazily: no cycle at import

    drop = [c for c in rows.collect_schema().names() if c.startswith("_") or c == "provider"]
    rows = rows.drop(*drop)
    have = set(rows.collect_schema().names())
    sums = [c for c in getattr(pipeline, "_SUMS", []) if c not in have]
    keys = [c for c in getattr(pipeline, "_FINE_KEYS", []) if c not in have]
    extra = [nw.lit(0.0).alias(c) for c in sums] + [nw.lit(None, nw.String()).alias(c) for c in keys]
    return rows.with_columns(*extra) if extra else rows


# ------------------------------------------------------------------------------------------------
# unknown usage (CCF:packages/core/src/unknown/UnknownEstimator.ts)
#
# AWS: kWh = cost x (kWh / cost) of the estimated rows of the same service and usage unit, else of the
# same usage unit over all services, else of everything (ESTIMATE_UNKNOWN_USAGE_BY = cost).
# GCP and Azure: the same with usageAmount instead of cost (ESTIMATE_UNKNOWN_USAGE_BY = usageAmount).
# co2e = kWh x the row's grid factor. Only the compute (hour units), storage and networking branches
# accumulate the totals. CCF estimates unknown rows only when some row was estimated.


def _basis(provider: str) -> str:
    return "cost" if provider == "aws" else "amount"


def _ratios(groups: pl.DataFrame, amount: str, cost: str) -> dict[str, float]:
    acc = groups.filter(pl.col("ccf_accumulate").fill_null(False) & (pl.col("fate") == "estimated"))
    acc = acc.with_columns(
        pl.when(pl.col("ProviderName") == "aws")
        .then(pl.col(cost).cast(pl.Float64))
        .otherwise(pl.col(amount).cast(pl.Float64))
        .alias("_basis")
    )
    out: dict[str, float] = {}
    levels = (
        ("svc", ["ProviderName", "ServiceName", "ccf_unit"]),
        ("unit", ["ProviderName", "ccf_unit"]),
        ("all", ["ProviderName"]),
    )
    for level, keys in levels:
        agg = acc.group_by(keys).agg(pl.col("energy_kwh").sum(), pl.col("_basis").sum())
        for r in agg.iter_rows(named=True):
            ratio = r["energy_kwh"] / r["_basis"] if r["_basis"] else 0.0
            out["|".join([level, *(str(r[k]) for k in keys)])] = ratio
    return out


def _ratio_expr(ratios: dict[str, float]) -> pl.Expr:
    svc = pl.concat_str(
        pl.lit("svc|"),
        "ProviderName",
        pl.lit("|"),
        pl.col("ServiceName").fill_null("None"),
        pl.lit("|"),
        "ccf_unit",
    )
    unit = pl.concat_str(pl.lit("unit|"), "ProviderName", pl.lit("|"), "ccf_unit")
    everything = pl.concat_str(pl.lit("all|"), "ProviderName")

    def look(key: pl.Expr) -> pl.Expr:
        return key.replace_strict(ratios, default=None, return_dtype=pl.Float64)

    return pl.coalesce(look(svc), look(unit), look(everything), pl.lit(0.0))


def _fill_fallback(
    df: pl.DataFrame, ratios: dict[str, float], *, amount: pl.Expr, cost: pl.Expr
) -> pl.DataFrame:
    fb = pl.col("fate") == "fallback"
    basis = pl.when(pl.col("ProviderName") == "aws").then(cost).otherwise(amount)
    energy = (basis * _ratio_expr(ratios)).fill_null(0.0)
    co2e = energy * pl.col("g_co2e_per_kwh") / 1000.0
    cols = {
        "energy_kwh": energy,
        "energy_kwh_low": energy,
        "energy_kwh_high": energy,
        "co2e_kg": co2e,
        "co2e_kg_low": co2e,
        "co2e_kg_high": co2e,
    }
    return df.with_columns(
        *[pl.when(fb).then(v).otherwise(pl.col(c)).alias(c) for c, v in cols.items() if c in df.columns]
    )


def _apply_fallback(groups: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, float]]:
    ratios = _ratios(groups, "ccf_usage_amount", "cost")
    out = _fill_fallback(
        groups,
        ratios,
        amount=pl.col("ccf_usage_amount").cast(pl.Float64),
        cost=pl.col("cost").cast(pl.Float64),
    )
    return out, ratios
