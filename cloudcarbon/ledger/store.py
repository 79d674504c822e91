"""The ledger file: record, close, restate, baseline and verify, over SQLite.

Where the ledger lives
----------------------
:func:`ledger_path` resolves it, first match wins:

1. ``--ledger PATH`` (the ``explicit`` argument);
2. the ``CLOUDCARBON_LEDGER`` environment variable (ignored when empty);
3. the configuration value (``[ledger] path`` in ``cloudcarbon.toml``; a relative path is relative to
   the configuration file's folder);
4. the default, one ledger per user in the platform's data folder:

   - Linux and other Unix: ``$XDG_DATA_HOME/cloudcarbon/ledger.sqlite``, else
     ``~/.local/share/cloudcarbon/ledger.sqlite``;
   - macOS: ``~/Library/Application Support/cloudcarbon/ledger.sqlite``;
   - Windows: ``%LOCALAPPDATA%\\cloudcarbon\\ledger.sqlite``.

``~`` is expanded in every form.

Writes and concurrency
----------------------
Each write (one record, one close, one baseline) is one ``BEGIN IMMEDIATE`` transaction in WAL mode
with ``synchronous=FULL``: a process killed at any point leaves the ledger as it was before the write
or as it is after it, never in between. A second writer waits for the write lock up to
``busy_timeout`` seconds, then fails with :class:`LedgerBusy`. Readers never block writers.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, localcontext
from pathlib import Path
from typing import Any, Literal, NoReturn

from cloudcarbon.ledger.errors import (
    InvalidRecord,
    LedgerBusy,
    LedgerError,
    LedgerNotFound,
    LedgerSchemaError,
    LedgerTampered,
    MonthAlreadyClosed,
)
from cloudcarbon.ledger.records import (
    CoverageRecord,
    FlagRecord,
    InputFile,
    LineKey,
    LineRecord,
    RunRecord,
    canonical_json,
    check_month,
    key_json,
)
from cloudcarbon.ledger.schema import (
    APPLICATION_ID,
    KIND_TABLES,
    MIGRATIONS,
    SCHEMA_VERSION,
    tables_at,
    trigger_names,
)

__all__ = [
    "CAUSES",
    "ENV_VAR",
    "GENESIS",
    "Baseline",
    "Cause",
    "Delta",
    "HistoryEvent",
    "Ledger",
    "MonthStatus",
    "Recorded",
    "Restatement",
    "VerifyReport",
    "default_ledger_path",
    "ledger_path",
]

ENV_VAR = "CLOUDCARBON_LEDGER"

#: ``prev_sha256`` of the first entry.
GENESIS = "0" * 64

#: Causes of a restatement, in the order they are reported.
NEW_BILL_DELIVERY = "new bill delivery"
NEW_FACTOR_SET = "new factor set"
CONFIG_CHANGE = "config change"
METHOD_CHANGE = "method change"
TOOL_VERSION = "tool version"
UNEXPLAINED = "unexplained"
CAUSES = (NEW_BILL_DELIVERY, NEW_FACTOR_SET, CONFIG_CHANGE, METHOD_CHANGE, TOOL_VERSION, UNEXPLAINED)

# Sums and differences are exact: no rounding below this precision ever happens.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
#: Precision of a baseline's monthly averages (decimal128's 34 significant digits, half-even).
AVERAGE_PRECISION = 34


# --------------------------------------------------------------------------------------------------
# location


def default_ledger_path() -> Path:
    """The per-user default ledger file in the platform's data folder (see the module docstring)."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME")
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "cloudcarbon" / "ledger.sqlite"


def ledger_path(explicit: Path | None, config_value: str | None, *, config_dir: Path | None = None) -> Path:
    """Resolve the ledger file: ``--ledger`` > ``CLOUDCARBON_LEDGER`` > configuration > default.

    Parameters
    ----------
    explicit
        The ``--ledger PATH`` option, if given.
    config_value
        The configuration's ledger path, if set.
    config_dir
        Folder of the configuration file; a relative ``config_value`` is taken relative to it
        (relative to the current folder when ``None``).
    """
    if explicit is not None:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    if config_value:
        p = Path(config_value).expanduser()
        if not p.is_absolute() and config_dir is not None:
            p = config_dir / p
        return p
    return default_ledger_path()


# --------------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class Cause:
    """Why a restatement differs from the version it replaces: one of :data:`CAUSES`, with details."""

    cause: str
    detail: str


@dataclass(frozen=True)
class Delta:
    """Change of one figure: of a line (``key`` set) or of a total (``key`` is ``None``).

    ``before`` is ``None`` when the line or figure is new, ``after`` when it disappeared; the delta
    then counts the missing side as zero.
    """

    key: LineKey | None
    name: str
    before: Decimal | None
    after: Decimal | None
    delta: Decimal


@dataclass(frozen=True)
class Restatement:
    """A restatement of a closed month: version ``version`` replacing ``against_version``."""

    month: str
    version: int
    seq: int
    against_version: int
    against_seq: int
    causes: tuple[Cause, ...]
    line_deltas: tuple[Delta, ...]
    total_deltas: tuple[Delta, ...]
    run: RunRecord


@dataclass(frozen=True)
class Recorded:
    """What :meth:`Ledger.record` did.

    Attributes
    ----------
    seq
        The entry recorded (or, for ``unchanged``, the entry that is still current).
    kind
        ``estimate`` (an open month's estimate, kept in its history), ``restatement`` (a closed month
        restated), or ``unchanged`` (a closed month estimated again with exactly the same inputs,
        settings and figures: nothing is written).
    version
        The month's version: ``None`` while the month is open, 1 for the closed statement, 2, 3, ...
        for restatements.
    restatement
        The restatement, for ``kind == "restatement"``.
    """

    seq: int
    kind: Literal["estimate", "restatement", "unchanged"]
    version: int | None
    entry_sha256: str
    restatement: Restatement | None = None


@dataclass(frozen=True)
class MonthStatus:
    """A month's state: ``unrecorded``, ``open``, ``closed`` or ``restated``."""

    month: str
    state: Literal["unrecorded", "open", "closed", "restated"]
    estimates: int
    restatements: int
    version: int | None

    @property
    def label(self) -> str:
        """``open``, ``closed``, ``restated 1 time``, ``restated 3 times`` or ``not recorded``."""
        if self.state == "restated":
            return f"restated {self.restatements} time{'s' if self.restatements != 1 else ''}"
        return "not recorded" if self.state == "unrecorded" else self.state


@dataclass(frozen=True)
class HistoryEvent:
    """One entry of a month's history, oldest first.

    ``kind`` is ``estimate``, ``close`` or ``restatement``. ``version`` is set on the estimate that was
    closed (1) and on restatements; ``run`` is ``None`` for a close.
    """

    seq: int
    kind: Literal["estimate", "close", "restatement"]
    recorded_at: str
    version: int | None
    entry_sha256: str
    run: RunRecord | None


@dataclass(frozen=True)
class Baseline:
    """A fixed reference: one month, or the monthly average of several (e.g. a year).

    The ledger stores the exact sums over the months (``line_sums``, ``total_sums``); ``lines`` and
    ``totals`` are the monthly averages, computed to :data:`AVERAGE_PRECISION` significant digits.
    """

    name: str
    version: int
    seq: int
    period: str
    months: tuple[str, ...]
    method: str
    factor_set_version: str
    factor_set_hash: str
    created_at: str
    sources: tuple[tuple[str, str], ...]
    line_sums: tuple[LineRecord, ...]
    total_sums: Mapping[str, Decimal]

    def _avg(self, v: Decimal) -> Decimal:
        with localcontext() as ctx:
            ctx.prec = AVERAGE_PRECISION
            return v / len(self.months)

    @property
    def lines(self) -> tuple[LineRecord, ...]:
        """Monthly average per line (a line absent from a month counts as zero that month)."""
        return tuple(
            LineRecord(ln.key, {k: self._avg(v) for k, v in ln.figures.items()}) for ln in self.line_sums
        )

    @property
    def totals(self) -> dict[str, Decimal]:
        """Monthly average of each total."""
        return {k: self._avg(v) for k, v in self.total_sums.items()}


@dataclass(frozen=True)
class VerifyReport:
    """An intact ledger: how many entries, and the head of the chain (keep it to detect truncation)."""

    entries: int
    head_sha256: str
    schema_version: int


# --------------------------------------------------------------------------------------------------
# hashing


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def entry_sha256(
    seq: int, kind: str, month: str | None, recorded_at: str, fmt: int, content: str, prev: str
) -> str:
    """Hash of an entry: its header fields, its content hash and the previous entry's hash."""
    return _sha256(canonical_json([seq, kind, month, recorded_at, fmt, content, prev]))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _key(text: str) -> LineKey:
    import json

    return tuple((str(g), v) for g, v in json.loads(text))


def _comparable(run: RunRecord) -> str:
    """The run's content, ignoring its time and the order of lines, inputs, flags and coverage."""
    c = run.content(with_time=False)
    for k in ("inputs", "lines", "coverage", "flags"):
        c[k] = sorted(canonical_json(x) for x in c[k])
    return canonical_json(c)


def _causes(prev: RunRecord, new: RunRecord, prev_version: int) -> tuple[Cause, ...]:
    out: list[Cause] = []
    before, after = Counter(f.sha256 for f in prev.inputs), Counter(f.sha256 for f in new.inputs)
    if before != after:
        added = [f for f in new.inputs if f.sha256 not in before]
        removed = [f for f in prev.inputs if f.sha256 not in after]
        parts = [f"added {f.path} (sha256 {f.sha256[:12]}..., {f.size} bytes)" for f in added]
        parts += [f"removed {f.path} (sha256 {f.sha256[:12]}...)" for f in removed]
        if not parts:
            parts = ["the same files, delivered a different number of times"]
        out.append(Cause(NEW_BILL_DELIVERY, "; ".join(parts)))
    if (prev.factor_set_hash, prev.factor_set_version, prev.factor_set_user_made) != (
        new.factor_set_hash,
        new.factor_set_version,
        new.factor_set_user_made,
    ):
        out.append(
            Cause(
                NEW_FACTOR_SET,
                f"{prev.factor_set_version} (sha256 {prev.factor_set_hash[:12]}...) -> "
                f"{new.factor_set_version} (sha256 {new.factor_set_hash[:12]}...)",
            )
        )
    if (prev.config_hash, prev.config_text) != (new.config_hash, new.config_text):
        out.append(
            Cause(CONFIG_CHANGE, f"config sha256 {prev.config_hash[:12]}... -> {new.config_hash[:12]}...")
        )
    if prev.method != new.method:
        out.append(Cause(METHOD_CHANGE, f"{prev.method} -> {new.method}"))
    if prev.tool_version != new.tool_version:
        out.append(Cause(TOOL_VERSION, f"cloudcarbon {prev.tool_version} -> {new.tool_version}"))
    if not out:
        out.append(
            Cause(
                UNEXPLAINED,
                f"inputs, factor set, config, method and tool version are those of version {prev_version}, "
                "yet the recorded figures differ",
            )
        )
    return tuple(out)


def _figure_deltas(
    key: LineKey | None, before: Mapping[str, Decimal] | None, after: Mapping[str, Decimal] | None
) -> list[Delta]:
    b, a = before or {}, after or {}
    out = []
    for name in sorted(set(b) | set(a)):
        bv, av = b.get(name), a.get(name)
        with localcontext(_EXACT):
            d = (av if av is not None else Decimal(0)) - (bv if bv is not None else Decimal(0))
        if bv is None or av is None or d != 0:
            out.append(Delta(key, name, bv, av, d))
    return out


def _deltas(prev: RunRecord, new: RunRecord) -> tuple[tuple[Delta, ...], tuple[Delta, ...]]:
    """Per line and per total: every figure that changed, appeared or disappeared."""
    p = {key_json(ln.key): ln for ln in prev.lines}
    n = {key_json(ln.key): ln for ln in new.lines}
    lines: list[Delta] = []
    for k in sorted(set(p) | set(n)):
        key = (p.get(k) or n[k]).key
        lines += _figure_deltas(key, p[k].figures if k in p else None, n[k].figures if k in n else None)
    return tuple(lines), tuple(_figure_deltas(None, prev.totals, new.totals))


def _period(months: Sequence[str]) -> str:
    if len(months) == 1:
        return months[0]
    years = {m[:4] for m in months}
    if len(years) == 1 and len(months) == 12:
        return next(iter(years))
    return f"{months[0]}..{months[-1]} ({len(months)} months)"


# --------------------------------------------------------------------------------------------------
# the ledger


class Ledger:
    """A ledger file. Open it, use it, close the connection (or use it as a context manager).

    Parameters
    ----------
    path
        The SQLite file (created with its folders when missing, unless ``create`` is false).
    busy_timeout
        Seconds a writer waits for another writer before :class:`LedgerBusy`.
    create
        Create a missing ledger; with ``False`` a missing file raises :class:`LedgerNotFound`.
    upgrade_to
        Migrate the schema up to this version (default: the latest). Lower values exist for tests of
        the migrations.
    clock
        Returns the UTC time stamped on entries (ISO 8601); defaults to the system clock.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = 5.0,
        create: bool = True,
        upgrade_to: int = SCHEMA_VERSION,
        clock: Callable[[], str] = _now,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._clock = clock
        if not self.path.exists():
            if not create:
                raise LedgerNotFound(
                    "no ledger here; record an estimate first, or pass --ledger with the right file",
                    self.path,
                )
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot open the ledger ({exc})", self.path) from exc
        try:
            self._con.execute("PRAGMA foreign_keys = ON")
            self._con.execute("PRAGMA synchronous = FULL")
            mode = self._con.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                raise LedgerError("cannot switch the ledger to WAL mode", self.path)
            self._migrate(upgrade_to)
        except sqlite3.DatabaseError as exc:
            self._con.close()
            if _is_busy(exc):
                raise LedgerBusy(self._busy_message(), self.path) from exc
            raise LedgerSchemaError(
                f"not a cloudcarbon ledger ({exc}); pass --ledger with the ledger file", self.path
            ) from exc
        except BaseException:
            self._con.close()
            raise

    # -- connection ---------------------------------------------------------------------------------

    def close_connection(self) -> None:
        """Close the SQLite connection."""
        self._con.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close_connection()

    def _busy_message(self) -> str:
        return (
            f"another cloudcarbon process is writing to this ledger and still held it after "
            f"{self.busy_timeout:g} s; wait for it to finish and run again"
        )

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        con = self._con
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise LedgerBusy(self._busy_message(), self.path) from exc
            raise LedgerError(f"cannot write to the ledger ({exc})", self.path) from exc
        try:
            yield con
            con.execute("COMMIT")
        except BaseException as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
                raise LedgerBusy(self._busy_message(), self.path) from exc
            if isinstance(exc, sqlite3.Error):
                raise LedgerError(f"the write was refused and rolled back ({exc})", self.path) from exc
            raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One consistent snapshot for several SELECTs."""
        con = self._con
        con.execute("BEGIN")
        try:
            yield con
        finally:
            if con.in_transaction:
                con.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        """The ledger's schema version (``PRAGMA user_version``)."""
        return int(self._con.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self, target: int) -> None:
        if target > SCHEMA_VERSION:
            raise LedgerSchemaError(f"schema version {target} does not exist (latest is {SCHEMA_VERSION})")
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise LedgerSchemaError(
                f"this ledger has schema version {current}, this cloudcarbon knows up to {SCHEMA_VERSION}; "
                "upgrade cloudcarbon to use it",
                self.path,
            )
        if current >= target:
            self._check_application_id()
            return
        with self._write() as con:
            current = self.schema_version  # another process may have migrated meanwhile
            if current == 0:
                n = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if n:
                    raise LedgerSchemaError(
                        "this SQLite file is not a cloudcarbon ledger (it has other tables); "
                        "pass --ledger with a new or existing ledger file",
                        self.path,
                    )
            for step in MIGRATIONS:
                if current < step.version <= target:
                    for stmt in step.statements:
                        con.execute(stmt)
                    con.execute(f"PRAGMA user_version = {step.version}")
        self._check_application_id()

    def _check_application_id(self) -> None:
        app = self._con.execute("PRAGMA application_id").fetchone()[0]
        if app != APPLICATION_ID:
            raise LedgerSchemaError(
                "this SQLite file is not a cloudcarbon ledger; pass --ledger with a ledger file", self.path
            )

    # -- entries ------------------------------------------------------------------------------------

    def _content(self, con: sqlite3.Connection, seq: int, kind: str) -> tuple[str, Counter[str]]:
        """Canonical JSON of every stored row of entry ``seq``, read back from the tables."""
        content: dict[str, list[list[Any]]] = {}
        counts: Counter[str] = Counter()
        for t in KIND_TABLES[kind]:
            rows = con.execute(
                f"SELECT {', '.join(t.columns)} FROM {t.name} WHERE entry_seq = ? "
                f"ORDER BY {', '.join(t.order_by)}",
                (seq,),
            ).fetchall()
            content[t.name] = [list(r) for r in rows]
            counts[t.name] += len(rows)
        return canonical_json(
            {"columns": {t.name: t.columns for t in KIND_TABLES[kind]}, "rows": content}
        ), counts

    def _append(
        self, con: sqlite3.Connection, kind: str, month: str | None, write: Callable[[int], None]
    ) -> tuple[int, str]:
        head = con.execute("SELECT seq, entry_sha256 FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (1, GENESIS) if head is None else (int(head[0]) + 1, str(head[1]))
        write(seq)
        content = _sha256(self._content(con, seq, kind)[0])
        at = self._clock()
        fmt = self.schema_version
        digest = entry_sha256(seq, kind, month, at, fmt, content, prev)
        con.execute(
            "INSERT INTO entries (seq, kind, month, recorded_at, format, content_sha256, prev_sha256, "
            "entry_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, kind, month, at, fmt, content, prev, digest),
        )
        return seq, digest

    @staticmethod
    def _insert_run(con: sqlite3.Connection, seq: int, run: RunRecord) -> None:
        con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                run.month,
                run.method,
                run.factor_set_version,
                run.factor_set_hash,
                int(run.factor_set_user_made),
                run.config_hash,
                run.config_text,
                run.tool_version,
                run.recorded_at,
            ),
        )
        con.executemany(
            "INSERT INTO inputs VALUES (?, ?, ?, ?, ?)",
            [(seq, i, f.path, f.size, f.sha256) for i, f in enumerate(run.inputs)],
        )
        con.executemany(
            "INSERT INTO lines VALUES (?, ?, ?)",
            [(seq, i, key_json(ln.key)) for i, ln in enumerate(run.lines)],
        )
        con.executemany(
            "INSERT INTO line_figures VALUES (?, ?, ?, ?)",
            [(seq, i, k, str(v)) for i, ln in enumerate(run.lines) for k, v in ln.figures.items()],
        )
        con.executemany(
            "INSERT INTO totals VALUES (?, ?, ?)", [(seq, k, str(v)) for k, v in run.totals.items()]
        )
        con.executemany(
            "INSERT INTO coverage VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (seq, c.currency, str(c.billed), str(c.estimated), str(c.fallback), str(c.excluded), c.rows)
                for c in run.coverage
            ],
        )
        con.executemany(
            "INSERT INTO coverage_reasons VALUES (?, ?, ?, ?)",
            [(seq, c.currency, r, str(v)) for c in run.coverage for r, v in c.exclusion_reasons.items()],
        )
        con.executemany(
            "INSERT INTO flags VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (seq, i, f.flag, f.subject, f.rows, str(f.cost), f.currency, f.fate)
                for i, f in enumerate(run.flags)
            ],
        )
        con.executemany(
            "INSERT INTO assumptions VALUES (?, ?, ?)", [(seq, k, v) for k, v in run.assumptions.items()]
        )

    @staticmethod
    def _load_run(con: sqlite3.Connection, seq: int) -> RunRecord:
        r = con.execute(
            "SELECT month, method, factor_set_version, factor_set_hash, factor_set_user_made, config_hash, "
            "config_text, tool_version, recorded_at FROM runs WHERE entry_seq = ?",
            (seq,),
        ).fetchone()
        if r is None:
            raise LedgerNotFound(f"entry #{seq} is not a recorded run")
        figures: dict[int, dict[str, Decimal]] = {}
        for line_no, name, value in con.execute(
            "SELECT line_no, name, value FROM line_figures WHERE entry_seq = ? ORDER BY line_no, name", (seq,)
        ):
            figures.setdefault(line_no, {})[name] = Decimal(value)
        reasons: dict[str, dict[str, Decimal]] = {}
        for cur, reason, cost in con.execute(
            "SELECT currency, reason, cost FROM coverage_reasons WHERE entry_seq = ? "
            "ORDER BY currency, reason",
            (seq,),
        ):
            reasons.setdefault(cur, {})[reason] = Decimal(cost)
        return RunRecord(
            month=r[0],
            method=r[1],
            factor_set_version=r[2],
            factor_set_hash=r[3],
            factor_set_user_made=bool(r[4]),
            config_hash=r[5],
            config_text=r[6],
            tool_version=r[7],
            recorded_at=r[8],
            inputs=tuple(
                InputFile(p, s, h)
                for p, s, h in con.execute(
                    "SELECT path, size, sha256 FROM inputs WHERE entry_seq = ? ORDER BY ord", (seq,)
                )
            ),
            lines=tuple(
                LineRecord(_key(k), figures.get(n, {}))
                for n, k in con.execute(
                    "SELECT line_no, key_json FROM lines WHERE entry_seq = ? ORDER BY line_no", (seq,)
                )
            ),
            totals={
                k: Decimal(v)
                for k, v in con.execute(
                    "SELECT name, value FROM totals WHERE entry_seq = ? ORDER BY name", (seq,)
                )
            },
            coverage=tuple(
                CoverageRecord(c, Decimal(b), Decimal(e), Decimal(f), Decimal(x), n, reasons.get(c, {}))
                for c, b, e, f, x, n in con.execute(
                    "SELECT currency, billed, estimated, fallback, excluded, rows FROM coverage "
                    "WHERE entry_seq = ? ORDER BY currency",
                    (seq,),
                )
            ),
            flags=tuple(
                FlagRecord(fl, su, n, Decimal(c), cu, fa)
                for fl, su, n, c, cu, fa in con.execute(
                    "SELECT flag, subject, rows, cost, currency, fate FROM flags "
                    "WHERE entry_seq = ? ORDER BY ord",
                    (seq,),
                )
            ),
            assumptions={
                k: v
                for k, v in con.execute(
                    "SELECT name, value FROM assumptions WHERE entry_seq = ? ORDER BY name", (seq,)
                )
            },
        )

    # -- months -------------------------------------------------------------------------------------

    @staticmethod
    def _latest_run_seq(con: sqlite3.Connection, month: str) -> int | None:
        r = con.execute("SELECT max(entry_seq) FROM runs WHERE month = ?", (month,)).fetchone()
        return None if r is None or r[0] is None else int(r[0])

    @staticmethod
    def _closed(con: sqlite3.Connection, month: str) -> tuple[int, int] | None:
        r = con.execute("SELECT entry_seq, run_seq FROM closes WHERE month = ?", (month,)).fetchone()
        return None if r is None else (int(r[0]), int(r[1]))

    @staticmethod
    def _version_count(con: sqlite3.Connection, month: str) -> int:
        return int(con.execute("SELECT count(*) FROM restatements WHERE month = ?", (month,)).fetchone()[0])

    def record(self, run: RunRecord) -> Recorded:
        """Record an estimate of ``run.month``.

        An open month keeps every estimate (the latest is current). In a closed month the estimate is
        a restatement, version 2, 3, ..., with its deltas and causes against the version it replaces;
        an estimate identical to the current version (apart from its time) writes nothing.
        """
        if not isinstance(run, RunRecord):
            raise InvalidRecord(f"record() takes a RunRecord, not {type(run).__name__}")
        with self._write() as con:
            closed = self._closed(con, run.month)
            if closed is None:
                seq, digest = self._append(con, "run", run.month, lambda s: self._insert_run(con, s, run))
                return Recorded(seq, "estimate", None, digest)
            current_seq = self._latest_run_seq(con, run.month)
            assert current_seq is not None
            current_version = self._version_count(con, run.month) + 1
            previous = self._load_run(con, current_seq)
            if _comparable(previous) == _comparable(run):
                digest = con.execute(
                    "SELECT entry_sha256 FROM entries WHERE seq = ?", (current_seq,)
                ).fetchone()[0]
                return Recorded(current_seq, "unchanged", current_version, str(digest))
            version = current_version + 1
            causes = _causes(previous, run, current_version)
            line_deltas, total_deltas = _deltas(previous, run)

            def write(seq: int) -> None:
                self._insert_run(con, seq, run)
                con.execute(
                    "INSERT INTO restatements VALUES (?, ?, ?, ?)", (seq, run.month, version, current_seq)
                )
                con.executemany(
                    "INSERT INTO restatement_causes VALUES (?, ?, ?, ?)",
                    [(seq, i, c.cause, c.detail) for i, c in enumerate(causes)],
                )
                con.executemany(
                    "INSERT INTO restatement_deltas VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            seq,
                            i,
                            "line" if d.key is not None else "total",
                            None if d.key is None else key_json(d.key),
                            d.name,
                            None if d.before is None else str(d.before),
                            None if d.after is None else str(d.after),
                            str(d.delta),
                        )
                        for i, d in enumerate((*line_deltas, *total_deltas))
                    ],
                )

            seq, digest = self._append(con, "restatement", run.month, write)
            restatement = Restatement(
                run.month, version, seq, current_version, current_seq, causes, line_deltas, total_deltas, run
            )
            return Recorded(seq, "restatement", version, digest, restatement)

    def close(self, month: str) -> int:
        """Close ``month``: its current estimate becomes version 1 and is never edited. Returns the entry."""
        check_month(month)
        with self._write() as con:
            if self._closed(con, month) is not None:
                raise MonthAlreadyClosed(
                    f"month {month} is already closed; estimating it again records a restatement", self.path
                )
            run_seq = self._latest_run_seq(con, month)
            if run_seq is None:
                raise LedgerNotFound(
                    f"nothing recorded for month {month}; run `cloudcarbon estimate --month {month}` first",
                    self.path,
                )
            at = self._clock()

            def write(seq: int) -> None:
                con.execute("INSERT INTO closes VALUES (?, ?, ?, ?)", (seq, month, run_seq, at))

            return self._append(con, "close", month, write)[0]

    def status(self, month: str) -> MonthStatus:
        """Whether ``month`` is unrecorded, open, closed, or restated N times, and its version."""
        check_month(month)
        with self._read() as con:
            estimates = int(
                con.execute(
                    "SELECT count(*) FROM entries WHERE month = ? AND kind = 'run'", (month,)
                ).fetchone()[0]
            )
            closed = self._closed(con, month)
            n = self._version_count(con, month)
        if closed is None:
            return MonthStatus(month, "open" if estimates else "unrecorded", estimates, 0, None)
        return MonthStatus(month, "restated" if n else "closed", estimates, n, n + 1)

    def current(self, month: str) -> RunRecord:
        """The month's current estimate (its latest version)."""
        check_month(month)
        with self._read() as con:
            seq = self._latest_run_seq(con, month)
            if seq is None:
                raise LedgerNotFound(f"nothing recorded for month {month}", self.path)
            return self._load_run(con, seq)

    def version(self, month: str, version: int) -> RunRecord:
        """Version ``version`` of a closed month (1 is the statement as closed)."""
        check_month(month)
        with self._read() as con:
            closed = self._closed(con, month)
            if closed is None:
                raise LedgerNotFound(f"month {month} is not closed, so it has no versions", self.path)
            if version == 1:
                return self._load_run(con, closed[1])
            r = con.execute(
                "SELECT entry_seq FROM restatements WHERE month = ? AND version = ?", (month, version)
            ).fetchone()
            if r is None:
                raise LedgerNotFound(f"month {month} has no version {version}", self.path)
            return self._load_run(con, int(r[0]))

    def months(self) -> list[str]:
        """Every month with at least one recorded estimate, in order."""
        with self._read() as con:
            return [str(m) for (m,) in con.execute("SELECT DISTINCT month FROM runs ORDER BY month")]

    def history(self, month: str) -> list[HistoryEvent]:
        """Every estimate, the close and every restatement of ``month``, oldest first."""
        check_month(month)
        with self._read() as con:
            closed = self._closed(con, month)
            versions = dict(
                con.execute(
                    "SELECT entry_seq, version FROM restatements WHERE month = ?", (month,)
                ).fetchall()
            )
            out = []
            for seq, kind, at, digest in con.execute(
                "SELECT seq, kind, recorded_at, entry_sha256 FROM entries WHERE month = ? "
                "AND kind IN ('run', 'close', 'restatement') ORDER BY seq",
                (month,),
            ).fetchall():
                if kind == "close":
                    out.append(HistoryEvent(seq, "close", at, None, digest, None))
                    continue
                version = versions.get(seq, 1 if closed is not None and closed[1] == seq else None)
                label: Literal["estimate", "restatement"] = (
                    "restatement" if kind == "restatement" else "estimate"
                )
                out.append(HistoryEvent(seq, label, at, version, digest, self._load_run(con, seq)))
            return out

    def restatements(self, month: str) -> list[Restatement]:
        """The restatements of ``month``, oldest first, with their stored causes and deltas."""
        check_month(month)
        with self._read() as con:
            out = []
            rows = con.execute(
                "SELECT r.entry_seq, r.version, r.against_seq FROM restatements r WHERE r.month = ? "
                "ORDER BY r.version",
                (month,),
            ).fetchall()
            for seq, version, against in rows:
                causes = tuple(
                    Cause(c, d)
                    for c, d in con.execute(
                        "SELECT cause, detail FROM restatement_causes WHERE entry_seq = ? ORDER BY ord",
                        (seq,),
                    )
                )
                lines: list[Delta] = []
                totals: list[Delta] = []
                for scope, k, name, b, a, d in con.execute(
                    "SELECT scope, key_json, name, before, after, delta FROM restatement_deltas "
                    "WHERE entry_seq = ? ORDER BY ord",
                    (seq,),
                ):
                    delta = Delta(None if k is None else _key(k), name, _dec(b), _dec(a), Decimal(d))
                    (lines if scope == "line" else totals).append(delta)
                out.append(
                    Restatement(
                        month,
                        int(version),
                        int(seq),
                        int(version) - 1,
                        int(against),
                        causes,
                        tuple(lines),
                        tuple(totals),
                        self._load_run(con, int(seq)),
                    )
                )
            return out

    # -- baselines ----------------------------------------------------------------------------------

    def set_baseline(self, name: str, runs: Sequence[RunRecord]) -> Baseline:
        """Record a baseline ``name`` from the estimates of one month or several (e.g. a year).

        All runs must share the method and the factor set (a like-for-like reference). A new version
        of the name is added each time; earlier versions (e.g. under an older factor set) are kept.
        """
        if not name or not isinstance(name, str):
            raise InvalidRecord(f"baseline name {name!r} must be non-empty text")
        runs = sorted(runs, key=lambda r: r.month)
        if not runs:
            raise InvalidRecord(f"baseline {name!r}: give at least one month's estimate")
        months = [r.month for r in runs]
        if len(set(months)) != len(months):
            raise InvalidRecord(f"baseline {name!r}: a month is given twice ({', '.join(months)})")
        basis = {(r.method, r.factor_set_version, r.factor_set_hash) for r in runs}
        if len(basis) != 1:
            raise InvalidRecord(
                f"baseline {name!r}: the months were estimated with different methods or factor sets "
                f"({'; '.join(sorted(f'{m} / {v}' for m, v, _ in basis))}); re-estimate them with one "
                "method and factor set"
            )
        method, fs_version, fs_hash = next(iter(basis))
        line_sums: dict[str, dict[str, Decimal]] = {}
        keys: dict[str, LineKey] = {}
        totals: dict[str, Decimal] = {}
        with localcontext(_EXACT):
            for r in runs:
                for ln in r.lines:
                    k = key_json(ln.key)
                    keys.setdefault(k, ln.key)
                    acc = line_sums.setdefault(k, {})
                    for f, v in ln.figures.items():
                        acc[f] = acc.get(f, Decimal(0)) + v
                for f, v in r.totals.items():
                    totals[f] = totals.get(f, Decimal(0)) + v
        period = _period(months)
        with self._write() as con:
            if self.schema_version < 2:
                raise LedgerSchemaError(
                    "this ledger's schema has no baselines yet; open it to upgrade", self.path
                )
            version = (
                int(
                    con.execute(
                        "SELECT coalesce(max(version), 0) FROM baselines WHERE name = ?", (name,)
                    ).fetchone()[0]
                )
                + 1
            )
            at = self._clock()
            ordered = sorted(line_sums)

            def write(seq: int) -> None:
                con.execute(
                    "INSERT INTO baselines VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (seq, name, version, period, method, fs_version, fs_hash, at),
                )
                con.executemany(
                    "INSERT INTO baseline_sources VALUES (?, ?, ?)",
                    [(seq, r.month, r.content_sha256()) for r in runs],
                )
                con.executemany(
                    "INSERT INTO baseline_lines VALUES (?, ?, ?)",
                    [(seq, i, k) for i, k in enumerate(ordered)],
                )
                con.executemany(
                    "INSERT INTO baseline_figures VALUES (?, ?, ?, ?)",
                    [
                        (seq, i, f, str(v))
                        for i, k in enumerate(ordered)
                        for f, v in sorted(line_sums[k].items())
                    ],
                )
                con.executemany(
                    "INSERT INTO baseline_totals VALUES (?, ?, ?)",
                    [(seq, f, str(v)) for f, v in sorted(totals.items())],
                )

            seq, _ = self._append(con, "baseline", None, write)
            return self._load_baseline(con, seq)

    def set_baseline_from_ledger(self, name: str, months: Sequence[str]) -> Baseline:
        """Record a baseline from the current recorded estimates of ``months``."""
        return self.set_baseline(name, [self.current(m) for m in months])

    @staticmethod
    def _load_baseline(con: sqlite3.Connection, seq: int) -> Baseline:
        r = con.execute(
            "SELECT name, version, period, method, factor_set_version, factor_set_hash, created_at "
            "FROM baselines WHERE entry_seq = ?",
            (seq,),
        ).fetchone()
        sources = tuple(
            (str(m), str(h))
            for m, h in con.execute(
                "SELECT month, run_sha256 FROM baseline_sources WHERE entry_seq = ? ORDER BY month", (seq,)
            )
        )
        figures: dict[int, dict[str, Decimal]] = {}
        for n, f, v in con.execute(
            "SELECT line_no, name, value_sum FROM baseline_figures WHERE entry_seq = ? "
            "ORDER BY line_no, name",
            (seq,),
        ):
            figures.setdefault(n, {})[f] = Decimal(v)
        lines = tuple(
            LineRecord(_key(k), figures.get(n, {}))
            for n, k in con.execute(
                "SELECT line_no, key_json FROM baseline_lines WHERE entry_seq = ? ORDER BY line_no", (seq,)
            )
        )
        totals = {
            f: Decimal(v)
            for f, v in con.execute(
                "SELECT name, value_sum FROM baseline_totals WHERE entry_seq = ? ORDER BY name", (seq,)
            )
        }
        return Baseline(
            name=r[0],
            version=int(r[1]),
            seq=seq,
            period=r[2],
            months=tuple(m for m, _ in sources),
            method=r[3],
            factor_set_version=r[4],
            factor_set_hash=r[5],
            created_at=r[6],
            sources=sources,
            line_sums=lines,
            total_sums=totals,
        )

    def baselines(self, name: str | None = None) -> list[Baseline]:
        """Every baseline version (of ``name``, or of all names), oldest first."""
        if self.schema_version < 2:
            return []
        with self._read() as con:
            q = (
                "SELECT entry_seq FROM baselines"
                + (" WHERE name = ?" if name is not None else "")
                + " ORDER BY entry_seq"
            )
            seqs = [int(s) for (s,) in con.execute(q, () if name is None else (name,)).fetchall()]
            return [self._load_baseline(con, s) for s in seqs]

    def get_baseline(
        self, name: str = "default", factor_set: str | None = None, method: str | None = None
    ) -> Baseline:
        """The latest version of baseline ``name``, optionally computed with ``factor_set`` (its version or
        its hash) and ``method``, for a like-for-like comparison."""
        candidates = [
            b
            for b in self.baselines(name)
            if (factor_set is None or factor_set in (b.factor_set_version, b.factor_set_hash))
            and (method is None or method == b.method)
        ]
        if not candidates:
            have = ", ".join(
                f"v{b.version} ({b.factor_set_version}, {b.method})" for b in self.baselines(name)
            )
            wanted = " and ".join(
                x for x in (factor_set and f"factor set {factor_set}", method and f"method {method}") if x
            )
            raise LedgerNotFound(
                f"no baseline {name!r}{' with ' + wanted if wanted else ''} (recorded: {have or 'none'}); "
                f"run `cloudcarbon baseline set --name {name} ...`",
                self.path,
            )
        return candidates[-1]

    # -- verification -------------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """The last entry's sequence number and hash (``(0, GENESIS)`` for an empty ledger)."""
        with self._read() as con:
            r = con.execute("SELECT seq, entry_sha256 FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        return (0, GENESIS) if r is None else (int(r[0]), str(r[1]))

    def verify(self) -> VerifyReport:
        """Walk the hash chain; raise :class:`LedgerTampered` naming the first broken link.

        Checks, in order: SQLite's own ``quick_check``; for every entry from the first, that its
        sequence number follows the previous one, that it links to the previous entry's hash, that the
        hash of its rows (read back from the tables) is the one recorded, and that its own hash is
        right; then that no table holds rows belonging to no entry; then that every immutability
        trigger is in place.
        """
        with self._read() as con:
            version = self.schema_version
            check = [str(r[0]) for r in con.execute("PRAGMA quick_check").fetchall()]
            if check != ["ok"]:
                self._broken(None, "corrupt", f"the file is damaged: {'; '.join(check[:3])}")
            prev, expected = GENESIS, 1
            consumed: Counter[str] = Counter()
            entries = con.execute(
                "SELECT seq, kind, month, recorded_at, format, content_sha256, prev_sha256, entry_sha256 "
                "FROM entries ORDER BY seq"
            ).fetchall()
            for seq, kind, month, at, fmt, content, prev_stored, digest in entries:
                what = f"entry #{seq} ({kind}{' of ' + month if month else ''}, recorded {at})"
                if seq != expected:
                    self._broken(
                        expected, "sequence", f"entry #{expected} is missing: the next entry is #{seq}"
                    )
                if prev_stored != prev:
                    self._broken(
                        seq,
                        "prev",
                        f"{what} does not link to entry #{seq - 1}: it names {str(prev_stored)[:12]}... "
                        f"as the previous entry, whose hash is {prev[:12]}...",
                    )
                if kind not in KIND_TABLES or not isinstance(fmt, int) or not 1 <= fmt <= version:
                    self._broken(seq, "entry", f"{what} has an unknown kind or format ({kind!r}, {fmt!r})")
                text, counts = self._content(con, seq, kind)
                consumed.update(counts)
                actual = _sha256(text)
                if actual != content:
                    self._broken(
                        seq,
                        "content",
                        f"{what}: its stored rows were altered (they hash to {actual[:12]}..., "
                        f"the entry records {str(content)[:12]}...)",
                    )
                if entry_sha256(seq, kind, month, at, fmt, content, prev) != digest:
                    self._broken(seq, "entry", f"{what}: its header (kind, month, time or hash) was altered")
                prev, expected = str(digest), expected + 1
            for t in tables_at(version):
                total = int(con.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0])
                if total != consumed[t.name]:
                    self._broken(
                        None,
                        "orphan",
                        f"table {t.name} holds {total - consumed[t.name]} row(s) that belong to no "
                        "entry of the chain",
                    )
            present = {
                str(n)
                for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
            }
            missing = sorted(trigger_names(version) - present)
            if missing:
                self._broken(
                    None,
                    "trigger",
                    f"the immutability trigger(s) {', '.join(missing)} were removed outside cloudcarbon",
                )
        return VerifyReport(len(entries), prev, version)

    def _broken(self, seq: int | None, reason: str, message: str) -> NoReturn:
        raise LedgerTampered(
            f"ledger verification failed: {message}. The first broken link is "
            f"{'entry #' + str(seq) if seq is not None else 'outside the chain'}; "
            "restore the ledger from a backup.",
            self.path,
            seq=seq,
            reason=reason,
        )


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return True
    text = str(exc).lower()
    return "locked" in text or "busy" in text
