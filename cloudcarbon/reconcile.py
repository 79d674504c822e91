"""cloudcarbon's estimate beside the providers' own carbon figures, and calibration to them.

:func:`reconcile` sets a month's estimate (:class:`~cloudcarbon.results.EstimateResult` computed with
``provider_footprint``, which keeps the account as a key of its groups) beside the providers'
published figures (:class:`~cloudcarbon.footprint.read.ProviderFootprint`) per provider x account x
region x service: our operational and embodied kgCO2e, the provider's location- and market-based
totals and scope split, the ratio ours / provider's location-based total, and why the two differ
(:data:`REASONS`).

:func:`calibrate` scales the estimate's CO2e figures (operational and embodied, central value, bounds
and band widths; energy is not touched) so that, on every key both sides have, our total equals the
provider's location-based total, with one factor per key: the split of that key over projects, tags,
stages and instances stays ours. Keys only one side has keep our figure (or have none) and are
reported. Docs: docs/method.md, "Reconciliation and calibration".

Matching: ``ProviderName``, ``SubAccountId``, ``RegionId`` and ``ServiceName`` of our rows against the
footprint's ``provider``, ``account_id``, ``region`` and ``service``:

* AWS: ``product_code`` is the CUR's ``lineItem/ProductCode`` (our ``ServiceName``), compared as is.
* Google Cloud: ``service.description`` is the billing export's ``service.description``, as is.
* Azure: the report's ``resourceType`` (``microsoft.compute/virtualmachines``) names no meter category
  (our ``ServiceName``), so Azure is compared per subscription x region, all services together
  (``service`` = ``(all services)``); subscription ids and regions compared in lower case.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.footprint.read import ProviderFootprint
from cloudcarbon.results import EstimateResult, InputFile, totals_of
from cloudcarbon.schema import BAND_SOURCES, FIGURES

__all__ = [
    "CALIBRATION_TARGETS",
    "REASONS",
    "RECONCILE_LINE",
    "FootprintMonthNotFound",
    "Reconciliation",
    "calibrate",
    "calibration_factors",
    "calibration_summary",
    "factors_by_row_key",
    "reconcile",
    "reconcile_sources",
    "recorded",
    "with_reconciliation",
]

#: ``--calibrate`` values.
CALIBRATION_TARGETS = ("provider",)
#: What Azure's service column is compared as (its resource types name no meter category).
ALL_SERVICES = "(all services)"
#: Providers compared per account x region only (see the module docstring).
_REGION_GRAIN = ("azure",)
_LOWER_KEYS = ("azure",)

#: Why our figure and a provider's differ: code -> the documented reason (docs/method.md).
REASONS: dict[str, str] = {
    "aws_scope3": (
        "AWS model v3 and later: the totals are scope 1 + 2 + 3, scope 3 covering IT hardware amortised "
        "over 6 years, buildings and equipment over 50 years, and upstream fuel and energy (FERA); "
        "cloudcarbon counts hardware embodied emissions over its own lifespan and no buildings or FERA"
    ),
    "aws_scope12": (
        "AWS model before v3: the totals are scope 1 + 2 only, with no embodied emissions; compare them "
        "with cloudcarbon's operational figure (co2e_kg), not with the total"
    ),
    "gcp_hourly": (
        "Google's location-based scope 2 matches each hour's grid intensity; cloudcarbon uses the "
        "region grid's annual average"
    ),
    "gcp_scope13": (
        "Google's scope 1 and scope 3 are its corporate emissions allocated to products (including "
        "hardware and buildings); cloudcarbon counts hardware embodied emissions over the hardware's life"
    ),
    "azure_scopes": (
        "Azure's figure is the sum of the scopes the report asked for, allocated to resources by usage; "
        "it does not state whether its scope 2 is location- or market-based; compared per subscription "
        "and region, all services together"
    ),
    "market_ppa": (
        "the providers' market-based figures embed their renewable energy purchases (PPAs, certificates); "
        "cloudcarbon's figure is location-based and is compared with the provider's location-based total"
    ),
    "method": (
        "cloudcarbon estimates energy from billed usage (utilisation assumed, PUE per provider/region); "
        "the providers allocate metered data-centre energy"
    ),
    "provider_only": (
        "the provider publishes a figure where this estimate has none: a service cloudcarbon excludes or "
        "does not model, usage under another account or region, or a month the bills do not cover"
    ),
    "ours_only": (
        "this estimate has emissions where the provider publishes none: the provider rounds small figures "
        "away, or its export does not cover this account, region or service"
    ),
}

#: Columns of :attr:`Reconciliation.lines`.
RECONCILE_LINE: dict[str, pl.DataType] = {
    "provider": pl.String(),
    "account_id": pl.String(),
    "region": pl.String(),
    "service": pl.String(),
    "match": pl.String(),
    "our_co2e_kg": pl.Float64(),
    "our_embodied_kg": pl.Float64(),
    "our_total_kg": pl.Float64(),
    "provider_location_kg": pl.Float64(),
    "provider_market_kg": pl.Float64(),
    "provider_scope1_kg": pl.Float64(),
    "provider_scope2_location_kg": pl.Float64(),
    "provider_scope3_kg": pl.Float64(),
    "model_version": pl.String(),
    "ratio": pl.Float64(),
    "reasons": pl.String(),
}
_KEY = ("provider", "account_id", "region", "service")


class FootprintMonthNotFound(CloudCarbonError):
    """The provider footprint holds no figures for the month asked for (exit code 3, as for bills)."""

    exit_code = 3

    def __init__(self, month: str, available: Sequence[str]) -> None:
        have = ", ".join(available) if available else "none"
        yearly = any(len(p) == 4 for p in available)
        super().__init__(
            f"the provider footprint files hold no figures for {month} (periods present: {have}); "
            + (
                "a yearly download (AWS CCFT by year) cannot be set beside a month: download it by month"
                if yearly
                else "pass the export of that month, or a month they cover"
            )
        )


@dataclass(frozen=True)
class Reconciliation:
    """A month's estimate beside the providers' figures.

    Attributes
    ----------
    month
        ``YYYY-MM``.
    lines
        One row per provider x account x region x service (:data:`RECONCILE_LINE`): ``match`` is
        ``matched``, ``provider_only`` or ``ours_only``; ``ratio`` = ``our_total_kg`` /
        ``provider_location_kg`` (null where the provider's figure is zero or missing); ``reasons``
        lists the codes of :data:`REASONS` that apply, comma-separated.
    totals
        Per provider and match: the same figures summed, and the ratio of the sums.
    reasons
        The texts of the codes used in ``lines``.
    ignored
        Provider rows left out while reading (other model versions, repeated deliveries), with why.
    files
        The footprint files read.
    providers_without_footprint
        Providers of the estimate that no footprint file covers (not compared).
    """

    month: str
    lines: pl.DataFrame
    totals: pl.DataFrame
    reasons: Mapping[str, str]
    ignored: pl.DataFrame
    files: tuple[str, ...] = ()
    providers_without_footprint: tuple[str, ...] = ()


def _key_exprs(provider: str, account: str, region: str, service: str) -> list[pl.Expr]:
    lower = pl.col(provider).is_in(list(_LOWER_KEYS))
    return [
        pl.col(provider).alias("provider"),
        pl.when(lower)
        .then(pl.col(account).str.to_lowercase())
        .otherwise(pl.col(account))
        .alias("account_id"),
        pl.when(lower).then(pl.col(region).str.to_lowercase()).otherwise(pl.col(region)).alias("region"),
        pl.when(pl.col(provider).is_in(list(_REGION_GRAIN)))
        .then(pl.lit(ALL_SERVICES))
        .otherwise(pl.col(service))
        .alias("service"),
    ]


def _sum_or_null(name: str, alias: str) -> pl.Expr:
    return pl.when(pl.col(name).is_null().all()).then(None).otherwise(pl.col(name).sum()).alias(alias)


def _ours(result: EstimateResult) -> pl.DataFrame:
    if "SubAccountId" not in result.groups.columns:
        raise CloudCarbonError(
            "the estimate was not computed per account: estimate with provider_footprint=[...] "
            "(reconcile and --calibrate provider do so) to compare it with a provider's figures"
        )
    g = result.groups.filter(pl.col("billing_month") == result.month)
    return (
        g.select(
            *_key_exprs("ProviderName", "SubAccountId", "RegionId", "ServiceName"),
            "co2e_kg",
            "embodied_co2e_kg",
        )
        .group_by(*_KEY)
        .agg(
            pl.col("co2e_kg").sum().alias("our_co2e_kg"),
            pl.col("embodied_co2e_kg").sum().alias("our_embodied_kg"),
        )
        .with_columns((pl.col("our_co2e_kg") + pl.col("our_embodied_kg")).alias("our_total_kg"))
    )


def _theirs(footprint: ProviderFootprint, month: str) -> pl.DataFrame:
    t = footprint.table.filter(pl.col("billing_period") == month)
    if t.is_empty():
        raise FootprintMonthNotFound(month, footprint.months())
    return (
        t.select(
            *_key_exprs("provider", "account_id", "region", "service"),
            "location_kgco2e",
            "market_kgco2e",
            "scope1_kgco2e",
            "scope2_location_kgco2e",
            "scope3_kgco2e",
            "model_version",
        )
        .group_by(*_KEY)
        .agg(
            _sum_or_null("location_kgco2e", "provider_location_kg"),
            _sum_or_null("market_kgco2e", "provider_market_kg"),
            _sum_or_null("scope1_kgco2e", "provider_scope1_kg"),
            _sum_or_null("scope2_location_kgco2e", "provider_scope2_location_kg"),
            _sum_or_null("scope3_kgco2e", "provider_scope3_kg"),
            pl.col("model_version").drop_nulls().unique().sort().str.join(", ").alias("model_version"),
            pl.len().alias("_provider_rows"),
        )
    )


def _version_major(version: str | None) -> int | None:
    digits = "".join(c if c.isdigit() else " " for c in version or "").split()
    return int(digits[0]) if digits else None


def _reasons(row: Mapping[str, Any]) -> str:
    codes = []
    if row["match"] != "matched":
        codes.append(row["match"])
    provider = row["provider"]
    if provider == "aws" and row["match"] != "ours_only":
        major = _version_major(row["model_version"])
        codes.append("aws_scope12" if major is not None and major < 3 else "aws_scope3")
    elif provider == "gcp" and row["match"] != "ours_only":
        codes.extend(["gcp_hourly", "gcp_scope13"])
    elif provider == "azure":
        codes.append("azure_scopes")
    if row["match"] == "matched":
        codes.extend(["market_ppa", "method"])
    return ", ".join(codes)


def reconcile(result: EstimateResult, footprint: ProviderFootprint) -> Reconciliation:
    """Set an estimate beside the providers' figures of its month.

    Parameters
    ----------
    result
        An estimate computed with ``provider_footprint`` (its groups keep the account).
    footprint
        The providers' figures, from :func:`cloudcarbon.footprint.read_footprints`.

    Raises
    ------
    FootprintMonthNotFound
        The footprint holds nothing for ``result.month``.
    CloudCarbonError
        The estimate was not computed per account.
    """
    ours = _ours(result)
    theirs = _theirs(footprint, result.month)
    covered = sorted(set(theirs["provider"].to_list()))
    uncovered = tuple(sorted(set(ours["provider"].to_list()) - set(covered)))
    ours = ours.filter(pl.col("provider").is_in(covered))
    joined = ours.join(theirs, on=list(_KEY), how="full", coalesce=True, nulls_equal=True)
    has_ours = pl.col("our_total_kg").fill_null(0) != 0
    # a provider key counts even when its figure is empty (listed as provider_only, never dropped),
    # but only a key with a figure can match ours
    has_key = pl.col("_provider_rows").is_not_null()
    has_figure = pl.col("provider_location_kg").is_not_null()
    # a key we bill whose rows all came out at 0 kg matches only a provider figure of 0
    ours_match = has_ours | (pl.col("our_total_kg").is_not_null() & (pl.col("provider_location_kg") == 0))
    joined = joined.with_columns(
        pl.when(has_figure & ours_match)
        .then(pl.lit("matched"))
        .when(has_key & ~has_ours)
        .then(pl.lit("provider_only"))
        .otherwise(pl.lit("ours_only"))
        .alias("match"),
        *(pl.col(c).fill_null(0.0) for c in ("our_co2e_kg", "our_embodied_kg", "our_total_kg")),
    )
    # keys with nothing on either side (rows that all came out at 0 kg, and no provider key) say nothing
    joined = joined.filter(~((pl.col("match") == "ours_only") & ~has_ours))
    joined = joined.with_columns(
        pl.when(pl.col("provider_location_kg") > 0)
        .then(pl.col("our_total_kg") / pl.col("provider_location_kg"))
        .otherwise(None)
        .alias("ratio"),
    )
    joined = joined.with_columns(
        pl.Series("reasons", [_reasons(r) for r in joined.iter_rows(named=True)], pl.String())
    )
    lines = (
        joined.select(list(RECONCILE_LINE)).cast(pl.Schema(RECONCILE_LINE)).sort(list(_KEY), nulls_last=True)
    )
    used = sorted({c for text in lines["reasons"].to_list() for c in text.split(", ") if c})
    return Reconciliation(
        month=result.month,
        lines=lines,
        totals=_totals(lines),
        reasons={c: REASONS[c] for c in used},
        ignored=footprint.ignored,
        files=footprint.files,
        providers_without_footprint=uncovered,
    )


def _totals(lines: pl.DataFrame) -> pl.DataFrame:
    figures = [c for c, t in RECONCILE_LINE.items() if t == pl.Float64() and c != "ratio"]
    return (
        lines.group_by("provider", "match")
        .agg(pl.len().alias("keys"), *(pl.col(c).sum() for c in figures))
        .with_columns(
            pl.when(pl.col("provider_location_kg") > 0)
            .then(pl.col("our_total_kg") / pl.col("provider_location_kg"))
            .otherwise(None)
            .alias("ratio")
        )
        .sort("provider", "match")
    )


#: Figures :func:`calibrate` scales: CO2e (central, bounds, embodied) and the band widths, in kg.
SCALED = (*(f for f in FIGURES if not f.startswith("energy")), *(f"band_{b}_kg" for b in BAND_SOURCES))


def calibrate(result: EstimateResult, footprint: ProviderFootprint) -> EstimateResult:
    """The estimate scaled to the providers' location-based totals, key by key (see the module docstring).

    On every matched key, each group's CO2e figures are multiplied by ``provider_location_kg /
    our_total_kg`` of its key, so their sum equals the provider's figure; keys only we have keep our
    figure and are flagged ``not_calibrated``; keys only the provider has are reported in
    ``assumptions["calibration"]``. ``result.reconciliation`` holds the comparison before scaling.

    Raises
    ------
    FootprintMonthNotFound
        The footprint holds nothing for ``result.month``.
    CloudCarbonError
        The estimate was not computed per account.
    """
    from cloudcarbon.pipeline import _lines

    rec = reconcile(result, footprint)
    factors = calibration_factors(rec).rename({"factor": "_factor"})
    groups = result.groups.with_columns(
        *_key_exprs("ProviderName", "SubAccountId", "RegionId", "ServiceName"),
    ).join(factors, on=list(_KEY), how="left", nulls_equal=True)
    groups = groups.with_columns(
        *(pl.col(c) * pl.col("_factor").fill_null(1.0) for c in SCALED if c in groups.columns),
        pl.col("_factor").is_not_null().alias("calibrated"),
    ).drop(*_KEY, "_factor")
    detail = result.detail
    if detail is not None and "SubAccountId" in detail.columns:
        detail = (
            detail.with_columns(*_key_exprs("ProviderName", "SubAccountId", "RegionId", "ServiceName"))
            .join(factors, on=list(_KEY), how="left", nulls_equal=True)
            .with_columns(
                *(pl.col(c) * pl.col("_factor").fill_null(1.0) for c in SCALED if c in detail.columns),
                pl.col("_factor").is_not_null().alias("calibrated"),
            )
            .drop(*_KEY, "_factor")
        )
    lines = _lines(groups, result.group_by)
    keys = [_group_column(k) for k in result.group_by]
    marks = groups.group_by([*keys, "BillingCurrency"]).agg(pl.col("calibrated").any())
    rename = {_group_column(k): k for k in result.group_by}
    lines = lines.join(
        marks.rename({**rename, "BillingCurrency": "currency"}),
        on=[*result.group_by, "currency"],
        how="left",
        nulls_equal=True,
    )
    flags = pl.concat([result.flags, _calibration_flags(groups, result.flags)], how="vertical_relaxed")
    summary = calibration_summary(rec)
    return dataclasses.replace(
        result,
        groups=groups,
        lines=lines,
        totals=totals_of(groups),
        flags=flags,
        detail=detail,
        assumptions={**result.assumptions, "calibration": summary, "reconciliation": recorded(rec)},
        reconciliation=rec,
        inputs=_with_files(result, rec),
    )


def calibration_factors(rec: Reconciliation) -> pl.DataFrame:
    """The per-key calibration factors: ``provider``, ``account_id``, ``region``, ``service`` (the
    matching key, see the module docstring) and ``factor`` = ``provider_location_kg / our_total_kg``, for the
    keys both sides have (and ours is not zero). What :func:`calibrate` multiplies :data:`SCALED` by;
    keys not listed keep our figure."""
    return rec.lines.filter((pl.col("match") == "matched") & (pl.col("our_total_kg") != 0)).select(
        *_KEY, (pl.col("provider_location_kg") / pl.col("our_total_kg")).alias("factor")
    )


def factors_by_row_key(keys: pl.DataFrame, factors: pl.DataFrame) -> pl.DataFrame:
    """``keys`` (distinct ``ProviderName``, ``SubAccountId``, ``RegionId``, ``ServiceName`` of usage
    rows) with the ``factor`` of the matching key of ``factors`` (:func:`calibration_factors`), null where
    the key is not calibrated: the same matching as :func:`calibrate`."""
    return (
        keys.with_columns(*_key_exprs("ProviderName", "SubAccountId", "RegionId", "ServiceName"))
        .join(factors, on=list(_KEY), how="left", nulls_equal=True)
        .drop(*_KEY)
    )


def calibration_summary(rec: Reconciliation) -> dict[str, Any]:
    """What calibrating to ``rec``'s provider figures did, as plain data (``assumptions["calibration"]``)."""
    matched = rec.lines.filter(pl.col("match") == "matched")
    return {
        "to": "provider",
        "figure": "provider location-based total (all scopes the provider publishes)",
        "scaled": list(SCALED),
        "matched_keys": matched.height,
        "provider_kg": float(matched["provider_location_kg"].sum()),
        "ours_before_kg": float(matched["our_total_kg"].sum()),
        "provider_only": rec.lines.filter(pl.col("match") == "provider_only")
        .select(*_KEY, "provider_location_kg")
        .to_dicts(),
        "ours_only": rec.lines.filter(pl.col("match") == "ours_only")
        .select(*_KEY, "our_total_kg")
        .to_dicts(),
        "providers_without_footprint": list(rec.providers_without_footprint),
        "files": list(rec.files),
    }


def _with_files(result: EstimateResult, rec: Reconciliation) -> tuple[InputFile, ...]:
    """The estimate's inputs and the footprint files read (path, size, sha256), each once."""
    have = {i.path for i in result.inputs}
    return (*result.inputs, *(InputFile.of(Path(f)) for f in rec.files if f not in have))


def with_reconciliation(result: EstimateResult, footprint: ProviderFootprint) -> EstimateResult:
    """The estimate, figures unchanged, with its reconciliation attached (``result.reconciliation``) and
    recorded among its assumptions (``reconciliation``), so the ledger and the statement carry it."""
    rec = reconcile(result, footprint)
    return dataclasses.replace(
        result,
        assumptions={**result.assumptions, "reconciliation": recorded(rec)},
        reconciliation=rec,
        inputs=_with_files(result, rec),
    )


def recorded(rec: Reconciliation) -> dict[str, Any]:
    """A reconciliation as plain data (what the ledger records and the statement shows)."""
    cols = ["provider", "account_id", "region", "service", "match", "our_total_kg", "provider_location_kg",
            "provider_market_kg", "model_version", "ratio", "reasons"]  # fmt: skip
    return {
        "month": rec.month,
        "basis": "cloudcarbon operational + embodied kgCO2e beside the provider's location-based total",
        "lines": rec.lines.select(cols).to_dicts(),
        "reasons": dict(rec.reasons),
        "ignored": [
            f"{r['source']} row {r['source_row']}: {r['reason']}" for r in rec.ignored.iter_rows(named=True)
        ],
        "files": list(rec.files),
        "providers_without_footprint": list(rec.providers_without_footprint),
    }


def _group_column(key: str) -> str:
    from cloudcarbon.pipeline import GROUP_COLUMN

    return GROUP_COLUMN[key]


def _calibration_flags(groups: pl.DataFrame, like: pl.DataFrame) -> pl.DataFrame:
    """``calibrated`` / ``not_calibrated`` per provider, fate and currency of the estimated rows."""
    live = groups.filter(pl.col("fate") != "excluded")
    out = (
        live.with_columns(
            pl.when(pl.col("calibrated"))
            .then(pl.lit("calibrated"))
            .otherwise(pl.lit("not_calibrated"))
            .alias("flag"),
            pl.col("ProviderName").alias("subject"),
        )
        .group_by("flag", "subject", "fate", "BillingCurrency")
        .agg(pl.col("rows").sum(), pl.col("cost").sum())
        .rename({"BillingCurrency": "currency"})
    )
    if "grid_year" in like.columns:
        out = out.with_columns(pl.lit(None, like.schema["grid_year"]).alias("grid_year"))
    return out.select(like.columns).sort("flag", "subject", "fate", "currency", nulls_last=True)


def reconcile_sources(
    sources: Sequence[str | Path],
    month: str,
    provider_footprint: Sequence[str | Path],
    **estimate_args: Any,
) -> Reconciliation:
    """Estimate ``month`` from ``sources`` and reconcile it with the footprint files (what
    ``cloudcarbon reconcile`` does); ``estimate_args`` go to :func:`cloudcarbon.estimate`."""
    from cloudcarbon.pipeline import estimate

    result = estimate(sources, month, provider_footprint=provider_footprint, **estimate_args)
    assert isinstance(result.reconciliation, Reconciliation)
    return result.reconciliation
