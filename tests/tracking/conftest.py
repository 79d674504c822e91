"""A real MLflow tracking server on loopback (SQLite backend, artifacts served by the server).

The server is ``mlflow server`` from the full ``mlflow`` package, which lives in its own venv
(``.venv-mlflow`` at the repository root, created by ``python3 scripts/dev.py test``) because it pins
other versions of shared libraries than cloudcarbon's. ``CLOUDCARBON_TEST_MLFLOW`` may name another
``mlflow`` executable, and ``CLOUDCARBON_TEST_MLFLOW_URI`` a server already running (each test makes its
own experiment, so a server's earlier data does not disturb them). When no server can be started the
tests fail: they are never skipped.

Under pytest-xdist the workers share one server: the first worker to need it starts it (under a file
lock, in the run's shared temporary folder), each worker registers as a user, and the last one to finish
stops it.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MLFLOW_ENV = "CLOUDCARBON_TEST_MLFLOW"
#: A tracking server already running (its data is left behind): for quick runs while developing.
MLFLOW_URI_ENV = "CLOUDCARBON_TEST_MLFLOW_URI"
#: How long the server may take to answer /health (a cold start on a busy machine takes a minute).
START_DEADLINE_S = 240.0
#: Servers this process started, kept so that they are waited for (not garbage-collected running).
_STARTED: dict[int, subprocess.Popen[bytes]] = {}


def mlflow_executable() -> Path:
    """The ``mlflow`` executable that serves the tests: ``$CLOUDCARBON_TEST_MLFLOW`` or .venv-mlflow's."""
    given = os.environ.get(MLFLOW_ENV)
    if given:
        return Path(given)
    return ROOT / ".venv-mlflow" / ("Scripts" if os.name == "nt" else "bin") / "mlflow"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _healthy(uri: str) -> bool:
    try:
        with urllib.request.urlopen(uri + "/health", timeout=5) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _start(exe: Path, folder: Path) -> tuple[int, str]:
    """Start ``mlflow server`` in its own session; return its pid and URI once /health answers."""
    if not exe.exists():
        pytest.fail(
            f"no MLflow server executable at {exe}: run 'python3 scripts/dev.py test' (which creates "
            f".venv-mlflow), or 'python3 -m venv .venv-mlflow && .venv-mlflow/bin/pip install mlflow', "
            f"or set {MLFLOW_ENV} to an mlflow executable"
        )
    last_log = ""
    for _attempt in range(3):  # another process may take the free port before the server binds it
        port = _free_port()
        uri = f"http://127.0.0.1:{port}"
        log = folder / f"server-{port}.log"
        cmd = [
            str(exe),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--backend-store-uri",
            f"sqlite:///{folder / 'mlflow.db'}",
            "--artifacts-destination",
            str(folder / "artifacts"),
        ]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        _STARTED[proc.pid] = proc
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            if _healthy(uri):
                return proc.pid, uri
            if proc.poll() is not None:
                break
            time.sleep(0.5)
        else:
            _stop(proc.pid)
            pytest.fail(f"mlflow server did not answer {uri}/health in {START_DEADLINE_S:.0f} s; see {log}")
        last_log = log.read_text(encoding="utf-8", errors="replace")[-2000:]
    pytest.fail(f"mlflow server ({exe}) exited at start-up; its log ends:\n{last_log}")


def _stop(pid: int) -> None:
    """Stop the server's session (the server and the web workers it started)."""
    proc = _STARTED.pop(pid, None)
    with suppress(OSError):
        os.killpg(pid, signal.SIGTERM)
    if proc is not None:  # started here: wait for it (and reap it)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(pid, signal.SIGKILL)
            proc.wait()
        return
    for _ in range(200):  # started by another xdist worker
        if not _alive(pid):
            return
        time.sleep(0.1)
    with suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URI of a running MLflow tracking server (shared by the xdist workers of this run)."""
    running = os.environ.get(MLFLOW_URI_ENV)
    if running:
        if not _healthy(running):
            pytest.fail(f"{MLFLOW_URI_ENV}={running} does not answer /health")
        yield running
        return
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "mlflow-server"
    folder.mkdir(exist_ok=True)
    state = folder / "state.json"
    with _locked(folder / "lock"):
        info = json.loads(state.read_text()) if state.exists() else None
        if info is None or not _alive(info["pid"]) or not _healthy(info["uri"]):
            pid, uri = _start(mlflow_executable(), folder)
            info = {"pid": pid, "uri": uri, "users": 0}
        info["users"] += 1
        state.write_text(json.dumps(info))
    try:
        yield str(info["uri"])
    finally:
        with _locked(folder / "lock"):
            info = json.loads(state.read_text())
            info["users"] -= 1
            if info["users"] <= 0:
                _stop(info["pid"])
                state.unlink()
            else:
                state.write_text(json.dumps(info))
