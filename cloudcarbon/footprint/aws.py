"""AWS: the Data Exports table ``CARBON_EMISSIONS`` and the CCFT console CSV download.

* Data Export (CSV, CSV.gz, Parquet), read by column name: ``usage_account_id`` -> ``account_id``,
  ``payer_account_id`` -> ``billing_account_id``, ``region_code`` -> ``region``, ``location`` ->
  ``location_label``, ``product_code`` -> ``service``, ``usage_period_start`` -> ``billing_period``,
  ``total_lbm_emissions_value`` / ``total_mbm_emissions_value`` -> ``location_kgco2e`` /
  ``market_kgco2e``, the scope columns (model v3 and later) -> the scope split (scope 3: the LBM
  variant), ``model_version``, ``last_refresh_timestamp`` -> ``refreshed_at``. Every ``*_unit``
  column must say ``MTCO2e`` (metric tonnes, the only unit AWS documents); values are converted to kg.
  A file under ``model_version=<V>/usage_period=<YYYY-MM>/`` must hold only that version and month.
* CCFT console CSV (``usage_year`` or ``usage_month``, ``service``, ``region``,
  ``total_lbm_emissions``, ``total_mbm_emissions``, scope columns, ``model_version``): values in
  MTCO2e without unit columns; no account (``account_id`` null); ``region`` is AWS's long name, kept
  as ``location_label`` (``region`` is null unless the text is already a region code); a
  ``usage_year`` file gives ``billing_period`` = the year (``2025``), which no month matches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from cloudcarbon.exceptions import SourceError, ValueParseError
from cloudcarbon.footprint._read import Records, month_of, number, records, text

__all__ = ["NAME", "read", "sniff"]

NAME = "aws"

#: kg per metric tonne: AWS publishes MTCO2e, the footprint table is in kg.
KG_PER_TONNE = 1000.0
#: Units AWS writes in the ``*_unit`` columns, and the factor to kg.
UNITS = {"mtco2e": KG_PER_TONNE}

_EXPORT_REQUIRED = (
    "usage_account_id",
    "product_code",
    "region_code",
    "usage_period_start",
    "model_version",
    "total_lbm_emissions_value",
)
_CONSOLE_REQUIRED = ("service", "region", "total_lbm_emissions", "total_mbm_emissions", "model_version")
#: footprint column <- (value column, unit column) in the Data Export
_EXPORT_VALUES = {
    "location_kgco2e": ("total_lbm_emissions_value", "total_lbm_emissions_unit"),
    "market_kgco2e": ("total_mbm_emissions_value", "total_mbm_emissions_unit"),
    "scope1_kgco2e": ("total_scope_1_emissions_value", "total_scope_1_emissions_unit"),
    "scope2_location_kgco2e": ("total_scope_2_lbm_emissions_value", "total_scope_2_lbm_emissions_unit"),
    "scope2_market_kgco2e": ("total_scope_2_mbm_emissions_value", "total_scope_2_mbm_emissions_unit"),
    "scope3_kgco2e": ("total_scope_3_lbm_emissions_value", "total_scope_3_lbm_emissions_unit"),
}
_CONSOLE_VALUES = {
    "location_kgco2e": "total_lbm_emissions",
    "market_kgco2e": "total_mbm_emissions",
    "scope1_kgco2e": "total_scope_1_emissions_value",
    "scope2_location_kgco2e": "total_scope_2_lbm_emissions_value",
    "scope2_market_kgco2e": "total_scope_2_mbm_emissions_value",
    "scope3_kgco2e": "total_scope_3_lbm_emissions_value",
}
_REGION_CODE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_YEAR = re.compile(r"^\d{4}$")


def _missing(columns: Sequence[str], need: Sequence[str]) -> list[str]:
    have = {c.lower() for c in columns}
    return [c for c in need if c not in have]


def sniff(columns: Sequence[str]) -> list[str]:
    """The required columns the header lacks for the closer of the two AWS formats (empty: it is one)."""
    return min(_missing(columns, _EXPORT_REQUIRED), _missing(columns, _CONSOLE_REQUIRED), key=len)


def read(rec: Records, *, partition: Mapping[str, str], month: str | None = None) -> list[dict[str, Any]]:
    """The footprint rows of one AWS file (``partition``: the ``key=value`` folders above it)."""
    if not _missing(rec.columns, _EXPORT_REQUIRED):
        return _export(rec, partition)
    return _console(rec)


def _lower(row: Mapping[str, str | None]) -> dict[str, str | None]:
    return {k.lower(): v for k, v in row.items()}


def _export(rec: Records, partition: Mapping[str, str]) -> list[dict[str, Any]]:
    out = []
    for n, raw in records(rec.rows):
        row = _lower(raw)
        period = month_of(rec.path, n, row, "usage_period_start")
        version = text(row, "model_version")
        if version is None:
            raise ValueParseError(
                rec.path, row=n, column="model_version", value="", expected="a model version"
            )
        if "usage_period" in partition and partition["usage_period"] != period:
            raise SourceError(
                rec.path,
                f"row {n}, column 'usage_period_start': month {period} in a file under usage_period="
                f"{partition['usage_period']}; a delivery holds one month, so the file is mixed up - "
                "download that month's export again",
            )
        if "model_version" in partition and partition["model_version"] != version:
            raise SourceError(
                rec.path,
                f"row {n}, column 'model_version': {version!r} in a file under model_version="
                f"{partition['model_version']}; keep each model version's files in its own folder",
            )
        values: dict[str, float | None] = {}
        for field, (value_col, unit_col) in _EXPORT_VALUES.items():
            value = number(rec.path, n, row, value_col, "MTCO2e")
            unit = text(row, unit_col)
            if value is not None and unit_col in row:
                factor = UNITS.get((unit or "").lower())
                if factor is None:
                    raise SourceError(
                        rec.path,
                        f"row {n}, column {unit_col!r}: unit {row.get(unit_col) or ''!r} is not MTCO2e, "
                        "the only unit AWS documents for this table; check the file is an AWS "
                        "CARBON_EMISSIONS export",
                    )
                values[field] = value * factor
            else:
                values[field] = None if value is None else value * KG_PER_TONNE
        out.append(
            {
                "provider": NAME,
                "billing_period": period,
                "account_id": text(row, "usage_account_id"),
                "billing_account_id": text(row, "payer_account_id"),
                "region": text(row, "region_code"),
                "location_label": text(row, "location"),
                "service": text(row, "product_code"),
                **values,
                "model_version": version,
                "source": str(rec.path),
                "source_row": n,
                "resource_id": None,
                "refreshed_at": text(row, "last_refresh_timestamp"),
            }
        )
    return out


def _console(rec: Records) -> list[dict[str, Any]]:
    out = []
    for n, raw in records(rec.rows):
        row = _lower(raw)
        if text(row, "usage_month") is not None:
            period = month_of(rec.path, n, row, "usage_month")
        else:
            year = text(row, "usage_year")
            if year is None or not _YEAR.match(year):
                raise ValueParseError(
                    rec.path, row=n, column="usage_year", value=row.get("usage_year") or "", expected="a year"
                )
            period = year
        label = text(row, "region")
        values = {f: _tonnes(rec, n, row, c) for f, c in _CONSOLE_VALUES.items()}
        out.append(
            {
                "provider": NAME,
                "billing_period": period,
                "account_id": None,
                "billing_account_id": None,
                "region": label if label and _REGION_CODE.match(label) else None,
                "location_label": label,
                "service": text(row, "service"),
                **values,
                "model_version": text(row, "model_version"),
                "source": str(rec.path),
                "source_row": n,
                "resource_id": None,
                "refreshed_at": None,
            }
        )
    return out


def _tonnes(rec: Records, n: int, row: Mapping[str, str | None], column: str) -> float | None:
    value = number(rec.path, n, row, column, "MTCO2e")
    return None if value is None else value * KG_PER_TONNE
