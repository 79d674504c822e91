"""Spilling: the engine writes what exceeds ``[engine] memory_limit`` to ``[engine] temp_directory`` and
removes it afterwards; running out of spill space is one line (exit code 4, a configuration problem)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudcarbon.config import EngineOptions
from cloudcarbon.engine import open_engine
from cloudcarbon.exceptions import ConfigError

# 1,000,000 groups of a 32-character md5 each: far more than 20 MB of hash table, so it must spill
HEAVY = "SELECT i % 1000000 AS k, max(md5(CAST(i AS VARCHAR))) AS s FROM range(2000000) t(i) GROUP BY k"


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_spill_folder_is_used_and_emptied(tmp_path: Path) -> None:
    spill = tmp_path / "spill"
    with open_engine(EngineOptions(memory_limit="20MB", threads=2, temp_directory=str(spill))) as engine:
        engine.con.sql(HEAVY).to_table("t")
        used = engine.con.sql("SELECT path FROM duckdb_temporary_files()").fetchall()
        assert used and all(Path(p).parent == spill for (p,) in used)
        assert _files(spill)
        assert engine.con.sql("SELECT count(*) FROM t").fetchall() == [(1_000_000,)]
    assert _files(spill) == []


def test_default_spill_folder_is_temporary(tmp_path: Path) -> None:
    with open_engine(EngineOptions(memory_limit="20MB", threads=2)) as engine:
        engine.con.sql(HEAVY).to_table("t")
        used = engine.con.sql("SELECT path FROM duckdb_temporary_files()").fetchall()
        assert used and all(Path(p).parent == engine.workdir / "spill" for (p,) in used)
        workdir = engine.workdir
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
