"""``spiegel batch``: the report of every registered provider that delivered for a period (docs/batch.md)."""

from __future__ import annotations

import argparse
import sys

from spiegel.commands import add_domain_argument, domain_of


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch",
        help="make the reports of every provider that delivered for a period, in parallel and resumable",
        description="Make the spiegelrapport of every provider in the register that delivered for PERIOD, in "
        "parallel (default: one worker per core), skipping reports whose inputs did not change. Writes a manifest "
        "(JSON and CSV) per batch and OUT/<period>/index.html for reviewers. Exit status: 0 all made, 1 some "
        "failed, 2 the batch could not run, 130 interrupted (continue with --resume).",
    )
    p.add_argument("--period", required=True, help="reporting period, e.g. 2025H1")
    add_domain_argument(p)
    p.add_argument("--workers", type=int, default=None, metavar="N", help="worker processes (default: one per core)")
    p.add_argument(
        "--formats", default="html,pdf,xlsx",
        help="comma-separated outputs: html, pdf, xlsx, csv (default: html,pdf,xlsx); the notebook is always written",
    )
    p.add_argument("--resume", action="store_true",
                   help="continue the last interrupted batch of this period (same batch id and manifest)")
    p.add_argument("--only", metavar="KVK,...", help="only these providers (comma-separated KvK numbers)")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="run on an existing Dask distributed cluster, e.g. tcp://host:8786 (see docs/batch.md)")
    p.add_argument("--deliveries", default=None,
                   help="deliveries folder with register.csv (default: the bundled sample)")
    p.add_argument("--out", default="outputs", help="output root (default: outputs)")
    p.add_argument("--engine", choices=("warm", "kernel"), default="warm",
                   help="warm: notebooks run in warm worker processes (default, fast); kernel: a Jupyter kernel "
                   "per notebook (papermill's default engine)")
    p.add_argument("--recycle", type=int, default=1000, metavar="N",
                   help="replace a worker process after N reports (default: 1000)")
    p.add_argument("--max-memory", type=float, default=480.0, metavar="MB",
                   help="memory budget per worker process: a worker that would pass it with its next report "
                   "(estimated from the size of the delivery files) is replaced first (default: 480)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--keep-youth-history", action="store_true",
                   help="keep the youth history of every provider (herhaald beroep, a pseudonymous index in "
                   "OUT/<period>/werk/) after the batch instead of removing it; a later batch or spiegel report "
                   "reuses it while the deliveries are the same (docs/batch.md)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from spiegel.batch import BatchOptions, run_batch
    from spiegel.commands.report import parse_formats
    from spiegel.errors import ParameterError

    only = None
    if args.only:
        only = tuple(k.strip() for k in args.only.split(",") if k.strip())
        bad = [k for k in only if not (k.isdigit() and len(k) == 8)]
        if bad:
            raise ParameterError("--only verwacht KvK-nummers van 8 cijfers, gescheiden door komma's")
    if args.workers is not None and args.workers < 1:
        raise ParameterError("--workers moet minstens 1 zijn")
    if args.recycle < 1:
        raise ParameterError("--recycle moet minstens 1 zijn")
    if args.max_memory < 100:
        raise ParameterError("--max-memory moet minstens 100 (MB) zijn")
    if args.deliveries:
        deliveries = Path(args.deliveries)
    else:
        from spiegel.sample import DELIVERIES as deliveries
    options = BatchOptions(
        period=args.period,
        deliveries=Path(deliveries),
        out_root=Path(args.out),
        domain=domain_of(args).name,
        workers=args.workers,
        formats=parse_formats(args.formats),
        resume=args.resume,
        only=only,
        cluster=args.cluster,
        engine=args.engine,
        recycle=args.recycle,
        max_rss_mb=args.max_memory,
        progress=not args.no_progress,
        keep_youth_history=args.keep_youth_history,
    )
    result = run_batch(options)
    print(result.summary_line(), file=sys.stderr if result.interrupted else sys.stdout)
    if result.interrupted:
        print("spiegel batch: afgebroken; ga verder met --resume", file=sys.stderr)
    return result.exit_code
