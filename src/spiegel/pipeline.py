"""One report, end to end: find the delivery, execute the notebook with papermill, render, collect the result.

``spiegel report`` and ``spiegel batch`` both call :func:`make_report`, so a report made alone and a report
made in a batch are made the same way. The executed notebook is papermill's run record; it is written under a
temporary name and renamed when it is complete (a failed run is kept as ``<notebook>.fout.ipynb``, e.g.
``jeugdhulp.fout.ipynb``, with papermill's error cell, and never under the finished name). The job names its
domain (default jeugdhulp), which gives the notebook; this module looks the domain up by name.

Layout of one report's folder (``outputs/<period>/<kvk>/``, an extract for one gemeente in
``outputs/<period>/<kvk>/gemeente-<code>/``)::

    <domain notebook>.ipynb  executed notebook (jeugdhulp.ipynb)
    spiegelrapport.html      self-contained HTML
    spiegelrapport.pdf       PDF
    tabellen.xlsx            every table, one sheet per table
    tabellen/<table>.csv     the same tables as CSV
    samenvatting.json        aggregates for the batch manifest and index (no row values; in an extract protected,
                             the exact one beside the extract folder: see spiegel.present.report.summary_path)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from spiegel import __version__, fastpath
from spiegel.errors import InputError, ParameterError, SpiegelError
from spiegel.periods import Period
from spiegel.present.report import summary_path

PACKAGE_ROOT = Path(__file__).resolve().parent
NOTEBOOKS = PACKAGE_ROOT.parents[1] / "notebooks"
KERNEL = "spiegel"
FORMATS = ("html", "pdf", "xlsx", "csv")
DEFAULT_FORMATS = ("html", "pdf", "xlsx", "csv")
DEFAULT_DOMAIN = "jeugdhulp"


def failed_notebook_name(notebook: Path) -> str:
    """``jeugdhulp.ipynb`` → ``jeugdhulp.fout.ipynb``: where a failed run's notebook is kept."""
    return f"{Path(notebook).stem}.fout.ipynb"


@dataclass(frozen=True)
class ReportJob:
    """Everything that determines one report. ``period`` may be given as text; it is kept as a :class:`Period`.
    ``notebook`` defaults to the domain's notebook."""

    kvk: str
    period: Period
    deliveries: Path
    out_root: Path = Path("outputs")
    formats: tuple[str, ...] = DEFAULT_FORMATS
    protection: str = "exact"
    gemeente: str | None = None
    renderer: str = "auto"
    engine: str | None = None  # papermill engine name; None = papermill's default (a kernel per notebook)
    notebook: Path | None = None
    domain: str = DEFAULT_DOMAIN
    domain_module: str | None = field(default=None, compare=False)  # what a worker imports to know the domain
    youth_history: Path | None = None  # folder of the youth history of every provider (spiegel.history)

    def __post_init__(self) -> None:
        from spiegel import domains

        period = Period.parse(str(self.period))
        object.__setattr__(self, "period", period)
        domain = domains.get(self.domain)
        domain.check_period(period)
        object.__setattr__(self, "domain_module", domains.module_of(domain.name))
        if self.notebook is None:
            object.__setattr__(self, "notebook", NOTEBOOKS / domain.notebook)
        unknown = sorted(set(self.formats) - set(FORMATS))
        if unknown:
            raise ParameterError(f"onbekend formaat: {', '.join(unknown)}; kies uit {', '.join(FORMATS)}")

    @property
    def out_dir(self) -> Path:
        base = Path(self.out_root) / str(self.period) / self.kvk
        return base / f"gemeente-{self.gemeente}" if self.gemeente else base

    @property
    def notebook_file(self) -> str:
        """The executed notebook's name in the report folder (the notebook's own name)."""
        return Path(self.notebook).name  # type: ignore[arg-type]

    def parameters(self) -> dict[str, Any]:
        """The notebook's parameters (papermill injects them after the cell tagged ``parameters``)."""
        return {
            "provider": self.kvk,
            "period": str(self.period),
            "deliveries": str(Path(self.deliveries).resolve()),
            "protection": self.protection,
            "gemeente": self.gemeente,
            "output_dir": str(self.out_dir.resolve()),
            "table_formats": [f for f in self.formats if f in ("xlsx", "csv")],
            **({"youth_history": str(Path(self.youth_history).resolve())} if self.youth_history else {}),
        }


@dataclass
class ReportResult:
    """What became of one report (the batch's manifest record)."""

    kvk: str
    period: str
    gemeente: str | None
    status: str  # "gemaakt" | "mislukt"
    stage: str | None = None  # where it failed: zoeken | uitvoeren | opmaken
    error_type: str | None = None
    message: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    input_key: str | None = None
    code_version: str = ""
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def code_version() -> str:
    """The package version plus a hash of every source and data file of the package and of the notebooks:
    a change anywhere in the code makes every report's input key change."""
    digest = hashlib.sha256()
    roots = [PACKAGE_ROOT, NOTEBOOKS]
    for root in roots:
        if not root.exists():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in {
                ".py", ".yaml", ".yml", ".csv", ".j2", ".typ", ".css", ".json", ".ipynb",
            }:
                if path.is_relative_to(PACKAGE_ROOT / "sample"):
                    continue  # the bundled sample is input data, not code
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def input_files(job: ReportJob) -> list[Any]:
    """The delivery files a report reads: the current delivery of its period, then the provider's earlier
    deliveries (previous-period comparison, herhaald beroep), as :class:`spiegel.deliveries.DeliveryRef`."""
    from spiegel import deliveries as store

    period = job.period
    current = store.current_delivery(job.deliveries, period, job.kvk)
    if current is None:
        raise InputError(
            Path(job.deliveries) / str(period) / job.kvk, f"geen aanlevering gevonden voor {period} van {job.kvk}"
        )
    history = [r for r in store.history(job.deliveries, job.kvk, period) if r.meta.domein == job.domain]
    return [current, *history]


def input_bytes(files: list[Any]) -> int:
    """Size of a report's delivery files (:func:`input_files`): what its memory need and text storage follow."""
    return sum(ref.path.stat().st_size for ref in files)


def input_key(job: ReportJob, files: list[Any] | None = None) -> str:
    """A hash of everything a report depends on: the current delivery and the provider's earlier deliveries
    (:func:`input_files`, passed in when the caller has them already), the parameters, the code version and
    the notebook; with a youth history (``job.youth_history``) also what that history says about this provider's
    started trajectories (``spiegel.history.YouthHistory.provider_key``), so that another provider's new delivery
    makes the report again only when it changes one of its herhaald beroepen."""
    parts = [ref.sha256() for ref in (files if files is not None else input_files(job))]
    params = {k: v for k, v in job.parameters().items() if k not in ("deliveries", "output_dir", "youth_history")}
    payload = {
        "deliveries": parts,
        "parameters": params,
        "formats": sorted(job.formats),
        "renderer": job.renderer,
        "domain": job.domain,
        "code": code_version(),
        "notebook": hashlib.sha256(Path(job.notebook).read_bytes()).hexdigest(),
    }
    if job.youth_history:
        from spiegel.history import read_meta

        meta = read_meta(job.youth_history) or {}
        payload["youth_history"] = (meta.get("per_aanbieder") or {}).get(job.kvk)
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def make_report(job: ReportJob, render_fn: Callable[..., dict[str, Path]] | None = None) -> ReportResult:
    """Make one report. Never raises for a problem of this provider: the result says what failed and where.

    ``render_fn`` renders the executed notebook (signature of :func:`spiegel.render.render`); default: that
    function, in this process (``spiegel report`` passes :meth:`spiegel.sidecar.Sidecar.render`)."""
    result = ReportResult(job.kvk, str(job.period), job.gemeente, "mislukt", code_version=code_version())
    stage = "zoeken"
    clock = time.perf_counter()
    try:
        files = input_files(job)
        if job.gemeente:  # an extract that would hold nothing is refused before anything is written
            from spiegel.report import check_extract

            check_extract(job.kvk, job.period, job.deliveries, job.gemeente, domain=job.domain)
        result.input_key = input_key(job, files)
        result.timings["zoeken"] = round(time.perf_counter() - clock, 4)

        kept = keep_replaced_report(job, files)
        if kept is not None:
            result.outputs["vervangen"] = str(kept)
        stage, clock = "uitvoeren", time.perf_counter()
        with fastpath.string_storage(input_bytes(files)), _gemeente_tables_target(job):
            notebook_path, executed = _execute(job)
        result.outputs["notebook"] = str(notebook_path)
        result.timings["uitvoeren"] = round(time.perf_counter() - clock, 4)
        result.summary = _read_summary(summary_path(job.out_dir, job.gemeente))
        for name, value in result.summary.pop("bestanden", {}).items():
            result.outputs[name] = str(job.out_dir / value)

        stage, clock = "opmaken", time.perf_counter()
        documents = [f for f in job.formats if f in ("html", "pdf")]
        if documents:
            if render_fn is None:  # from the notebook in memory: the file holds the same, parsing it costs ~15 ms
                from spiegel.render import render_notebook

                rendered = render_notebook(executed, job.out_dir, formats=tuple(documents), renderer=job.renderer,
                                           source_dir=notebook_path.parent)
            else:
                rendered = render_fn(notebook_path, job.out_dir, formats=tuple(documents), renderer=job.renderer)
            result.outputs.update({k: str(v) for k, v in rendered.items()})
        result.timings["opmaken"] = round(time.perf_counter() - clock, 4)
        result.status = "gemaakt"
    except SpiegelError as exc:
        result.stage, result.error_type, result.message = stage, type(exc).__name__, str(exc)
    except Exception as exc:  # a failure of one provider must not stop a batch
        ename = getattr(exc, "ename", None)  # the notebook's own error: an InputError there is the file's fault
        result.stage = stage
        result.error_type = ename if ename in _USER_ERRORS else type(exc).__name__
        result.message = _safe_message(exc, failed_notebook_name(job.notebook))  # type: ignore[arg-type]
        failed = job.out_dir / failed_notebook_name(job.notebook)  # type: ignore[arg-type]
        if failed.exists():
            result.outputs["notebook_fout"] = str(failed)
    return result


REPLACED_FOLDER = "vervangen"


def keep_replaced_report(job: ReportJob, files: list[Any]) -> Path | None:
    """Before a report is made from another delivery than the one its folder shows (a herlevering), move the old
    report into ``vervangen/<receipt time of its delivery>/`` (SPEC §11: kept, never overwritten). Returns the
    newest kept report's HTML (or folder), or None when there is none."""
    import shutil
    from datetime import datetime

    out = job.out_dir
    kept_root = out / REPLACED_FOLDER
    try:
        summary = json.loads(summary_path(out, job.gemeente).read_text(encoding="utf-8"))
        old = summary.get("levering") or {}
        current = files[0].sha256() if files and hasattr(files[0], "sha256") else None
    except (OSError, ValueError, SpiegelError):
        old, current = {}, None
    if old.get("sha256") and current and old["sha256"] != current:
        try:
            stamp = datetime.fromisoformat(str(old.get("ontvangen"))).strftime("%Y%m%dT%H%M%S")
        except ValueError:
            stamp = str(old["sha256"])[:12]
        target = kept_root / stamp
        if not target.exists():
            tmp = kept_root / f".{uuid.uuid4().hex}.tmp"
            tmp.mkdir(parents=True)
            for item in out.iterdir():
                if item.name == REPLACED_FOLDER or item.name.startswith(("gemeente-", ".")):
                    continue
                shutil.move(str(item), str(tmp / item.name))
            os.replace(tmp, target)
    if not kept_root.is_dir():
        return None
    folders = sorted(p for p in kept_root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        return None
    html = folders[-1] / "spiegelrapport.html"
    return html if html.exists() else folders[-1]


@contextlib.contextmanager
def _gemeente_tables_target(job: ReportJob):
    """While the notebook runs, tell the report where to leave its exact per-gemeente tables (the period's work
    folder, ``spiegel.present.gemeentetabellen``); an old file is removed first. Not for an extract of one
    gemeente."""
    from spiegel.present import gemeentetabellen

    if job.gemeente:
        yield
        return
    target = gemeentetabellen.tables_path(Path(job.out_root).resolve(), str(job.period), job.domain, job.kvk)
    target.unlink(missing_ok=True)
    before = os.environ.get(gemeentetabellen.ENV)
    os.environ[gemeentetabellen.ENV] = str(target)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(gemeentetabellen.ENV, None)
        else:
            os.environ[gemeentetabellen.ENV] = before


def _execute(job: ReportJob) -> tuple[Path, Any]:
    """Run the notebook; returns the executed notebook's path and the notebook itself."""
    import papermill as pm

    from spiegel.notebook_io import read_without_outputs

    notebook = str(job.notebook)
    read_without_outputs(notebook)
    job.out_dir.mkdir(parents=True, exist_ok=True)
    final = job.out_dir / job.notebook_file
    tmp = job.out_dir / f".{uuid.uuid4().hex}.tmp.ipynb"
    failed = job.out_dir / failed_notebook_name(job.notebook)  # type: ignore[arg-type]
    try:
        executed = pm.execute_notebook(
            notebook,
            str(tmp),
            parameters=job.parameters(),
            engine_name=job.engine,
            kernel_name=KERNEL,
            progress_bar=False,
            request_save_on_cell_execute=False,
            cwd=str(Path(job.notebook).parent),
        )
    except BaseException:
        if tmp.exists():
            os.replace(tmp, failed)
        raise
    os.replace(tmp, final)
    with contextlib.suppress(FileNotFoundError):
        failed.unlink()
    return final, executed


def _read_summary(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


_USER_ERRORS = {"InputError", "ParameterError", "SpiegelError"}


def _safe_message(exc: BaseException, notebook: str = "het notebook") -> str:
    """A message for the manifest. papermill's error carries the notebook's exception; we keep its type and the
    place, not its text, because an unexpected exception's text may quote data."""
    ename = getattr(exc, "ename", None)
    if ename:
        if ename in _USER_ERRORS:
            return f"{ename}: {getattr(exc, 'evalue', '')}"
        return f"{ename} in cel {getattr(exc, 'exec_count', '?')} van het notebook (zie {notebook})"
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}{where}"
