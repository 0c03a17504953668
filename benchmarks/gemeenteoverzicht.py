"""Benchmark: the gemeenteoverzichten of a national batch (SPEC §10: all 342 gemeenten in seconds, not minutes).

Setup (not timed): ``spiegel synth`` makes a national store (5,000 providers, two half-years); for every current
jeugdhulp delivery the exact per-gemeente tables a report leaves (``spiegel.present.gemeentetabellen``) are
computed here in one vectorised pass over all deliveries, with a ``samenvatting.json`` naming the delivery, as the
batch's reports would leave them. (Making ~9,800 reports first would take the better part of an hour on 2 cores;
what the overzicht reads is the same files either way.)

Timed: ``spiegel.batch.gemeenteoverzicht.make_overzichten`` for every gemeente of 2025H1, with 2024H2 as the
previous period: HTML, PDF, XLSX and CSV per gemeente. Reports wall time and the CPU seconds of this
process (with ``--workers 1`` all the work).

    .venv/bin/python benchmarks/gemeenteoverzicht.py [--keep DIR] [--store DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from spiegel import gemeenten
from spiegel.batch.gemeenteoverzicht import make_overzichten
from spiegel.deliveries import current_deliveries
from spiegel.domains.jeugdhulp.count import _codes
from spiegel.present import gemeentetabellen as gt
from spiegel.register import load_register

PERIODS = ("2024H2", "2025H1")
FLOWS = ("beginstand", "instroom", "uitstroom", "eindstand", "totaal")


def leave_tables(store: Path, out: Path, period: str) -> int:
    """Write the tables every jeugdhulp report of ``period`` would leave; return the number of providers."""
    from spiegel.periods import Period

    per = Period.parse(period)
    frames = []
    shas = {}
    for (_, kvk), ref in sorted(current_deliveries(store, per).items()):
        if ref.meta.domein != "jeugdhulp" or ref.path.suffix != ".csv":
            continue
        frames.append(pd.read_csv(ref.path, sep=";", dtype=str, keep_default_na=False).assign(kvk=kvk))
        shas[kvk] = (ref.sha256(), ref.meta.naam)
    data = pd.concat(frames, ignore_index=True)
    day = per.last_day
    data["gemeente"] = gemeenten.codes_of(gemeenten.resolve(data["gemeentecode"], data["postcode"], day), day, "")
    first, last = per.first_day.strftime("%Y%m%d"), day.strftime("%Y%m%d")
    a, e = data["datum_aanvang"], data["datum_einde"]
    running = e == ""
    data["beginstand"] = (a < first) & (running | (e >= first))
    data["instroom"] = (a >= first) & (a <= last)
    data["uitstroom"] = (e >= first) & (e <= last) & (a <= last)
    data["eindstand"] = (a <= last) & (running | (e > last))
    data["totaal"] = data["beginstand"] | data["instroom"]
    groups = _codes().code_list("hulpvorm").groups()
    verblijf = data["hulpvorm"].map(groups).eq("met_verblijf")
    data["met_verblijf"] = data["totaal"] & verblijf
    data["zonder_verblijf"] = data["totaal"] & ~verblijf
    data = data[data["totaal"] & (data["gemeente"] != "")]
    counted = data.groupby(["kvk", "gemeente"])[[*FLOWS, "zonder_verblijf", "met_verblijf"]].sum()
    counted["jongeren"] = data.groupby(["kvk", "gemeente"])["bsn"].nunique()
    columns = {f"trajecten_{m}": m.capitalize() for m in FLOWS}
    columns.update({"jongeren_totaal": "Jongeren", "zonder_verblijf": "Zonder verblijf",
                    "met_verblijf": "Met verblijf"})
    order = [*FLOWS, "jongeren", "zonder_verblijf", "met_verblijf"]
    values = counted[order].to_numpy(dtype=np.int64)
    per_kvk: dict[str, dict[str, list[int]]] = {}
    for (kvk, gemeente), row in zip(counted.index, values.tolist(), strict=True):
        per_kvk.setdefault(kvk, {})[gemeente] = row
    for kvk, rows in per_kvk.items():
        sha, naam = shas[kvk]
        gt.write_tables(gt.tables_path(out, period, "jeugdhulp", kvk), gt.record(
            kvk=kvk, naam=naam, period=period, domain="jeugdhulp", sha256=sha, columns=columns, rows=rows))
        folder = out / period / kvk
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "samenvatting.json").write_text(json.dumps({"levering": {"sha256": sha}}), encoding="utf-8")
    return len(per_kvk)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=None, help="an existing national store (default: synthesise one)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: make_overzichten's)")
    parser.add_argument("--keep", default=None, help="keep the outputs here (default: a temporary folder)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="gemeenteoverzicht-bench-"))
    store = Path(args.store) if args.store else tmp / "store"
    out = Path(args.keep) if args.keep else tmp / "out"
    try:
        if not args.store:
            spiegel = Path(sys.executable).with_name("spiegel")
            subprocess.run([str(spiegel), "synth", "--out", str(store), "--periods", ",".join(PERIODS)], check=True,
                           stdout=subprocess.DEVNULL)
        providers = {}
        for p in PERIODS:
            began = time.perf_counter()
            providers[p] = leave_tables(store, out, p)
            print(f"setup {p}: tables of {providers[p]:,} providers in {time.perf_counter() - began:.0f} s",
                  file=sys.stderr)
        register = load_register(store / "register.csv")
        register = register[register["domein"] == "jeugdhulp"]
        load_before = os.getloadavg()[0]
        wall, cpu = time.perf_counter(), time.process_time()
        result = make_overzichten(out, PERIODS[-1], register=register, workers=args.workers)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        hidden = int((register.get("gemeenten_mogen_inzien", pd.Series(dtype=str)) == "nee").sum())
        size = sum(f.stat().st_size for f in result.folder.rglob("*") if f.is_file())
        lines = [
            "## Gemeenteoverzichten of a national batch",
            "",
            f"Command: `.venv/bin/python benchmarks/gemeenteoverzicht.py` on {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}; workers: {args.workers or 'default'}.",
            "",
            f"- {len(result.gemeenten)} gemeenten of {PERIODS[-1]} from the tables of {providers[PERIODS[-1]]:,} "
            f"providers ({providers[PERIODS[0]]:,} in {PERIODS[0]}, the previous period; {hidden} providers with "
            "gemeenten_mogen_inzien = nee): HTML, PDF, XLSX and CSV each.",
            f"- **{wall:.1f} s** wall, **{cpu:.1f} CPU seconds** in the main process "
            f"({1000 * wall / max(len(result.gemeenten), 1):.0f} ms wall per gemeente); {size / 2**20:.0f} MB "
            f"written. Load average before: {load_before:.1f}.",
        ]
        print("\n".join(lines))
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
