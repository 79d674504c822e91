"""Reading providers' footprint files: detection, model versions, repeated deliveries.

:func:`read_footprints` takes ``PATH`` or ``PROVIDER:PATH`` specs (files or folders), detects each
file's provider from its columns (as the billing connectors do), reads it with that provider's reader
(:mod:`cloudcarbon.footprint.aws`, ``gcp``, ``azure``) and then:

* **one model version per provider and month**: where a month is delivered under several methodology
  versions (AWS delivers old and new side by side for three months after a change), the highest is
  kept and the others are listed in :attr:`ProviderFootprint.ignored`, never summed;
* **repeated deliveries**: the same record (same provider, month, account, billing account,
  location, service, resource and model version) in two files is kept once; when the copies differ,
  the one with the latest ``refreshed_at`` is kept (AWS ``last_refresh_timestamp``); copies that
  differ with no refresh time to choose by, or a record repeated within one file, are an error
  naming both rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl

from cloudcarbon.exceptions import SourceError
from cloudcarbon.footprint import aws, azure, gcp
from cloudcarbon.footprint._read import footprint_files, read_records
from cloudcarbon.footprint.schema import PROVIDER_FOOTPRINT, empty_footprint

__all__ = ["IGNORED_SCHEMA", "READERS", "ProviderFootprint", "read_footprints"]

#: The footprint readers by provider name.
READERS: dict[str, ModuleType] = {m.NAME: m for m in (aws, gcp, azure)}

#: Columns of :attr:`ProviderFootprint.ignored`.
IGNORED_SCHEMA: dict[str, pl.DataType] = {
    "provider": pl.String(),
    "billing_period": pl.String(),
    "model_version": pl.String(),
    "source": pl.String(),
    "source_row": pl.Int64(),
    "location_kgco2e": pl.Float64(),
    "reason": pl.String(),
}

#: Columns that identify one provider record (two rows with these equal are the same record).
RECORD_KEY = (
    "provider",
    "billing_period",
    "account_id",
    "billing_account_id",
    "location_label",
    "region",
    "service",
    "resource_id",
    "model_version",
)
_FIGURES = (
    "location_kgco2e",
    "market_kgco2e",
    "scope1_kgco2e",
    "scope2_location_kgco2e",
    "scope2_market_kgco2e",
    "scope3_kgco2e",
)
_PARTITION = re.compile(r"^([A-Za-z_]+)=(.+)$")


@dataclass(frozen=True)
class ProviderFootprint:
    """Providers' figures as read: :attr:`table` (:data:`PROVIDER_FOOTPRINT`), the rows left out and
    why (:attr:`ignored`), and the files read."""

    table: pl.DataFrame
    ignored: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=IGNORED_SCHEMA))
    files: tuple[str, ...] = ()

    def months(self) -> list[str]:
        """The billing periods present, sorted."""
        return sorted({str(m) for m in self.table["billing_period"].to_list()})


def _parse_spec(spec: str | Path) -> tuple[str | None, Path]:
    text = str(spec)
    name, sep, rest = text.partition(":")
    if sep and name in READERS and rest:
        return name, Path(rest)
    return None, Path(text)


def _detect(path: Path, columns: list[str], named: str | None) -> ModuleType:
    if named is not None:
        missing = READERS[named].sniff(columns)
        if missing:
            raise SourceError(
                path,
                f"is named as {named} but lacks the column(s) {', '.join(missing)} of its carbon export; "
                "see docs/provider-footprints.md for the accepted formats",
            )
        return READERS[named]
    misses = []
    for name, module in READERS.items():
        missing = module.sniff(columns)
        if not missing:
            return module
        misses.append((len(missing), name, missing))
    misses.sort()
    hints = "; ".join(f"{n} (missing: {', '.join(m[:4])})" for _, n, m in misses[:2])
    raise SourceError(
        path,
        f"is not a recognised provider carbon export; closest: {hints}. Name the provider "
        "(aws:PATH, gcp:PATH or azure:PATH) or see docs/provider-footprints.md",
    )


def _partition(path: Path) -> dict[str, str]:
    found = {}
    for part in path.parts:
        m = _PARTITION.match(part)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def _version_key(version: str | None) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version or ""))


def read_footprints(specs: Sequence[str | Path], *, month: str | None = None) -> ProviderFootprint:
    """Read providers' footprint files into one :data:`PROVIDER_FOOTPRINT` table.

    Parameters
    ----------
    specs
        ``PATH`` or ``PROVIDER:PATH`` (``aws``, ``gcp``, ``azure``): files or folders (an AWS Data
        Export folder laid out as ``data/model_version=<V>/usage_period=<YYYY-MM>/``).
    month
        The month for Azure items that carry none (see :mod:`cloudcarbon.footprint.azure`).

    Raises
    ------
    SourceError
        A file is missing, unreadable or of no known format, or holds a bad value (file, row, column).
    """
    rows: list[dict[str, Any]] = []
    files: list[str] = []
    for spec in specs:
        named, root = _parse_spec(spec)
        for f in footprint_files(root):
            rec = read_records(f)
            if not rec.rows:
                files.append(str(f))
                continue
            reader = _detect(f, rec.columns, named)
            rows.extend(
                reader.read(
                    rec, partition=_partition(f.relative_to(root) if root.is_dir() else Path()), month=month
                )
            )
            files.append(str(f))
    table = pl.DataFrame(rows, schema=PROVIDER_FOOTPRINT) if rows else empty_footprint()
    table, dropped = _one_version(table)
    table, repeats = _deduplicate(table)
    ignored = pl.concat([dropped, repeats]).sort("source", "source_row")
    return ProviderFootprint(table=table.sort("source", "source_row"), ignored=ignored, files=tuple(files))


def _one_version(table: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep the highest model version of each provider and month; the rest is ignored."""
    keep = []
    drop = []
    for (provider, period), part in table.group_by("provider", "billing_period", maintain_order=True):
        versions = sorted(
            {v for v in part["model_version"].to_list()}, key=lambda v: (_version_key(v), v or "")
        )
        best = versions[-1]
        keep.append(part.filter(pl.col("model_version").eq_missing(best)))
        other = part.filter(~pl.col("model_version").eq_missing(best))
        if other.height:
            drop.append(
                other.select(
                    *IGNORED_SCHEMA.keys() - {"reason"},
                ).with_columns(
                    pl.lit(
                        f"model version superseded: {provider} delivered {period} under model version {best} "
                        "too; one version per month is used, never a sum across versions"
                    ).alias("reason")
                )
            )
    kept = pl.concat(keep) if keep else table
    return kept, _ignored(drop)


def _ignored(parts: list[pl.DataFrame]) -> pl.DataFrame:
    if not parts:
        return pl.DataFrame(schema=IGNORED_SCHEMA)
    schema = pl.Schema(IGNORED_SCHEMA)
    return pl.concat([p.select(list(IGNORED_SCHEMA)).cast(schema) for p in parts])


def _deduplicate(table: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per record: repeated deliveries kept once (the latest refresh when they differ)."""
    if table.is_empty():
        return table, _ignored([])
    counted = table.with_columns(pl.len().over(RECORD_KEY, mapping_strategy="group_to_rows").alias("_n"))
    single = counted.filter(pl.col("_n") == 1).drop("_n")
    keep = [single]
    drop: list[pl.DataFrame] = []
    for _, part in counted.filter(pl.col("_n") > 1).drop("_n").group_by(RECORD_KEY, maintain_order=True):
        rows = part.to_dicts()
        first = rows[0]
        for other in rows[1:]:
            if other["source"] == first["source"]:
                raise SourceError(
                    first["source"],
                    f"row {other['source_row']} repeats row {first['source_row']} (same month, account, "
                    "location, service and model version); remove one, a record appears once per delivery",
                )
        if all(r["refreshed_at"] for r in rows):
            rows.sort(key=lambda r: str(r["refreshed_at"]))
            best = rows[-1]
            reason = (
                f"restated: a later delivery ({best['source']} row {best['source_row']}, "
                f"refreshed {best['refreshed_at']}) is used"
            )
        elif all(all(r[f] == first[f] for f in _FIGURES) for r in rows):
            best = first
            where = f"{best['source']} row {best['source_row']}"
            reason = f"repeat delivery: the same figures as {where}, counted once"
        else:
            a, b = rows[0], rows[1]
            raise SourceError(
                b["source"],
                f"row {b['source_row']} gives other figures for the record of {a['source']} row "
                f"{a['source_row']} and neither says when it was computed; keep only the newer delivery",
            )
        keep.append(pl.DataFrame([best], schema=PROVIDER_FOOTPRINT))
        rest = [r for r in rows if r is not best]
        drop.append(
            pl.DataFrame(rest, schema=PROVIDER_FOOTPRINT).with_columns(pl.lit(reason).alias("reason"))
        )
    return pl.concat(keep), _ignored(drop)
