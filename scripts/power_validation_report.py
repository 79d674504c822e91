"""Print the whole-server power validation table (markdown) for docs/method.md section 2.1.

    python scripts/power_validation_report.py [--factors factors/2026.12.1]

For every server of ``server_power_validation.csv`` (SPEC(R) SPECpower_ssj(R)2008 results, spec.org) the
model's whole-server power ``threads x (W_min + L x (W_max - W_min))`` with the set's ``cpu_power`` row is
compared with the measured wall power at active idle, 50 % and 100 % load, and the error range over the
ten load levels 10 %..100 % is given. Reads only the factor set.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LOADS = ["w_active_idle", *(f"w_{p}" for p in range(10, 101, 10))]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def report(factors: Path) -> str:
    cpu = {(r["provider"], r["microarchitecture"]): r for r in _read(factors / "cpu_power.csv")}
    lines = [
        "| server (SPECpower_ssj2008 result) | microarchitecture (cpu_power row) | threads | "
        "idle W measured / model | 50 % W measured / model | 100 % W measured / model | "
        "error at idle | error range 10-100 % |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    active: list[float] = []
    for s in _read(factors / "server_power_validation.csv"):
        c = cpu[(s["cpu_power_provider"], s["microarchitecture"])]
        w_min, w_max, threads = float(c["min_w_per_vcpu"]), float(c["max_w_per_vcpu"]), int(s["threads"])
        model = [threads * (w_min + i / 10 * (w_max - w_min)) for i in range(11)]
        measured = [float(s[col]) for col in LOADS]
        err = [m / w - 1.0 for m, w in zip(model, measured, strict=True)]
        active.extend(e + 1.0 for e in err[1:])
        arch = f"{s['microarchitecture']} ({s['cpu_power_provider']})"
        cells = [
            f"[{s['server']}]({s['spec_result_url']})",
            arch,
            str(threads),
            *(f"{measured[i]:.0f} / {model[i]:.0f}" for i in (0, 5, 10)),
            f"{err[0]:+.0%}",
            f"{min(err[1:]):+.0%} to {max(err[1:]):+.0%}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    q = statistics.quantiles(active, n=10, method="inclusive")
    lines.append("")
    lines.append(
        f"Model / measured over the {len(active)} points at 10-100 % load: "
        f"median {statistics.median(active):.2f}, p10 {q[0]:.2f}, p90 {q[-1]:.2f}, "
        f"range {min(active):.2f} to {max(active):.2f}."
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=Path, default=REPO_ROOT / "factors" / "2026.12.1")
    args = parser.parse_args(argv)
    print(report(args.factors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
