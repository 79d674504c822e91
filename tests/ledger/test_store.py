"""Recording, closing, restating and baselines, with deltas and causes worked out by hand."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import pytest

from cloudcarbon.exceptions import CloudCarbonError
from cloudcarbon.ledger import (
    Delta,
    InputFile,
    InvalidRecord,
    Ledger,
    LedgerNotFound,
    LedgerSchemaError,
    LineRecord,
    MonthAlreadyClosed,
    config_digest,
)
from cloudcarbon.ledger.store import default_ledger_path, ledger_path
from tests.ledger.builders import CUR_SHA, FS_HASH, run

OCT = "2026-10"
NEW_CUR = hashlib.sha256(b"cur delivery 2").hexdigest()


def clock() -> str:
    clock.n += 1  # type: ignore[attr-defined]
    return f"2026-11-01T00:00:{clock.n:02d}Z"  # type: ignore[attr-defined]


clock.n = 0  # type: ignore[attr-defined]


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(tmp_path / "sub" / "ledger.sqlite", clock=clock) as opened:
        yield opened


def test_open_month_keeps_every_estimate_and_the_latest_is_current(ledger: Ledger) -> None:
    assert ledger.status(OCT).label == "not recorded"
    first = ledger.record(run())
    second = ledger.record(run(totals={"energy_kwh": D("99")}))
    assert (first.kind, first.version, second.kind, second.version) == ("estimate", None, "estimate", None)
    assert ledger.current(OCT).totals == {"energy_kwh": D("99")}
    assert [e.kind for e in ledger.history(OCT)] == ["estimate", "estimate"]
    assert [e.run.totals["energy_kwh"] if e.run else None for e in ledger.history(OCT)] == [
        D("12.5"),
        D("99"),
    ]
    st = ledger.status(OCT)
    assert (st.state, st.estimates, st.label) == ("open", 2, "open")


def test_values_come_back_exactly(ledger: Ledger) -> None:
    r = run(totals={"co2e_kg": D("0.1000000000000000000000000000001"), "cost_JPY": D("-1.50")})
    ledger.record(r)
    back = ledger.current(OCT)
    assert back == r
    assert str(back.totals["cost_JPY"]) == "-1.50"  # trailing zero kept: decimal text, not a float
    con = sqlite3.connect(ledger.path)
    raw = con.execute("SELECT value, typeof(value) FROM totals").fetchall()
    con.close()
    assert sorted(raw) == [("-1.50", "text"), ("0.1000000000000000000000000000001", "text")]


def test_floats_are_refused() -> None:
    with pytest.raises(InvalidRecord, match="float"):
        run(totals={"co2e_kg": 1.5})
    with pytest.raises(InvalidRecord, match="float"):
        LineRecord((("project", "a"),), {"co2e_kg": 0.1})  # type: ignore[dict-item]
    with pytest.raises(InvalidRecord, match="YYYY-MM"):
        run("2026-13")
    assert issubclass(InvalidRecord, CloudCarbonError)


def test_close_freezes_and_restatement_has_hand_worked_deltas_and_causes(ledger: Ledger) -> None:
    ledger.record(run(totals={"energy_kwh": D("1")}))  # an earlier draft, superseded
    v1 = run()
    ledger.record(v1)
    ledger.close(OCT)
    st = ledger.status(OCT)
    assert (st.state, st.version, st.label) == ("closed", 1, "closed")
    assert ledger.version(OCT, 1) == v1

    with pytest.raises(MonthAlreadyClosed):
        ledger.close(OCT)

    # The same estimate again (only its time differs) is not a restatement and writes nothing.
    seq_before = ledger.head()
    same = ledger.record(replace(v1, recorded_at="2026-11-05T00:00:00Z"))
    assert (same.kind, same.version) == ("unchanged", 1)
    assert ledger.head() == seq_before

    # A new delivery of the bill: search grows, ml disappears, web appears.
    v2 = run(
        inputs=(InputFile("exports/cur-v2.csv", 2000, NEW_CUR),),
        lines=(
            LineRecord(
                (("project", "search"),),
                {"energy_kwh": D("11.25"), "co2e_kg": D("4.50"), "cost_EUR": D("80.00")},
            ),
            LineRecord(
                (("project", "web"),), {"energy_kwh": D("1.25"), "co2e_kg": D("0.45"), "cost_EUR": D("15.00")}
            ),
        ),
        totals={"energy_kwh": D("12.5"), "co2e_kg": D("4.95"), "cost_EUR": D("95.00")},
    )
    rec = ledger.record(v2)
    assert (rec.kind, rec.version) == ("restatement", 2)
    search, ml, web = (("project", "search"),), (("project", "ml"),), (("project", "web"),)
    # By hand, lines sorted by their key text (ml < search < web), figures by name:
    #   ml      gone:      co2e 0.80 -> -0.80, cost 15.00 -> -15.00, energy 2 -> -2
    #   search  energy 10.5 -> 11.25 (+0.75), co2e 4.20 -> 4.50 (+0.30), cost unchanged (not listed)
    #   web     new:       co2e +0.45, cost +15.00, energy +1.25
    # Totals: energy 12.5 = 11.25 + 1.25 (unchanged), cost 95.00 (unchanged), co2e 5.00 -> 4.95 (-0.05).
    expected_lines = (
        Delta(ml, "co2e_kg", D("0.80"), None, D("-0.80")),
        Delta(ml, "cost_EUR", D("15.00"), None, D("-15.00")),
        Delta(ml, "energy_kwh", D("2"), None, D("-2")),
        Delta(search, "co2e_kg", D("4.20"), D("4.50"), D("0.30")),
        Delta(search, "energy_kwh", D("10.5"), D("11.25"), D("0.75")),
        Delta(web, "co2e_kg", None, D("0.45"), D("0.45")),
        Delta(web, "cost_EUR", None, D("15.00"), D("15.00")),
        Delta(web, "energy_kwh", None, D("1.25"), D("1.25")),
    )
    expected_totals = (Delta(None, "co2e_kg", D("5.00"), D("4.95"), D("-0.05")),)
    assert rec.restatement is not None
    assert rec.restatement.line_deltas == expected_lines
    assert rec.restatement.total_deltas == expected_totals
    assert [c.cause for c in rec.restatement.causes] == ["new bill delivery"]
    assert "added exports/cur-v2.csv" in rec.restatement.causes[0].detail
    assert "removed exports/cur.csv" in rec.restatement.causes[0].detail

    # A new factor set and a config change, restating version 2 (not the original).
    v3 = replace(
        v2,
        factor_set_version="2026.12",
        factor_set_hash=hashlib.sha256(b"factor set 2026.12").hexdigest(),
        config_hash=hashlib.sha256(b"other").hexdigest(),
        config_text='{"org":"Acme Ltd"}',
        totals={**v2.totals, "co2e_kg": D("5.05")},
    )
    rec3 = ledger.record(v3)
    assert rec3.version == 3 and rec3.restatement is not None
    assert [c.cause for c in rec3.restatement.causes] == ["new factor set", "config change"]
    assert rec3.restatement.causes[0].detail.startswith("2026.11 (sha256 ")
    assert rec3.restatement.line_deltas == ()
    assert rec3.restatement.total_deltas == (Delta(None, "co2e_kg", D("4.95"), D("5.05"), D("0.10")),)

    # Method and tool version; and a change nothing recorded explains.
    v4 = replace(v3, method="ccf-2027", tool_version="0.2.0", totals={**v3.totals, "energy_kwh": D("13")})
    assert [c.cause for c in ledger.record(v4).restatement.causes] == ["method change", "tool version"]  # type: ignore[union-attr]
    v5 = replace(v4, totals={**v4.totals, "energy_kwh": D("14")})
    assert [c.cause for c in ledger.record(v5).restatement.causes] == ["unexplained"]  # type: ignore[union-attr]

    # What the ledger reads back is what record() returned.
    stored = ledger.restatements(OCT)
    assert [r.version for r in stored] == [2, 3, 4, 5]
    assert [r.against_version for r in stored] == [1, 2, 3, 4]
    assert stored[0].line_deltas == expected_lines and stored[0].total_deltas == expected_totals
    assert stored[1].causes == rec3.restatement.causes
    assert ledger.current(OCT) == v5
    assert ledger.version(OCT, 1) == v1 and ledger.version(OCT, 2) == v2
    st = ledger.status(OCT)
    assert (st.state, st.restatements, st.version, st.label) == ("restated", 4, 5, "restated 4 times")
    assert [(e.kind, e.version) for e in ledger.history(OCT)] == [
        ("estimate", None),
        ("estimate", 1),
        ("close", None),
        ("restatement", 2),
        ("restatement", 3),
        ("restatement", 4),
        ("restatement", 5),
    ]
    assert ledger.verify().entries == 7
    assert ledger.months() == [OCT]


def test_closed_rows_are_refused_by_sqlite_itself(ledger: Ledger) -> None:
    ledger.record(run())
    ledger.close(OCT)
    raw = sqlite3.connect(ledger.path)
    for sql in (
        "UPDATE line_figures SET value = '0' WHERE name = 'co2e_kg'",
        "UPDATE runs SET factor_set_version = '2099.1'",
        "UPDATE entries SET month = '2026-09'",
        "DELETE FROM closes",
        "DELETE FROM inputs",
        "DELETE FROM entries WHERE seq = 2",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="recorded and are never"):
            raw.execute(sql)
    raw.close()
    assert ledger.current(OCT) == run()
    ledger.verify()


def test_closing_an_unrecorded_month_says_what_to_do(ledger: Ledger) -> None:
    with pytest.raises(LedgerNotFound, match=r"estimate --month 2026-09"):
        ledger.close("2026-09")
    with pytest.raises(LedgerNotFound):
        ledger.current("2026-09")
    with pytest.raises(LedgerNotFound, match="not closed"):
        ledger.version("2026-09", 1)


def test_baselines_keep_every_version_with_its_factor_set(ledger: Ledger) -> None:
    jan = run("2025-01")
    feb = run(
        "2025-02",
        lines=(LineRecord((("project", "search"),), {"co2e_kg": D("1.00"), "energy_kwh": D("3")}),),
        totals={"co2e_kg": D("1.00"), "energy_kwh": D("3")},
    )
    b1 = ledger.set_baseline("default", [feb, jan])
    # By hand: co2e total (5.00 + 1.00) / 2 = 3.00; energy (12.5 + 3) / 2 = 7.75.
    # search co2e (4.20 + 1.00) / 2 = 2.60; ml only in January: 0.80 / 2 = 0.40; ml cost 15.00 / 2 = 7.50.
    assert (b1.version, b1.period, b1.months) == (1, "2025-01..2025-02 (2 months)", ("2025-01", "2025-02"))
    assert b1.totals == {"co2e_kg": D("3.00"), "energy_kwh": D("7.75"), "cost_EUR": D("47.50")}
    by_key = {ln.key: ln.figures for ln in b1.lines}
    assert by_key[(("project", "search"),)]["co2e_kg"] == D("2.60")
    assert by_key[(("project", "ml"),)] == {"co2e_kg": D("0.40"), "cost_EUR": D("7.50"), "energy_kwh": D("1")}
    assert b1.total_sums["co2e_kg"] == D("6.00")
    assert b1.sources == (("2025-01", jan.content_sha256()), ("2025-02", feb.content_sha256()))

    # Re-baselining under a new factor set keeps both versions.
    fs2 = hashlib.sha256(b"factor set 2026.12").hexdigest()
    jan2 = replace(jan, factor_set_version="2026.12", factor_set_hash=fs2, totals={"co2e_kg": D("4.00")})
    b2 = ledger.set_baseline("default", [jan2])
    assert (b2.version, b2.period, b2.totals) == (2, "2025-01", {"co2e_kg": D("4.00")})
    assert ledger.get_baseline("default") == b2
    assert ledger.get_baseline("default", factor_set="2026.11") == b1
    assert ledger.get_baseline("default", factor_set=fs2) == b2
    assert ledger.get_baseline("default", method="ccf-2026", factor_set=FS_HASH) == b1
    assert [b.version for b in ledger.baselines("default")] == [1, 2]
    with pytest.raises(LedgerNotFound, match=r"recorded: v1 \(2026.11, ccf-2026\), v2"):
        ledger.get_baseline("default", factor_set="1999.1")
    with pytest.raises(InvalidRecord, match="different methods or factor sets"):
        ledger.set_baseline("mixed", [jan, replace(jan2, month="2025-03")])
    ledger.verify()


def test_a_year_baseline_averages_twelve_months(ledger: Ledger) -> None:
    runs = [run(f"2025-{m:02d}", totals={"co2e_kg": D(m)}, lines=()) for m in range(1, 13)]
    for r in runs:
        ledger.record(r)
    b = ledger.set_baseline_from_ledger("fy2025", [r.month for r in runs])
    # (1 + 2 + ... + 12) / 12 = 78 / 12 = 6.5
    assert (b.period, b.totals) == ("2025", {"co2e_kg": D("6.5")})
    q = [run(m, totals={"x": D(v)}, lines=()) for m, v in (("2025-01", 1), ("2025-02", 1), ("2025-03", 2))]
    thirds = ledger.set_baseline("q1", q)
    # 4 / 3 to 34 significant digits; the stored sum stays exact.
    assert thirds.totals == {"x": D("1." + "3" * 33)}
    assert thirds.total_sums == {"x": D(4)}


def test_ledger_path_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDCARBON_LEDGER", str(tmp_path / "env.sqlite"))
    assert ledger_path(tmp_path / "cli.sqlite", "conf.sqlite") == tmp_path / "cli.sqlite"
    assert ledger_path(None, "conf.sqlite") == tmp_path / "env.sqlite"
    monkeypatch.setenv("CLOUDCARBON_LEDGER", "")
    assert ledger_path(None, "conf.sqlite", config_dir=tmp_path) == tmp_path / "conf.sqlite"
    assert ledger_path(None, "/abs/l.sqlite", config_dir=tmp_path) == Path("/abs/l.sqlite")
    monkeypatch.delenv("CLOUDCARBON_LEDGER")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr("sys.platform", "linux")
    assert ledger_path(None, None) == tmp_path / "xdg" / "cloudcarbon" / "ledger.sqlite"
    assert default_ledger_path() == tmp_path / "xdg" / "cloudcarbon" / "ledger.sqlite"
    monkeypatch.setattr("sys.platform", "darwin")
    assert (
        default_ledger_path()
        == Path.home() / "Library" / "Application Support" / "cloudcarbon" / "ledger.sqlite"
    )


def test_other_files_are_not_taken_for_a_ledger(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(LedgerSchemaError, match="not a cloudcarbon ledger"):
        Ledger(other)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(LedgerSchemaError, match="not a cloudcarbon ledger"):
        Ledger(junk)
    with pytest.raises(LedgerNotFound):
        Ledger(tmp_path / "missing.sqlite", create=False)
    assert not (tmp_path / "missing.sqlite").exists()


def test_input_record_checks() -> None:
    with pytest.raises(InvalidRecord, match="sha256"):
        InputFile("a.csv", 1, "ABC")
    with pytest.raises(InvalidRecord, match="appears more than once"):
        run(lines=(LineRecord((("p", "a"),), {}), LineRecord((("p", "a"),), {})))
    assert CUR_SHA != NEW_CUR


def test_input_file_and_config_digests(tmp_path: Path) -> None:
    f = tmp_path / "cur.csv"
    f.write_bytes(b"abc")
    # sha256("abc") is the FIPS 180-2 example digest
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert InputFile.of(f) == InputFile(str(f), 3, expected)
    assert InputFile.of(f, shown_as="exports/cur.csv").path == "exports/cur.csv"
    digest, text = config_digest({"b": 1, "a": {"y": "é", "x": None}})
    assert text == '{"a":{"x":null,"y":"é"},"b":1}'
    assert digest == hashlib.sha256(text.encode()).hexdigest()
