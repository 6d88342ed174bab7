"""`python -m benchmarks harness [--size tiny|10k|100k|1m] [--national] [--table]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.harness import national, run, table


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks harness")
    p.add_argument("--size", choices=list(run.SIZES), default="10k",
                   help="records per large source family (1m and national: on a quiet machine only)")
    p.add_argument("--work", type=Path, default=run.ROOT / "var" / "bench",
                   help="where the snapshot, the build and the anchors' stores go")
    p.add_argument("--repeats", type=int, default=50, help="samples per p50")
    p.add_argument("--clients-seconds", type=float, default=15.0, help="duration of the 16-client run")
    p.add_argument("--validation-cap", type=float, default=600.0, help="seconds before an engine is stopped")
    p.add_argument("--reuse", action="store_true",
                   help="reuse the snapshot, build and load of an interrupted run of this size (queries on)")
    p.add_argument("--national", action="store_true",
                   help="the national-size run instead: build time, peak memory, store size, each query of queries/")
    p.add_argument("--table", action="store_true", help="only rewrite README's table from benchmarks/results/")
    args = p.parse_args(argv)
    if args.national and not args.table:
        national.national(args.size, args.work)
    elif not args.table:
        run.run(args.size, args.work, args.repeats, args.clients_seconds, args.validation_cap, reuse=args.reuse)
    table.write_readme()
    return 0
