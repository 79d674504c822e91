"""The wheel ships the factor sets and the demo data, and an installed copy works without the source tree."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tarfile
import tomllib
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
    from cloudcarbon.factors import SHIPPED_SHA256

    assert set(SHIPPED_SHA256) >= {"2026.11", "2026.12"}
    for release in SHIPPED_SHA256:  # every released set ships, the older ones too
        for name in sorted(p.name for p in (ROOT / "factors" / release).iterdir()):
            assert f"cloudcarbon/_factors/{release}/{name}" in names
    assert "cloudcarbon/py.typed" in names
    assert "cloudcarbon/_demo/exports.tar.xz" in names
    assert "cloudcarbon/config.schema.json" in names  # the published JSON Schema of cloudcarbon.toml
    assert "cloudcarbon/_docs/method.md" in names  # the method document factor rows and lookup cite
    # the synthetic generators (numpy, benchmarks) stay out of the installed package
    assert not [n for n in names if "synth" in n]
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
    # the default is the newest released set (2026.12.1: the whole-server power boundary, declared grid
    # boundaries, market-based and water factors)
    assert version == max(SHIPPED_SHA256) == "2026.12.1" and sha == SHIPPED_SHA256[version]
    assert packaged == "True"
    assert location.startswith(str(target))


def test_shipped_demo_archive_is_what_the_generators_write(tmp_path: Path) -> None:
    from scripts.synth.demo import write_exports

    write_exports(tmp_path)
    expected = {p.relative_to(tmp_path).as_posix(): p for p in tmp_path.rglob("*") if p.is_file()}
    with tarfile.open(ROOT / "cloudcarbon" / "_demo" / "exports.tar.xz") as tar:
        members = {m.name: m for m in tar}
        assert set(members) == set(expected)
        for name, path in expected.items():
            member = tar.extractfile(members[name])
            assert member is not None
            data = path.read_bytes()
            assert member.read() == (gzip.decompress(data) if name.endswith(".gz") else data), name
    # three months; each CUR month has its final delivery, a restated preliminary one and the month manifest
    cur = [n for n in expected if n.startswith("aws-cur/") and n.endswith(".csv.gz")]
    assert len(cur) == 6


def test_demo_runs_without_numpy(tmp_path: Path) -> None:
    """``cloudcarbon demo`` on a machine without numpy: any import of it fails in this child process."""
    code = (
        "import sys; sys.modules['numpy'] = None; "
        "from cloudcarbon.cli import main; "
        "sys.argv = ['cloudcarbon', 'demo', '--out', 'd', '-f', 'json']; main()"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert res.returncode == 0, res.stderr
    assert '"month": "2026-10"' in res.stdout
    assert (tmp_path / "d" / "focus" / "focus-2026-08.csv").is_file()


def test_lowest_constraints_pin_every_base_dependency_to_its_floor(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from lowest import constraints
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    toml = tmp_path / "pyproject.toml"
    toml.write_text(
        '[project]\ndependencies = ["polars>=1.2.3", "rich[jupyter] >= 13.7", "typer>=0.16,<1", '
        "\"pyarrow>=18; python_version >= '3.11'\"]\n"
    )
    assert constraints(toml) == ["polars==1.2.3", "rich==13.7", "typer==0.16", "pyarrow==18"]
    toml.write_text('[project]\ndependencies = ["polars"]\n')
    with pytest.raises(ValueError, match="'polars' has no '>=' floor"):
        constraints(toml)
    # the real file: one pin per declared base dependency, then the spark extra's (its tests run in CI)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["spark"]]
    assert [c.split("==")[0] for c in constraints()] == [
        d.split(">=")[0].split("[")[0].strip() for d in declared
    ]
    assert "pyspark==4.3.0" in constraints() and "sqlglot==30.31.0" in constraints()


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("CLOUDCARBON_SMOKE_DONE") == "1", reason=".ci/run ran scripts/ci_smoke.py as its own stage"
)
def test_wheel_in_an_empty_venv_with_base_dependencies_only() -> None:
    """scripts/ci_smoke.py: build, install with base dependencies only, demo, estimate, usage errors."""
    res = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "ci_smoke.py")],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
    assert "smoke test passed" in res.stdout and "FAIL" not in res.stdout
