"""Imported by the batch's forkserver (``spiegel.batch.pool``): builds the library caches a first report builds.

A fresh worker's first report is much slower than the next ones: code lists, merger tables and compiled
validation rules are built on first use (measured: 25 s against 2 s under load). Workers are forked from the
forkserver, so what is built here once is inherited by every worker, also the ones that replace recycled
workers. The batch names one provider of the bundled sample (``spiegel.sample``; never a user's delivery: a hostile
file that crashed this process would take every worker, and so the batch, down) in ``SPIEGEL_BATCH_WARMUP``
(JSON: deliveries, period, kvk, domain) before it starts the forkserver; its delivery is read, validated and
counted here, and the report's sections
are built as the notebook builds them, but outside IPython, so ``display`` only prints plain text (sent to
/dev/null): no chart is rendered (vl-convert's threads must not exist before a fork) and no file is written.
Any failure is ignored: warming up is an optimisation only.
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
        import contextlib

        from spiegel import report

        built = report.build(job["kvk"], job["period"], job["deliveries"], domain=job.get("domain", "jeugdhulp"))
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            for section in built.SECTIONS:
                getattr(built, section)()
    except Exception:  # an optimisation only; the first real report shows any real problem
        return


warm_up()
