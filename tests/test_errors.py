"""Bad input: one clear line naming the file (row, column), what to do, and a non-zero exit code."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from cloudcarbon import (
    CloudCarbonError,
    ConfigError,
    MonthNotFound,
    SchemaError,
    SourceNotFound,
    UnrecognisedExport,
    ValueParseError,
    estimate,
)
from cloudcarbon.cli import main
from tests.conftest import CUR_COLUMNS, cur_row


def run_cli(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.argv", ["cloudcarbon", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    out = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 1), out.out, out.err


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFound, match="no such file or folder") as exc:
        estimate([tmp_path / "nope.csv"], "2026-10")
    assert str(tmp_path / "nope.csv") in str(exc.value)


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFound, match=r"holds no \.csv"):
        estimate([tmp_path], "2026-10")


def test_not_a_cur_names_closest_format_and_missing_columns(tmp_path: Path) -> None:
    f = tmp_path / "sales.csv"
    f.write_text("date,region,amount\n2026-10-01,eu,3\n", encoding="utf-8")
    with pytest.raises(UnrecognisedExport) as exc:
        estimate([f], "2026-10")
    msg = str(exc.value)
    assert str(f) in msg and "closest formats: " in msg
    assert "aws (missing: " in msg and "lineItem/UsageType" in msg


def test_forced_provider_with_missing_columns(tmp_path: Path) -> None:
    f = tmp_path / "partial.csv"
    f.write_text("lineItem/UsageAccountId,lineItem/UsageType\n123456789012,BoxUsage:m5.large\n")
    with pytest.raises(SchemaError) as exc:
        estimate([f"aws:{f}"], "2026-10")
    assert "lineItem/UsageAmount" in str(exc.value) and "lineItem/UnblendedCost" in str(exc.value)


def test_unknown_month_lists_months(cur_file: Callable[..., Path]) -> None:
    f = cur_file([cur_row("BoxUsage:m5.large", 24, "2.3", "Hrs", instance="m5.large")])
    with pytest.raises(MonthNotFound, match=r"months present: 2026-10") as exc:
        estimate([f], "2026-09")
    assert exc.value.available == ["2026-10"]


def test_malformed_month() -> None:
    with pytest.raises(CloudCarbonError, match="YYYY-MM"):
        estimate([], "2026-13")


@pytest.mark.parametrize(
    ("column", "bad", "expected"),
    [
        ("lineItem/UsageAmount", "twenty", "a number"),
        ("lineItem/UnblendedCost", "1,5", "a decimal amount"),
        ("lineItem/UsageStartDate", "yesterday", "an ISO-8601 timestamp"),
    ],
)
def test_unparseable_value_names_file_row_column(
    cur_file: Callable[..., Path], column: str, bad: str, expected: str
) -> None:
    rows = [cur_row("BoxUsage:m5.large", 24, "2.3", "Hrs", instance="m5.large") for _ in range(4)]
    rows[2] = {**rows[2], column: bad}  # third data row
    f = cur_file(rows)
    with pytest.raises(ValueParseError) as exc:
        estimate([f], "2026-10")
    err = exc.value
    assert (err.row, err.column, err.value) == (3, column, bad)
    assert str(f) in str(err) and expected in str(err) and "row 3" in str(err)


def test_unparseable_value_in_gzip(tmp_path: Path) -> None:
    lines = [",".join(CUR_COLUMNS)]
    for i in range(3):
        r = cur_row("BoxUsage:m5.large", "x" if i == 1 else 24, "2.3", "Hrs", instance="m5.large")
        lines.append(",".join(str({**r, "identity/LineItemId": f"l{i}"}.get(c, "")) for c in CUR_COLUMNS))
    f = tmp_path / "cur.csv.gz"
    f.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    with pytest.raises(ValueParseError, match="row 2, column 'lineItem/UsageAmount'"):
        estimate([f], "2026-10")


def test_truncated_gzip(tmp_path: Path) -> None:
    f = tmp_path / "cur.csv.gz"
    f.write_bytes(gzip.compress(b"lineItem/UsageAccountId,lineItem/UsageType\n" * 50)[:30])
    with pytest.raises(CloudCarbonError, match=str(f)):
        estimate([f], "2026-10")


def test_cli_errors_are_one_line_with_exit_codes(
    cur_file: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    f = cur_file([cur_row("BoxUsage:m5.large", 24, "2.3", "Hrs", instance="m5.large")])
    code, _out, err = run_cli(
        ["estimate", "--month", "2026-10", "-s", str(tmp_path / "x.csv")], monkeypatch, capsys
    )
    assert code == SourceNotFound.exit_code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and "x.csv" in err
    code, _, err = run_cli(["estimate", "--month", "2026-01", "-s", str(f)], monkeypatch, capsys)
    assert code == MonthNotFound.exit_code == 3 and "2026-10" in err
    bad = tmp_path / "bad.toml"
    bad.write_text("[projects]\nrules = [{ colour = 'red' }]\n")
    code, _, err = run_cli(["estimate", "-m", "2026-10", "-s", str(f), "-c", str(bad)], monkeypatch, capsys)
    assert code == ConfigError.exit_code == 4 and "bad.toml" in err and "colour" in err
    code, _, err = run_cli(["estimate", "-m", "2026-10", "-s", str(f), "-g", "colour"], monkeypatch, capsys)
    assert code == 1 and "cannot group by 'colour'" in err


def test_strict_mode_refuses_fallback_factors(cur_file: Callable[..., Path]) -> None:
    from cloudcarbon import FactorNotFound
    from cloudcarbon.config import config_from_mapping

    known = cur_row("BoxUsage:m5.large", 24, "2.3", "Hrs", instance="m5.large")
    f = cur_file([known])
    strict = config_from_mapping({"estimate": {"strict": True}})
    # a known type in a known region passes (its 2026 grid year is substituted by 2025, which is allowed)
    assert estimate([f], "2026-10", config=strict).coverage["rows"][0] == 1
    unknown = cur_row("BoxUsage:zz9.large", 24, "1.0", "Hrs", instance="zz9.large", vcpu="2")
    nowhere = cur_row("BoxUsage:m5.large", 24, "2.3", "Hrs", instance="m5.large", region="mars-north-1")
    g = cur_file([known, unknown, nowhere], name="strict.csv")
    with pytest.raises(FactorNotFound) as exc:
        estimate([g], "2026-10", config=strict)
    assert "unknown_instance_type zz9.large (1 rows)" in str(exc.value)
    assert "unknown_region mars-north-1 (1 rows)" in str(exc.value)
    # the default mode estimates the same rows by the documented fallbacks, flagged
    flags = estimate([g], "2026-10").flags
    assert {"unknown_instance_type", "unknown_region"} <= set(flags["flag"].to_list())
