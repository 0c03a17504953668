"""The batch: the report of every registered provider that delivered for a period.

Plan (main process): read the register and the current deliveries, make one ``ReportJob`` per provider,
compute its input key (``spiegel.pipeline.input_key``) and skip it when its folder holds a stamp with that key.
Run the rest in a local pool of warm, recycled worker processes (default) or on a Dask cluster. As results
arrive: a progress bar on stderr, a journal line per report (``journal.jsonl``, appended and flushed), and the
manifest (JSON + CSV, rewritten atomically at most every few seconds and at the end). Then ``index.html``.

Exit status: 0 every report made (or unchanged), 1 some failed, 2 the batch itself could not run.
"""

from __future__ import annotations

import csv
import io
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spiegel.errors import InputError, ParameterError, SpiegelError
from spiegel.periods import Period
from spiegel.safetext import printable

MADE, FAILED, UNCHANGED, MISSING, PENDING = "gemaakt", "mislukt", "ongewijzigd", "geen levering", "wachtend"
MANIFEST_FIELDS = (
    "kvk", "naam", "status", "stage", "error_type", "message", "fouten", "waarschuwingen",
    "html", "pdf", "xlsx", "notebook", "notebook_fout", "input_key", "code_version",
    "t_zoeken", "t_uitvoeren", "t_opmaken", "t_totaal", "worker", "max_rss_mb", "finished",
)
_WRITE_EVERY = 3.0  # seconds between manifest rewrites while the batch runs
# Seconds between rewrites of the period's index.html while the batch runs (at least; and at least 50 times what
# the last one took, so the live index costs the main process under 2 % of its time however large the period).
_INDEX_EVERY = 20.0
_INDEX_COST_FACTOR = 50


@dataclass
class BatchOptions:
    period: str
    deliveries: Path
    out_root: Path = Path("outputs")
    domain: str = "jeugdhulp"
    workers: int | None = None
    formats: tuple[str, ...] = ("html", "pdf", "xlsx")
    resume: bool = False
    only: tuple[str, ...] | None = None
    cluster: str | None = None
    engine: str = "warm"  # warm: spiegel_warm in the worker processes; kernel: a Jupyter kernel per notebook
    recycle: int = 1000  # reports per worker process before it is replaced (with max_rss_mb: bounded memory)
    max_rss_mb: float = 480.0  # memory budget per worker: one that would pass it with its next job is replaced
    progress: bool = True
    index: bool = True
    keep_youth_history: bool = False  # keep OUT/<period>/werk/jeugdgeschiedenis-* after the batch (spiegel.history)
    job_fn: Callable[[Any], Any] | None = None  # default spiegel.pipeline.make_report
    notebook: Path | None = None  # default: the pipeline's notebook
    gemeenten: bool = True  # make the gemeenteoverzichten (SPEC §10) from the reports' tables, when the domain has them


@dataclass
class BatchResult:
    batch_id: str
    period: str
    manifest: Path
    index: Path | None
    counts: dict[str, int]
    elapsed: float
    interrupted: bool = False
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.counts.get(FAILED, 0) else 0

    def summary_line(self) -> str:
        made, unchanged = self.counts.get(MADE, 0), self.counts.get(UNCHANGED, 0)
        failed, missing = self.counts.get(FAILED, 0), self.counts.get(MISSING, 0)
        total = made + unchanged + failed + self.counts.get(PENDING, 0)
        rate = made / self.elapsed if self.elapsed > 0 else 0.0
        text = (
            f"batch {self.period}: {made} made, {unchanged} unchanged, {failed} failed"
            f"{', ' + str(self.counts.get(PENDING, 0)) + ' not run' if self.counts.get(PENDING) else ''}"
            f" of {total} providers ({missing} registered without delivery) in {_duration(self.elapsed)}"
            f" ({rate:.1f} reports/s)"
        )
        if self.index:
            text += f"; index: {self.index}"
        return text


def _duration(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------------------------------------ manifest


class Manifest:
    """The batch's record: one entry per provider, written as JSON and CSV (atomically) and a journal.

    Each record is encoded (its JSON line and CSV row) once, when it is put; a rewrite of the manifest joins
    the encoded lines. A national batch keeps ~5,000 records and rewrites the manifest every few seconds:
    encoding them all again each time took a tenth of a core away from the workers (measured)."""

    def __init__(self, folder: Path, header: dict[str, Any]):
        self.folder = folder
        self.header = header
        self.records: dict[str, dict[str, Any]] = {}
        self._encoded: dict[str, tuple[str, str]] = {}  # kvk → (JSON line, CSV row) of its current record
        self._last_write = 0.0
        #: Where else each rewrite goes (suffix → path): the period's top-level copy, kept current while the batch
        #: runs so that a reviewer sees its progress, also after a crash.
        self.copies: dict[str, Path] = {}
        #: Called with the manifest just written (JSON text) after each rewrite: the batch's live index.
        self.on_write: Callable[[str], None] | None = None
        folder.mkdir(parents=True, exist_ok=True)
        self._journal = open(folder / "journal.jsonl", "a", encoding="utf-8")  # noqa: SIM115

    @property
    def json_path(self) -> Path:
        return self.folder / "manifest.json"

    def put(self, record: dict[str, Any], journal: bool = True) -> None:
        for key in ("naam", "message"):  # checked metadata, or a message naming a file: no control or bidi character
            if isinstance(record.get(key), str):
                record[key] = printable(record[key])
        line = json.dumps(record, ensure_ascii=False, sort_keys=True)
        self.records[record["kvk"]] = record
        self._encoded[record["kvk"]] = (line, _csv_row(record))
        if journal:
            self._journal.write(line + "\n")
            self._journal.flush()

    def counts(self) -> dict[str, int]:
        counts = {MADE: 0, UNCHANGED: 0, FAILED: 0, PENDING: 0, MISSING: 0}
        for record in self.records.values():
            counts[record["status"]] = counts.get(record["status"], 0) + 1
        return counts

    def write(self, status: str, force: bool = True) -> None:
        """manifest.json (the header, then one provider per line, by KvK number) and manifest.csv."""
        now = time.monotonic()
        if not force and now - self._last_write < _WRITE_EVERY:
            return
        self._last_write = now
        from spiegel.io import write_text_atomic

        head = json.dumps(dict(self.header, status=status, updated=_now(), counts=self.counts()),
                          ensure_ascii=False, indent=1)
        rows = [self._encoded[kvk] for kvk in sorted(self._encoded)]
        body = ",\n".join(line for line, _ in rows)
        providers = f' "providers": [\n{body}\n ]' if rows else ' "providers": []'
        text = {".json": head[:-2] + ",\n" + providers + "\n}\n", ".csv": _CSV_HEADER + "".join(r for _, r in rows)}
        for suffix, content in text.items():
            write_text_atomic(self.folder / f"manifest{suffix}", content)
            if suffix in self.copies:
                write_text_atomic(self.copies[suffix], content)
        if self.on_write is not None:
            self.on_write(text[".json"])

    def close(self) -> None:
        self._journal.close()


def _csv_line(values: list[Any]) -> str:
    from spiegel.safetext import neutralise_cell

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([neutralise_cell(v) for v in values])
    return buffer.getvalue()


_CSV_HEADER = _csv_line(list(MANIFEST_FIELDS))


def _csv_row(r: dict[str, Any]) -> str:
    """One record as a line of manifest.csv (columns MANIFEST_FIELDS)."""
    outputs, timings, val = r.get("outputs") or {}, r.get("timings") or {}, validation_counts(r)
    row = {k: r.get(k) for k in ("kvk", "naam", "status", "stage", "error_type", "message", "input_key",
                                 "code_version", "finished")}
    row.update({k: outputs.get(k) for k in ("html", "pdf", "xlsx", "notebook", "notebook_fout")})
    row.update({f"t_{k}": timings.get(k) for k in ("zoeken", "uitvoeren", "opmaken", "totaal")})
    row.update(val)
    worker = r.get("worker") or {}
    row["worker"] = f"{worker.get('host', '')}:{worker.get('pid', '')}" if worker else None
    row["max_rss_mb"] = worker.get("max_rss_mb")
    return _csv_line([row[k] for k in MANIFEST_FIELDS])


def validation_counts(record: dict[str, Any]) -> dict[str, int | None]:
    """Error and warning counts from a report's summary (``samenvatting.json``), wherever the pipeline puts
    them (``validatie: {fouten, waarschuwingen}`` or top level)."""
    summary = record.get("summary") or {}
    source = summary.get("validatie") if isinstance(summary.get("validatie"), dict) else summary
    out: dict[str, int | None] = {}
    for key in ("fouten", "waarschuwingen"):
        value = source.get(key)
        if isinstance(value, list):
            value = len(value)
        out[key] = int(value) if isinstance(value, int | float) else None
    return out


# ------------------------------------------------------------------------------------------------ the batch


def _batch_dirs(period_dir: Path) -> list[Path]:
    root = period_dir / "batches"
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []


def _resumable(period_dir: Path, domain: str = "jeugdhulp") -> tuple[str, dict[str, Any]] | None:
    """The last batch of this period and domain that did not finish, with its records (from its journal)."""
    for folder in reversed(_batch_dirs(period_dir)):
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            manifest = {"status": "onderbroken"}
        if manifest.get("domain", domain) != domain:
            continue  # another domain's batch of the same period
        if manifest.get("status") == "klaar":
            return None
        records = {r["kvk"]: r for r in manifest.get("providers", [])}
        journal = folder / "journal.jsonl"
        if journal.exists():
            for line in journal.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a line cut off by kill -9
                records[record["kvk"]] = record
        return folder.name, records
    return None


def plan(options: BatchOptions) -> tuple[list[Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """(jobs, register rows with a delivery, register rows without one), for the options' period and domain."""
    from spiegel import domains
    from spiegel.deliveries import current_deliveries, find_deliveries
    from spiegel.pipeline import ReportJob
    from spiegel.register import load_register

    period = Period.parse(options.period)
    domains.get(options.domain).check_period(period)
    register = load_register(Path(options.deliveries) / "register.csv")
    register = register[register["domein"] == options.domain]
    problems: dict[str, InputError] = {}  # provider → why its delivery's metadata is refused
    if options.only:
        unknown = sorted(set(options.only) - set(register["kvk"]))
        if unknown:
            raise ParameterError(f"--only: niet in het register ({options.domain}): {', '.join(unknown)}")
        register = register[register["kvk"].isin(options.only)]
        # a few providers: look in their own folders instead of reading every sidecar of the period
        refs = {}
        for kvk in register["kvk"]:
            found = find_deliveries(options.deliveries, period, kvk, problems=problems)
            refs[kvk] = found[-1] if found else None
    else:
        refs = {kvk: ref for (_, kvk), ref in current_deliveries(options.deliveries, period, problems=problems).items()}
    current = {kvk: ref for kvk, ref in refs.items() if ref is not None and ref.meta.domein == options.domain}
    delivered, missing = [], []
    for row in register.itertuples(index=False):
        entry = {"kvk": row.kvk, "naam": row.naam, "grootteklasse": row.grootteklasse}
        # a provider whose delivery's metadata is refused gets a job all the same: it fails there, with the reason
        (delivered if row.kvk in current or row.kvk in problems else missing).append(entry)
    engine = "spiegel_warm" if options.engine == "warm" else None
    extra = {"notebook": Path(options.notebook).resolve()} if options.notebook else {}
    jobs = [
        ReportJob(
            kvk=entry["kvk"], period=period, deliveries=Path(options.deliveries).resolve(),
            out_root=Path(options.out_root).resolve(), formats=tuple(options.formats), engine=engine,
            domain=options.domain, **extra,
        )
        for entry in delivered
    ]
    return jobs, delivered, missing


def _warmup_delivery(domain: str) -> dict[str, str] | None:
    """A provider of the bundled sample in ``domain`` (its smallest delivery of the sample's latest period), for
    the workers' warm-up; None when the domain has no bundled sample.

    Never a user's delivery: the warm-up runs in the forkserver every worker is forked from, so a hostile file
    that crashed it there would take the whole batch down (issue 25); read in a worker, it fails one provider."""
    from spiegel import domains, sample
    from spiegel.deliveries import current_deliveries

    try:
        periods = domains.get(domain).sample_periods or sample.PERIODS
        for text in reversed(periods):
            found = [(ref.path.stat().st_size, kvk) for (_, kvk), ref in
                     current_deliveries(sample.DELIVERIES, Period.parse(text)).items() if ref.meta.domein == domain]
            if found:
                return {"deliveries": str(sample.DELIVERIES), "period": text, "kvk": min(found)[1], "domain": domain}
    except (SpiegelError, OSError, KeyError, ValueError):
        return None
    return None


def run_batch(options: BatchOptions) -> BatchResult:
    """Make the period's reports; see the module docstring. Raises SpiegelError when the batch cannot run."""
    from spiegel.batch import pool
    from spiegel.batch.worker import is_finished, write_stamp
    from spiegel.pipeline import code_version, input_files, input_key, make_report

    clock = time.perf_counter()
    period = Period.parse(options.period)
    if not (Path(options.deliveries) / "register.csv").exists():
        raise ParameterError(f"geen register.csv in {options.deliveries}")
    if not options.cluster:  # the forkserver imports and warms up while this process reads the register
        pool.prestart(_warmup_delivery(options.domain))
    jobs, delivered, missing = plan(options)
    period_dir = Path(options.out_root) / str(period)
    history_folder, history_info = _youth_history(options, period, period_dir, jobs)
    if history_folder is not None:
        from dataclasses import replace

        jobs = [replace(job, youth_history=history_folder) for job in jobs]
    names = {e["kvk"]: e["naam"] for e in delivered}

    previous = _resumable(period_dir, options.domain) if options.resume else None
    batch_id = previous[0] if previous else datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    earlier = previous[1] if previous else {}
    header = {
        "batch_id": batch_id,
        "period": str(period),
        "domain": options.domain,
        "started": _now(),
        "resumed": bool(previous),
        "options": {
            "workers": options.workers or (None if options.cluster else pool.default_workers()),
            "formats": list(options.formats),
            "engine": options.engine,
            "cluster": options.cluster,
            "only": list(options.only) if options.only else None,
            "deliveries": str(Path(options.deliveries).resolve()),
        },
        "code_version": code_version(),
        "missing": missing,
        **({"youth_history": history_info} if history_info else {}),
    }
    manifest = Manifest(period_dir / "batches" / batch_id, header)
    from spiegel.batch.index import manifest_file

    manifest.copies = {s: period_dir / manifest_file(options.domain, s) for s in (".json", ".csv")}
    from spiegel.io import remove_temporaries

    # (a batch killed while it wrote these left a temporary file beside them; a period has one batch at a time)
    remove_temporaries(period_dir, [p.name for p in manifest.copies.values()] + ["index.html"])
    live_index = _LiveIndex(period_dir) if options.index else None
    manifest.on_write = live_index

    for job in jobs:
        manifest.put({"kvk": job.kvk, "naam": names[job.kvk], "period": str(period), "status": PENDING,
                      "outputs": {}, "timings": {}}, journal=False)
    for entry in missing:
        manifest.put({"kvk": entry["kvk"], "naam": entry["naam"], "status": MISSING, "outputs": {}}, journal=False)
    manifest.write("bezig")

    bar = _progress(len(jobs), options.progress)
    tally = {MADE: 0, UNCHANGED: 0, FAILED: 0}

    def count(status: str) -> None:
        tally[status] += 1
        if bar is not None:
            left = len(jobs) - sum(tally.values())
            bar.set_postfix_str(f"made={tally[MADE]} unchanged={tally[UNCHANGED]} failed={tally[FAILED]} "
                                f"left={left}", refresh=False)
            bar.update(1)

    need: dict[str, float] = {}  # expected extra memory of each planned report (pool.memory_need_mb)

    def planned() -> Iterator[tuple[Any, str]]:
        """The jobs to run with their input keys; finished reports (stamp with the same key) are recorded as
        unchanged on the way. Consumed lazily by the pool, so planning overlaps with the work."""
        for job in jobs:
            base = {"kvk": job.kvk, "naam": names[job.kvk], "period": str(period), "outputs": {}, "timings": {}}
            try:
                files = input_files(job)
                key = input_key(job, files)
                need[job.kvk] = pool.memory_need_of(files)
            except SpiegelError as exc:
                manifest.put(dict(base, status=FAILED, stage="zoeken", error_type=type(exc).__name__,
                                  message=str(exc)))
                count(FAILED)
                continue
            stamp = is_finished(job.out_dir, key)
            if stamp is None:
                manifest.put(dict(base, status=PENDING, input_key=key), journal=False)
                yield job, key
                continue
            old = earlier.get(job.kvk)
            if old and old.get("status") == MADE and old.get("input_key") == key:
                manifest.put(dict(old, naam=names[job.kvk]), journal=False)  # made earlier in this same batch
                count(MADE)
            else:
                manifest.put(dict(base, status=UNCHANGED, input_key=key, code_version=stamp.get("code_version"),
                                  outputs=stamp.get("outputs", {}), summary=stamp.get("summary", {}),
                                  timings=stamp.get("timings", {}), finished=stamp.get("finished")), journal=False)
                count(UNCHANGED)
            manifest.write("bezig", force=False)

    job_fn = options.job_fn or make_report
    interrupted = False
    previous_term = _stop_on_sigterm()
    try:
        if options.cluster:
            results = pool.run_dask(list(planned()), job_fn, address=options.cluster)
        else:
            results = pool.run_local(
                planned(), job_fn, workers=options.workers or pool.default_workers(),
                log_path=str(manifest.folder / "workers.log"), max_tasks=options.recycle,
                max_rss_mb=options.max_rss_mb, need_mb=lambda job: need.get(job.kvk, pool.NEED_BASE_MB),
            )
        for job, record in results:
            record["naam"] = names[job.kvk]
            if record.get("status") != MADE:
                record["status"] = FAILED
            manifest.put(record)
            if record["status"] == MADE:  # in the journal first: a stamped report is always a recorded one
                write_stamp(job.out_dir, record)
            manifest.write("bezig", force=False)
            count(record["status"])
    except KeyboardInterrupt:
        interrupted = True
    except OSError as exc:
        raise SpiegelError(f"batch kon niet draaien: {type(exc).__name__}: {exc.strerror or exc}") from None
    finally:
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)
        if bar is not None:
            bar.close()
        if history_folder is not None and not options.keep_youth_history:
            from spiegel.history import remove

            remove(history_folder)
        manifest.write("onderbroken" if interrupted else "klaar")
        manifest.close()

    index_path = live_index.path if live_index is not None else None  # the last write above was forced: current
    if options.gemeenten and not interrupted and _gemeenteoverzichten(options, period) and live_index is not None:
        from spiegel.batch.index import write_index

        # again, now that the index can link the gemeenteoverzichten
        index_path = write_index(period_dir, json.loads(manifest.json_path.read_text(encoding="utf-8")))
    return BatchResult(
        batch_id=batch_id, period=str(period), manifest=manifest.json_path, index=index_path,
        counts=manifest.counts(), elapsed=time.perf_counter() - clock, interrupted=interrupted,
        records=list(manifest.records.values()),
    )


class _LiveIndex:
    """The period's ``index.html``, rewritten after a manifest rewrite while the batch runs — throttled (see
    :data:`_INDEX_EVERY`) except for the final write (status ``klaar`` or ``onderbroken``)."""

    def __init__(self, period_dir: Path) -> None:
        self.period_dir = period_dir
        self.path: Path | None = None
        self._next = 0.0

    def __call__(self, manifest_json: str) -> None:
        from spiegel.batch.index import write_index

        manifest = json.loads(manifest_json)
        start = time.monotonic()
        if manifest.get("status") == "bezig" and start < self._next:
            return
        self.path = write_index(self.period_dir, manifest)
        self._next = time.monotonic() + max(_INDEX_EVERY, _INDEX_COST_FACTOR * (time.monotonic() - start))


def _gemeenteoverzichten(options: BatchOptions, period: Period) -> bool:
    """The period's gemeenteoverzichten, from the tables the reports left (none for a domain without them); True
    when it made them."""
    from spiegel.batch.gemeenteoverzicht import make_overzichten
    from spiegel.present.gemeentetabellen import tables_folder
    from spiegel.register import load_register

    if not tables_folder(options.out_root, str(period), options.domain).is_dir():
        return False
    register = load_register(Path(options.deliveries) / "register.csv")
    make_overzichten(options.out_root, period, register=register[register["domein"] == options.domain],
                     domain=options.domain,
                     formats=(*(f for f in options.formats if f in ("html", "pdf", "xlsx")), "csv"))
    return True


def _youth_history(
    options: BatchOptions, period: Period, period_dir: Path, jobs: list[Any]
) -> tuple[Path | None, dict[str, Any] | None]:
    """The youth history of every provider (spiegel.history) for the batch's reports: built once here, or an
    index kept by an earlier run reused when it holds the same deliveries. (None, None) for a domain without
    one or a batch without reports."""
    from spiegel import domains, history

    domain = domains.get(options.domain)
    if not jobs or not history.uses_history(domain):
        return None, None
    clock, cpu = time.perf_counter(), time.process_time()
    folder, built = history.ensure(options.deliveries, domain, period, period_dir / history.WORK_FOLDER)
    meta = history.read_meta(folder) or {}
    info = {k: meta.get(k) for k in ("perioden", "aanbieders", "leveringen", "onleesbaar", "jongeren", "einden")}
    info.update(gebouwd=built, seconden=round(time.perf_counter() - clock, 2),
                cpu_seconden=round(time.process_time() - cpu, 2), bewaard=options.keep_youth_history)
    return folder, info


def _stop_on_sigterm():
    """SIGTERM (``kill``, a scheduler stopping the job) stops the batch like Ctrl-C: the manifest is written as
    interrupted and ``--resume`` continues. Returns the previous handler (None when not in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def _raise(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, _raise)


def _progress(total: int, enabled: bool):
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(
        total=total, file=sys.stderr, unit="report", dynamic_ncols=True, mininterval=0.5,
        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}] {postfix}",
        desc="reports", postfix=f"made=0 failed=0 left={total}",
    )
