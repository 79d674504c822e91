"""The one fallback (ratio) estimate, shared by every method, by the lines and by ``--detail``.

Rule (docs/method.md): a fallback row's energy is ``fallback_basis x ratio``, where the method supplies the
per-row basis (computed in the per-row query, before any aggregation) and a ratio per ``fallback_key``.
The same expression runs on the aggregated groups (where the basis columns are sums over rows) and on
the per-row detail, and it is linear in the basis, so detail rows add up to the lines exactly.

* ``energy_kwh = fallback_basis x ratio`` with bounds ``x low`` and ``x high``;
* ``co2e_kg = fallback_basis_x_g x ratio / 1000`` (the basis times the row's grid factor, summed), with
  the same bounds; the band width ``co2e x (high - low)`` is the ``fallback`` band source.

The default method's basis is the row's billed cost clipped at 0 (a credit-like negative usage row adds
no energy, and does not cancel another row's); see :func:`cloudcarbon.methods.default.fallback`.
"""

from __future__ import annotations

from typing import Any, TypeVar

import narwhals as nw

from cloudcarbon.methods.base import FallbackRatios, ToLazy

__all__ = ["FALLBACK_FILLED", "apply_fallback"]

#: Columns :func:`apply_fallback` writes for fallback rows.
FALLBACK_FILLED = (
    "energy_kwh",
    "energy_kwh_low",
    "energy_kwh_high",
    "co2e_kg",
    "co2e_kg_low",
    "co2e_kg_high",
    "band_fallback_kg",
)

F = TypeVar("F", nw.DataFrame[Any], nw.LazyFrame[Any])


def apply_fallback(frame: F, ratios: FallbackRatios, to_frame: ToLazy | None = None) -> F:
    """Fill the figures of ``fate == "fallback"`` rows of ``frame`` from ``ratios``.

    ``frame`` is either the aggregated groups (an eager narwhals frame) or the per-row estimate (a lazy
    frame of the engine; pass the engine's ``to_lazy`` as ``to_frame``).
    """
    table = ratios.table()
    other: Any = to_frame(table) if to_frame is not None else nw.from_native(table, eager_only=True)
    joined = frame.join(other, on="fallback_key", how="left")
    fb = nw.col("fate") == "fallback"
    ratio = nw.col("_fallback_ratio").fill_null(0.0)
    energy = nw.col("fallback_basis") * ratio
    co2e = nw.col("fallback_basis_x_g") * ratio / 1000.0
    lo, hi = ratios.low, ratios.high
    values = {
        "energy_kwh": energy,
        "energy_kwh_low": energy * lo,
        "energy_kwh_high": energy * hi,
        "co2e_kg": co2e,
        "co2e_kg_low": co2e * lo,
        "co2e_kg_high": co2e * hi,
        "band_fallback_kg": co2e * (hi - lo),
    }
    out = joined.with_columns(
        *[nw.when(fb).then(v).otherwise(nw.col(c)).alias(c) for c, v in values.items()]
    ).drop("_fallback_ratio")
    return out
