"""Benchmark: the youth history of every provider (spiegel.history) for a national store, in CPU seconds.

Finds the deliveries of the window (five years of periods up to PERIOD; the sidecars of every period), builds
the index (one pass over every current delivery), writes it, and times the per-report lookup for the largest,
the 90th-percentile and the median provider of the period. The store must exist, e.g.

    spiegel synth --out /tmp/land --periods 2023H1,2023H2,2024H1,2024H2,2025H1 --scale 1
    .venv/bin/python benchmarks/youth_history.py --deliveries /tmp/land [--period 2025H1]

(the synthetic country starts in 2023, so five half-years are the most it holds). Prints a Markdown section
for docs/benchmarks.md. The secret is a temporary key file (SPIEGEL_HISTORY_KEY_FILE), not the user's.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", required=True)
    parser.add_argument("--period", default="2025H1")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="spiegel-history-bench-"))
    key = work / "k.key"
    key.write_text("benchmark-key-0123456789abcdef\n")
    os.environ["SPIEGEL_HISTORY_KEY_FILE"] = str(key)

    from spiegel import deliveries, domains, flows, history
    from spiegel.periods import Period
    from spiegel.read import read_delivery

    dom, per = domains.get("jeugdhulp"), Period.parse(args.period)
    wall, cpu = time.perf_counter(), time.process_time()
    refs = history.sources(args.deliveries, dom, per)
    find = (time.perf_counter() - wall, time.process_time() - cpu)
    wall, cpu = time.perf_counter(), time.process_time()
    built = history.build(args.deliveries, dom, per, refs=refs)
    folder = history.write(built, work / "index")
    build = (time.perf_counter() - wall, time.process_time() - cpu)
    size = sum(p.stat().st_size for p in folder.iterdir())
    loaded = history.load(folder)
    current = sorted(deliveries.current_deliveries(args.deliveries, per).values(), key=lambda r: r.path.stat().st_size)
    lookups = []
    for label, ref in (("median", current[len(current) // 2]), ("p90", current[int(len(current) * 0.9)]),
                       ("largest", current[-1])):
        frame = read_delivery(ref.path, dom.layout(ref.meta.indeling)).frame
        start = frame["datum_aanvang"].to_numpy().astype("datetime64[D]")
        end = frame["datum_einde"].to_numpy().astype("datetime64[D]")
        started = flows.flags(start, end, np.datetime64(per.first_day), np.datetime64(per.last_day))["instroom"]
        secret = history.secret()
        clock = time.process_time()
        for _ in range(20):
            loaded.herhaald(frame, start, started, secret)
        lookups.append((label, len(frame), int(started.sum()), (time.process_time() - clock) / 20 * 1000))
    meta = built.meta
    print("<!-- youth-history -->")
    print("## The youth history of every provider (herhaald beroep bij enige aanbieder)\n")
    print(f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.platform()}, Python "
          f"{platform.python_version()}, {os.cpu_count()} cores, load at the end {os.getloadavg()[0]:.1f}. "
          f"Command: `python benchmarks/youth_history.py --deliveries <store> --period {per}`.\n")
    print(f"- store: {meta['leveringen']:,} current deliveries of {meta['aanbieders']:,} providers in "
          f"{len(meta['perioden'])} periods ({meta['perioden'][0]} t/m {meta['perioden'][-1]})")
    print(f"- finding them (every sidecar of the window): {find[0]:.1f} s wall, **{find[1]:.1f} CPU s**")
    print(f"- building and writing the index (one pass over every delivery): {build[0]:.1f} s wall, "
          f"**{build[1]:.1f} CPU s**; {meta['jongeren']:,} youths, {meta['einden']:,} end dates, {size / 1e6:.1f} MB")
    for label, rows, n, ms in lookups:
        print(f"- lookup in a report ({label} provider, {rows:,} records, {n:,} started): **{ms:.2f} ms** CPU")
    print("<!-- /youth-history -->")


if __name__ == "__main__":
    main()
