"""``--method ccf``: Cloud Carbon Footprint's published estimation, its documented defects included.

Users migrating from Cloud Carbon Footprint (CCF) reconcile their old figures with this method; the
default method (:mod:`cloudcarbon.methods.default`) corrects the defects listed in docs/method.md
section 4. Every rule below reproduces CCF application code at commit
``b7a049c7d25c0022919ab9010199dd9e77aa4577`` of ``cloud-carbon-footprint/cloud-carbon-footprint``
(cited per block as ``CCF:<path>``), with CCF's own coefficients from the factor set's ``ccf_*.csv``
tables (``scripts/factors_ccf.py``). Nothing here reads
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
the shared fallback with
CCF's own ratios (:mod:`cloudcarbon.methods.ccf.unknown`).

The package follows CCF's own layout: :mod:`.tables` (CCF's coefficient tables), :mod:`.aws`,
:mod:`.gcp`, :mod:`.azure` (per-provider classification and activity), :mod:`.core` (the shared
estimate) and :mod:`.unknown` (unknown-usage ratios).
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import polars as pl

from cloudcarbon.config import Config
from cloudcarbon.factors import FactorSet
from cloudcarbon.methods.base import FallbackRatios, ToLazy
from cloudcarbon.methods.ccf import unknown
from cloudcarbon.methods.ccf.core import estimate_rows
from cloudcarbon.methods.ccf.tables import Tables
from cloudcarbon.methods.rows import complete

__all__ = ["CCF_COMMIT", "CcfMethod", "Tables"]

CCF_COMMIT = "b7a049c7d25c0022919ab9010199dd9e77aa4577"


class CcfMethod:
    """Cloud Carbon Footprint's estimation (``--method ccf``); see the package docstring."""

    NAME = "ccf"
    #: raw usage unit (CCF's unknown-usage ratios are per service and usage unit) and whether the row's
    #: kWh feeds those ratios (CCF's accumulateKilowattHours is only called on some branches)
    EXTRA_KEYS: tuple[str, ...] = ("ccf_unit", "ccf_accumulate", "ccf_defect", "g_co2e_per_kwh")
    EXTRA_SUMS: tuple[str, ...] = ("ccf_usage_amount", "ccf_embodied_kwh")

    def rows(
        self, classified: nw.LazyFrame[Any], factors: FactorSet, config: Config, *, year: int, to_lazy: ToLazy
    ) -> nw.LazyFrame[Any]:
        rows = estimate_rows(classified, Tables(factors), to_lazy).drop("provider")
        return complete(rows, fallback_basis=unknown.fallback_basis(), fallback_key=unknown.fallback_key())

    def fallback_ratios(self, groups: pl.DataFrame, factors: FactorSet) -> FallbackRatios:
        return unknown.fallback_ratios(groups)

    def assumptions(self, factors: FactorSet, config: Config) -> dict[str, Any]:
        tab = Tables(factors)
        return {
            "ccf_commit": CCF_COMMIT,
            # CCF fixes utilisation per provider (AVG_CPU_UTILIZATION_2020); configuration does not apply
            "cpu_utilisation": {
                p: tab.const(p, "AVG_CPU_UTILIZATION_2020") / 100.0 for p in ("aws", "gcp", "azure")
            },
            "cpu_utilisation_band": None,
            "accelerator_utilisation": "as CPU (CCF)",
            "fallback_basis": unknown.BASIS,
            "fallback_band": [1.0, 1.0],
        }
