"""Benchmark: what the check of an .xls before it is read (``spiegel.guard.check_xls``) costs (not a test).

    .venv/bin/python benchmarks/xls_guard.py               # a workbook of 50,000 rows
    .venv/bin/python benchmarks/xls_guard.py --rows 20000

An .xls of the jeugdhulp layout (header and ``--rows`` rows of 14 text cells, two rows of the test corpus
alternating) is written with xlwt in memory, then checked and read (``spiegel.read.read_bytes``, which checks it
too) in this process; each figure is the least CPU time (``time.process_time``) of a few runs. The result is
printed; docs/benchmarks.md (section "Memory of reading a delivery") quotes it.
"""

from __future__ import annotations

import argparse
import io
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def _least(run, times: int) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=50_000)
    args = ap.parse_args()

    import xlwt

    from hostile_corpus import NAMES, ROW, ROW2
    from spiegel import domains, guard, read

    book = xlwt.Workbook()
    sheet = book.add_sheet("jeugdhulp")
    for i, row in enumerate([NAMES] + [ROW2 if i % 2 else ROW for i in range(args.rows)]):
        for j, value in enumerate(row):
            sheet.write(i, j, value)
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    layout = domains.get("jeugdhulp").layout()
    assert guard.check_xls(data) is None
    check = _least(lambda: guard.check_xls(data), 5)
    whole = _least(lambda: read.read_bytes(data, layout, name="bench.xls"), 3)
    print(f"{platform.node()}, Python {platform.python_version()}: .xls of {args.rows:,} rows, "
          f"{len(data) / 2**20:.1f} MB")
    print(f"check_xls: {check * 1000:.0f} ms CPU; read_bytes (with the check): {whole * 1000:.0f} ms CPU; "
          f"the check is {check / whole:.0%} of reading")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
