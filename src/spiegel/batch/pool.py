"""Where the reports run: a local pool of recycled worker processes, or an existing Dask cluster.

Both take jobs and yield ``(job, record)`` as reports finish, in completion order.

The local pool is ours rather than ``concurrent.futures.ProcessPoolExecutor`` because (1) on Python 3.11
``max_tasks_per_child`` can hang the executor (measured here: 3,000 tiny tasks with recycling every 5 never
finished), and recycling is how memory stays bounded; (2) when a worker dies (segfault, OOM kill) we know
exactly which provider it was running, record that one as failed and go on, where the executor would break
the whole pool. Workers are started by a forkserver that has already imported pandas, altair, papermill and
spiegel, so a recycled worker is warm within a fraction of a second.

Memory: each worker reports its resident memory after every report (after handing freed memory back). Before
a worker gets its next job, the pool checks that this memory plus what the job is expected to need (from the
size of its delivery files, :func:`memory_need_mb`) stays within ``max_rss_mb``; if not, the worker retires and
a fresh one takes the job. A worker's caches (typst's layout cache keeps the last ten documents, vl-convert's
JavaScript heap) fill during its first reports and then stay level; a large provider needs up to ~110 MB more
for the length of its report, most of which stays behind. So a worker never starts a report it is expected to
end above the budget, whatever the order of providers.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import wait
from typing import Any

from spiegel.batch import worker as worker_mod


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _context() -> mp.context.BaseContext:
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["spiegel.batch.worker", *worker_mod.PRELOAD, "spiegel.batch.warmup"])
        return ctx
    return mp.get_context("spawn")


def prestart(warmup: dict[str, str] | None = None) -> None:
    """Start the forkserver now (it imports pandas, altair, papermill, spiegel in its own process), so that
    work overlaps with planning in the batch process. ``warmup`` (deliveries, period, kvk) names a delivery of the
    bundled sample (never a user's) the forkserver reads, validates and counts once, so that forked workers start
    with warm caches (``spiegel.batch.warmup``)."""
    import json

    from spiegel.batch.warmup import ENV

    if warmup:
        os.environ[ENV] = json.dumps(warmup)
    ctx = _context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


# A report's extra memory above the worker's resting memory: a fixed part, plus a part per MB of delivery
# files it reads (measured on the national synthetic store: ~25 MB for a small provider, ~110 MB for the
# largest, 1.6 MB current + 1.5 MB previous delivery; the estimate is on the safe side).
NEED_BASE_MB = 25.0
NEED_PER_INPUT_MB = 55.0
#: MB of memory per MB of delivery file for a workbook (and a ZIP, an XLS), which is packed. A workbook read as a
#: stream (spiegel.xlsxstream) grows a process by about 6-9 times its size, like a CSV (5-6.5 times); one the stream
#: leaves to calamine, and an XLS, by 23-27 times (benchmarks/read_memory.py, section "memory of reading a delivery"
#: of docs/benchmarks.md). The batch cannot tell which before reading, so it counts on the second: NEED_PER_INPUT_MB
#: covers a CSV's reading and the rest of its report; a workbook gets that plus the difference, 55 + (27 - 6.5) ≈ 75.
FACTOR_XLSX = 75.0
NEED_PER_INPUT_MB_BY_SUFFIX = {".xlsx": FACTOR_XLSX, ".xls": FACTOR_XLSX, ".zip": FACTOR_XLSX}


def memory_need_mb(input_bytes: int, suffix: str = ".csv") -> float:
    """Expected extra memory (MB) of one report that reads ``input_bytes`` of delivery files in the format of
    ``suffix`` (``.csv``, ``.txt``, ``.xlsx`` …)."""
    factor = max(NEED_PER_INPUT_MB, NEED_PER_INPUT_MB_BY_SUFFIX.get(suffix.lower(), NEED_PER_INPUT_MB))
    return NEED_BASE_MB + factor * input_bytes / 2**20


def memory_need_of(files: Iterable[Any]) -> float:
    """:func:`memory_need_mb` of a report's delivery files (``spiegel.deliveries.DeliveryRef``), each by its format."""
    need = NEED_BASE_MB
    for ref in files:
        path = ref.path
        size = sum(f.stat().st_size for f in path.iterdir() if f.is_file()) if path.is_dir() else path.stat().st_size
        need += memory_need_mb(size, path.suffix) - NEED_BASE_MB
    return need


class _Worker:
    def __init__(self, ctx: mp.context.BaseContext, log_path: str | None, max_tasks: int):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=worker_mod.worker_main, args=(child, log_path, max_tasks), daemon=True)
        self.proc.start()
        child.close()
        self.task: tuple[int, Any] | None = None
        self.done = 0
        self.rss_mb = 0.0  # resident memory after its last report

    def fits(self, need_mb: float, max_rss_mb: float) -> bool:
        """Whether this worker may start a job expected to need ``need_mb`` more (a fresh worker always may)."""
        return self.done == 0 or self.rss_mb + need_mb <= max_rss_mb

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(timeout=5)


def run_local(
    jobs: Iterable[tuple[Any, str | None]],
    job_fn: Callable[[Any], Any],
    *,
    workers: int,
    log_path: str | None = None,
    max_tasks: int = 1000,
    max_rss_mb: float = 480.0,
    need_mb: Callable[[Any], float] | None = None,
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Run ``job_fn(job)`` for every (job, input key) in ``workers`` recycled processes; yield ``(job, record)``.

    ``jobs`` is consumed lazily, at most one job ahead per busy worker, so planning (hashing inputs) overlaps
    with the work, a worker that finishes gets its next job at once, and no worker is started when there is
    nothing to do. ``need_mb(job)`` estimates a job's extra memory (default: that of a small report); a worker
    whose memory plus that would pass ``max_rss_mb`` is replaced first."""
    ctx = _context()
    feed = enumerate(jobs)
    exhausted = False
    ahead: deque[tuple[int, tuple[Any, str | None]]] = deque()  # planned jobs, ready to hand out
    pool: list[_Worker] = []
    retired: list[_Worker] = []
    estimate = need_mb or (lambda job: NEED_BASE_MB)

    def plan_ahead(n: int) -> None:
        """Take jobs from the feed (planning them) until ``n`` are ready or the feed is exhausted."""
        nonlocal exhausted
        while len(ahead) < n and not exhausted:
            item = next(feed, None)
            if item is None:
                exhausted = True
            else:
                ahead.append(item)

    def take() -> tuple[int, tuple[Any, str | None]] | None:
        plan_ahead(1)
        return ahead.popleft() if ahead else None

    def assign(w: _Worker, item: tuple[int, tuple[Any, str | None]]) -> None:
        task_id, (job, key) = item
        w.task = (task_id, job)
        w.conn.send((task_id, job, job_fn, key))

    def replace_worker(w: _Worker) -> None:
        w.stop()
        pool.remove(w)
        retired.append(w)

    def give_next(w: _Worker) -> None:
        """Hand a free worker its next job (through a fresh worker when the job would not fit its memory)."""
        if (item := take()) is not None:
            if not w.fits(estimate(item[1][0]), max_rss_mb):
                replace_worker(w)
                w = _Worker(ctx, log_path, max_tasks)
                pool.append(w)
            assign(w, item)

    try:
        while True:
            for w in list(pool):
                if w.task is None:
                    give_next(w)
            while len(pool) < workers and (item := take()) is not None:
                w = _Worker(ctx, log_path, max_tasks)
                pool.append(w)
                assign(w, item)
            busy = [w for w in pool if w.task is not None]
            if not busy:
                return
            plan_ahead(len(busy))  # a planned job ready for each busy worker while they work
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy])
            for w in busy:
                if w.conn not in ready and w.proc.sentinel not in ready:
                    continue
                task = w.task
                assert task is not None
                retire = False
                try:
                    if not w.conn.poll():
                        raise EOFError
                    _, record, retire = w.conn.recv()
                except (EOFError, OSError):
                    w.proc.join(timeout=5)
                    record = _died(task[1], w.proc.exitcode)
                    retire = True
                w.task = None
                w.done += 1
                w.rss_mb = float((record.get("worker") or {}).get("rss_mb") or 0.0)
                if retire:
                    w.kill()
                    pool.remove(w)
                else:
                    # its next job (planned ahead) before the caller writes the manifest and progress
                    give_next(w)
                retired = [r for r in retired if r.proc.is_alive()]  # exited ones are reaped by is_alive
                yield task[1], record
    finally:
        for w in pool:
            w.stop()
        for w in pool + retired:
            w.proc.join(timeout=2)
            w.kill()


def _died(job: Any, exitcode: int | None) -> dict[str, Any]:
    how = f"signaal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exitcode {exitcode}"
    return {
        "kvk": job.kvk,
        "period": str(job.period),
        "status": "mislukt",
        "stage": "uitvoeren",
        "error_type": "WorkerDied",
        "message": f"het werkproces stopte onverwacht ({how}), bijvoorbeeld door geheugengebrek",
        "outputs": {},
        "timings": {},
    }


def run_dask(
    jobs: Iterable[tuple[Any, str | None]], job_fn: Callable[[Any], Any], *, address: str
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Run the same job function on an existing Dask distributed cluster; yield ``(job, record)``.

    Workers need the same spiegel version (and notebooks) installed and the deliveries and output folders at
    the same paths (shared storage); see docs/batch.md. Each task is one report; run workers with one thread
    (``--nthreads 1``), because notebooks run in the worker process itself."""
    import uuid

    from distributed import Client, as_completed

    run = uuid.uuid4().hex[:8]  # task keys unique per run: Dask would hand back an old result for a reused key
    with Client(address) as client:
        client.run(worker_mod.init_worker)
        futures = {}
        for job, input_key in jobs:
            task_key = f"spiegel-{job.period}-{job.kvk}-{run}"
            future = client.submit(worker_mod.run_one, job, job_fn, input_key, pure=False, key=task_key)
            futures[future] = job
        try:
            for future in as_completed(futures):
                job = futures.pop(future)
                try:
                    record = future.result()
                except Exception as exc:  # the task itself failed (worker lost, …)
                    record = _died(job, None)
                    record["error_type"], record["message"] = type(exc).__name__, "de Dask-taak mislukte"
                yield job, record
        finally:
            for future in futures:
                future.cancel()
