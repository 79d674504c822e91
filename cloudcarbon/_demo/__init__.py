"""The demo organisation's billing exports, shipped with the package: `cloudcarbon demo` needs no more.

``exports.tar.xz`` holds three months (:data:`DEMO_MONTHS`) of AWS CUR (every month with a restated,
preliminary delivery next to the final one), GCP, Azure and FOCUS exports and an on-premises inventory.
It is built by ``scripts/build_demo.py`` from the synthetic generators in ``scripts/synth``; members
ending in ``.gz`` are stored decompressed and gzipped again here.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from importlib import resources
from pathlib import Path, PurePosixPath

__all__ = ["DEMO_CONFIG", "DEMO_MONTHS", "DEMO_PROVIDER_UNITS", "DEMO_REQUESTS", "demo_sources", "write_demo"]

#: The months the demo holds; ``cloudcarbon demo`` estimates the last one unless told otherwise.
DEMO_MONTHS: tuple[str, ...] = ("2026-08", "2026-09", "2026-10")

#: The configuration written next to the demo data.
DEMO_CONFIG = """\
# cloudcarbon demo configuration
[projects]
# AWS tags are user:<key>; GCP labels and Azure / FOCUS tags are plain keys
rules = [
  { tag = "user:project" },
  { tag = "project" },
]
unmatched = "unallocated"

[utilisation]
overrides = [
  { stage = "training", accelerator = 0.85 },   # training fleets run accelerators near TDP
  { stage = "inference", accelerator = 0.3 },   # inference fleets far below
]

[ai]
stages = [
  { tag = "user:stage" },                       # the tag's value names the stage
  { tag = "stage" },
  { project = "data-lake", stage = "data_processing" },
  { project = "analytics", stage = "data_processing" },
  { project = "vision-train", stage = "training" },
]
run_tag = ["user:run", "run"]
requests = "requests.csv"                       # requests per project and month (functional units)
functional_unit = "inference request"
provider_units = "provider_units.csv"           # SCI for AI provider functional units per project
"""

#: Request counts per serving project and demo month.
DEMO_REQUESTS = """\
project,month,requests
ml-platform,2026-08,38200000
recsys-serving,2026-08,871000000
llm-chat,2026-08,9400000
acme-vision,2026-08,2900000
ml-platform,2026-09,40100000
recsys-serving,2026-09,902000000
llm-chat,2026-09,11100000
acme-vision,2026-09,3000000
ml-platform,2026-10,41800000
recsys-serving,2026-10,930000000
llm-chat,2026-10,12500000
acme-vision,2026-10,3100000
"""

#: Provider functional units (SCI for AI, provider boundary) per training project and demo month: the
#: vision model trained in ``vision-train`` has 0.3 billion parameters.
DEMO_PROVIDER_UNITS = """\
project,month,unit,quantity
vision-train,2026-08,billion_parameters,0.3
vision-train,2026-09,billion_parameters,0.3
vision-train,2026-10,billion_parameters,0.3
"""

_ARCHIVE = "exports.tar.xz"
_REPORT = "cloudcarbon-demo"


def demo_sources(root: Path, month: str) -> list[str]:
    """The ``--source`` values that make up one demo month under ``root``."""
    return [
        f"aws:{root / 'aws-cur' / _REPORT}",
        f"gcp:{root / 'gcp' / f'gcp-billing-{month}.jsonl'}",
        f"azure:{root / 'azure' / f'azure-cost-{month}-actual.csv'}",
        f"focus:{root / 'focus' / f'focus-{month}.csv'}",
        f"inventory:{root / 'inventory' / 'servers.toml'}",
    ]


def _extract(out: Path) -> None:
    with resources.files(__name__).joinpath(_ARCHIVE).open("rb") as raw, tarfile.open(fileobj=raw) as tar:
        for member in tar:
            parts = PurePosixPath(member.name).parts
            if not member.isfile() or member.name.startswith("/") or ".." in parts:
                raise ValueError(f"unexpected member {member.name!r} in the shipped demo archive")
            src = tar.extractfile(member)
            assert src is not None  # a regular file always has content
            data = src.read()
            if member.name.endswith(".gz"):  # as the generator writes them: no name, mtime 0, level 9
                buf = io.BytesIO()
                with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
                    gz.write(data)
                data = buf.getvalue()
            target = out.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def write_demo(out: Path, month: str = DEMO_MONTHS[-1]) -> tuple[list[str], Path]:
    """Write the demo exports, configuration and request counts under ``out``.

    Returns the sources of ``month`` (one of :data:`DEMO_MONTHS`) and the configuration's path.
    """
    if month not in DEMO_MONTHS:
        raise ValueError(f"the demo holds {', '.join(DEMO_MONTHS)}, not {month!r}")
    out.mkdir(parents=True, exist_ok=True)
    _extract(out)
    config_path = out / "cloudcarbon.toml"
    config_path.write_text(DEMO_CONFIG, encoding="utf-8")
    (out / "requests.csv").write_text(DEMO_REQUESTS, encoding="utf-8")
    (out / "provider_units.csv").write_text(DEMO_PROVIDER_UNITS, encoding="utf-8")
    return demo_sources(out, month), config_path
