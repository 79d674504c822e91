"""Allocation of usage rows to projects, from the ``[projects]`` rules of the configuration."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import narwhals as nw

from cloudcarbon.config import UNALLOCATED, Config, ProjectRule
from cloudcarbon.schema import tag_column

__all__ = ["allocate", "project_expr"]


def _rule_match(rule: ProjectRule) -> tuple[nw.Expr, nw.Expr]:
    if rule.account is not None:
        return nw.col("SubAccountId") == rule.account, nw.lit(rule.project)
    assert rule.tag is not None
    tag = nw.col(tag_column(rule.tag))
    if rule.value is not None:
        return tag == rule.value, nw.lit(rule.project)
    value: nw.Expr = tag if not rule.prefix else nw.concat_str([nw.lit(rule.prefix), tag])
    return ~tag.is_null() & (tag != ""), value


def project_expr(rules: Sequence[ProjectRule], unmatched: str) -> nw.Expr:
    """Expression naming each row's project.

    Without rules a row's project is the source's own project (``project_hint``, e.g. an Azure resource
    group when so configured) or else its account (``SubAccountId``: AWS account, GCP project, Azure
    subscription). With rules, the first matching rule
    names it; rows no rule matches go to ``(unallocated)`` (or their account with
    ``unmatched = "account"``). A row is never dropped: a missing account also goes to ``(unallocated)``.
    """
    fallback = nw.col("project_hint").fill_null(nw.col("SubAccountId")).fill_null(UNALLOCATED)
    if not rules:
        return fallback.alias("project")
    # a row whose source names its project (an inventory entry, an Azure resource group when so
    # configured) keeps that project when no rule claims it; only rows with none are unallocated
    otherwise = fallback if unmatched == "account" else nw.col("project_hint").fill_null(nw.lit(UNALLOCATED))
    cond, value = _rule_match(rules[0])
    chain = nw.when(cond).then(value)
    for rule in rules[1:]:
        cond, value = _rule_match(rule)
        chain = chain.when(cond).then(value)
    return chain.otherwise(otherwise).alias("project")


def allocate(usage: nw.LazyFrame[Any], config: Config) -> nw.LazyFrame[Any]:
    """Add the ``project`` column to a canonical usage table."""
    return usage.with_columns(project_expr(config.project_rules, config.unmatched))
