"""Double counting: a file reached twice is read once (with a warning), overlapping exports are refused."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from cloudcarbon.exceptions import CloudCarbonWarning, SourceError
from tests.hostile._build import az_row, azure, billed, coverage, cur, gcp_csv, gcp_row, m5, run, tax

D = Decimal


@pytest.fixture
def one_cur(tmp_path: Path) -> Path:
    # 10.00 estimated (m5.large) + 1.50 tax (excluded): billed 11.50
    return cur(tmp_path / "exp" / "cur.csv", [m5("10.00"), tax("1.50")])


def test_same_file_twice_is_read_once(one_cur: Path) -> None:
    with pytest.warns(CloudCarbonWarning, match="read once"):
        r = run([one_cur, one_cur])
    # 10.00 + 1.50, not 23.00
    assert coverage(r) == {"USD": (D("11.50"), D("10.00"), D("0"), D("1.50"))}


def test_file_and_symlink_to_it(one_cur: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(one_cur)
    with pytest.warns(CloudCarbonWarning, match="the same file"):
        r = run([one_cur, link])
    assert billed(r) == {"USD": D("11.50")}


def test_file_and_its_folder(one_cur: Path) -> None:
    with pytest.warns(CloudCarbonWarning, match=str(one_cur)):
        r = run([one_cur, f"aws:{one_cur.parent}"])
    assert billed(r) == {"USD": D("11.50")}


def test_same_folder_twice(one_cur: Path) -> None:
    with pytest.warns(CloudCarbonWarning):
        r = run([one_cur.parent, one_cur.parent])
    assert billed(r) == {"USD": D("11.50")}


def test_byte_identical_copy_in_another_folder(one_cur: Path, tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere" / "copy.csv"
    copy.parent.mkdir()
    shutil.copyfile(one_cur, copy)
    with pytest.warns(CloudCarbonWarning, match="byte-identical copy"):
        r = run([one_cur, copy])
    assert billed(r) == {"USD": D("11.50")}


def test_symlinked_folder_inside_the_source(one_cur: Path) -> None:
    (one_cur.parent / "again").symlink_to(one_cur.parent, target_is_directory=False)
    # rglob does not follow the folder link, so the file is found once: 11.50
    r = run([one_cur.parent])
    assert billed(r) == {"USD": D("11.50")}


def test_two_different_files_are_both_read(tmp_path: Path) -> None:
    a = cur(tmp_path / "a.csv", [m5("10.00")])
    b = cur(tmp_path / "b.csv", [m5("10.00", account="999999999999")])
    r = run([a, b])
    # different rows: 10.00 + 10.00
    assert billed(r) == {"USD": D("20.00")}


def test_same_size_different_content_both_read(tmp_path: Path) -> None:
    a = cur(tmp_path / "a.csv", [m5("10.00")])
    b = cur(tmp_path / "b.csv", [m5("20.00")])
    assert a.stat().st_size == b.stat().st_size  # hashed, found different
    assert billed(run([a, b])) == {"USD": D("30.00")}


def test_azure_same_file_twice(tmp_path: Path) -> None:
    f = azure(tmp_path / "az.csv", [az_row("4.80")])
    with pytest.warns(CloudCarbonWarning, match="read once"):
        r = run([f"azure:{f}", f"azure:{f}"])
    assert billed(r) == {"USD": D("4.80")}


def test_gcp_same_file_twice(tmp_path: Path) -> None:
    f = gcp_csv(tmp_path / "g.csv", [gcp_row("0.03")])
    with pytest.warns(CloudCarbonWarning):
        r = run([f"gcp:{f}", f"gcp:{f}"])
    assert billed(r) == {"USD": D("0.03")}


def test_azure_two_month_to_date_exports_refused(tmp_path: Path) -> None:
    day1 = az_row("4.80", date="10/01/2026")
    day2 = az_row("4.80", date="10/02/2026")
    day3 = az_row("4.80", date="10/03/2026")
    a = azure(tmp_path / "mtd" / "20261001-20261002" / "export_a.csv", [day1, day2])
    azure(tmp_path / "mtd" / "20261001-20261003" / "export_b.csv", [day1, day2, day3])
    with pytest.raises(SourceError, match="repeats 2 row") as exc:
        run([f"azure:{tmp_path / 'mtd'}"])
    assert "export_a.csv" in str(exc.value) or str(a) in str(exc.value)
    assert "Keep only the latest export" in str(exc.value)


def test_azure_month_to_date_exports_in_two_sources_refused(tmp_path: Path) -> None:
    day1 = az_row("4.80", date="10/01/2026")
    a = azure(tmp_path / "a" / "export.csv", [day1])
    b = azure(tmp_path / "b" / "export.csv", [day1, az_row("4.80", date="10/02/2026")])
    with pytest.raises(SourceError, match="repeats 1 row") as exc:
        run([f"azure:{a}", f"azure:{b}"])
    assert str(a) in str(exc.value) and str(b) in str(exc.value)


def test_azure_parts_of_one_export_are_both_read(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    azure(folder / "part_0_0001.csv", [az_row("4.80", resource="/vm/a")])
    azure(folder / "part_1_0001.csv", [az_row("2.40", resource="/vm/b", qty="12")])
    # different rows of one month: 4.80 + 2.40
    assert billed(run([f"azure:{folder}"])) == {"USD": D("7.20")}


def test_azure_different_months_are_not_overlap(tmp_path: Path) -> None:
    folder = tmp_path / "two"
    azure(folder / "oct.csv", [az_row("4.80")])
    azure(folder / "nov.csv", [az_row("4.80", date="11/05/2026", bp="11/01/2026")])
    assert billed(run([f"azure:{folder}"])) == {"USD": D("4.80")}
    assert billed(run([f"azure:{folder}"], month="2026-11")) == {"USD": D("4.80")}


ASSEMBLY_A = "11111111-2222-3333-4444-555555555555"
ASSEMBLY_B = "66666666-7777-8888-9999-000000000000"


def test_two_cur_assemblies_without_manifest_refused(tmp_path: Path) -> None:
    period = tmp_path / "report" / "20261001-20261101"
    cur(period / ASSEMBLY_A / "report-1.csv", [m5("10.00")])
    cur(period / ASSEMBLY_B / "report-1.csv", [m5("12.00")])
    with pytest.raises(SourceError, match="2 deliveries of the same report") as exc:
        run([f"aws:{tmp_path / 'report'}"])
    assert ASSEMBLY_A in str(exc.value) and ASSEMBLY_B in str(exc.value)


def test_one_cur_assembly_without_manifest_is_read(tmp_path: Path) -> None:
    period = tmp_path / "report" / "20261001-20261101"
    cur(period / ASSEMBLY_A / "report-1.csv", [m5("10.00")])
    assert billed(run([f"aws:{tmp_path / 'report'}"])) == {"USD": D("10.00")}


def _manifest(period: Path, keys: list[str], assembly: str = ASSEMBLY_A) -> Path:
    m = period / "report-Manifest.json"
    m.write_text(
        json.dumps(
            {"assemblyId": assembly, "billingPeriod": {"start": "20261001T000000.000Z"}, "reportKeys": keys}
        )
    )
    return m


def test_two_assemblies_with_manifest_read_the_current_one(tmp_path: Path) -> None:
    period = tmp_path / "report" / "20261001-20261101"
    cur(period / ASSEMBLY_A / "report-1.csv", [m5("10.00")])
    cur(period / ASSEMBLY_B / "report-1.csv", [m5("12.00")])
    _manifest(period, [f"prefix/report/20261001-20261101/{ASSEMBLY_B}/report-1.csv"], ASSEMBLY_B)
    # only delivery B (12.00) counts
    assert billed(run([f"aws:{tmp_path / 'report'}"])) == {"USD": D("12.00")}


def test_manifest_listing_the_same_key_twice(tmp_path: Path) -> None:
    period = tmp_path / "report" / "20261001-20261101"
    cur(period / ASSEMBLY_A / "report-1.csv", [m5("10.00"), tax("0.80")])
    key = f"prefix/report/20261001-20261101/{ASSEMBLY_A}/report-1.csv"
    _manifest(period, [key, key])
    with pytest.warns(CloudCarbonWarning, match="more than once"):
        r = run([f"aws:{tmp_path / 'report'}"])
    # 10.00 + 0.80, once
    assert coverage(r) == {"USD": (D("10.80"), D("10.00"), D("0"), D("0.80"))}


def test_manifest_and_the_data_file_passed_again(tmp_path: Path) -> None:
    period = tmp_path / "report" / "20261001-20261101"
    data = cur(period / ASSEMBLY_A / "report-1.csv", [m5("10.00")])
    _manifest(period, [f"prefix/report/20261001-20261101/{ASSEMBLY_A}/report-1.csv"])
    with pytest.warns(CloudCarbonWarning, match="read once"):
        r = run([f"aws:{tmp_path / 'report'}", data])
    assert billed(r) == {"USD": D("10.00")}
