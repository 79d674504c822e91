"""Exports for other tools: LCA activity data and an anonymised benchmark of intensity metrics.

* :func:`lca_activity`: the month's activity data as an LCA practitioner imports it (electricity kWh per
  grid zone and year, hardware-hours per component with the embodied factor used, storage TB-months,
  network GB), with units, sources and a database process hint per row (``docs/lca-mapping.md``).
* :func:`benchmark`: intensity metrics (kgCO2e per vCPU-hour, per accelerator-hour, per TB-month; PUE and
  grid factor used) with no account, project, tag or resource identifier, and every group of fewer than
  ``k`` billing rows suppressed, so organisations can pool baselines.

Both read an :class:`~cloudcarbon.results.EstimateResult` whose ``groups`` keep the factors used as keys:
make it with :func:`estimate_for_export` (or ``estimate(..., keys=EXPORT_KEYS)``).
:func:`write_csv` writes either frame with user text escaped (:mod:`cloudcarbon._escape`), atomically.
"""

from __future__ import annotations

from cloudcarbon.exports._common import EXPORT_KEYS, estimate_for_export, write_csv
from cloudcarbon.exports.benchmark import BENCHMARK_COLUMNS, benchmark, benchmark_groups
from cloudcarbon.exports.lca import LCA_COLUMNS, lca_activity, lca_geographies, lca_processes

__all__ = [
    "BENCHMARK_COLUMNS",
    "EXPORT_KEYS",
    "LCA_COLUMNS",
    "benchmark",
    "benchmark_groups",
    "estimate_for_export",
    "lca_activity",
    "lca_geographies",
    "lca_processes",
    "write_csv",
]
