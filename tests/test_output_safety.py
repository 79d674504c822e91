"""Output safety end to end (issue 7, section 3): hostile names through the real command line.

Tag values, project names, file paths and manifest keys are user data: shown exactly as written, and
escaped for the medium. CSV cells that a spreadsheet would run as a formula get a leading ``'`` (OWASP
CSV injection); rich markup in names is shown literally; control characters (ANSI escapes, NUL) reach
neither the terminal nor stderr, but are shown as ``\\xNN``. Every run goes through the console entry
point :func:`cloudcarbon.cli.main` (its error handler included) on CUR files written here.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from cloudcarbon.cli import main
from tests.conftest import cur_row, write_cur

MONTH = "2026-10"

#: hostile project tag values -> how the ``--format csv`` report writes them (by hand: a formula
#: prefix gets ``'``; control characters but a tab become ``\xNN``; brackets are plain text in CSV)
CSV_REPORT = {
    '=HYPERLINK("http://x","y")': '\'=HYPERLINK("http://x","y")',
    "+1": "'+1",
    "-2": "'-2",
    "@SUM(A1)": "'@SUM(A1)",
    "\tlead": "'\tlead",
    "[red]alert": "[red]alert",
    "ml[gpu]": "ml[gpu]",
    "oops[/]": "oops[/]",
    "esc\x1b[31mred": "esc\\x1b[31mred",
    "nul\x00x": "nul\\x00x",
    "\x00dec:1": "\\x00dec:1",
}

#: the same values in the ``--detail`` file: exact bytes, but formula-like cells prefixed with ``'``
DETAIL_FILE = {v: ("'" + v if v[:1] in ("=", "+", "-", "@", "\t") else v) for v in CSV_REPORT}

#: and in the table on a terminal: markup literal, control characters as ``\xNN``
TABLE = {
    "[red]alert": "[red]alert",
    "ml[gpu]": "ml[gpu]",
    "oops[/]": "oops[/]",
    "esc\x1b[31mred": "esc\\x1b[31mred",
    "nul\x00x": "nul\\x00x",
    "@SUM(A1)": "@SUM(A1)",
}


def _month(tmp_path: Path) -> tuple[Path, Path]:
    """One m5.large day per hostile project (cost 1, 2, ... USD) and a config reading the tag."""
    rows = [
        cur_row("BoxUsage:m5.large", 24, f"{i}.00", "Hrs", instance="m5.large", project=name)
        for i, name in enumerate(CSV_REPORT, 1)
    ]
    cur = write_cur(tmp_path / "cur.csv", rows)
    cfg = tmp_path / "cloudcarbon.toml"
    cfg.write_text('[projects]\nrules = [{ tag = "user:project" }]\n', encoding="utf-8")
    return cur, cfg


def _run(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["cloudcarbon", *argv])
    with pytest.raises(SystemExit) as done:
        main()
    out, err = capsys.readouterr()
    code = done.value.code
    return (code if isinstance(code, int) else 1), out, err


def test_csv_report_neutralises_formulas_and_controls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cur, cfg = _month(tmp_path)
    code, out, err = _run(
        ["estimate", "-m", MONTH, "-s", str(cur), "-c", str(cfg), "-f", "csv"], capsys, monkeypatch
    )
    assert code == 0, err
    assert "\x1b" not in out and "\x00" not in out
    rows = list(csv.DictReader(io.StringIO(out)))
    # one line per project, costs 1..11 USD in the order of CSV_REPORT
    by_cost = {int(float(r["cost"])): r["project"] for r in rows}
    assert by_cost == {i: shown for i, shown in enumerate(CSV_REPORT.values(), 1)}


def test_detail_csv_keeps_exact_values_but_no_live_formula(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cur, cfg = _month(tmp_path)
    detail = tmp_path / "detail.csv"
    argv = ["estimate", "-m", MONTH, "-s", str(cur), "-c", str(cfg), "-f", "json", "--detail", str(detail)]
    code, _out, err = _run(argv, capsys, monkeypatch)
    assert code == 0, err
    with detail.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_cost = {int(float(r["BilledCost"])): r["project"] for r in rows}
    assert by_cost == {i: shown for i, shown in enumerate(DETAIL_FILE.values(), 1)}


def test_json_keeps_every_name_a_string(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a project named "\x00dec:1" used to collide with the JSON writer's decimal marker and come out as
    # the number 1; every name must come back exactly as written
    cur, cfg = _month(tmp_path)
    code, out, err = _run(
        ["estimate", "-m", MONTH, "-s", str(cur), "-c", str(cfg), "-f", "json"], capsys, monkeypatch
    )
    assert code == 0, err
    assert "\x1b" not in out and "\x00" not in out  # JSON writes them as \u001b, \u0000
    doc = json.loads(out)
    projects = {line["project"] for line in doc["lines"]}
    assert projects == set(CSV_REPORT)
    assert all(isinstance(p, str) for p in projects)


def test_table_shows_markup_literally_and_no_control_character(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cur, cfg = _month(tmp_path)
    code, out, err = _run(["estimate", "-m", MONTH, "-s", str(cur), "-c", str(cfg)], capsys, monkeypatch)
    assert code == 0, err  # an unbalanced [/] does not crash the table
    assert "\x1b" not in out and "\x00" not in out
    cells = {line.split("│")[1].strip() for line in out.splitlines() if line.count("│") > 2}
    for shown in TABLE.values():
        assert shown in cells, shown


def test_error_naming_a_hostile_path_is_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "bill\x1b[2J[red]x.csv"
    code, _out, err = _run(["estimate", "-m", MONTH, "-s", str(missing)], capsys, monkeypatch)
    assert code == 2  # SourceError: an input error
    assert "\x1b" not in err
    # the path as written, its ESC shown as \x1b and the markup printed literally, on one line
    assert f"{tmp_path}/bill\\x1b[2J[red]x.csv" in err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_error_naming_a_hostile_config_path_is_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cur, _ = _month(tmp_path)
    bad = tmp_path / "conf\x07\x1b]0;pwned\x07.toml"
    bad.write_text("[estimate]\nstrict = 3\n", encoding="utf-8")
    code, _out, err = _run(["estimate", "-m", MONTH, "-s", str(cur), "-c", str(bad)], capsys, monkeypatch)
    assert code == 4  # ConfigError
    assert "\x1b" not in err and "\x07" not in err
    assert "conf\\x07\\x1b]0;pwned\\x07.toml" in err
    assert "[estimate] strict must be true or false" in err


def test_error_naming_a_hostile_manifest_key_is_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.connectors.test_aws_cur import build_legacy_report

    build_legacy_report(tmp_path / "bucket")
    period = tmp_path / "bucket" / "cur" / "acme-cur" / "20261001-20261101"
    manifest = period / "acme-cur-Manifest.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    doc["reportKeys"] = ["cur/acme-cur/20261001-20261101/\x1b[2Jgone/acme-cur-1.csv.gz"]
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    code, _out, err = _run(["estimate", "-m", MONTH, "-s", f"aws:{period}"], capsys, monkeypatch)
    assert code == 2  # SourceError: the manifest names a file that is not there
    assert "\x1b" not in err
    assert "lists cur/acme-cur/20261001-20261101/\\x1b[2Jgone/acme-cur-1.csv.gz, which is not in" in err
    assert "Traceback" not in err
