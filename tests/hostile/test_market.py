"""Hostile [market] inputs: a bad residual-mix row or instrument is one line naming the file, the row and
the column, exit code 4 (a configuration error), before any export is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile._build import cli, cur, m5, one_line_error

HEADER = "zone,year,g_co2e_per_kwh,source\n"


def _run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    residual: bytes | None,
    extra: str = "",
) -> tuple[int, str]:
    f = cur(tmp_path / "cur.csv", [m5("1.00")])
    cfg = tmp_path / "cloudcarbon.toml"
    text = extra
    if residual is not None:
        (tmp_path / "rm.csv").write_bytes(residual)
        text = '[market]\nresidual_mix = "rm.csv"\n' + extra
    cfg.write_text(text, encoding="utf-8")
    return cli(
        ["estimate", "--source", str(f), "--month", "2026-10", "--config", str(cfg), "--no-record"],
        monkeypatch,
        capsys,
    )


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        ("zone,year,factor,source\nDE,2024,1,x\n", ("row 1", "header must be exactly")),
        (HEADER + "DE,2024,700,AIB\nFR,20x4,50,AIB\n", ("row 3", "'year'", "'20x4'")),
        (HEADER + "DE,1850,700,AIB\n", ("row 2", "'year'", "1990-2100")),
        (HEADER + "DE,2024,-5,AIB\n", ("row 2", "'g_co2e_per_kwh'", "'-5'")),
        (HEADER + "DE,2024,nan,AIB\n", ("row 2", "'g_co2e_per_kwh'", "finite")),
        (HEADER + "DE,2024,inf,AIB\n", ("row 2", "'g_co2e_per_kwh'", "finite")),
        (HEADER + "DE,2024,7oo,AIB\n", ("row 2", "'g_co2e_per_kwh'", "not a number")),
        (HEADER + "DE,2024,700,\n", ("row 2", "'source'", "is empty")),
        (HEADER + ",2024,700,AIB\n", ("row 2", "'zone'", "is empty")),
        (HEADER + "DE,2024,700,AIB\nDE,2024,710,AIB v2\n", ("row 3", "'zone'", "already given on row 2")),
        (HEADER + "DE,2024,700,AIB, 2024 edition\n", ("row 2", "has 5 cells")),
        (HEADER, ("no rows",)),
        (b"", ("row 1", "header must be exactly")),
    ],
)
def test_bad_residual_mix_row_is_one_line_exit_4(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    body: str | bytes,
    needles: tuple[str, ...],
) -> None:
    raw = body if isinstance(body, bytes) else body.encode("utf-8")
    code, err = _run(tmp_path, monkeypatch, capsys, raw)
    one_line_error(code, err, 4, "rm.csv", *needles)


def test_residual_mix_not_utf8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(
        tmp_path,
        monkeypatch,
        capsys,
        HEADER.encode() + "DE,2024,700,Bundesnetzagentur \xe9\n".encode("latin-1"),
    )
    one_line_error(code, err, 4, "rm.csv", "not UTF-8")


def test_residual_mix_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(tmp_path, monkeypatch, capsys, None, '[market]\nresidual_mix = "absent.csv"\n')
    one_line_error(code, err, 4, "absent.csv", "cannot read the residual-mix file")


@pytest.mark.parametrize(
    ("toml", "needles"),
    [
        (
            '[[market.instruments]]\nlocation = "DE"\nkind = "ppa"\nshare = 0.7\ng_co2e_per_kwh = 0.0\n'
            'reference = "PPA-1"\n[[market.instruments]]\nlocation = "DE"\nkind = "certificates"\n'
            'share = 0.5\ng_co2e_per_kwh = 0.0\nreference = "GO-2"\nstart = "2026-06"\n',
            ("location DE", "cover 1.2", "more than 1"),
        ),
        (
            '[[market.instruments]]\nlocation = "DE"\nkind = "ppa"\nshare = 1.5\ng_co2e_per_kwh = 0.0\n'
            'reference = "PPA-1"\n',
            ("share",),
        ),
        (
            '[[market.instruments]]\nlocation = "DE"\nkind = "rec"\nshare = 0.5\ng_co2e_per_kwh = 0.0\n'
            'reference = "PPA-1"\n',
            ("kind",),
        ),
        (
            '[[market.instruments]]\nlocation = "DE"\nkind = "ppa"\nshare = 0.5\ng_co2e_per_kwh = -1.0\n'
            'reference = "PPA-1"\n',
            ("g_co2e_per_kwh",),
        ),
        (
            '[[market.instruments]]\nlocation = "DE"\nkind = "ppa"\nshare = 0.5\ng_co2e_per_kwh = 0.0\n'
            'reference = "PPA-1"\nstart = "2026-13"\n',
            ("start",),
        ),
    ],
)
def test_bad_instrument_is_one_line_exit_4(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    toml: str,
    needles: tuple[str, ...],
) -> None:
    code, err = _run(tmp_path, monkeypatch, capsys, None, toml)
    one_line_error(code, err, 4, "cloudcarbon.toml", *needles)
