"""From an :class:`~cloudcarbon.results.EstimateResult` to the :class:`~cloudcarbon.ledger.RunRecord` the
ledger stores.

Lines are recorded at a fine granularity, so a later comparison can explain a change: one
:class:`~cloudcarbon.ledger.LineRecord` per ``(project, provider, service, region, instance_type,
usage_class, stage, fate, currency)`` (:data:`LINE_KEYS`), summed from ``result.groups``, with the
figures :data:`LINE_FIGURES`. The ledger stores exact decimals: costs are the engine's exact decimals;
a figure computed as a float is recorded as the decimal text of its shortest round-trip ``repr``
(``0.1`` is recorded as ``0.1``, never as the binary expansion ``0.1000000000000000055...``).

Totals are the exact decimal sums of the recorded lines (so a statement reconciles to its lines),
``cost_<CURRENCY>`` per currency. Coverage keeps each currency's exclusion reasons with their cost;
each exclusion is also recorded as a flag ``excluded`` (subject = reason) so its row count is kept.

The configuration is recorded as the canonical JSON of what the estimate used, without the settings
that cannot change a figure (:data:`UNRECORDED_CONFIG`: the configuration file's own path, engine
memory and threads, the ledger path and the organisation name). The ``--source`` arguments and the
line keys are kept among the assumptions (``sources``, ``group_by``), so the estimate can be re-run
from the record (:func:`config_from_record`).

:func:`record_result` is what ``cloudcarbon estimate`` does: build the record, keep the float noise of
the engine's parallel sums out of it (:func:`stabilise`) and record it.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, localcontext
from typing import Any

import polars as pl

from cloudcarbon._version import __version__
from cloudcarbon.config import Config
from cloudcarbon.ledger import (
    CoverageRecord,
    FlagRecord,
    InputFile,
    Ledger,
    LedgerNotFound,
    LineRecord,
    Recorded,
    RunRecord,
    config_digest,
)
from cloudcarbon.ledger.records import canonical_json
from cloudcarbon.results import EstimateResult

__all__ = [
    "LINE_FIGURES",
    "LINE_KEYS",
    "OPTIONAL_LINE_FIGURES",
    "UNRECORDED_CONFIG",
    "config_from_record",
    "exact",
    "record_result",
    "recorded_config",
    "run_record",
    "stabilise",
]

#: Line key name -> column of ``result.groups``.
LINE_KEYS: dict[str, str] = {
    "project": "project",
    "provider": "ProviderName",
    "service": "ServiceName",
    "region": "RegionId",
    "instance_type": "instance_type",
    "usage_class": "usage_class",
    "stage": "stage",
    "fate": "fate",
    "currency": "BillingCurrency",
}
#: Figures of every recorded line (``cost`` is in the line's currency).
LINE_FIGURES = (
    "cost",
    "energy_kwh",
    "co2e_kg",
    "co2e_kg_low",
    "co2e_kg_high",
    "embodied_co2e_kg",
    "embodied_co2e_kg_low",
    "embodied_co2e_kg_high",
    "vcpu_hours",
    "memory_gb_hours",
    "accelerator_hours",
    "storage_tb_hours",
    "network_gb",
    "rows",
)
#: Market-based and water figures, recorded on a line only where the line has them (a line's provider
#: and region fix its factors, so a line has each either for all its rows or for none); older records
#: simply lack them. Their totals are recorded only when every line with energy has them.
OPTIONAL_LINE_FIGURES = (
    "market_co2e_kg",
    "market_co2e_kg_low",
    "market_co2e_kg_high",
    "water_l",
    "water_l_low",
    "water_l_high",
    "water_site_l",
    "water_source_l",
)
#: Totals recorded besides ``cost_<CURRENCY>``: sums of these line figures.
TOTAL_FIGURES = tuple(f for f in LINE_FIGURES if f not in ("cost",))
#: Figures computed exactly (never snapped by :func:`stabilise`).
EXACT_FIGURES = ("cost", "rows")
#: Relative tolerance within which :func:`stabilise` keeps the previous record's figure.
SNAP_REL_TOL = Decimal("1e-9")
#: Configuration keys left out of the recorded configuration: they cannot change a figure.
UNRECORDED_CONFIG = ("path", "engine", "ledger_path", "organisation")

_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def exact(value: object) -> Decimal:
    """A figure as an exact decimal: decimals and integers as they are, floats by their shortest repr."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError(f"a figure cannot be a bool ({value!r})")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a figure is {value}; only finite numbers can be recorded")
        return Decimal(repr(value))
    if value is None:
        return Decimal(0)
    raise TypeError(f"cannot record {type(value).__name__} {value!r} as a figure")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else canonical_json(_plain(value))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def recorded_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration as recorded: plain data without :data:`UNRECORDED_CONFIG`."""
    return {k: _plain(v) for k, v in config.items() if k not in UNRECORDED_CONFIG}


def _lines(groups: pl.DataFrame) -> tuple[LineRecord, ...]:
    keys = list(LINE_KEYS.values())
    summed = [f for f in LINE_FIGURES if f in groups.columns]
    optional = [f for f in OPTIONAL_LINE_FIGURES if f in groups.columns]
    agg = (
        groups.group_by(keys)
        .agg(
            *[pl.col(f).sum() for f in summed],
            *[
                pl.when(pl.col(f).is_null().any())
                .then(pl.lit(None, pl.Float64))
                .otherwise(pl.col(f).sum())
                .alias(f)
                for f in optional
            ],
        )
        .sort(keys, nulls_last=True)
    )
    out = []
    for row in agg.iter_rows(named=True):
        key = tuple((name, None if row[col] is None else str(row[col])) for name, col in LINE_KEYS.items())
        figures = {f: exact(row[f]) for f in summed}
        figures.update({f: exact(row[f]) for f in optional if row[f] is not None})
        out.append(LineRecord(key, figures))
    return tuple(out)


def _totals(lines: tuple[LineRecord, ...]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {f: Decimal(0) for f in TOTAL_FIGURES}
    with localcontext(_EXACT):
        for ln in lines:
            cur = dict(ln.key).get("currency") or ""
            for f, v in ln.figures.items():
                name = f"cost_{cur}" if f == "cost" else f
                totals[name] = totals.get(name, Decimal(0)) + v
    # a market-based or water total is the whole or nothing: not a sum that silently leaves lines out
    for f in OPTIONAL_LINE_FIGURES:
        if any(f not in ln.figures and ln.figures.get("energy_kwh", Decimal(0)) > 0 for ln in lines):
            totals.pop(f, None)
    return totals


def _coverage(result: EstimateResult) -> tuple[CoverageRecord, ...]:
    reasons: dict[str, dict[str, Decimal]] = {}
    for row in result.excluded.iter_rows(named=True):
        r = reasons.setdefault(str(row["currency"]), {})
        name = str(row["reason"]) if row["reason"] is not None else "(no reason)"
        with localcontext(_EXACT):
            r[name] = r.get(name, Decimal(0)) + exact(row["cost"])
    return tuple(
        CoverageRecord(
            currency=str(c["currency"]),
            billed=exact(c["billed_cost"]),
            estimated=exact(c["estimated_cost"]),
            fallback=exact(c["fallback_cost"]),
            excluded=exact(c["excluded_cost"]),
            rows=int(c["rows"]),
            exclusion_reasons=reasons.get(str(c["currency"]), {}),
        )
        for c in result.coverage.iter_rows(named=True)
    )


def _flags(result: EstimateResult) -> tuple[FlagRecord, ...]:
    out = [
        FlagRecord(
            flag=str(f["flag"]),
            subject="" if f["subject"] is None else str(f["subject"]),
            rows=int(f["rows"]),
            cost=exact(f["cost"]),
            currency="" if f["currency"] is None else str(f["currency"]),
            fate="" if f["fate"] is None else str(f["fate"]),
        )
        for f in result.flags.iter_rows(named=True)
    ]
    out += [
        FlagRecord(
            flag="excluded",
            subject=str(x["reason"]) if x["reason"] is not None else "(no reason)",
            rows=int(x["rows"]),
            cost=exact(x["cost"]),
            currency="" if x["currency"] is None else str(x["currency"]),
            fate="excluded",
        )
        for x in result.excluded.iter_rows(named=True)
    ]
    return tuple(out)


def run_record(
    result: EstimateResult, *, recorded_at: str | None = None, factor_set_user_made: bool | None = None
) -> RunRecord:
    """The ledger record of an estimate (see the module docstring for what is recorded and how).

    ``factor_set_user_made`` defaults to the result's factor set's ``user_made`` flag when it has one,
    else ``False``.
    """
    lines = _lines(result.groups)
    config_hash, config_text = config_digest(recorded_config(result.config))
    assumptions = {str(k): _text(v) for k, v in result.assumptions.items()}
    assumptions["sources"] = canonical_json(list(result.sources))
    assumptions["group_by"] = canonical_json(list(result.group_by))
    user_made = factor_set_user_made
    if user_made is None:
        user_made = bool(getattr(result.factor_set, "user_made", False))
    return RunRecord(
        month=result.month,
        method=result.method,
        factor_set_version=result.factor_set.version,
        factor_set_hash=result.factor_set.sha256,
        factor_set_user_made=user_made,
        config_hash=config_hash,
        config_text=config_text,
        tool_version=__version__,
        recorded_at=recorded_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        inputs=tuple(InputFile(f.path, f.size, f.sha256) for f in result.inputs),
        lines=lines,
        totals=_totals(lines),
        coverage=_coverage(result),
        flags=_flags(result),
        assumptions=assumptions,
    )


def stabilise(new: RunRecord, previous: RunRecord | None) -> RunRecord:
    """``new`` with each float-derived line figure replaced by ``previous``'s when they agree to a relative
    :data:`SNAP_REL_TOL` (same line key and figure); totals recomputed from the lines.

    The engine adds floats in parallel, in an order that varies from run to run, so estimating the same
    bill twice gives figures that differ in their last binary digits. Recorded as they are, those would
    make every re-estimate of a closed month a restatement with an ``unexplained`` cause. Keeping the
    previous figure where the difference is only that noise makes an unchanged estimate record as
    unchanged, while any real change (far above 1e-9) is recorded in full. Costs and row counts are
    exact and never replaced.
    """
    if previous is None:
        return new
    old = {canonical_json([[g, v] for g, v in ln.key]): ln.figures for ln in previous.lines}
    lines = []
    for ln in new.lines:
        before = old.get(canonical_json([[g, v] for g, v in ln.key]), {})
        figures = dict(ln.figures)
        for name, v in ln.figures.items():
            b = before.get(name)
            if b is None or name in EXACT_FIGURES or b == v:
                continue
            with localcontext(_EXACT):
                if abs(v - b) <= SNAP_REL_TOL * max(abs(b), abs(v)):
                    figures[name] = b
        lines.append(LineRecord(ln.key, figures))
    snapped = tuple(lines)
    assumptions = dict(new.assumptions)
    for name, text in new.assumptions.items():
        was = previous.assumptions.get(name)
        if was is not None and was != text and _agree(_loads(was), _loads(text)):
            assumptions[name] = was
    return dataclasses.replace(new, lines=snapped, totals=_totals(snapped), assumptions=assumptions)


def _loads(text: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError:
        return text


def _agree(a: Any, b: Any) -> bool:
    """Equal, numbers to a relative :data:`SNAP_REL_TOL` (the float noise of parallel sums)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_agree(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_agree(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        with localcontext(_EXACT):
            return abs(a - b) <= SNAP_REL_TOL * max(abs(a), abs(b))
    return bool(a == b)


def record_result(ledger: Ledger, result: EstimateResult, *, recorded_at: str | None = None) -> Recorded:
    """Record an estimate in ``ledger``: :func:`run_record`, :func:`stabilise` against the month's current
    record, then :meth:`Ledger.record <cloudcarbon.ledger.Ledger.record>`. What ``cloudcarbon estimate``
    does."""
    try:
        previous: RunRecord | None = ledger.current(result.month)
    except LedgerNotFound:
        previous = None
    return ledger.record(stabilise(run_record(result, recorded_at=recorded_at), previous))


def _build(tp: Any, value: Any) -> Any:
    """``value`` (plain JSON data) as an instance of the type hint ``tp`` (dataclasses, tuples, scalars)."""
    if value is None:
        return None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp)
        fields = {f.name for f in dataclasses.fields(tp)}
        return tp(**{k: _build(hints[k], v) for k, v in value.items() if k in fields})
    if origin is tuple:
        inner = args[0] if args else Any
        return tuple(_build(inner, v) for v in value)
    if origin in (typing.Union, types.UnionType):
        for a in args:
            if a is type(None):
                continue
            return _build(a, value)
    if tp is float:
        return float(value)
    return value


def config_from_record(config_text: str) -> Config:
    """The :class:`~cloudcarbon.config.Config` an estimate was recorded with (for re-running it); the
    settings that are not recorded take their defaults."""
    data = json.loads(config_text)
    built: Config = _build(Config, data)
    return built
