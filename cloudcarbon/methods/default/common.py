"""The scalar inputs of the default model and the expression helpers its steps share."""

from __future__ import annotations

from dataclasses import dataclass

import narwhals as nw
import polars as pl

from cloudcarbon.config import STAGES, Config, StageRule, UtilisationOverride
from cloudcarbon.factors import FactorSet
from cloudcarbon.schema import tag_column

__all__ = [
    "ModelInputs",
    "accelerator_stage_expr",
    "first",
    "global_defaults",
    "stage_expr",
    "utilisation",
    "zero_null",
]

#: Stages with their own accelerator-utilisation coefficients (factor set 2026.12.1 onwards):
#: ``accelerator_utilisation_<stage>`` with ``_low`` / ``_high``.
ACCELERATOR_STAGES = ("inference", "training", "unknown")


@dataclass(frozen=True)
class ModelInputs:
    """Scalars of the factor set and configuration the per-row model needs."""

    memory_kwh_per_gb_hour: float
    ssd_wh_per_tb_hour: float
    hdd_wh_per_tb_hour: float
    network_kwh_per_gb: float
    network_intra_region_kwh_per_gb: float
    lifespan_hours: float
    lambda_mb_per_vcpu: float
    cpu_u: float
    cpu_u_low: float
    cpu_u_high: float
    acc_u: float
    acc_u_low: float
    acc_u_high: float
    embodied_band_ratio: float
    grid_substitution_band_ratio: float
    #: a grid factor of the other boundary than the one chosen (factor sets 2026.12.1 on)
    grid_boundary_band_ratio: float
    #: bounds of the storage and network coefficients (equal to the central value in sets that have none)
    ssd_wh_per_tb_hour_low: float = 0.0
    ssd_wh_per_tb_hour_high: float = 0.0
    hdd_wh_per_tb_hour_low: float = 0.0
    hdd_wh_per_tb_hour_high: float = 0.0
    network_kwh_per_gb_low: float = 0.0
    network_kwh_per_gb_high: float = 0.0
    #: high bound of memory beyond the boundary's own memory (whole-server sets): kWh per GB-h above
    #: ``memory_gb_per_vcpu_in_boundary`` GB per vCPU; older sets: the central coefficient and 0 GB
    memory_kwh_per_gb_hour_high: float = 0.0
    memory_gb_per_vcpu_in_boundary: float = 0.0
    #: ``(stage, central, low, high)`` accelerator utilisation per :data:`ACCELERATOR_STAGES`; empty in
    #: sets without per-stage figures (one default for every row)
    acc_stage: tuple[tuple[str, float, float, float], ...] = ()
    #: the set declares the whole-server power boundary (``power_boundary_whole_server``)
    whole_server: bool = False

    @classmethod
    def from_factors(cls, factors: FactorSet, config: Config) -> ModelInputs:
        c = factors.coefficient
        names = set(factors.table("coefficients")["name"].to_list())

        def opt(name: str, default: float) -> float:
            return c(name) if name in names else default

        stages = tuple(
            (
                s,
                c(f"accelerator_utilisation_{s}"),
                c(f"accelerator_utilisation_{s}_low"),
                c(f"accelerator_utilisation_{s}_high"),
            )
            for s in ACCELERATOR_STAGES
            if f"accelerator_utilisation_{s}" in names
        )
        return cls(
            ssd_wh_per_tb_hour_low=opt("ssd_wh_per_tb_hour_low", c("ssd_wh_per_tb_hour")),
            ssd_wh_per_tb_hour_high=opt("ssd_wh_per_tb_hour_high", c("ssd_wh_per_tb_hour")),
            hdd_wh_per_tb_hour_low=opt("hdd_wh_per_tb_hour_low", c("hdd_wh_per_tb_hour")),
            hdd_wh_per_tb_hour_high=opt("hdd_wh_per_tb_hour_high", c("hdd_wh_per_tb_hour")),
            network_kwh_per_gb_low=opt("network_kwh_per_gb_low", c("network_kwh_per_gb")),
            network_kwh_per_gb_high=opt("network_kwh_per_gb_high", c("network_kwh_per_gb")),
            memory_kwh_per_gb_hour_high=opt("memory_kwh_per_gb_hour_high", c("memory_kwh_per_gb_hour")),
            memory_gb_per_vcpu_in_boundary=opt("memory_gb_per_vcpu_in_boundary", 0.0),
            acc_stage=stages,
            whole_server=opt("power_boundary_whole_server", 0.0) == 1.0,
            memory_kwh_per_gb_hour=c("memory_kwh_per_gb_hour"),
            ssd_wh_per_tb_hour=c("ssd_wh_per_tb_hour"),
            hdd_wh_per_tb_hour=c("hdd_wh_per_tb_hour"),
            network_kwh_per_gb=c("network_kwh_per_gb"),
            network_intra_region_kwh_per_gb=c("network_intra_region_kwh_per_gb"),
            lifespan_hours=c("server_lifespan_hours"),
            lambda_mb_per_vcpu=c("lambda_mb_per_vcpu"),
            cpu_u=config.cpu_utilisation
            if config.cpu_utilisation is not None
            else c("cpu_utilisation_default"),
            cpu_u_low=c("cpu_utilisation_low"),
            cpu_u_high=c("cpu_utilisation_high"),
            acc_u=config.accelerator_utilisation
            if config.accelerator_utilisation is not None
            else c("accelerator_utilisation_default"),
            acc_u_low=c("accelerator_utilisation_low"),
            acc_u_high=c("accelerator_utilisation_high"),
            embodied_band_ratio=c("embodied_band_ratio"),
            grid_substitution_band_ratio=c("grid_substitution_band_ratio"),
            grid_boundary_band_ratio=factors.grid_boundary_band_ratio(),
        )


def utilisation(overrides: tuple[UtilisationOverride, ...], attr: str, default: float | nw.Expr) -> nw.Expr:
    base = default if isinstance(default, nw.Expr) else nw.lit(default)
    chosen = [o for o in overrides if getattr(o, attr) is not None]
    if not chosen:
        return base

    def cond(o: UtilisationOverride) -> nw.Expr:
        if o.project is not None:
            return nw.col("project") == o.project
        if o.instance_family is not None:
            return nw.col("instance_family") == o.instance_family
        if o.stage is not None:
            return nw.col("stage") == o.stage
        assert o.tag is not None
        return nw.col(tag_column(o.tag)) == o.value

    chain = nw.when(cond(chosen[0])).then(nw.lit(getattr(chosen[0], attr)))
    for o in chosen[1:]:
        chain = chain.when(cond(o)).then(nw.lit(getattr(o, attr)))
    return chain.otherwise(base)


def accelerator_stage_expr() -> nw.Expr:
    """The stage whose accelerator utilisation a row takes: ``inference`` or ``training`` from the
    row's ``[ai]`` stage; otherwise from the device (AWS Inferentia -> inference, Trainium ->
    training); else ``unknown`` (data processing, other, no rule)."""
    stage = nw.col("stage")
    model = nw.col("accelerator_model").fill_null("")
    return (
        nw.when(stage.is_in(["inference", "training"]))
        .then(stage)
        .when(model.str.contains("Inferentia"))
        .then(nw.lit("inference"))
        .when(model.str.contains("Trainium"))
        .then(nw.lit("training"))
        .otherwise(nw.lit("unknown"))
    )


def per_stage(stages: tuple[tuple[str, float, float, float], ...], index: int) -> nw.Expr:
    """Column ``index`` (1 central, 2 low, 3 high) of the per-stage accelerator utilisation."""
    key = accelerator_stage_expr()
    chain = nw.when(key == stages[0][0]).then(nw.lit(stages[0][index]))
    for s in stages[1:]:
        chain = chain.when(key == s[0]).then(nw.lit(s[index]))
    return chain.otherwise(nw.lit(stages[-1][index]))


def stage_expr(rules: tuple[StageRule, ...]) -> nw.Expr:
    """Lifecycle stage per row from the ``[ai] stages`` rules; ``other`` when none matches."""
    other = nw.lit("other")
    if not rules:
        return other

    def one(r: StageRule) -> tuple[nw.Expr, nw.Expr]:
        if r.tag is not None:
            tag = nw.col(tag_column(r.tag))
            if r.value is None:  # the tag's value names the stage
                return tag.is_in(list(STAGES)), tag
            return tag == r.value, nw.lit(r.stage)
        if r.project is not None:
            return nw.col("project") == r.project, nw.lit(r.stage)
        if r.instance_family is not None:
            return nw.col("instance_family") == r.instance_family, nw.lit(r.stage)
        return nw.col("ServiceName") == r.service, nw.lit(r.stage)

    cond, value = one(rules[0])
    chain = nw.when(cond).then(value)
    for r in rules[1:]:
        cond, value = one(r)
        chain = chain.when(cond).then(value)
    return chain.otherwise(other)


def zero_null(name: str) -> nw.Expr:
    return nw.col(name).fill_null(0.0)


def first(*exprs: nw.Expr) -> nw.Expr:
    out = exprs[0]
    for e in exprs[1:]:
        out = out.fill_null(e)
    return out


def global_defaults(
    factors: FactorSet, year: int, datasets: tuple[str, ...], boundary: str | None = None
) -> dict[str, float]:
    """Provider-independent last resorts: means over the providers' ``*`` rows (flagged when used)."""
    avg = factors.provider_cpu_average()
    grid = factors.grid(year, datasets, boundary).filter(pl.col("region") == "*")
    pue = factors.pue().filter(pl.col("region") == "*")
    return {
        "cpu_min": float(avg["avg_cpu_min_w_per_vcpu"].mean()),  # type: ignore[arg-type]
        "cpu_max": float(avg["avg_cpu_max_w_per_vcpu"].mean()),  # type: ignore[arg-type]
        "emb": float(avg["embodied_kgco2e_per_host_vcpu"].mean()),  # type: ignore[arg-type]
        "grid": float(grid["g_co2e_per_kwh"].mean()),  # type: ignore[arg-type]
        "pue": float(pue["pue"].mean()),  # type: ignore[arg-type]
    }
