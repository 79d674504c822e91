#!/usr/bin/env python3
"""One-command set-up and run, needing nothing but Python 3.11+.

    python3 scripts/dev.py demo          # create .venv, install cloudcarbon, run the demo month
    python3 scripts/dev.py test          # create .venv, install cloudcarbon[dev], run the whole test suite
    python3 scripts/dev.py check         # ruff + mypy + deptry (every import in the package is declared)
    python3 scripts/dev.py smoke         # build the wheel, install it with base dependencies only, run it
    python3 scripts/dev.py test-lowest   # the test suite in .venv-lowest, base dependencies at their floors

Extra arguments go to the command run (``demo --month 2026-09``, ``test -q -x``). The tests run on one
pytest-xdist worker per core unless ``-n`` is given (``test -n 0`` runs them in one process). The virtual
environments live at the repository root and are reused when present; they are refreshed when
pyproject.toml changes. ``test`` and ``test-lowest`` also create ``.venv-mlflow`` (the full ``mlflow``
package, whose ``mlflow server`` the MLflow tests start on loopback) when it is missing, and install
Cloud Carbon Footprint's npm packages (the ``--method ccf`` oracle, tests/ccf_oracle) into
``.cache/ccf-oracle`` with ``npm ci`` when its lockfile changed, and transpile CCF's vendored GCP
sources (tests/ccf_oracle/gcp) into ``.cache/ccf-oracle/gcp-dist`` when they changed
(``CLOUDCARBON_SKIP_CCF_ORACLE=1`` skips both the install and those tests; without npm they fail).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
LOWEST_VENV = ROOT / ".venv-lowest"
#: The full ``mlflow`` package (it provides ``mlflow server`` for tests/tracking) in a venv of its own:
#: it pins other versions of pyarrow and friends than cloudcarbon's, so it never enters .venv.
MLFLOW_VENV = ROOT / ".venv-mlflow"
MLFLOW_SERVER = "mlflow>=3.1,<4"
#: Cloud Carbon Footprint's npm packages, the ``--method ccf`` test oracle (tests/ccf_oracle/package.json
#: and its lockfile), installed here once; tests/ccf_oracle/harness.py reads the same folder.
CCF_ORACLE_SRC = ROOT / "tests" / "ccf_oracle"
CCF_ORACLE_CACHE = ROOT / ".cache" / "ccf-oracle"

#: pytest's exit code when it collected no test at all.
NO_TESTS_COLLECTED = 5


def _bin(env: Path) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin")


def _run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True, stdin=subprocess.DEVNULL)


def _ensure(extra: str, env: Path = VENV, constraints: list[str] | None = None) -> Path:
    """Create ``env`` if needed and install cloudcarbon (with ``extra``) into it; return its bin folder."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be run by an older python3
        sys.exit(f"cloudcarbon needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    bin_dir = _bin(env)
    if not (bin_dir / "python").exists():
        print(f"creating {env}", flush=True)
        venv.EnvBuilder(with_pip=True).create(env)
    marker = env / f".installed-{extra or 'base'}"
    stamp = str((ROOT / "pyproject.toml").stat().st_mtime)
    if not marker.exists() or marker.read_text() != stamp:
        pip = [bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        _run(*pip, "--upgrade", "pip")
        pins: list[str | Path] = []
        if constraints is not None:
            file = env / "constraints.txt"
            file.write_text("\n".join(constraints) + "\n", encoding="utf-8")
            print(f"pinning {', '.join(constraints)}", flush=True)
            pins = ["--constraint", file]
        _run(*pip, *pins, "-e", f".[{extra}]" if extra else ".")
        marker.write_text(stamp)
    return bin_dir


def _mlflow_server() -> None:
    """Create .venv-mlflow with the full mlflow package when missing; tell the tests where it is."""
    exe = _bin(MLFLOW_VENV) / "mlflow"
    marker = MLFLOW_VENV / ".installed"
    if not exe.exists() or not marker.exists() or marker.read_text() != MLFLOW_SERVER:
        print(f"creating {MLFLOW_VENV} (the MLflow tracking server the tests start)", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(MLFLOW_VENV)
        pip = [_bin(MLFLOW_VENV) / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        _run(*pip, MLFLOW_SERVER)
        marker.write_text(MLFLOW_SERVER)
    os.environ["CLOUDCARBON_TEST_MLFLOW"] = str(exe)


def _ccf_oracle() -> None:
    """``npm ci`` CCF's pinned packages into .cache/ccf-oracle when the lockfile there is not installed."""
    if os.environ.get("CLOUDCARBON_SKIP_CCF_ORACLE") == "1":
        return
    lock = (CCF_ORACLE_SRC / "package-lock.json").read_text(encoding="utf-8")
    marker = CCF_ORACLE_CACHE / ".installed"
    if marker.exists() and marker.read_text(encoding="utf-8") == lock:
        _ccf_oracle_gcp()
        return
    npm = shutil.which("npm")
    if npm is None:
        print("note: npm is missing; the CCF oracle tests (tests/test_ccf_oracle.py) will fail", flush=True)
        return
    print(f"installing Cloud Carbon Footprint's npm packages into {CCF_ORACLE_CACHE}", flush=True)
    CCF_ORACLE_CACHE.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(CCF_ORACLE_SRC / name, CCF_ORACLE_CACHE / name)
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
        cwd=CCF_ORACLE_CACHE,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    marker.write_text(lock, encoding="utf-8")
    _ccf_oracle_gcp()


def _ccf_oracle_gcp() -> None:
    """Transpile CCF's vendored GCP sources (tests/ccf_oracle/gcp, not on npm) into .cache/ccf-oracle/gcp-dist
    with the pinned typescript, as tests/ccf_oracle/harness.py does (same module, same marker)."""
    if shutil.which("node") is None:
        return
    spec = importlib.util.spec_from_file_location("ccf_gcp_build", CCF_ORACLE_SRC / "gcp_build.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.build_gcp(CCF_ORACLE_CACHE)


def _system_deps() -> None:
    """Debian's Chromium for the headless HTML statement tests, node and npm for the CCF oracle tests
    (installed only when missing)."""
    if shutil.which("chromium") and shutil.which("chromedriver") and shutil.which("npm"):
        return
    if not shutil.which("apt-get"):
        print(
            "note: chromium or npm is missing and apt-get is not available; the HTML tests or the CCF oracle"
            " tests will fail",
            flush=True,
        )
        return
    _run("sh", ROOT / "scripts" / "ci_deps.sh")


def _workers(rest: list[str]) -> list[str]:
    """``-n auto`` (pytest-xdist: one worker per core) unless the caller chose ``-n``/``-p no:xdist``."""
    chosen = any(a.startswith(("-n", "--numprocesses")) or a == "no:xdist" for a in rest)
    return [] if chosen else ["-n", "auto"]


def _pytest(bin_dir: Path, rest: list[str]) -> None:
    _system_deps()
    _mlflow_server()
    _ccf_oracle()
    try:
        _run(bin_dir / "python", "-m", "pytest", *_workers(rest), *rest)
    except subprocess.CalledProcessError as exc:
        if exc.returncode == NO_TESTS_COLLECTED:
            print("error: pytest collected no tests; check the test paths and -k / -m filters", flush=True)
        raise


def main(argv: list[str]) -> int:
    task = argv[0] if argv else "demo"
    rest = argv[1:]
    try:
        if task == "demo":
            bin_dir = _ensure("")
            _run(bin_dir / "cloudcarbon", "demo", *rest)
        elif task == "test":
            _pytest(_ensure("dev"), rest)
        elif task == "test-lowest":
            sys.path.insert(0, str(ROOT / "scripts"))
            from lowest import constraints

            _pytest(_ensure("dev", LOWEST_VENV, constraints()), rest)
        elif task == "check":
            bin_dir = _ensure("dev")
            _run(bin_dir / "ruff", "check", "cloudcarbon", "tests", "scripts")
            _run(bin_dir / "mypy")
            _run(bin_dir / "deptry", "cloudcarbon")
        elif task == "smoke":
            bin_dir = _ensure("dev")
            _run(bin_dir / "python", ROOT / "scripts" / "ci_smoke.py", *rest)
        else:
            print(__doc__)
            return 2
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
