"""Build the demo exports ``cloudcarbon demo`` ships: one organisation, three months, every kind of source.

The months are those of :data:`cloudcarbon._demo.DEMO_MONTHS`. Every AWS month is delivered twice (a
preliminary delivery four days short of month end, then the final one the month manifest points at), so
the demo always holds a restated CUR month. All three CUR months sit under one report folder, as they do
in the S3 bucket.

The archive is a ``tar.xz`` whose members are sorted, dated 0 and owned by nobody, so the same generator
gives the same bytes. Members ending in ``.gz`` are stored decompressed (xz then shares what the two
deliveries of a month have in common) and gzipped again on extraction, with no name and mtime 0 as the
generator writes them.
"""

from __future__ import annotations

import gzip
import io
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .clouds import generate_azure_month, generate_focus_month, generate_gcp_month, generate_inventory
from .cur import generate_cur_month

__all__ = ["DemoMonth", "build_archive", "write_exports"]

#: month -> CUR seed (2026-10 keeps the generator's default seed, the month the README walks through)
MONTHS = {"2026-08": 5, "2026-09": 6, "2026-10": 7}
REPORT = "cloudcarbon-demo"


@dataclass(frozen=True)
class DemoMonth:
    """Exact billed totals of one demo month, per source (the CUR's: final delivery only)."""

    month: str
    aws: Decimal
    gcp: Decimal
    azure: Decimal
    focus: Decimal
    restated: bool

    @property
    def billed_cost(self) -> Decimal:
        return self.aws + self.gcp + self.azure + self.focus


def write_exports(out: Path) -> dict[str, DemoMonth]:
    """Write the three demo months' exports under ``out``; return each month's exact billed totals."""
    out.mkdir(parents=True, exist_ok=True)
    totals: dict[str, DemoMonth] = {}
    for month, seed in MONTHS.items():
        with tempfile.TemporaryDirectory() as tmp:
            cur = generate_cur_month(Path(tmp), month, seed=seed, report_name=REPORT)
            for period in cur.root.iterdir():  # one billing-period folder per month
                shutil.copytree(period, out / "aws-cur" / REPORT / period.name, dirs_exist_ok=True)
        totals[month] = DemoMonth(
            month=month,
            aws=cur.billed_cost,
            gcp=generate_gcp_month(out / "gcp", month).billed_cost,
            azure=generate_azure_month(out / "azure", month).billed_cost,
            focus=generate_focus_month(out / "focus", month).billed_cost,
            restated=bool(cur.stale_files),
        )
    generate_inventory(out / "inventory")
    return totals


def build_archive(archive: Path) -> dict[str, DemoMonth]:
    """Write the demo exports as the deterministic ``tar.xz`` the package ships; return the totals."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        totals = write_exports(root)
        archive.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, "w:xz", format=tarfile.PAX_FORMAT, preset=9) as tar:
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                data = path.read_bytes()
                if path.name.endswith(".gz"):
                    data = gzip.decompress(data)
                info = tarfile.TarInfo(path.relative_to(root).as_posix())
                info.size, info.mtime, info.mode = len(data), 0, 0o644
                tar.addfile(info, io.BytesIO(data))
    return totals
