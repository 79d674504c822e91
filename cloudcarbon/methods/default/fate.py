"""Each row's fate: estimated by the model, fallback (estimated by the shared cost ratio), or excluded."""

from __future__ import annotations

from typing import Any

import narwhals as nw

from cloudcarbon.methods.default.factors import KNOWN, acc_count, described, hinted

__all__ = ["decide_fate"]


def decide_fate(rows: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """Add ``fate`` and ``status_note`` (why a row falls back) from the resolved factors."""
    cls = nw.col("usage_class")
    is_compute = cls == "compute"
    # a row with no unit at all is taken to be in the rule's unit; a unit we do not know is not
    unit_ok = (
        (nw.col("quantity_unit") == "any")
        | nw.col("ConsumedUnit").is_null()
        # an unknown unit has no unit_norm: NULL == x is NULL, which must count as a mismatch
        | (nw.col("unit_norm") == nw.col("quantity_unit")).fill_null(False)
    )
    needs_acc = (cls == "accelerator") | (is_compute & (acc_count() > 0))
    acc_unknown = needs_acc & nw.col("accelerator_tdp_w").is_null()
    excluded = cls == "excluded"
    return rows.with_columns(
        nw.when(excluded)
        .then(nw.lit("excluded"))
        .when(cls == "unmodelled")
        .then(nw.lit("fallback"))
        .when(~unit_ok)
        .then(nw.lit("fallback"))
        .when(is_compute & ~KNOWN & ~hinted())
        .then(nw.lit("fallback"))
        .when(acc_unknown)
        .then(nw.lit("fallback"))
        .otherwise(nw.lit("estimated"))
        .alias("fate"),
        nw.when(excluded)
        .then(nw.lit(None, nw.String()))
        .when(cls == "unmodelled")
        .then(nw.lit("unmodelled_usage_type"))
        .when(~unit_ok)
        .then(nw.lit("unit_mismatch"))
        .when(is_compute & ~KNOWN & ~described())
        .then(nw.lit("unknown_instance_type"))
        .when(acc_unknown)
        .then(nw.lit("unknown_accelerator"))
        .otherwise(nw.lit(None, nw.String()))
        .alias("status_note"),
    )
