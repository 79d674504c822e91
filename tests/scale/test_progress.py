"""Progress of long scans: the library's callback, the rich bar, and when the bar is not shown."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import cloudcarbon as cc
from cloudcarbon.cli import _progress, app
from cloudcarbon.cli._progress import ScanBar
from cloudcarbon.engine import open_engine
from cloudcarbon.progress import ScanProgress
from scripts.synth.cur import SplitDelivery, generate_split_cur_month
from tests.conftest import DEFAULT_FACTORS, cur_row, write_cur

ROWS = 6_000  # over 3 files: 2_000 each
runner = CliRunner()


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> SplitDelivery:
    return generate_split_cur_month(tmp_path_factory.mktemp("bucket"), ROWS, files=3, name="p")


def test_callback_ends_with_every_file_byte_and_row(split: SplitDelivery) -> None:
    seen: list[ScanProgress] = []
    cc.estimate([f"aws:{split.root}"], "2026-10", factor_set=DEFAULT_FACTORS, progress=seen.append)
    size = sum(f.stat().st_size for f in split.data_files)
    last = seen[-1]
    assert last.finished
    assert (last.files_done, last.files_total) == (3, 3)
    assert (last.bytes_done, last.bytes_total) == (size, size)
    assert (last.rows_done, last.rows_total) == (ROWS, ROWS)  # Parquet footers give the row counts
    assert last.rows_per_second is not None and last.rows_per_second > 0
    assert seen[0].bytes_done == 0 and not seen[0].finished
    done = [p.bytes_done for p in seen]
    assert done == sorted(done) and all(p.bytes_total == size for p in seen)


def test_csv_rows_are_not_counted_ahead(tmp_path: Path) -> None:
    f = write_cur(
        tmp_path / "cur.csv", [cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large")]
    )
    seen: list[ScanProgress] = []
    cc.estimate([f"aws:{f}"], "2026-10", factor_set=DEFAULT_FACTORS, progress=seen.append)
    assert seen[-1].finished and seen[-1].files_done == 1 and seen[-1].bytes_done == f.stat().st_size
    assert seen[-1].rows_done is None and seen[-1].rows_per_second is None


def test_bar_shows_files_bytes_and_rows_per_second() -> None:
    out = StringIO()
    bar = ScanBar(Console(file=out, force_terminal=True, width=160, color_system=None), transient=False)
    bar.progress.start()
    # 3,000,000 rows in 2 s = 1.5M rows/s; 300,000,000 of 1,000,000,000 bytes (decimal units: MB, GB)
    bar(ScanProgress(3, 10, 300_000_000, 1_000_000_000, 3_000_000, 10_000_000, 2.0))
    bar.progress.stop()
    text = out.getvalue()
    assert "reading exports" in text
    assert "3/10 files" in text
    assert "300.0 MB/1.0 GB" in text
    assert "1.5M rows/s" in text


def _estimate(split: SplitDelivery, *extra: str) -> tuple[int, str, str]:
    res = runner.invoke(app, ["estimate", "-m", "2026-10", "-s", f"aws:{split.root}", "--no-record", *extra])
    return res.exit_code, res.stdout, res.stderr


def test_no_bar_when_stderr_is_not_a_terminal(split: SplitDelivery) -> None:
    code, out, err = _estimate(split)
    assert code == 0
    assert "reading exports" not in err and "files" not in err
    assert "reading exports" not in out


def test_bar_on_a_terminal_and_not_with_quiet_or_json(
    split: SplitDelivery, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_progress, "stderr_is_terminal", lambda: True)
    code, _, err = _estimate(split)
    assert code == 0 and "reading exports" in err and "3/3 files" in err  # the control: a terminal gets it
    code, _, err = _estimate(split, "--quiet")
    assert code == 0 and "reading exports" not in err
    code, out, err = _estimate(split, "--format", "json")
    assert code == 0 and "reading exports" not in err
    json.loads(out)  # stdout is the document alone


def test_engine_never_prints_its_own_progress_bar(
    split: SplitDelivery, capfd: pytest.CaptureFixture[str]
) -> None:
    with open_engine() as engine:
        settings = engine.con.sql(
            "SELECT current_setting('enable_progress_bar'), current_setting('enable_progress_bar_print')"
        ).fetchall()
    assert settings == [(False, False)]
    # with a progress callback the engine tracks its progress, and still prints nothing itself
    cc.estimate([f"aws:{split.root}"], "2026-10", factor_set=DEFAULT_FACTORS, progress=lambda p: None)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
