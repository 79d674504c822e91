"""A large month split over many files with its manifest (scripts/synth/cur.py:
``generate_split_cur_month``), read through the manifest by the estimate.

The expected row count is the ``rows`` argument; the expected billed total is summed here from the
written files with pyarrow / the csv module (independently of the generator's own sum and of the
estimate), and must equal both.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import cloudcarbon as cc
from scripts.synth.cur import generate_split_cur_month
from tests.conftest import DEFAULT_FACTORS

ROWS = (
    10_001  # not a multiple of FILES: the first 10_001 % 3 = 2 files hold one row more (3_334, 3_334, 3_333)
)
FILES = 3


def _billed_from_files(files: list[Path]) -> Decimal:
    total = Decimal(0)
    for f in files:
        if f.name.endswith(".parquet"):
            col = pq.read_table(f, columns=["line_item_unblended_cost"]).column(0)
            total += sum((v for v in col.to_pylist() if v is not None), Decimal(0))
        else:
            with gzip.open(f, "rt", encoding="utf-8", newline="") as fh:
                total += sum((Decimal(r["lineItem/UnblendedCost"]) for r in csv.DictReader(fh)), Decimal(0))
    return total


def _rows_in(f: Path) -> int:
    if f.name.endswith(".parquet"):
        return int(pq.ParquetFile(f).metadata.num_rows)
    with gzip.open(f, "rt", encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.DictReader(fh))


@pytest.mark.parametrize(
    ("flavour", "first", "manifest_glob"),
    [
        ("cur2", "data/BILLING_PERIOD=2026-10/big-00001.snappy.parquet", "metadata/BILLING_PERIOD=2026-10/*"),
        ("legacy", "20261001-20261101/*/big-1.csv.gz", "20261001-20261101/big-Manifest.json"),
    ],
)
def test_split_month_is_read_whole_through_its_manifest(
    tmp_path: Path, flavour: str, first: str, manifest_glob: str
) -> None:
    # chunks of 2_000 rows do not line up with the files: a file is written in several chunks
    d = generate_split_cur_month(
        tmp_path / "bucket",
        ROWS,
        files=FILES,
        flavour=flavour,
        name="big",
        chunk_rows=2_000,  # type: ignore[arg-type]
    )
    root = tmp_path / "bucket" / "cur" / "big"
    assert d.root == root
    assert list(root.glob(first)) == [d.data_files[0]]
    assert list(root.glob(manifest_glob)) == [d.manifest_path]
    assert [_rows_in(f) for f in d.data_files] == [3_334, 3_334, 3_333]
    manifest = json.loads(d.manifest_path.read_text(encoding="utf-8"))
    assert len(manifest["reportKeys"]) == FILES
    assert [k.rsplit("/", 1)[1] for k in manifest["reportKeys"]] == [f.name for f in d.data_files]
    billed = _billed_from_files(list(d.data_files))
    assert d.row_count == ROWS and d.billed_cost == billed

    # a copy of a data file that the manifest does not list (a stale delivery) must not be read
    stale = d.data_files[0].parent / "stale" / d.data_files[0].name
    stale.parent.mkdir()
    shutil.copyfile(d.data_files[0], stale)

    result = cc.estimate([f"aws:{root}"], "2026-10", factor_set=DEFAULT_FACTORS)
    assert sorted(Path(i.path) for i in result.inputs) == sorted(d.data_files)
    cov = result.coverage_of("USD")
    assert cov["rows"] == ROWS
    assert cov["billed_cost"] == billed


def test_parallel_workers_write_the_same_rows(tmp_path: Path) -> None:
    one = generate_split_cur_month(tmp_path / "a", 3_001, files=2, workers=1)
    two = generate_split_cur_month(tmp_path / "b", 3_001, files=2, workers=2)
    for a, b in zip(one.data_files, two.data_files, strict=True):
        assert pq.read_table(a).equals(pq.read_table(b))
    assert one.row_count == two.row_count == 3_001 and one.billed_cost == two.billed_cost
