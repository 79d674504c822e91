"""``explain-diff``: default vs CCF-compatible figures, and the documented difference behind the gap.

Both methods run over the same billing rows (``detail=True``); rows are matched by source file and row.
Per row the total CO2e gap (``ccf - default``, operational plus embodied) is split into contributions:

* the embodied gap goes to ``embodied_vcpu_share`` where CCF's usage-period cancels the vCPU count
  (AWS, Azure), else to ``embodied_formula``;
* the operational gap is split into a grid part, ``E_ccf x (g_ccf - g_default)`` ->
  ``grid_factor_source``, and an energy part, ``(E_ccf - E_default) x g_default`` -> the CCF defect the
  row carries (:data:`CAUSES`; ``ccf_defect`` of :mod:`cloudcarbon.ccf`).

Contributions are summed per line; ``cause`` names the largest absolute one. The energy gap has its
own ``energy_cause`` (``embodied_added_to_energy`` when CCF's embodied-as-kWh dominates it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from cloudcarbon.config import Config
from cloudcarbon.connectors import Source
from cloudcarbon.factors import FactorSet, load_factor_set
from cloudcarbon.pipeline import GROUP_COLUMN, GROUP_KEYS, estimate

__all__ = ["CAUSES", "explain_diff", "legend"]

#: Cause codes with a one-line explanation (printed as the legend).
CAUSES: dict[str, str] = {
    "s3_gb_month_as_bytes": "CCF divides S3 GB-months by 2^40 as if they were byte-hours: storage near zero",
    "embodied_vcpu_share": "CCF's embodied usage period divides by the instance vCPU, cancelling its host "
    "share: every size gets 1/largest of the host (large instances understated up to 96x)",
    "embodied_formula": "embodied model differs (host figures, lifespan, accelerator share)",
    "embodied_added_to_energy": "CCF converts embodied CO2e back into kWh and adds it to kilowattHours",
    "gcp_amd_as_intel": "CCF maps GCP n2d/c2d/t2d machines by their first two letters: AMD priced as Intel",
    "gcp_gpu_average": "CCF matches a GCP GPU SKU only when it starts with one of six model names (e.g. "
    "'Nvidia Tesla T4' does not): the others get the average of the six",
    "gcp_fixed_cluster_vcpus": "CCF counts a GKE cluster as 3 vCPUs and a Cloud Composer environment as 14, "
    "on an e2-medium, whatever runs in them",
    "azure_pack_units": "CCF does not scale Azure pack units ('100 Hours' counted as 1 hour)",
    "ccf_vcpu_not_found": "CCF finds no vCPU count for the usage type (e.g. 'r5.2xl'): 0 kWh, NaN CO2e",
    "redshift_vcpu_per_second": "CCF divides Redshift node vCPUs by 3600 when the bill states no vCPU",
    "aws_prefixed_instance": "CCF looks up processors and memory of ml./dax./dms./mq. instances with the "
    "prefix: provider-average watts, no memory",
    "azure_gb_month_x24": "CCF converts Azure GB-months to TB-hours with x24 only (one day per month)",
    "grid_factor_source": "CCF's grid factors (EPA NERC for US, carbonfootprint.com, summed GCP "
    "multi-regions) differ from the default's dated grid datasets",
    "processor_coefficients": "CCF's 2020-era per-processor watts and provider averages",
    "memory_model": "CCF counts only memory above the processor's per-chip allowance",
    "gpu_model_coverage": "CCF's GPU table stops at A100 (unknown GPUs -> CPU averages) and its own watts",
    "serverless_model": "CCF takes Lambda GB-seconds / 3600 as vCPU-hours at average watts",
    "networking_scope": "CCF counts only its listed networking usage types",
    "replication": "CCF's replication factors and storage classification",
    "fallback_ratio": "CCF's unknown-usage ratio (cost for AWS, usage amount for GCP/Azure; per usage unit, "
    "0 when no estimated row has the unit) vs cost ratio",
    "ccf_skipped": "CCF gives the row no estimate (unsupported, filtered, or unrecognised)",
    "utilisation": "CCF's fixed 50 % utilisation vs configured utilisation",
    "none": "no gap",
}

_EMB_CANCELS = ("aws", "azure")


def explain_diff(
    sources: Sequence[str | Path | Source],
    month: str,
    *,
    config: Config | None = None,
    factor_set: FactorSet | str | None = None,
    group_by: Sequence[str] = ("project",),
) -> pl.DataFrame:
    """Per line: both methods' CO2e and energy, the gap, and the documented difference behind it.

    Returns a polars frame with the ``group_by`` keys, ``default_co2e_kg``, ``default_embodied_co2e_kg``,
    ``ccf_co2e_kg``, ``ccf_embodied_co2e_kg``, ``gap_kg`` (CCF total minus default total),
    ``default_energy_kwh``, ``ccf_energy_kwh``, ``cause`` (a key of :data:`CAUSES`), ``cause_kg`` (its
    contribution) and ``energy_cause``.
    """
    for k in group_by:
        if k not in GROUP_KEYS:
            from cloudcarbon.exceptions import CloudCarbonError

            raise CloudCarbonError(f"cannot group by {k!r}; choose from {', '.join(GROUP_KEYS)}")
    factors = factor_set if isinstance(factor_set, FactorSet) else load_factor_set(factor_set)
    runs: dict[str, pl.DataFrame] = {}
    for method in ("cloudcarbon", "ccf"):
        res = estimate(sources, month, config=config, factor_set=factors, detail=True, method=method)
        assert res.detail is not None
        runs[method] = res.detail
    keys = [GROUP_COLUMN[k] for k in group_by]
    ccf_cols = ["source_file", "source_row", "energy_kwh", "co2e_kg", "embodied_co2e_kg", "g_co2e_per_kwh"]
    extra = [c for c in ("ccf_defect", "ccf_embodied_kwh") if c in runs["ccf"].columns]
    # group keys come from the default run (usage_class differs between methods: CCF's own classes)
    d = runs["cloudcarbon"].select(
        "source_file",
        "source_row",
        "ProviderName",
        *[k for k in keys if k not in ("ProviderName",)],
        *[pl.col(c).alias(f"d_{c}") for c in ccf_cols[2:]],
    )
    c = runs["ccf"].select(
        "source_file", "source_row", *[pl.col(x).alias(f"c_{x}") for x in ccf_cols[2:] + extra]
    )
    rows = d.join(c, on=["source_file", "source_row"], how="left").with_columns(
        pl.col(pl.Float64).fill_null(0.0), pl.col("c_ccf_defect").fill_null("none")
    )
    rows = _contributions(rows)
    return _per_line(rows, keys, group_by)


def _contributions(rows: pl.DataFrame) -> pl.DataFrame:
    d_op, c_op = pl.col("d_co2e_kg"), pl.col("c_co2e_kg")
    c_kwh_op = pl.col("c_energy_kwh") - pl.col("c_ccf_embodied_kwh")
    # operational CO2e is kWh x g / 1000 for both methods: split its gap into grid and energy parts
    grid_part = c_kwh_op * (pl.col("c_g_co2e_per_kwh") - pl.col("d_g_co2e_per_kwh")) / 1000.0
    energy_part = (c_op - d_op) - grid_part
    emb_gap = pl.col("c_embodied_co2e_kg") - pl.col("d_embodied_co2e_kg")
    emb_cause = (
        pl.when(pl.col("ProviderName").is_in(list(_EMB_CANCELS)) & (pl.col("c_embodied_co2e_kg") > 0))
        .then(pl.lit("embodied_vcpu_share"))
        .otherwise(pl.lit("embodied_formula"))
    )
    # a skipped or fallback row has no CCF activity to split: its whole gap is the row's cause
    whole = pl.col("c_ccf_defect").is_in(["ccf_skipped", "fallback_ratio"])
    return rows.with_columns(
        pl.when(whole).then(0.0).otherwise(grid_part).alias("_grid"),
        pl.when(whole).then(c_op - d_op).otherwise(energy_part).alias("_energy"),
        emb_gap.alias("_emb"),
        emb_cause.alias("_emb_cause"),
        (pl.col("c_energy_kwh") - pl.col("d_energy_kwh") - pl.col("c_ccf_embodied_kwh")).alias("_kwh_rest"),
    )


def _per_line(rows: pl.DataFrame, keys: list[str], group_by: Sequence[str]) -> pl.DataFrame:
    parts = pl.concat(
        [
            rows.select(*keys, pl.lit("grid_factor_source").alias("cause"), pl.col("_grid").alias("kg")),
            rows.select(*keys, pl.col("c_ccf_defect").alias("cause"), pl.col("_energy").alias("kg")),
            rows.select(*keys, pl.col("_emb_cause").alias("cause"), pl.col("_emb").alias("kg")),
        ]
    )
    by_cause = parts.group_by([*keys, "cause"]).agg(pl.col("kg").sum())
    top = (
        by_cause.with_columns(pl.col("kg").abs().alias("_abs"))
        .sort([*keys, "_abs", "cause"], descending=[*([False] * len(keys)), True, False], nulls_last=True)
        .group_by(keys, maintain_order=True)
        .first()
        .with_columns(
            pl.when(pl.col("_abs") > 0).then(pl.col("cause")).otherwise(pl.lit("none")).alias("cause")
        )
        .select(*keys, "cause", pl.col("kg").alias("cause_kg"))
    )
    energy = rows.group_by(keys).agg(
        pl.col("c_ccf_embodied_kwh").sum().alias("_ekwh"),
        pl.col("_kwh_rest").sum().alias("_rest"),
        pl.col("c_ccf_defect").mode().first().alias("_defect"),
    )
    lines = rows.group_by(keys).agg(
        pl.col("d_co2e_kg").sum().alias("default_co2e_kg"),
        pl.col("d_embodied_co2e_kg").sum().alias("default_embodied_co2e_kg"),
        pl.col("c_co2e_kg").sum().alias("ccf_co2e_kg"),
        pl.col("c_embodied_co2e_kg").sum().alias("ccf_embodied_co2e_kg"),
        pl.col("d_energy_kwh").sum().alias("default_energy_kwh"),
        pl.col("c_energy_kwh").sum().alias("ccf_energy_kwh"),
    )
    out = (
        lines.join(top, on=keys, how="left", nulls_equal=True)
        .join(energy, on=keys, how="left", nulls_equal=True)
        .with_columns(
            (
                pl.col("ccf_co2e_kg")
                + pl.col("ccf_embodied_co2e_kg")
                - pl.col("default_co2e_kg")
                - pl.col("default_embodied_co2e_kg")
            ).alias("gap_kg"),
            pl.when(pl.col("_ekwh").abs() >= pl.col("_rest").abs())
            .then(pl.lit("embodied_added_to_energy"))
            .otherwise(pl.col("_defect"))
            .alias("energy_cause"),
        )
        .drop("_ekwh", "_rest", "_defect")
        .rename({GROUP_COLUMN[k]: k for k in group_by})
    )
    order = [
        *group_by,
        "default_co2e_kg",
        "default_embodied_co2e_kg",
        "ccf_co2e_kg",
        "ccf_embodied_co2e_kg",
        "gap_kg",
        "cause",
        "cause_kg",
        "default_energy_kwh",
        "ccf_energy_kwh",
        "energy_cause",
    ]
    return out.select(order).sort(pl.col("gap_kg").abs(), descending=True)


def legend() -> list[tuple[str, str]]:
    """(code, explanation) pairs of :data:`CAUSES`."""
    return list(CAUSES.items())
