"""Rebuild the demo exports shipped in ``cloudcarbon/_demo/exports.tar.xz`` from ``scripts/synth``.

    python scripts/build_demo.py

Run it after changing a generator; ``tests/test_package.py`` checks the shipped archive matches.
"""

from __future__ import annotations

import sys
from pathlib import Path

from synth.demo import build_archive

ARCHIVE = Path(__file__).resolve().parent.parent / "cloudcarbon" / "_demo" / "exports.tar.xz"


def main() -> int:
    totals = build_archive(ARCHIVE)
    for t in totals.values():
        print(f"{t.month}: billed {t.billed_cost} (restated CUR: {t.restated})")
    print(f"wrote {ARCHIVE} ({ARCHIVE.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
