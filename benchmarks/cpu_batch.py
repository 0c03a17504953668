"""Run one batch in this process and print its CPU seconds, all processes included, as JSON.

    python benchmarks/cpu_batch.py --deliveries DIR --period 2025H1 --out DIR [--only-file F] [--workers 2]

The batch's workers are forked by its forkserver, a child of this process; when the batch is done the workers have
exited (the forkserver reaps them), the forkserver is stopped and reaped here, so ``getrusage(RUSAGE_CHILDREN)``
holds the CPU time of every process of the batch. Uses only ``spiegel.batch.run_batch`` and ``BatchOptions``, so
it runs against older commits as well (benchmarks/same_outputs.py runs it with each commit's interpreter).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path


def _stop_forkserver() -> None:
    from multiprocessing import forkserver

    server = forkserver._forkserver  # type: ignore[attr-defined]
    pid = getattr(server, "_forkserver_pid", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if pid is None or fd is None:
        return
    os.close(fd)  # the server reads EOF on its end and exits
    os.waitpid(pid, 0)
    server._forkserver_pid = server._forkserver_alive_fd = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=Path, required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only-file", type=Path, help="a file with comma-separated KvK numbers")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from spiegel.batch import BatchOptions, run_batch

    only = tuple(args.only_file.read_text().strip().split(",")) if args.only_file else None
    wall = time.perf_counter()
    result = run_batch(BatchOptions(period=args.period, deliveries=args.deliveries, out_root=args.out,
                                    workers=args.workers, formats=("html", "pdf", "xlsx"), only=only,
                                    progress=False))
    wall = time.perf_counter() - wall
    _stop_forkserver()
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    print(json.dumps({"cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "made": result.counts.get("gemaakt", 0),
                      "failed": result.counts.get("mislukt", 0)}))


if __name__ == "__main__":
    main()
