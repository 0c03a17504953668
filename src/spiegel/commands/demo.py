"""``spiegel demo``: the main job on the bundled synthetic sample (what ``make demo`` runs)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="run the batch over the bundled synthetic sample and print the path of its index.html",
        description="Make the spiegelrapport of every provider in the bundled synthetic sample "
        "(src/spiegel/sample/deliveries) for its latest period, with the batch (parallel, resumable), and print "
        "the path of the reviewers' index.html.",
    )
    p.add_argument("--out", default="outputs", help="output root (default: outputs)")
    p.add_argument("--period", default="2025H1", help="period of the sample to report (default: 2025H1)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from spiegel.batch.runner import BatchOptions, run_batch
    from spiegel.sample import DELIVERIES

    result = run_batch(
        BatchOptions(period=args.period, deliveries=DELIVERIES, out_root=Path(args.out), workers=args.workers,
                     formats=("html", "pdf", "xlsx", "csv"))
    )
    print(result.summary_line())
    if result.index is not None:
        print(f"index: {Path(result.index).resolve()}")
    return result.exit_code
