"""Schema versions: a version-1 ledger with recorded months upgrades to the latest, chain intact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cloudcarbon.ledger import MIGRATIONS, SCHEMA_VERSION, Ledger, LedgerSchemaError
from cloudcarbon.ledger.schema import TABLES
from tests.ledger.builders import run


def _tables(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


def test_versions_are_consecutive() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))
    assert SCHEMA_VERSION == 2


def test_upgrade_from_v1_keeps_every_entry_and_its_hash(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger(path, upgrade_to=1) as v1:
        assert v1.schema_version == 1
        v1.record(run("2026-09"))
        v1.close("2026-09")
        v1.record(run("2026-09", tool_version="0.0.9"))  # a restatement under schema 1
        with pytest.raises(LedgerSchemaError, match="no baselines yet"):
            v1.set_baseline("default", [run("2025-01")])
        assert v1.baselines() == []
        before = v1.verify()
    assert "baselines" not in _tables(path)
    assert {t.name for t in TABLES if t.since == 1} <= _tables(path)

    with Ledger(path) as latest:
        assert latest.schema_version == SCHEMA_VERSION
        after = latest.verify()  # the old entries hash exactly as before
        assert (after.entries, after.head_sha256) == (before.entries, before.head_sha256)
        assert latest.status("2026-09").label == "restated 1 time"
        assert latest.current("2026-09") == run("2026-09", tool_version="0.0.9")
        b = latest.set_baseline("default", [latest.version("2026-09", 1)])
        assert b.version == 1 and b.months == ("2026-09",)
        assert latest.verify().entries == 4
    assert {t.name for t in TABLES} <= _tables(path)


def test_a_newer_ledger_is_refused_not_damaged(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.record(run())
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    with pytest.raises(
        LedgerSchemaError, match=r"schema version 99, this cloudcarbon knows up to 2; upgrade"
    ):
        Ledger(path)
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"


def test_the_file_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    Ledger(path).close_connection()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
