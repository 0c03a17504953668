"""Benchmark: a national batch of all 15 synthetic GIs — jeugdbescherming (with machtigingen) for one half-year and
jeugdreclassering (with PJK) for one quarter — and the national scale of the synthetic data against the published
figures.

    python benchmarks/gi_national.py                        # synthesise into a temp dir
    python benchmarks/gi_national.py --output docs/benchmarks.md   # replace the section between its markers

Measures, on the machine as it is (shared with other work: the load is reported, and CPU seconds of every process
of each report in its worker beside the wall time):
1. scale: the measure-level national flows of the simulated year 2022 (one chain per measure across GIs) against
   the published JB and JR 2022 figures (target: within ±5 %);
2. the batch: `spiegel batch --domain jb --period 2025H1` and `--domain jr --period 2025Q2` with HTML, PDF, XLSX and
   CSV per GI, two workers (the target: both together under a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from spiegel.domains.gi import synth
from spiegel.periods import Period

BEGIN, END = "<!-- gi-national -->", "<!-- /gi-national -->"
RUNS = {"jb": ("2024H2", "2025H1"), "jr": ("2025Q1", "2025Q2")}
YEAR_2022 = {"jb": ["2022H1", "2022H2"], "jr": ["2022Q1", "2022Q2", "2022Q3", "2022Q4"]}


def scale_rows() -> list[str]:
    gis = synth.national_gis(date(2022, 12, 31))
    rows = []
    for domain in ("jb", "jr"):
        country = synth.simulate(domain, gis, [Period.parse(p) for p in YEAR_2022[domain]], scale=1.0, seed=2025)
        types = None if domain == "jb" else set(synth.JR_TYPES)
        got = synth.chain_flows(country.chains, date(2022, 1, 1), date(2022, 12, 31), types)
        for key, published in synth.PUBLISHED[domain].items():
            diff = (got[key] - published) / published
            rows.append(f"| {domain.upper()} {key} | {got[key]:,} | {published:,} | {diff:+.1%} |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", type=Path, default=None, help="docs/benchmarks.md: replace the GI section")
    args = parser.parse_args()
    scale = scale_rows()
    results = []
    with tempfile.TemporaryDirectory(prefix="spiegel-gi-bench-") as tmp:
        root = Path(tmp) / "land"
        synth_s = 0.0
        for domain, periods in RUNS.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "spiegel.cli", "synth", "--domain", domain, "--out", str(root),
                            "--periods", ",".join(periods)], check=True, stdout=subprocess.DEVNULL)
            synth_s += time.perf_counter() - start
        for domain, periods in RUNS.items():
            command = [sys.executable, "-m", "spiegel.cli", "batch", "--domain", domain, "--period", periods[-1],
                       "--deliveries", str(root), "--out", str(Path(tmp) / "outputs"), "--formats",
                       "html,pdf,xlsx,csv", "--workers", str(args.workers), "--no-progress"]
            wall = time.perf_counter()
            done = subprocess.run(command, check=True, capture_output=True, text=True)
            wall = time.perf_counter() - wall
            manifest = json.loads((Path(tmp) / "outputs" / periods[-1] / f"manifest-{domain}.json")
                                  .read_text(encoding="utf-8"))
            seconds = [float(p["timings"]["totaal"]) for p in manifest["providers"] if p.get("timings")]
            results.append((domain, periods[-1], wall, seconds, done.stdout.strip().splitlines()[-1]))
    load = os.getloadavg()[0]
    total_wall = sum(r[2] for r in results)
    lines = [
        BEGIN,
        "## Gecertificeerde instellingen: scale of the synthetic data and a national batch",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.platform()}, Python "
        f"{platform.python_version()}, {os.cpu_count()} cores, load at the end {load:.1f} (a load near 2 "
        "means the two cores were busy with this benchmark alone). "
        "Command: `python benchmarks/gi_national.py`.",
        "",
        "Scale: measure-level national flows (one chain per measure across the 15 GIs, `synth.chain_flows`) of the "
        "simulated year 2022 (seed 2025) against the published national figures (JR: types 41–63, without PJK).",
        "",
        "| Measure | Synthetic | Published | Difference |",
        "|---|---:|---:|---:|",
        *scale,
        "",
        f"Batch: 15 GIs, synthesised with `spiegel synth --domain jb --periods 2024H2,2025H1` and `--domain jr "
        f"--periods 2025Q1,2025Q2` in {synth_s:.1f} s; HTML, PDF, XLSX and CSV per GI, {args.workers} workers.",
        "",
        "| Batch | Wall s | Reports in their workers: sum s | median s | largest GI s | Summary |",
        "|---|---:|---:|---:|---:|---|",
        *(f"| {d} {p} | {w:.1f} | {sum(sec):.1f} | {statistics.median(sec):.2f} | {max(sec):.2f} | `{line}` |"
          for d, p, w, sec, line in results),
        "",
        f"Together **{total_wall:.1f} s** wall (target: under 60 s on 2 cores); the reports took "
        f"{sum(sum(r[3]) for r in results):.1f} s in their workers together.",
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
