"""Real processes killed with SIGKILL mid-write, and two real writers at once.

Every writer is a separate process. The concurrency tests start fresh interpreters
(``ledger_child.py``); the kill tests fork each writer from a small server process
(``ledger_child.py serve``), which spares the interpreter start-up so that many kills fit in about
half a minute. Half of the kills are sent by the server at a random moment after the writer said it
is about to open the ledger; in the other half the writer sends itself SIGKILL at a random SQLite
progress callback, so that points deep inside the transaction are hit for sure. After every kill
the ledger must verify and hold exactly what it held before the write, or exactly that plus the one
entry being written.
"""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cloudcarbon.ledger import Ledger
from cloudcarbon.ledger.schema import TABLES
from tests.ledger.builders import big_run

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

CHILD = Path(__file__).with_name("ledger_child.py")
ROOT = Path(__file__).resolve().parents[2]
LINES = 40  # lines per written run: 160 figure rows and their hashing, inside one transaction
KILLS = 56


def child(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-S", str(CHILD), str(ROOT), *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def dump(con: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in storage order."""
    out = {"entries": con.execute("SELECT * FROM entries ORDER BY seq").fetchall()}
    for t in TABLES:
        out[t.name] = con.execute(f"SELECT * FROM {t.name} ORDER BY rowid").fetchall()
    return out


def calibrate(path: Path, tmp: Path) -> tuple[int, float]:
    """Progress callbacks one write of the test's size makes, and seconds it takes (on a copy)."""
    copy = tmp / "calibrate.sqlite"
    shutil.copy(path, copy)
    start = time.monotonic()
    p = child("count", copy, "2026-01", 999, LINES)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    seconds = time.monotonic() - start
    with Ledger(copy) as ledger:
        ledger.verify()
    return int(out.split()[-1]), seconds / 4  # start-up and exit take most of a whole process's time


def test_sigkill_at_random_points_leaves_the_ledger_before_or_after(tmp_path: Path) -> None:
    rng = random.Random(20261201)
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.record(big_run("2026-01", 0, LINES))
        ledger.close("2026-01")  # 2026-01 writes are restatements; 2026-02 writes open-month estimates
        before = dump(ledger._con)
    calls, seconds = calibrate(path, tmp_path)
    server = child("serve")
    assert server.stdin is not None and server.stdout is not None
    kills = 0
    outcomes = {"before": 0, "after": 0}
    try:
        for i in range(1, 4 * KILLS):
            month = "2026-01" if i % 2 else "2026-02"
            if i % 4 < 2:  # the writer kills itself somewhere inside the write
                kill_at, delay = rng.randint(1, calls), -1.0
            else:  # the server kills it after a random delay
                kill_at, delay = 0, rng.uniform(0, seconds)
            server.stdin.write(f"write {path} {month} {i} {LINES} {kill_at} {delay:.6f}\n")
            server.stdin.flush()
            status = server.stdout.readline().split()
            assert status[0] == "exit", status
            killed = int(status[1]) == -signal.SIGKILL
            if not killed:
                assert int(status[1]) == 0, status
            kills += killed

            with Ledger(path) as ledger:
                ledger.verify()
                after = dump(ledger._con)
                n = len(before["entries"])
                if after == before:
                    assert killed, "a write that completed must have added its entry"
                    outcomes["before"] += 1
                else:
                    assert len(after["entries"]) == n + 1
                    for table, rows in after.items():
                        # the entry's sequence number is the first column of every table
                        assert [r for r in rows if r[0] <= n] == before[table], table
                        assert all(r[0] == n + 1 for r in rows if r[0] > n), table
                    assert ledger.current(month) == big_run(month, i, LINES)
                    outcomes["after"] += 1
            before = after
            if kills >= KILLS:
                break
    finally:
        server.communicate(timeout=60)
    assert kills >= 50, (kills, outcomes)


def test_sigkill_while_creating_the_ledger(tmp_path: Path) -> None:
    rng = random.Random(7)
    p = child("count", tmp_path / "probe.sqlite", "2026-03", 1, 5)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    calls = int(out.split()[-1])
    server = child("serve")
    assert server.stdin is not None and server.stdout is not None
    try:
        for k in range(12):
            path = tmp_path / f"new{k}.sqlite"
            server.stdin.write(f"write {path} 2026-03 1 5 {rng.randint(1, calls)} -1\n")
            server.stdin.flush()
            # a new file's creation takes the same steps each time, so KILL_AT <= calls always kills
            assert server.stdout.readline().split() == ["exit", str(-signal.SIGKILL)]
            with Ledger(path) as ledger:  # whatever was left, it opens (and migrates) cleanly
                report = ledger.verify()
                assert report.entries in (0, 1)
                if report.entries:
                    assert ledger.current("2026-03") == big_run("2026-03", 1, 5)
    finally:
        server.communicate(timeout=60)


def test_two_writers_at_once_both_land_in_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    Ledger(path).close_connection()
    a, b = child("many", path, "2027", 15, 60), child("many", path, "2028", 15, 60)
    for p in (a, b):
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with Ledger(path) as ledger:
        assert ledger.verify().entries == 30
        assert len(ledger.months()) == 24
        assert ledger.current("2027-03") == big_run("2027-03", 14, 20)  # k = 2, then k = 14 (latest)


def test_a_second_writer_waits_then_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.record(big_run("2026-05", 1, 3))
        head = ledger.head()
    holder = child("hold", path)
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "locked"

    impatient = child("write", path, "2026-05", 2, 3, 0, 0.5)
    _, err = impatient.communicate(timeout=60)
    assert impatient.returncode == 8
    assert "another cloudcarbon process is writing to this ledger" in err
    assert "Traceback" not in err

    patient = child("write", path, "2026-05", 3, 3, 0, 120)
    assert patient.stdout is not None
    assert patient.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    assert patient.poll() is None  # it cannot finish while the lock is held, and must not give up
    holder.stdin.write("\n")
    holder.stdin.flush()
    holder.communicate(timeout=60)
    _, err = patient.communicate(timeout=120)
    assert patient.returncode == 0, err
    with Ledger(path) as ledger:
        assert ledger.verify().entries == head[0] + 1
        assert ledger.current("2026-05") == big_run("2026-05", 3, 3)
