"""Benchmark: one report end to end for a provider with about 10,000 trajectories (not a test).

    .venv/bin/python benchmarks/report_single.py                  # synthesises a small country first
    .venv/bin/python benchmarks/report_single.py --deliveries DIR # uses an existing synthetic store

Picks the provider whose 2025H1 delivery has the number of records closest to 10,000, then times
``spiegel report`` for it (executed notebook + HTML + PDF + XLSX + CSV) as a user runs it: the default (papermill
with the in-process engine, plus the sidecar process that warms up charts and rendering on the second core), and
``--engine kernel`` (papermill's default engine: a fresh Jupyter kernel, as JupyterLab runs the notebook). As a
baseline measured in the same run: the papermill CLI executing an empty notebook (the fixed cost of a kernel).
Target: under 5 s end to end. Results go to ``docs/benchmarks/report.md``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_common import ROOT, SPIEGEL, machine

BIN = Path(sys.executable).parent
RESULTS = ROOT / "docs" / "benchmarks" / "report.md"


def _timed(cmd: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def pick_provider(deliveries: Path, period: str, target: int) -> tuple[str, int]:
    from spiegel import deliveries as store
    from spiegel.domains import get
    from spiegel.read import read_delivery

    best = None
    for (_, kvk), ref in store.current_deliveries(deliveries, period).items():
        rows = read_delivery(ref.path, get("jeugdhulp").layout(ref.meta.indeling)).source.rows
        if best is None or abs(rows - target) < abs(best[1] - target):
            best = (kvk, rows)
    assert best is not None, "no deliveries found"
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deliveries", type=Path, help="existing synthetic store (default: synthesise one)")
    ap.add_argument("--period", default="2025H1")
    ap.add_argument("--target", type=int, default=10_000, help="records of the provider to pick")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="spiegel-report-bench-") as tmp:
        work = Path(tmp)
        deliveries = args.deliveries
        if deliveries is None:
            deliveries = work / "country"
            subprocess.run([SPIEGEL, "synth", "--out", str(deliveries), "--providers", "120", "--scale", "0.2",
                            "--periods", "2024H2,2025H1"], check=True, capture_output=True)
        kvk, rows = pick_provider(deliveries, args.period, args.target)

        empty = work / "empty.ipynb"
        empty.write_text(json.dumps({"cells": [], "metadata": {"kernelspec": {"name": "spiegel", "language": "python",
                         "display_name": "spiegel"}}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
        baseline = _timed([str(BIN / "papermill"), str(empty), str(work / "out.ipynb"), "-k", "spiegel",
                           "--no-progress-bar"], args.runs)
        report = [SPIEGEL, "report", "--provider", kvk, "--period", args.period, "--deliveries", str(deliveries),
                  "--renderer", "builtin"]
        warm = _timed([*report, "--out", str(work / "w")], args.runs)
        kernel = _timed([*report, "--out", str(work / "k"), "--engine", "kernel"], args.runs)
        summary = json.loads((work / "w" / args.period / kvk / "samenvatting.json").read_text(encoding="utf-8"))

    med = {name: statistics.median(v) for name, v in (("baseline", baseline), ("kernel", kernel), ("warm", warm))}
    spread = {name: (min(v), max(v)) for name, v in (("baseline", baseline), ("kernel", kernel), ("warm", warm))}
    lines = [
        "## One report for a provider with about 10,000 trajectories",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}; `python benchmarks/report_single.py`; "
        f"median of {args.runs} runs each, in one run of the script.",
        "",
        f"Provider: synthetic, {rows} records in its {args.period} delivery "
        f"({summary['stromen'][0]['trajecten_totaal']} trajectories counted). "
        "Outputs: executed notebook, HTML, PDF, XLSX, CSV.",
        "",
        "| what | seconds (median) | min – max | ratio to baseline |",
        "|---|---:|---:|---:|",
        f"| baseline: papermill CLI, empty notebook (kernel start and stop) | {med['baseline']:.2f} | "
        f"{spread['baseline'][0]:.2f} – {spread['baseline'][1]:.2f} | 1.0 |",
        f"| `spiegel report` (default: in-process engine + sidecar) | {med['warm']:.2f} | "
        f"{spread['warm'][0]:.2f} – {spread['warm'][1]:.2f} | {med['warm'] / med['baseline']:.2f} |",
        f"| `spiegel report --engine kernel` (a fresh Jupyter kernel) | {med['kernel']:.2f} | "
        f"{spread['kernel'][0]:.2f} – {spread['kernel'][1]:.2f} | {med['kernel'] / med['baseline']:.2f} |",
        "",
        f"In-notebook stage times of the last default run (s): {summary['tijden']}.",
        "",
        f"Target: under 5 s end to end — {'met' if med['warm'] < 5 else 'NOT met'} by `spiegel report` as it "
        "runs by default (every run: "
        f"{', '.join(f'{t:.2f}' for t in warm)} s).",
        "",
    ]
    text = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
