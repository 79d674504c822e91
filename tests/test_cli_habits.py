"""CLI habits: every command's help has an example, shell completion answers, ``--quiet`` silences
notices and warnings but not errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cloudcarbon.cli import app, main
from tests.conftest import cur_row, write_cur

runner = CliRunner()


def _leaves(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every leaf command under ``command`` (groups are walked, not listed by name)."""
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name, sub in subcommands.items():
            yield from _leaves(sub, (*path, name))
    else:
        yield path


LEAVES = sorted(_leaves(typer.main.get_command(app)))


def test_the_walk_finds_nested_commands() -> None:
    # a few known commands, top-level and nested, so the walk itself cannot silently find nothing
    assert {("estimate",), ("demo",), ("factors", "lookup"), ("baseline", "set")} <= set(LEAVES)
    assert all(path for path in LEAVES)  # no group counted as a leaf


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_command_help_has_an_example(path: tuple[str, ...]) -> None:
    res = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    # the rendered help, box-drawing and line breaks taken out
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", res.output).split())
    assert "Example" in text, f"cloudcarbon {' '.join(path)} --help shows no example"
    example = re.search(r"Example:? cloudcarbon " + re.escape(" ".join(path)) + r"(\s|$)", text)
    assert example, f"cloudcarbon {' '.join(path)} --help has no 'Example: cloudcarbon {' '.join(path)} ...'"


def _entry_point() -> list[str]:
    """The installed console script, else the same entry point run as ``cloudcarbon``."""
    script = shutil.which("cloudcarbon", path=str(Path(sys.executable).parent))
    if script is not None:
        return [script]
    return [
        sys.executable,
        "-c",
        "import sys; sys.argv[0] = 'cloudcarbon'; from cloudcarbon.cli import main; main()",
    ]


def _complete(shell: str, words: str, **extra: str) -> list[str]:
    """Ask the entry point for completions, as the shell's completion function does."""
    env = {**os.environ, "_CLOUDCARBON_COMPLETE": f"complete_{shell}", **extra}
    if shell == "bash":
        env |= {"COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
    else:
        env |= {"_TYPER_COMPLETE_ARGS": words}
    out = subprocess.run(_entry_point(), env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_bash_completion_of_commands_subcommands_and_options() -> None:
    assert _complete("bash", "cloudcarbon est") == ["estimate"]
    assert _complete("bash", "cloudcarbon factors lo") == ["lookup"]
    assert _complete("bash", "cloudcarbon estimate --group") == ["--group-by"]
    assert _complete("bash", "cloudcarbon estimate --format j") == ["json"]
    assert set(_complete("bash", "cloudcarbon baseline re")) == {"rebase"}


def test_zsh_and_fish_completion() -> None:
    zsh = "\n".join(_complete("zsh", "cloudcarbon factors lo"))
    assert '"lookup"' in zsh and "show" not in zsh
    fish = _complete("fish", "cloudcarbon es", _TYPER_COMPLETE_FISH_ACTION="get-args")
    assert [line.split("\t")[0] for line in fish] == ["estimate"]


def test_root_help_offers_completion_install() -> None:
    res = runner.invoke(app, ["--help"], env={"COLUMNS": "100"})
    assert "--install-completion" in res.output and "--show-completion" in res.output


def _main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run the console entry point in-process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["cloudcarbon", *args])
    monkeypatch.setenv("COLUMNS", "120")
    with pytest.raises(SystemExit) as exit_:
        main()
    out = capsys.readouterr()
    return int(exit_.value.code or 0), out.out, out.err


@pytest.fixture
def bills(tmp_path: Path) -> tuple[str, str]:
    """A CUR (m5.large 24 h, 2.304 USD) and a byte-identical copy: reading both warns (read once)."""
    bill = write_cur(
        tmp_path / "cur.csv", [cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large")]
    )
    copy = tmp_path / "copy.csv"
    copy.write_bytes(bill.read_bytes())
    return f"aws:{bill}", f"aws:{copy}"


@pytest.mark.filterwarnings("always")  # warnings reach main()'s one-line printer, as for a user
def test_estimate_quiet(
    bills: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = (
        "estimate",
        "-m",
        "2026-10",
        "-s",
        bills[0],
        "-s",
        bills[1],
        "--ledger",
        str(tmp_path / "l.sqlite"),
    )
    code, quiet_out, quiet_err = _main(monkeypatch, capsys, *args, "--quiet")
    assert code == 0 and quiet_err == ""
    assert "Coverage USD: billed 2.30" in quiet_out  # the table itself is still printed (the copy read once)
    # without --quiet (and after a quiet run: nothing leaks) the notice and the warning are there
    code, out, err = _main(monkeypatch, capsys, *args)
    assert code == 0 and out == quiet_out
    assert "warning: " in err and "copy.csv: is a byte-identical copy" in err
    assert "recorded estimate of open month 2026-10" in err
    # -q is the short form
    assert _main(monkeypatch, capsys, *args, "-q")[2] == ""


def test_quiet_still_prints_errors(
    bills: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = tmp_path / "nowhere.csv"
    code, out, err = _main(monkeypatch, capsys, "estimate", "-q", "-m", "2026-10", "-s", f"aws:{missing}")
    assert code != 0 and out == ""
    assert err.startswith("error:") and "nowhere.csv" in err and len(err.strip().splitlines()) == 1
    # a usage error too
    code, _, err = _main(monkeypatch, capsys, "estimate", "-q", "-m", "2026-13", "-s", str(missing))
    assert code == 2 and err.startswith("error:") and "YYYY-MM" in err
    # a failed quiet command leaves nothing silenced behind it (same process: a notebook, a test)
    code, _, err = _main(monkeypatch, capsys, "estimate", "-m", "2026-10", "-s", bills[0])
    assert code == 0 and "recorded estimate of open month 2026-10" in err


def test_statement_and_close_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bill = write_cur(
        tmp_path / "cur.csv", [cur_row("BoxUsage:m5.large", 24, "2.304", "Hrs", instance="m5.large")]
    )
    ledger = ("--ledger", str(tmp_path / "l.sqlite"))
    assert _main(monkeypatch, capsys, "estimate", "-q", "-m", "2026-10", "-s", f"aws:{bill}", *ledger)[0] == 0
    code, _, err = _main(monkeypatch, capsys, "close", "-q", "-m", "2026-10", *ledger)
    assert code == 0 and err == ""
    args = ("statement", "-m", "2026-10", "-f", "json", *ledger)
    code, quiet_out, err = _main(monkeypatch, capsys, *args, "--evidence", str(tmp_path / "ev1"), "-q")
    assert code == 0 and err == "" and (tmp_path / "ev1").is_dir()
    code, out, err = _main(monkeypatch, capsys, *args, "--evidence", str(tmp_path / "ev2"))
    assert code == 0 and f"evidence pack for 2026-10 in {tmp_path / 'ev2'}/" in err, (out[:300], err)
    assert json.loads(out)["totals"] == json.loads(quiet_out)["totals"]  # --quiet changes stderr only


@pytest.mark.slow
def test_demo_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _main(monkeypatch, capsys, "demo", "-q", "--out", str(tmp_path / "demo"))
    assert code == 0 and err == ""  # the table alone; no "demo data for ..." notice
    assert "cloudcarbon estimate 2026-10" in out and "Coverage USD" in out
