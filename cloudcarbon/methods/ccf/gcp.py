"""CCF's GCP rules: classification by SKU description and unit (the query keeps only some units)."""

from __future__ import annotations

from collections.abc import Callable

import narwhals as nw

from cloudcarbon.methods.ccf.common import contains_any, is_in

Lists = Callable[[str, str], list[str]]

__all__ = ["kind"]


def kind(ut: nw.Expr, svc: nw.Expr, unit: nw.Expr, L: Lists) -> nw.Expr:
    """CCF's branch for a GCP usage row."""
    # GCP: CCF:packages/gcp/src/lib/BillingExportTable.ts getFootprintEstimateFromUsageRow,
    # getEstimateByUsageUnit; the query keeps only units byte-seconds, seconds, bytes, requests
    g_compute = contains_any(ut, L("gcp", "COMPUTE_STRING_FORMATS"))
    gcp_unknown = (
        contains_any(ut, L("gcp", "UNKNOWN_USAGE_TYPES"))
        | contains_any(svc, L("gcp", "UNKNOWN_SERVICE_TYPES"))
        | contains_any(unit, L("gcp", "UNKNOWN_USAGE_UNITS"))
        | (ut == "")
    )
    # BillingExportRow.ts: rows of SERVICES_TO_OVERRIDE_USAGE_UNIT_AS_UNKNOWN that the query kept carry
    # the unit 'Unknown' (set in core._fields)
    overridden = (unit == "Unknown") & contains_any(
        svc, L("gcp", "SERVICES_TO_OVERRIDE_USAGE_UNIT_AS_UNKNOWN")
    )
    gcp_kind = (
        nw.when(~is_in(unit, L("gcp", "query usage.unit filter")) & ~overridden)
        .then(nw.lit("x:not_queried"))
        .when(contains_any(ut, L("gcp", "UNSUPPORTED_USAGE_TYPES")))
        .then(nw.lit("x:unsupported"))
        .when(gcp_unknown)
        .then(nw.lit("unknown"))
        .when((unit == "seconds") & g_compute & ut.str.contains("GPU", literal=True))
        .then(nw.lit("gpu"))
        .when((unit == "seconds") & g_compute)
        .then(nw.lit("compute"))
        .when(unit == "seconds")
        .then(nw.lit("unknown"))
        .when((unit == "byte-seconds") & contains_any(ut, L("gcp", "MEMORY_USAGE_TYPES")) & ~g_compute)
        .then(nw.lit("memory"))
        .when((unit == "byte-seconds") & ut.str.contains("SSD", literal=True))
        .then(nw.lit("storage_ssd"))
        .when(unit == "byte-seconds")
        .then(nw.lit("storage_hdd"))
        .when((unit == "bytes") & contains_any(ut, L("gcp", "NETWORKING_STRING_FORMATS")))
        .then(nw.lit("network"))
        .otherwise(nw.lit("unknown"))
    )
    return gcp_kind
