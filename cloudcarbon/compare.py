r"""Comparing periods: a variance bridge whose parts add up exactly to the change, and trends.

The bridge
==========

:func:`bridge` explains, per project (the ``by`` columns, by default the first key), why CO2e moved
from a base period to a current one. The change is split along a chain of steps::

    base --method--> base_restated --(activity, mix, efficiency, grid, unattributed)--> current_original
         --restatement--> current

* **method** (method and factor-set changes): ``base_restated - base``, where ``base_restated`` is the
  base period recomputed by the caller under the current factor set and method. Without it the step
  is zero, and the tables must then carry the same ``factor_set``/``method`` (when they have those
  columns), so a comparison is always like for like.
* **restatement**: corrections recorded against the current period (a new bill delivery, ...), given
  as a table of per-key deltas (``current - current_as_first_reported``). ``current_original`` is
  ``current - deltas``, key by key.
* the **operational** change ``current_original - base_restated`` is split per key ``i`` by the
  identity

  .. math::

      C_i = A_g \cdot s_i \cdot e_i \cdot f_i, \qquad
      A_g = \sum_{j \in g} a_j,\quad s_i = a_i / A_g,\quad e_i = E_i / a_i,\quad f_i = C_i / E_i

  where ``a`` is the activity (usage in one unit per group), ``E`` the energy (kWh), ``C`` the CO2e
  (kg), and the group ``g`` is the project (the ``by`` columns) plus ``activity_unit`` when the
  tables have that column (so vCPU-hours are never added to TB-hours). The four factors give the
  parts **activity** (``A``: usage volume), **mix** (``s``: shifts between instance types, regions,
  accelerators, ... inside the group), **efficiency** (``e``: energy per unit of activity) and
  **grid** (``f``: kgCO2e per kWh, the emission factor).

The split is the Shapley value of the four factors (Albrecht, François & Schoors 2002, "A Shapley
decomposition of carbon emissions without residuals", Energy Policy 30(9)): with ``x^0`` the base
and ``x^1`` the current factors and ``N`` the factor set (``n = 4``),

.. math::

    \Delta C_{i,k} = \sum_{S \subseteq N \setminus \{k\}} \frac{|S|!\,(n-|S|-1)!}{n!}
        \left[ C_i(x^1_{S \cup \{k\}}, x^0_{\text{rest}}) - C_i(x^1_S, x^0_{\text{rest}}) \right]

i.e. the average, over all ``4! = 24`` orders of substituting the factors one by one, of each
factor's step. It is symmetric in the factors (no order to choose) and in the keys (each key is
computed alone and sums are exact), and -- unlike the log-mean Divisia index -- needs no logarithm,
so zeros need no "small value" trick. It is evaluated exactly, in rational arithmetic
(:class:`fractions.Fraction`; a decimal converts exactly, a float as the shortest decimal that
reads back to it), through Owen's multilinear extension (see :func:`shapley`). Each key's four
parts are then held as integers of 1e-30 kg, apportioned (largest remainder) so that they still
add up to the key's change at that resolution: every later sum is an integer sum, exact and
independent of the order of the keys, and the cost stays linear in the number of keys.

Zeros, new and vanished keys (the documented rule)
--------------------------------------------------
A key missing from one table has ``a = E = C = 0`` there. A factor that is undefined on one side
(``e`` when ``a = 0``; ``f`` when ``E = 0``; ``s`` for every key of a group whose ``A_g = 0``) takes
its value from the other side (and is ``0`` when undefined on both, where it multiplies a zero).
Hence a new key inside an existing project appears through mix (and its share of the activity
growth), a vanished one leaves the same way, and a project that is entirely new or gone moves
wholly through activity. Two further cases cannot satisfy the identity and are handled openly:

* CO2e on a side where the key has **no activity** (``a = 0 < C``) is reported in **unattributed**
  (``unattributed = U_current - U_base``) and removed from the identity.
* A key with CO2e but **no energy** on a side (e.g. spend-based fallback rows, whose activity is
  the cost) uses ``e = 1`` on both sides and ``f = C / a`` (kgCO2e per unit of activity): its
  intensity change is reported as **grid** (emission factor).

Rounding
--------
The result holds decimals of ``scale`` places (default 6, i.e. milligrams of CO2e). ``base`` and
``current`` are rounded half-even; the parts are rounded by the largest-remainder method so that,
per project, ``base + method + activity + mix + efficiency + grid + unattributed + restatement ==
current`` holds exactly in decimal arithmetic.

Market-based CO2e and water
---------------------------
When ``base`` or ``current`` has a ``market_co2e_kg`` or ``water_l`` column, each project also gets
that figure's total in both periods and its change (``base_market_co2e_kg``,
``current_market_co2e_kg``, ``change_market_co2e_kg``, ``market_co2e_note``; ``base_water_l``, ...).
They are plain totals, not bridged. A period in which any row of the project has no such figure (null,
or a table without the column) has a null total, and the change is then null with the note saying which
period lacks it: a partial sum would misstate the change. A project absent from a period counts 0 there,
as in the bridge.

Trends
======
:func:`trend` sums figures month by month (optionally per ``by`` group) and sets each month against
a baseline (e.g. a reference month, or a year's monthly average).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

__all__ = ["BRIDGE_PARTS", "SIDE_FIGURES", "bridge", "shapley", "trend"]

#: Parts of the bridge, in the order of the chain (columns ``<part>_kg`` of :func:`bridge`'s result).
BRIDGE_PARTS = ("method", "activity", "mix", "efficiency", "grid", "unattributed", "restatement")
_MEASURES = ("activity", "energy_kwh", "co2e_kg")
#: Figures totalled beside the bridge, each with its label for the note (see the module doc).
SIDE_FIGURES = {"market_co2e_kg": "market-based CO2e", "water_l": "water"}
_UNIT = "activity_unit"
_LIKE_FOR_LIKE = ("factor_set", "method")
_F0 = Fraction(0)
#: Internal resolution of the per-key parts (1e-30 kg): integer sums are exact and order-free.
_FINE = 10**30
_FINE_UNIT = Fraction(1, _FINE)


def shapley(base: Sequence[Fraction], current: Sequence[Fraction]) -> list[Fraction]:
    r"""Shapley split of ``prod(current) - prod(base)`` into one exact part per factor.

    ``base[k]`` and ``current[k]`` are the two values of factor ``k``; the result's ``k``-th entry is
    that factor's part, and the parts sum exactly to the change of the product.

    The subset sum of the definition is evaluated through Owen's multilinear extension, which for
    a product is exact and much cheaper (``n`` polynomial products instead of ``2^n`` terms):

    .. math::

        \Delta_k = d_k \int_0^1 \prod_{j \ne k} (x^0_j + t\, d_j)\, dt, \qquad d_j = x^1_j - x^0_j

    (the coefficient of ``t^m`` integrates to ``1/(m+1)``, the Shapley weight of the coalitions of
    size ``m`` summed over them).
    """
    n = len(base)
    if len(current) != n:
        raise ValueError("shapley: base and current need the same number of factors")
    diff = [c - b for b, c in zip(base, current, strict=True)]
    lcm = math.lcm(*range(1, n + 1))
    parts = []
    for k in range(n):
        if diff[k] == 0:
            parts.append(_F0)
            continue
        poly = [Fraction(1)]  # coefficients of t^0, t^1, ...
        for j in range(n):
            if j == k:
                continue
            x0, d = base[j], diff[j]
            nxt = [c * x0 for c in poly] + [_F0]
            if d != 0:
                for m, c in enumerate(poly):
                    nxt[m + 1] += c * d
            poly = nxt
        integral = sum((c * (lcm // (m + 1)) for m, c in enumerate(poly)), _F0) / lcm
        parts.append(diff[k] * integral)
    return parts


def _frac(v: Any, table: str, col: str, row: int, key: tuple[Any, ...]) -> Fraction:
    where = f"bridge: table {table!r}, row {row}, column {col!r} (key {key!r})"
    if v is None:
        raise ValueError(f"{where}: missing value; fill it (0 when there was none)")
    if isinstance(v, bool) or not isinstance(v, int | float | Decimal):
        raise ValueError(f"{where}: {v!r} is not a number")
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError(f"{where}: {v!r} is not a finite number")
    if isinstance(v, Decimal) and not v.is_finite():
        raise ValueError(f"{where}: {v!r} is not a finite number")
    # a float is read as the shortest decimal that round-trips to it (0.1 is 1/10, as written)
    return Fraction(repr(v)) if isinstance(v, float) else Fraction(v)


def _read(
    df: pl.DataFrame, table: str, keys: list[str], allow_negative: bool = False, optional: bool = False
) -> dict[tuple[Any, ...], list[Fraction]]:
    """Per key: [activity, energy, co2e] as exact fractions (duplicate keys summed)."""
    missing = [c for c in keys if c not in df.columns]
    need = ["co2e_kg"] if optional else list(_MEASURES)
    missing += [c for c in need if c not in df.columns]
    if missing:
        raise ValueError(
            f"bridge: table {table!r} lacks column(s) {', '.join(missing)} (has: {', '.join(df.columns)})"
        )
    cols = [c for c in _MEASURES if c in df.columns]
    out: dict[tuple[Any, ...], list[Fraction]] = {}
    for i, row in enumerate(df.select([*keys, *cols]).iter_rows(named=True), start=1):
        key = tuple(row[k] for k in keys)
        vals = []
        for c in _MEASURES:
            f = _frac(row[c], table, c, i, key) if c in row else _F0
            if f < 0 and not allow_negative:
                raise ValueError(
                    f"bridge: table {table!r}, row {i}, column {c!r} (key {key!r}): negative value {row[c]}; "
                    "figures and activity must be >= 0"
                )
            vals.append(f)
        acc = out.setdefault(key, [_F0, _F0, _F0])
        for j in range(3):
            acc[j] += vals[j]
    return out


def _values(df: pl.DataFrame, col: str) -> set[Any]:
    return set(df.get_column(col).unique().to_list()) if col in df.columns else set()


def _check_like_for_like(start: pl.DataFrame, start_name: str, current: pl.DataFrame) -> None:
    for col in _LIKE_FOR_LIKE:
        a, b = _values(start, col), _values(current, col)
        if a and b and a != b:
            raise ValueError(
                f"bridge: not like for like: {start_name} has {col} {sorted(map(str, a))}, current has "
                f"{sorted(map(str, b))}; pass base_restated (the base period recomputed under the current "
                f"{col}) so the change of {col} is shown as its own part"
            )


def _pick(x: Fraction | None, other: Fraction | None) -> Fraction:
    return x if x is not None else other if other is not None else _F0


def _operational(
    base: dict[tuple[Any, ...], list[Fraction]],
    current: dict[tuple[Any, ...], list[Fraction]],
    group_of: dict[tuple[Any, ...], tuple[Any, ...]],
) -> dict[tuple[Any, ...], tuple[list[int], Fraction]]:
    """Per group: [activity, mix, efficiency, grid] in units of ``1/_FINE`` kg, and unattributed (exact)."""
    sides = (base, current)
    # activity without CO2e-less rows, unattributed CO2e (a == 0 < C) set aside
    clean: list[dict[tuple[Any, ...], tuple[Fraction, Fraction, Fraction]]] = [{}, {}]
    unattributed: dict[tuple[Any, ...], list[Fraction]] = {}
    totals: list[dict[tuple[Any, ...], Fraction]] = [{}, {}]
    for key in group_of:
        g = group_of[key]
        for side in (0, 1):
            a, e, c = sides[side].get(key, [_F0, _F0, _F0])
            if a == 0:
                unattributed.setdefault(g, [_F0, _F0])[side] += c
                e, c = _F0, _F0
            clean[side][key] = (a, e, c)
            totals[side][g] = totals[side].get(g, _F0) + a
    parts: dict[tuple[Any, ...], list[int]] = {}
    for key, g in group_of.items():
        (a0, e0, c0), (a1, e1, c1) = clean[0][key], clean[1][key]
        energyless = (c0 > 0 and e0 == 0) or (c1 > 0 and e1 == 0)
        big_a = (totals[0][g], totals[1][g])
        share = [a / big_a[s] if big_a[s] > 0 else None for s, a in ((0, a0), (1, a1))]
        if energyless:
            eff: list[Fraction | None] = [Fraction(1), Fraction(1)]
            grid = [c / a if a > 0 else None for a, c in ((a0, c0), (a1, c1))]
        else:
            eff = [e / a if a > 0 else None for a, e in ((a0, e0), (a1, e1))]
            grid = [c / e if e > 0 else None for e, c in ((e0, c0), (e1, c1))]
        x0 = [big_a[0], _pick(share[0], share[1]), _pick(eff[0], eff[1]), _pick(grid[0], grid[1])]
        x1 = [big_a[1], _pick(share[1], share[0]), _pick(eff[1], eff[0]), _pick(grid[1], grid[0])]
        # the identity holds on both sides by construction (see the module docstring)
        # exact parts, held as integers of 1/_FINE kg that still add up to the key's change
        target = _round_half_even(c1 * _FINE) - _round_half_even(c0 * _FINE)
        units = _apportion(shapley(x0, x1), target, _FINE_UNIT)
        acc = parts.setdefault(g, [0] * 4)
        for k in range(4):
            acc[k] += units[k]
    out: dict[tuple[Any, ...], tuple[list[int], Fraction]] = {}
    for g in set(parts) | set(unattributed):
        u0, u1 = unattributed.get(g, [_F0, _F0])
        out[g] = (parts.get(g, [0] * 4), u1 - u0)
    return out


def _apportion(parts: list[Fraction], target: int, unit: Fraction) -> list[int]:
    """Round ``parts`` (in units of ``unit``) to integers summing to ``target`` (largest remainder)."""
    scaled = [p / unit for p in parts]
    floors = [math.floor(s) for s in scaled]
    extra = target - sum(floors)
    order = sorted(range(len(parts)), key=lambda i: (-(scaled[i] - floors[i]), i))
    out = list(floors)
    i = 0
    while extra > 0:
        out[order[i % len(order)]] += 1
        extra -= 1
        i += 1
    while extra < 0:
        out[order[-1 - (i % len(order))]] -= 1
        extra += 1
        i += 1
    return out


def _side_totals(df: pl.DataFrame, col: str, by: list[str]) -> dict[tuple[Any, ...], Fraction | None] | None:
    """Per project: the exact total of ``col``, None where a row has none; None without the column."""
    if col not in df.columns:
        return None
    out: dict[tuple[Any, ...], Fraction | None] = {}
    for i, row in enumerate(df.select([*by, col]).iter_rows(), start=1):
        p, v = tuple(row[:-1]), row[-1]
        if v is None:
            out[p] = None
        elif p not in out or out[p] is not None:
            out[p] = (out.get(p) or _F0) + _frac(v, "side", col, i, p)
    return out


def _side_columns(
    base: pl.DataFrame, current: pl.DataFrame, by: list[str], projects: list[tuple[Any, ...]], scale: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """Per project (in ``projects`` order): both periods' totals of each :data:`SIDE_FIGURES` figure
    that either table has, their change and a note where the change is null; and the column names."""
    unit = Fraction(1, 10**scale)
    out: list[dict[str, Any]] = [{} for _ in projects]
    names: list[str] = []
    for col, label in SIDE_FIGURES.items():
        if col not in base.columns and col not in current.columns:
            continue
        sides = (_side_totals(base, col, by), _side_totals(current, col, by))
        names += [f"base_{col}", f"current_{col}", f"change_{col}", f"{col}_note"]
        for row, p in zip(out, projects, strict=True):
            vals = [None if t is None else t.get(p, _F0) for t in sides]
            dec = [None if v is None else Decimal(_round_half_even(v / unit)).scaleb(-scale) for v in vals]
            lacking = [n for n, v in zip(("base", "current"), vals, strict=True) if v is None]
            row[f"base_{col}"], row[f"current_{col}"] = dec
            row[f"change_{col}"] = None if lacking else dec[1] - dec[0]  # type: ignore[operator]
            row[f"{col}_note"] = (
                f"no {label} figure in the {' and '.join(lacking)} period" + ("s" if len(lacking) > 1 else "")
                if lacking
                else None
            )
    return out, names


def _round_half_even(x: Fraction) -> int:
    return round(x)  # Fraction.__round__ rounds half to even


def bridge(
    base: pl.DataFrame,
    current: pl.DataFrame,
    keys: list[str],
    *,
    by: list[str] | None = None,
    base_restated: pl.DataFrame | None = None,
    restatements: pl.DataFrame | None = None,
    scale: int = 6,
) -> pl.DataFrame:
    """The variance bridge from ``base`` to ``current`` CO2e, per ``by`` group (see the module doc).

    Parameters
    ----------
    base, current
        One row per key (``keys`` columns; duplicates are summed) with ``activity``, ``energy_kwh`` and
        ``co2e_kg`` (numbers >= 0), optionally ``activity_unit``, ``factor_set`` and ``method``.
    keys
        Columns identifying a row, e.g. ``["project", "instance_type", "region"]``.
    by
        Columns reported on (a prefix or subset of ``keys``); default ``keys[:1]`` (the project).
    base_restated
        The base period recomputed under the current factor set and method (same layout as ``base``).
    restatements
        Per-key deltas already included in ``current`` (``keys`` + ``co2e_kg``, optionally ``activity``
        and ``energy_kwh``; may be negative).
    scale
        Decimal places of the result (kg).

    Returns
    -------
    polars.DataFrame
        ``by`` columns, ``base_co2e_kg``, ``method_kg``, ``activity_kg``, ``mix_kg``, ``efficiency_kg``,
        ``grid_kg``, ``unattributed_kg``, ``restatement_kg``, ``current_co2e_kg``, ``change_kg`` as
        decimals, sorted by ``by``; per row the parts add up exactly to ``change_kg``.
    """
    if not keys:
        raise ValueError("bridge: keys must name at least one column")
    by = list(keys[:1] if by is None else by)
    if not set(by) <= set(keys):
        raise ValueError(f"bridge: by {by} must be among keys {keys}")
    start, start_name = (base, "base") if base_restated is None else (base_restated, "base_restated")
    _check_like_for_like(start, start_name, current)
    unit_col = [_UNIT] if all(_UNIT in t.columns for t in (base, current, start)) else []
    ukeys = [*keys, *unit_col]
    b = _read(base, "base", ukeys)
    cur = _read(current, "current", ukeys)
    s = b if base_restated is None else _read(base_restated, "base_restated", ukeys)
    cur_orig = cur
    if restatements is not None:
        rkeys = [*keys, *(unit_col if _UNIT in restatements.columns else [])]
        deltas = _read(restatements, "restatements", rkeys, allow_negative=True, optional=True)
        if len(rkeys) < len(ukeys):  # deltas without unit: match the unit from current
            unit_of = {k[: len(keys)]: k for k in cur}
            deltas = {unit_of.get(k, (*k, None)): v for k, v in deltas.items()}
        cur_orig = {k: list(v) for k, v in cur.items()}
        for k, d in deltas.items():
            acc = cur_orig.setdefault(k, [_F0, _F0, _F0])
            for j in range(3):
                acc[j] -= d[j]
                if acc[j] < 0:
                    raise ValueError(
                        f"bridge: restatement for key {k!r} takes {_MEASURES[j]} below zero "
                        f"(current minus delta = {float(acc[j])}); deltas must be current - as first reported"
                    )

    pos = [ukeys.index(c) for c in by]
    unit_pos = [len(keys)] if unit_col else []

    def group(key: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(key[p] for p in pos + unit_pos)

    def project(key: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(key[p] for p in pos)

    all_keys = set(b) | set(s) | set(cur_orig) | set(cur)
    groups = {k: group(k) for k in set(s) | set(cur_orig)}
    ops = _operational(s, cur_orig, groups)

    def sums(table: dict[tuple[Any, ...], list[Fraction]]) -> dict[tuple[Any, ...], Fraction]:
        out: dict[tuple[Any, ...], Fraction] = {}
        for k, v in table.items():
            out[project(k)] = out.get(project(k), _F0) + v[2]
        return out

    base_c, start_c, orig_c, cur_c = sums(b), sums(s), sums(cur_orig), sums(cur)
    projects = sorted({project(k) for k in all_keys}, key=lambda t: tuple((x is None, str(x)) for x in t))
    unit = Fraction(1, 10**scale)
    rows: list[dict[str, Any]] = []
    per_project: dict[tuple[Any, ...], tuple[list[int], Fraction]] = {}
    for g, (units, unatt) in ops.items():
        acc_units, acc_u = per_project.get(g[: len(by)], ([0] * 4, _F0))
        per_project[g[: len(by)]] = ([x + y for x, y in zip(acc_units, units, strict=True)], acc_u + unatt)
    for p in projects:
        units, unatt = per_project.get(p, ([0] * 4, _F0))
        op = [*(Fraction(u, _FINE) for u in units), unatt]
        exact = [
            start_c.get(p, _F0) - base_c.get(p, _F0),
            *op,
            cur_c.get(p, _F0) - orig_c.get(p, _F0),
        ]
        b_units = _round_half_even(base_c.get(p, _F0) / unit)
        c_units = _round_half_even(cur_c.get(p, _F0) / unit)
        rounded = _apportion(exact, c_units - b_units, unit)
        row: dict[str, Any] = dict(zip(by, p, strict=True))
        row["base_co2e_kg"] = Decimal(b_units).scaleb(-scale)
        for name, n_units in zip(BRIDGE_PARTS, rounded, strict=True):
            row[f"{name}_kg"] = Decimal(n_units).scaleb(-scale)
        row["current_co2e_kg"] = Decimal(c_units).scaleb(-scale)
        row["change_kg"] = Decimal(c_units - b_units).scaleb(-scale)
        rows.append(row)
    side, side_names = _side_columns(base, current, by, projects, scale)
    for row, extra in zip(rows, side, strict=True):
        row.update(extra)
    dec = pl.Decimal(38, scale)
    schema: dict[str, Any] = {c: base.schema[c] if c in base.schema else current.schema[c] for c in by}
    for c in ("base_co2e_kg", *(f"{n}_kg" for n in BRIDGE_PARTS), "current_co2e_kg", "change_kg"):
        schema[c] = dec
    for c in side_names:
        schema[c] = pl.String if c.endswith("_note") else dec
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def trend(
    monthly: pl.DataFrame,
    by: list[str] | None = None,
    baseline: pl.DataFrame | None = None,
    *,
    month: str = "month",
    measures: Iterable[str] | None = None,
    value: str = "co2e_kg",
) -> pl.DataFrame:
    """Month-by-month figures, each set against a baseline.

    Parameters
    ----------
    monthly
        Rows with a ``month`` column (``YYYY-MM`` text or a date), optional ``by`` columns and numeric
        figures (``co2e_kg``, ``energy_kwh``, ...; several rows per month are summed).
    by
        Group columns (``None``: one series for the whole organisation).
    baseline
        The reference: the ``by`` columns (none for a total) and ``value`` (e.g. a reference month's
        CO2e or a year's monthly average).
    measures
        Figures to sum (default: every numeric column other than ``month`` and ``by``).
    value
        The figure compared with the baseline.

    Returns
    -------
    polars.DataFrame
        One row per month (every month present in ``monthly``) and group, sorted; groups absent in a
        month count 0 for it. With a baseline: ``baseline_<value>``, ``change_<value>`` (figure minus
        baseline) and ``change_pct`` (null when the baseline is 0 or absent for the group).
    """
    by = list(by or [])
    missing = [c for c in [month, *by] if c not in monthly.columns]
    if missing:
        raise ValueError(f"trend: monthly table lacks column(s) {', '.join(missing)}")
    if measures is None:
        measures = [c for c in monthly.columns if c not in (month, *by) and monthly.schema[c].is_numeric()]
    measures = list(measures)
    if value not in measures:
        raise ValueError(f"trend: figure {value!r} is not among the monthly figures {measures}")
    summed = monthly.group_by([month, *by]).agg([pl.col(c).sum() for c in measures])
    months = monthly.select(pl.col(month).unique())
    frame = months
    if by:
        frame = months.join(monthly.select(by).unique(), how="cross")
    out = frame.join(summed, on=[month, *by], how="left", nulls_equal=True).with_columns(
        [pl.col(c).fill_null(0) for c in measures]
    )
    if baseline is not None:
        lacking = [c for c in [*by, value] if c not in baseline.columns]
        if lacking:
            raise ValueError(f"trend: baseline lacks column(s) {', '.join(lacking)}")
        if not by and baseline.height != 1:
            raise ValueError(f"trend: a baseline without groups must have one row, it has {baseline.height}")
        base = baseline.select([*by, pl.col(value).alias(f"baseline_{value}")])
        out = out.join(base, on=by, how="left", nulls_equal=True) if by else out.join(base, how="cross")
        b, v = pl.col(f"baseline_{value}"), pl.col(value)
        out = out.with_columns((v - b).alias(f"change_{value}")).with_columns(
            pl.when(b.is_null() | (b == 0))
            .then(None)
            .otherwise((v - b).cast(pl.Float64) / b.cast(pl.Float64) * 100)
            .alias("change_pct")
        )
    return out.sort([month, *by], nulls_last=True)
