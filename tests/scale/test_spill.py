"""Spilling: the engine writes what exceeds ``[engine] memory_limit`` to ``[engine] temp_directory`` and
removes it afterwards; running out of spill space is one line (exit code 4, a configuration problem)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb
import pytest

from cloudcarbon.config import EngineOptions
from cloudcarbon.engine import open_engine
from cloudcarbon.exceptions import ConfigError

# 1,000,000 groups of a 32-character md5 each: far more than 20 MB of hash table, so it must spill
HEAVY = "SELECT i % 1000000 AS k, max(md5(CAST(i AS VARCHAR))) AS s FROM range(2000000) t(i) GROUP BY k"

# 4,000,000 string keys of 32 characters (about 250 MB of hash table) under a 200 MB limit. DuckDB 1.4
# (the declared floor) cannot spill a hash aggregate below about 128 MB with two threads (it stops with
# "failed to pin block" at 20, 40, 64 and 100 MB), DuckDB 2.0 can at 20 MB; 200 MB spills on both.
SPILLS_LIMIT = "200MB"
SPILLS = (
    "SELECT count(*) FROM (SELECT md5(CAST(i % 4000000 AS VARCHAR)) AS k, count(*) AS c "
    "FROM range(8000000) t(i) GROUP BY k)"
)


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _run_watching(con: duckdb.DuckDBPyConnection, folder: Path) -> tuple[list[tuple[object, ...]], int]:
    """Run SPILLS and return its result and the most files seen in ``folder`` while it ran (DuckDB
    removes its spill files as soon as the query ends, so they can only be seen during it)."""
    most = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal most
        while not done.is_set():
            most = max(most, len(_files(folder)))
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        rows = con.sql(SPILLS).fetchall()
    finally:
        done.set()
        watcher.join()
    return rows, most


def test_spill_folder_is_used_and_emptied(tmp_path: Path) -> None:
    spill = tmp_path / "spill"
    with open_engine(
        EngineOptions(memory_limit=SPILLS_LIMIT, threads=2, temp_directory=str(spill))
    ) as engine:
        rows, most = _run_watching(engine.con, spill)
        assert rows == [(4_000_000,)]  # every group survives the spill
        assert most > 0
    assert _files(spill) == []


def test_default_spill_folder_is_temporary(tmp_path: Path) -> None:
    with open_engine(EngineOptions(memory_limit=SPILLS_LIMIT, threads=2)) as engine:
        workdir = engine.workdir
        rows, most = _run_watching(engine.con, workdir / "spill")
        assert rows == [(4_000_000,)] and most > 0
    assert not workdir.exists()


def test_full_spill_folder_is_one_line(tmp_path: Path) -> None:
    spill = tmp_path / "spill"
    with (
        pytest.raises(ConfigError) as err,
        open_engine(EngineOptions(memory_limit="20MB", threads=2, temp_directory=str(spill))) as engine,
    ):
        # DuckDB's own cap on the spill folder (by default the free space of its disk): a full disk
        engine.con.execute("SET max_temp_directory_size = '2MB'")
        engine.con.sql(HEAVY).to_table("t")
    msg = str(err.value)
    assert err.value.exit_code == 4 and "\n" not in msg
    assert "ran out of spill space" in msg and str(spill) in msg and "'20MB'" in msg


def test_unwritable_spill_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "spill"
    blocker.write_text("a file, not a folder")
    with pytest.raises(ConfigError) as err, open_engine(EngineOptions(temp_directory=str(blocker))):
        pass
    msg = str(err.value)
    assert err.value.exit_code == 4 and "\n" not in msg
    assert "temp_directory" in msg and str(blocker) in msg and "writable" in msg
