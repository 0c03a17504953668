"""Benchmark: peak memory of reading and validating one delivery, against its file size (not a test).

    .venv/bin/python benchmarks/read_memory.py                 # CSV of 10 and 40 MB, XLSX of 2 and 8 MB
    .venv/bin/python benchmarks/read_memory.py --csv-mb 200    # one size per format, as often as given

A delivery of the size asked for is made in /tmp from the bundled sample's reference provider (its records
repeated with other BSNs, so the file looks like a big provider's), then read and validated
(``spiegel.read.read_delivery`` + ``spiegel.validate.validate``) in a fresh process. That process reports its
resident memory after the imports (its baseline, measured in the same run) and its peak (``VmHWM`` of
/proc/self/status; ``getrusage`` would report the parent's peak, which Linux keeps across exec); the figure
is the growth, peak − baseline, as a factor of the file size. The batch's memory estimate
(``spiegel.batch.pool.memory_need_of``) uses the factor per format measured here. Results go to
docs/benchmarks.md (section "Memory of reading a delivery").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "# Benchmark: memory of reading a delivery"

_CHILD = r"""
import json, sys, time
import pandas as pd
from spiegel import domains, read, validate
from spiegel.validate import api
def rss_mb(field="VmRSS:"):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
domain = domains.get("jeugdhulp")
layout = domain.layout()
api.rules_for(domain, layout.protocolversie)
base = rss_mb()
cpu = time.process_time()
delivery = read.read_delivery(sys.argv[1], layout)
after_read = rss_mb("VmHWM:")
findings = validate.validate(delivery, "2025H1", domain=domain)
peak = rss_mb("VmHWM:")
print(json.dumps({"base": base, "read_peak": after_read, "peak": peak, "rows": len(delivery),
                  "cpu": time.process_time() - cpu}))
"""


def make_delivery(fmt: str, target_mb: float, out: Path) -> Path:
    """A jeugdhulp delivery of about ``target_mb`` MB: the sample's reference records, repeated with new BSNs."""
    import numpy as np
    import pandas as pd

    from spiegel import domains, sample
    from spiegel.read import read_delivery
    from spiegel.write import write_delivery

    layout = domains.get("jeugdhulp").layout()
    ref = next((sample.DELIVERIES / "2025H1" / sample.REFERENCE_PROVIDER).glob("*.csv"))
    raw = read_delivery(ref, layout).raw.drop(columns="rij")
    per_row = ref.stat().st_size / len(raw) * (1.0 if fmt == "csv" else 0.45)
    n = int(target_mb * 2**20 / per_row)
    rng = np.random.default_rng(2025)
    frame = raw.iloc[np.arange(n) % len(raw)].reset_index(drop=True)
    frame["bsn"] = pd.Series(rng.integers(10**8, 10**9, size=n)).astype(str).str.zfill(9).to_numpy()
    return write_delivery(frame, out / f"groot_{target_mb:g}.{'xlsx' if fmt == 'xlsx' else 'csv'}", fmt, layout)


def measure(path: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, env=env,
                          check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    size = path.stat().st_size / 2**20
    result.update(size=size, factor=(result["peak"] - result["base"]) / size,
                  read_factor=(result["read_peak"] - result["base"]) / size)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv-mb", type=float, action="append")
    ap.add_argument("--xlsx-mb", type=float, action="append")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    sizes = [("csv", mb) for mb in (args.csv_mb or [10, 40])] + [("xlsx", mb) for mb in (args.xlsx_mb or [2, 8])]
    rows = []
    with tempfile.TemporaryDirectory(prefix="spiegel-mem-") as tmp:
        for fmt, mb in sizes:
            path = make_delivery(fmt, mb, Path(tmp))
            result = measure(path)
            path.unlink()
            rows.append((fmt, result))
            print(f"{fmt} {result['size']:.1f} MB, {result['rows']:,} records: baseline {result['base']:.0f} MB, "
                  f"peak {result['peak']:.0f} MB; growth {result['factor']:.1f}× the file "
                  f"(reading alone {result['read_factor']:.1f}×), {result['cpu']:.1f} CPU s", flush=True)
    if not args.no_write:
        write_section(rows)
    return 0


def write_section(rows: list[tuple[str, dict]]) -> None:
    import pandas as pd

    lines = [
        SECTION, "",
        f"Measured by `benchmarks/read_memory.py` on {platform.node()} ({os.cpu_count()} cores, Python "
        f"{platform.python_version()}, pandas {pd.__version__}), {datetime.now(UTC):%d-%m-%Y}. Each delivery is "
        "read (`read_delivery`) and validated (`validate`) in a fresh process; *growth* is its peak resident memory "
        "(VmHWM) minus its memory after the imports, measured in the same process, as a factor of the file "
        "size. The files are the sample's reference provider repeated with new BSNs (made in /tmp).",
        "",
        "| Format | File | Records | Baseline | Peak | Growth (read) | Growth (read + validate) | CPU |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for fmt, r in rows:
        lines.append(f"| {fmt} | {r['size']:.1f} MB | {r['rows']:,} | {r['base']:.0f} MB | {r['peak']:.0f} MB | "
                     f"{r['read_factor']:.1f}× | **{r['factor']:.1f}×** | {r['cpu']:.1f} s |")
    lines.append("")
    text = DOC.read_text(encoding="utf-8")
    if SECTION in text:
        start = text.index(SECTION)
        # the table and its lines up to the next heading of any level (the notes below it are a section of their own)
        found = re.search(r"\n#{1,6} ", text[start + len(SECTION):])
        end = start + len(SECTION) + found.start() if found else -1
        text = text[:start] + "\n".join(lines) + (text[end:] if end >= 0 else "\n")
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
