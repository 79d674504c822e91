"""Running Debian's headless Chromium on a file (no browser download; see scripts/ci_deps.sh)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

INSTALL = (
    "Chromium is needed for the HTML statement tests and is not installed: run `scripts/ci_deps.sh` "
    "(as root: apt-get install -y chromium chromium-driver)."
)


def chromium() -> str:
    """Path of the chromium binary; a missing browser FAILS the test (never skips it)."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(INSTALL)


@dataclass
class Run:
    stdout: str
    stderr: str

    @property
    def console(self) -> list[str]:
        """Messages the page wrote to the console (errors, CSP refusals, uncaught exceptions)."""
        return [ln for ln in self.stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]


def run(page: Path, profile: Path, *args: str) -> Run:
    """Open ``page`` in headless Chromium with its own profile directory and console logging on."""
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
        page.resolve().as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"chromium exited {proc.returncode}: {proc.stderr[-2000:]}")
    return Run(proc.stdout, proc.stderr)


def artifacts(tmp_path: Path) -> Path:
    """Where screenshots are kept: $CLOUDCARBON_TEST_ARTIFACTS if set, else the test's tmp_path."""
    target = Path(os.environ.get("CLOUDCARBON_TEST_ARTIFACTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target
