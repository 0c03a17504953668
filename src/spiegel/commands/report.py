"""``spiegel report``: one provider's spiegelrapport (or one gemeente's extract of it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from spiegel.commands import add_domain_argument, domain_of


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="make the spiegelrapport of one provider and period (notebook, HTML, PDF, tables)",
        description="Run the report notebook with papermill for one provider and period, then render it. "
        "Outputs go to OUT/<period>/<kvk>/ (an extract for one gemeente to OUT/<period>/<kvk>/gemeente-<code>/).",
    )
    p.add_argument("--provider", required=True, metavar="KVK", help="KvK number of the provider (8 digits)")
    p.add_argument("--period", required=True, help="reporting period, e.g. 2025H1")
    p.add_argument(
        "--formats", default="html,pdf,xlsx,csv",
        help="comma-separated outputs: html, pdf, xlsx, csv (default: all); the notebook is always written",
    )
    p.add_argument(
        "--protection", choices=("exact", "cbs"), default=None,
        help="protection of small numbers: exact for the provider's own report (default), "
        "cbs for anything that leaves the provider (default with --gemeente)",
    )
    p.add_argument("--gemeente", metavar="CODE", help="make the extract for one gemeente (4-digit CBS code)")
    p.add_argument("--deliveries", default=None, help="deliveries folder (default: the bundled sample)")
    add_domain_argument(p)
    p.add_argument("--out", default="outputs", help="output root (default: outputs)")
    p.add_argument(
        "--renderer", choices=("auto", "quarto", "builtin"), default="auto",
        help="rendering back-end: quarto when a quarto executable is found (auto), or the built-in one",
    )
    p.add_argument(
        "--engine", choices=("warm", "kernel"), default="warm",
        help="papermill engine: run the cells in this process (warm, the default; the engine of the batch) "
        "or in a fresh Jupyter kernel (kernel: as JupyterLab runs them, about 3 s slower)",
    )
    p.add_argument(
        "--keep-youth-history", action="store_true",
        help="keep the youth history of every provider (herhaald beroep) that this report builds in "
        "OUT/<period>/werk/ for the next report or batch (default: removed afterwards; one kept earlier is "
        "reused while the deliveries are the same)",
    )
    p.set_defaults(run=run)


def parse_formats(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))


def run(args: argparse.Namespace) -> int:
    from spiegel.errors import ParameterError

    if args.gemeente and not (args.gemeente.isdigit() and len(args.gemeente) == 4):
        raise ParameterError("--gemeente verwacht een CBS-gemeentecode van 4 cijfers, bijv. 0363")
    if not (args.provider.isdigit() and len(args.provider) == 8):
        raise ParameterError("--provider verwacht een KvK-nummer van 8 cijfers")
    deliveries = Path(args.deliveries) if args.deliveries else _sample()
    domain = domain_of(args)
    folder, built = _youth_history(domain, args.period, deliveries, Path(args.out))
    try:
        return _run(args, domain, deliveries, folder)
    finally:
        if folder is not None and built and not args.keep_youth_history:
            from spiegel.history import remove

            remove(folder)


def _youth_history(domain: Any, period: str, deliveries: Path, out: Path) -> tuple[Path | None, bool]:
    """(folder, built now) of the youth history for herhaald beroep (spiegel.history); (None, False) when the
    domain has none or the period has no deliveries folder."""
    from spiegel import history
    from spiegel.periods import Period

    per = Period.parse(period)
    domain.check_period(per)
    if not history.uses_history(domain) or not (deliveries / str(per)).is_dir():
        return None, False
    return history.ensure(deliveries, domain, per, out / str(per) / history.WORK_FOLDER)


def _run(args: argparse.Namespace, domain: Any, deliveries: Path, folder: Path | None) -> int:
    from spiegel.pipeline import ReportJob, make_report

    job = ReportJob(
        domain=domain.name,
        kvk=args.provider,
        period=args.period,
        deliveries=deliveries,
        out_root=Path(args.out),
        formats=parse_formats(args.formats),
        protection=args.protection or ("cbs" if args.gemeente else "exact"),
        gemeente=args.gemeente,
        renderer=args.renderer,
        engine="spiegel_warm" if args.engine == "warm" else None,
        youth_history=folder,
    )
    if job.engine == "spiegel_warm":
        from spiegel.sidecar import Sidecar

        with Sidecar() as sidecar:  # charts and rendering on the second core, warmed up while we read
            result = make_report(job, render_fn=sidecar.render)
            if result.status == "gemaakt":
                sidecar.flush()  # tables not yet written (no HTML/PDF asked): before the outputs are listed
    else:
        result = make_report(job)
    if result.status != "gemaakt":
        print(f"spiegel report: {result.kvk} {result.period}: mislukt bij {result.stage}: {result.message}",
              file=sys.stderr)
        return 2 if result.stage == "zoeken" else 1
    for name, path in sorted(result.outputs.items()):
        print(f"{name:10} {path}")
    return 0


def _sample():
    from spiegel.sample import DELIVERIES

    return DELIVERIES
