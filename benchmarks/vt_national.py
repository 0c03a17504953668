"""Benchmark: a national Veilig Thuis half-year (26 organisations, ~140,000 adviezen, meldingen and onderzoeken plus
their ~175,000 persons) validated and reported, SPEC §5.8 volume.

    python benchmarks/vt_national.py                        # synthesise 2024H2 + 2025H1 into a temp dir
    python benchmarks/vt_national.py --deliveries DIR       # an existing `spiegel synth --domain vt` output
    python benchmarks/vt_national.py --output docs/benchmarks.md   # replace the section between its markers

Measures, on the machine as it is (shared with other work: the load is reported, and the seconds each report took in
its worker beside the batch's wall time):
1. validation alone: every organisation's 2025H1 delivery read and validated with its history (as the report does),
   one process;
2. the batch: `spiegel batch --domain vt` with HTML, PDF, XLSX and CSV per organisation, two workers (the target:
   under a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from spiegel import deliveries as store
from spiegel import domains
from spiegel.periods import Period
from spiegel.read import read_delivery
from spiegel.validate import validate

VT = domains.get("vt")
PERIOD = Period.parse("2025H1")
BEGIN, END = "<!-- vt-national -->", "<!-- /vt-national -->"


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def synthesise(out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "spiegel.cli", "synth", "--domain", "vt", "--out", str(out),
                    "--periods", f"{PERIOD.previous()},{PERIOD}"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def validate_all(root: Path) -> tuple[float, float, int, int]:
    """(wall s, CPU s, records, findings) of reading and validating every organisation's delivery of the period."""
    wall, cpu = time.perf_counter(), _cpu()
    records = findings = 0
    for (_, kvk), ref in sorted(store.current_deliveries(root, PERIOD).items()):
        history = [(r.meta.period, read_delivery(r.path, VT.layout(r.meta.indeling)))
                   for r in store.history(root, kvk, PERIOD) if r.meta.domein == "vt"]
        delivery = read_delivery(ref.path, VT.layout(ref.meta.indeling))
        result = validate(delivery, PERIOD, previous=history[-1][1] if history else None, history=history,
                          meta=ref.meta, domain=VT)
        records += sum(len(delivery.sets[s]) for s in ("adviezen", "meldingen", "onderzoeken"))
        findings += len(result)
    return time.perf_counter() - wall, _cpu() - cpu, records, findings


def batch(root: Path, out: Path, workers: int) -> tuple[float, list[float], str]:
    """(wall s, seconds of each report in its worker from the manifest, the summary line)."""
    import json

    command = [sys.executable, "-m", "spiegel.cli", "batch", "--domain", "vt", "--period", str(PERIOD),
               "--deliveries", str(root), "--out", str(out), "--formats", "html,pdf,xlsx,csv", "--workers",
               str(workers), "--no-progress"]
    wall = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - wall
    manifest = json.loads((out / str(PERIOD) / "manifest-vt.json").read_text(encoding="utf-8"))
    seconds = [float(p["timings"]["totaal"]) for p in manifest["providers"] if p.get("timings")]
    return wall, seconds, done.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", type=Path, default=None, help="docs/benchmarks.md: replace the VT section")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="spiegel-vt-bench-") as tmp:
        root = args.deliveries or Path(tmp) / "land"
        synth_s = synthesise(root) if args.deliveries is None else None
        v_wall, v_cpu, records, findings = validate_all(root)
        b_wall, seconds, line = batch(root, Path(tmp) / "outputs", args.workers)
    load = os.getloadavg()[0]
    lines = [
        BEGIN,
        "## Veilig Thuis: a national half-year",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.platform()}, Python "
        f"{platform.python_version()}, {os.cpu_count()} cores, load at the end {load:.1f} (the machine was shared "
        "with other work). Command: `python benchmarks/vt_national.py`.",
        "",
        f"- data: 26 organisations, {records:,} adviezen, meldingen and onderzoeken in 2025H1 (plus their persons), "
        "synthesised with `spiegel synth --domain vt --periods 2024H2,2025H1`"
        + (f" in {synth_s:.1f} s" if synth_s is not None else ""),
        f"- validation of every organisation (read, validate with its history, one process): **{v_wall:.1f} s** "
        f"wall, {v_cpu:.1f} CPU s, {findings:,} findings",
        f"- batch with HTML, PDF, XLSX and CSV, {args.workers} workers: **{b_wall:.1f} s** wall (target: under 60 s); "
        f"the reports took {sum(seconds):.1f} s in their workers together (median {statistics.median(seconds):.2f} s, "
        f"largest organisation {max(seconds):.2f} s)",
        f"- summary line: `{line}`",
        END,
    ]
    text = "\n".join(lines)
    print(text)
    if args.output:
        doc = args.output.read_text(encoding="utf-8")
        if BEGIN in doc:
            doc = doc[: doc.index(BEGIN)] + text + doc[doc.index(END) + len(END):]
        else:
            doc = doc.rstrip("\n") + "\n\n" + text + "\n"
        args.output.write_text(doc, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
