"""``spiegel demo``: the main job on the bundled synthetic sample (what ``make demo`` runs)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="run the batch over the bundled synthetic sample and print the path of its index.html",
        description="Make the spiegelrapport of every provider in the bundled synthetic sample "
        "(src/spiegel/sample/deliveries) for each domain and each of its periods, with the batch (parallel, "
        "resumable), and print the path of the reviewers' index.html of the latest jeugdhulp period.",
    )
    p.add_argument("--out", default="outputs", help="output root (default: outputs)")
    p.add_argument(
        "--period", default=None,
        help="only this period (default: every period of the sample, oldest first, so that the index of the "
        "latest one compares with the one before)",
    )
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from spiegel import domains
    from spiegel.batch.runner import BatchOptions, run_batch
    from spiegel.sample import DELIVERIES

    status, index = 0, None
    for name in domains.names():
        domain = domains.get(name)
        periods = [p for p in domain.sample_periods if args.period in (None, p)]
        for period in periods:
            result = run_batch(
                BatchOptions(period=period, deliveries=DELIVERIES, out_root=Path(args.out), workers=args.workers,
                             formats=("html", "pdf", "xlsx", "csv"), domain=name)
            )
            print(result.summary_line())
            status = max(status, result.exit_code)
            if name == "jeugdhulp":
                index = result.index or index
    from spiegel.batch.index import INDEX_FILE, write_index

    for folder in sorted(Path(args.out).glob(f"*/{INDEX_FILE}")):  # link every period's index to the others
        write_index(folder.parent)
    if index is not None:
        print(f"index: {Path(index).resolve()}")
    return status
