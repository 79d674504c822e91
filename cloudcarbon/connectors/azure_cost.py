"""Azure cost details (EA and MCA, actual or amortized cost) to the canonical usage table.

Reads CSV (UTF-8 with or without BOM), CSV.gz, zip or Parquet; one file or a folder of exports. Column
names are matched case-insensitively, so the PascalCase EA/MCA export headers and the camelCase MCA ones
both work; where Azure uses several names for one field the first present wins (``CostInBillingCurrency``
then ``Cost``; ``BillingCurrency`` then ``BillingCurrencyCode``; ``SubscriptionId`` then
``SubscriptionGuid``).

Mapping (see also ``factors/2026.11/azure_usage_types.csv``):

* ``usage_type`` = ``{MeterCategory}|{MeterSubCategory}|{MeterName}`` (the FOCUS connector builds the same
  string for Azure rows); ``ServiceName`` = ``MeterCategory``.
* ``Date`` is a day: ``ChargePeriodStart`` = Date, ``ChargePeriodEnd`` = Date + 1 day. Dates are
  ``MM/DD/YYYY`` or ``M/D/YYYY`` (US order, as every Azure export writes them) or ISO ``YYYY-MM-DD...``.
  ``billing_month`` comes from ``BillingPeriodStartDate``, else from ``Date``.
* ``UnitOfMeasure`` carries a pack size: ``ConsumedQuantity`` = ``Quantity`` x pack (``100 Hours`` ->
  x100, ``10K`` -> x10,000) and ``ConsumedUnit`` is the unit without it (``Hours``, ``GB/Month``; a bare
  count becomes ``Units``, ``1/Month`` becomes ``Units/Month``). Managed-disk tier meters (``P10 LRS
  Disk`` in ``1/Month``) get ``ConsumedUnit`` = ``P10 Disk/Month``; the factor set's units table turns
  that into GB-months with the tier's size. ``billed_unit`` keeps ``UnitOfMeasure`` as written and
  ``pack_size`` its multiplier (the billed quantity is ``ConsumedQuantity / pack_size``), for methods that
  read the bill's own quantity (``--method ccf``: CCF does not scale packs).
* ``instance_type`` = ``AdditionalInfo.ServiceType`` when it is an ARM size (``Standard_D4s_v5``), else
  for ``Virtual Machines`` rows it is derived from ``MeterName``: first ``/`` alternative, `` Spot`` /
  `` Low Priority`` removed, ``Standard_`` + words joined by ``_``, series letters upper case
  (``D2 v3/D2s v3`` -> ``Standard_D2_v3``). ``vcpu_hint`` = ``AdditionalInfo.VCPUs``.
* ``RegionId`` = ``ResourceLocation`` lower case without spaces; meter-region display names that do not
  normalise to the region code (``US East``, ``EU West``, ``JA East``...) are mapped with Cloud Carbon
  Footprint's Azure region aliases (packages/azure/src/lib/AzureRegions.ts).
* Day-first dates (``31/10/2026``, written by some re-saved or hand-made files) are detected without
  ambiguity (a first number above 12 can only be a day) and read as DD/MM/YYYY with a warning; a file
  mixing both orders is refused naming a row of each; ``[sources.azure] date_format = "DD/MM/YYYY"``
  states the order of a file whose dates fit both.
* ``BillingCurrency`` is upper-cased; a file without a currency column, or a row with it empty, is in
  currency ``UNKNOWN`` (its own line in the coverage, never added to another currency).
* Two exports of the same month that repeat rows (two month-to-date exports) are refused, naming both
  files; the parts of one export run (different rows) are read together.
* ``Tags`` is the ``Tags`` text wrapped in ``{}`` (Azure CSVs omit the braces) when that is valid JSON,
  else the raw text (never an error); ``tag:<key>`` columns read the JSON.
* ``project_hint``: NULL (the subscription, SubAccountId, is the project), or with
  ``[sources.azure] project = "resource_group"`` the
  resource group (lower case: Azure treats resource-group names case-insensitively and exports mix
  cases); rows without a resource group fall back to the subscription.
* ``line_item_type`` = ``ChargeType/PricingModel``. ``charge_class``: ``Usage`` -> usage (``marketplace``
  when ``PublisherType = Marketplace``), ``Purchase`` -> commitment_purchase (marketplace for Marketplace
  purchases), ``Refund`` -> refund, ``UnusedReservation`` / ``UnusedSavingsPlan`` -> commitment_fee (an
  unused commitment consumes nothing), ``RoundingAdjustment`` -> rounding, ``Tax`` -> tax, ``Credit`` ->
  credit, anything else -> other_non_usage.

Actual and amortized cost
    The two views hold the same usage rows; adding them would count every VM twice. Each file's view is
    taken from its path (``actual`` / ``amortized`` in the file or folder names below the source), else
    from its content: UnusedReservation/UnusedSavingsPlan rows, or reservation / savings-plan usage rows
    with a non-zero cost, mean amortized; reservation / savings-plan purchases or refunds, or such usage
    rows all at zero cost, mean actual; a file with no commitment rows at all is the same in both views
    and is read as it is. When one source holds files of both views for the same month, only the view
    ``[sources.azure] cost = "actual" | "amortized"`` names (default actual) is read and a
    :class:`~cloudcarbon.exceptions.CloudCarbonWarning` names the skipped files. When two ``--source``
    arguments of one run hold different views of the same month, the second raises
    :class:`~cloudcarbon.exceptions.SourceError` naming both files (the connector remembers, per engine
    connection, which file supplied which view of which month). The content check is one extra pass over
    each file at scan time (cached per file path, size and modification time).
"""

from __future__ import annotations

import dataclasses
import warnings
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
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
    open_relation,
    read_error,
    read_header,
    sql_ident,
    sql_str,
    union_all,
)
from cloudcarbon.connectors._sql import Header, json_lookup, num, query_on, text, ts, value_checks
from cloudcarbon.connectors.base import ScanContext, Source
from cloudcarbon.exceptions import CloudCarbonWarning, ConfigError, SchemaError, SourceError
from cloudcarbon.schema import CANONICAL_USAGE, COST_SQL, HINT_COLUMNS, duckdb_type, tag_column

__all__ = ["NAME", "diagnose", "file_view", "scan", "sniff"]

NAME = "azure"
_FORMAT = "an Azure cost details export (EA or MCA)"

# logical field -> accepted column names, first present wins (matched case-insensitively)
_FIELDS: dict[str, tuple[str, ...]] = {
    "billing_account": ("BillingAccountId",),
    "billing_account_name": ("BillingAccountName",),
    "subscription": ("SubscriptionId", "SubscriptionGuid"),
    "resource_group": ("ResourceGroup", "ResourceGroupName"),
    "date": ("Date", "UsageDate"),
    "bp_start": ("BillingPeriodStartDate",),
    "meter_category": ("MeterCategory",),
    "meter_subcategory": ("MeterSubCategory",),
    "meter_name": ("MeterName",),
    "service_family": ("ServiceFamily",),
    "consumed_service": ("ConsumedService",),
    "quantity": ("Quantity", "UsageQuantity"),
    "unit": ("UnitOfMeasure",),
    "cost": ("CostInBillingCurrency", "Cost", "PreTaxCost"),
    "currency": ("BillingCurrency", "BillingCurrencyCode", "Currency"),
    "location": ("ResourceLocationNormalized", "ResourceLocation", "Location"),
    "additional_info": ("AdditionalInfo",),
    "tags": ("Tags",),
    "charge_type": ("ChargeType",),
    "pricing_model": ("PricingModel",),
    "publisher_type": ("PublisherType",),
}
_REQUIRED = ("subscription", "date", "meter_category", "meter_name", "quantity", "unit", "cost")

# Meter-region display names -> region code, where lower case without spaces is not the code.
# Cloud Carbon Footprint packages/azure/src/lib/AzureRegions.ts (Apache-2.0) aliases, plus the same
# pattern for the other Microsoft meter-region names of these regions.
_REGION_ALIASES = {
    "useast": "eastus",
    "useast2": "eastus2",
    "uswest": "westus",
    "uswest2": "westus2",
    "uswest3": "westus3",
    "uscentral": "centralus",
    "usnorthcentral": "northcentralus",
    "ussouthcentral": "southcentralus",
    "uswestcentral": "westcentralus",
    "eunorth": "northeurope",
    "europenorth": "northeurope",
    "euwest": "westeurope",
    "europewest": "westeurope",
    "apeast": "eastasia",
    "asiaeast": "eastasia",
    "apsoutheast": "southeastasia",
    "asiasoutheast": "southeastasia",
    "jaeast": "japaneast",
    "jawest": "japanwest",
    "krcentral": "koreacentral",
    "krsouth": "koreasouth",
    "incentral": "centralindia",
    "indiacentral": "centralindia",
    "insouth": "southindia",
    "inwest": "westindia",
    "dewestcentral": "germanywestcentral",
    "denorth": "germanynorth",
    "aueast": "australiaeast",
    "ausoutheast": "australiasoutheast",
    "aucentral": "australiacentral",
    "brsouth": "brazilsouth",
    "cacentral": "canadacentral",
    "caeast": "canadaeast",
    "uaen": "uaenorth",
}

_COMMITMENT_MODELS = "('reservation', 'savingsplan')"


def _find(h: Header, field: str) -> str | None:
    return h.first(_FIELDS[field])


def sniff(columns: Sequence[str]) -> list[str]:
    """Required cost-details columns missing from a header (empty: this is an Azure cost export)."""
    lower = {c.strip().lstrip("\ufeff").lower() for c in columns}
    return [_FIELDS[f][0] for f in _REQUIRED if not any(c.lower() in lower for c in _FIELDS[f])]


# ----------------------------------------------------------------------------------------------
# parsing expressions


def _col(h: Header, field: str) -> str:
    c = _find(h, field)
    return text(c) if c is not None else "NULL::VARCHAR"


def _date(h: Header, column: str, *, try_: bool = False, day_first: bool = False) -> str:
    """A day as TIMESTAMP: M/D/YYYY (US order; D/M/YYYY with ``day_first``) or ISO; typed values cast."""
    if not h.is_text(column):
        return ts(h, column, try_=try_)
    x = text(column)
    cast, fn = ("TRY_CAST", "try_strptime") if try_ else ("CAST", "strptime")
    fmt = "%d/%m/%Y" if day_first else "%m/%d/%Y"
    return (
        f"CASE WHEN {x} IS NULL THEN NULL::TIMESTAMP "
        f"WHEN regexp_matches({x}, '^[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{4}}') "
        f"THEN CAST({fn}(split_part({x}, ' ', 1), '{fmt}') AS TIMESTAMP) "
        f"WHEN regexp_matches({x}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
        f"THEN CAST({cast}(substr({x}, 1, 10) AS DATE) AS TIMESTAMP) "
        f"ELSE {cast}({x} AS TIMESTAMP) END"
    )


def _guarded_json(expr: str, key: str) -> str:
    """Value at ``key`` of JSON text ``expr``; NULL (never an error) when the text is not JSON."""
    return f"CASE WHEN json_valid({expr}) THEN {json_lookup(expr, key)} END"


def _info(h: Header, key: str) -> str:
    c = _find(h, "additional_info")
    if c is None:
        return "NULL::VARCHAR"
    return _guarded_json(text(c), key)


def _wrapped_tags(h: Header) -> str | None:
    c = _find(h, "tags")
    if c is None:
        return None
    if h.is_map(c):
        return f"CAST(to_json({sql_ident(c)}) AS VARCHAR)"
    t = text(c)
    return f"CASE WHEN {t} IS NULL THEN NULL WHEN left({t}, 1) = '{{' THEN {t} ELSE '{{' || {t} || '}}' END"


def _tags_json(h: Header) -> str:
    w = _wrapped_tags(h)
    c = _find(h, "tags")
    if w is None or c is None:
        return "NULL::VARCHAR"
    return f"CASE WHEN json_valid({w}) THEN {w} ELSE {text(c)} END"


def _tag_expr(h: Header, key: str) -> str:
    w = _wrapped_tags(h)
    return "NULL::VARCHAR" if w is None else _guarded_json(w, key)


def _pack_parts(h: Header) -> tuple[str, str]:
    """(multiplier, unit text without the pack size) of ``UnitOfMeasure``."""
    u = _col(h, "unit")
    n = f"coalesce(TRY_CAST(NULLIF(regexp_extract({u}, '^([0-9]+(\\.[0-9]+)?)', 1), '') AS DOUBLE), 1.0)"
    after = f"trim(regexp_replace({u}, '^[0-9]+(\\.[0-9]+)?', ''))"
    k = (
        f"CASE WHEN regexp_matches({after}, '^K(\\s|/|$)') THEN 1000.0 "
        f"WHEN regexp_matches({after}, '^M(\\s|/|$)') THEN 1000000.0 ELSE 1.0 END"
    )
    rest = f"CASE WHEN {k} <> 1.0 THEN trim(substr({after}, 2)) ELSE {after} END"
    unit = (
        f"CASE WHEN {u} IS NULL THEN NULL WHEN {rest} = '' THEN 'Units' "
        f"WHEN left({rest}, 1) = '/' THEN 'Units' || {rest} ELSE {rest} END"
    )
    return f"({n} * {k})", unit


def _unit(h: Header, base_unit: str) -> str:
    """ConsumedUnit: managed-disk tier meters become ``<tier> Disk/Month`` (converted by units.csv)."""
    name, sub = _col(h, "meter_name"), _col(h, "meter_subcategory")
    tier = f"regexp_extract({name}, '^([PES][0-9]+) (LRS |ZRS )?Disks?$', 1)"
    return (
        f"CASE WHEN {base_unit} = 'Units/Month' AND {sub} ILIKE '%Managed Disks%' AND {tier} <> '' "
        f"THEN {tier} || ' Disk/Month' ELSE {base_unit} END"
    )


def _instance_type(h: Header) -> str:
    service_type = _info(h, "ServiceType")
    m = f"regexp_replace(trim(split_part({_col(h, 'meter_name')}, '/', 1)), '\\s+(Spot|Low Priority)$', '')"
    first = f"split_part({m}, ' ', 1)"
    letters = f"regexp_extract({first}, '^[A-Za-z]+')"
    rest = f"trim(substr({m}, length({first}) + 1))"
    derived = (
        f"'Standard_' || upper({letters}) || lower(substr({first}, length({letters}) + 1)) || "
        f"CASE WHEN {rest} = '' THEN '' ELSE '_' || regexp_replace({rest}, '\\s+', '_', 'g') END"
    )
    return (
        f"CASE WHEN regexp_matches(coalesce({service_type}, ''), '^(Standard|Basic)_') THEN {service_type} "
        f"WHEN {_col(h, 'meter_category')} = 'Virtual Machines' AND {m} <> '' THEN {derived} END"
    )


def _region(h: Header) -> str:
    loc = f"lower(regexp_replace({_col(h, 'location')}, '\\s+', '', 'g'))"
    cases = " ".join(f"WHEN {sql_str(k)} THEN {sql_str(v)}" for k, v in _REGION_ALIASES.items())
    return f"CASE {loc} {cases} ELSE {loc} END"


def _charge_class(h: Header) -> str:
    ct = f"lower(coalesce({_col(h, 'charge_type')}, 'Usage'))"
    market = f"lower(coalesce({_col(h, 'publisher_type')}, '')) = 'marketplace'"
    return f"""CASE
  WHEN {ct} = 'usage' AND {market} THEN 'marketplace'
  WHEN {ct} = 'usage' THEN 'usage'
  WHEN {ct} = 'purchase' AND {market} THEN 'marketplace'
  WHEN {ct} = 'purchase' THEN 'commitment_purchase'
  WHEN {ct} = 'refund' THEN 'refund'
  WHEN {ct} IN ('unusedreservation', 'unusedsavingsplan') THEN 'commitment_fee'
  WHEN {ct} = 'roundingadjustment' THEN 'rounding'
  WHEN {ct} = 'tax' THEN 'tax'
  WHEN {ct} = 'credit' THEN 'credit'
  ELSE 'other_non_usage'
END"""


def _project(h: Header, mode: str) -> str:
    # the subscription is already SubAccountId, the default project; a hint only for resource groups
    if mode == "subscription":
        return "NULL::VARCHAR"
    return f"lower({_col(h, 'resource_group')})"


def _period(h: Header, day_first: bool = False) -> str:
    day = _date(h, _find(h, "date"), day_first=day_first)  # type: ignore[arg-type]
    bp = _find(h, "bp_start")
    return f"date_trunc('month', {f'coalesce({_date(h, bp, day_first=day_first)}, {day})' if bp else day})"


def _select_sql(
    h: Header, path: Path, tag_keys: Sequence[str], project: str, day_first: bool, view: str
) -> str:
    missing = [_FIELDS[f][0] for f in _REQUIRED if _find(h, f) is None]
    if missing:
        raise SchemaError(path, _FORMAT, missing)
    day = _date(h, _find(h, "date"), day_first=day_first)  # type: ignore[arg-type]
    period = _period(h, day_first)
    mult, base_unit = _pack_parts(h)
    qty = num(h, _find(h, "quantity"), "DOUBLE")  # type: ignore[arg-type]
    cost = num(h, _find(h, "cost"), COST_SQL)  # type: ignore[arg-type]
    usage_type = (
        f"concat_ws('|', coalesce({_col(h, 'meter_category')}, ''), "
        f"coalesce({_col(h, 'meter_subcategory')}, ''), coalesce({_col(h, 'meter_name')}, ''))"
    )
    ct = f"coalesce({_col(h, 'charge_type')}, 'Usage')"
    pm = _col(h, "pricing_model")
    exprs = {
        "ProviderName": "'azure'",
        "BillingAccountId": f"coalesce({_col(h, 'billing_account')}, {_col(h, 'billing_account_name')})",
        "SubAccountId": _col(h, "subscription"),
        "billing_month": f"strftime({period}, '%Y-%m')",
        "billing_period_hours": f"CAST(date_diff('hour', {period}, {period} + INTERVAL 1 MONTH) AS DOUBLE)",
        "ChargePeriodStart": day,
        "ChargePeriodEnd": f"{day} + INTERVAL 1 DAY",
        "ServiceName": _col(h, "meter_category"),
        "RegionId": _region(h),
        "usage_type": usage_type,
        "operation": "NULL::VARCHAR",
        "product_family": _col(h, "service_family"),
        "instance_type": _instance_type(h),
        "line_item_type": f"CASE WHEN {pm} IS NULL THEN {ct} ELSE {ct} || '/' || {pm} END",
        "charge_class": _charge_class(h),
        "ConsumedQuantity": f"coalesce({qty}, 0.0) * {mult}",
        "ConsumedUnit": _unit(h, base_unit),
        "BilledCost": f"coalesce({cost}, 0)",
        # the amortized view's cost is amortised; the actual view has no amortised figure (covered usage
        # at 0, the purchase on its own row): read the amortized export where commitments matter
        "EffectiveCost": f"coalesce({cost}, 0)",
        "BillingCurrency": _col(h, "currency"),
        "vcpu_hint": f"TRY_CAST({_info(h, 'VCPUs')} AS DOUBLE)",
        "memory_gb_hint": "NULL::DOUBLE",
        "project_hint": _project(h, project),
        **{c: f"NULL::{duckdb_type(CANONICAL_USAGE[c])}" for c in HINT_COLUMNS[3:]},
        # the unit as billed and its pack multiplier (a method reading the bill's own quantity divides)
        "pack_size": mult,
        "billed_unit": _col(h, "unit"),
        "Tags": _tags_json(h),
        "source_file": sql_str(str(path)),
        "source_row": "CAST(__row AS BIGINT)",
    }
    assert list(exprs) == list(CANONICAL_USAGE)
    select = [f"{e} AS {sql_ident(name)}" for name, e in exprs.items()]
    select += [f"{_tag_expr(h, k)} AS {sql_ident(tag_column(k))}" for k in tag_keys]
    return "SELECT " + ",\n  ".join(select) + f" FROM {view}"


def _checks(h: Header, day_first: bool = False) -> list[tuple[str, str, str]]:
    kinds = (("quantity", "number"), ("cost", "decimal"), ("date", "ts"), ("bp_start", "ts"))
    order = "DD/MM/YYYY" if day_first else "MM/DD/YYYY"
    other = "MM/DD/YYYY" if day_first else "DD/MM/YYYY"
    return value_checks(
        h,
        [(_find(h, f), k) for f, k in kinds],
        timestamp=lambda hh, c, try_=False: _date(hh, c, try_=try_, day_first=day_first),
        timestamp_text=(
            f"a date ({order} or YYYY-MM-DD); if the file writes dates as {other}, set "
            f'[sources.azure] date_format = "{other}"'
        ),
    )


# ----------------------------------------------------------------------------------------------
# actual / amortized views


@dataclass(frozen=True)
class FileView:
    """What one export file holds: its cost view and the billing months of its rows."""

    path: Path
    view: str  # "actual", "amortized" or "either" (no commitment rows: both views are the same)
    months: frozenset[str]
    reason: str
    #: dates are D/M/YYYY (set by ``[sources.azure] date_format``, or detected: a first number above 12)
    day_first: bool = False


_VIEW_CACHE: dict[tuple[str, int, int, str], FileView] = {}
# per engine connection: the [sources.azure] settings of its scans (diagnosis re-reads with them)
_OPTIONS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, Any] = weakref.WeakKeyDictionary()
# per engine connection: (month, view) -> file that supplied it
_SEEN: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, dict[tuple[str, str], Path]] = (
    weakref.WeakKeyDictionary()
)


def _view_from_name(path: Path, root: Path) -> str | None:
    try:
        rel = path.relative_to(root) if root.is_dir() else Path(path.name)
    except ValueError:
        rel = Path(path.name)
    name = str(rel).lower()
    if "amortized" in name or "amortised" in name:
        return "amortized"
    if "actual" in name:
        return "actual"
    return None


def _day_first(rel: duckdb.DuckDBPyRelation, h: Header, path: Path, forced: str | None) -> bool:
    """Whether the file's slash dates are day-first: as configured, else detected without ambiguity.

    A first number above 12 can only be a day; a second number above 12 only a day in US order. A file
    with both is refused, naming a row of each; a file where every date fits both orders is read in US
    order (Azure's own format).
    """
    if forced is not None:
        return forced == "DD/MM/YYYY"
    cols = [c for c in (_find(h, "date"), _find(h, "bp_start")) if c is not None and h.is_text(c)]
    if not cols:
        return False
    first, second = [], []
    for c in cols:
        x = text(c)
        slash = f"regexp_matches({x}, '^[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{4}}')"
        a = f"TRY_CAST(split_part({x}, '/', 1) AS INTEGER)"
        b = f"TRY_CAST(split_part({x}, '/', 2) AS INTEGER)"
        q = rel.query(
            "__azd",
            f"SELECT min(__row) FILTER (WHERE {slash} AND {a} > 12), "
            f"min(__row) FILTER (WHERE {slash} AND {b} > 12) FROM __azd",
        )
        assert q is not None
        r1, r2 = q.fetchall()[0]
        if r1 is not None:
            first.append((c, int(r1)))
        if r2 is not None:
            second.append((c, int(r2)))
    if first and second:
        (c1, r1), (c2, r2) = first[0], second[0]
        raise SourceError(
            path,
            f"column {c1!r} row {r1} writes the day first, but column {c2!r} row {r2} writes the month "
            "first; re-export with one date format (Azure writes MM/DD/YYYY) or set [sources.azure] "
            'date_format = "MM/DD/YYYY" or "DD/MM/YYYY" and fix the other rows',
        )
    if first:
        c, r = first[0]
        warnings.warn(
            f"{path}: column {c!r} writes dates day first (row {r}); read as DD/MM/YYYY "
            '(set [sources.azure] date_format = "DD/MM/YYYY" to say so)',
            CloudCarbonWarning,
            stacklevel=4,
        )
    return bool(first)


def file_view(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    workdir: Path,
    root: Path | None = None,
    date_format: str | None = None,
) -> FileView:
    """The cost view of one export file (from its path, else its content) and its billing months."""
    try:
        return _file_view(con, path, workdir, root, date_format)
    except duckdb.Error as exc:  # a ragged row or unbalanced quote: name the row
        raise read_error(path, exc) from exc


def _file_view(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    workdir: Path,
    root: Path | None,
    date_format: str | None,
) -> FileView:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, date_format or "")
    by_name = _view_from_name(path, root or path)
    cached = _VIEW_CACHE.get(key)
    if cached is not None and (by_name is None or cached.view == by_name):
        return cached
    rel = open_relation(con, path, workdir)
    h = Header(rel.columns, [str(t) for t in rel.types])
    missing = [_FIELDS[f][0] for f in _REQUIRED if _find(h, f) is None]
    if missing:
        raise SchemaError(path, _FORMAT, missing)
    day_first = _day_first(rel, h, path, date_format)
    day = _date(h, _find(h, "date"), try_=True, day_first=day_first)  # type: ignore[arg-type]
    bp = _find(h, "bp_start")
    first_day = f"coalesce({_date(h, bp, try_=True, day_first=day_first)}, {day})" if bp else day
    month = f"strftime(date_trunc('month', {first_day}), '%Y-%m')"
    ct = f"lower(coalesce({_col(h, 'charge_type')}, 'usage'))"
    pm = f"lower(coalesce({_col(h, 'pricing_model')}, ''))"
    cost = num(h, _find(h, "cost"), COST_SQL, try_=True)  # type: ignore[arg-type]
    commit_usage = f"{ct} = 'usage' AND {pm} IN {_COMMITMENT_MODELS}"
    summary = rel.query(
        "__az",
        f"SELECT list(DISTINCT {month}) FILTER (WHERE {month} IS NOT NULL), "
        f"count(*) FILTER (WHERE {ct} IN ('unusedreservation', 'unusedsavingsplan')), "
        f"count(*) FILTER (WHERE {commit_usage} AND coalesce({cost}, 0) <> 0), "
        f"count(*) FILTER (WHERE {commit_usage}), "
        f"count(*) FILTER (WHERE {ct} IN ('purchase', 'refund') AND {pm} IN {_COMMITMENT_MODELS}) "
        "FROM __az",
    )
    assert summary is not None  # a SELECT always yields a relation
    row = summary.fetchall()[0]
    months = frozenset(m for m in (row[0] or []) if m)
    unused, costed_usage, commit_rows, purchases = (int(v or 0) for v in row[1:])
    if by_name is not None:
        view, reason = by_name, "named in the file path"
    elif unused or (costed_usage and not purchases):
        view, reason = "amortized", "unused-commitment rows or costed reservation/savings-plan usage"
    elif purchases or commit_rows:
        view, reason = "actual", "commitment purchases, or reservation/savings-plan usage at zero cost"
    else:
        view, reason = "either", "no commitment rows: actual and amortized views are identical"
    result = FileView(path, view, months, reason, day_first)
    _VIEW_CACHE[key] = result
    return result


def _cost_option(ctx: ScanContext) -> str:
    chosen = str(ctx.options.get("cost", "actual")).lower()
    if chosen not in ("actual", "amortized"):
        raise ConfigError(None, f'[sources.azure] cost must be "actual" or "amortized", not {chosen!r}')
    return chosen


def _date_option(ctx: ScanContext) -> str | None:
    value = ctx.options.get("date_format")
    if value is None:
        return None
    fmt = str(value).upper()
    if fmt not in ("MM/DD/YYYY", "DD/MM/YYYY"):
        raise ConfigError(
            None, f'[sources.azure] date_format must be "MM/DD/YYYY" or "DD/MM/YYYY", not {value!r}'
        )
    return fmt


def _project_option(ctx: ScanContext) -> str:
    mode = str(ctx.options.get("project", "subscription")).lower()
    if mode not in ("subscription", "resource_group"):
        raise ConfigError(
            None, f'[sources.azure] project must be "subscription" or "resource_group", not {mode!r}'
        )
    return mode


def _select_files(source: Source, ctx: ScanContext) -> list[FileView]:
    """The files of ``source`` to read: one cost view per month, checked against other sources."""
    files = claim_files(ctx.claims, data_files(source.path), str(source))
    for f in files:
        missing = sniff(read_header(f))
        if missing:
            raise SchemaError(f, _FORMAT, missing)
    chosen = _cost_option(ctx)
    date_format = _date_option(ctx)
    views = [file_view(ctx.con, f, ctx.workdir, source.path, date_format) for f in files]
    keep: list[FileView] = []
    skipped: list[FileView] = []
    for v in views:
        other = [
            w
            for w in views
            if w.view not in ("either", v.view) and v.view != "either" and w.months & v.months
        ]
        if other and v.view != chosen:
            skipped.append(v)
        else:
            keep.append(v)
    if skipped:
        warnings.warn(
            f"{source.path}: holds both actual and amortized cost for the same month(s); reading the "
            f"{chosen} view ([sources.azure] cost) and skipping " + ", ".join(str(v.path) for v in skipped),
            CloudCarbonWarning,
            stacklevel=3,
        )
    seen = _SEEN.setdefault(ctx.con, {})
    mine = {v.path for v in keep}
    for v in keep:
        if v.view == "either":
            continue
        opposite = "amortized" if v.view == "actual" else "actual"
        for m in sorted(v.months):
            if ctx.month is not None and m != ctx.month:
                continue
            prior = seen.get((m, opposite))
            if prior is not None and prior not in mine:
                raise SourceError(
                    v.path,
                    f"holds the {v.view} cost view of {m}, but {prior} (another source of this run) "
                    f"holds the {opposite} view of the same month; the two views repeat the same usage, "
                    "so pass only one of them",
                )
    for v in keep:
        if v.view != "either":
            for m in v.months:
                seen.setdefault((m, v.view), v.path)
    _refuse_overlap(ctx, keep)
    return keep


def _shared_rows(ctx: ScanContext, a: Path, b: Path) -> int:
    """Rows of ``a`` identical in every common column to a row of ``b``."""
    try:
        return _count_shared(ctx, a, b)
    except duckdb.Error as exc:
        raise read_error(a, exc) from exc


def _count_shared(ctx: ScanContext, a: Path, b: Path) -> int:
    ra, rb = open_relation(ctx.con, a, ctx.workdir), open_relation(ctx.con, b, ctx.workdir)
    common = [c for c in ra.columns if c in set(rb.columns) and c != "__row"]
    if not common:
        return 0
    key = f"hash({', '.join(sql_ident(c) for c in common)})"
    ha = ra.project(f"{key} AS __h")
    hb = rb.project(f"{key} AS __h")
    return int(ha.intersect(hb).aggregate("count(*)").fetchall()[0][0])


def _refuse_overlap(ctx: ScanContext, views: list[FileView]) -> None:
    """Refuse two exports of one month that repeat rows (e.g. two month-to-date exports of a month).

    Files of one export run split into parts hold different rows; two month-to-date exports of the same
    month repeat the earlier days. Compared: every pair of files read in this run (this source and the
    sources before it) whose months overlap.
    """
    earlier: list[FileView] = ctx.claims.setdefault("azure_files", [])
    pool = [*earlier]
    for v in views:
        for w in pool:
            common = v.months & w.months
            if not common or w.path == v.path:
                continue
            n = _shared_rows(ctx, v.path, w.path)
            if n:
                raise SourceError(
                    v.path,
                    f"repeats {n} row(s) of {w.path} (month {', '.join(sorted(common))}); two exports of "
                    "the same month overlap (a month-to-date export and a later one?), and reading both "
                    "would count those rows twice. Keep only the latest export of each month",
                )
        pool.append(v)
    earlier.extend(views)


# ----------------------------------------------------------------------------------------------
# connector interface


def _relations(source: Source, ctx: ScanContext) -> list[tuple[Path, duckdb.DuckDBPyRelation, Header, bool]]:
    out = []
    for v in _select_files(source, ctx):
        rel = open_relation(ctx.con, v.path, ctx.workdir)
        out.append((v.path, rel, Header(rel.columns, [str(t) for t in rel.types]), v.day_first))
    return out


def scan(source: Source, ctx: ScanContext) -> nw.LazyFrame[Any]:
    """The canonical usage table of an Azure cost details file or folder (lazy)."""
    project = _project_option(ctx)
    if ctx.options:
        _OPTIONS[ctx.con] = ctx.options
    parts: list[duckdb.DuckDBPyRelation] = []
    for f, rel, h, day_first in _relations(source, ctx):
        parts.append(query_on(rel, "azure", partial(_select_sql, h, f, ctx.tag_keys, project, day_first)))
    if not parts:  # every file was read already by an earlier source of this run
        return empty_canonical(ctx.con, ctx.tag_keys)
    return union_all(parts, guarded=ctx.guard)


def diagnose(source: Source, ctx: ScanContext) -> None:
    """Raise :class:`~cloudcarbon.exceptions.ValueParseError` for the first unparseable value."""
    if not ctx.options and ctx.con in _OPTIONS:  # the settings the scan used (date order, view)
        ctx = dataclasses.replace(ctx, options=_OPTIONS[ctx.con])
    for f, rel, h, day_first in _relations(source, ctx):
        find_bad_value(rel, f, _checks(h, day_first))
    find_bad_rows(
        scan(source, dataclasses.replace(ctx, guard=False, claims={})),
        lambda c: {
            "billing_month": "Date",
            "ConsumedQuantity": "Quantity",
            "BilledCost": "CostInBillingCurrency",
        }.get(c, c),
    )
