"""CSV.gz is read by the engine straight from the compressed file: no decompressed copy on disk.

A zip archive is the contrast: its member is extracted to the run's scratch folder (Python's zipfile
cannot be streamed into the engine's reader), which shows the scratch-folder check below can fail.
"""

from __future__ import annotations

import gzip
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

import cloudcarbon as cc
from cloudcarbon.connectors import _io
from cloudcarbon.engine import open_engine
from cloudcarbon.pipeline import load_usage
from tests.conftest import DEFAULT_FACTORS, cur_row, write_cur

ROWS = [
    cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large", project="web"),
    cur_row("BoxUsage:m5.large", 12, "1.152", "Hrs", instance="m5.large", project="api"),
    cur_row("TimedStorage-ByteHrs", 100, "2.30", "GB-Mo", product="AmazonS3", project="web"),
]
# billed: 2.304 + 1.152 + 2.30 = 5.756 USD over 3 rows


def _gz(tmp_path: Path) -> Path:
    plain = write_cur(tmp_path / "plain.csv", ROWS)
    target = tmp_path / "in" / "cur-1.csv.gz"
    target.parent.mkdir()
    with plain.open("rb") as src, gzip.open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    plain.unlink()
    return target


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_csv_gz_is_read_without_a_decompressed_copy(tmp_path: Path) -> None:
    gz = _gz(tmp_path)
    with open_engine() as engine:
        assert _io.readable_path(gz, engine.workdir) == gz  # handed to the engine as it is
        usage = load_usage([f"aws:{gz}"], engine=engine)
        n = usage.select("source_row").to_native().aggregate("count(*)").fetchall()
        assert n == [(3,)]
        # the run's scratch folder (which holds the spill folder) has no file in it after the read
        assert _files_under(engine.workdir) == []


def test_zip_is_extracted_to_the_scratch_folder(tmp_path: Path) -> None:
    plain = write_cur(tmp_path / "cur.csv", ROWS)
    archive = tmp_path / "cur.csv.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(plain, "cur.csv")
    with open_engine() as engine:
        load_usage([f"aws:{archive}"], engine=engine).to_native().aggregate("count(*)").fetchall()
        copies = _files_under(engine.workdir)
        assert [p.name.endswith("-cur.csv") for p in copies] == [True]


def test_estimate_of_csv_gz_never_makes_a_plain_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gz = _gz(tmp_path)

    def no_copy(*args: object, **kwargs: object) -> Path:
        raise AssertionError("a .csv.gz was decompressed to disk")

    monkeypatch.setattr(_io, "_plain_copy", no_copy)
    result = cc.estimate([f"aws:{gz}"], "2026-10", factor_set=DEFAULT_FACTORS)
    cov = result.coverage_of("USD")
    assert cov["rows"] == 3
    assert cov["billed_cost"] == Decimal("5.756")
