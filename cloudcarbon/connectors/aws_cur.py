"""AWS Cost and Usage Reports: legacy CUR and CUR 2.0 (Data Exports) to the canonical usage table.

Reads CSV, CSV.gz, zip or Parquet; one file, or a report folder as AWS delivers it to S3. In a folder the
month-level manifest (``<report>-Manifest.json``) decides which files are read: AWS re-delivers a month
many times (each delivery a full replacement with a new ``assemblyId``), so only the files of the delivery
the manifest points at count, and older deliveries left in the folder are ignored.

Column names are accepted in all three spellings AWS uses: legacy ``lineItem/UsageType``, CUR 2.0
``line_item_usage_type`` (with ``product`` and ``resource_tags`` as MAP columns in Parquet or JSON strings
in CSV) and the Athena/Parquet flavour of the legacy report (``resource_tags_user_team``).

Line item types become ``charge_class``: ``Usage``, ``DiscountedUsage`` and ``SavingsPlanCoveredUsage``
are usage; ``SavingsPlanNegation`` is ``commitment_negation`` (it cancels the covered usage's on-demand
cost and must not be counted twice); fees, tax, credits, refunds and discounts are excluded classes;
rows billed by AWS Marketplace are ``marketplace``.

Deliveries and manifests: a manifest may only name files inside its report folder (the folder passed
to ``--source``; for a manifest passed on its own, the report folder above its ``metadata/`` folder or
its own folder); a key listed twice is read once (with a warning). A folder with several deliveries
(``<assemblyId>/`` folders) of one billing period and no manifest is refused: which delivery is current
cannot be told, and reading all would count the month several times.

Currency: ``lineItem/CurrencyCode`` upper-cased; a report without the column is USD (AWS bills in USD
unless the payer chose another currency, in which case the column is present); an empty value in the
column is ``UNKNOWN`` (reported as its own currency, never guessed).
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import narwhals as nw

from cloudcarbon.connectors._io import (
    claim_files,
    data_files,
    empty_canonical,
    find_bad_rows,
    find_bad_value,
    guarded_cost,
    guarded_quantity,
    open_csv_files,
    open_parquet_files,
    open_relation,
    read_header,
    row_where,
    sql_ident,
    sql_str,
    union_all,
)
from cloudcarbon.connectors._sql import (
    Header,
    map_lookup,
    num,
    query_on,
    text,
    ts,
    val,
    value_checks,
)
from cloudcarbon.connectors.base import ScanContext, Source
from cloudcarbon.exceptions import CloudCarbonWarning, SchemaError, SourceError, SourceNotFound
from cloudcarbon.schema import CANONICAL_USAGE, COST_SQL, HINT_COLUMNS, duckdb_type, tag_column

__all__ = ["NAME", "diagnose", "resolve_files", "scan", "sniff"]

NAME = "aws"
#: ``scan`` with ``ScanContext.reduce`` returns the month's rows reduced (``source_rows`` counts them).
REDUCES = True
#: Canonical columns this connector never fills (the pipeline does not group by them).
CONSTANT_NULL = HINT_COLUMNS[2:]

# logical field -> accepted column names (legacy, CUR 2.0 / Athena); matched case-insensitively
_FIELDS: dict[str, tuple[str, ...]] = {
    "payer": ("bill/PayerAccountId", "bill_payer_account_id"),
    "account": ("lineItem/UsageAccountId", "line_item_usage_account_id"),
    "billing_entity": ("bill/BillingEntity", "bill_billing_entity"),
    "bp_start": ("bill/BillingPeriodStartDate", "bill_billing_period_start_date"),
    "usage_start": ("lineItem/UsageStartDate", "line_item_usage_start_date"),
    "usage_end": ("lineItem/UsageEndDate", "line_item_usage_end_date"),
    "line_item_type": ("lineItem/LineItemType", "line_item_line_item_type"),
    "product_code": ("lineItem/ProductCode", "line_item_product_code"),
    "usage_type": ("lineItem/UsageType", "line_item_usage_type"),
    "operation": ("lineItem/Operation", "line_item_operation"),
    "az": ("lineItem/AvailabilityZone", "line_item_availability_zone"),
    "amount": ("lineItem/UsageAmount", "line_item_usage_amount"),
    "unit": ("pricing/unit", "pricing_unit"),
    "cost": ("lineItem/UnblendedCost", "line_item_unblended_cost"),
    "ri_effective_cost": ("reservation/EffectiveCost", "reservation_effective_cost"),
    "sp_effective_cost": ("savingsPlan/SavingsPlanEffectiveCost", "savings_plan_savings_plan_effective_cost"),
    "ri_unused_upfront": (
        "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
        "reservation_unused_amortized_upfront_fee_for_billing_period",
    ),
    "ri_unused_recurring": ("reservation/UnusedRecurringFee", "reservation_unused_recurring_fee"),
    "sp_total_commitment": ("savingsPlan/TotalCommitmentToDate", "savings_plan_total_commitment_to_date"),
    "sp_used_commitment": ("savingsPlan/UsedCommitment", "savings_plan_used_commitment"),
    "currency": ("lineItem/CurrencyCode", "line_item_currency_code"),
    "region": (
        "product/regionCode",
        "product_region_code",
        "product/region",
        "product_region",
    ),
    "instance_type": ("product/instanceType", "product_instance_type"),
    "product_family": ("product/productFamily", "product_product_family"),
    "servicecode": ("product/servicecode", "product_servicecode"),
    "vcpu": ("product/vcpu", "product_vcpu"),
    "memory": ("product/memory", "product_memory"),
}
# keys of the CUR 2.0 ``product`` map used when the attribute is not a column of its own
_PRODUCT_MAP_KEYS = {
    "region": ("region_code", "region"),
    "instance_type": ("instance_type",),
    "product_family": ("product_family",),
    "servicecode": ("servicecode",),
    "vcpu": ("vcpu",),
    "memory": ("memory",),
}
_REQUIRED = ("account", "usage_type", "amount", "cost", "usage_start")

_USAGE_TYPES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")
_CHARGE_CLASS_SQL = """CASE
  WHEN {billing_entity} = 'AWS Marketplace' THEN 'marketplace'
  WHEN {lit} IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') THEN 'usage'
  WHEN {lit} = 'SavingsPlanNegation' THEN 'commitment_negation'
  WHEN {lit} IN ('RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee') THEN 'commitment_fee'
  WHEN {lit} = 'Tax' THEN 'tax'
  WHEN {lit} = 'Credit' THEN 'credit'
  WHEN {lit} = 'Refund' THEN 'refund'
  WHEN {lit} LIKE '%Discount' THEN 'discount'
  WHEN {lit} = 'Fee' AND {product_code} LIKE 'AWSSupport%' THEN 'support'
  WHEN {lit} = 'Fee' THEN 'fee'
  WHEN {lit} = 'Rounding' THEN 'rounding'
  ELSE 'other_non_usage'
END"""


def _find(h: Header, field: str) -> str | None:
    return h.first(_FIELDS[field])


def sniff(columns: Sequence[str]) -> list[str]:
    """Required CUR columns missing from a header (empty: this is a CUR)."""
    lower = {c.lower() for c in columns}
    return [_FIELDS[f][0] for f in _REQUIRED if not any(c.lower() in lower for c in _FIELDS[f])]


def _period_of(manifest: dict[str, object]) -> str | None:
    bp = manifest.get("billingPeriod")
    start = bp.get("start") if isinstance(bp, dict) else None
    if not isinstance(start, str):
        return None
    digits = re.sub(r"\D", "", start)
    return f"{digits[:4]}-{digits[4:6]}" if len(digits) >= 6 else None


def _manifest_keys(manifest: dict[str, object]) -> list[str]:
    for key in ("reportKeys", "dataFiles"):
        val = manifest.get(key)
        if isinstance(val, list) and val:
            return [str(v) for v in val]
    return []


def _report_folder(root: Path, manifest_path: Path, source_path: Path) -> Path:
    """The folder a manifest's files must be in: the source folder, or the report folder of a manifest
    passed on its own (above its ``metadata/`` folder for CUR 2.0, else its own folder)."""
    if source_path.is_dir():
        return source_path
    for parent in manifest_path.parents:
        if parent.name == "metadata":
            return parent.parent
    return root


def _locate(key: str, root: Path, manifest_path: Path, allowed: Path | None = None) -> Path | None:
    """Find the local copy of an S3 key: the longest suffix of the key that exists under root.

    Raises :class:`SourceError` when the key climbs out of its folder (``..``) or its local copy is
    outside ``allowed`` (the report folder).
    """
    key = re.sub(r"^s3://[^/]+/", "", key)
    parts = [p for p in key.replace("\\", "/").split("/") if p]
    if ".." in parts or key.startswith("/"):
        raise SourceError(
            manifest_path,
            f"lists {key!r}, which points outside the report folder; a manifest may only name files "
            "inside its own report folder",
        )
    bases: list[Path] = [root, manifest_path.parent, *([allowed] if allowed is not None else [])]
    for base in bases:
        for i in range(len(parts)):
            cand: Path = base.joinpath(*parts[i:])
            if cand.is_file():
                if allowed is not None and not _within(cand, allowed):
                    raise SourceError(
                        manifest_path,
                        f"lists {key!r}, found at {cand}, outside the report folder {allowed}; a manifest "
                        "may only name files inside its own report folder",
                    )
                return cand
    return None


def _within(path: Path, folder: Path) -> bool:
    if not isinstance(path, Path) or not isinstance(folder, Path):  # URIs (connectors._uri.HadoopPath)
        return bool(getattr(path, "within", lambda _: False)(folder))
    a, b = os.path.abspath(path), os.path.abspath(folder)
    return os.path.commonpath([a, b]) == b


_ASSEMBLY = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def _assemblies_without_manifest(files: list[Path]) -> None:
    """Refuse a folder holding several deliveries (``<assemblyId>/`` folders) of one period."""
    by_period: dict[Path, set[str]] = {}
    for f in files:
        if _ASSEMBLY.match(f.parent.name):
            by_period.setdefault(f.parent.parent, set()).add(f.parent.name)
    for period, assemblies in sorted(by_period.items()):
        if len(assemblies) > 1:
            names = ", ".join(sorted(assemblies))
            raise SourceError(
                period,
                f"holds {len(assemblies)} deliveries of the same report ({names}) and no Manifest.json to "
                "tell which is current; reading all would count the month several times. Download the "
                "period's Manifest.json next to them, or keep only the latest delivery",
            )


def resolve_files(path: Path, month: str | None = None) -> list[Path]:
    """The data files to read for ``path``: via the month-level manifests when the folder has them.

    For each billing period the manifest that sits in the period folder (not a per-assembly copy inside
    an ``<assemblyId>/`` folder) names the current delivery; when several candidates remain, the one
    modified last wins. With ``month`` set, only that period's delivery is returned.
    """
    if path.is_file() and not path.name.endswith("Manifest.json"):
        return [path]
    manifests = [path] if path.is_file() else sorted(path.rglob("*Manifest.json"))
    if not manifests:
        found = data_files(path)
        _assemblies_without_manifest(found)
        return found
    root = path if path.is_dir() else path.parent
    chosen: dict[str, tuple[int, float, Path, dict[str, object]]] = {}
    for m in manifests:
        try:
            doc = json.loads(m.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise SourceError(m, f"manifest is not valid JSON ({exc}); download it again") from exc
        if not isinstance(doc, dict):
            raise SourceError(m, "manifest is not a JSON object")
        period = _period_of(doc)
        if period is None:
            raise SourceError(m, "manifest has no billingPeriod.start; is this a CUR manifest?")
        assembly = str(doc.get("assemblyId") or doc.get("executionId") or "")
        in_assembly_folder = bool(assembly) and m.parent.name == assembly
        rank = (0 if in_assembly_folder else 1, m.stat().st_mtime)
        best = chosen.get(period)
        if best is None or rank > best[:2]:
            chosen[period] = (*rank, m, doc)
    periods = sorted(chosen) if month is None else [p for p in sorted(chosen) if p == month]
    files: list[Path] = []
    for period in periods:
        _, _, m, doc = chosen[period]
        keys = _manifest_keys(doc)
        if not keys:
            raise SourceError(m, "manifest lists no data files (reportKeys/dataFiles)")
        allowed = _report_folder(root, m, path)
        for key in keys:
            local = _locate(key, root, m, allowed)
            if local is None:
                raise SourceNotFound(m, f"lists {key}, which is not in {root}; download the whole delivery")
            if local in files:
                warnings.warn(
                    f"{m}: lists {key} more than once; read once",
                    CloudCarbonWarning,
                    stacklevel=2,
                )
                continue
            files.append(local)
    if not files and month is not None:
        # the month asked for has no manifest here: let the estimate report the months that exist
        return []
    return files


#: builds the value of the first present key of a MAP or JSON column (:func:`map_lookup`, or the
#: reduced scan's stand-in naming a column computed per row before the reduction)
Lookup = Callable[[Header, str, Sequence[str]], str]


def _attr(h: Header, field: str, lookup: Lookup = map_lookup) -> str:
    """Text value of a product attribute: its own column, else a key of the CUR 2.0 product map."""
    col = _find(h, field)
    if col is not None:
        return val(h, col)
    product = h.raw("product")
    if product is not None and field in _PRODUCT_MAP_KEYS:
        return lookup(h, product, _PRODUCT_MAP_KEYS[field])
    return "NULL::VARCHAR"


def _memory_gb(text_expr: str) -> str:
    # "16 GiB" -> 16
    return f"TRY_CAST(split_part(replace({text_expr}, ',', ''), ' ', 1) AS DOUBLE)"


def _hints(h: Header, view: str) -> tuple[str, str, str]:
    """vCPU and memory hints: (a CTE or "", the vCPU expression, the memory expression).

    Legacy reports have ``product/vcpu`` and ``product/memory`` columns, read per row. CUR 2.0 keeps them
    in the ``product`` map (or its JSON text), which is costly to read per row; as they are properties of
    the instance type, they are read once per distinct instance type and joined back.
    """
    inst, product = _find(h, "instance_type"), h.raw("product")
    if _find(h, "vcpu") is not None or inst is None or product is None:
        return "", f"TRY_CAST({_attr(h, 'vcpu')} AS DOUBLE)", _memory_gb(_attr(h, "memory"))
    lookup_vcpu = map_lookup(h, product, _PRODUCT_MAP_KEYS["vcpu"])
    lookup_mem = map_lookup(h, product, _PRODUCT_MAP_KEYS["memory"])
    # Some rows of an instance type (fees, credits) carry a product map without vcpu or memory: the
    # hints are the largest value over the rows that have one, so the choice never depends on row order
    cte = (
        f"WITH __hints AS (SELECT {sql_ident(inst)} AS __hint_it, max(TRY_CAST({lookup_vcpu} AS DOUBLE)) AS "
        f"__hint_vcpu, max({_memory_gb(lookup_mem)}) AS __hint_mem FROM {view} "
        f"WHERE {sql_ident(inst)} IS NOT NULL GROUP BY 1) "
    )
    return cte, "__hints.__hint_vcpu", "__hints.__hint_mem"


def _tag_expr(h: Header, key: str, lookup: Lookup = map_lookup) -> str:
    legacy = h.raw(f"resourceTags/{key}")
    if legacy is not None:
        return text(legacy)
    athena = h.raw("resource_tags_" + re.sub(r"[^0-9a-zA-Z]", "_", key).lower())
    if athena is not None:
        return text(athena)
    tags = h.raw("resource_tags")
    if tags is not None:
        return lookup(h, tags, [key, key.replace(":", "_")])
    return "NULL::VARCHAR"


def _tags_json(h: Header) -> str:
    tags = h.raw("resource_tags")
    if tags is not None:
        if h.types[tags].upper().startswith("MAP"):
            return f"CAST(to_json({sql_ident(tags)}) AS VARCHAR)"
        return text(tags)
    tag_cols = [n for n in h.names if n.lower().startswith(("resourcetags/", "resource_tags_"))]
    if not tag_cols:
        return "NULL::VARCHAR"
    pairs = ", ".join(
        f"{sql_str(n.split('/', 1)[1] if '/' in n else n[len('resource_tags_') :])}, {text(n)}"
        for n in tag_cols
    )
    return f"CAST(json_object({pairs}) AS VARCHAR)"


def _effective_cost(h: Header, lit: str) -> str:
    """Amortised cost of a CUR row (the CUR's own effective-cost columns where it has them)."""

    def dec(field: str) -> str:
        c = _find(h, field)
        return num(h, c, COST_SQL) if c is not None else f"NULL::{COST_SQL}"

    return (
        f"CASE WHEN {lit} = 'DiscountedUsage' THEN coalesce({dec('ri_effective_cost')}, {dec('cost')}, 0) "
        f"WHEN {lit} = 'SavingsPlanCoveredUsage' THEN coalesce({dec('sp_effective_cost')}, {dec('cost')}, 0) "
        f"WHEN {lit} IN ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') THEN CAST(0 AS {COST_SQL}) "
        f"WHEN {lit} = 'RIFee' THEN coalesce({dec('ri_unused_upfront')} + {dec('ri_unused_recurring')}, "
        f"{dec('cost')}, 0) "
        f"WHEN {lit} = 'SavingsPlanRecurringFee' THEN coalesce({dec('sp_total_commitment')} - "
        f"{dec('sp_used_commitment')}, {dec('cost')}, 0) "
        f"ELSE coalesce({dec('cost')}, 0) END"
    )


def _col(h: Header, field: str) -> str:
    c = _find(h, field)
    return val(h, c) if c is not None else "NULL::VARCHAR"


def _instance(h: Header, lookup: Lookup = map_lookup) -> str:
    attr = _attr(h, "instance_type", lookup)
    # RDS, SageMaker, ElastiCache and OpenSearch prefix/suffix their EC2 instance types; rows without
    # a product instance type get theirs from the usage type during classification (once per value)
    return (
        f"CASE WHEN {attr} LIKE 'db.%' OR {attr} LIKE 'ml.%' THEN substr({attr}, 4) "
        f"WHEN {attr} LIKE 'cache.%' THEN substr({attr}, 7) "
        f"WHEN {attr} LIKE '%.search' THEN substr({attr}, 1, length({attr}) - 7) "
        f"WHEN {attr} LIKE '%.elasticsearch' THEN substr({attr}, 1, length({attr}) - 14) "
        f"ELSE {attr} END"
    )


def _region(h: Header, lookup: Lookup = map_lookup) -> str:
    region = _attr(h, "region", lookup)
    az = _find(h, "az")
    if az is not None:
        # an AZ like us-west-2a (or us-gov-west-1a) names its region when the product columns do not
        region = (
            f"CASE WHEN {region} IS NOT NULL THEN {region} ELSE NULLIF(regexp_extract({val(h, az)}, "
            "'^([a-z]+(-[a-z]+)+-[0-9]+)[a-z]$', 1), '') END"
        )
    return region


def _charge_class(h: Header) -> str:
    # a report without a line item type column (some trimmed exports) holds usage only
    return _CHARGE_CLASS_SQL.format(
        lit=f"coalesce({_col(h, 'line_item_type')}, 'Usage')",
        billing_entity=_col(h, "billing_entity"),
        product_code=_col(h, "product_code"),
    )


def _select_sql(h: Header, path: Path, tag_keys: Sequence[str], month: str | None, view: str) -> str:
    missing = [_FIELDS[f][0] for f in _REQUIRED if _find(h, f) is None]
    if missing:
        raise SchemaError(path, "an AWS Cost and Usage Report", missing)

    def col(field: str) -> str:
        c = _find(h, field)
        return val(h, c) if c is not None else "NULL::VARCHAR"

    start = ts(h, _find(h, "usage_start"))  # type: ignore[arg-type]
    end_col = _find(h, "usage_end")
    end = ts(h, end_col) if end_col else start
    bp_col = _find(h, "bp_start")
    period_ts = f"coalesce({ts(h, bp_col)}, {start})" if bp_col else start
    if month is None:
        period = f"date_trunc('month', {period_ts})"
        billing_month = f"strftime({period}, '%Y-%m')"
        period_hours = f"CAST(date_diff('hour', {period}, {period} + INTERVAL 1 MONTH) AS DOUBLE)"
    else:
        # the month is known: the scan keeps only its rows (a range test, no per-row formatting)
        first = f"TIMESTAMP '{month}-01 00:00:00'"
        # a row without any date stays, with no month, for the shared guard to name it
        billing_month = f"CASE WHEN {period_ts} IS NOT NULL THEN {sql_str(month)} END"
        period_hours = f"CAST(date_diff('hour', {first}, {first} + INTERVAL 1 MONTH) AS DOUBLE)"
    lit = col("line_item_type")
    # a report without a line item type column (some trimmed exports) holds usage only
    lit_or_usage = f"coalesce({lit}, 'Usage')"
    usage_type = col("usage_type")
    instance = _instance(h)
    region = _region(h)
    hints_cte, hint_vcpu, hint_memory = _hints(h, view)
    account = col("account")
    payer_col = _find(h, "payer")
    exprs = {
        "ProviderName": "'aws'",
        "BillingAccountId": col("payer") if payer_col else account,
        "SubAccountId": account,
        "billing_month": billing_month,
        "billing_period_hours": period_hours,
        "ChargePeriodStart": start,
        "ChargePeriodEnd": end,
        "ServiceName": (col("product_code") if _find(h, "product_code") else _attr(h, "servicecode")),
        "RegionId": region,
        "usage_type": usage_type,
        "operation": col("operation"),
        "product_family": _attr(h, "product_family"),
        "instance_type": instance,
        "line_item_type": lit_or_usage,
        "charge_class": _charge_class(h),
        "ConsumedQuantity": f"coalesce({num(h, _find(h, 'amount'), 'DOUBLE')}, 0.0)",  # type: ignore[arg-type]
        "ConsumedUnit": col("unit"),
        "BilledCost": f"coalesce({num(h, _find(h, 'cost'), COST_SQL)}, 0)",  # type: ignore[arg-type]
        # amortised (CUR docs): RI-covered usage -> reservation/EffectiveCost, SP-covered usage ->
        # savingsPlan/SavingsPlanEffectiveCost, the SP negation and upfront fee -> 0, RI and SP recurring
        # fees -> their unused part (the used part is in the covered usage), else unblended
        "EffectiveCost": _effective_cost(h, lit_or_usage),
        # CUR is billed in USD unless the payer chose otherwise, in which case the column is present
        "BillingCurrency": col("currency") if _find(h, "currency") else "'USD'",
        "vcpu_hint": hint_vcpu,
        "memory_gb_hint": hint_memory,
        **{c: f"NULL::{duckdb_type(CANONICAL_USAGE[c])}" for c in HINT_COLUMNS[2:]},  # not stated by CUR
        "Tags": _tags_json(h),
        "source_file": sql_str(str(path)),
        "source_row": "CAST(__row AS BIGINT)",
    }
    assert list(exprs) == list(CANONICAL_USAGE)
    select = [f"{e} AS {sql_ident(name)}" for name, e in exprs.items()]
    select += [f"{_tag_expr(h, k)} AS {sql_ident(tag_column(k))}" for k in tag_keys]
    source = view
    if hints_cte:
        inst = sql_ident(_find(h, "instance_type"))  # type: ignore[arg-type]
        source = f"{view} LEFT JOIN __hints ON {view}.{inst} = __hints.__hint_it"
    sql = f"{hints_cte}SELECT " + ",\n  ".join(select) + f" FROM {source}"
    if month is not None:
        first = f"TIMESTAMP '{month}-01 00:00:00'"
        sql += (
            f" WHERE ({period_ts} >= {first} AND {period_ts} < {first} + INTERVAL 1 MONTH)"
            f" OR {period_ts} IS NULL"
        )
    return sql


#: Canonical columns the reduced scan leaves NULL: no step after the reduction reads them (the per-row
#: detail, which does, reads the per-row scan).
_UNREAD_AFTER_REDUCTION = ("BillingAccountId", "operation", "line_item_type", "Tags")
#: Product attributes whose own column (legacy CUR) or product-map key (CUR 2.0) the reduction groups by.
_KEY_FIELDS = (
    "account",
    "billing_entity",
    "line_item_type",
    "product_code",
    "usage_type",
    "az",
    "unit",
    "currency",
    "region",
    "instance_type",
    "product_family",
    "servicecode",
    "vcpu",
    "memory",
)


def _reduced_parts(
    h: Header, path: Path, tag_keys: Sequence[str], month: str
) -> tuple[Callable[..., str], str]:
    """The canonical rows of the month, reduced first and classified after.

    Three steps, each plain SQL: (1) per billing row only what is cheap: the raw text columns the
    estimate reads (as written: dictionary-encoded in Parquet), one value per MAP or JSON lookup, the
    parsed quantity and costs (checked as the per-row guard checks them), the timestamps and whether
    the row's billing period is the month; (2) the rows grouped by those raw values, the signs of the
    quantity, the billed and the amortised cost, and the month test: quantities and costs summed, the
    first start and last end kept, the rows counted; (3) the connector's own per-value expressions
    (charge class, instance type prefixes, region from the AZ, tags, vCPU and memory hints) once per
    group. Rows outside the month are grouped too (the hints of an instance type are the largest over
    all its rows, as in the per-row scan) and dropped after the hints are taken.
    """
    missing = [_FIELDS[f][0] for f in _REQUIRED if _find(h, f) is None]
    if missing:
        raise SchemaError(path, "an AWS Cost and Usage Report", missing)
    lookups: dict[str, str] = {}

    def lookup(h: Header, column: str, keys: Sequence[str]) -> str:
        return lookups.setdefault(map_lookup(h, column, keys), f"__m{len(lookups)}")

    # (3) per group, reading the grouped raw columns and lookups
    inst_col, product = _find(h, "instance_type"), h.raw("product")
    if _find(h, "vcpu") is None and inst_col is not None and product is not None:
        # as in _hints: the largest value over all rows of the instance type
        vcpu = f"TRY_CAST({lookup(h, product, _PRODUCT_MAP_KEYS['vcpu'])} AS DOUBLE)"
        mem = _memory_gb(lookup(h, product, _PRODUCT_MAP_KEYS["memory"]))
        inst = sql_ident(inst_col)
        hint_vcpu = f"CASE WHEN {inst} IS NOT NULL THEN max({vcpu}) OVER (PARTITION BY {inst}) END"
        hint_mem = f"CASE WHEN {inst} IS NOT NULL THEN max({mem}) OVER (PARTITION BY {inst}) END"
    else:
        hint_vcpu = f"TRY_CAST({_attr(h, 'vcpu', lookup)} AS DOUBLE)"
        hint_mem = _memory_gb(_attr(h, "memory", lookup))
    first = f"TIMESTAMP '{month}-01 00:00:00'"
    exprs = {
        "ProviderName": "'aws'",
        "BillingAccountId": "NULL::VARCHAR",
        "SubAccountId": _col(h, "account"),
        "billing_month": f"CASE WHEN __in_month THEN {sql_str(month)} END",
        "billing_period_hours": f"CAST(date_diff('hour', {first}, {first} + INTERVAL 1 MONTH) AS DOUBLE)",
        "ChargePeriodStart": "__start",
        "ChargePeriodEnd": "__end",
        "ServiceName": (
            _col(h, "product_code") if _find(h, "product_code") else _attr(h, "servicecode", lookup)
        ),
        "RegionId": _region(h, lookup),
        "usage_type": _col(h, "usage_type"),
        "operation": "NULL::VARCHAR",
        "product_family": _attr(h, "product_family", lookup),
        "instance_type": _instance(h, lookup),
        "line_item_type": "NULL::VARCHAR",
        "charge_class": _charge_class(h),
        "ConsumedQuantity": "__qty",
        "ConsumedUnit": _col(h, "unit"),
        "BilledCost": "__cost",
        "EffectiveCost": "__effective",
        "BillingCurrency": _col(h, "currency") if _find(h, "currency") else "'USD'",
        "vcpu_hint": "__hint_vcpu",
        "memory_gb_hint": "__hint_mem",
        **{c: f"NULL::{duckdb_type(CANONICAL_USAGE[c])}" for c in HINT_COLUMNS[2:]},
        "Tags": "NULL::VARCHAR",
        "source_file": "__file",
        "source_row": "CAST(__row AS BIGINT)",
    }
    assert list(exprs) == list(CANONICAL_USAGE)
    select = [f"{e} AS {sql_ident(name)}" for name, e in exprs.items()]
    select += [f"{_tag_expr(h, k, lookup)} AS {sql_ident(tag_column(k))}" for k in tag_keys]
    select.append("__n AS source_rows")

    # (1) per row
    keys = [c for c in dict.fromkeys(_find(h, f) for f in _KEY_FIELDS) if c is not None]
    for k in tag_keys:
        athena = "resource_tags_" + re.sub(r"[^0-9a-zA-Z]", "_", k).lower()
        keys += [c for c in (h.raw(f"resourceTags/{k}"), h.raw(athena)) if c is not None and c not in keys]
    start = ts(h, _find(h, "usage_start"))  # type: ignore[arg-type]
    end_col = _find(h, "usage_end")
    end = ts(h, end_col) if end_col else start
    bp_col = _find(h, "bp_start")
    period_ts = f"coalesce({ts(h, bp_col)}, {start})" if bp_col else start
    lit_or_usage = f"coalesce({_col(h, 'line_item_type')}, 'Usage')"

    def rows(view: str, file: Path | None = path) -> str:
        # (1) per billing row of one file (``file`` None: the view names each row's file in ``__file``);
        # a bad value names its file and row
        name = sql_str(str(file)) if file is not None else "__file"
        where = row_where(name, "__row")
        qty = guarded_quantity(f"coalesce({num(h, _find(h, 'amount'), 'DOUBLE')}, 0.0)", where)  # type: ignore[arg-type]
        cost = guarded_cost(f"coalesce({num(h, _find(h, 'cost'), COST_SQL)}, 0)", where)  # type: ignore[arg-type]
        per_row = [
            *(sql_ident(c) for c in keys),
            *(f"{e} AS {alias}" for e, alias in lookups.items()),
            # NULL (no date: kept, for the guard to name it), true (the month) or false (another month)
            f"({period_ts} >= {first} AND {period_ts} < {first} + INTERVAL 1 MONTH) AS __in_month",
            f"{qty} AS __qty",
            f"{cost} AS __cost",
            f"{_effective_cost(h, lit_or_usage)} AS __effective",
            f"{start} AS __start",
            f"{end} AS __end",
            "__row",
            f"{name} AS __file",
        ]
        return f"SELECT {', '.join(per_row)} FROM {view}"

    # (2) grouped by the raw values and the signs (a sum never mixes signs: see pipeline._reduce), over
    # every file of the source at once (one hash table, not one per file); rows without a date stay
    # apart per file, so the guard names a file and a row of that file
    key_cols = [sql_ident(c) for c in keys] + list(lookups.values())
    undated = "CASE WHEN __in_month IS NULL THEN __file END"
    group = [*key_cols, "__in_month", "__qty < 0", "__cost < 0", "__effective < 0", undated]
    reduced = (
        f"SELECT {', '.join([*key_cols, '__in_month'])}, sum(__qty) AS __qty, sum(__cost) AS __cost, "
        "sum(__effective) AS __effective, min(__start) AS __start, max(__end) AS __end, "
        f"count(*) AS __n, min(__row) AS __row, min(__file) AS __file FROM __rows GROUP BY {', '.join(group)}"
    )
    # (3) per group
    hinted = f"SELECT *, {hint_vcpu} AS __hint_vcpu, {hint_mem} AS __hint_mem FROM __groups"
    groups = (
        f"__groups AS ({reduced}), __hinted AS ({hinted}) SELECT "
        + ",\n  ".join(select)
        + " FROM __hinted WHERE __in_month IS NOT FALSE"
    )
    return rows, groups


def _with_rows(groups: str, view: str) -> str:
    return f"WITH __rows AS (SELECT * FROM {view}), {groups}"


def _checks(h: Header) -> list[tuple[str, str, str]]:
    kinds = (
        ("amount", "number"),
        ("cost", "decimal"),
        ("usage_start", "ts"),
        ("usage_end", "ts"),
        ("bp_start", "ts"),
    )
    checks = value_checks(h, [(_find(h, f), k) for f, k in kinds])
    for name in ("product", "resource_tags"):
        c = h.raw(name)
        if c is not None and h.is_text(c):
            t = text(c)
            checks.append(
                (c, f"CASE WHEN json_valid({t}) AND json_type({t}) = 'OBJECT' THEN 1 END", "a JSON object")
            )
    return checks


def _relations(source: Source, ctx: ScanContext) -> list[tuple[Path, duckdb.DuckDBPyRelation, Header]]:
    out = []
    for f in claim_files(ctx.claims, resolve_files(source.path, ctx.month), str(source)):
        header = read_header(f)
        missing = sniff(header)
        if missing:
            raise SchemaError(f, "an AWS Cost and Usage Report", missing)
        rel = open_relation(ctx.con, f, ctx.workdir)
        out.append((f, rel, Header(rel.columns, [str(t) for t in rel.types])))
    return out


def _per_row(f: Path, rel: duckdb.DuckDBPyRelation, h: Header, ctx: ScanContext) -> duckdb.DuckDBPyRelation:
    """The canonical rows of one file, one per billing row (not reduced)."""
    return query_on(rel, "cur", partial(_select_sql, h, f, ctx.tag_keys, ctx.month))


def scan(source: Source, ctx: ScanContext) -> nw.LazyFrame[Any]:
    """The canonical usage table of a CUR file or report folder (lazy)."""
    rels = _relations(source, ctx)
    reduced = ctx.reduce and ctx.month is not None
    if not rels:
        empty = _empty(ctx)
        return empty.with_columns(nw.lit(0, nw.Int64()).alias("source_rows")) if reduced else empty
    parts: list[duckdb.DuckDBPyRelation] = []
    if not reduced:
        for f, rel, h in rels:
            parts.append(_per_row(f, rel, h, ctx))
        return union_all(parts, guarded=ctx.guard)
    # files of one header (a delivery split over many files) are reduced together: one aggregate
    by_header: dict[tuple[tuple[str, str], ...], list[tuple[Path, duckdb.DuckDBPyRelation, Header]]] = {}
    for f, rel, h in rels:
        by_header.setdefault(tuple((n, h.types[n]) for n in h.names), []).append((f, rel, h))
    for same in by_header.values():
        f0, _, h0 = same[0]
        rows, groups = _reduced_parts(h0, f0, ctx.tag_keys, ctx.month)  # type: ignore[arg-type]
        files = [f for f, _, _ in same]
        together = open_parquet_files(ctx.con, files, ctx.workdir)
        if together is None:
            together = open_csv_files(ctx.con, files, ctx.workdir)
        if together is not None:
            combined = query_on(together, "currows", partial(rows, file=None))
        else:
            per_file = [query_on(rel, "currows", partial(rows, file=f)) for f, rel, _ in same]
            combined = per_file[0]
            for part in per_file[1:]:
                combined = combined.union(part)
        parts.append(query_on(combined, "cur", partial(_with_rows, groups)))
    return union_all(parts, guarded=ctx.guard, reduced=True)


def _empty(ctx: ScanContext) -> nw.LazyFrame[Any]:
    return empty_canonical(ctx.con, ctx.tag_keys)


def diagnose(source: Source, ctx: ScanContext) -> None:
    """Raise :class:`~cloudcarbon.exceptions.ValueParseError` for the first unparseable value."""
    rels = _relations(source, ctx)
    for f, rel, h in rels:
        find_bad_value(rel, f, _checks(h))
    # one file at a time, in the order the rows are named (a union of many CSV scans would hold every
    # file's read buffers at once)
    for f, rel, h in sorted(rels, key=lambda r: str(r[0])):
        find_bad_rows(union_all([_per_row(f, rel, h, ctx)], guarded=False), _describe)


def _describe(column: str) -> str:
    if column == "billing_month":
        return f"{_FIELDS['bp_start'][0]} / {_FIELDS['usage_start'][0]}"
    return {"ConsumedQuantity": _FIELDS["amount"][0], "BilledCost": _FIELDS["cost"][0]}.get(column, column)
