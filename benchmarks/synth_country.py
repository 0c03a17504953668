"""Benchmark: a synthetic country at national scale, its wall time and how close it comes to SPEC §9.

Runs ``spiegel synth --out <tmp> --periods 2024H2,2025H1`` (5,000 providers, scale 1.0 unless told otherwise) in
a subprocess, then reads the current deliveries back and compares the half-year flows, the hulpvorm shares of
started trajectories and a few other shares with the published figures. Prints a table and writes a Markdown
section to ``docs/benchmarks/synth.md`` (merged into docs/benchmarks.md by hand).

    .venv/bin/python benchmarks/synth_country.py [--scale 1.0] [--providers 5000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from spiegel.deliveries import current_deliveries, find_deliveries
from spiegel.domains.jeugdhulp.synth import HULPVORM_SHARES, PUBLISHED_H1_FLOWS, flow_totals
from spiegel.periods import Period, parse_periods
from spiegel.register import load_register

ROOT = Path(__file__).resolve().parents[1]
PERIODS = "2024H2,2025H1"




def read_period(root: Path, period: Period) -> pd.DataFrame:
    frames = []
    for (_, kvk), ref in sorted(current_deliveries(root, period).items()):
        if ref.path.suffix != ".csv":
            raise SystemExit("the benchmark reads CSV deliveries only")
        frames.append(pd.read_csv(ref.path, sep=";", dtype=str, keep_default_na=False).assign(kvk=kvk))
    return pd.concat(frames, ignore_index=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--providers", type=int, default=None)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep", default=None, help="write here and keep the files (default: a temporary folder)")
    parser.add_argument("--markdown", default=str(ROOT / "docs" / "benchmarks" / "synth.md"))
    args = parser.parse_args()
    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="synth-bench-"))
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty")
    spiegel = Path(sys.executable).with_name("spiegel")
    command = [str(spiegel), "synth", "--out", str(out), "--periods", PERIODS, "--scale", str(args.scale),
               "--seed", str(args.seed)]
    if args.providers:
        command += ["--providers", str(args.providers)]
    load_before = os.getloadavg()[0]
    began = time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - began
    args.load = (load_before, os.getloadavg()[0])
    try:
        return report(out, wall, args, command)
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)


def report(out: Path, wall: float, args: argparse.Namespace, command: list[str]) -> int:
    scale = args.scale
    periods = parse_periods(PERIODS)
    files = [p for p in out.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    refs = find_deliveries(out)
    register = load_register(out / "register.csv")
    data = {str(p): read_period(out, p) for p in periods}
    lines = []
    table = [("Measure", "Synthetic", "Published (× scale)", "Difference")]
    h1 = next(p for p in periods if p.number == 1)
    f1 = flow_totals(data[str(h1)], h1)
    for name, published in PUBLISHED_H1_FLOWS.items():
        target = published * scale
        table.append((f"{name} {h1}", f"{f1[name]:,}", f"{target:,.0f}", f"{f1[name] / target - 1:+.1%}"))
    frame = data[str(h1)]
    started = frame[frame["datum_aanvang"] >= h1.first_day.strftime("%Y%m%d")]
    shares = started["hulpvorm"].value_counts(normalize=True)
    for code, share in HULPVORM_SHARES.items():
        got = shares.get(code, 0.0)
        table.append((f"hulpvorm {code} share of starts", f"{got:.1%}", f"{share:.1%}", f"{got - share:+.1%}"))
    for p in periods:
        f = flow_totals(data[str(p)], p)
        jongeren = data[str(p)].loc[data[str(p)]["bsn"] != "999999999", "bsn"].nunique()
        table.append((f"{p}: begin / in / uit / eind", " / ".join(f"{v:,}" for v in f.values()), "", ""))
        table.append((f"{p}: records, jongeren (distinct BSN)", f"{len(data[str(p)]):,}, {jongeren:,}", "", ""))
    ended = frame[frame["datum_einde"] != ""]
    sizes = frame["kvk"].value_counts().reindex(register["kvk"], fill_value=0)
    extra = [
        ("verwijzer 01 (gemeente) share", f"{(frame['verwijzer'] == '01').mean():.1%}"),
        ("wijkteam with verwijzer 06", f"{(frame.loc[frame['hulpvorm'] == '01', 'verwijzer'] == '06').mean():.1%}"),
        ("crisis share of starts", f"{(started['gestart_met_crisis'] == '01').mean():.1%}"),
        ("ended volgens plan (01)", f"{(ended['reden_beeindiging'] == '01').mean():.1%}"),
        ("providers with < 20 records", f"{(sizes < 20).mean():.1%}"),
        ("providers with > 10,000 records", f"{int((sizes > 10_000).sum())}"),
        ("largest provider (records)", f"{int(sizes.max()):,}"),
    ]
    for name, value in extra:
        table.append((f"{h1}: {name}", value, "", ""))
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    corrections = sum(r.meta.correctie for r in refs)
    never = len(set(register["kvk"]) - {r.meta.kvk for r in refs})
    print(f"\nwall time {wall:.1f} s; {len(refs):,} deliveries ({corrections} corrections), {never} registered "
          f"providers without any delivery; {len(files):,} files, {size / 1e6:.0f} MB")
    lines += [
        "## Synthetic country (`spiegel synth`)",
        "",
        f"Command: `spiegel synth --out <tmp> --periods {PERIODS} --scale {scale:g}"
        + (f" --providers {args.providers}" if args.providers else "")
        + f"` (seed {args.seed}), run by `benchmarks/synth_country.py` on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        f"- Wall time: **{wall:.0f} s** for {len(register):,} providers × {len(periods)} periods "
        f"({len(refs):,} deliveries, {corrections} of them corrections; {never} registered providers without "
        f"delivery; {len(files):,} files, {size / 1e6:.0f} MB).",
        f"- Machine load (1-minute load average) before and after the run: {args.load[0]:.1f} and "
        f"{args.load[1]:.1f} on {os.cpu_count()} cores; other jobs were not stopped, so the time varies with them.",
        "",
        "| " + " | ".join(table[0]) + " |",
        "|" + "---|" * 4,
        *("| " + " | ".join(r) + " |" for r in table[1:]),
        "",
        "Published figures: SPEC §9 (CBS, half-year flows H1 2021; hulpvorm shares of started trajectories "
        "2021). Only first half-years have published flows; second half-years are calibrated to about 290,000 "
        "starts a year and a stand that falls back (docs/aanlevering.md, *Synthetic data*).",
        "",
    ]
    target = Path(args.markdown)
    target.parent.mkdir(parents=True, exist_ok=True)
    from spiegel.io import write_text_atomic

    write_text_atomic(target, "\n".join(lines))
    print(f"written {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
