"""Write a synthetic AWS Cost and Usage Report month (or a large CUR 2.0 Parquet benchmark file).

Examples
--------
python scripts/gen_cur.py --out /tmp/cur --flavour legacy --format csv.gz
python scripts/gen_cur.py --out /tmp/cur --large 10000000
python scripts/gen_cur.py --out /work/bench-data/big --split 100000000 --files 100
python scripts/gen_cur.py --out /work/bench-data/big-csv --split 10000000 --files 20 --flavour legacy
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from synth.cur import generate_cur_month, generate_large_cur_parquet, generate_split_cur_month


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and generate the requested data; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder (bucket root)")
    parser.add_argument("--month", default="2026-10", help="billing period YYYY-MM")
    parser.add_argument("--flavour", choices=["legacy", "cur2"], default="legacy")
    parser.add_argument(
        "--format", dest="file_format", choices=["csv.gz", "csv", "parquet"], default="csv.gz"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-restated", action="store_true", help="write a single delivery")
    parser.add_argument("--report-name", default="cloudcarbon-demo")
    parser.add_argument(
        "--large",
        type=int,
        metavar="ROWS",
        help="instead write <out>/cur2-large-<ROWS>.parquet with ROWS rows",
    )
    parser.add_argument(
        "--split",
        type=int,
        metavar="ROWS",
        help="instead write a large month of ROWS rows split over --files files with its manifest "
        "(cur2: snappy Parquet; legacy: CSV.gz), as AWS delivers it",
    )
    parser.add_argument("--files", type=int, default=10, help="number of data files for --split")
    parser.add_argument(
        "--adversarial",
        action="store_true",
        help="--split shape: every row draws its own usage kind (default: realistic, each resource keeps "
        "its attributes all month)",
    )
    parser.add_argument("--chunk-rows", type=int, default=500_000, help="rows generated at a time")
    parser.add_argument("--workers", type=int, default=1, help="processes writing --split files in parallel")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    if args.split is not None:
        split = generate_split_cur_month(
            args.out,
            args.split,
            files=args.files,
            flavour=args.flavour,
            month=args.month,
            seed=args.seed,
            fixed_resources=not args.adversarial,
            chunk_rows=args.chunk_rows,
            workers=args.workers,
        )
        print(f"manifest    {split.manifest_path}")
        print(f"files       {len(split.data_files)} ({split.bytes_written} bytes)")
        print(f"rows        {split.row_count}")
        print(f"billed cost {split.billed_cost} USD")
        print(f"source      aws:{split.root}")
        print(f"took        {time.perf_counter() - started:.1f}s")
        return 0
    if args.large:
        path = generate_large_cur_parquet(
            args.out / f"cur2-large-{args.large}.parquet",
            args.large,
            month=args.month,
            seed=args.seed,
        )
        print(f"wrote {path} ({args.large} rows) in {time.perf_counter() - started:.1f}s")
        return 0
    delivery = generate_cur_month(
        args.out,
        args.month,
        flavour=args.flavour,
        file_format=args.file_format,
        seed=args.seed,
        restated=not args.no_restated,
        report_name=args.report_name,
    )
    print(f"manifest    {delivery.manifest_path}")
    for f in delivery.data_files:
        print(f"data        {f}")
    for f in delivery.stale_files:
        print(f"stale       {f}")
    print(f"rows        {delivery.row_count}")
    print(f"billed cost {delivery.billed_cost} USD")
    for lit, count in delivery.line_item_type_counts.items():
        print(f"  {lit:<25} {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
