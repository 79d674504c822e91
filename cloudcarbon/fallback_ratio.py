"""The cost-ratio fallback's ratio, bounded by a reference, and the share of cost resting on it.

A billing row the model cannot estimate gets energy from the cost of the row times a ratio of kWh per
unit of currency. The ratio is observed on the rows that *are* modelled: their modelled energy divided
by their **effective** (amortised) cost, ``EffectiveCost``. Billed cost is not used: usage covered by a
commitment is billed at (nearly) 0, its cost sits in the commitment purchase or fee, so a ratio on billed
cost explodes (on one AWS FOCUS month it came to 431 kWh per USD).

The observed ratio is then bounded by the factor set's ``fallback_reference_ratios.csv`` (kWh per
currency unit per provider, currency and service class, with a low/high band; see
``scripts/factors_fallback.py`` for how each row is derived): a ratio outside the band is clamped into
it, and a group with nothing modelled takes the reference ratio instead of 0 (on an Azure FOCUS month
with nothing modelled the old ratio was 0, and 29,000 USD of fallback spend got 0 kWh).

Everything here is pure (polars in, polars out); the pipeline's fallback calls it.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

__all__ = [
    "FALLBACK_SHARE_THRESHOLD",
    "RATIO_BASES",
    "SERVICE_CLASSES",
    "fallback_ratios",
    "fallback_shares",
    "service_class",
]

#: Service classes of the reference table; ``*`` is every other service.
SERVICE_CLASSES = ("compute", "storage", "*")

#: ``ratio_basis`` values: the observed ratio inside the band; the observed ratio clamped into the band;
#: the reference ratio (nothing modelled); the observed ratio with no reference row for the currency;
#: no ratio at all (nothing modelled and no reference row: 0 kWh, which the caller must flag).
RATIO_BASES = ("observed", "clamped", "reference", "unbounded", "none")

#: Above this share of the usage cost (effective cost of estimated + fallback rows, per currency) resting
#: on the fallback, every output must say that most of the cost is on the fallback (an error in strict
#: mode): the figures then depend more on the reference ratio than on the model.
FALLBACK_SHARE_THRESHOLD = 0.5

_STORAGE = (
    r"(?i)storage|(?:amazon|\b)(?:s3|ebs|efs|fsx)\b|\bblob|\bdisks?\b|volume|snapshot|glacier|\bfiles?\b|"
    r"backup|archive"
)
_COMPUTE = (
    r"(?i)compute|(?:amazon|\b)(?:ec2|ecs|eks)\b|virtual machine|\bvms?\b|instance|kubernetes|container|"
    r"\baks\b|\bgke\b|fargate|lambda|functions?\b|app service|batch|sagemaker|machine learning"
)


def service_class(
    service: str = "ServiceName", family: str = "product_family", usage_type: str = "usage_type"
) -> pl.Expr:
    """``compute`` / ``storage`` / ``*`` of a canonical usage row, from its service, family and usage type.

    The usage type is read first for storage (``EBS:VolumeUsage.gp3`` is billed under EC2), then the
    service and family text: storage words (storage, S3, blob, disk, EBS, volume, snapshot, ...), then
    compute words (compute, EC2, virtual machine, instance, Kubernetes, container, Lambda, functions,
    ...); everything else is ``*``. The same expression must classify the estimated rows and the fallback
    rows, so that a group's ratio comes from rows of the same class.
    """
    ut = pl.col(usage_type).fill_null("")
    text = pl.concat_str([pl.col(service).fill_null(""), pl.col(family).fill_null("")], separator=" ")
    return (
        pl.when(ut.str.contains(r"(?i)\bEBS:|VolumeUsage|SnapshotUsage|TimedStorage"))
        .then(pl.lit("storage"))
        .when(text.str.contains(_STORAGE))
        .then(pl.lit("storage"))
        .when(text.str.contains(_COMPUTE))
        .then(pl.lit("compute"))
        .otherwise(pl.lit("*"))
    )


def _reference_lookup(reference: pl.DataFrame) -> Mapping[tuple[str, str, str], tuple[float, float, float]]:
    return {
        (str(r["provider"]), str(r["currency"]).upper(), str(r["service_class"])): (
            float(r["kwh_per_cost"]),
            float(r["kwh_per_cost_low"]),
            float(r["kwh_per_cost_high"]),
        )
        for r in reference.iter_rows(named=True)
    }


def fallback_ratios(estimated: pl.DataFrame, reference: pl.DataFrame) -> pl.DataFrame:
    """The kWh per currency unit for the fallback rows of each group, bounded by the reference.

    Parameters
    ----------
    estimated
        One row per group that has fallback rows: ``ProviderName``, ``BillingCurrency``,
        ``service_class`` (see :func:`service_class`), ``energy_kwh`` = the modelled energy of the
        group's *estimated* rows (central figure, PUE included) and ``effective_cost`` = the sum of their
        ``EffectiveCost`` (0 for both when nothing of the group is modelled).
    reference
        The factor set's ``fallback_reference_ratios`` table: ``provider``, ``currency``,
        ``service_class``, ``kwh_per_cost``, ``kwh_per_cost_low``, ``kwh_per_cost_high``.

    Returns
    -------
    pl.DataFrame
        The key columns, then ``observed_kwh_per_cost`` (energy / effective cost; null when the
        effective cost or the energy is not positive, i.e. nothing usable is modelled),
        ``kwh_per_cost`` (the ratio to use), ``reference_kwh_per_cost``, ``reference_low``,
        ``reference_high`` (the band used; null without a reference row) and ``ratio_basis``:

        * ``observed``: the observed ratio lies in [low, high] and is used as is;
        * ``clamped``: the observed ratio lay outside and was set to the nearer bound;
        * ``reference``: nothing modelled, the reference ratio is used;
        * ``unbounded``: no reference row (e.g. a currency the table lacks), the observed ratio is used;
        * ``none``: nothing modelled and no reference row: ratio 0 (the caller must flag it).

    The reference row is the first present of (provider, currency, class), (provider, currency, ``*``),
    (``*``, currency, class), (``*``, currency, ``*``); currencies compare upper-cased. A fallback row's
    energy is then ``max(EffectiveCost, 0) x kwh_per_cost``.
    """
    ref = _reference_lookup(reference)
    out: list[dict[str, object]] = []
    for r in estimated.iter_rows(named=True):
        provider = str(r["ProviderName"])
        currency = str(r["BillingCurrency"] or "").upper()
        cls = str(r["service_class"])
        energy = float(r["energy_kwh"] or 0.0)
        cost = float(r["effective_cost"] or 0.0)
        observed = energy / cost if cost > 0 and energy > 0 else None
        band = next(
            (
                ref[k]
                for k in (
                    (provider, currency, cls),
                    (provider, currency, "*"),
                    ("*", currency, cls),
                    ("*", currency, "*"),
                )
                if k in ref
            ),
            None,
        )
        if band is None:
            ratio, basis = (observed, "unbounded") if observed is not None else (0.0, "none")
            central = low = high = None
        else:
            central, low, high = band
            if observed is None:
                ratio, basis = central, "reference"
            elif observed < low:
                ratio, basis = low, "clamped"
            elif observed > high:
                ratio, basis = high, "clamped"
            else:
                ratio, basis = observed, "observed"
        out.append(
            {
                "ProviderName": r["ProviderName"],
                "BillingCurrency": r["BillingCurrency"],
                "service_class": cls,
                "observed_kwh_per_cost": observed,
                "kwh_per_cost": ratio,
                "reference_kwh_per_cost": central,
                "reference_low": low,
                "reference_high": high,
                "ratio_basis": basis,
            }
        )
    schema = {
        "ProviderName": pl.String(),
        "BillingCurrency": pl.String(),
        "service_class": pl.String(),
        "observed_kwh_per_cost": pl.Float64(),
        "kwh_per_cost": pl.Float64(),
        "reference_kwh_per_cost": pl.Float64(),
        "reference_low": pl.Float64(),
        "reference_high": pl.Float64(),
        "ratio_basis": pl.String(),
    }
    return pl.DataFrame(out, schema=schema)


def fallback_shares(costs: pl.DataFrame, threshold: float = FALLBACK_SHARE_THRESHOLD) -> pl.DataFrame:
    """Per currency, the share of the usage cost that rests on the fallback, and whether it is most.

    ``costs`` has ``BillingCurrency``, ``estimated_cost`` and ``fallback_cost``: the ``EffectiveCost``
    sums of the usage rows by fate (excluded rows do not count). Each sum is taken as at least 0 (net
    credits do not make a share). Returns ``BillingCurrency``, ``fallback_share`` =
    fallback / (estimated + fallback) (0 when both are 0) and ``mostly_fallback`` = share > ``threshold``.
    """
    est = pl.col("estimated_cost").cast(pl.Float64).fill_null(0.0).clip(lower_bound=0.0)
    fb = pl.col("fallback_cost").cast(pl.Float64).fill_null(0.0).clip(lower_bound=0.0)
    total = est + fb
    share = pl.when(total > 0).then(fb / total).otherwise(0.0)
    return costs.select(
        pl.col("BillingCurrency"),
        share.alias("fallback_share"),
        (share > threshold).alias("mostly_fallback"),
    )
