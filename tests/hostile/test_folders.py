"""A folder of several providers' exports: every recognised file of every provider is read (each
provider from its own sub-folder), unrecognised files are named; mixed folders are refused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cloudcarbon.connectors import Source, expand_source
from cloudcarbon.exceptions import CloudCarbonWarning, SourceError, SourceNotFound, UnrecognisedExport
from tests.hostile._build import az_row, azure, billed, cur, gcp_csv, gcp_jsonl, gcp_row, m5, run

D = Decimal


def test_folder_with_three_providers_reads_all(tmp_path: Path) -> None:
    cur(tmp_path / "aws-cur" / "report" / "cur.csv", [m5("10.00")])
    azure(tmp_path / "azure" / "az.csv", [az_row("4.80")])
    gcp_csv(tmp_path / "gcp" / "g.csv", [gcp_row("0.20")])
    r = run([tmp_path])
    # 10.00 + 4.80 + 0.20, all USD (only the first provider's 10.00 was read before)
    assert billed(r) == {"USD": D("15.00")}
    assert sorted(r.sources) == sorted(
        [f"aws:{tmp_path / 'aws-cur'}", f"azure:{tmp_path / 'azure'}", f"gcp:{tmp_path / 'gcp'}"]
    )


def test_expand_source_climbs_to_the_provider_folder(tmp_path: Path) -> None:
    cur(tmp_path / "aws" / "r" / "20261001-20261101" / "a" / "cur.csv", [m5("1.00")])
    gcp_jsonl(tmp_path / "gcp" / "x" / "g.jsonl", [gcp_row("0.20")])
    got = expand_source(Source(tmp_path))
    assert got == [Source(tmp_path / "aws", "aws"), Source(tmp_path / "gcp", "gcp")]


def test_unrecognised_files_are_named_in_a_warning(tmp_path: Path) -> None:
    cur(tmp_path / "aws" / "cur.csv", [m5("10.00")])
    azure(tmp_path / "azure" / "az.csv", [az_row("4.80")])
    (tmp_path / "requests.csv").write_text("project,month,requests\na,2026-10,5\n")
    with pytest.warns(CloudCarbonWarning, match="requests.csv"):
        r = run([tmp_path])
    assert billed(r) == {"USD": D("14.80")}


def test_mixed_providers_in_one_folder_refused(tmp_path: Path) -> None:
    a = cur(tmp_path / "cur.csv", [m5("10.00")])
    z = azure(tmp_path / "az.csv", [az_row("4.80")])
    with pytest.raises(SourceError, match="several formats") as exc:
        run([tmp_path])
    assert str(a) in str(exc.value) and str(z) in str(exc.value)


def test_provider_files_spread_around_another_refused(tmp_path: Path) -> None:
    cur(tmp_path / "x" / "cur.csv", [m5("10.00")])
    cur(tmp_path / "y" / "cur.csv", [m5("11.00")])
    azure(tmp_path / "x" / "az" / "az.csv", [az_row("4.80")])
    with pytest.raises(SourceError, match="several formats"):
        run([tmp_path])


def test_single_provider_folder_unchanged(tmp_path: Path) -> None:
    cur(tmp_path / "a.csv", [m5("10.00")])
    cur(tmp_path / "sub" / "b.csv", [m5("5.00", account="1")])
    assert billed(run([tmp_path])) == {"USD": D("15.00")}


def test_folder_of_jsonl_is_detected_and_read(tmp_path: Path) -> None:
    gcp_jsonl(tmp_path / "exp" / "g1.jsonl", [gcp_row("0.10")])
    gcp_jsonl(tmp_path / "exp" / "g2.jsonl", [gcp_row("0.20", **{"project.id": "p2"})])
    assert billed(run([tmp_path / "exp"])) == {"USD": D("0.30")}


def test_empty_folder_message_names_jsonl(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(SourceNotFound) as exc:
        run([tmp_path])
    assert ".jsonl" in str(exc.value) and ".parquet" in str(exc.value) and ".csv" in str(exc.value)


def test_folder_of_unrecognised_jsonl(tmp_path: Path) -> None:
    (tmp_path / "x.jsonl").write_text('{"a": 1}\n')
    with pytest.raises(UnrecognisedExport) as exc:
        run([tmp_path])
    assert "x.jsonl" in str(exc.value)


def test_named_provider_folder_is_not_split(tmp_path: Path) -> None:
    cur(tmp_path / "aws" / "cur.csv", [m5("10.00")])
    azure(tmp_path / "azure" / "az.csv", [az_row("4.80")])
    assert expand_source(Source(tmp_path, "aws")) == [Source(tmp_path, "aws")]
