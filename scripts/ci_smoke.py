#!/usr/bin/env python3
"""Install the wheel into an empty venv with base dependencies only and run the commands a new user runs.

    python3 scripts/ci_smoke.py [--wheel PATH]

Builds the wheel (unless ``--wheel`` is given), creates a fresh virtual environment, installs the wheel
with its declared dependencies only (no extras, no dev tools), then, from an empty folder, runs:

* ``cloudcarbon --version`` and ``cloudcarbon demo``: exit 0;
* ``cloudcarbon estimate`` on an Azure export the package ships (written by the demo): exit 0, JSON out;
* usage errors (a missing option, an unknown option, an unknown output format, a malformed month,
  a repeated month): exit 2 and one line on stderr.

No output may hold a traceback. Exits 0 when every check passes, 1 otherwise (listing what failed).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_wheel(dest: Path) -> Path:
    """Build cloudcarbon's wheel into ``dest`` (without build isolation when hatchling is at hand)."""
    isolation = [] if importlib.util.find_spec("hatchling") is None else ["--no-build-isolation"]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-q", "-w", str(dest), str(ROOT)],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    (wheel,) = dest.glob("cloudcarbon-*.whl")
    return wheel


def install(wheel: Path, env_dir: Path) -> Path:
    """A new venv at ``env_dir`` holding ``wheel`` and its base dependencies; returns its bin folder."""
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run(
        [bin_dir / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return bin_dir


class Smoke:
    """Runs the installed console script and records each check that fails."""

    def __init__(self, exe: Path, cwd: Path) -> None:
        self.exe, self.cwd = exe, cwd
        self.failures: list[str] = []

    def run(self, *args: str, code: int, one_line_error: bool = False) -> subprocess.CompletedProcess[str]:
        res = subprocess.run(
            [str(self.exe), *args],
            cwd=self.cwd,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            # estimates record in a ledger: one in the smoke folder, never the user's own
            env={**os.environ, "COLUMNS": "120", "CLOUDCARBON_LEDGER": str(self.cwd / "ledger.sqlite")},
        )
        label = "cloudcarbon " + " ".join(args)
        ok = res.returncode == code and "Traceback" not in res.stdout + res.stderr
        if one_line_error:
            ok = ok and len(res.stderr.strip().splitlines()) == 1 and res.stderr.startswith("error: ")
        status = "ok  " if ok else "FAIL"
        print(f"{status} {label} -> exit {res.returncode} (expected {code})", flush=True)
        if not ok:
            self.failures.append(label)
            print(f"     stdout: {res.stdout[-2000:]}\n     stderr: {res.stderr[-2000:]}", flush=True)
        return res

    def check(self, label: str, condition: bool) -> None:
        print(f"{'ok  ' if condition else 'FAIL'} {label}", flush=True)
        if not condition:
            self.failures.append(label)


def smoke(bin_dir: Path, work: Path) -> list[str]:
    """Run every check with the ``cloudcarbon`` of ``bin_dir`` in the empty folder ``work``."""
    s = Smoke(bin_dir / ("cloudcarbon.exe" if os.name == "nt" else "cloudcarbon"), work)
    s.run("--version", code=0)
    demo = s.run("demo", "--out", "demo-data", code=0)
    s.check("demo prints a total for 2026-10", "Total" in demo.stdout and "2026-10" in demo.stderr)
    shipped = "demo-data/azure/azure-cost-2026-10-actual.csv"
    res = s.run("estimate", "--month", "2026-10", "--source", f"azure:{shipped}", "--format", "json", code=0)
    try:
        doc = json.loads(res.stdout)
        s.check("estimate JSON names the month", doc.get("month") == "2026-10")
    except json.JSONDecodeError:
        s.check("estimate prints JSON", False)
    s.run("estimate", code=2, one_line_error=True)
    s.run(
        "estimate", "--month", "2026-10", "--source", shipped, "--no-such-option", code=2, one_line_error=True
    )
    s.run(
        "estimate", "--month", "2026-10", "--source", shipped, "--format", "yaml", code=2, one_line_error=True
    )
    s.run("no-such-command", code=2, one_line_error=True)
    s.run("estimate", "--month", "2026-1", "--source", shipped, code=2, one_line_error=True)
    s.run("estimate", "-m", "2026-09", "-m", "2026-10", "--source", shipped, code=2, one_line_error=True)
    return s.failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="use this wheel instead of building one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cloudcarbon-smoke-") as tmp:
        root = Path(tmp)
        wheel = args.wheel.resolve() if args.wheel else build_wheel(root / "dist")
        print(f"wheel: {wheel.name}", flush=True)
        bin_dir = install(wheel, root / "venv")
        work = root / "work"
        work.mkdir()
        failures = smoke(bin_dir, work)
    if failures:
        print(f"smoke test FAILED: {len(failures)} check(s): {'; '.join(failures)}", file=sys.stderr)
        return 1
    print("smoke test passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
