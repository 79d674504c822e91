"""Shared-cost allocation: the figures of a shared project split among the projects that use it.

Declared in ``cloudcarbon.toml``, applied after the estimate has modelled the rows, so what is split is
the shared project's modelled cost, kWh, kgCO2e, embodied kgCO2e and their low/high bounds::

    [[allocation.shared]]
    project = "shared-services"                 # the project whose figures are split
    split = { "team-a" = 60, "team-b" = 40 }    # fixed percentages, adding up to 100 exactly

    [[allocation.shared]]
    project = "(unallocated)"
    proportional_to = "cost"                    # or "kgco2e" / "kwh" of the receiving projects
    among = ["team-a", "team-b"]                # optional; absent = every project not itself shared

    [[allocation.shared]]
    project = "platform"
    by_tag = "user:cluster"                     # to the projects of the other rows with the same value

Each rule has ``project`` and exactly one of ``split``, ``proportional_to`` (with optional ``among``) or
``by_tag``. The rules are applied in order, each to what its project holds at that point:

* ``split``: every row of the project is divided by the fixed percentages (each > 0, adding up to 100
  exactly as written: ``33.3 + 33.3 + 33.4`` is 100, ``33.33 * 3`` is not). The receivers need not have
  rows of their own (a fixed agreement holds whatever the month's usage).
* ``proportional_to``: per currency, in proportion to each receiver's own ``cost`` in that currency, or
  to its ``kgco2e`` (operational CO2e) or ``kwh`` over all currencies. Receivers are ``among`` or,
  without it, every project of the month that is neither ``(unallocated)`` nor the project of any rule.
  A receiver with no (or a negative) figure gets nothing; when no receiver has a positive figure the
  rows stay on the shared line.
* ``by_tag``: each row of the project goes to the projects of the other rows (same currency) carrying
  the same value of that tag, in proportion to their cost; rows with no value, or a value no other
  project's row carries, stay on the shared line. Projects that are themselves shared never receive.

Whatever a rule does not cover stays on the shared project's line (the ``(unallocated)`` line is shown
until a rule covers it); a fully covered project has no line left. A rule whose project has no rows in
the month does nothing. Project names in ``split``/``among`` are not checked against the month's data:
the same configuration serves every month.

Chains are resolved in order: a project that receives by ``split`` or ``among`` may itself be shared by a
*later* rule (A to B, then B to C). A rule that gives to a project an earlier rule (or itself) already
split is refused with a :class:`~cloudcarbon.exceptions.ConfigError`, so no cycle can be declared.

Exactness: costs (and row counts) are split by the largest-remainder method in whole units -- a cent, or
the finest decimal the shared costs are billed in when that is finer (``rows``: whole rows) -- so the
parts add up to the shared figure exactly. Within a currency (and, for ``by_tag``, a tag value) the
rounding is carried from row to row, so each receiver's total is the largest-remainder split of the
shared total: 100.00 split in thirds is 33.34 / 33.33 / 33.33 however many rows make up the 100.00.
Floats (kWh, kg, hours) are split by the same weights, the last receiver taking the whole minus the
others, so the parts add up to the whole to the float's rounding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from typing import Any

import polars as pl

from cloudcarbon.exceptions import ConfigError
from cloudcarbon.schema import tag_column

__all__ = [
    "BASES",
    "SHARING_COLUMNS",
    "SharePart",
    "SharingRule",
    "apportion",
    "share_groups",
    "sharing_rules",
]

#: What ``proportional_to`` accepts: receivers' cost (per currency), operational kgCO2e, or kWh.
BASES = ("cost", "kgco2e", "kwh")
_BASIS_COLUMN = {"kgco2e": "co2e_kg", "kwh": "energy_kwh"}
#: Columns of :func:`share_groups`'s second frame (``EstimateResult.sharing``).
SHARING_COLUMNS = (
    "rule",
    "from_project",
    "to_project",
    "basis",
    "currency",
    "share",
    "rows",
    "cost",
    "energy_kwh",
    "co2e_kg",
    "co2e_kg_low",
    "co2e_kg_high",
    "embodied_co2e_kg",
)
#: Smallest unit a cost is split in (a cent), unless the shared costs are billed finer.
_CENT = Decimal("0.01")
#: Decimal arithmetic without rounding: costs are DECIMAL(38, 18), beyond the default 28 digits.
_EXACT = Context(prec=200)
#: Columns copied to each part rather than split.
_COPIED = ("grid_year", "usage_start", "usage_end")


@dataclass(frozen=True)
class SharePart:
    """One receiver of a fixed split and its percentage."""

    project: str
    percent: float


@dataclass(frozen=True)
class SharingRule:
    """One ``[[allocation.shared]]`` table: ``project`` and exactly one way of splitting it."""

    project: str
    split: tuple[SharePart, ...] = ()
    proportional_to: str | None = None
    among: tuple[str, ...] | None = None
    by_tag: str | None = None

    @property
    def basis(self) -> str:
        """How the rule splits, as shown in ``EstimateResult.sharing``: ``split``, ``proportional:cost``,
        ``by_tag:user:cluster``."""
        if self.split:
            return "split"
        if self.proportional_to is not None:
            return f"proportional:{self.proportional_to}"
        return f"by_tag:{self.by_tag}"

    def receivers(self) -> tuple[str, ...]:
        """The receivers the rule names (``split`` keys or ``among``); empty when they come from data."""
        return tuple(p.project for p in self.split) or (self.among or ())


def _text(value: Any, where: str, path: str | None) -> str:
    if not isinstance(value, str) or value == "":
        raise ConfigError(path, f"{where} must be a non-empty string, got {value!r}")
    return value


def _percent(value: Any, where: str, path: str | None) -> Decimal:
    """A percentage as the exact decimal written (``33.3`` is 33.3, not its binary neighbour)."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    if not ok:
        raise ConfigError(path, f"{where} must be a number above 0, got {value!r}")
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


def _rule(raw: Any, where: str, path: str | None) -> SharingRule:
    if not isinstance(raw, dict):
        raise ConfigError(
            path, f'{where} must be a table like {{ project = "shared", split = {{ a = 100 }} }}'
        )
    allowed = {"project", "split", "proportional_to", "among", "by_tag"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ConfigError(
            path, f"unknown key(s) {', '.join(unknown)} in {where}; allowed: {', '.join(sorted(allowed))}"
        )
    project = _text(raw.get("project"), f"{where} project", path)
    ways = [k for k in ("split", "proportional_to", "by_tag") if k in raw]
    if len(ways) != 1:
        raise ConfigError(path, f"{where} needs exactly one of split, proportional_to, by_tag")
    if "among" in raw and ways != ["proportional_to"]:
        raise ConfigError(path, f"{where} among only goes with proportional_to")
    if "split" in raw:
        table = raw["split"]
        if not isinstance(table, dict) or not table:
            raise ConfigError(path, f'{where} split must be a table like {{ "team-a" = 60, "team-b" = 40 }}')
        parts = {
            _text(k, f"{where} split key", path): _percent(v, f"{where} split {k!r}", path)
            for k, v in table.items()
        }
        total = sum(parts.values(), Decimal(0))
        if total != 100:
            raise ConfigError(
                path,
                f"{where} split: the percentages add up to {total}, not 100; make them add up to 100 exactly",
            )
        return SharingRule(project=project, split=tuple(SharePart(k, float(v)) for k, v in parts.items()))
    if "by_tag" in raw:
        return SharingRule(project=project, by_tag=_text(raw["by_tag"], f"{where} by_tag", path))
    basis = raw["proportional_to"]
    if basis not in BASES:
        raise ConfigError(path, f"{where} proportional_to must be one of {', '.join(BASES)}, got {basis!r}")
    among = raw.get("among")
    if among is not None:
        if not isinstance(among, list) or not among:
            raise ConfigError(
                path, f'{where} among must be a non-empty list of projects like ["team-a", "team-b"]'
            )
        among = tuple(dict.fromkeys(_text(p, f"{where} among", path) for p in among))
    return SharingRule(project=project, proportional_to=str(basis), among=among)


def sharing_rules(allocation: Any, path: str | None = None) -> tuple[SharingRule, ...]:
    """The ``[allocation]`` table of the configuration as validated :class:`SharingRule` s, in order.

    Raises
    ------
    ConfigError
        An unknown key, a missing or doubled way of splitting, percentages not adding up to 100, an
        unknown ``proportional_to``, or a rule giving to a project already split (a cycle).
    """
    if allocation is None:
        return ()
    if not isinstance(allocation, dict):
        raise ConfigError(path, "[allocation] must be a table")
    unknown = sorted(set(allocation) - {"shared"})
    if unknown:
        raise ConfigError(path, f"unknown key(s) {', '.join(unknown)} in [allocation]; allowed: shared")
    raw = allocation.get("shared", [])
    if not isinstance(raw, list):
        raise ConfigError(path, "[allocation] shared must be written as [[allocation.shared]] tables")
    rules: list[SharingRule] = []
    for i, r in enumerate(raw, 1):
        where = f"[[allocation.shared]] {i}"
        rule = _rule(r, where, path)
        split_before = {x.project: j for j, x in enumerate([*rules, rule], 1)}
        for to in rule.receivers():
            if to in split_before:
                j = split_before[to]
                what = "is its own project" if j == i else f"rule {j} already split"
                raise ConfigError(
                    path,
                    f"{where} (project {rule.project!r}) gives to {to!r}, which {what}; chains are resolved "
                    "in order, so put the rule sharing a project after every rule that gives to it "
                    "(a cycle cannot be ordered)",
                )
        rules.append(rule)
    return tuple(rules)


def apportion(amount: Decimal, weights: Sequence[Fraction | int], unit: Decimal = _CENT) -> list[Decimal]:
    """``amount`` split in proportion to ``weights`` (non-negative, not all zero) by the largest-remainder
    method in whole ``unit`` s: each part is its exact share rounded down, and the units left over go one
    each to the largest remainders (ties to the earlier weight). The parts add up to ``amount`` exactly.

    ``amount`` must be a whole number of ``unit`` s.
    """
    with localcontext(_EXACT):
        units = amount / unit
        if units != units.to_integral_value():
            raise ValueError(f"{amount} is not a whole number of {unit}")
        return [unit * n for n in _apportion_int(int(units), [Fraction(w) for w in weights])]


def _integral(weights: Sequence[Fraction]) -> list[int]:
    """The same proportions as whole numbers (every weight times the common denominator)."""
    if any(w < 0 for w in weights) or sum(weights, Fraction(0)) <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    den = math.lcm(*(w.denominator for w in weights))
    return [int(w * den) for w in weights]


def _apportion_int(total: int, weights: Sequence[Fraction]) -> list[int]:
    return _largest_remainder(total, _integral(weights))


def _largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` in whole units by integer ``weights`` (exact integer arithmetic, ties to the first)."""
    whole = sum(weights)
    floors, rests = zip(*(divmod(total * w, whole) for w in weights), strict=True)
    parts = list(floors)
    for i in sorted(range(len(parts)), key=lambda i: (-rests[i], i))[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _unit(values: Sequence[Decimal], scale: int) -> Decimal:
    """The unit a decimal column is split in: whole numbers for integers, else a cent or finer."""
    if scale == 0:
        return Decimal(1)
    exps = [int(v.normalize().as_tuple().exponent) for v in values if v]
    return Decimal(1).scaleb(min([-2, *exps]))


def _carried(values: Sequence[Decimal], weights: Sequence[Fraction], scale: int) -> list[list[Decimal]]:
    """Per receiver, its part of each value: the largest-remainder split of the running total, so every
    row's parts add up to the row and every receiver's parts to its split of the whole."""
    unit = _unit(values, scale)
    whole = _integral(weights)
    before = [0] * len(weights)
    running = 0
    out: list[list[Decimal]] = [[] for _ in weights]
    with localcontext(_EXACT):
        for v in values:
            running += int(v / unit)
            now = _largest_remainder(running, whole)
            for i, (a, b) in enumerate(zip(now, before, strict=True)):
                out[i].append(unit * (a - b))
            before = now
    return out


def _parts(
    bucket: pl.DataFrame, receivers: Sequence[str], weights: Sequence[Fraction], source: str
) -> pl.DataFrame:
    """``bucket``'s rows split among ``receivers`` by ``weights`` (see the module docstring)."""
    whole = sum(weights, Fraction(0))
    fractions = [float(w / whole) for w in weights]
    schema = bucket.schema
    floats = [c for c, t in schema.items() if t.is_float()]
    decimals = [c for c, t in schema.items() if isinstance(t, pl.Decimal)]
    split_dec = {
        c: _carried([Decimal(v or 0) for v in bucket[c].to_list()], weights, schema[c].scale or 0)  # type: ignore[attr-defined]
        for c in decimals
    }
    frames = []
    for i, to in enumerate(receivers):
        if i < len(receivers) - 1:
            fl = [(pl.col(c) * fractions[i]).alias(c) for c in floats]
        else:  # the last part is the whole minus the others, so the parts add up to the whole
            fl = [
                (pl.col(c) - pl.sum_horizontal(*[pl.col(c) * f for f in fractions[:-1]])).alias(c)
                if len(fractions) > 1
                else pl.col(c)
                for c in floats
            ]
        frames.append(
            bucket.with_columns(
                *fl,
                *[pl.Series(c, split_dec[c][i], dtype=schema[c]) for c in decimals],
                pl.lit(to, pl.String).alias("project"),
                pl.lit(source, pl.String).alias("shared_from"),
            )
        )
    return pl.concat(frames, how="vertical")


def _positive(weights: Mapping[str, Any], names: Sequence[str]) -> tuple[list[str], list[Fraction]]:
    """Receivers with a positive weight (exact fractions of the figures), in the given order."""
    out = [(n, Fraction(weights[n])) for n in names if weights.get(n) is not None and weights[n] > 0]
    return [n for n, _ in out], [w for _, w in out]


def _sums(frame: pl.DataFrame, by: Sequence[str], column: str) -> dict[tuple[Any, ...], Any]:
    if frame.height == 0:
        return {}
    agg = frame.group_by(by).agg(pl.col(column).sum())
    return {tuple(r[:-1]): r[-1] for r in agg.iter_rows()}


def _apply(
    rule: SharingRule, source: pl.DataFrame, others: pl.DataFrame, shared: set[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One rule on its project's rows: (the parts given, the rows that stay)."""
    from cloudcarbon.config import UNALLOCATED

    implicit = others.filter(~pl.col("project").is_in([*shared, UNALLOCATED]))
    bucket_keys = ["BillingCurrency"]
    by_value: dict[tuple[Any, ...], Any] = {}  # (currency[, tag value], project) -> cost
    totals: dict[tuple[Any, ...], Any] = {}  # (project,) -> kgCO2e or kWh
    if rule.by_tag is not None:
        tag = tag_column(rule.by_tag)
        bucket_keys.append(tag)
        by_value = _sums(
            implicit.filter(pl.col(tag).is_not_null() & (pl.col(tag) != "")),
            [*bucket_keys, "project"],
            "cost",
        )
    elif rule.proportional_to == "cost":
        by_value = _sums(others, ["BillingCurrency", "project"], "cost")
    elif rule.proportional_to is not None:
        totals = _sums(others, ["project"], _BASIS_COLUMN[rule.proportional_to])
    candidates = sorted(set(implicit["project"].to_list())) if rule.among is None else list(rule.among)
    given, kept = [], []
    ordered = source.sort(pl.all().exclude(*_COPIED), nulls_last=True)
    for key, bucket in ordered.group_by(bucket_keys, maintain_order=True):
        if rule.split:
            receivers = [p.project for p in rule.split]
            weights = [Fraction(Decimal(repr(p.percent))) for p in rule.split]
        elif rule.by_tag is not None:
            names = sorted(p for (cur, val, p) in by_value if (cur, val) == key)
            receivers, weights = _positive({p: by_value[(*key, p)] for p in names}, names)
        elif rule.proportional_to == "cost":
            receivers, weights = _positive({p: by_value.get((key[0], p)) for p in candidates}, candidates)
        else:
            receivers, weights = _positive({p: totals.get((p,)) for p in candidates}, candidates)
        if receivers:
            given.append(_parts(bucket, receivers, weights, rule.project))
        else:
            kept.append(bucket)
    empty = source.clear()
    return (
        pl.concat(given, how="vertical") if given else empty,
        pl.concat(kept, how="vertical") if kept else empty,
    )


def share_groups(groups: pl.DataFrame, rules: Sequence[SharingRule]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Apply ``rules`` in order to the estimate's fine groups.

    Returns the groups with a ``shared_from`` column (the project a part was split from; null on a
    project's own rows), in which the shared projects' rows are replaced by their receivers' parts and
    what no rule covered; and the audit frame (:data:`SHARING_COLUMNS`): per rule, receiver and currency,
    the rows, cost and figures given and their ``share`` of the shared project's cost in that currency.
    Per currency the cost, rows and fates add up exactly as before; the float figures to their rounding.
    """
    state = (
        groups
        if "shared_from" in groups.columns
        else groups.with_columns(pl.lit(None, pl.String).alias("shared_from"))
    )
    shared = {r.project for r in rules}
    audits = []
    for i, rule in enumerate(rules, 1):
        mask = pl.col("project") == rule.project
        source, others = state.filter(mask), state.filter(~mask)
        if source.height == 0:
            continue
        given, kept = _apply(rule, source, others, shared)
        state = pl.concat([others, kept, given], how="vertical")
        if given.height:
            base = _sums(source, ["BillingCurrency"], "cost")
            audit = (
                given.group_by("project", "BillingCurrency", maintain_order=True)
                .agg(pl.col(c).sum() for c in SHARING_COLUMNS[6:])
                .rename({"project": "to_project", "BillingCurrency": "currency"})
            )
            pairs = zip(audit["currency"], audit["cost"], strict=True)
            share = [_share(c, base.get((cur,))) for cur, c in pairs]
            audit = audit.with_columns(
                pl.lit(i, pl.Int64).alias("rule"),
                pl.lit(rule.project, pl.String).alias("from_project"),
                pl.lit(rule.basis, pl.String).alias("basis"),
                pl.Series("share", share, dtype=pl.Float64),
            )
            audits.append(audit.select(SHARING_COLUMNS).sort("currency", "to_project", nulls_last=True))
    sharing = pl.concat(audits, how="vertical") if audits else _empty_sharing(groups)
    return state, sharing


def _share(part: Decimal | None, whole: Decimal | None) -> float | None:
    if part is None or not whole:
        return None
    return float(Fraction(part) / Fraction(whole))


def _empty_sharing(groups: pl.DataFrame) -> pl.DataFrame:
    types: dict[str, Any] = {"rule": pl.Int64, "share": pl.Float64}
    for c in ("from_project", "to_project", "basis", "currency"):
        types[c] = pl.String
    for c in SHARING_COLUMNS[6:]:
        types[c] = groups.schema.get(c, pl.Float64)
    return pl.DataFrame(schema={c: types[c] for c in SHARING_COLUMNS})
