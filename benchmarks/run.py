"""Run the benchmarks and write ``docs/benchmarks.md`` (what ``make bench`` does).

    .venv/bin/python benchmarks/run.py            # all of them (the national batch takes ~10 minutes)
    .venv/bin/python benchmarks/run.py --quick    # everything but the national batch
    .venv/bin/python benchmarks/run.py --collect  # only rebuild docs/benchmarks.md from docs/benchmarks/*.md

Each benchmark script measures its own baseline in the same run and writes one section to
``docs/benchmarks/<name>.md``; this script runs them one after the other (never in parallel: they would disturb
each other's timings) and joins the sections. Benchmarks are not tests: nothing here fails on a slow result.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECTIONS = ROOT / "docs" / "benchmarks"
OUT = ROOT / "docs" / "benchmarks.md"
ORDER = ("synth", "validate", "report", "batch")

HEADER = """# Benchmarks

Measured by the scripts in `benchmarks/` (`make bench`, or `python benchmarks/run.py`); every figure below was
produced by them on the machine and date each section states. Each script measures its baseline in the same
run and reports ratios against it. Benchmarks are not tests; the test suite has no timing assertions.

"""


def collect() -> None:
    parts = [HEADER]
    for name in ORDER:
        path = SECTIONS / f"{name}.md"
        if path.exists():
            parts.append(path.read_text(encoding="utf-8").rstrip() + "\n\n")
    OUT.write_text("".join(parts), encoding="utf-8")
    print(f"wrote {OUT}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip the national batch")
    ap.add_argument("--collect", action="store_true", help="only rebuild docs/benchmarks.md")
    args = ap.parse_args()
    if not args.collect:
        py = sys.executable
        with tempfile.TemporaryDirectory(prefix="spiegel-bench-") as tmp:
            country = Path(tmp) / "country"
            steps = [
                [py, str(HERE / "synth_country.py"), "--keep", str(country)],
                [py, str(HERE / "validate_national.py"), "--deliveries", str(country),
                 "--output", str(SECTIONS / "validate.md")],
                [py, str(HERE / "report_single.py")],
                [py, str(HERE / "batch_vs_naive.py"), "--deliveries", str(country)],
                [py, str(HERE / "batch_memory.py"), "--deliveries", str(country)],
            ]
            if not args.quick:
                steps.append([py, str(HERE / "batch_national.py"), "--deliveries", str(country)])
            for step in steps:
                print("+", " ".join(step[1:]), flush=True)
                subprocess.run(step, check=True)
    collect()
    return 0


if __name__ == "__main__":
    sys.exit(main())
