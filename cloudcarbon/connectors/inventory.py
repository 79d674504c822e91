"""Inventory of servers with no billing or telemetry (on-premises, colocation) to the canonical usage table.

Input is a TOML file of ``[[server]]`` tables or a CSV file with the same fields as columns (one server
per row; a folder may hold several ``.toml`` / ``.csv`` files). An inventory describes a steady state,
so it is estimated for the month asked for (``ctx.month``): each entry becomes one usage row of that
month, ``billing_month = ctx.month``. Without a month (``ctx.month is None``) nothing is emitted, since
there is no period to count hours in.

Fields (TOML keys / CSV columns; unknown ones are ignored)
    ``name`` (required), ``project``; CPU: ``cpu_model`` (e.g. ``Intel Xeon Gold 6248``, looked up in
    the factor set's ``cpu_models.csv``) or ``cpu_microarchitecture`` (a ``cpu_power``
    microarchitecture such as ``Cascade Lake``); size: ``vcpus`` (hardware threads of the whole
    machine) or ``cores`` with ``threads_per_core`` (required with ``cores``: 2 with Hyper-Threading /
    SMT, 1 without); ``memory_gb`` (optional; without it memory energy is not counted);
    accelerators: ``accelerators = "4 x NVIDIA A100 SXM4 40GB"`` or ``accelerator_model`` with
    ``accelerator_count`` (default 1), the model spelled as in ``accelerators.csv``; time:
    ``hours_per_month`` (at most the month's hours) or ``always_on = true`` (all hours of the month);
    ``location`` (required: ISO 3166 alpha-2 country such as ``DE``, an Electricity Maps zone such as
    ``US-CAL-CISO``, or from factor set 2026.12.1 a US eGRID subregion such as ``NWPP``); ``pue``
    (default: the factor set's ``inventory`` PUE row); ``utilisation`` (average
    CPU utilisation, 0-1); ``embodied_kgco2e`` (whole machine, spread over the lifespan);
    ``in_service_from`` / ``retired_on`` (ISO dates; the machine runs from the start of
    ``in_service_from`` until the start of ``retired_on``: a month outside that span emits no row, a
    partly covered month counts only the covered share of its hours); ``count`` (identical machines,
    default 1); ``currency`` (default ``USD``; a TOML file may set it once at top level).

Output: ``ProviderName = inventory``, ``SubAccountId`` = project (or ``inventory``), ``project_hint`` =
project, ``usage_class_hint = compute``, ``ConsumedQuantity`` = hours x count in ``Hours``, the machine's
figures as hints (``vcpu_hint``, ``memory_gb_hint``, ``cpu_microarchitecture_hint``,
``accelerator_model_hint``, ``accelerator_count_hint``, ``pue_hint``, ``cpu_utilisation_hint``,
``embodied_kgco2e_hint``), ``RegionId`` = location, ``BilledCost = 0``, ``usage_type =
inventory:<name>``, ``ServiceName = inventory``, ``Tags = {"inventory": "<name>"}``, ``source_row`` = CSV
data row or ``[[server]]`` index (1-based).

The file is parsed and validated when scanned (so that an error names the file, the entry, the field
and what to do); the rows then enter the pipeline as a DuckDB relation over an Arrow table, lazy like
the other sources. Names are checked against the newest shipped factor set (or the set named by
``[sources.inventory] factors``).
"""

from __future__ import annotations

import calendar
import csv
import difflib
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import narwhals as nw
import polars as pl
import pyarrow as pa

from cloudcarbon.connectors._io import as_lazy, claim_files, data_files, sql_ident
from cloudcarbon.connectors._sql import query_on
from cloudcarbon.connectors.base import ScanContext, Source
from cloudcarbon.exceptions import SourceError, SourceNotFound
from cloudcarbon.factors import FactorSet, load_factor_set
from cloudcarbon.schema import CANONICAL_USAGE, tag_column

__all__ = ["NAME", "InventoryError", "diagnose", "scan", "sniff"]

NAME = "inventory"

_REQUIRED = ("name", "location")
_ACCEL_SPEC = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[x×*]\s*(.+?)\s*$", re.IGNORECASE)


class InventoryError(SourceError):
    """An inventory entry is invalid: names the file, the entry, the field and what to do."""

    def __init__(self, path: str | Path, entry: str, field: str, message: str) -> None:
        self.entry = entry
        self.field = field
        super().__init__(path, f"{entry}, field {field!r}: {message}")


def sniff(columns: Sequence[str]) -> list[str]:
    """Required inventory columns missing from a CSV header (empty: this is an inventory)."""
    lower = {c.strip().lower() for c in columns}
    missing = [c for c in _REQUIRED if c not in lower]
    if not lower & {"vcpus", "cores"}:
        missing.append("vcpus")
    return missing


# -- reference names from the factor set -----------------------------------------------------------


@dataclass(frozen=True)
class _Names:
    cpu_models: dict[str, tuple[str, str]]  # normalised model -> (model, microarchitecture)
    archs: dict[str, str]  # lower -> spelling
    accelerators: dict[str, str]  # lower -> spelling
    locations: dict[str, str]  # upper -> spelling


def _norm_cpu(name: str) -> str:
    s = name.lower().replace("(r)", " ").replace("(tm)", " ").replace("®", " ").replace("™", " ")
    s = re.sub(r"@.*$", " ", s)
    s = re.sub(r"\b(cpu|processor)\b", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def _strip_vendor(norm: str) -> str:
    return re.sub(r"^(intel|amd|ampere)\s+", "", norm)


def _tables(fs: FactorSet) -> set[str]:
    return {Path(r["path"]).stem for r in fs.descriptor.get("resources", [])}


@lru_cache(maxsize=4)
def _names(version: str | None) -> _Names:
    fs = load_factor_set(version)
    models: dict[str, tuple[str, str]] = {}
    if "cpu_models" in _tables(fs):
        for model, arch in fs.table("cpu_models").select("model", "microarchitecture").iter_rows():
            models.setdefault(_norm_cpu(model), (model, arch))
            models.setdefault(_strip_vendor(_norm_cpu(model)), (model, arch))
    archs = {a.lower(): a for a in fs.table("cpu_power")["microarchitecture"].unique() if a != "*"}
    accs = {m.lower(): m for m in fs.table("accelerators")["model"]}
    grids = [fs.table("grid_intensity")]
    if "grid_intensity_odbl" in _tables(fs):
        grids.append(fs.table("grid_intensity_odbl"))
    locs: dict[str, str] = {}
    for g in grids:
        for region in g.filter(pl.col("provider") == "location")["region"].unique():
            locs[region.upper()] = region
    return _Names(models, archs, accs, locs)


def _close(word: str, choices: Sequence[str], n: int = 5) -> str:
    hits = difflib.get_close_matches(word, list(choices), n=n, cutoff=0.5)
    if not hits:
        low = word.lower()
        hits = [c for c in choices if low and (low in c.lower() or c.lower() in low)][:n]
    return ", ".join(repr(h) for h in hits) if hits else "none"


# -- reading entries -------------------------------------------------------------------------------


def _read_entries(path: Path) -> tuple[list[tuple[int, str, dict[str, Any]]], str | None]:
    """(index, label, fields) for every entry, and a file-level currency."""
    if path.suffix.lower() == ".toml":
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SourceError(path, f"is not valid TOML ({exc}); fix the syntax") from exc
        servers = doc.get("server", [])
        if not isinstance(servers, list) or not all(isinstance(s, dict) for s in servers):
            raise SourceError(path, "expects [[server]] tables (one per machine)")
        currency = doc.get("currency")
        out = []
        for i, s in enumerate(servers, 1):
            label = f"[[server]] #{i}" + (f" {s['name']!r}" if isinstance(s.get("name"), str) else "")
            out.append((i, label, {str(k).strip().lower(): v for k, v in s.items()}))
        return out, str(currency) if currency is not None else None
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(path, f"cannot be read as CSV ({exc})") from exc
    out = []
    for i, row in enumerate(rows, 1):
        if None in row or any(v is None for v in row.values()):
            width = len([k for k in row if k is not None])
            extra = row.get(None)
            found = (
                width + len(extra) if isinstance(extra, list) else sum(v is not None for v in row.values())
            )
            raise SourceError(
                path, f"row {i} has {found} fields where the header has {width}; fix that row and run again"
            )
        fields = {
            str(k).strip().lower(): v.strip()
            for k, v in row.items()
            if k is not None and isinstance(v, str) and v.strip() != ""
        }
        label = f"row {i}" + (f" {fields['name']!r}" if "name" in fields else "")
        out.append((i, label, fields))
    return out, None


class _Entry:
    def __init__(self, path: Path, label: str, fields: Mapping[str, Any]) -> None:
        self.path, self.label, self.fields = path, label, fields

    def fail(self, field: str, message: str) -> InventoryError:
        return InventoryError(self.path, self.label, field, message)

    def get(self, field: str) -> Any:
        v = self.fields.get(field)
        return None if v is None or (isinstance(v, str) and not v.strip()) else v

    def text(self, field: str) -> str | None:
        v = self.get(field)
        return None if v is None else str(v).strip()

    def number(
        self, field: str, *, lo: float | None = None, hi: float | None = None, what: str = ""
    ) -> float | None:
        v = self.get(field)
        if v is None:
            return None
        if isinstance(v, bool):
            raise self.fail(field, f"{v!r} is not a number; write {what or 'a number'}")
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise self.fail(field, f"{v!r} is not a number; write {what or 'a number'}") from None
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            rng = f"between {lo:g} and {hi:g}" if lo is not None and hi is not None else f"at least {lo:g}"
            raise self.fail(field, f"{x:g} is out of range; write {what or 'a number'} {rng}")
        return x

    def boolean(self, field: str) -> bool | None:
        v = self.get(field)
        if v is None or isinstance(v, bool):
            return v
        s = str(v).strip().lower()
        if s in ("true", "yes", "1"):
            return True
        if s in ("false", "no", "0"):
            return False
        raise self.fail(field, f"{v!r} is not true or false; write true or false")

    def day(self, field: str) -> date | None:
        v = self.get(field)
        if v is None:
            return None
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
        try:
            return date.fromisoformat(str(v).strip()[:10])
        except ValueError:
            raise self.fail(field, f"{v!r} is not a date; write it as YYYY-MM-DD") from None


def _row(e: _Entry, idx: int, names: _Names, month: str, file_currency: str | None) -> dict[str, Any] | None:
    name = e.text("name")
    if name is None:
        raise e.fail("name", "is missing; give every server a unique name")
    project = e.text("project")

    # CPU
    arch: str | None = None
    cpu_model = e.text("cpu_model")
    given_arch = e.text("cpu_microarchitecture")
    if given_arch is not None:
        arch = names.archs.get(given_arch.lower())
        if arch is None:
            raise e.fail(
                "cpu_microarchitecture",
                f"unknown microarchitecture {given_arch!r}; closest known: "
                f"{_close(given_arch, sorted(names.archs.values()))} (or give cpu_model)",
            )
    elif cpu_model is not None:
        norm = _norm_cpu(cpu_model)
        hit = names.cpu_models.get(norm) or names.cpu_models.get(_strip_vendor(norm))
        if hit is None:
            known = sorted({m for m, _ in names.cpu_models.values()})
            raise e.fail(
                "cpu_model",
                f"unknown CPU model {cpu_model!r}; closest known: {_close(cpu_model, known)}. "
                "Fix the spelling, or give cpu_microarchitecture (e.g. 'Cascade Lake') instead",
            )
        arch = hit[1]

    # size
    vcpus = e.number("vcpus", lo=1, what="the number of hardware threads")
    if vcpus is None:
        cores = e.number("cores", lo=1, what="the number of physical cores")
        if cores is None:
            raise e.fail("vcpus", "is missing; give vcpus (hardware threads) or cores with threads_per_core")
        tpc = e.number("threads_per_core", lo=1, hi=8, what="threads per core")
        if tpc is None:
            raise e.fail(
                "threads_per_core",
                "is needed with cores: 2 with Hyper-Threading / SMT enabled, 1 without (or give vcpus)",
            )
        vcpus = cores * tpc
    memory = e.number("memory_gb", lo=0, what="the memory in GB")

    # accelerators
    acc_model: str | None = None
    acc_count: float | None = None
    spec = e.text("accelerators")
    field = "accelerators"
    if spec is not None:
        m = _ACCEL_SPEC.match(spec)
        acc_count, raw_model = (float(m.group(1)), m.group(2)) if m else (1.0, spec)
    else:
        raw_model = e.text("accelerator_model")
        field = "accelerator_model"
        if raw_model is not None:
            acc_count = e.number("accelerator_count", lo=0, what="the number of accelerators") or 1.0
    if raw_model is not None:
        acc_model = names.accelerators.get(raw_model.strip().lower())
        if acc_model is None:
            raise e.fail(
                field,
                f"unknown accelerator {raw_model.strip()!r}; closest known: "
                f"{_close(raw_model.strip(), sorted(names.accelerators.values()))} "
                "(spell the model as in the factor set's accelerators.csv)",
            )

    # location
    loc = e.text("location")
    if loc is None:
        raise e.fail(
            "location", "is missing; give an ISO 3166 country code (DE) or a grid zone (US-CAL-CISO)"
        )
    region = names.locations.get(loc.upper())
    if region is None:
        raise e.fail(
            "location",
            f"no grid intensity for {loc!r}; closest known: {_close(loc.upper(), sorted(names.locations))} "
            "(use an ISO 3166 alpha-2 country code or an Electricity Maps zone)",
        )

    pue = e.number("pue", lo=1.0, hi=5.0, what="the PUE (e.g. 1.6)")
    util = e.number("utilisation", lo=0.0, hi=1.0, what="the average CPU utilisation as a fraction (0.3)")
    embodied = e.number("embodied_kgco2e", lo=0.0, what="the machine's embodied kgCO2e")
    count = e.number("count", lo=1, what="the number of identical machines") or 1.0
    if count != int(count):
        raise e.fail("count", f"{count:g} is not a whole number of machines")

    # hours in the month
    year, mon = int(month[:4]), int(month[5:7])
    month_start = datetime(year, mon, 1)
    month_end = datetime(year + (mon == 12), mon % 12 + 1, 1)
    month_hours = calendar.monthrange(year, mon)[1] * 24.0
    start_d, end_d = e.day("in_service_from"), e.day("retired_on")
    if start_d and end_d and end_d <= start_d:
        raise e.fail("retired_on", f"{end_d} is not after in_service_from {start_d}; fix one of the dates")
    start = max(month_start, datetime.combine(start_d, datetime.min.time())) if start_d else month_start
    end = min(month_end, datetime.combine(end_d, datetime.min.time())) if end_d else month_end
    if end <= start:
        return None  # not in service in this month
    share = (end - start).total_seconds() / 3600.0 / month_hours
    always = e.boolean("always_on")
    per_month = e.number(
        "hours_per_month", lo=0, hi=month_hours, what=f"hours per month (at most {month_hours:g})"
    )
    if always and per_month is not None:
        raise e.fail("hours_per_month", "conflicts with always_on = true; give one of them")
    if always:
        hours = month_hours * share
    elif per_month is not None:
        hours = per_month * share
    else:
        raise e.fail("hours_per_month", "is missing; give hours_per_month or always_on = true")

    currency = e.text("currency") or file_currency or "USD"
    return {
        "ProviderName": "inventory",
        "BillingAccountId": "inventory",
        "SubAccountId": project or "inventory",
        "billing_month": month,
        "billing_period_hours": month_hours,
        "ChargePeriodStart": start,
        "ChargePeriodEnd": end,
        "ServiceName": "inventory",
        "RegionId": region,
        "usage_type": f"inventory:{name}",
        "operation": None,
        "product_family": None,
        "instance_type": None,
        "line_item_type": "Inventory",
        "charge_class": "usage",
        "ConsumedQuantity": hours * count,
        "ConsumedUnit": "Hours",
        "BilledCost": Decimal(0),
        "EffectiveCost": Decimal(0),  # an inventory bills nothing
        "BillingCurrency": currency.upper(),
        "vcpu_hint": vcpus,
        "memory_gb_hint": memory,
        "project_hint": project,
        "usage_class_hint": "compute",
        "machine_series": None,
        "cpu_microarchitecture_hint": arch,
        "accelerator_model_hint": acc_model,
        "accelerator_count_hint": acc_count,
        "pue_hint": pue,
        "cpu_utilisation_hint": util,
        "embodied_kgco2e_hint": embodied,
        "pack_size": None,
        "billed_unit": None,
        "Tags": json.dumps({"inventory": name}),
        "source_file": str(e.path),
        "source_row": idx,
    }


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".toml", ".csv"))
        if not found:
            raise SourceNotFound(path, "the folder holds no .toml or .csv inventory files")
        return found
    return data_files(path)


def _rows(source: Source, ctx: ScanContext) -> list[dict[str, Any]]:
    if ctx.month is None:
        _files(source.path)  # still report a missing path
        return []
    version = ctx.options.get("factors")
    names = _names(str(version) if version is not None else None)
    out: list[dict[str, Any]] = []
    for f in claim_files(ctx.claims, _files(source.path), str(source)):
        entries, file_currency = _read_entries(f)
        seen: dict[str, str] = {}
        for idx, label, fields in entries:
            e = _Entry(f, label, fields)
            row = _row(e, idx, names, ctx.month, file_currency)
            if row is None:
                continue
            key = row["usage_type"]
            if key in seen:
                raise e.fail("name", f"repeats the name of {seen[key]}; give every server a unique name")
            seen[key] = label
            out.append(row)
    return out


_ARROW = {"Float64": pa.float64(), "Int64": pa.int64(), "Datetime": pa.timestamp("us"), "String": pa.string()}


def _arrow_type(name: str) -> pa.DataType:
    dt = CANONICAL_USAGE[name].dtype
    if isinstance(dt, nw.Decimal):
        return pa.decimal128(38, 18)
    return _ARROW[type(dt).__name__]


def scan(source: Source, ctx: ScanContext) -> nw.LazyFrame[Any]:
    """The canonical usage table of an inventory file or folder for ``ctx.month`` (lazy relation)."""
    rows = _rows(source, ctx)
    arrays = {n: pa.array([r[n] for r in rows], _arrow_type(n)) for n in CANONICAL_USAGE}
    for key in ctx.tag_keys:
        values = [json.loads(r["Tags"]).get(key) for r in rows]
        arrays[tag_column(key)] = pa.array(values, pa.string())
    table = pa.table(arrays)
    rel = ctx.con.from_arrow(table)
    # name the columns explicitly so the relation has exactly the canonical order
    cols = ", ".join(sql_ident(c) for c in table.column_names)
    return as_lazy(query_on(rel, "inv", lambda v: f"SELECT {cols} FROM {v}"))


def diagnose(source: Source, ctx: ScanContext) -> None:
    """Re-validate the inventory; raises :class:`InventoryError` for the first bad entry."""
    _rows(source, ctx)
