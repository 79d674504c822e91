"""verify(): an intact ledger passes; an edit of any stored value, in any table and column, is caught.

The edits are made the way an attacker with the file would: with a plain SQLite connection, after
dropping the immutability triggers that would otherwise refuse them.
"""

from __future__ import annotations

import shutil
import sqlite3
from decimal import Decimal as D
from decimal import InvalidOperation
from pathlib import Path

import pytest

from cloudcarbon.ledger import InputFile, Ledger, LedgerTampered, LineRecord
from cloudcarbon.ledger.schema import TABLES
from tests.ledger.builders import run

ALL_COLUMNS = [("entries", c) for c in ("seq", "kind", "month", "recorded_at", "format")] + [
    ("entries", c) for c in ("content_sha256", "prev_sha256", "entry_sha256")
]
ALL_COLUMNS += [(t.name, c) for t in TABLES for c in t.columns]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger with every kind of entry and at least one row in every table."""
    path = tmp_path_factory.mktemp("tamper") / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.record(run("2026-09"))  # 1: an open month's estimate
        ledger.record(run("2026-10"))  # 2
        ledger.close("2026-10")  # 3
        ledger.record(  # 4: restatement with a changed, a new and a gone line
            run(
                "2026-10",
                inputs=(InputFile("exports/cur-2.csv", 99, "ab" * 32),),
                lines=(
                    LineRecord((("project", "search"),), {"co2e_kg": D("4.25")}),
                    LineRecord((("project", "new"), ("team", None)), {"co2e_kg": D("0.5")}),
                ),
            )
        )
        ledger.set_baseline("default", [run("2025-01"), run("2025-02")])  # 5
        ledger.record(run("2026-11"))  # 6: an entry after the baseline
        assert ledger.verify().entries == 6
    raw = sqlite3.connect(path)
    for table in ["entries", *(t.name for t in TABLES)]:
        assert raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table
    raw.close()
    return path


def _copy(template: Path, tmp_path: Path) -> tuple[Path, sqlite3.Connection]:
    path = tmp_path / "ledger.sqlite"
    shutil.copy(template, path)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA synchronous = OFF")  # the attacker's edits need no durability; keeps the test quick
    raw.execute("BEGIN")
    for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        raw.execute(f"DROP TRIGGER {name}")
    raw.execute("COMMIT")
    return path, raw


def _changed(value: object, column: str) -> object:
    """A different value of the same kind; decimals change only their text ('4.20' -> '4.200')."""
    if column == "entry_seq":
        return 999  # the row moves out of its entry
    if value is None:
        return "x"
    if isinstance(value, int):
        return value + 1
    assert isinstance(value, str)
    try:
        D(value)
        return value + ("0" if "." in value else ".0")
    except InvalidOperation:
        return value[:-1] + ("x" if not value.endswith("x") else "y") if value else "x"


def test_an_intact_ledger_verifies(template: Path, tmp_path: Path) -> None:
    path, raw = _copy(template, tmp_path)
    raw.close()
    with Ledger(path) as ledger:
        # the triggers were dropped in the copy: everything else is intact
        with pytest.raises(LedgerTampered) as e:
            ledger.verify()
        assert (e.value.seq, e.value.reason) == (None, "trigger")
    with Ledger(template) as ledger:
        report = ledger.verify()
        assert report.entries == 6 and report.schema_version == 2
        assert report.head_sha256 == ledger.head()[1]


@pytest.mark.parametrize(("table", "column"), ALL_COLUMNS, ids=[f"{t}.{c}" for t, c in ALL_COLUMNS])
def test_any_edit_of_any_stored_value_is_caught(
    template: Path, tmp_path: Path, table: str, column: str
) -> None:
    path, raw = _copy(template, tmp_path)
    seq_col = "seq" if table == "entries" else "entry_seq"
    rowid, seq, value = raw.execute(
        f"SELECT rowid, {seq_col}, {column} FROM {table} ORDER BY rowid DESC LIMIT 1"
    ).fetchone()
    new = _changed(value, column)
    assert new != value
    raw.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (new, rowid))
    raw.close()
    with Ledger(path) as ledger, pytest.raises(LedgerTampered) as e:
        ledger.verify()
    expected_reason = {
        ("entries", "seq"): "sequence",
        ("entries", "kind"): "entry",
        ("entries", "prev_sha256"): "prev",
        ("entries", "month"): "entry",
        ("entries", "recorded_at"): "entry",
        ("entries", "format"): "entry",
        ("entries", "entry_sha256"): "entry",
    }.get((table, column), "content")
    assert (e.value.seq, e.value.reason) == (seq, expected_reason)
    assert f"entry #{seq}" in str(e.value)
    assert e.value.exit_code == 9


def test_a_deleted_row_and_an_added_row_are_caught(template: Path, tmp_path: Path) -> None:
    path, raw = _copy(template, tmp_path)
    raw.execute("DELETE FROM coverage_reasons WHERE entry_seq = 2 AND reason = 'tax'")
    raw.close()
    with Ledger(path) as ledger, pytest.raises(LedgerTampered) as e:
        ledger.verify()
    assert (e.value.seq, e.value.reason) == (2, "content")

    (tmp_path / "b").mkdir()
    path, raw = _copy(template, tmp_path / "b")
    raw.execute("INSERT INTO line_figures VALUES (1, 0, 'extra', '1')")
    raw.close()
    with Ledger(path) as ledger, pytest.raises(LedgerTampered) as e:
        ledger.verify()
    assert (e.value.seq, e.value.reason) == (1, "content")


def test_rows_outside_the_chain_are_caught(template: Path, tmp_path: Path) -> None:
    path, raw = _copy(template, tmp_path)
    # A forged run with no entry: current() would pick it up as the latest estimate of 2026-09.
    raw.execute(
        "INSERT INTO runs SELECT 50, month, method, factor_set_version, factor_set_hash, "
        "factor_set_user_made, config_hash, config_text, tool_version, recorded_at "
        "FROM runs WHERE entry_seq = 1"
    )
    raw.close()
    with Ledger(path) as ledger, pytest.raises(LedgerTampered, match="runs holds 1 row") as e:
        ledger.verify()
    assert (e.value.seq, e.value.reason) == (None, "orphan")


def test_a_rewritten_middle_entry_breaks_the_next_link(template: Path, tmp_path: Path) -> None:
    """Editing a value and recomputing that entry's hashes moves the break to the next entry."""
    path, raw = _copy(template, tmp_path)
    raw.execute("UPDATE totals SET value = '0.01' WHERE entry_seq = 2 AND name = 'co2e_kg'")
    raw.close()
    with Ledger(path) as ledger:
        from cloudcarbon.ledger.store import _sha256, entry_sha256

        content = _sha256(ledger._content(ledger._con, 2, "run")[0])
        seq, kind, month, at, fmt, _, prev, _ = ledger._con.execute(
            "SELECT * FROM entries WHERE seq = 2"
        ).fetchone()
        digest = entry_sha256(seq, kind, month, at, fmt, content, prev)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("UPDATE entries SET content_sha256 = ?, entry_sha256 = ? WHERE seq = 2", (content, digest))
    raw.close()
    with Ledger(path) as ledger, pytest.raises(LedgerTampered) as e:
        ledger.verify()
    assert (e.value.seq, e.value.reason) == (3, "prev")


def test_truncation_shows_as_a_different_head(template: Path, tmp_path: Path) -> None:
    with Ledger(template) as ledger:
        kept = ledger.head()
    path, raw = _copy(template, tmp_path)
    for t in ["entries", *(t.name for t in TABLES)]:
        raw.execute(f"DELETE FROM {t} WHERE {'seq' if t == 'entries' else 'entry_seq'} = 6")
    raw.close()
    with Ledger(path) as ledger:
        with pytest.raises(LedgerTampered, match="trigger"):
            ledger.verify()  # the chain itself is a valid shorter chain...
        assert ledger.head() != kept  # ...which the head kept with a statement exposes
        assert ledger.head()[0] == 5
