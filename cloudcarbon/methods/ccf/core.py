"""CCF's shared core: fields of the row as CCF reads them, lookups, activity, energy, embodied, fate.

Provider-specific classification and activity rules are in :mod:`~cloudcarbon.methods.ccf.aws`,
:mod:`~cloudcarbon.methods.ccf.gcp` and :mod:`~cloudcarbon.methods.ccf.azure`.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import polars as pl

from cloudcarbon.engine import list_item, split_on
from cloudcarbon.methods.base import ToLazy
from cloudcarbon.methods.ccf import aws as aws_rules
from cloudcarbon.methods.ccf import azure as azure_rules
from cloudcarbon.methods.ccf import gcp as gcp_rules
from cloudcarbon.methods.ccf.common import contains_any, first, is_in, replication, zero_null
from cloudcarbon.methods.ccf.tables import Tables

__all__ = ["estimate_rows"]

#: the row fields as CCF reads them (set by :func:`_fields`): usageType, serviceName, usageUnit, usageAmount
_FIELDS = (nw.col("_ut"), nw.col("_svc"), nw.col("ccf_unit"), nw.col("ccf_usage_amount"))


def _providers() -> tuple[nw.Expr, nw.Expr, nw.Expr]:
    prov = nw.col("ProviderName")
    return prov == "aws", prov == "gcp", prov == "azure"


def _kind() -> tuple[nw.Expr, nw.Expr, nw.Expr]:
    """CCF's branch of the row (set by :func:`_classify`): the kind, excluded, estimated."""
    k = nw.col("_kind")
    excluded = k.str.starts_with("x:")
    return k, excluded, ~excluded & (k != "unknown")


class _Ctx:
    """CCF's lists and constants, read once from the tables."""

    def __init__(self, tab: Tables) -> None:
        self.tab = tab
        self._lists = {
            (p, name): tab.values(p, name)
            for p, name in {(r[0], r[1]) for r in tab.classes.select("provider", "list").iter_rows()}
        }
        self.consts = {
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

    def lists(self, p: str, name: str) -> list[str]:
        return self._lists.get((p, name), [])

    def per_provider(self, key: str) -> nw.Expr:
        aws, gcp, _ = _providers()
        return (
            nw.when(aws)
            .then(nw.lit(self.consts["aws"][key]))
            .when(gcp)
            .then(nw.lit(self.consts["gcp"][key]))
            .otherwise(nw.lit(self.consts["azure"][key]))
        )


def estimate_rows(classified: nw.LazyFrame[Any], tab: Tables, to_lazy: ToLazy) -> nw.LazyFrame[Any]:
    """CCF's per-row estimate (helper columns ``_*`` still present; see the package docstring).

    fields -> tables joined -> CCF's branch per row -> activity -> energy -> embodied -> labels
    """
    ctx = _Ctx(tab)
    rows = _join_tables(_fields(classified, ctx), ctx, to_lazy)
    rows = _classify(rows, ctx)
    rows = _activity(rows, ctx)
    rows = _energy(rows, ctx)
    rows = _embodied(rows, ctx)
    return _labels(rows, ctx)


def _fields(classified: nw.LazyFrame[Any], ctx: _Ctx) -> nw.LazyFrame[Any]:
    """CCF's row fields (usageType, serviceName, usageUnit, usageAmount) and the key of its size."""
    aws, gcp, azure = _providers()
    # CCF's row fields: usageType / serviceName / usageUnit / usageAmount.
    # CCF:packages/azure/src/lib/ConsumptionDetailRow.ts, ConsumptionManagement.ts
    # Azure: our usage_type is "MeterCategory|MeterSubCategory|MeterName"; CCF's usageType is the meter
    # name and its unit the UnitOfMeasure ("1 Hour", "100 Hours", "1 GB/Month"...) as billed.
    # AWS: CostAndUsageReportsRow.ts cleanUsageUnit / cleanUsageAmount (Fargate-GB-Hours, Redshift seconds).
    raw_ut = nw.col("usage_type").fill_null("")
    cu = nw.col("ConsumedUnit").fill_null("")
    names = classified.collect_schema().names()
    billed = "billed_unit" in names and "pack_size" in names
    # Azure: CCF's usageUnit is the UnitOfMeasure as billed ("100 Hours", "10K") and its usageAmount the
    # billed quantity (the pack is not multiplied out: CCF's unscaled-quantity defect). The connector
    # keeps both (billed_unit, pack_size); without them the 1-pack unit is rebuilt from ConsumedUnit.
    az_unit = azure_rules.unit(cu)
    amount = nw.col("ConsumedQuantity").fill_null(0.0)
    if billed:
        az_unit = first(nw.col("billed_unit"), az_unit)
        amount = (
            nw.when(azure & (nw.col("pack_size") > 0)).then(amount / nw.col("pack_size")).otherwise(amount)
        )
    # Azure: the meter name as CCF's ConsumptionDetailRow.parseUsageType reads it: " Spot" removed when
    # present, else the text before the first "/"
    meter = raw_ut.str.replace_all(r"^.*\|", "")
    az_ut = (
        nw.when(meter.str.contains("Spot", literal=True))
        .then(meter.str.replace_all(" Spot", "", literal=True))
        .when(meter.str.contains("/", literal=True))
        .then(meter.str.replace_all(r"/.*$", ""))
        .otherwise(meter)
    )
    svc0 = nw.col("ServiceName").fill_null("")
    # GCP (CCF:packages/gcp/src/lib/BillingExportRow.ts): Cloud Composer and GKE cluster rows are
    # VCPUS_PER_CLOUD_COMPOSER_ENVIRONMENT / VCPUS_PER_GKE_CLUSTER vCPUs on machine type
    # GKE_COMPOSER_DEFAULT_MACHINE (e2-medium); 'Pod mCPU Requests' usage is divided by POD_MCPU_DIVISOR;
    # services in SERVICES_TO_OVERRIDE_USAGE_UNIT_AS_UNKNOWN get the unit 'Unknown' (after the query's
    # unit filter, so a row of a unit the query leaves out stays out)
    tab = ctx.tab
    g_composer = raw_ut.str.contains(
        r"Cloud Composer Compute CPUs|Cloud Composer vCPU|Cloud Composer SQL vCPU"
    )
    g_gke = raw_ut.str.contains("Kubernetes Clusters", literal=True)
    g_override = contains_any(svc0, ctx.lists("gcp", "SERVICES_TO_OVERRIDE_USAGE_UNIT_AS_UNKNOWN")) & is_in(
        cu, ctx.lists("gcp", "query usage.unit filter")
    )
    g_machine = tab.const_text("gcp", "GKE_COMPOSER_DEFAULT_MACHINE")
    g_amount = (
        nw.when(raw_ut.str.contains("Pod mCPU Requests", literal=True))
        .then(amount / tab.const("gcp", "POD_MCPU_DIVISOR"))
        .otherwise(amount)
    )
    rows = classified.with_columns(
        nw.when(gcp & g_composer)
        .then(nw.lit(tab.const("gcp", "VCPUS_PER_CLOUD_COMPOSER_ENVIRONMENT")))
        .when(gcp & g_gke)
        .then(nw.lit(tab.const("gcp", "VCPUS_PER_GKE_CLUSTER")))
        .otherwise(nw.lit(1.0))
        .alias("_gcp_vcpus_per_unit"),
        nw.when(gcp & (g_composer | g_gke))
        .then(nw.lit(g_machine))
        .otherwise(nw.col("instance_type"))
        .alias("_gcp_machine"),
    )
    rows = rows.with_columns(
        nw.when(azure).then(az_ut).otherwise(raw_ut).alias("_ut"),
        svc0.alias("_svc"),
        nw.when(azure)
        .then(az_unit)
        .when(aws)
        .then(aws_rules.unit(raw_ut, svc0, cu))
        .when(gcp & g_override)
        .then(nw.lit("Unknown"))
        .otherwise(cu)
        .alias("ccf_unit"),
        nw.when(aws)
        .then(aws_rules.amount(svc0, cu, amount))
        .when(gcp)
        .then(g_amount)
        .otherwise(amount)
        .alias("ccf_usage_amount"),
    )
    ut = nw.col("_ut")

    # ---- the CCF key of the row's instance / machine / VM ----
    aws_key = aws_rules.instance_key(ut)
    # GCP: the system label compute.googleapis.com/machine_spec (BillingExportTable.ts getUsage)
    # Azure: the meter name (ConsumptionManagement.ts getComputeProcessorsFromUsageType)
    rows = rows.with_columns(
        nw.when(aws)
        .then(aws_key)
        .when(gcp)
        .then(nw.col("_gcp_machine"))
        .when(azure)
        .then(ut)
        .otherwise(nw.lit(None, nw.String()))
        .alias("_ccf_key"),
        nw.when(gcp).then(nw.col("_gcp_machine").str.slice(0, 2)).alias("_ccf_prefix"),
        nw.when(aws).then(aws_rules.vcpu_key(ut)).otherwise(nw.lit(None, nw.String())).alias("_ccf_vkey"),
    )
    key_parts = split_on(nw.col("_ccf_key"), ".")
    rows = rows.with_columns(
        nw.when(aws)
        .then(aws_rules.embodied_key(nw.col("_ccf_key")))
        .otherwise(nw.lit(None, nw.String()))
        .alias("_ccf_ekey"),
        nw.when(aws)
        .then(nw.concat_str([list_item(key_parts, 0), nw.lit("."), list_item(key_parts, 1)]))
        .otherwise(nw.lit(None, nw.String()))
        .alias("_ccf_mkey"),
    )
    return rows


def _join_tables(rows: nw.LazyFrame[Any], ctx: _Ctx, to_lazy: ToLazy) -> nw.LazyFrame[Any]:
    """Join CCF's size, processor, grid and PUE lookups."""
    tab = ctx.tab
    prov = nw.col("ProviderName")
    lookup = pl.concat([tab.aws_lookup(), tab.gcp_lookup(), tab.azure_lookup()], how="diagonal_relaxed")
    # CCF maps the bill's location to its own region name (AzureRegions.ts: EastUS for eastus / East US);
    # the connector's RegionId is that name lower case without spaces, so the keys are matched that way
    region_key = pl.col("region").str.to_lowercase().str.replace_all(" ", "")
    grid = tab.grid.select(
        "provider",
        pl.when(pl.col("region") == "Unknown").then(pl.col("region")).otherwise(region_key).alias("RegionId"),
        pl.col("g_co2e_per_kwh").alias("_g"),
    ).unique(["provider", "RegionId"], keep="first", maintain_order=True)
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
    rows = (
        rows.join(to_lazy(lookup), on=["ProviderName", "_ccf_key"], how="left")
        .join(to_lazy(tab.aws_vcpu_lookup()), on=["ProviderName", "_ccf_vkey"], how="left")
        .join(to_lazy(tab.aws_embodied_lookup()), on=["ProviderName", "_ccf_ekey"], how="left")
        .join(to_lazy(tab.aws_memory_lookup()), on=["ProviderName", "_ccf_mkey"], how="left")
        .join(to_lazy(tab.gcp_series_lookup()), on="_ccf_prefix", how="left")
        .with_columns(prov.alias("provider"))
        .join(to_lazy(grid), on=["provider", "RegionId"], how="left")
        .join(to_lazy(grid_unknown), on="ProviderName", how="left")
        .join(to_lazy(pue), on=["ProviderName", "RegionId"], how="left")
        .join(to_lazy(pue_avg), on="ProviderName", how="left")
    )
    # AWS memory reads family and size from the first two parts of the instance key, the GB per chip from
    # the processors of the whole key (MEMORY_AVG when unknown)
    aws = prov == "aws"
    rows = rows.with_columns(
        nw.when(aws).then(nw.col("_m_mem")).otherwise(nw.col("_c_mem")).alias("_c_mem"),
        nw.when(aws).then(nw.col("_m_big_mem")).otherwise(nw.col("_c_big_mem")).alias("_c_big_mem"),
        nw.when(aws).then(nw.col("_m_big_vcpu")).otherwise(nw.col("_c_big_vcpu")).alias("_c_big_vcpu"),
        nw.when(aws).then(nw.col("_m_family")).otherwise(nw.col("_c_family")).alias("_c_family"),
        nw.when(aws).then(~nw.col("_m_mem").is_null()).otherwise(nw.col("_c_mem_ok")).alias("_c_mem_ok"),
        nw.when(aws)
        .then(nw.col("_c_mem_chip").fill_null(tab.const("aws", "MEMORY_AVG")))
        .otherwise(nw.col("_c_mem_chip"))
        .alias("_c_mem_chip"),
    )
    return rows


def _classify(rows: nw.LazyFrame[Any], ctx: _Ctx) -> nw.LazyFrame[Any]:
    """CCF's branch per row, evaluated once per distinct (provider, service, usage type, unit, charge)."""
    aws, gcp, azure = _providers()
    ut, svc, unit, _ = _FIELDS
    tab, L = ctx.tab, ctx.lists
    # ---- classification: CCF's branch for the row ----
    usage = nw.col("_cc") == "usage"
    aws_kind = aws_rules.kind(ut, svc, unit, L)
    gcp_kind = gcp_rules.kind(ut, svc, unit, L)
    az_memory_type = azure_rules.memory_type(ut, L)
    azure_kind = azure_rules.kind(ut, svc, unit, L, tab)
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
    aws_bytes = aws_rules.byte_hours(ut, L)
    az_disk = azure_rules.disk_size_gb(ut, tab)
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
            replication(tab).alias("_repl"),
            aws_bytes.alias("_aws_bytes"),
            az_disk.alias("_az_disk"),
            az_memory_type.alias("_az_memtype"),
            is_in(ut, L("azure", "MEMORY_USAGE_TYPES")).alias("_az_mem_exact"),
        )
    )
    rows = rows.join(distinct, on=combo, how="left")
    return rows


def _activity(rows: nw.LazyFrame[Any], ctx: _Ctx) -> nw.LazyFrame[Any]:
    """vCPU-hours, GPU-hours, processor watts, PUE and grid factor per row."""
    aws, gcp, azure = _providers()
    ut, svc, _, amt = _FIELDS
    tab, consts, per_provider = ctx.tab, ctx.consts, ctx.per_provider
    k, _, est = _kind()
    hours_row = est & (k == "compute")
    gpu_lo, gpu_hi = tab.gcp_gpu_average()
    # GCP GPU watts: the models the SKU starts with (longest first), else the average of all
    # (BillingExportTable.ts getGpuComputeProcessorsFromUsageType)
    gpu_min: Any = nw.lit(gpu_lo)
    gpu_max: Any = nw.lit(gpu_hi)
    for prefix, (lo, hi) in reversed(tab.gcp_gpu_by_prefix()):
        gpu_min = nw.when(ut.str.starts_with(prefix)).then(nw.lit(lo)).otherwise(gpu_min)
        gpu_max = nw.when(ut.str.starts_with(prefix)).then(nw.lit(hi)).otherwise(gpu_max)
    aws_vcpu_h = aws_rules.vcpu_hours(ut, svc, amt, tab, consts["aws"]["u"])
    vcpu_h = (
        nw.when(aws & hours_row)
        .then(aws_vcpu_h)
        # Lambda and other per-second rows: usage / 3600 taken as vCPU-hours (CostAndUsageReports.ts)
        .when(aws & est & (k == "seconds"))
        .then(amt / 3600.0)
        # GCP core-seconds / 3600, x the fixed vCPUs of a Composer environment / GKE cluster
        # (BillingExportRow.ts)
        .when(gcp & hours_row)
        .then(amt / 3600.0 * nw.col("_gcp_vcpus_per_unit"))
        # Azure: vCPU x usage, 1 vCPU when the size is unknown (ConsumptionDetailRow.ts)
        .when(azure & hours_row)
        .then(nw.col("_c_vcpus").fill_null(tab.const("azure", "DEFAULT_VCPUS_IF_UNKNOWN_SIZE")) * amt)
        .otherwise(nw.lit(0.0))
        .fill_null(0.0)
    )
    gpu_h = (
        nw.when(aws & hours_row)
        .then(zero_null("_v_gpus") * amt)
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
        # CCF: a vCPU count it cannot find makes the compute kWh NaN; the row is then returned with 0 kWh
        # (and NaN CO2e), memory and embodied dropped (CostAndUsageReports.ts getEstimateByUsageUnit)
        (aws & hours_row & aws_vcpu_h.is_null()).alias("_ccf_nan"),
        vcpu_h.alias("vcpu_hours"),
        gpu_h.alias("accelerator_hours"),
        nw.when(lambda_arm)
        .then(nw.lit(arm[0]))
        .when(aws & (svc == "AWSLambda"))
        .then(per_provider("min"))
        .otherwise(first(nw.col("_c_min"), nw.col("_p_min"), per_provider("min")))
        .alias("_wmin"),
        nw.when(lambda_arm)
        .then(nw.lit(arm[1]))
        .when(aws & (svc == "AWSLambda"))
        .then(per_provider("max"))
        .otherwise(first(nw.col("_c_max"), nw.col("_p_max"), per_provider("max")))
        .alias("_wmax"),
        nw.when(lambda_arm)
        .then(nw.lit(False))
        .when(aws & (svc == "AWSLambda"))
        .then(nw.lit(True))
        .otherwise(first(nw.col("_c_avg"), nw.col("_p_avg"), nw.lit(True)))
        .alias("_w_avg"),
        nw.when(gcp & (k == "gpu"))
        .then(gpu_min)
        .otherwise(first(nw.col("_c_gmin"), per_provider("min")))
        .alias("_gmin"),
        nw.when(gcp & (k == "gpu"))
        .then(gpu_max)
        .otherwise(first(nw.col("_c_gmax"), per_provider("max")))
        .alias("_gmax"),
        first(nw.col("_pue_r"), nw.col("_pue_avg")).alias("pue"),
        nw.col("_g").is_null().alias("_grid_missing"),
        first(nw.col("_g"), nw.col("_g_unknown")).alias("g_co2e_per_kwh"),
    )
    return rows


def _energy(rows: nw.LazyFrame[Any], ctx: _Ctx) -> nw.LazyFrame[Any]:
    """Component kWh: CPU, GPU, memory above the per-chip allowance, storage, networking."""
    aws, gcp, azure = _providers()
    _, _, unit, amt = _FIELDS
    tab, per_provider = ctx.tab, ctx.per_provider
    k, _, est = _kind()
    hours_row = est & (k == "compute")
    burst = ~nw.col("_c_burst").is_null()
    aws_bytes, az_disk = nw.col("_aws_bytes"), nw.col("_az_disk")
    vcpus_per_chip = tab.const("*", "VCPUS_PER_PHYSICAL_CHIP")
    bytes_per_tb = tab.const("*", "BYTES_TO_TB")
    bytes_per_gb = tab.const("*", "BYTES_TO_GB")
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
        nw.when(unit.is_in(["1 GB Second", "50000 GB Seconds"]))
        .then(amt / 3600.0)
        .when(unit == "1 GB Hour")
        .then(amt)
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
    return rows


def _embodied(rows: nw.LazyFrame[Any], ctx: _Ctx) -> nw.LazyFrame[Any]:
    """Embodied CO2e and CCF's embodied kWh."""
    _, gcp, _ = _providers()
    amt = _FIELDS[3]
    per_provider = ctx.per_provider
    k, _, est = _kind()
    # ---- embodied (CCF:packages/core/src/embodiedEmissions/EmbodiedEmissionsEstimator.ts):
    #   co2e = scope3 x (usageTimePeriod / lifespan) x (instance vCPU / largest vCPU in family)
    # with usageTimePeriod = usage / instance vCPU (AWS CostAndUsageReports.ts, Azure
    # ConsumptionManagement.ts: the usage is instance-hours, so the vCPU count cancels and every size
    # gets 1/largest of the host) or usage / vCPU / 3600 (GCP: core-seconds, a true share).
    aws = nw.col("ProviderName") == "aws"
    emb_vcpu = nw.when(aws).then(nw.col("_e_vcpus")).otherwise(nw.col("_c_vcpus"))
    emb_scope3 = nw.when(aws).then(nw.col("_e_emb_t")).otherwise(nw.col("_c_emb_t"))
    emb_big = nw.when(aws).then(nw.col("_e_big_vcpu")).otherwise(nw.col("_c_big_vcpu"))
    emb_found = (
        nw.when(aws).then(~nw.col("_e_vcpus").is_null()).otherwise(nw.col("_c_emb_ok").fill_null(False))
    )
    period = nw.when(gcp).then(amt / emb_vcpu / 3600.0).otherwise(amt / emb_vcpu)
    emb_t = emb_scope3 * (period / per_provider("life")) * (emb_vcpu / emb_big)
    emb_ok = (
        est
        & ~nw.col("_ccf_nan")
        & (k == "compute")
        & emb_found
        & (emb_vcpu > 0)
        & (emb_scope3 > 0)
        & (emb_big > 0)
    ) | (gcp & est & (k == "gpu") & (emb_vcpu > 0) & (emb_scope3 > 0))
    rows = rows.with_columns(
        nw.when(emb_ok).then(emb_t * 1000.0).otherwise(nw.lit(0.0)).fill_null(0.0).alias("embodied_co2e_kg"),
    ).with_columns(
        # estimateKwh: embodied tCO2e / grid t per kWh, added to kilowattHours by the compute branches
        (nw.col("embodied_co2e_kg") / nw.col("g_co2e_per_kwh") * 1000.0).alias("ccf_embodied_kwh"),
    )
    return rows


def _labels(rows: nw.LazyFrame[Any], ctx: _Ctx) -> nw.LazyFrame[Any]:
    """Fate, usage class, reason, the CCF defect of the row, and its figures (no band in CCF)."""
    aws, gcp, azure = _providers()
    _, svc, unit, _ = _FIELDS
    consts = ctx.consts
    k, excluded, est = _kind()
    hours_row = est & (k == "compute")
    usage = nw.col("_cc") == "usage"
    aws_bytes = nw.col("_aws_bytes")
    storage = est & k.is_in(["storage_ssd", "storage_hdd"])
    gpu_named = nw.lit(False)
    for prefix, _ in ctx.tab.gcp_gpu_by_prefix():
        gpu_named = gpu_named | nw.col("_ut").str.starts_with(prefix)
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
        .when(nw.col("_ccf_nan"))
        .then(nw.lit("ccf_vcpu_not_found"))
        .when(aws & hours_row & (svc == "AmazonRedshift") & ~(nw.col("vcpu_hint") > 0).fill_null(False))
        .then(nw.lit("redshift_vcpu_per_second"))
        .when(aws & hours_row & nw.col("_ut").str.contains(r"(^|:)(ml|dax|dms|mq)\."))
        .then(nw.lit("aws_prefixed_instance"))
        .when(aws & storage & aws_bytes & ~is_in(unit, ["GB-Hours"]) & (svc == "AmazonS3"))
        .then(nw.lit("s3_gb_month_as_bytes"))
        .when(azure & storage)
        .then(nw.lit("azure_gb_month_x24"))
        .when(storage)
        .then(nw.lit("replication"))
        .when(gcp & hours_row & (nw.col("_gcp_vcpus_per_unit") != 1.0))
        .then(nw.lit("gcp_fixed_cluster_vcpus"))
        .when(gcp & (k == "gpu") & ~gpu_named)
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
        (
            est
            & ~k.is_in(["seconds", "zero"])
            & ~nw.col("_ccf_nan")
            & ~(azure & (k == "memory") & is_in(unit, ctx.lists("azure", "COMPUTE_USAGE_UNITS")))
        ).alias("ccf_accumulate"),
        nw.when(est & ~nw.col("_ccf_nan"))
        .then(op_kwh + nw.col("ccf_embodied_kwh"))
        .otherwise(nw.lit(0.0))
        .alias("energy_kwh"),
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
            first(nw.col("_c_family"), nw.col("machine_series")).alias("instance_family"),
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
    return rows
