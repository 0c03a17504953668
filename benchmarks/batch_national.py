"""Benchmark: the national synthetic half-year through ``spiegel batch`` (not a test).

    .venv/bin/python benchmarks/batch_national.py                     # 5,000 providers, HTML + PDF, 2025H1
    .venv/bin/python benchmarks/batch_national.py --providers 500 --deliveries /tmp/nat --keep /tmp/nat-out

Writes ``spiegel synth`` output into a temporary folder (or uses ``--deliveries``), runs
``spiegel batch --period 2025H1 --formats html,pdf`` (an executed notebook, HTML and PDF for each provider),
samples the memory of every worker process every half second, measures the machine's speed on fixed work before
and after (``machine_probe``) and every 15 s during the batch (``cpu_probe_ms``; the machine's speed can halve and
recover within minutes), and writes the results to
``docs/benchmarks/batch.md`` (section "national") and prints them. Target on the 2-core machine: 10 minutes or
less, peak RSS per worker under 500 MB, no growth over the batch.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_common import (
    ROOT,
    SPIEGEL,
    by_minute,
    machine,
    machine_probe,
    manifest_stats,
    run_sampled,
    store_or_synth,
    worker_memory,
)

RESULTS = ROOT / "docs" / "benchmarks" / "batch.md"
PROBE_EVERY = 15.0  # seconds between in-run probes (~12 ms of CPU each: < 0.1 % of one core)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--providers", type=int, default=5000)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--period", default="2025H1")
    ap.add_argument("--deliveries", type=Path, help="use this synthetic store instead of making one")
    ap.add_argument("--workers", type=int, help="default: one per core")
    ap.add_argument("--formats", default="html,pdf")
    ap.add_argument("--keep", type=Path, help="output folder to keep (default: a temporary one)")
    ap.add_argument("--no-write", action="store_true", help="print only; do not update docs/benchmarks/batch.md")
    ap.add_argument("--time-limit", type=float, help="stop the batch (SIGTERM) after this many seconds and report "
                    "the part made, with the rate and an extrapolation to all providers")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="spiegel-bench-"))
    try:
        store, synth_s = store_or_synth(args.deliveries, tmp, args.providers, "2024H1,2024H2,2025H1", args.scale)
        out = args.keep or tmp / "outputs"
        if out.exists():
            shutil.rmtree(out)
        cmd = [SPIEGEL, "batch", "--period", args.period, "--deliveries", str(store), "--out", str(out),
               "--formats", args.formats, "--no-progress"]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        probe_before = machine_probe()
        sampled = run_sampled(cmd, log=tmp / "batch.log", time_limit=args.time_limit, probe_every=PROBE_EVERY)
        probe_after = machine_probe()
        log = (tmp / "batch.log").read_text(errors="replace")
        manifest = out / args.period / "manifest.json"
        if not manifest.exists():
            print(log, file=sys.stderr)
            return 2
        stats = manifest_stats(manifest)
        memory = worker_memory(sampled)
        made = stats["counts"].get("gemaakt", 0)
        total = sum(v for k, v in stats["counts"].items() if k != "geen levering")
        result = {
            "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "command": " ".join(Path(c).name if c == SPIEGEL else c for c in cmd),
            "synth_s": round(synth_s, 1) if synth_s else None,
            "wall_s": round(sampled.wall, 1),
            "reports_per_s": round(made / sampled.wall, 2),
            "exit": sampled.returncode,
            "stopped_after_s": args.time_limit if sampled.returncode == 130 else None,
            "extrapolated_s": round(total / (made / sampled.wall), 1) if made and sampled.returncode == 130 else None,
            "summary_line": log.strip().splitlines()[-1] if log.strip() else "",
            **stats,
            "memory": memory,
            "probe": {"before": probe_before, "after": probe_after},
            "by_minute": by_minute(manifest, sampled),
        }
        print(json.dumps(result, indent=1))
        if not args.no_write:
            write_section("national", render(result))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def render(r: dict) -> str:
    lines = [
        f"Measured {r['when']} on {r['machine']}.",
        "",
        f"- command: `{r['command']}`",
        f"- providers: {sum(v for k, v in r['counts'].items() if k != 'geen levering')} with a delivery "
        f"({r['counts']}); synthetic data made in {r['synth_s']} s" if r["synth_s"] else f"- counts: {r['counts']}",
        f"- **wall time {r['wall_s']} s** ({r['wall_s'] / 60:.1f} min), {r['reports_per_s']} reports/s, "
        f"exit {r['exit']}",
        f"- summary line: `{r['summary_line']}`",
        *([f"- machine probe (fixed work that does not depend on the project's code, `batch_common.machine_probe`; "
           f"median ms): before {_probe(r['probe']['before'])}; after {_probe(r['probe']['after'])}"]
          if r.get("probe") else []),
        *([f"- **stopped after {r['stopped_after_s']} s** (time limit): {r['counts'].get('gemaakt', 0)} reports made;"
           f" at this rate all providers take about {r['extrapolated_s']} s ({r['extrapolated_s'] / 60:.1f} min)"]
          if r.get("stopped_after_s") else []),
        f"- worker memory (sampled every 0.5 s): peak {r['memory']['peak_mb_max']} MB (median of the workers' "
        f"peaks {r['memory']['peak_mb_median']} MB) over {r['memory']['processes']} processes; largest growth "
        f"(last third − first third of one worker's samples) {r['memory']['growth_mb_max']} MB",
        *([f"- worker memory (exact, each worker's own peak from getrusage): largest {r['worker_max_rss_mb']} MB; "
           f"{r['workers_started']} worker processes made reports"] if r.get("worker_max_rss_mb") else []),
        "",
        *(["Worker memory over the batch (MB; reports in tenths, in the order they finished): resting memory "
           "after a report (median, max) and the highest peak during a report.", "",
           "| tenth | " + " | ".join(str(i + 1) for i in range(len(r["memory_by_tenth"]))) + " |",
           "|---|" + "---|" * len(r["memory_by_tenth"]),
           "| resting, median | " + " | ".join(str(t["median"]) for t in r["memory_by_tenth"]) + " |",
           "| resting, max | " + " | ".join(str(t["max"]) for t in r["memory_by_tenth"]) + " |",
           "| peak | " + " | ".join(str(t["peak"]) for t in r["memory_by_tenth"]) + " |", ""]
          if r.get("memory_by_tenth") else []),
        *(["The batch minute by minute: reports finished, and the machine's speed during that minute (CPU ms of "
           "a fixed piece of Python work, `batch_common.cpu_probe_ms`, median of the probes taken every "
           f"{PROBE_EVERY:.0f} s; higher is slower; the last minute is partial).", "",
           "| minute | " + " | ".join(str(m["minute"]) for m in r["by_minute"]) + " |",
           "|---|" + "---|" * len(r["by_minute"]),
           "| reports | " + " | ".join(str(m["reports"]) for m in r["by_minute"]) + " |",
           "| probe ms | " + " | ".join("" if m["probe_ms"] is None else str(m["probe_ms"]) for m in r["by_minute"])
           + " |", ""]
          if r.get("by_minute") else []),
        "| stage | median s | p95 s | max s | sum s |",
        "|---|---|---|---|---|",
    ]
    for stage in ("zoeken", "uitvoeren", "opmaken", "totaal"):
        if stage in r:
            s = r[stage]
            lines.append(f"| {stage} | {s['median']} | {s['p95']} | {s['max']} | {s['sum']} |")
    return "\n".join(lines) + "\n"


def _probe(p: dict) -> str:
    return ", ".join(f"{name} {ms}" for name, ms in p.items())


def write_section(name: str, body: str) -> None:
    """Replace (or add) the section between ``<!-- name -->`` markers in docs/benchmarks/batch.md."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else (
        "# Batch benchmarks\n\nWritten by `benchmarks/batch_national.py` and `benchmarks/batch_vs_naive.py`; "
        "see docs/batch.md for the design.\n"
    )
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    title = {"national": "## National half-year", "naive": "## Batch against the naive loop",
             "memory": "## Worker memory with the largest providers"}.get(name, f"## {name}")
    block = f"{start}\n{title}\n\n{body}{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    from spiegel.io import write_text_atomic

    write_text_atomic(RESULTS, text)


if __name__ == "__main__":
    sys.exit(main())
