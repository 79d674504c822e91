"""Transpile the vendored CCF GCP sources (``gcp/``) into ``<cache>/gcp-dist`` (standard library only).

Shared by tests/ccf_oracle/harness.py and scripts/dev.py (which loads this file by path, before the
virtual environment exists). The build is redone only when ``build_gcp.js``, the lockfile or a vendored
source changed (``<cache>/.gcp-built`` holds their digest).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent

__all__ = ["build_gcp", "digest"]


def digest() -> str:
    h = hashlib.sha256()
    for f in sorted(
        [HERE / "build_gcp.js", HERE / "package-lock.json", *(HERE / "gcp" / "src").rglob("*.ts")]
    ):
        h.update(f.relative_to(HERE).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def build_gcp(cache: Path, node: str | None = None) -> Path:
    """``node build_gcp.js`` into ``cache/gcp-dist`` unless it was built from these sources already."""
    out, marker, want = cache / "gcp-dist", cache / ".gcp-built", digest()
    if marker.exists() and marker.read_text(encoding="utf-8") == want and out.is_dir():
        return out
    node = node or shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH: the CCF oracle's GCP sources cannot be transpiled")
    tmp = cache / "gcp-dist.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run(
        [node, str(HERE / "build_gcp.js"), str(cache / "node_modules"), str(tmp)],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    marker.write_text(want, encoding="utf-8")
    return out
