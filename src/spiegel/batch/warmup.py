"""Imported by the batch's forkserver (``spiegel.batch.pool``): builds the library caches a first report builds.

A fresh worker's first report is much slower than the next ones: code lists, merger tables and compiled
validation rules are built on first use (measured: 25 s against 2 s under load). Workers are forked from the
forkserver, so what is built here once is inherited by every worker, also the ones that replace recycled
workers. The batch names one delivered provider in ``SPIEGEL_BATCH_WARMUP`` (JSON: deliveries, period, kvk)
before it starts the forkserver; its delivery is read, validated and counted here, without display, charts
or files (nothing that starts threads of vl-convert or writes output). Any failure is ignored: warming up
is an optimisation only.
"""

from __future__ import annotations

import json
import os

ENV = "SPIEGEL_BATCH_WARMUP"


def warm_up() -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    try:
        job = json.loads(spec)
        from spiegel import report

        report.build(job["kvk"], job["period"], job["deliveries"])
    except Exception:  # an optimisation only; the first real report shows any real problem
        return


warm_up()
