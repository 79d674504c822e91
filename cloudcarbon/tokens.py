"""Per-token figures for model-API charges (Amazon Bedrock, Vertex AI, Azure OpenAI) and the SCI for AI.

Model-API billing rows carry token counts. :func:`recognise_tokens` finds them with the factor set's
``token_rules`` (per provider: service and usage-type / SKU / meter patterns naming the model and the
direction: input, output or cached input), scales the billed quantity to tokens with ``token_units``
(pack sizes such as ``1K tokens``; characters at about four per token) and maps the model id to a model
class with ``token_models``. :func:`token_figures` then applies the class's per-token energy from
``token_energy`` (the EcoLogits LLM-inference model, with wide bands)::

    energy_kwh = (output + input x r_in + cached x r_cached) tokens x J per output token x PUE / 3.6e6
    co2e_kg    = energy_kwh x grid gCO2e/kWh / 1000
    embodied   = output tokens x embodied kgCO2e per million output tokens / 1e6

with the provider's PUE and the row's region grid factor (provider mean when the region is unknown) from
the same factor set. :func:`sci_for_ai` reports the Green Software Foundation's SCI for AI,
``SCI = (E x I + M) / R``, per functional unit, the consumer and provider boundaries kept apart.

These figures are a lens beside the estimate: the estimate's lines and totals still carry the same billing
rows by the method's cost-ratio fallback (a model API has no hardware in the bill to model).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import narwhals as nw
import polars as pl

from cloudcarbon.config import Config
from cloudcarbon.exceptions import ConfigError
from cloudcarbon.factors import FactorSet
from cloudcarbon.schema import FIGURES

__all__ = [
    "PROVIDER_UNITS",
    "TOKEN_COLUMNS",
    "read_provider_units",
    "recognise_tokens",
    "sci_for_ai",
    "token_candidates",
    "token_figures",
    "token_metrics",
]

#: Columns :func:`token_candidates` keeps from the allocated usage table.
TOKEN_COLUMNS = (
    "ProviderName",
    "ServiceName",
    "RegionId",
    "usage_type",
    "ConsumedQuantity",
    "ConsumedUnit",
    "project",
    "charge_class",
)
#: Provider functional units of the SCI for AI (specification section 8.2), as ``[ai] provider_units``
#: names them.
PROVIDER_UNITS = {
    "billion_parameters": "billion parameters",
    "training_token": "training token",
    "flop": "FLOP",
}
_DIRECTION_WORDS = {
    "input": "input",
    "inp": "input",
    "output": "output",
    "outp": "output",
    "cached_input": "cached_input",
}
#: A cheap first cut, run on the engine, before the exact rules run on the few rows it keeps.
_CANDIDATE = r"(?i)(input|output|inp|outp|cach|token)"
_TOKEN_TABLES = ("token_rules", "token_units", "token_models", "token_energy")


def has_token_tables(factors: FactorSet) -> bool:
    """Whether the factor set carries the token tables (sets before 2026.12 do not)."""
    names = {str(r.get("name")) for r in factors.descriptor.get("resources", [])}
    return all(t in names for t in _TOKEN_TABLES)


def token_candidates(usage: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """Usage rows that may be model-API token rows (a superset; :func:`recognise_tokens` decides)."""
    return (
        usage.filter(
            (nw.col("charge_class") == "usage") & nw.col("usage_type").fill_null("").str.contains(_CANDIDATE)
        )
        .group_by([c for c in TOKEN_COLUMNS if c != "ConsumedQuantity"])
        .agg(nw.col("ConsumedQuantity").sum(), nw.col("source_rows").sum().alias("rows"))
    )


def _normalise_model(col: pl.Expr) -> pl.Expr:
    return col.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-").str.strip_chars("-")


def _unit_key(col: pl.Expr) -> pl.Expr:
    return col.fill_null("").str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()


def recognise_tokens(candidates: pl.DataFrame, factors: FactorSet) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Token rows among ``candidates`` (columns :data:`TOKEN_COLUMNS` and ``rows``).

    Returns ``(tokens, unrecognised)``: ``tokens`` has one row per candidate row a rule matched and whose
    unit is known, with ``model`` (as billed), ``model_key`` (normalised), ``direction``, ``tokens``,
    ``measure`` (tokens or characters) and ``token_rule``; ``unrecognised`` lists rows a rule matched
    whose unit ``token_units`` does not know (not estimated), with provider, service, usage type, unit and
    rows.
    """
    rules = factors.table("token_rules").sort("provider", "priority", "rule_id")
    df = candidates.filter(pl.col("charge_class") == "usage").with_columns(
        pl.lit(None, pl.String).alias("token_rule"),
        pl.lit(None, pl.String).alias("model"),
        pl.lit(None, pl.String).alias("direction"),
    )
    for r in rules.iter_rows(named=True):
        rx = str(r["usage_type_regex"])
        groups = re.compile(rx).groupindex
        ext = pl.col("usage_type").str.extract_groups(rx)
        service_ok = (
            pl.lit(True)
            if not r["service_regex"]
            else pl.col("ServiceName").fill_null("").str.contains(str(r["service_regex"]))
        )
        hit = (
            pl.col("token_rule").is_null()
            & (pl.col("ProviderName") == r["provider"])
            & service_ok
            & ext.struct.field("model").str.strip_chars().str.len_chars().fill_null(0).gt(0)
        )
        direction = (
            pl.lit(r["direction"])
            if r["direction"]
            else ext.struct.field("dir").str.to_lowercase().replace_strict(_DIRECTION_WORDS, default=None)
        )
        assert "model" in groups
        df = df.with_columns(
            pl.when(hit).then(pl.lit(r["rule_id"])).otherwise(pl.col("token_rule")).alias("token_rule"),
            pl.when(hit)
            .then(ext.struct.field("model").str.strip_chars())
            .otherwise(pl.col("model"))
            .alias("model"),
            pl.when(hit).then(direction).otherwise(pl.col("direction")).alias("direction"),
        )
    matched = df.filter(pl.col("token_rule").is_not_null() & pl.col("direction").is_not_null())
    units = factors.table("token_units").select(pl.col("unit").alias("_unit"), "tokens_per_unit", "measure")
    # a SKU that names characters counts characters whatever its unit says ("count")
    chars = pl.col("usage_type").str.contains(r"(?i)\bcharacters?\b")
    key = _unit_key(pl.col("ConsumedUnit"))
    matched = matched.with_columns(
        pl.when(chars & key.is_in(["count", "units", ""]))
        .then(pl.lit("characters"))
        .otherwise(key)
        .alias("_unit")
    ).join(units, on="_unit", how="left")
    unknown = (
        matched.filter(pl.col("tokens_per_unit").is_null())
        .group_by("ProviderName", "ServiceName", "usage_type", "ConsumedUnit")
        .agg(pl.col("rows").sum())
        .rename({"ProviderName": "provider", "ServiceName": "service", "ConsumedUnit": "unit"})
        .sort("provider", "service", "usage_type", nulls_last=True)
    )
    known = matched.filter(pl.col("tokens_per_unit").is_not_null()).with_columns(
        (pl.col("ConsumedQuantity") * pl.col("tokens_per_unit")).alias("tokens"),
        _normalise_model(pl.col("model")).alias("model_key"),
    )
    return known.drop("_unit"), unknown


def _model_class(tokens: pl.DataFrame, factors: FactorSet) -> pl.DataFrame:
    """``model_class`` per row from ``token_models`` (first rule by priority), else ``unknown``."""
    rules = factors.table("token_models").sort("priority", "rule_id")
    cls: pl.Expr = pl.lit(None, pl.String)
    # built from the last rule back, so the first rule by priority wins
    for r in reversed(list(rules.iter_rows(named=True))):
        cond = pl.col("model_key").str.contains(str(r["model_regex"]))
        if r["provider"] != "*":
            cond = cond & (pl.col("ProviderName") == r["provider"])
        cls = pl.when(cond).then(pl.lit(r["model_class"])).otherwise(cls)
    return tokens.with_columns(
        cls.fill_null(pl.lit("unknown")).alias("model_class"),
        pl.when(cls.is_null()).then(pl.lit("unknown_model")).otherwise(pl.lit("known")).alias("model_status"),
    )


def _pue_and_grid(rows: pl.DataFrame, factors: FactorSet, config: Config, year: int) -> pl.DataFrame:
    pue = factors.pue()
    grid = factors.grid(year, config.grid_datasets, config.grid_boundary)
    band = factors.coefficient("grid_substitution_band_ratio")
    boundary_band = factors.grid_boundary_band_ratio()
    out = (
        rows.join(
            pue.filter(pl.col("region") != "*").rename({"provider": "ProviderName", "region": "RegionId"}),
            on=["ProviderName", "RegionId"],
            how="left",
        )
        .join(
            pue.filter(pl.col("region") == "*").select(
                pl.col("provider").alias("ProviderName"), pl.col("pue").alias("_pue_avg")
            ),
            on="ProviderName",
            how="left",
        )
        .join(
            grid.filter(pl.col("region") != "*").rename({"provider": "ProviderName", "region": "RegionId"}),
            on=["ProviderName", "RegionId"],
            how="left",
        )
        .join(
            grid.filter(pl.col("region") == "*").select(
                pl.col("provider").alias("ProviderName"),
                pl.col("g_co2e_per_kwh").alias("_g_avg"),
                pl.col("grid_year").alias("_g_avg_year"),
            ),
            on="ProviderName",
            how="left",
        )
    )
    exact_region = pl.col("g_co2e_per_kwh").is_not_null()
    return out.with_columns(
        pl.col("pue").fill_null(pl.col("_pue_avg")).alias("pue"),
        pl.col("g_co2e_per_kwh").fill_null(pl.col("_g_avg")).alias("g_co2e_per_kwh"),
        pl.col("grid_year").fill_null(pl.col("_g_avg_year")).alias("grid_year"),
        pl.when(exact_region)
        .then(pl.col("grid_status"))
        .otherwise(pl.lit("provider_average"))
        .alias("grid_status"),
    ).with_columns(
        pl.when(pl.col("grid_status") == "exact")
        .then(0.0)
        .when(pl.col("grid_status") == "boundary_substituted")
        .then(boundary_band)
        .otherwise(band)
        .alias("_grid_band"),
    )


def token_figures(tokens: pl.DataFrame, factors: FactorSet, config: Config, year: int) -> pl.DataFrame:
    """Energy, CO2e and embodied emissions (with low and high ends) of each recognised token row."""
    energy = factors.table("token_energy").drop("note", "source", "licence")
    rows = _pue_and_grid(
        _model_class(tokens, factors).join(energy, on="model_class", how="left"), factors, config, year
    )
    t = pl.col("tokens")
    d = pl.col("direction")
    out_t = pl.when(d == "output").then(t).otherwise(0.0)
    in_t = pl.when(d == "input").then(t).otherwise(0.0)
    cache_t = pl.when(d == "cached_input").then(t).otherwise(0.0)
    # joules before PUE: output tokens at the class's J per output token, input and cached input tokens
    # at their share of it (central 0: the per-output-token figure covers the whole request)
    j = pl.col("j_per_output_token")
    j_central = (
        out_t + in_t * pl.col("input_token_ratio") + cache_t * pl.col("cached_input_token_ratio")
    ) * j
    j_low = out_t * pl.col("j_per_output_token_low")
    j_high = (
        out_t + in_t * pl.col("input_token_ratio_high") + cache_t * pl.col("cached_input_token_ratio_high")
    ) * pl.col("j_per_output_token_high")
    kwh = 3.6e6
    g = pl.col("g_co2e_per_kwh")
    band = pl.col("_grid_band")
    return rows.with_columns(
        out_t.alias("output_tokens"),
        in_t.alias("input_tokens"),
        cache_t.alias("cached_input_tokens"),
        (j_central * pl.col("pue") / kwh).alias("energy_kwh"),
        (j_low * pl.col("pue") / kwh).alias("energy_kwh_low"),
        (j_high * pl.col("pue") / kwh).alias("energy_kwh_high"),
    ).with_columns(
        (pl.col("energy_kwh") * g / 1000).alias("co2e_kg"),
        (pl.col("energy_kwh_low") * g * (1 - band) / 1000).alias("co2e_kg_low"),
        (pl.col("energy_kwh_high") * g * (1 + band) / 1000).alias("co2e_kg_high"),
        (pl.col("output_tokens") * pl.col("embodied_kg_per_mtok") / 1e6).alias("embodied_co2e_kg"),
        (pl.col("output_tokens") * pl.col("embodied_kg_per_mtok_low") / 1e6).alias("embodied_co2e_kg_low"),
        (pl.col("output_tokens") * pl.col("embodied_kg_per_mtok_high") / 1e6).alias("embodied_co2e_kg_high"),
    )


_SUMS = ("rows", "input_tokens", "output_tokens", "cached_input_tokens", "tokens", *FIGURES)


def _per_mtok(num: pl.Expr) -> pl.Expr:
    return pl.when(pl.col("tokens") > 0).then(num / pl.col("tokens") * 1e6).otherwise(None)


def _tokens_frame(rows: pl.DataFrame) -> pl.DataFrame:
    """Per provider, project and model: tokens, energy, CO2e (bounds), and kgCO2e per million tokens."""
    keys = ["provider", "project", "model", "model_class", "params_basis", "model_status"]
    return (
        rows.rename({"ProviderName": "provider"})
        .group_by(keys)
        .agg(*(pl.col(c).sum() for c in _SUMS), pl.col("pue").max(), pl.col("grid_status").max())
        .with_columns(
            _per_mtok(pl.col("co2e_kg") + pl.col("embodied_co2e_kg")).alias("kgco2e_per_mtok"),
            _per_mtok(pl.col("co2e_kg_low") + pl.col("embodied_co2e_kg_low")).alias("kgco2e_per_mtok_low"),
            _per_mtok(pl.col("co2e_kg_high") + pl.col("embodied_co2e_kg_high")).alias("kgco2e_per_mtok_high"),
        )
        .sort(
            ["co2e_kg", "provider", "project", "model"],
            descending=[True, False, False, False],
            nulls_last=True,
        )
    )


def read_provider_units(path: str, month: str) -> pl.DataFrame:
    """Provider functional units per project for ``month`` from a CSV: project, month, unit, quantity.

    ``unit`` is one of :data:`PROVIDER_UNITS` (the SCI for AI provider units: per billion parameters, per
    training token, per FLOP).
    """
    p = Path(path)
    try:
        df = pl.read_csv(p, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise ConfigError(
            path, f"cannot read the provider units file ({exc}); see [ai] provider_units"
        ) from exc
    missing = [c for c in ("project", "month", "unit", "quantity") if c not in df.columns]
    if missing:
        raise ConfigError(
            path,
            f"the provider units file lacks column(s) {', '.join(missing)} "
            "(need project, month, unit, quantity)",
        )
    parsed = df.with_row_index("_i").with_columns(
        pl.col("quantity").str.strip_chars().cast(pl.Float64, strict=False).alias("_q"),
        pl.col("unit").str.strip_chars().alias("unit"),
    )
    bad_unit = parsed.filter(~pl.col("unit").is_in(list(PROVIDER_UNITS)) | pl.col("unit").is_null())
    if bad_unit.height:
        row = bad_unit.row(0, named=True)
        raise ConfigError(
            path,
            f"row {row['_i'] + 1}, column 'unit': {row['unit']!r} is not one of {', '.join(PROVIDER_UNITS)}",
        )
    bad = parsed.filter(pl.col("_q").is_null() | (pl.col("_q") <= 0))
    if bad.height:
        row = bad.row(0, named=True)
        raise ConfigError(
            path, f"row {row['_i'] + 1}, column 'quantity': {row['quantity']!r} is not a positive number"
        )
    return (
        parsed.filter(pl.col("month").str.strip_chars() == month)
        .group_by("project", "unit")
        .agg(pl.col("_q").sum().alias("units"))
    )


def _stage_figures(
    groups: pl.DataFrame, stages: list[str], exclude_services: pl.DataFrame | None
) -> pl.DataFrame:
    g = groups.filter(pl.col("stage").is_in(stages))
    if exclude_services is not None and exclude_services.height:
        g = g.join(exclude_services, on=["project", "ServiceName"], how="anti")
    return g.group_by("project").agg(
        pl.col("energy_kwh").sum().alias("_e"),
        pl.col("co2e_kg").sum().alias("_op"),
        pl.col("co2e_kg_low").sum().alias("_op_low"),
        pl.col("co2e_kg_high").sum().alias("_op_high"),
        pl.col("embodied_co2e_kg").sum().alias("_m"),
        pl.col("embodied_co2e_kg_low").sum().alias("_m_low"),
        pl.col("embodied_co2e_kg_high").sum().alias("_m_high"),
    )


_SCI_SCHEMA = {
    "project": pl.String,
    "boundary": pl.String,
    "functional_unit": pl.String,
    "units": pl.Float64,
    "energy_kwh": pl.Float64,
    "operational_kg": pl.Float64,
    "operational_kg_low": pl.Float64,
    "operational_kg_high": pl.Float64,
    "embodied_kg": pl.Float64,
    "embodied_kg_low": pl.Float64,
    "embodied_kg_high": pl.Float64,
    "sci_kg_per_unit": pl.Float64,
    "sci_kg_per_unit_low": pl.Float64,
    "sci_kg_per_unit_high": pl.Float64,
}


def sci_for_ai(
    token_rows: pl.DataFrame | None,
    groups: pl.DataFrame,
    config: Config,
    month: str,
    requests: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The Green Software Foundation's SCI for AI per project and functional unit, ``(E x I + M) / R``.

    The specification (github.com/Green-Software-Foundation/sci-ai, SPEC.md sections 6-8) keeps two
    boundaries apart:

    * ``consumer``: Runtime Operations (API and inference, orchestration, storage ...): the project's
      model-API token figures plus its ``inference``-stage usage (services that carry its token rows are
      left out of the latter, so the API rows are not counted twice). Functional units follow commercial
      pricing units: ``token`` for LLMs (R = all input, output and cached tokens), and, with
      ``[ai] requests``, ``[ai] functional_unit`` (e.g. per inference) with R = the requests.
    * ``provider``: Prepare, Data Engineering, Model Training, System Integration, End of Life: the
      project's ``data_processing`` and ``training`` stages. Its functional unit is one of
      :data:`PROVIDER_UNITS` from ``[ai] provider_units``; without it the score is left empty (the
      emissions are still reported).

    ``E x I`` is the operational CO2e (energy x grid intensity), ``M`` the embodied share; bounds add the
    low and high ends. A zero or missing R gives no score rather than infinity.
    """
    frames: list[pl.DataFrame] = []
    token_services = None
    tok = None
    if token_rows is not None and token_rows.height:
        token_services = token_rows.select("project", pl.col("ServiceName")).unique()
        tok = token_rows.group_by("project").agg(
            pl.col("tokens").sum().alias("_tokens"),
            pl.col("energy_kwh").sum().alias("_te"),
            pl.col("co2e_kg").sum().alias("_top"),
            pl.col("co2e_kg_low").sum().alias("_top_low"),
            pl.col("co2e_kg_high").sum().alias("_top_high"),
            pl.col("embodied_co2e_kg").sum().alias("_tm"),
            pl.col("embodied_co2e_kg_low").sum().alias("_tm_low"),
            pl.col("embodied_co2e_kg_high").sum().alias("_tm_high"),
        )
    runtime = _stage_figures(groups, ["inference"], token_services)
    if tok is not None:
        runtime = tok.join(runtime, on="project", how="full", coalesce=True)
    else:
        runtime = runtime.with_columns(
            *(
                pl.lit(0.0).alias(c)
                for c in ("_tokens", "_te", "_top", "_top_low", "_top_high", "_tm", "_tm_low", "_tm_high")
            )
        )
    runtime = runtime.with_columns(pl.all().exclude("project").fill_null(0.0))
    consumer = runtime.select(
        "project",
        (pl.col("_te") + pl.col("_e")).alias("energy_kwh"),
        (pl.col("_top") + pl.col("_op")).alias("operational_kg"),
        (pl.col("_top_low") + pl.col("_op_low")).alias("operational_kg_low"),
        (pl.col("_top_high") + pl.col("_op_high")).alias("operational_kg_high"),
        (pl.col("_tm") + pl.col("_m")).alias("embodied_kg"),
        (pl.col("_tm_low") + pl.col("_m_low")).alias("embodied_kg_low"),
        (pl.col("_tm_high") + pl.col("_m_high")).alias("embodied_kg_high"),
        pl.col("_tokens"),
    )
    if tok is not None:
        frames.append(
            consumer.filter(pl.col("_tokens") > 0).with_columns(
                pl.lit("consumer").alias("boundary"),
                pl.lit("token").alias("functional_unit"),
                pl.col("_tokens").alias("units"),
            )
        )
    if requests is not None and requests.height:
        frames.append(
            requests.join(consumer, on="project", how="left").with_columns(
                pl.lit("consumer").alias("boundary"),
                pl.lit(config.ai.functional_unit).alias("functional_unit"),
                pl.col("requests").alias("units"),
            )
        )
    provider = _stage_figures(groups, ["data_processing", "training"], None).select(
        "project",
        pl.col("_e").alias("energy_kwh"),
        pl.col("_op").alias("operational_kg"),
        pl.col("_op_low").alias("operational_kg_low"),
        pl.col("_op_high").alias("operational_kg_high"),
        pl.col("_m").alias("embodied_kg"),
        pl.col("_m_low").alias("embodied_kg_low"),
        pl.col("_m_high").alias("embodied_kg_high"),
    )
    if config.ai.provider_units:
        units = read_provider_units(config.ai.provider_units, month).with_columns(
            pl.col("unit").replace_strict(PROVIDER_UNITS).alias("functional_unit")
        )
        provider = provider.join(units, on="project", how="full", coalesce=True)
    else:
        provider = provider.with_columns(
            pl.lit(None, pl.Float64).alias("units"), pl.lit(None, pl.String).alias("functional_unit")
        )
    frames.append(provider.with_columns(pl.lit("provider").alias("boundary")))
    sci = [
        pl.when(pl.col("units") > 0)
        .then((pl.col(f"operational_kg{s}") + pl.col(f"embodied_kg{s}")) / pl.col("units"))
        .otherwise(None)
        .alias(f"sci_kg_per_unit{s}")
        for s in ("", "_low", "_high")
    ]
    cols = [c for c in _SCI_SCHEMA if not c.startswith("sci_")]
    parts = [
        f.with_columns(*(pl.col(c).cast(_SCI_SCHEMA[c]) for c in cols if c in f.columns)).select(
            *(pl.col(c) if c in f.columns else pl.lit(None, _SCI_SCHEMA[c]).alias(c) for c in cols)
        )
        for f in frames
    ]
    out = (
        pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema={c: _SCI_SCHEMA[c] for c in cols})
    )
    return out.with_columns(*sci).sort("boundary", "project", "functional_unit", nulls_last=True)


def token_metrics(
    candidates: pl.DataFrame | None,
    groups: pl.DataFrame,
    factors: FactorSet,
    config: Config,
    month: str,
    requests: pl.DataFrame | None = None,
) -> dict[str, pl.DataFrame]:
    """The token lens of :attr:`EstimateResult.ai <cloudcarbon.results.EstimateResult.ai>`.

    * ``tokens``: per provider, project and model (as billed): model class and whether its parameters
      are published or estimated, input / output / cached input tokens, energy and CO2e with bounds,
      embodied CO2e with bounds, and ``kgco2e_per_mtok`` (operational + embodied per million tokens of
      any direction) with bounds. Only with a factor set that has the token tables and when the month
      has token rows.
    * ``tokens_unrecognised``: token rows whose billed unit is unknown (not estimated).
    * ``sci``: :func:`sci_for_ai`.
    """
    out: dict[str, pl.DataFrame] = {}
    rows = None
    if candidates is not None and candidates.height and has_token_tables(factors):
        recognised, unknown = recognise_tokens(candidates, factors)
        if recognised.height:
            rows = token_figures(recognised, factors, config, int(month[:4]))
            out["tokens"] = _tokens_frame(rows)
        if unknown.height:
            out["tokens_unrecognised"] = unknown
    sci = sci_for_ai(rows, groups, config, month, requests)
    if sci.height:
        out["sci"] = sci
    return out
