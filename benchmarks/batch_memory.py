"""Benchmark: worker memory when a batch meets the largest providers (not a test).

    .venv/bin/python benchmarks/batch_memory.py --deliveries /tmp/nat     # a national store (synth_country.py)

A time-limited national run covers the providers in register order and may meet few large ones. This runs
``spiegel batch --only`` over the ``--largest`` providers with the most delivery bytes, mixed with
``--small`` random others, in a shuffled order (seeded), so that workers whose caches are full meet large
providers. Memory is sampled every half second per worker process, and each worker's own peak
(``getrusage``) is read from the manifest. Results go to ``docs/benchmarks/batch.md`` (section "memory").
Target: every worker under 500 MB, and no growth over the batch.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_common import SPIEGEL, machine, manifest_stats, run_sampled, store_or_synth, worker_memory
from batch_national import write_section


def _input_bytes(store: Path, period: str) -> dict[str, int]:
    """Bytes of delivery files per provider over all periods (what its report reads)."""
    sizes: dict[str, int] = {}
    for folder in store.iterdir():
        if not folder.is_dir():
            continue
        for provider in folder.iterdir():
            if provider.is_dir() and (store / period / provider.name).is_dir():
                sizes[provider.name] = sizes.get(provider.name, 0) + sum(
                    f.stat().st_size for f in provider.iterdir() if not f.name.endswith(".meta.yml")
                )
    return sizes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deliveries", type=Path, help="a national store (default: make one with 1,000 providers)")
    ap.add_argument("--period", default="2025H1")
    ap.add_argument("--largest", type=int, default=40)
    ap.add_argument("--small", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="spiegel-bench-"))
    try:
        store, _ = store_or_synth(args.deliveries, tmp, 1000, "2024H2,2025H1")
        sizes = _input_bytes(store, args.period)
        ranked = sorted(sizes, key=lambda k: (-sizes[k], k))
        large = ranked[: args.largest]
        rnd = random.Random(args.seed)
        chosen = large + rnd.sample(ranked[args.largest:], min(args.small, len(ranked) - args.largest))
        rnd.shuffle(chosen)
        out = tmp / "outputs"
        cmd = [SPIEGEL, "batch", "--period", args.period, "--deliveries", str(store), "--out", str(out),
               "--formats", "html,pdf", "--no-progress", "--only", ",".join(chosen)]
        sampled = run_sampled(cmd, log=tmp / "batch.log")
        manifest = out / args.period / "manifest.json"
        if not manifest.exists():
            print((tmp / "batch.log").read_text(encoding="utf-8"), file=sys.stderr)
            return 2
        stats = manifest_stats(manifest)
        result = {
            "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "providers": len(chosen),
            "largest": args.largest,
            "largest_mb": round(sizes[large[0]] / 2**20, 2),
            "smallest_of_largest_mb": round(sizes[large[-1]] / 2**20, 2),
            "wall_s": round(sampled.wall, 1),
            "exit": sampled.returncode,
            **stats,
            "memory": worker_memory(sampled),
        }
        print(json.dumps(result, indent=1))
        if not args.no_write:
            write_section("memory", render(result))
        return 0 if sampled.returncode == 0 else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def render(r: dict) -> str:
    tenths = r["memory_by_tenth"]
    lines = [
        f"Measured {r['when']} on {r['machine']}.",
        "",
        f"- `spiegel batch --only …` over {r['providers']} providers in a shuffled order: the {r['largest']} with "
        f"the most delivery bytes ({r['smallest_of_largest_mb']}–{r['largest_mb']} MB of input each) and random "
        f"others; HTML + PDF; {r['wall_s']} s, exit {r['exit']}, counts {r['counts']}",
        f"- worker memory, exact (each worker's own peak, getrusage): largest **{r['worker_max_rss_mb']} MB**; "
        f"{r['workers_started']} worker processes made reports",
        f"- worker memory, sampled every 0.5 s: peak {r['memory']['peak_mb_max']} MB (median of the workers' "
        f"peaks {r['memory']['peak_mb_median']} MB) over {r['memory']['processes']} processes",
        "",
        "Worker memory over the batch (MB; reports in tenths, in the order they finished): resting memory after a "
        "report (median, max) and the highest peak during a report.",
        "",
        "| tenth | " + " | ".join(str(i + 1) for i in range(len(tenths))) + " |",
        "|---|" + "---|" * len(tenths),
        "| resting, median | " + " | ".join(str(t["median"]) for t in tenths) + " |",
        "| resting, max | " + " | ".join(str(t["max"]) for t in tenths) + " |",
        "| peak | " + " | ".join(str(t["peak"]) for t in tenths) + " |",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
