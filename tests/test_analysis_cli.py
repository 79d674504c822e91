"""``cloudcarbon baseline``, ``compare`` and ``trend`` end to end, through main(): exit codes, errors."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
import types
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cloudcarbon.cli import main
from cloudcarbon.ledger import InputFile, Ledger, LineRecord, RunRecord
from tests.analysis_builders import FS2, line, run

D = Decimal
EVIL = '=HYPERLINK("http://x","y")'
MARKUP = "[red]boom<script>alert(1)</script>"


def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["cloudcarbon", *args])
    monkeypatch.setenv(
        "COLUMNS", "200"
    )  # these tests read content; widths: tests/reports/test_table_widths.py
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Jan 2026: web 100 vCPU-h / 10 kWh / 4 kg and EVIL 1 kg; Feb: web doubled (8 kg), MARKUP new (2 kg)."""
    path = tmp_path / "ledger.sqlite"
    monkeypatch.setenv("CLOUDCARBON_LEDGER", str(path))  # no --ledger: the environment is used
    with Ledger(path) as led:
        led.record(
            run(
                "2026-01",
                [
                    line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=4),
                    line(EVIL, vcpu_hours=10, energy_kwh=1, co2e_kg=1),
                ],
            )
        )
        led.record(
            run(
                "2026-02",
                [
                    line("web", vcpu_hours=200, energy_kwh=20, co2e_kg=8),
                    line(MARKUP, vcpu_hours=10, energy_kwh=5, co2e_kg=2),
                ],
            )
        )
    return path


# ------------------------------------------------------------------ baseline set / list


def test_year_baseline_is_the_average_of_the_years_recorded_months(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "l.sqlite"
    with Ledger(path) as led:
        # 2025: 3 + 4 + 8 = 15 kg over three recorded months -> 5 kg per month; 2024-12 (100 kg) is outside
        for m, c in (("2024-12", 100), ("2025-01", 3), ("2025-02", 4), ("2025-05", 8)):
            led.record(run(m, [line("web", vcpu_hours=10, energy_kwh=10, co2e_kg=c)]))
    code, out, err = cli(
        capsys, monkeypatch, "baseline", "set", "--year", "2025", "--name", "fy", "--ledger", str(path)
    )
    assert (code, err) == (0, "")
    assert "baseline 'fy' version 1" in out and "(3 months)" in out and "5.000 kg CO2e per month" in out
    code, out, _ = cli(capsys, monkeypatch, "baseline", "list", "-f", "json", "--ledger", str(path))
    row = json.loads(out)["rows"][0]
    assert (row["name"], row["months"], D(row["co2e_kg_per_month"])) == ("fy", 3, D(5))
    code, _, err = cli(capsys, monkeypatch, "baseline", "set", "--year", "2023", "--ledger", str(path))
    assert code == 8 and "no month of 2023 is recorded" in err and len(err.strip().splitlines()) == 1


def test_baseline_set_needs_one_of_month_or_year(
    ledger: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = cli(capsys, monkeypatch, "baseline", "set", "--month", "2026-01", "--year", "2026")
    assert code == 2 and "exactly one of --month" in err
    code, _, err = cli(capsys, monkeypatch, "baseline", "set", "--year", "26")
    assert code == 2 and "not a year" in err


# ------------------------------------------------------------------ compare


def test_compare_against_the_default_baseline_in_every_format(
    ledger: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = cli(capsys, monkeypatch, "compare", "--month", "2026-02")
    assert code == 8 and "no baseline" in err and len(err.strip().splitlines()) == 1
    assert cli(capsys, monkeypatch, "baseline", "set", "--month", "2026-01")[0] == 0

    code, out, _ = cli(capsys, monkeypatch, "compare", "--month", "2026-02", "-f", "json")
    doc = json.loads(out)
    rows = {r["project"]: r for r in doc["rows"]}
    # web: 4 -> 8 all activity; EVIL: 1 -> 0 (gone: activity -1); MARKUP: 0 -> 2 (new: activity +2)
    expected = {"web": (D(4), D(4), D(8)), EVIL: (D(1), D(-1), D(0)), MARKUP: (D(0), D(2), D(2))}
    assert {
        p: (D(r["base_co2e_kg"]), D(r["activity_kg"]), D(r["current_co2e_kg"])) for p, r in rows.items()
    } == (expected)
    parts = ("method", "activity", "mix", "efficiency", "grid", "unattributed", "restatement")
    for r in rows.values():
        assert D(r["base_co2e_kg"]) + sum(D(r[f"{p}_kg"]) for p in parts) == D(r["current_co2e_kg"])
    assert any("like for like" in n for n in doc["notes"])
    # the whole organisation: 5 kg -> 10 kg, activity 4 - 1 + 2 = +5
    total = doc["total"]
    assert (D(total["base_co2e_kg"]), D(total["activity_kg"]), D(total["change_kg"])) == (D(5), D(5), D(5))

    code, out, _ = cli(capsys, monkeypatch, "compare", "--month", "2026-02", "-f", "csv")
    cells = list(csv.reader(io.StringIO(out)))
    assert cells[0][0] == "project" and ["'" + EVIL] in [c[:1] for c in cells]  # formula neutralised

    code, out, _ = cli(capsys, monkeypatch, "compare", "--month", "2026-02", "-f", "md")
    assert r"\[red\]boom\<script\>" in out and "<script>" not in out
    assert "| Total | 5.000000 | 0.000000 | 5.000000 |" in out

    code, out, _ = cli(capsys, monkeypatch, "compare", "--month", "2026-02", "--against", "baseline:default")
    assert code == 0 and MARKUP in out  # shown literally by rich, not read as markup
    assert "\x1b" not in out


def test_compare_against_a_month_and_bad_references(
    ledger: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = cli(capsys, monkeypatch, "compare", "-m", "2026-02", "--against", "2026-01", "-f", "json")
    assert code == 0 and "month 2026-01" in json.loads(out)["title"]
    code, _, err = cli(capsys, monkeypatch, "compare", "-m", "2026-02", "--against", "last-year")
    assert code == 2 and "baseline:NAME" in err
    code, _, err = cli(capsys, monkeypatch, "compare", "-m", "2026-02", "--against", "baseline:nope")
    assert code == 8 and "no baseline 'nope'" in err
    code, _, err = cli(
        capsys, monkeypatch, "compare", "-m", "2026-02", "--ledger", str(ledger.parent / "none.db")
    )
    assert code == 8 and "no ledger here" in err and "Traceback" not in err


def test_compare_states_which_baseline_version_is_used(
    ledger: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with Ledger(ledger) as led:
        led.set_baseline_from_ledger("default", ["2026-01"])
        led.record(run("2026-03", [line("web", vcpu_hours=200, energy_kwh=20, co2e_kg=10)], fs=FS2))
        jan = led.current("2026-01")
        led.set_baseline(
            "default",
            [
                run(
                    "2026-01",
                    [
                        LineRecord(ln.key, {**ln.figures, "co2e_kg": ln.figures["energy_kwh"] / 2})
                        for ln in jan.lines
                    ],
                    fs=FS2,
                )
            ],
        )
    code, out, _ = cli(capsys, monkeypatch, "compare", "-m", "2026-03", "-f", "json")
    doc = json.loads(out)
    assert "version 2" in doc["title"] and "2026.2" in doc["title"]
    assert any("other versions kept: v1 (2026.1" in n for n in doc["notes"])
    code, out, _ = cli(capsys, monkeypatch, "compare", "-m", "2026-02", "-f", "json")
    assert code == 0 and "version 1" in json.loads(out)["title"]  # February: factor set 2026.1


# ------------------------------------------------------------------ trend


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "md", "html"])
def test_trend_in_every_format(
    ledger: Path,
    fmt: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cli(capsys, monkeypatch, "baseline", "set", "--month", "2026-01")
    code, out, err = cli(
        capsys, monkeypatch, "trend", "--from", "2026-01", "--to", "2026-02", "--by", "project", "-f", fmt
    )
    assert (code, err) == (0, "")
    if fmt == "json":
        got = {
            (r["month"], r["project"]): (D(r["co2e_kg"]), r["baseline_co2e_kg"])
            for r in json.loads(out)["rows"]
        }
        assert got[("2026-02", "web")] == (D(8), "4.000000")
        assert got[("2026-01", MARKUP)] == (D(0), None)  # not in the baseline month
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert {(r["month"], r["project"], r["co2e_kg"]) for r in rows} >= {("2026-02", "web", "8.000000")}
        assert "'" + EVIL in {r["project"] for r in rows}
    elif fmt == "md":
        assert "| 2026-02 | web | 8.000000 |" in out and r"\[red\]" in out
    elif fmt == "html":
        assert out.startswith("<!DOCTYPE html>") and "<svg" in out and '<path class="series" d="M' in out
        assert "<script>" not in out and "&lt;script&gt;" in out
        assert 'class="baseline"' not in out  # several series: the baseline is per series, in the table
    else:
        assert "2026-02" in out and MARKUP in out


def test_trend_html_total_has_the_baseline_line_and_out_file(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli(capsys, monkeypatch, "baseline", "set", "--month", "2026-01")
    target = tmp_path / "trend.html"
    code, out, err = cli(
        capsys,
        monkeypatch,
        "trend",
        "--from",
        "2026-01",
        "--to",
        "2026-02",
        "-f",
        "html",
        "--out",
        str(target),
    )
    assert code == 0 and out == "" and "wrote" in err
    html = target.read_text(encoding="utf-8")
    # one Total series (5 kg, 10 kg) against the baseline (Jan: 5 kg): a dashed baseline line
    assert '<path class="series"' in html and 'class="baseline"' in html and "baseline 5.0" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # self-contained


def test_trend_errors(
    ledger: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = cli(capsys, monkeypatch, "trend", "--from", "2026-03", "--to", "2026-01")
    assert code == 2 and "after" in err
    code, _, err = cli(capsys, monkeypatch, "trend", "--from", "2027-01", "--to", "2027-02")
    assert code == 8 and "no month recorded" in err
    code, _, err = cli(capsys, monkeypatch, "trend", "--from", "2026-01", "--to", "2026-02", "--by", "colour")
    assert code == 2 and "project" in err


# ------------------------------------------------------------------ rebase


def _ledger_with_inputs(tmp_path: Path, sources: list[str] | None = None) -> tuple[Path, Path]:
    bill = tmp_path / "bill.csv"
    bill.write_text("usage\n100\n", encoding="utf-8")
    path = tmp_path / "l.sqlite"
    jan = run(
        "2026-01", [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=4)], inputs=(InputFile.of(bill),)
    )
    if sources is not None:  # the --source arguments, as the recording keeps them
        jan = dataclasses.replace(jan, assumptions={"sources": json.dumps(sources)})
    with Ledger(path) as led:
        led.record(jan)
        led.set_baseline_from_ledger("default", ["2026-01"])
    return path, bill


def test_rebase_fails_clearly_when_inputs_are_missing_or_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, bill = _ledger_with_inputs(tmp_path)
    bill.write_text("usage\n999\n", encoding="utf-8")
    code, _, err = cli(capsys, monkeypatch, "baseline", "rebase", "--name", "default", "--ledger", str(path))
    assert code == 8 and "changed since it was recorded" in err and len(err.strip().splitlines()) == 1
    bill.unlink()
    code, _, err = cli(capsys, monkeypatch, "baseline", "rebase", "--ledger", str(path))
    assert code == 8 and "is missing" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli(capsys, monkeypatch, "baseline", "rebase", "--name", "nope", "--ledger", str(path))
    assert code == 8 and "no baseline 'nope' to rebase" in err


def test_rebase_records_a_new_version_and_keeps_the_old(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _bill = _ledger_with_inputs(tmp_path, sources=[f"aws:{tmp_path}"])
    calls: list[tuple[Any, ...]] = []

    def fake_estimate(sources: list[str], month: str, **kw: Any) -> str:
        calls.append((sources, month, kw["factor_set"], kw["method"]))
        return month

    def fake_run_record(result: str) -> RunRecord:  # FS2: 0.5 kg/kWh -> 10 kWh = 5 kg
        return run(result, [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=5)], fs=FS2)

    monkeypatch.setattr("cloudcarbon.estimate", fake_estimate)
    monkeypatch.setitem(
        sys.modules, "cloudcarbon.recording", types.SimpleNamespace(run_record=fake_run_record)
    )
    code, out, err = cli(
        capsys, monkeypatch, "baseline", "rebase", "--factors", "2026.2", "--ledger", str(path)
    )
    assert (code, err) == (0, ""), err
    assert "version 2" in out and "factor set 2026.2" in out and "5.000 kg" in out
    # re-run on the recorded --source arguments, once the recorded input files are found unchanged
    assert calls == [([f"aws:{tmp_path}"], "2026-01", "2026.2", "cloudcarbon")]
    with Ledger(path) as led:
        assert [(b.version, b.factor_set_version) for b in led.baselines("default")] == [
            (1, "2026.1"),
            (2, "2026.2"),
        ]


def test_trend_html_renders_in_headless_chromium(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.statements import chromium

    cli(capsys, monkeypatch, "baseline", "set", "--month", "2026-01")
    page = tmp_path / "trend.html"
    args = (
        "trend",
        "--from",
        "2026-01",
        "--to",
        "2026-02",
        "--by",
        "project",
        "-f",
        "html",
        "--out",
        str(page),
    )
    assert cli(capsys, monkeypatch, *args)[0] == 0
    dom = chromium.run(page, tmp_path / "profile", "--dump-dom")
    assert not dom.console, dom.console
    assert dom.stdout.count("<svg") == 1 and dom.stdout.count('<path class="series"') == 3  # one per project
    assert "<script>" not in dom.stdout and "&lt;script&gt;" in dom.stdout
    shot = chromium.artifacts(tmp_path) / "trend.png"
    run = chromium.run(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1000,800")
    assert not run.console, run.console
    assert shot.stat().st_size > 10_000


def test_compare_shows_market_and_water_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # by hand: web market-based 3 kg -> 5 kg (change +2), water 20 L -> 30 L (+10); db has energy in
    # February but no market-based figure (no factor for its region): its February market total and
    # change are null, and so is the organisation's (3 kg -> n/a); db's water 0 -> 4 L
    path = tmp_path / "ledger.sqlite"
    monkeypatch.setenv("CLOUDCARBON_LEDGER", str(path))
    with Ledger(path) as led:
        led.record(run("2026-01", [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=4,
                                        market_co2e_kg=3, water_l=20)]))  # fmt: skip
        db = line("db", vcpu_hours=10, energy_kwh=1, co2e_kg=1, water_l=4)
        led.record(run("2026-02", [line("web", vcpu_hours=100, energy_kwh=10, co2e_kg=4,
                                        market_co2e_kg=5, water_l=30), db]))  # fmt: skip
    code, out, _ = cli(capsys, monkeypatch, "compare", "-m", "2026-02", "--against", "2026-01", "-f", "json")
    assert code == 0
    doc = json.loads(out)
    rows = {r["project"]: r for r in doc["rows"]}
    assert D(rows["web"]["change_market_co2e_kg"]) == D(2) and D(rows["web"]["change_water_l"]) == D(10)
    assert rows["db"]["change_market_co2e_kg"] is None
    assert rows["db"]["market_co2e_kg_note"] == "no market-based CO2e figure in the current period"
    assert D(rows["db"]["change_water_l"]) == D(4)
    assert doc["total"]["change_market_co2e_kg"] is None and D(doc["total"]["change_water_l"]) == D(14)

    code, out, _ = cli(capsys, monkeypatch, "compare", "-m", "2026-02", "--against", "2026-01", "-f", "csv")
    head = next(csv.reader(io.StringIO(out)))
    assert "change_market_co2e_kg" in head and "change_water_l" in head

    code, out, _ = cli(capsys, monkeypatch, "compare", "-m", "2026-02", "--against", "2026-01")
    text = " ".join(out.split())
    assert (
        "Market-based CO2e: base 3.000000 kg, current n/a, change n/a (no market-based CO2e figure in "
        "the current period)." in text
    )
    assert "Water: base 20.000000 L, current 34.000000 L, change 14.000000 L." in text
