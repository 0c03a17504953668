"""Benchmark: ``spiegel batch`` against the naive way on the same providers, measured in one run (not a test).

    .venv/bin/python benchmarks/batch_vs_naive.py --deliveries /tmp/nat     # 100 providers of a national store
    .venv/bin/python benchmarks/batch_vs_naive.py                            # makes a national store first

The naive way is a shell loop that, per provider, calls the papermill CLI (a new kernel per notebook) and then
the renderer's CLI (``python -m spiegel.render`` when it exists, else an equivalent ``python -c`` call of
``spiegel.render.render``) — one provider after the other, as a statistician without the batch would do.
The batch is ``spiegel batch --only <the same providers>`` with its defaults (warm workers, one per core).
Both make the executed notebook, HTML and PDF. Results go to ``docs/benchmarks/batch.md`` (section "naive").
Target: the batch at least 20 times faster. The loop needs the Jupyter kernel ``spiegel`` (``make install``
installs it); when any report fails, either way, nothing is written (a failed report is quicker than a made one).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_common import BIN, ROOT, SPIEGEL, machine, manifest_stats, store_or_synth
from batch_national import write_section

NOTEBOOK = ROOT / "notebooks" / "jeugdhulp.ipynb"


def render_command() -> str:
    if importlib.util.find_spec("spiegel.render.__main__") is not None:
        return f"{shlex.quote(str(BIN / 'python'))} -m spiegel.render"
    code = "import sys; from spiegel.render import render; render(sys.argv[1], sys.argv[2], formats=('html', 'pdf'))"
    return f"{shlex.quote(str(BIN / 'python'))} -c {shlex.quote(code)}"


def naive_script(kvks: list[str], period: str, store: Path, out: Path) -> str:
    """The shell loop, written out so it can be read (and run by hand)."""
    lines = ["#!/bin/sh", "set -u"]
    render = render_command()
    for kvk in kvks:
        target = out / period / kvk
        params = {"provider": kvk, "period": period, "deliveries": str(store), "protection": "exact",
                  "gemeente": None, "output_dir": str(target), "table_formats": []}
        lines.append(f"mkdir -p {shlex.quote(str(target))}")
        lines.append(
            f"{shlex.quote(str(BIN / 'papermill'))} {shlex.quote(str(NOTEBOOK))} "
            f"{shlex.quote(str(target / 'jeugdhulp.ipynb'))} -k spiegel --cwd {shlex.quote(str(NOTEBOOK.parent))} "
            f"--no-progress-bar -y {shlex.quote(json.dumps(params))} >/dev/null 2>&1 && "
            f"{render} {shlex.quote(str(target / 'jeugdhulp.ipynb'))} {shlex.quote(str(target))} >/dev/null 2>&1 "
            f"|| echo failed {kvk}"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deliveries", type=Path, help="a synthetic store (default: make a national one)")
    ap.add_argument("--providers", type=int, default=100, help="size of the subset (default: 100)")
    ap.add_argument("--period", default="2025H1")
    ap.add_argument("--seed", type=int, default=7, help="seed for picking the subset")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    from jupyter_client.kernelspec import KernelSpecManager

    if "spiegel" not in KernelSpecManager().find_kernel_specs():
        print("batch_vs_naive: the naive loop runs the notebook on the Jupyter kernel 'spiegel', which this "
              "environment does not have; `make install` installs it (or: python -m ipykernel install --sys-prefix "
              "--name spiegel)", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="spiegel-naive-"))
    try:
        store, _ = store_or_synth(args.deliveries, tmp, 5000, "2024H1,2024H2,2025H1")
        delivered = sorted(p.name for p in (store / args.period).iterdir() if p.is_dir())
        kvks = sorted(random.Random(args.seed).sample(delivered, min(args.providers, len(delivered))))

        script = tmp / "naive.sh"
        script.write_text(naive_script(kvks, args.period, store.resolve(), tmp / "naive"))
        clock = time.perf_counter()
        naive = subprocess.run(["sh", str(script)], capture_output=True, text=True)
        naive_s = time.perf_counter() - clock
        naive_failed = naive.stdout.count("failed ")

        out = tmp / "batch"
        cmd = [SPIEGEL, "batch", "--period", args.period, "--deliveries", str(store), "--out", str(out),
               "--formats", "html,pdf", "--only", ",".join(kvks), "--no-progress"]
        clock = time.perf_counter()
        batch = subprocess.run(cmd, capture_output=True, text=True)
        batch_s = time.perf_counter() - clock
        stats = manifest_stats(out / args.period / "manifest.json")

        result = {
            "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "providers": len(kvks),
            "naive_s": round(naive_s, 1),
            "naive_failed": naive_failed,
            "batch_s": round(batch_s, 1),
            "batch_exit": batch.returncode,
            "batch_counts": stats["counts"],
            "ratio": round(naive_s / batch_s, 1),
            "render_command": render_command().split(" ", 1)[1][:40],
        }
        print(json.dumps(result, indent=1))
        batch_failed = stats["counts"].get("mislukt", 0)
        if naive_failed or batch_failed or batch.returncode != 0:
            # a failed report takes less time than a made one: the ratio would not compare like with like
            print(f"batch_vs_naive: not written: {naive_failed} naive runs and {batch_failed} batch reports failed "
                  f"(batch exit {batch.returncode})", file=sys.stderr)
            return 1
        if not args.no_write:
            body = "\n".join([
                f"Measured {result['when']} on {result['machine']}, both in the same run, on the same "
                f"{result['providers']} providers (random subset, seed {args.seed}) of the national synthetic store.",
                "",
                "| way | wall s | s per report | failed |",
                "|---|---|---|---|",
                f"| naive: shell loop, papermill CLI + renderer CLI per provider | {result['naive_s']} | "
                f"{result['naive_s'] / len(kvks):.2f} | {naive_failed} |",
                f"| `spiegel batch --only …` (warm workers, one per core) | {result['batch_s']} | "
                f"{result['batch_s'] / len(kvks):.2f} | {stats['counts'].get('mislukt', 0)} |",
                "",
                f"**Batch is {result['ratio']}× faster.** Renderer call in the loop: `{render_command()[-60:]}`.",
                "",
            ])
            write_section("naive", body)
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
