"""Plain, engine-free records the ledger stores: one month's estimate as frozen dataclasses.

Nothing here knows about polars, DuckDB or the pipeline; the estimate result is converted into a
:class:`RunRecord` before it is recorded. Every money amount and figure is a :class:`~decimal.Decimal`
(a ``float`` is refused), and is stored as its exact decimal text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from cloudcarbon.ledger.errors import InvalidRecord

__all__ = [
    "CoverageRecord",
    "FlagRecord",
    "InputFile",
    "LineKey",
    "LineRecord",
    "RunRecord",
    "canonical_json",
    "config_digest",
    "key_json",
]

#: A statement line's key: ``(group name, value)`` pairs in group order, e.g.
#: ``(("project", "search"), ("provider", "aws"))``. ``None`` stands for an untagged value.
LineKey = tuple[tuple[str, str | None], ...]

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def canonical_json(obj: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text, decimals as their exact text."""

    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return str(o)
        if isinstance(o, bytes):
            return {"blob": o.hex()}
        raise TypeError(f"cannot serialise {type(o).__name__}")

    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default)


def key_json(key: LineKey) -> str:
    """A line key as the canonical JSON list stored in the ledger: ``[["project","search"],...]``."""
    return canonical_json([[g, v] for g, v in key])


def _decimal(value: object, what: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise InvalidRecord(
            f"{what} is a {type(value).__name__} ({value!r}); the ledger stores exact decimals only, "
            "pass a decimal.Decimal"
        )
    if not value.is_finite():
        raise InvalidRecord(f"{what} is {value}; only finite decimals can be recorded")
    return value


def _figures(values: Mapping[str, Decimal], what: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for name, v in values.items():
        if not isinstance(name, str) or not name:
            raise InvalidRecord(f"{what}: figure names must be non-empty text, got {name!r}")
        out[name] = _decimal(v, f"{what} {name!r}")
    return out


def check_month(month: str) -> str:
    """Return ``month`` if it is ``YYYY-MM``; otherwise raise :class:`InvalidRecord`."""
    if not isinstance(month, str) or not _MONTH.match(month):
        raise InvalidRecord(f"month {month!r} is not YYYY-MM (e.g. 2026-10)")
    return month


def config_digest(config: Mapping[str, Any]) -> tuple[str, str]:
    """``(sha256, canonical JSON text)`` of a configuration, for :attr:`RunRecord.config_hash` and
    :attr:`RunRecord.config_text` (keys sorted, so the order they were written in does not matter)."""
    text = canonical_json(config)
    return hashlib.sha256(text.encode()).hexdigest(), text


@dataclass(frozen=True)
class InputFile:
    """One input file of a run: its path as given, its size in bytes and its sha256 (hex)."""

    path: str
    size: int
    sha256: str

    @classmethod
    def of(cls, path: str | Path, *, shown_as: str | None = None) -> InputFile:
        """Read a file once and describe it; ``shown_as`` is the path to record (default: as given)."""
        h = hashlib.sha256()
        size = 0
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
                size += len(chunk)
        return cls(str(path) if shown_as is None else shown_as, size, h.hexdigest())

    def __post_init__(self) -> None:
        if not isinstance(self.size, int) or self.size < 0:
            raise InvalidRecord(f"input {self.path!r}: size {self.size!r} is not a byte count")
        if not isinstance(self.sha256, str) or not _SHA256.match(self.sha256):
            raise InvalidRecord(f"input {self.path!r}: sha256 {self.sha256!r} is not 64 lowercase hex digits")


@dataclass(frozen=True)
class LineRecord:
    """One statement line: its group key and its figures (``energy_kwh``, ``co2e_kg``, ``cost_EUR``...)."""

    key: LineKey
    figures: Mapping[str, Decimal]

    def __post_init__(self) -> None:
        key = tuple((str(g), v) for g, v in self.key)
        for g, v in key:
            if v is not None and not isinstance(v, str):
                raise InvalidRecord(f"line key {g!r}: value {v!r} must be text or None")
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "figures", _figures(self.figures, f"line {key_json(key)}"))


@dataclass(frozen=True)
class CoverageRecord:
    """Coverage of one currency: billed = estimated + fallback + excluded, and why rows were excluded.

    ``exclusion_reasons`` maps each reason to the excluded cost it accounts for.
    """

    currency: str
    billed: Decimal
    estimated: Decimal
    fallback: Decimal
    excluded: Decimal
    rows: int
    exclusion_reasons: Mapping[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("billed", "estimated", "fallback", "excluded"):
            _decimal(getattr(self, name), f"coverage {self.currency} {name}")
        if not isinstance(self.rows, int) or self.rows < 0:
            raise InvalidRecord(f"coverage {self.currency}: rows {self.rows!r} is not a row count")
        object.__setattr__(
            self, "exclusion_reasons", _figures(self.exclusion_reasons, f"coverage {self.currency} reason")
        )


@dataclass(frozen=True)
class FlagRecord:
    """Rows estimated with a fallback or a substituted factor: what, about what, how many, what cost."""

    flag: str
    subject: str
    rows: int
    cost: Decimal
    currency: str = ""
    fate: str = ""

    def __post_init__(self) -> None:
        _decimal(self.cost, f"flag {self.flag!r} cost")
        if not isinstance(self.rows, int) or self.rows < 0:
            raise InvalidRecord(f"flag {self.flag!r}: rows {self.rows!r} is not a row count")


@dataclass(frozen=True)
class RunRecord:
    """One estimate of one month, as the ledger records it.

    Attributes
    ----------
    month
        ``YYYY-MM``.
    method
        Name of the estimation method.
    factor_set_version, factor_set_hash, factor_set_user_made
        The factor set used: its version, its content sha256, and whether it is a user-made set.
    config_hash, config_text
        The configuration used: sha256 and the canonical JSON text it was computed from.
    tool_version
        cloudcarbon's version.
    recorded_at
        UTC time of the estimate, ISO 8601 (``2026-11-02T09:00:00Z``).
    inputs
        Every input file: path, size, sha256.
    lines
        Statement lines with their figures.
    totals
        Totals by figure name.
    coverage
        One record per currency (kept in currency order).
    flags
        Fallback and substitution flags.
    assumptions
        Named assumptions as text (utilisation used, fallback kWh per currency unit, ...).
    """

    month: str
    method: str
    factor_set_version: str
    factor_set_hash: str
    factor_set_user_made: bool
    config_hash: str
    config_text: str
    tool_version: str
    recorded_at: str
    inputs: tuple[InputFile, ...] = ()
    lines: tuple[LineRecord, ...] = ()
    totals: Mapping[str, Decimal] = field(default_factory=dict)
    coverage: tuple[CoverageRecord, ...] = ()
    flags: tuple[FlagRecord, ...] = ()
    assumptions: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_month(self.month)
        if not isinstance(self.factor_set_user_made, bool):
            raise InvalidRecord(
                f"factor_set_user_made must be True or False, got {self.factor_set_user_made!r}"
            )
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "coverage", tuple(sorted(self.coverage, key=lambda c: c.currency)))
        object.__setattr__(self, "flags", tuple(self.flags))
        object.__setattr__(self, "totals", _figures(self.totals, "total"))
        keys = [key_json(line.key) for line in self.lines]
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            raise InvalidRecord(f"month {self.month}: line key {sorted(dup)[0]} appears more than once")
        currencies = [c.currency for c in self.coverage]
        if len(set(currencies)) != len(currencies):
            raise InvalidRecord(f"month {self.month}: a currency appears twice in the coverage")
        for k, v in self.assumptions.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise InvalidRecord(f"assumption {k!r}: names and values must be text, got {v!r}")
        object.__setattr__(self, "assumptions", dict(self.assumptions))

    def content(self, *, with_time: bool = True) -> dict[str, Any]:
        """Everything in the record as plain JSON-ready data (decimals as exact text)."""
        out: dict[str, Any] = {
            "month": self.month,
            "method": self.method,
            "factor_set_version": self.factor_set_version,
            "factor_set_hash": self.factor_set_hash,
            "factor_set_user_made": self.factor_set_user_made,
            "config_hash": self.config_hash,
            "config_text": self.config_text,
            "tool_version": self.tool_version,
            "inputs": [[f.path, f.size, f.sha256] for f in self.inputs],
            "lines": [[[[g, v] for g, v in ln.key], dict(ln.figures)] for ln in self.lines],
            "totals": dict(self.totals),
            "coverage": [
                [c.currency, c.billed, c.estimated, c.fallback, c.excluded, c.rows, dict(c.exclusion_reasons)]
                for c in self.coverage
            ],
            "flags": [[f.flag, f.subject, f.rows, f.cost, f.currency, f.fate] for f in self.flags],
            "assumptions": dict(self.assumptions),
        }
        if with_time:
            out["recorded_at"] = self.recorded_at
        return out

    def content_sha256(self) -> str:
        """sha256 of the record's canonical JSON (used to cite a run, e.g. as a baseline's source)."""
        return hashlib.sha256(canonical_json(self.content()).encode()).hexdigest()
