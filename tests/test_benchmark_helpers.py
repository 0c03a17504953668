"""The benchmarks' own bookkeeping (benchmarks/batch_common.py): what the national benchmark reports minute by
minute. No timing is asserted; only how samples and manifest stamps are counted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from batch_common import Sampled, by_minute, cpu_probe_ms, run_sampled


def _manifest(tmp_path: Path, stamps: list[tuple[str, str]]) -> Path:
    path = tmp_path / "manifest.json"
    providers = [{"kvk": f"{i:08d}", "status": status, "finished": finished}
                 for i, (status, finished) in enumerate(stamps)]
    path.write_text(json.dumps({"providers": providers}), encoding="utf-8")
    return path


def test_by_minute_counts_made_reports_and_takes_the_median_probe(tmp_path):
    start = 1_700_000_000.0  # 2023-11-14T22:13:20Z
    manifest = _manifest(tmp_path, [
        ("gemaakt", "2023-11-14T22:13:21Z"),   # minute 1
        ("gemaakt", "2023-11-14T22:14:19Z"),   # minute 1 (59 s after the start)
        ("gemaakt", "2023-11-14T22:14:20Z"),   # minute 2
        ("mislukt", "2023-11-14T22:14:30Z"),   # not made: not counted
        ("gemaakt", "2023-11-14T22:16:00Z"),   # minute 3
        ("gemaakt", None),                     # never finished
    ])
    sampled = Sampled(0.0, 0, started=start, probes=[(15.0, 12.0), (30.0, 30.0), (45.0, 11.0), (75.0, 20.0)])
    assert by_minute(manifest, sampled) == [
        {"minute": 1, "reports": 2, "probe_ms": 12.0},
        {"minute": 2, "reports": 1, "probe_ms": 20.0},
        {"minute": 3, "reports": 1, "probe_ms": None},
    ]


def test_run_sampled_probes_while_the_command_runs():
    sampled = run_sampled([sys.executable, "-c", "import time; time.sleep(1.0)"], every=0.05, probe_every=0.2)
    assert sampled.returncode == 0
    assert sampled.started > 0
    assert len(sampled.probes) >= 2
    assert all(seconds >= 0.2 and ms > 0 for seconds, ms in sampled.probes)
    assert run_sampled([sys.executable, "-c", "pass"]).probes == []


def test_cpu_probe_is_cpu_time_in_ms():
    assert cpu_probe_ms(rows=200) > 0
