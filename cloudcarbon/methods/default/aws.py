"""AWS knowledge the default method needs: usage types carry a region prefix and, for instance-hour
rows, the instance type (``USW2-BoxUsage:m5.large``); dedicated hosts bill ``HostUsage:<family>``."""

from __future__ import annotations

import narwhals as nw

from cloudcarbon.engine import list_item

__all__ = ["PROVIDER", "host_instance_key", "instance_in_usage_type", "usage_type_core"]

PROVIDER = "aws"
_REGION_PREFIX = r"^([A-Z]{3}[0-9]|[A-Z]{2})-"
#: the classification rule of dedicated-host rows (usage_rules.csv)
HOST_RULE = "aws:ec2-host"


def usage_type_core(usage_type: nw.Expr) -> nw.Expr:
    """The usage type without its region prefix (``USW2-BoxUsage:m5.large`` -> ``BoxUsage:m5.large``);
    other providers' usage types are kept as written."""
    return (
        nw.when(nw.col("ProviderName") == PROVIDER)
        .then(usage_type.str.replace_all(_REGION_PREFIX, ""))
        .otherwise(usage_type)
    )


def instance_in_usage_type() -> nw.Expr:
    """``BoxUsage:m5.large`` -> ``m5.large``; ``InstanceUsage:db.r5.large`` -> ``r5.large`` (AWS only)."""
    after = list_item(nw.col("usage_type_core").str.split(":"), 1)
    stripped = after.str.replace_all(r"^(db|ml|cache)\.", "").str.replace_all(
        r"\.(search|elasticsearch)$", ""
    )
    looks_like_type = after.str.contains(r"^[a-z][a-z0-9-]*\.[0-9a-z-]+")
    return (
        nw.when((nw.col("ProviderName") == PROVIDER) & looks_like_type)
        .then(stripped)
        .otherwise(nw.lit(None, nw.String()))
    )


def host_instance_key() -> tuple[nw.Expr, nw.Expr]:
    """(condition, key): a dedicated host ``HostUsage:m5`` is priced as the family's ``.metal`` size."""
    return (
        nw.col("rule_id") == HOST_RULE,
        nw.concat_str([nw.col("usage_type_core").str.replace_all("^HostUsage:", ""), nw.lit(".metal")]),
    )
