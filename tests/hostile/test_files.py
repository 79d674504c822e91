"""Files: zip members, JSON lines, ragged CSV and quotes, encodings, JSON in CUR 2.0 columns."""

from __future__ import annotations

import gzip
import json
import struct
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from cloudcarbon.exceptions import SourceError, ValueParseError
from tests.conftest import CUR_COLUMNS
from tests.hostile._build import (
    az_row,
    azure,
    billed,
    cli,
    cur,
    gcp_jsonl,
    gcp_record,
    gcp_row,
    m5,
    one_line_error,
    run,
)

D = Decimal


def _zip(tmp_path: Path, name: str = "cur.zip", members: int = 1) -> Path:
    inner = cur(tmp_path / "src" / "cur.csv", [m5("3.00")])
    z = tmp_path / name
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(members):
            zf.write(inner, f"cur-{i}.csv")
    return z


def _patch_zip(z: Path, *, flag: int | None = None, method: int | None = None) -> None:
    """Rewrite the general-purpose flag / compression method in the local and central headers."""
    data = bytearray(z.read_bytes())
    for sig, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        i = data.find(sig)
        while i != -1:
            if flag is not None:
                data[i + flag_at : i + flag_at + 2] = struct.pack("<H", flag)
            if method is not None:
                data[i + method_at : i + method_at + 2] = struct.pack("<H", method)
            i = data.find(sig, i + 4)
    z.write_bytes(bytes(data))


def test_zip_is_read(tmp_path: Path) -> None:
    assert billed(run([_zip(tmp_path)])) == {"USD": D("3.00")}


def test_encrypted_zip_member(tmp_path: Path) -> None:
    z = _zip(tmp_path)
    _patch_zip(z, flag=0x1)
    with pytest.raises(SourceError, match="encrypted") as exc:
        run([z])
    assert str(z) in str(exc.value)


def test_deflate64_zip_member(tmp_path: Path) -> None:
    z = _zip(tmp_path)
    _patch_zip(z, method=9)
    with pytest.raises(SourceError, match="deflate64") as exc:
        run([z])
    assert str(z) in str(exc.value)


def test_encrypted_zip_cli_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    z = _zip(tmp_path)
    _patch_zip(z, flag=0x1)
    code, err = cli(["estimate", "--source", f"aws:{z}", "--month", "2026-10"], monkeypatch, capsys)
    one_line_error(code, err, 2, str(z), "encrypted")


def test_zip_with_two_members(tmp_path: Path) -> None:
    z = _zip(tmp_path, members=2)
    with pytest.raises(SourceError, match="found 2"):
        run([f"aws:{z}"])


def test_empty_zip(tmp_path: Path) -> None:
    z = tmp_path / "empty.zip"
    with zipfile.ZipFile(z, "w"):
        pass
    with pytest.raises(SourceError, match="empty"):
        run([f"aws:{z}"])


def test_not_a_zip(tmp_path: Path) -> None:
    z = tmp_path / "broken.zip"
    z.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(SourceError) as exc:
        run([f"aws:{z}"])
    assert str(z) in str(exc.value)


def test_truncated_gzip(tmp_path: Path) -> None:
    f = cur(tmp_path / "cur.csv", [m5("1.00")] * 50)
    g = tmp_path / "cur.csv.gz"
    g.write_bytes(gzip.compress(f.read_bytes())[:40])
    with pytest.raises(SourceError) as exc:
        run([f"aws:{g}"])
    assert str(g) in str(exc.value)


def test_malformed_json_line_in_gcp_jsonl(tmp_path: Path) -> None:
    f = gcp_jsonl(tmp_path / "g.jsonl", [gcp_row("0.10"), gcp_row("0.20"), gcp_row("0.30")])
    lines = f.read_text().splitlines()
    lines[1] = lines[1][:-5]  # cut the closing braces of line 2
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(SourceError) as exc:
        run([f"gcp:{f}"])
    assert str(f) in str(exc.value) and "line 2" in str(exc.value)


def test_json_line_that_is_not_an_object(tmp_path: Path) -> None:
    f = tmp_path / "g.jsonl"
    f.write_text(json.dumps(gcp_record(gcp_row("0.10"))) + "\n[1, 2]\n")
    with pytest.raises(SourceError) as exc:
        run([f"gcp:{f}"])
    assert "line 2" in str(exc.value)


def test_gcp_jsonl_is_read(tmp_path: Path) -> None:
    f = gcp_jsonl(tmp_path / "g.jsonl", [gcp_row("0.10"), gcp_row("0.20")])
    assert billed(run([f"gcp:{f}"])) == {"USD": D("0.30")}


def _raw_cur(tmp_path: Path, lines: list[str]) -> Path:
    f = cur(tmp_path / "cur.csv", [m5("1.00"), m5("2.00"), m5("4.00")])
    text = f.read_text().splitlines()
    text[2:3] = lines
    f.write_text("\n".join(text) + "\n")
    return f


def test_ragged_row_with_fewer_fields(tmp_path: Path) -> None:
    f = _raw_cur(tmp_path, ["li-2,000011112222,2026-10-01T00:00:00.000Z"])
    with pytest.raises(SourceError) as exc:
        run([f])
    msg = str(exc.value)
    assert str(f) in msg and "row 2" in msg and f"where the header has {len(CUR_COLUMNS)}" in msg


def test_ragged_row_with_more_fields(tmp_path: Path) -> None:
    f = cur(tmp_path / "cur.csv", [m5("1.00"), m5("2.00")])
    text = f.read_text().splitlines()
    text[2] += ",extra"
    f.write_text("\n".join(text) + "\n")
    with pytest.raises(SourceError) as exc:
        run([f])
    assert "row 2" in str(exc.value) and f"has {len(CUR_COLUMNS) + 1} fields" in str(exc.value)


def test_ragged_row_is_never_silently_empty(tmp_path: Path) -> None:
    # a two-row file whose second row has an extra field: DuckDB's dialect guessing read no rows at all
    f = cur(tmp_path / "cur.csv", [m5("1.00"), m5("2.00")])
    text = f.read_text().splitlines()
    text[2] += ",x"
    f.write_text("\n".join(text) + "\n")
    with pytest.raises(SourceError, match="row 2"):
        run([f])


def test_unbalanced_quote(tmp_path: Path) -> None:
    f = cur(tmp_path / "cur.csv", [m5("1.00"), m5("2.00"), m5("4.00")])
    text = f.read_text().splitlines()
    text[2] = text[2].replace("BoxUsage", '"BoxUsage', 1)
    f.write_text("\n".join(text) + "\n")
    with pytest.raises(SourceError) as exc:
        run([f])
    assert str(f) in str(exc.value) and "row 2" in str(exc.value) and "quoted value" in str(exc.value)


def test_unbalanced_quote_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    f = cur(tmp_path / "cur.csv", [m5("1.00"), m5("2.00")])
    text = f.read_text().splitlines()
    text[1] = text[1].replace("BoxUsage", '"BoxUsage', 1)
    f.write_text("\n".join(text) + "\n")
    code, err = cli(["estimate", "--source", str(f), "--month", "2026-10"], monkeypatch, capsys)
    one_line_error(code, err, 2, str(f), "row 1")


def test_quoted_commas_and_newlines_are_fine(tmp_path: Path) -> None:
    f = cur(tmp_path / "cur.csv", [m5("1.00", team='a,"b"\nc'), m5("2.00")])
    assert billed(run([f])) == {"USD": D("3.00")}


def test_azure_ragged_row(tmp_path: Path) -> None:
    f = azure(tmp_path / "az.csv", [az_row("1.00"), az_row("2.00")])
    text = f.read_text(encoding="utf-8-sig").splitlines()
    text[2] = ",".join(text[2].split(",")[:-3])
    f.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match="row 2"):
        run([f"azure:{f}"])


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_azure_export_is_read(tmp_path: Path, encoding: str) -> None:
    # Python's "utf-16" writes a byte-order mark; -le / -be write none (detected by their NUL bytes)
    f = azure(tmp_path / "az.csv", [az_row("4.80"), az_row("1.20", resource="/b")], encoding=encoding)
    assert billed(run([f"azure:{f}"])) == {"USD": D("6.00")}


def test_utf16_azure_export_is_detected(tmp_path: Path) -> None:
    f = azure(tmp_path / "az.csv", [az_row("4.80")], encoding="utf-16")
    assert billed(run([f])) == {"USD": D("4.80")}


def test_utf16_gzip_is_read(tmp_path: Path) -> None:
    f = azure(tmp_path / "az.csv", [az_row("4.80")], encoding="utf-16")
    g = tmp_path / "az.csv.gz"
    g.write_bytes(gzip.compress(f.read_bytes()))
    f.unlink()
    assert billed(run([f"azure:{g}"])) == {"USD": D("4.80")}


def test_latin1_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    f = azure(tmp_path / "az.csv", [az_row("4.80", MeterName="Caf\u00e9 D2 v3")], encoding="latin-1")
    with pytest.raises(SourceError) as exc:
        run([f"azure:{f}"])
    assert str(f) in str(exc.value)


CUR2 = [
    "line_item_usage_account_id",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_type",
    "line_item_usage_amount",
    "line_item_unblended_cost",
    "line_item_product_code",
    "pricing_unit",
    "product",
]


def _cur2(tmp_path: Path, products: list[str]) -> Path:
    import csv

    f = tmp_path / "cur2.csv"
    with f.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CUR2)
        for i, p in enumerate(products):
            w.writerow(
                [
                    "012345678901",
                    "Usage",
                    "2026-10-01T00:00:00Z",
                    "BoxUsage:m5.large",
                    "24",
                    f"{i + 1}.00",
                    "AmazonEC2",
                    "Hrs",
                    p,
                ]
            )
    return f


def test_cur2_product_json_is_read(tmp_path: Path) -> None:
    good = json.dumps({"instance_type": "m5.large", "region_code": "us-east-1"})
    # 1.00 + 2.00
    assert billed(run([_cur2(tmp_path, [good, good])])) == {"USD": D("3.00")}


def test_cur2_malformed_product_json_names_the_row(tmp_path: Path) -> None:
    good = json.dumps({"instance_type": "m5.large", "region_code": "us-east-1"})
    f = _cur2(tmp_path, [good, good, '{"instance_type": "m5.large", "region_code": '])
    with pytest.raises(ValueParseError) as exc:
        run([f])
    assert exc.value.row == 3 and exc.value.column == "product" and str(f) in str(exc.value)
