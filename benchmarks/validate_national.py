"""Benchmark: validate a national synthetic half-year (SPEC §9 scale) provider by provider and as one frame.

    python benchmarks/validate_national.py                       # synthesise 2024H2 + 2025H1 into a temp dir
    python benchmarks/validate_national.py --deliveries DIR      # use an existing `spiegel synth` output
    python benchmarks/validate_national.py --output docs/benchmarks/validate.md

Measures (wall clock, one process):
1. every provider's current delivery of the period validated with its previous-period delivery, as the batch
   does (reading is timed apart from validating), with the distribution of the per-delivery time;
2. all providers' deliveries of the period concatenated into one frame and validated at once (previous
   period concatenated likewise); the issue's target is under 5 seconds for this;
3. the fixed cost of validating a tiny (3-record) delivery.
Also lists which rules fired in how many deliveries (the synthetic clean providers should trigger no fout).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pandas as pd

from spiegel import deliveries as store
from spiegel import domains
from spiegel.periods import Period
from spiegel.read import Delivery, read_delivery
from spiegel.validate import validate

JH = domains.get("jeugdhulp")


def synthesise(out: Path, period: Period) -> None:
    """``spiegel synth`` at default scale (national volume, 5,000 providers), this period and the one before."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "spiegel.cli", "synth", "--out", str(out),
               "--periods", f"{period.previous()},{period}"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    print(f"synthesised {out} in {time.perf_counter() - start:.1f} s", file=sys.stderr)


def concatenated(parts: list[Delivery]) -> Delivery:
    """One delivery of all parts, with each text column in one piece as the reader makes it from one file
    (``pd.concat`` leaves Arrow string columns in thousands of chunks, which slows every string operation)."""
    frame = pd.concat([d.frame for d in parts], ignore_index=True)
    raw = pd.concat([d.raw for d in parts], ignore_index=True)
    for table in (frame, raw):
        for column in table.columns:
            if table[column].dtype == "str":
                table[column] = table[column].to_numpy(dtype=object)
                table[column] = table[column].astype("str")
    return Delivery.single(frame, raw, parts[0].source, parts[0].layout)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(root: Path, period: Period) -> str:
    current = store.current_deliveries(root, period)
    previous = store.current_deliveries(root, period.previous())
    read_s, validate_s, validate_cpu, sizes, per_delivery = 0.0, 0.0, 0.0, [], []
    first: float | None = None
    fired: Counter[str] = Counter()
    errors_in: Counter[str] = Counter()
    cur_parts, prev_parts = [], []
    for (_, kvk), ref in sorted(current.items()):
        t0 = time.perf_counter()
        delivery = read_delivery(ref.path, JH.layout(ref.meta.indeling))
        prev_ref = previous.get((str(period.previous()), kvk))
        prev = read_delivery(prev_ref.path, JH.layout(prev_ref.meta.indeling)) if prev_ref else None
        t1, c1 = time.perf_counter(), time.process_time()
        findings = validate(delivery, period, previous=prev, meta=ref.meta)
        t2 = time.perf_counter()
        read_s += t1 - t0
        validate_s += t2 - t1
        validate_cpu += time.process_time() - c1
        if first is None:
            first = t2 - t1  # loads code lists and the rule set once per process
        else:
            per_delivery.append(t2 - t1)
        sizes.append(len(delivery))
        for code in findings.codes():
            fired[code] += 1
        if findings.has_errors:
            for code in {f.regel for f in findings if f.ernst == "fout"}:
                errors_in[code] += 1
        cur_parts.append(delivery)
        if prev is not None:
            prev_parts.append(prev)

    big, big_prev = concatenated(cur_parts), concatenated(prev_parts)
    t0, c0 = time.perf_counter(), time.process_time()
    validate(big, period, previous=big_prev)
    with_prev, with_prev_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    validate(big, period)
    without_prev, without_prev_cpu = time.perf_counter() - t0, time.process_time() - c0

    tiny = Delivery.single(cur_parts[0].frame.head(3), cur_parts[0].raw.head(3), cur_parts[0].source,
                           cur_parts[0].layout)
    validate(tiny, period, previous=tiny)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(50):
        validate(tiny, period, previous=tiny)
    tiny_ms, tiny_cpu_ms = (time.perf_counter() - t0) / 50 * 1000, (time.process_time() - c0) / 50 * 1000

    ms = [x * 1000 for x in per_delivery]
    lines = [
        "# Benchmark: validation of a national half-year",
        "",
        f"Measured by `benchmarks/validate_national.py` on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}, pandas {pd.__version__}), period {period}, "
        "synthetic country made by `spiegel synth` at default scale (unless `--deliveries` named another "
        "store). One process; wall-clock and CPU time (CPU time "
        f"is what an idle machine's wall clock would show; the machine was shared, load average at the end "
        f"{os.getloadavg()[0]:.1f}).",
        "",
        "| What | Wall clock | CPU |",
        "|---|---|---|",
        f"| Deliveries validated | {len(cur_parts):,} ({len(prev_parts):,} with a previous-period delivery) | |",
        f"| Records in the period | {sum(sizes):,} (previous period {len(big_prev):,}) | |",
        f"| One concatenated frame, with previous period | **{with_prev:.2f} s** | **{with_prev_cpu:.2f} s** |",
        f"| One concatenated frame, without previous period | {without_prev:.2f} s | {without_prev_cpu:.2f} s |",
        f"| Provider by provider: validating, total | {validate_s:.1f} s | {validate_cpu:.1f} s |",
        f"| Provider by provider: reading (not validation), total | {read_s:.1f} s | |",
        f"| First delivery (loads code lists and rules once per process) | {(first or 0) * 1000:.0f} ms | |",
        f"| Per delivery after the first: median / p95 / max | {statistics.median(ms):.1f} / "
        f"{percentile(ms, 0.95):.1f} / {max(ms):.1f} ms | |",
        f"| Tiny delivery (3 records, with previous): fixed cost | {tiny_ms:.1f} ms | {tiny_cpu_ms:.1f} ms |",
        "",
        "Rules that fired, in how many deliveries (fout in how many):",
        "",
        "| Rule | Deliveries | With this fout |",
        "|---|---|---|",
    ]
    for code in sorted(fired):
        lines.append(f"| {code} | {fired[code]:,} | {errors_in.get(code, 0):,} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=Path, help="existing delivery store (default: synthesise one)")
    parser.add_argument("--keep", type=Path, help="synthesise into this folder and keep it (default: a temp dir)")
    parser.add_argument("--period", default="2025H1")
    parser.add_argument("--output", type=Path, help="write the Markdown result here (e.g. docs/benchmarks/validate.md)")
    args = parser.parse_args()
    period = Period.parse(args.period)
    with tempfile.TemporaryDirectory(prefix="spiegel-validate-") as tmp:
        root = args.deliveries
        if root is None:
            root = args.keep or Path(tmp) / "land"
            synthesise(root, period)
        text = run(root, period)
    if args.output:
        from spiegel.io import write_text_atomic

        write_text_atomic(args.output, text + _kept_notes(args.output))
    print(text)


NOTES = "<!-- notes: kept when the benchmark rewrites this file -->"


def _kept_notes(path: Path) -> str:
    """The hand-written notes of an earlier result (from the :data:`NOTES` marker on), so that a new run
    replaces the measured figures and keeps what was written about them."""
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    return "\n" + old[old.index(NOTES):] if NOTES in old else ""


if __name__ == "__main__":
    main()
