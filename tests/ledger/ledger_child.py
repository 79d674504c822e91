"""A child process for the crash and concurrency tests: writes to a ledger, maybe killing itself.

Run as ``python ledger_child.py ROOT MODE LEDGER ...``. Only the ledger package is imported: a bare
``cloudcarbon`` package object stands in for ``cloudcarbon/__init__.py`` (which loads the whole
estimation engine), so that a child starts in a few tens of milliseconds and many can be killed
within the test's time budget.

Modes
-----
``write LEDGER MONTH I LINES KILL_AT TIMEOUT``
    Open the ledger and record ``big_run(MONTH, I, LINES)``. Prints ``ready`` just before opening.
    With ``KILL_AT > 0`` the process sends itself SIGKILL at the KILL_AT-th SQLite progress callback
    (every 100 virtual machine instructions, from the connection's first statement: creating and
    migrating the file, then the write). Exit code: 0, or the ledger error's.
``count LEDGER MONTH I LINES``
    Open and record the same way, and print how many progress callbacks that made (calibration).
``serve``
    Fork a writer per ``write`` command read from stdin (see :func:`serve`): forking from this small
    process spares the interpreter start-up per kill, so many kills fit in the time budget.
``many LEDGER PREFIX N TIMEOUT``
    Record N runs of months PREFIX-01.. (open months), one transaction each, as fast as possible.
``hold LEDGER``
    Take the write lock (BEGIN IMMEDIATE), print ``locked``, wait for a line on stdin, release.
"""

from __future__ import annotations

import functools
import os
import signal
import sqlite3
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(sys.argv[1])
pkg = types.ModuleType("cloudcarbon")
pkg.__path__ = [str(ROOT / "cloudcarbon")]
sys.modules["cloudcarbon"] = pkg
sys.path.insert(0, str(ROOT))

from cloudcarbon.ledger import Ledger, LedgerError  # noqa: E402
from tests.ledger.builders import big_run  # noqa: E402


def write_once(
    path: Path, month: str, i: int, lines: int, kill_at: int, timeout: float, ready: Callable[[], object]
) -> int:
    """Open and record ``big_run(month, i, lines)``; SIGKILL self at the ``kill_at``-th progress callback."""
    run = big_run(month, i, lines)
    calls = 0

    def progress() -> int:
        nonlocal calls
        calls += 1
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return 0

    real_connect = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        con = real_connect(*args, **kwargs)
        con.set_progress_handler(progress, 100)  # from the very first statement: open and migrations too
        return con

    sqlite3.connect = connect  # type: ignore[assignment]
    try:
        ready()
        with Ledger(path, busy_timeout=timeout) as ledger:
            ledger.record(run)
    except LedgerError as exc:
        os.write(2, f"{exc}\n".encode())
        return exc.exit_code
    finally:
        sqlite3.connect = real_connect
    if kill_at < 0:
        print(calls, flush=True)
    return 0


def serve() -> int:
    """Fork one writer per command line read from stdin; report its exit code (``-9``: SIGKILL).

    ``write LEDGER MONTH I LINES KILL_AT DELAY``: the forked child records the run (killing itself at
    KILL_AT when > 0); with ``DELAY >= 0`` this process sends it SIGKILL DELAY seconds after it said it
    is about to write. The child is only reaped afterwards, so its pid cannot have been reused.
    """
    for line in sys.stdin:
        _, path, month, i, lines, kill_at, delay = line.split()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            code = write_once(
                Path(path),
                month,
                int(i),
                int(lines),
                int(kill_at),
                30.0,
                functools.partial(os.write, w, b"r"),
            )
            os._exit(code)
        os.close(w)
        os.read(r, 1)  # the child is about to write (or died before)
        os.close(r)
        if float(delay) >= 0:
            time.sleep(float(delay))
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        print(f"exit {os.waitstatus_to_exitcode(status)}", flush=True)
    return 0


def main() -> int:
    mode, path = sys.argv[2], Path(sys.argv[3]) if len(sys.argv) > 3 else Path()
    args = sys.argv[4:]
    if mode == "serve":
        return serve()
    if mode in ("write", "count"):
        month, i, lines = args[0], int(args[1]), int(args[2])
        kill_at = int(args[3]) if mode == "write" else -1
        timeout = float(args[4]) if mode == "write" else 5.0
        return write_once(path, month, i, lines, kill_at, timeout, lambda: print("ready", flush=True))
    if mode == "many":
        prefix, n, timeout = args[0], int(args[1]), float(args[2])
        with Ledger(path, busy_timeout=timeout) as ledger:
            for k in range(n):
                ledger.record(big_run(f"{prefix}-{k % 12 + 1:02d}", k, 20))
        return 0
    if mode == "hold":
        with Ledger(path) as ledger:
            ledger._con.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            sys.stdin.readline()
            ledger._con.execute("ROLLBACK")
        return 0
    raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    sys.exit(main())
