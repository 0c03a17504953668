"""What runs in a batch worker: warm-up once, then one report per task.

A report's folder is finished only when its stamp ``.done.json`` exists and holds the input key the batch
expects. The worker removes the stamp before a report is (re)made; the batch process writes it
(:func:`write_stamp`) atomically, after every other output and after it has recorded the report in the batch's
journal; so after Ctrl-C or ``kill -9`` no half-made report ever looks finished, and every stamped report of a
batch is in its journal (``--resume`` counts it as made in that batch).
"""

from __future__ import annotations

import json
import logging
import os
import resource
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STAMP = ".done.json"
SUMMARY_KEYS = ("validatie", "levering", "tijden")
_INITIALIZED = False

# Imported once per worker (forkserver preloads them, so a recycled worker starts warm).
PRELOAD = (
    "pandas",
    "altair",
    "vl_convert",
    "nbformat",
    "papermill",
    "spiegel.batch.engine",
    "spiegel.pipeline",
    "spiegel.report",
    "spiegel.render",
)


def init_worker(log_path: str | None = None) -> None:
    """Import the heavy libraries and pay the first calls of the rendering libraries once per worker process:
    vl-convert's JavaScript runtime, nbconvert's exporter and typst's compiler and fonts (together about 1 s
    and, for typst, some 90 MB that would otherwise show as growth during the worker's first report)."""
    global _INITIALIZED
    if _INITIALIZED:
        return
    _INITIALIZED = True
    if log_path:
        # Kernel and library chatter goes to the batch log, not over the progress bar.
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 2)
        os.close(fd)
        sys.stderr = open(2, "w", buffering=1, encoding="utf-8", closefd=False)  # noqa: SIM115
    logging.getLogger("papermill").setLevel(logging.ERROR)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    from spiegel.notebook_io import install_notebook_writer

    install_notebook_writer()
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    try:
        from spiegel.render import warm_up

        warm_up()
    except Exception:  # warm-up only; a real problem shows in the first report
        pass


def stamp_path(out_dir: str | Path) -> Path:
    return Path(out_dir) / STAMP


def read_stamp(out_dir: str | Path) -> dict[str, Any] | None:
    try:
        return json.loads(stamp_path(out_dir).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def is_finished(out_dir: str | Path, key: str) -> dict[str, Any] | None:
    """The stamp when the report in ``out_dir`` is finished for input ``key`` and its files are all there."""
    stamp = read_stamp(out_dir)
    if not stamp or stamp.get("input_key") != key:
        return None
    base = Path(out_dir)
    if not all((base / rel).exists() for rel in stamp.get("outputs", {}).values()):
        return None
    return stamp


def _relative(path: str, base: Path) -> str:
    p = Path(path)
    try:
        return str(p.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(p)


def run_one(job: Any, job_fn: Callable[[Any], Any], key: str | None = None) -> dict[str, Any]:
    """Make one report with ``job_fn(job)`` (``spiegel.pipeline.make_report`` or a test double); its record.

    ``key`` is the input key the batch planned with; the record (and so the stamp) carries it rather than a key
    computed again here, so planning and stamping cannot disagree when the code changes while a batch runs.
    Never raises for a problem of this provider: the returned record says what failed."""
    init_worker()
    _know_domain(job)
    out_dir = Path(job.out_dir)
    stamp_path(out_dir).unlink(missing_ok=True)
    started = time.time()
    clock = time.perf_counter()
    try:
        result = job_fn(job)
        record = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    except Exception as exc:  # job functions should not raise; if one does, the batch still goes on
        record = {
            "kvk": job.kvk,
            "period": str(job.period),
            "status": "mislukt",
            "stage": "onbekend",
            "error_type": type(exc).__name__,
            "message": f"{type(exc).__name__} in de batch-taak",
        }
    if key:
        record["input_key"] = key
    # The manifest and stamp keep the small part of the summary; the flows per gemeente (for the index's
    # national overview) stay in the report's own samenvatting.json.
    record["summary"] = {k: v for k, v in (record.get("summary") or {}).items() if k in SUMMARY_KEYS}
    wall = time.perf_counter() - clock
    record.setdefault("timings", {})["totaal"] = round(wall, 4)
    record["outputs"] = {k: _relative(v, out_dir) for k, v in (record.get("outputs") or {}).items()}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    record["worker"] = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "rss_mb": round(_rss_bytes() / 2**20, 1),
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }
    record["started"] = _iso(started)
    record["finished"] = _iso(time.time())
    return record


def _know_domain(job: Any) -> None:
    """Make the job's domain known in this process (a domain registered at run time, such as the tests' tiny
    one, is not in a fresh worker's registry)."""
    module = getattr(job, "domain_module", None)
    if module:
        from spiegel import domains

        if job.domain not in domains.names():
            domains.register(module)


def write_stamp(out_dir: str | Path, record: dict[str, Any]) -> None:
    """Mark the report in ``out_dir`` as finished for its input key (the record of a made report)."""
    from spiegel.io import write_text_atomic

    data = {
        "input_key": record.get("input_key"),
        "code_version": record.get("code_version"),
        "status": record["status"],
        "outputs": record["outputs"],
        "summary": record.get("summary", {}),
        "timings": record["timings"],
        "finished": record["finished"],
    }
    write_text_atomic(stamp_path(out_dir), json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1))


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _release_memory() -> None:
    """Hand freed heap memory back to the system after a report (glibc keeps it in its arenas otherwise; about
    20 MB less per worker, measured over 200 national providers)."""
    from spiegel.memory import trim_heap

    trim_heap()


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def worker_main(conn: Any, log_path: str | None, max_tasks: int) -> None:
    """Loop of a local pool worker: receive (task id, job, job_fn), send (task id, record, retiring).

    The worker retires after ``max_tasks`` reports, or when the pool sends ``None`` (its memory would not leave
    room for the next job: :mod:`spiegel.batch.pool`); the pool starts a fresh one, so memory stays bounded over
    a batch of thousands. The record's ``worker.rss_mb`` is the memory after freed memory went back."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    init_worker(log_path)
    done = 0
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the batch is gone (killed): stop
        if message is None:
            return
        task_id, job, job_fn, key = message
        record = run_one(job, job_fn, key)
        done += 1
        _release_memory()
        if isinstance(record.get("worker"), dict):
            record["worker"]["rss_mb"] = round(_rss_bytes() / 2**20, 1)
        retiring = done >= max_tasks
        try:
            conn.send((task_id, record, retiring))
        except (EOFError, OSError):
            return
        if retiring:
            return
