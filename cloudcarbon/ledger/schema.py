"""The ledger's SQLite schema: migration steps, recorded tables, and what each entry kind hashes.

The schema version is SQLite's ``PRAGMA user_version``; :data:`MIGRATIONS` lists the steps that take a
ledger from version ``n - 1`` to ``n``. Migrations only ever add tables, indexes and triggers: a
recorded table's columns never change, so an entry written under an older schema hashes the same
after an upgrade. (A future migration that must add a column to a recorded table bumps the entry
``format`` and keeps the old column list for entries of the older format.)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "APPLICATION_ID",
    "KIND_TABLES",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "TABLES",
    "Migration",
    "Table",
    "tables_at",
]

#: ``PRAGMA application_id`` of a cloudcarbon ledger ("CCLG").
APPLICATION_ID = 0x43434C47

_FK = "REFERENCES entries(seq) DEFERRABLE INITIALLY DEFERRED"


@dataclass(frozen=True)
class Table:
    """A recorded table: its columns (all hashed, in this order) and the key its rows are ordered by."""

    name: str
    columns: tuple[str, ...]
    order_by: tuple[str, ...]
    since: int


TABLES: tuple[Table, ...] = (
    Table(
        "runs",
        (
            "entry_seq",
            "month",
            "method",
            "factor_set_version",
            "factor_set_hash",
            "factor_set_user_made",
            "config_hash",
            "config_text",
            "tool_version",
            "recorded_at",
        ),
        ("entry_seq",),
        1,
    ),
    Table("inputs", ("entry_seq", "ord", "path", "size", "sha256"), ("entry_seq", "ord"), 1),
    Table("lines", ("entry_seq", "line_no", "key_json"), ("entry_seq", "line_no"), 1),
    Table("line_figures", ("entry_seq", "line_no", "name", "value"), ("entry_seq", "line_no", "name"), 1),
    Table("totals", ("entry_seq", "name", "value"), ("entry_seq", "name"), 1),
    Table(
        "coverage",
        ("entry_seq", "currency", "billed", "estimated", "fallback", "excluded", "rows"),
        ("entry_seq", "currency"),
        1,
    ),
    Table(
        "coverage_reasons",
        ("entry_seq", "currency", "reason", "cost"),
        ("entry_seq", "currency", "reason"),
        1,
    ),
    Table(
        "flags",
        ("entry_seq", "ord", "flag", "subject", "rows", "cost", "currency", "fate"),
        ("entry_seq", "ord"),
        1,
    ),
    Table("assumptions", ("entry_seq", "name", "value"), ("entry_seq", "name"), 1),
    Table("closes", ("entry_seq", "month", "run_seq", "closed_at"), ("entry_seq",), 1),
    Table("restatements", ("entry_seq", "month", "version", "against_seq"), ("entry_seq",), 1),
    Table("restatement_causes", ("entry_seq", "ord", "cause", "detail"), ("entry_seq", "ord"), 1),
    Table(
        "restatement_deltas",
        ("entry_seq", "ord", "scope", "key_json", "name", "before", "after", "delta"),
        ("entry_seq", "ord"),
        1,
    ),
    Table(
        "baselines",
        (
            "entry_seq",
            "name",
            "version",
            "period",
            "method",
            "factor_set_version",
            "factor_set_hash",
            "created_at",
        ),
        ("entry_seq",),
        2,
    ),
    Table("baseline_sources", ("entry_seq", "month", "run_sha256"), ("entry_seq", "month"), 2),
    Table("baseline_lines", ("entry_seq", "line_no", "key_json"), ("entry_seq", "line_no"), 2),
    Table(
        "baseline_figures", ("entry_seq", "line_no", "name", "value_sum"), ("entry_seq", "line_no", "name"), 2
    ),
    Table("baseline_totals", ("entry_seq", "name", "value_sum"), ("entry_seq", "name"), 2),
)

_BY_NAME = {t.name: t for t in TABLES}
_RUN = (
    "runs",
    "inputs",
    "lines",
    "line_figures",
    "totals",
    "coverage",
    "coverage_reasons",
    "flags",
    "assumptions",
)

#: The tables whose rows make up an entry of each kind (the entry's content).
KIND_TABLES: dict[str, tuple[Table, ...]] = {
    "run": tuple(_BY_NAME[n] for n in _RUN),
    "restatement": tuple(
        _BY_NAME[n] for n in (*_RUN, "restatements", "restatement_causes", "restatement_deltas")
    ),
    "close": (_BY_NAME["closes"],),
    "baseline": tuple(
        _BY_NAME[n]
        for n in ("baselines", "baseline_sources", "baseline_lines", "baseline_figures", "baseline_totals")
    ),
}


def tables_at(version: int) -> tuple[Table, ...]:
    """The recorded tables that exist in a ledger of schema ``version``."""
    return tuple(t for t in TABLES if t.since <= version)


def _immutable(table: str) -> tuple[str, ...]:
    return tuple(
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'cloudcarbon ledger: {table} rows are recorded and are never "
        f"{'updated' if op == 'UPDATE' else 'deleted'}'); END"
        for op in ("UPDATE", "DELETE")
    )


def trigger_names(version: int) -> set[str]:
    """Names of the immutability triggers a ledger of schema ``version`` must have."""
    names = {f"entries_no_{op}" for op in ("update", "delete")}
    for t in tables_at(version):
        names |= {f"{t.name}_no_update", f"{t.name}_no_delete"}
    return names


_V1: tuple[str, ...] = (
    f"PRAGMA application_id = {APPLICATION_ID}",
    """CREATE TABLE entries (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        month TEXT,
        recorded_at TEXT NOT NULL,
        format INTEGER NOT NULL,
        content_sha256 TEXT NOT NULL,
        prev_sha256 TEXT NOT NULL,
        entry_sha256 TEXT NOT NULL UNIQUE)""",
    f"""CREATE TABLE runs (
        entry_seq INTEGER PRIMARY KEY {_FK},
        month TEXT NOT NULL, method TEXT NOT NULL, factor_set_version TEXT NOT NULL,
        factor_set_hash TEXT NOT NULL, factor_set_user_made INTEGER NOT NULL,
        config_hash TEXT NOT NULL, config_text TEXT NOT NULL, tool_version TEXT NOT NULL,
        recorded_at TEXT NOT NULL)""",
    "CREATE INDEX runs_month ON runs(month, entry_seq)",
    f"""CREATE TABLE inputs (entry_seq INTEGER NOT NULL {_FK}, ord INTEGER NOT NULL, path TEXT NOT NULL,
        size INTEGER NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (entry_seq, ord))""",
    f"""CREATE TABLE lines (entry_seq INTEGER NOT NULL {_FK}, line_no INTEGER NOT NULL,
        key_json TEXT NOT NULL, PRIMARY KEY (entry_seq, line_no))""",
    f"""CREATE TABLE line_figures (entry_seq INTEGER NOT NULL {_FK}, line_no INTEGER NOT NULL,
        name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (entry_seq, line_no, name))""",
    f"""CREATE TABLE totals (entry_seq INTEGER NOT NULL {_FK}, name TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (entry_seq, name))""",
    f"""CREATE TABLE coverage (entry_seq INTEGER NOT NULL {_FK}, currency TEXT NOT NULL,
        billed TEXT NOT NULL, estimated TEXT NOT NULL, fallback TEXT NOT NULL, excluded TEXT NOT NULL,
        rows INTEGER NOT NULL, PRIMARY KEY (entry_seq, currency))""",
    f"""CREATE TABLE coverage_reasons (entry_seq INTEGER NOT NULL {_FK}, currency TEXT NOT NULL,
        reason TEXT NOT NULL, cost TEXT NOT NULL, PRIMARY KEY (entry_seq, currency, reason))""",
    f"""CREATE TABLE flags (entry_seq INTEGER NOT NULL {_FK}, ord INTEGER NOT NULL, flag TEXT NOT NULL,
        subject TEXT NOT NULL, rows INTEGER NOT NULL, cost TEXT NOT NULL, currency TEXT NOT NULL,
        fate TEXT NOT NULL, PRIMARY KEY (entry_seq, ord))""",
    f"""CREATE TABLE assumptions (entry_seq INTEGER NOT NULL {_FK}, name TEXT NOT NULL,
        value TEXT NOT NULL, PRIMARY KEY (entry_seq, name))""",
    f"""CREATE TABLE closes (entry_seq INTEGER PRIMARY KEY {_FK}, month TEXT NOT NULL UNIQUE,
        run_seq INTEGER NOT NULL REFERENCES runs(entry_seq), closed_at TEXT NOT NULL)""",
    f"""CREATE TABLE restatements (entry_seq INTEGER PRIMARY KEY {_FK}, month TEXT NOT NULL,
        version INTEGER NOT NULL, against_seq INTEGER NOT NULL REFERENCES runs(entry_seq),
        UNIQUE (month, version))""",
    f"""CREATE TABLE restatement_causes (entry_seq INTEGER NOT NULL {_FK}, ord INTEGER NOT NULL,
        cause TEXT NOT NULL, detail TEXT NOT NULL, PRIMARY KEY (entry_seq, ord))""",
    f"""CREATE TABLE restatement_deltas (entry_seq INTEGER NOT NULL {_FK}, ord INTEGER NOT NULL,
        scope TEXT NOT NULL, key_json TEXT, name TEXT NOT NULL, before TEXT, after TEXT,
        delta TEXT NOT NULL, PRIMARY KEY (entry_seq, ord))""",
    *_immutable("entries"),
    *(s for t in TABLES if t.since == 1 for s in _immutable(t.name)),
)

_V2: tuple[str, ...] = (
    f"""CREATE TABLE baselines (entry_seq INTEGER PRIMARY KEY {_FK}, name TEXT NOT NULL,
        version INTEGER NOT NULL, period TEXT NOT NULL, method TEXT NOT NULL,
        factor_set_version TEXT NOT NULL, factor_set_hash TEXT NOT NULL, created_at TEXT NOT NULL,
        UNIQUE (name, version))""",
    f"""CREATE TABLE baseline_sources (entry_seq INTEGER NOT NULL {_FK}, month TEXT NOT NULL,
        run_sha256 TEXT NOT NULL, PRIMARY KEY (entry_seq, month))""",
    f"""CREATE TABLE baseline_lines (entry_seq INTEGER NOT NULL {_FK}, line_no INTEGER NOT NULL,
        key_json TEXT NOT NULL, PRIMARY KEY (entry_seq, line_no))""",
    f"""CREATE TABLE baseline_figures (entry_seq INTEGER NOT NULL {_FK}, line_no INTEGER NOT NULL,
        name TEXT NOT NULL, value_sum TEXT NOT NULL, PRIMARY KEY (entry_seq, line_no, name))""",
    f"""CREATE TABLE baseline_totals (entry_seq INTEGER NOT NULL {_FK}, name TEXT NOT NULL,
        value_sum TEXT NOT NULL, PRIMARY KEY (entry_seq, name))""",
    *(s for t in TABLES if t.since == 2 for s in _immutable(t.name)),
)


@dataclass(frozen=True)
class Migration:
    """One step: the statements that take a ledger from ``version - 1`` to ``version``."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "hash-chained entries; runs, closes and restatements; immutability triggers", _V1),
    Migration(2, "baselines (several versions per name, each with its factor set)", _V2),
)

#: The schema version this cloudcarbon writes.
SCHEMA_VERSION = MIGRATIONS[-1].version
