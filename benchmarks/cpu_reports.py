"""CPU seconds of the reports of one batch, leaving out the once-per-batch stages an older commit lacks.

    python benchmarks/cpu_reports.py --deliveries DIR --out DIR --only-file F      (run from the commit's checkout)

Like ``benchmarks/cpu_batch.py`` (CPU of every process of the batch), but with the gemeenteoverzichten off and the
youth history's own build CPU (from the manifest) subtracted, so that two commits compare per report. Works against
older commits too: it only uses ``spiegel.batch.run_batch`` and ``BatchOptions``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cpu_batch import _stop_forkserver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=Path, required=True)
    parser.add_argument("--period", default="2025H1")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only-file", type=Path, required=True, help="a file with comma-separated KvK numbers")
    args = parser.parse_args()
    from spiegel.batch import BatchOptions, run_batch

    options = dict(period=args.period, deliveries=args.deliveries, out_root=args.out, workers=2,
                   formats=("html", "pdf", "xlsx"), only=tuple(args.only_file.read_text().strip().split(",")),
                   progress=False)
    if "gemeenten" in {f.name for f in dataclasses.fields(BatchOptions)}:
        options["gemeenten"] = False
    result = run_batch(BatchOptions(**options))
    _stop_forkserver()
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    manifest = json.loads(Path(result.manifest).read_text(encoding="utf-8"))
    history = float((manifest.get("youth_history") or {}).get("cpu_seconden") or 0)
    print(json.dumps({"cpu_s": round(cpu, 2), "history_cpu_s": history, "reports_cpu_s": round(cpu - history, 2),
                      "made": result.counts.get("gemaakt", 0), "failed": result.counts.get("mislukt", 0)}))


if __name__ == "__main__":
    main()
