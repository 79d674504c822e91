"""The wheel ships the factor sets, and an installed copy loads them without the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_contains_factors_and_loads_them(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("cloudcarbon-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = sorted(p.name for p in (ROOT / "factors" / "2026.11").iterdir())
    for name in shipped:
        assert f"cloudcarbon/_factors/2026.11/{name}" in names
    assert "cloudcarbon/py.typed" in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "import cloudcarbon, pathlib; fs = cloudcarbon.load_factor_set(); "
        "print(fs.version, fs.sha256, '_factors' in str(fs.path), pathlib.Path(cloudcarbon.__file__).parent)"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=tmp_path
    )
    version, sha, packaged, location = out.stdout.split()
    assert version == "2026.11" and len(sha) == 64 and packaged == "True"
    assert location.startswith(str(target))
