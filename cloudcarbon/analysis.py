"""Baselines, comparisons and trends read from the ledger (the library behind ``cloudcarbon compare``,
``cloudcarbon trend`` and ``cloudcarbon baseline``).

Lines and activity
==================
A recorded estimate keeps one :class:`~cloudcarbon.ledger.LineRecord` per
``(project, provider, service, region, instance_type, usage_class, stage, fate, currency)`` with the
figures ``cost``, ``energy_kwh``, ``co2e_kg``, ``vcpu_hours``, ``memory_gb_hours``,
``accelerator_hours``, ``storage_tb_hours``, ``network_gb``, ... (see :mod:`cloudcarbon.recording`).
:func:`activity_table` turns these lines into the input of the variance bridge
(:func:`cloudcarbon.compare.bridge`): one row per line with an ``activity`` and its ``activity_unit``,
chosen by the first rule that applies:

1. ``fate == "fallback"`` (spend-based rows): ``cost`` in ``cost_<currency>``; such a row has no
   physical usage the estimate relied on, only its cost;
2. ``accelerator_hours > 0``: ``accelerator_hours`` (GPU/TPU rows: the accelerator dominates);
3. ``vcpu_hours > 0``: ``vcpu_hours`` (compute and CPU rows; their memory hours follow the vCPUs);
4. ``memory_gb_hours > 0``: ``memory_gb_hours`` (memory-only rows, e.g. serverless memory);
5. ``storage_tb_hours > 0``: ``storage_tb_hours``;
6. ``network_gb > 0``: ``network_gb``;
7. otherwise ``cost`` in ``cost_<currency>`` (rows with cost but no usage measure).

The bridge groups activity by project *and unit*, so vCPU-hours are never added to TB-hours: a move
from one instance type to another at equal vCPU-hours is **mix**, twice the hours of the same
instance is **activity**, and the same kWh under a new grid intensity is **grid**. Lines with the
fate ``excluded`` carry no emissions (they are accounted for in the coverage) and are left out. The
bridged figure is the operational, location-based ``co2e_kg``; embodied emissions are not bridged.

Like for like
=============
:func:`baseline_comparison` compares a month with a baseline or another month. When the reference
was computed under another factor set or method than the month:

* a baseline version recomputed under the month's factor set and method (``cloudcarbon baseline
  rebase``; both versions are kept) is used when one exists;
* for a month reference, an estimate of that month recorded under the current factor set and method
  is used as ``base_restated``, so the change of factor set or method is its own part;
* otherwise the caller may pass ``base_restated`` (the reference recomputed under the current basis);
* otherwise the comparison is refused with a message saying how to rebase.

The :class:`~cloudcarbon.statements.Comparison` states in ``basis`` which was used. Restatements of
the month since it was closed are the ``restatement`` part, from the deltas the ledger recorded
(``current`` minus the summed deltas is the month as first reported). When a restatement changed the
month's factor set or method, only the restatements since the first version under the current factor
set and method are taken back, so the operational parts never compare figures computed two ways.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import polars as pl

from cloudcarbon.compare import bridge, trend
from cloudcarbon.ledger import Baseline, Ledger, LedgerError, LedgerNotFound, LineRecord, RunRecord
from cloudcarbon.ledger.records import LineKey, key_json
from cloudcarbon.statements.model import Comparison, Trend

__all__ = [
    "ACTIVITY_UNITS",
    "DEFAULT_BASELINE",
    "KEY_COLUMNS",
    "Reference",
    "activity_table",
    "baseline_comparison",
    "bridge_table",
    "lines_activity_table",
    "parse_against",
    "rebase_baseline",
    "trend_section",
    "trend_table",
]

#: Columns of a recorded line key, in order.
KEY_COLUMNS = (
    "project",
    "provider",
    "service",
    "region",
    "instance_type",
    "usage_class",
    "stage",
    "fate",
    "currency",
)
#: Usage figures tried, in order, as a line's activity (after the fallback rule, see the module doc).
ACTIVITY_UNITS = ("accelerator_hours", "vcpu_hours", "memory_gb_hours", "storage_tb_hours", "network_gb")
#: The baseline name used by ``--against baseline`` and when no reference is given.
DEFAULT_BASELINE = "default"

_DEC = pl.Decimal(38, 18)
_ZERO = Decimal(0)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_SCHEMA: dict[str, Any] = {
    **{c: pl.String for c in KEY_COLUMNS},
    "activity": _DEC,
    "activity_unit": pl.String,
    "energy_kwh": _DEC,
    "co2e_kg": _DEC,
    "market_co2e_kg": _DEC,
    "water_l": _DEC,
    "factor_set": pl.String,
    "method": pl.String,
}


def _key_values(key: LineKey) -> dict[str, str | None]:
    named = dict(key)
    return {c: named.get(c) for c in KEY_COLUMNS}


def _activity(figures: Mapping[str, Decimal], fate: str | None, currency: str | None) -> tuple[Decimal, str]:
    cost_unit = f"cost_{currency or ''}"
    if fate == "fallback":
        return figures.get("cost", _ZERO), cost_unit
    for unit in ACTIVITY_UNITS:
        v = figures.get(unit, _ZERO)
        if v > 0:
            return v, unit
    return figures.get("cost", _ZERO), cost_unit


def _side_figure(figures: Mapping[str, Decimal], name: str) -> Decimal | None:
    if name in figures:
        return figures[name]
    return None if figures.get("energy_kwh", _ZERO) > 0 else _ZERO


def lines_activity_table(
    lines: Iterable[LineRecord], *, factor_set: str = "", method: str = ""
) -> pl.DataFrame:
    """The bridge input for any recorded lines (an estimate's, or a baseline's monthly averages)."""
    rows: list[dict[str, Any]] = []
    for ln in lines:
        keys = _key_values(ln.key)
        if keys["fate"] == "excluded":
            continue
        activity, unit = _activity(ln.figures, keys["fate"], keys["currency"])
        rows.append(
            {
                **keys,
                "activity": activity,
                "activity_unit": unit,
                "energy_kwh": ln.figures.get("energy_kwh", _ZERO),
                "co2e_kg": ln.figures.get("co2e_kg", _ZERO),
                # beside the bridge (cloudcarbon.compare): none where a line with energy lacks it
                **{f: _side_figure(ln.figures, f) for f in ("market_co2e_kg", "water_l")},
                "factor_set": factor_set,
                "method": method,
            }
        )
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row") if rows else pl.DataFrame(schema=_SCHEMA)


def activity_table(run: RunRecord) -> pl.DataFrame:
    """One row per recorded line of ``run`` (excluded lines left out) with ``activity``, ``activity_unit``,
    ``energy_kwh``, ``co2e_kg`` (decimals), the key columns :data:`KEY_COLUMNS`, and ``factor_set`` /
    ``method`` (for the bridge's like-for-like check). See the module docstring for the activity rule."""
    return lines_activity_table(
        run.lines,
        factor_set=f"{run.factor_set_version}|{run.factor_set_hash}",
        method=run.method,
    )


# --------------------------------------------------------------------------------------------------
# references


@dataclass(frozen=True)
class Reference:
    """What ``--against`` names: a baseline (``name``) or a month (``month``)."""

    name: str | None = None
    month: str | None = None


def parse_against(against: str | None) -> Reference | None:
    """``None`` -> ``None`` (the default baseline if any); ``baseline`` / ``baseline:NAME`` / ``YYYY-MM``."""
    if against is None:
        return None
    text = against.strip()
    if text == "baseline":
        return Reference(name=DEFAULT_BASELINE)
    if text.startswith("baseline:") and text[len("baseline:") :]:
        return Reference(name=text[len("baseline:") :])
    if _MONTH.match(text):
        return Reference(month=text)
    raise ValueError(f"--against {against!r}: give 'baseline', 'baseline:NAME' or a month YYYY-MM")


def _basis_of(r: RunRecord) -> tuple[str, str, str]:
    return (r.method, r.factor_set_version, r.factor_set_hash)


def _first_reported(
    ledger: Ledger, month: str, current: RunRecord
) -> tuple[list[LineRecord], int, str] | None:
    """The month's lines as first reported under its current factor set and method, rebuilt from
    ``current`` minus the recorded deltas of the later restatements; with that version and a sentence
    for the comparison's basis. ``None`` when there is nothing to take back (never restated, or the
    current version is the first under its factor set and method).

    Versions under another factor set or method are not taken back to: the operational parts would
    then compare figures computed two ways. The restatement part is only the corrections made under
    the current factor set and method (new bill deliveries, config changes, ...)."""
    restatements = ledger.restatements(month)
    if not restatements:
        return None
    chain = [(1, ledger.version(month, 1)), *((r.version, r.run) for r in restatements)]
    since = next(v for v, run in chain if _basis_of(run) == _basis_of(current))
    later = [r for r in restatements if r.version > since]
    n = len(restatements)
    restated = f"month {month} restated {n} time{'s' if n != 1 else ''} since it was closed"
    if not later:
        if since == 1:
            return None
        note = (
            f"{restated}; version {since}, compared as restated, is the first under factor set "
            f"{current.factor_set_version} / method {current.method}"
        )
        return [], since, note
    if since == 1:
        note = f"{restated}: the restatement part is its recorded deltas against version 1"
    else:
        note = (
            f"{restated}: the restatement part is its recorded deltas since version {since}, the first "
            f"under factor set {current.factor_set_version} / method {current.method} (earlier versions "
            "were computed another way and are not compared)"
        )
    sums: dict[str, dict[str, Decimal]] = {}
    keys: dict[str, LineKey] = {}
    for r in later:
        for d in r.line_deltas:
            if d.key is None:
                continue
            k = key_json(d.key)
            keys.setdefault(k, d.key)
            acc = sums.setdefault(k, {})
            acc[d.name] = acc.get(d.name, _ZERO) + d.delta
    out: list[LineRecord] = []
    seen: set[str] = set()
    for ln in current.lines:
        k = key_json(ln.key)
        seen.add(k)
        deltas = sums.get(k, {})
        names = set(ln.figures) | set(deltas)
        out.append(LineRecord(ln.key, {n: ln.figures.get(n, _ZERO) - deltas.get(n, _ZERO) for n in names}))
    for k, deltas in sums.items():
        if k not in seen:  # a line the restatements removed
            out.append(LineRecord(keys[k], {f: -v for f, v in deltas.items()}))
    return out, since, note


def _restatement_deltas(current: pl.DataFrame, original: pl.DataFrame) -> pl.DataFrame:
    """Deltas ``current - original`` in the bridge's layout: each side signed, per key and unit, so that
    ``current - deltas == original`` holds key by key even when a line's activity unit changed."""
    cols = [*KEY_COLUMNS, "activity_unit", "activity", "energy_kwh", "co2e_kg"]
    neg = original.select(
        [
            *KEY_COLUMNS,
            "activity_unit",
            *[(-pl.col(c)).alias(c) for c in ("activity", "energy_kwh", "co2e_kg")],
        ]
    )
    return pl.concat([current.select(cols), neg.select(cols)])


def _label(b: Baseline) -> str:
    return (
        f"baseline {b.name!r} version {b.version} ({b.period}, computed under factor set "
        f"{b.factor_set_version}, method {b.method})"
    )


def bridge_table(
    ledger: Ledger,
    month: str,
    against: str | None = None,
    *,
    by: str = "project",
    base_restated: Sequence[LineRecord] | RunRecord | None = None,
) -> tuple[pl.DataFrame, str, str] | None:
    """The bridge rows with the reference's label and the basis used (see :func:`baseline_comparison`)."""
    if by not in KEY_COLUMNS:
        raise ValueError(f"by {by!r}: give one of {', '.join(KEY_COLUMNS)}")
    ref = parse_against(against)
    current = ledger.current(month)
    cur_basis = (current.method, current.factor_set_version, current.factor_set_hash)
    cur_df = activity_table(current)
    base_df: pl.DataFrame
    restated_df: pl.DataFrame | None = None
    if ref is None:
        if not ledger.baselines(DEFAULT_BASELINE):
            return None
        ref = Reference(name=DEFAULT_BASELINE)
    if ref.name is not None:
        versions = ledger.baselines(ref.name)
        if not versions:
            raise LedgerNotFound(
                f"no baseline {ref.name!r}; run `cloudcarbon baseline set --month YYYY-MM --name {ref.name}`",
                ledger.path,
            )
        latest = versions[-1]
        like = [b for b in versions if (b.method, b.factor_set_version, b.factor_set_hash) == cur_basis]
        if like:
            b = like[-1]
            label = _label(b)
            others = [f"v{o.version} ({o.factor_set_version}, {o.method})" for o in versions if o is not b]
            basis = (
                f"like for like: baseline version {b.version} is computed under the month's factor set "
                f"{current.factor_set_version} and method {current.method}"
                + ("" if b is latest and not others else f" (other versions kept: {', '.join(others)})")
            )
            if len(versions) > 1 and b.version != versions[0].version:
                basis += f"; it recomputes version {versions[0].version}"
            base_df = _baseline_df(b)
        else:
            b = latest
            label = _label(b)
            base_df = _baseline_df(b)
            if base_restated is None:
                raise LedgerError(
                    f"baseline {b.name!r} was computed under factor set {b.factor_set_version} / method "
                    f"{b.method}, month {month} under {current.factor_set_version} / {current.method}; run "
                    f"`cloudcarbon baseline rebase --name {b.name}` to recompute it like for like",
                    ledger.path,
                )
            restated_df = _restated_df(base_restated, current)
            basis = (
                f"baseline version {b.version} as computed (factor set {b.factor_set_version}, method "
                f"{b.method}); the change to factor set {current.factor_set_version} / method "
                f"{current.method} is the method part, from a recomputation supplied by the caller"
            )
    else:
        assert ref.month is not None
        base_run = ledger.current(ref.month)
        label = f"month {ref.month} ({ledger.status(ref.month).label})"
        base_df = activity_table(base_run)
        if (base_run.method, base_run.factor_set_version, base_run.factor_set_hash) == cur_basis:
            basis = (
                f"like for like: both months estimated under factor set {current.factor_set_version} "
                f"and method {current.method}"
            )
        elif base_restated is not None:
            restated_df = _restated_df(base_restated, current)
            basis = (
                f"{ref.month} as stated (factor set {base_run.factor_set_version}, "
                f"method {base_run.method}); "
                f"the change to factor set {current.factor_set_version} / method {current.method} is the "
                "method part, from a recomputation supplied by the caller"
            )
        else:
            same = [
                e.run
                for e in ledger.history(ref.month)
                if e.run is not None
                and (e.run.method, e.run.factor_set_version, e.run.factor_set_hash) == cur_basis
            ]
            if not same:
                raise LedgerError(
                    f"month {ref.month} was estimated under factor set {base_run.factor_set_version} / "
                    f"method {base_run.method}, month {month} under {current.factor_set_version} / "
                    f"{current.method}; estimate {ref.month} again under the same factor set and method "
                    "to compare like for like",
                    ledger.path,
                )
            restated_df = activity_table(same[-1])
            basis = (
                f"{ref.month} as stated (factor set {base_run.factor_set_version}, "
                f"method {base_run.method}); "
                f"the change to factor set {current.factor_set_version} / method {current.method} is the "
                f"method part, from {ref.month}'s estimate recorded under it"
            )
    restatements = None
    first = _first_reported(ledger, month, current)
    if first is not None:
        original, _, note = first
        if original:
            orig_df = lines_activity_table(original, method=current.method)
            restatements = _restatement_deltas(cur_df, orig_df)
        basis += f"; {note}"
    rows = bridge(
        base_df,
        cur_df,
        [*KEY_COLUMNS],
        by=[by],
        base_restated=restated_df,
        restatements=restatements,
    )
    return rows, label, basis


def _baseline_df(b: Baseline) -> pl.DataFrame:
    return lines_activity_table(
        b.lines, factor_set=f"{b.factor_set_version}|{b.factor_set_hash}", method=b.method
    )


def _restated_df(base_restated: Sequence[LineRecord] | RunRecord, current: RunRecord) -> pl.DataFrame:
    if isinstance(base_restated, RunRecord):
        return activity_table(base_restated)
    return lines_activity_table(
        base_restated,
        factor_set=f"{current.factor_set_version}|{current.factor_set_hash}",
        method=current.method,
    )


def baseline_comparison(
    ledger: Ledger,
    month: str,
    against: str | None = None,
    *,
    by: str = "project",
    base_restated: Sequence[LineRecord] | RunRecord | None = None,
) -> Comparison | None:
    """The change of ``month``'s CO2e against a reference, per ``by`` (default project), as a bridge.

    Parameters
    ----------
    ledger
        The ledger holding the month and the reference.
    month
        ``YYYY-MM``; its current version is compared.
    against
        ``"baseline"`` (the baseline named :data:`DEFAULT_BASELINE`), ``"baseline:NAME"``, a month
        ``"YYYY-MM"``, or ``None``: the default baseline if one is recorded, else the result is ``None``.
    base_restated
        The reference recomputed under the month's factor set and method, when the ledger has no such
        version (see the module docstring); its change is the bridge's ``method`` part.

    Returns
    -------
    Comparison or None
        With ``baseline`` naming the reference and ``basis`` stating which version is used.
    """
    out = bridge_table(ledger, month, against, by=by, base_restated=base_restated)
    if out is None:
        return None
    rows, label, basis = out
    named = [{**r, by: "(none)" if r[by] is None else r[by]} for r in rows.to_dicts()]
    return Comparison.from_rows(named, baseline=label, basis=basis, project=by)


# --------------------------------------------------------------------------------------------------
# trends


def _months_between(ledger: Ledger, start: str, end: str) -> list[str]:
    for m in (start, end):
        if not _MONTH.match(m):
            raise ValueError(f"month {m!r} is not YYYY-MM")
    if start > end:
        raise ValueError(f"--from {start} is after --to {end}")
    months = [m for m in ledger.months() if start <= m <= end]
    if not months:
        raise LedgerNotFound(f"no month recorded between {start} and {end}", ledger.path)
    return months


_TREND_FIGURES = ("co2e_kg", "embodied_co2e_kg", "energy_kwh")
#: Trend figures are shown to the milligram / milliwatt-hour: sums are exact, then rounded half-even.
_TREND_PLACES = Decimal("0.000001")
_TREND_DEC = pl.Decimal(38, 6)


def _sums(lines: Iterable[LineRecord], by: str | None) -> dict[str | None, dict[str, Decimal]]:
    out: dict[str | None, dict[str, Decimal]] = {}
    for ln in lines:
        group = dict(ln.key).get(by) if by else None
        acc = out.setdefault(group, {f: _ZERO for f in _TREND_FIGURES})
        for f in _TREND_FIGURES:
            acc[f] += ln.figures.get(f, _ZERO)
    return out


#: Figures shown beside the trend only where every line of the month (and group) with energy has them:
#: NULL otherwise, never a part and never the location-based figure (docs/method.md 3.5, 3.6).
_TREND_WHOLE_ONLY = ("market_co2e_kg", "water_l")


def _whole_only(lines: Iterable[LineRecord], by: str | None) -> dict[str | None, dict[str, Decimal | None]]:
    out: dict[str | None, dict[str, Decimal | None]] = {}
    for ln in lines:
        group = dict(ln.key).get(by) if by else None
        acc = out.setdefault(group, {f: _ZERO for f in _TREND_WHOLE_ONLY})
        needs = ln.figures.get("energy_kwh", _ZERO) > 0
        for f in _TREND_WHOLE_ONLY:
            have, v = acc[f], ln.figures.get(f)
            if have is None or (v is None and needs):
                acc[f] = None
            elif v is not None:
                acc[f] = have + v
    # a group where no line has the figure at all has none (not 0)
    for group, figs in out.items():
        for f in _TREND_WHOLE_ONLY:
            if figs[f] == _ZERO and not any(
                f in ln.figures for ln in lines if not by or dict(ln.key).get(by) == group
            ):
                figs[f] = None
    return out


def trend_table(
    ledger: Ledger, start: str, end: str, *, by: str | None = None, against: str | None = None
) -> tuple[pl.DataFrame, str]:
    """Month by month (recorded months from ``start`` to ``end``), each month's current version, set
    against a baseline (``against`` as in :func:`parse_against`, a month included; default: the default
    baseline if any). Returns the rows of :func:`cloudcarbon.compare.trend`, with ``market_co2e_kg`` and
    ``water_l`` beside them (NULL unless every line with energy has them), and the baseline's label.

    The baseline version used is the one computed under the last month's factor set and method when
    one exists, else the latest version (the label says which)."""
    if by is not None and by not in KEY_COLUMNS:
        raise ValueError(f"by {by!r}: give one of {', '.join(KEY_COLUMNS)}")
    months = _months_between(ledger, start, end)
    rows: list[dict[str, Any]] = []
    extra: list[dict[str, Any]] = []
    for m in months:
        lines = tuple(ledger.current(m).lines)
        for group, figs in _sums(lines, by).items():
            rounded = {f: v.quantize(_TREND_PLACES, ROUND_HALF_EVEN) for f, v in figs.items()}
            rows.append({"month": m, **({by: group} if by else {}), **rounded})
        for group, whole in _whole_only(lines, by).items():
            extra.append(
                {
                    "month": m,
                    **({by: group} if by else {}),
                    **{
                        f: None if v is None else v.quantize(_TREND_PLACES, ROUND_HALF_EVEN)
                        for f, v in whole.items()
                    },
                }
            )
    schema: dict[str, Any] = {"month": pl.String, **({by: pl.String} if by else {})}
    schema.update({f: _TREND_DEC for f in _TREND_FIGURES})
    monthly = pl.DataFrame(rows, schema=schema, orient="row")
    ref = parse_against(against)
    base_lines: tuple[LineRecord, ...] | None = None
    label = ""
    if ref is None and ledger.baselines(DEFAULT_BASELINE):
        ref = Reference(name=DEFAULT_BASELINE)
    if ref is not None and ref.name is not None:
        last = ledger.current(months[-1])
        try:
            b = ledger.get_baseline(ref.name, factor_set=last.factor_set_hash, method=last.method)
        except LedgerNotFound:
            b = ledger.get_baseline(ref.name)
        base_lines, label = b.lines, _label(b)
    elif ref is not None and ref.month is not None:
        base_lines, label = ledger.current(ref.month).lines, f"month {ref.month}"
    baseline = None
    if base_lines is not None:
        sums = _sums(base_lines, by)
        brows = [
            {**({by: g} if by else {}), "co2e_kg": f["co2e_kg"].quantize(_TREND_PLACES, ROUND_HALF_EVEN)}
            for g, f in sums.items()
        ]
        bschema: dict[str, Any] = {**({by: pl.String} if by else {}), "co2e_kg": _TREND_DEC}
        baseline = pl.DataFrame(brows, schema=bschema, orient="row")
        if not by and baseline.height == 0:
            baseline = pl.DataFrame([{"co2e_kg": _ZERO}], schema=bschema, orient="row")
    out = trend(monthly, [by] if by else None, baseline, measures=list(_TREND_FIGURES))
    xschema: dict[str, Any] = {"month": pl.String, **({by: pl.String} if by else {})}
    xschema.update({f: _TREND_DEC for f in _TREND_WHOLE_ONLY})
    whole_df = pl.DataFrame(extra, schema=xschema, orient="row")
    out = out.join(whole_df, on=["month", *([by] if by else [])], how="left", nulls_equal=True)
    return out, label


def trend_section(
    ledger: Ledger, start: str, end: str, by: str | None = None, *, against: str | None = None
) -> Trend:
    """The statement's trend: one series per ``by`` value (one "Total" series without ``by``), month by
    month from ``start`` to ``end``, each with its baseline (see :func:`trend_table`)."""
    df, label = trend_table(ledger, start, end, by=by, against=against)
    rows = [{**r, by: "(none)" if r[by] is None else r[by]} for r in df.to_dicts()] if by else df.to_dicts()
    return Trend.from_rows(rows, series=by, baseline=label)


# --------------------------------------------------------------------------------------------------
# re-baselining


def rebase_baseline(ledger: Ledger, name: str, reestimate: Callable[[RunRecord], RunRecord]) -> Baseline:
    """Recompute baseline ``name`` under the current factor set and method, as a new version.

    ``reestimate`` gets each source month's recorded estimate (the one the baseline was computed from,
    found by its content hash; else the month's current one) and returns the month estimated again
    under the current factor set and method; it raises when it cannot. Every earlier version is kept.
    """
    versions = ledger.baselines(name)
    if not versions:
        raise LedgerNotFound(
            f"no baseline {name!r} to rebase; run `cloudcarbon baseline set` first", ledger.path
        )
    b = versions[-1]
    runs: list[RunRecord] = []
    for month, digest in b.sources:
        used = [
            e.run for e in ledger.history(month) if e.run is not None and e.run.content_sha256() == digest
        ]
        runs.append(reestimate(used[-1] if used else ledger.current(month)))
    return ledger.set_baseline(name, runs)
