"""Classification: every usage row gets a usage class, the rule that decided it, and its quantity.

The rules are data (the factor set's ``usage_rules.csv``); provider-specific parsing of usage types
lives in the provider's module (:mod:`cloudcarbon.methods.default.aws`).
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import polars as pl

from cloudcarbon.factors import FactorSet
from cloudcarbon.methods.base import ToLazy
from cloudcarbon.methods.default import aws

__all__ = ["classify"]


def _rule_id(rules: pl.DataFrame) -> nw.Expr:
    core = nw.col("usage_type_core")
    conds = []
    for r in rules.sort("provider", "priority").iter_rows(named=True):
        cond = (nw.col("ProviderName") == r["provider"]) & core.str.contains(r["usage_type_regex"])
        if r["product_code"]:
            cond = (nw.col("ServiceName") == r["product_code"]) & cond
        conds.append((cond, r["rule_id"]))
    chain = nw.when(conds[0][0]).then(nw.lit(conds[0][1]))
    for cond, rid in conds[1:]:
        chain = chain.when(cond).then(nw.lit(rid))
    return chain.otherwise(nw.lit(None, nw.String()))


def classify(usage: nw.LazyFrame[Any], factors: FactorSet, to_lazy: ToLazy) -> nw.LazyFrame[Any]:
    """Give every row a usage class, the rule that decided it, and its quantity in canonical units.

    Adds ``usage_type_core`` (region prefix removed; rule-classified rows only), ``rule_id``,
    ``usage_class``, ``quantity_unit``, ``replication_factor``, ``exclusion_reason``,
    ``rule_accelerator_model``, ``accelerators_per_unit``, ``unit_norm`` and ``quantity`` (in
    ``unit_norm``). Non-usage charges get ``usage_class = excluded`` with their ``charge_class`` as the
    reason; rows whose connector set ``usage_class_hint`` keep that class.
    """
    rules = factors.usage_rules()
    rule_cols = to_lazy(
        rules.select(
            pl.concat_str("provider", pl.lit(":"), "rule_id").alias("rule_id"),
            pl.col("usage_class").alias("_rule_class"),
            "quantity_unit",
            "replication_factor",
            pl.col("exclusion_reason").alias("_rule_reason"),
            pl.col("accelerator_model").alias("rule_accelerator_model"),
            "accelerators_per_unit",
        )
    )
    rules = rules.with_columns(pl.concat_str("provider", pl.lit(":"), "rule_id").alias("rule_id"))
    units = to_lazy(
        factors.units().rename(
            {"unit": "ConsumedUnit", "canonical_unit": "unit_norm", "multiplier": "_unit_multiplier"}
        )
    )
    is_usage = nw.col("charge_class") == "usage"
    by_rules = is_usage & nw.col("usage_class_hint").is_null()
    # The rules depend only on (provider, service, usage type): evaluate the regexes once per distinct
    # combination (thousands) instead of once per billing row (millions), then join back.
    keyed = usage.with_columns(
        nw.col("ServiceName").fill_null("").alias("_svc"),
        nw.col("usage_type").fill_null("").alias("_ut"),
    )
    distinct = (
        keyed.filter(by_rules)
        .select("ProviderName", "_svc", "_ut")
        .unique()
        .with_columns(
            # AWS usage types carry a region prefix (USW2-BoxUsage:...); other providers' do not
            aws.usage_type_core(nw.col("_ut")).alias("usage_type_core"),
            nw.col("_svc").alias("ServiceName"),
        )
        .with_columns(_rule_id(rules).alias("rule_id"), aws.instance_in_usage_type().alias("_ut_instance"))
        .select("ProviderName", "_svc", "_ut", "rule_id", "usage_type_core", "_ut_instance")
    )
    out = (
        keyed.join(distinct, on=["ProviderName", "_svc", "_ut"], how="left")
        .with_columns(
            nw.when(by_rules).then(nw.col("rule_id")).otherwise(nw.lit(None, nw.String())).alias("rule_id")
        )
        .drop("_svc", "_ut")
        .join(rule_cols, on="rule_id", how="left")
        .join(units, on="ConsumedUnit", how="left")
    )
    out = out.with_columns(
        nw.when(~is_usage)
        .then(nw.lit("excluded"))
        .when(~nw.col("usage_class_hint").is_null())
        .then(nw.col("usage_class_hint"))
        .otherwise(nw.col("_rule_class").fill_null("unmodelled"))
        .alias("usage_class"),
        nw.when(~is_usage)
        .then(nw.col("charge_class"))
        .otherwise(nw.col("_rule_reason"))
        .alias("exclusion_reason"),
        nw.col("replication_factor").fill_null(1.0),
        nw.col("quantity_unit").fill_null("any"),
        nw.col("accelerators_per_unit").fill_null(1.0),
        (nw.col("ConsumedQuantity") * nw.col("_unit_multiplier").fill_null(1.0)).alias("quantity"),
    ).drop("_rule_class", "_rule_reason", "_unit_multiplier")
    # instance-hour rows whose export names no instance type carry it in the usage type
    return out.with_columns(
        nw.when(nw.col("instance_type").is_null() & (nw.col("usage_class") == "compute"))
        .then(nw.col("_ut_instance"))
        .otherwise(nw.col("instance_type"))
        .alias("instance_type")
    ).drop("_ut_instance")
