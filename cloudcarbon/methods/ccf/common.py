"""Expression helpers shared by CCF's provider modules and core."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import narwhals as nw
import polars as pl

from cloudcarbon.methods.ccf.tables import Tables, split

__all__ = ["contains_any", "contains_word", "ends_any", "first", "is_in", "replication", "zero_null"]


def ends_any(expr: nw.Expr, values: Iterable[str]) -> nw.Expr:
    out = nw.lit(False)
    for v in values:
        out = out | expr.str.ends_with(v)
    return out


def contains_any(expr: nw.Expr, values: Iterable[str]) -> nw.Expr:
    out = nw.lit(False)
    for v in values:
        out = out | expr.str.contains(v, literal=True)
    return out


def contains_word(expr: nw.Expr, values: Iterable[str]) -> nw.Expr:
    """CCF's ``containsAny`` (packages/common/src/helpers/helpers.ts): ``new RegExp(`\\b${v}\\b`)``, a
    whole-word match with the value used as a pattern, as CCF does (``Rules`` does not match ``Rulesets``)."""
    out = nw.lit(False)
    for v in values:
        out = out | expr.str.contains(rf"\b{v}\b")
    return out


def is_in(expr: nw.Expr, values: Iterable[str]) -> nw.Expr:
    return expr.is_in(list(values))


def replication(tab: Tables) -> nw.Expr:
    """CCF's replication factor per row: first matching rule of the row's service, else DEFAULT (1).

    CCF:packages/{aws,gcp,azure}/src/lib/ReplicationFactors.ts (AWS matches its product code, GCP the
    service description, Azure the meter category); rules in ccf_replication.csv.
    """
    ut = nw.col("_ut")
    rules = tab.replication.sort(pl.col("service") == "*", "provider", "service", "order").iter_rows(
        named=True
    )
    chain: Any = None
    for r in rules:
        cond = nw.col("ProviderName") == r["provider"]
        if r["service"] != "*":
            cond = cond & (nw.col("_svc") == r["service"])
        if r["contains_any"]:
            cond = cond & contains_any(ut, split(r["contains_any"]))
        if r["and_contains_any"]:
            cond = cond & contains_any(ut, split(r["and_contains_any"]))
        val = nw.lit(float(r["value"]))
        chain = nw.when(cond).then(val) if chain is None else chain.when(cond).then(val)
    return chain.otherwise(nw.lit(1.0)) if chain is not None else nw.lit(1.0)


def first(*exprs: nw.Expr) -> nw.Expr:
    out = exprs[0]
    for e in exprs[1:]:
        out = out.fill_null(e)
    return out


def zero_null(name: str) -> nw.Expr:
    return nw.col(name).fill_null(0.0)
