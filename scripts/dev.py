#!/usr/bin/env python3
"""One-command set-up and run, needing nothing but Python 3.11+.

    python3 scripts/dev.py demo    # create .venv, install cloudcarbon, run the demo month
    python3 scripts/dev.py test    # create .venv, install cloudcarbon[dev], run the whole test suite
    python3 scripts/dev.py check   # ruff + mypy

The virtual environment lives in ``.venv`` at the repository root and is reused when present.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True)


def _ensure(extra: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be run by an older python3
        sys.exit(f"cloudcarbon needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    marker = VENV / f".installed-{extra or 'base'}"
    stamp = str((ROOT / "pyproject.toml").stat().st_mtime)
    if not marker.exists() or marker.read_text() != stamp:
        _run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        _run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f".[{extra}]" if extra else ".")
        marker.write_text(stamp)


def main(argv: list[str]) -> int:
    task = argv[0] if argv else "demo"
    rest = argv[1:]
    try:
        if task == "demo":
            _ensure("")
            _run(BIN / "cloudcarbon", "demo", *rest)
        elif task == "test":
            _ensure("dev")
            _run(BIN / "python", "-m", "pytest", *rest)
        elif task == "check":
            _ensure("dev")
            _run(BIN / "ruff", "check", "cloudcarbon", "tests", "scripts")
            _run(BIN / "mypy")
        else:
            print(__doc__)
            return 2
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
