"""A delivery split over many CSV.gz files is read as one scan over the list, so the engine holds one
file's read buffers at a time, not every file's: DuckDB's CSV reader keeps about 30 MB of buffers per
open scan, and a union of one scan per file opens them all before the first row (a 100-file delivery
stopped with an out-of-memory error at the default 600MB). Here 40 files must be estimated within
200MB, where 40 open scans would need about 1.2 GB."""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

from cloudcarbon.config import Config, EngineOptions
from tests.hostile._build import cur, m5, run

FILES = 40


def test_forty_csv_gz_files_within_200mb(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for i in range(FILES):
        text = cur(tmp_path / f"part-{i}.csv", [m5("1.25"), m5("0.75", account=str(i))]).read_bytes()
        (folder / f"part-{i:02d}.csv.gz").write_bytes(gzip.compress(text))
    config = Config(engine=EngineOptions(memory_limit="200MB", threads=2))
    result = run([folder], config=config)
    cov = result.coverage_of("USD")
    # by hand: 40 files x 2 rows; 40 x (1.25 + 0.75) = 80.00 USD
    assert cov["rows"] == 2 * FILES
    assert Decimal(str(cov["billed_cost"])) == Decimal("80.00")
