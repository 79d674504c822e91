"""A child process for the crash and concurrency tests: writes to a ledger, maybe killing itself.

Run as ``python ledger_child.py ROOT MODE LEDGER ...``. Only the ledger package is imported: a bare
``cloudcarbon`` package object stands in for ``cloudcarbon/__init__.py`` (which loads the whole
estimation engine), so that a child starts in a few tens of milliseconds and many can be killed
within the test's time budget.

Modes
-----
``write LEDGER MONTH I LINES KILL_AT TIMEOUT``
    Record ``big_run(MONTH, I, LINES)``. Prints ``ready`` just before writing. With ``KILL_AT > 0``
    the process sends itself SIGKILL at the KILL_AT-th SQLite progress callback (every 100 virtual
    machine instructions), i.e. at an arbitrary point inside the write. Exit code: the ledger error's.
``count LEDGER MONTH I LINES``
    Record the same run and print how many progress callbacks the write made (calibration).
``many LEDGER PREFIX N TIMEOUT``
    Record N runs of months PREFIX-01.. (open months), one transaction each, as fast as possible.
``hold LEDGER``
    Take the write lock (BEGIN IMMEDIATE), print ``locked``, wait for a line on stdin, release.
"""

from __future__ import annotations

import os
import signal
import sys
import types
from pathlib import Path

ROOT = Path(sys.argv[1])
pkg = types.ModuleType("cloudcarbon")
pkg.__path__ = [str(ROOT / "cloudcarbon")]
sys.modules["cloudcarbon"] = pkg
sys.path.insert(0, str(ROOT))

from cloudcarbon.ledger import Ledger, LedgerError  # noqa: E402
from tests.ledger.builders import big_run  # noqa: E402


def main() -> int:
    mode, path = sys.argv[2], Path(sys.argv[3])
    args = sys.argv[4:]
    if mode in ("write", "count"):
        month, i, lines = args[0], int(args[1]), int(args[2])
        kill_at = int(args[3]) if mode == "write" else 0
        timeout = float(args[4]) if mode == "write" else 5.0
        run = big_run(month, i, lines)
        try:
            ledger = Ledger(path, busy_timeout=timeout)
        except LedgerError as exc:
            print(exc, file=sys.stderr)
            return exc.exit_code
        calls = 0

        def progress() -> int:
            nonlocal calls
            calls += 1
            if calls == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return 0

        print("ready", flush=True)
        ledger._con.set_progress_handler(progress, 100)
        try:
            ledger.record(run)
        except LedgerError as exc:
            print(exc, file=sys.stderr)
            return exc.exit_code
        ledger._con.set_progress_handler(None, 0)
        if mode == "count":
            print(calls, flush=True)
        return 0
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
