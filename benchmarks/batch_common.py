"""Shared by the batch benchmarks: synthetic data, running a command while sampling its processes' memory."""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SPIEGEL = str(BIN / "spiegel")


def machine() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f", {int(fh.readline().split()[1]) / 2**20:.0f} GiB"
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{platform.platform()}, {interpreter()}, {cores} cores{mem}, load at start {load:.1f}"


def interpreter() -> str:
    """Which Python ran the benchmark: the build matters (docs/batch.md, "The interpreter")."""
    return f"Python {platform.python_version()} ({Path(sys.executable).resolve()})"


def python_work(rows: int = 20_000) -> None:
    """Fixed pure-Python work (dicts, ``json.dumps``, sorting): the interpreter's speed on this machine."""
    records = [{"kvk": f"{i:08d}", "n": i % 97, "naam": f"aanbieder {i}", "codes": [i % 7, i % 11]}
               for i in range(rows)]
    json.dumps(records, indent=1)
    sorted((r["naam"] for r in records), key=lambda x: x[::-1])


def cpu_probe_ms(rows: int = 2_000) -> float:
    """CPU time (this thread's, in ms) of a small fixed piece of :func:`python_work`, ~12 ms on our machine.
    Taken every few seconds while a batch runs, it shows the machine's speed during the batch: CPU time does not
    count waiting for a core, so it rises only when the core itself does the same work more slowly."""
    clock = time.thread_time()
    python_work(rows)
    return (time.thread_time() - clock) * 1000


def machine_probe(repeat: int = 7) -> dict[str, float]:
    """How fast this machine is right now, on fixed work that does not depend on the project's code (only its
    font file is borrowed): a pure-Python loop (dicts, ``json.dumps``, sorting), a typst compile of a fixed
    document of number tables (other numbers each time, so typst cannot reuse the layout of the call before) and
    a vl-convert conversion of a fixed bar chart. Medians of ``repeat`` runs, in ms. The machine's speed can halve
    and recover within minutes (docs/batch.md); measured before and after a batch (and :func:`cpu_probe_ms`
    during it), this tells a slow machine from slow code."""
    import random
    import statistics

    import typst
    import vl_convert as vlc

    def document(seed: int) -> bytes:
        rng = random.Random(seed)
        tables = "\n".join(
            "#table(columns: (1fr,) + (50pt,) * 6, align: (left,) + (right,) * 6,\n"
            + "\n".join(f'  "regel {r}", ' + ", ".join(f'"{rng.randint(0, 5000)}"' for _ in range(6)) + ","
                        for r in range(30))
            + "\n)"
            for _ in range(6)
        )
        return ('#set page(paper: "a4")\n#set text(font: "Liberation Sans", size: 9pt)\n' + tables).encode()

    from spiegel.present.charts import font_dir

    compiler = typst.Compiler(font_paths=[str(font_dir())], ignore_system_fonts=True)
    compiler.compile(input=document(0), format="pdf")
    documents = iter(document(seed) for seed in range(1, repeat + 1))  # a new document each time: no reuse

    def typst_work() -> None:
        compiler.compile(input=next(documents), format="pdf")

    chart = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 400, "height": 200,
        "data": {"values": [{"soort": f"soort {i}", "stroom": s, "aantal": (i * 37 + len(s) * 11) % 90}
                            for i in range(6) for s in ("begin", "in", "uit", "eind")]},
        "mark": "bar",
        "encoding": {"y": {"field": "soort", "type": "nominal"}, "yOffset": {"field": "stroom"},
                     "x": {"field": "aantal", "type": "quantitative"}, "color": {"field": "stroom"}},
    }
    for _ in range(5):  # the runtime's first calls (~0.5 s, then JIT compilation) are not part of the probe
        vlc.vegalite_to_svg(chart)

    def chart_work() -> None:
        vlc.vegalite_to_svg(chart)

    python_work()  # the process's heap grows on the first call; later calls measure the interpreter
    out = {}
    for name, work in (("python", python_work), ("typst", typst_work), ("vl-convert", chart_work)):
        times = []
        for _ in range(repeat):
            clock = time.perf_counter()
            work()
            times.append((time.perf_counter() - clock) * 1000)
        out[name] = round(statistics.median(times), 1)
    return out


def synth(out: Path, providers: int, scale: float, periods: str, seed: int = 2025) -> float:
    """Write a synthetic country with ``spiegel synth``; return the seconds it took."""
    clock = time.perf_counter()
    subprocess.run([SPIEGEL, "synth", "--out", str(out), "--providers", str(providers), "--scale", str(scale),
                    "--periods", periods, "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - clock


def store_or_synth(given: Path | None, tmp: Path, providers: int, periods: str,
                   scale: float = 1.0) -> tuple[Path, float | None]:
    """The store to benchmark on: ``given`` (``--deliveries``), or a synthetic country written into ``tmp``;
    with the seconds the synthesis took (None when a store was given)."""
    if given is not None:
        return given, None
    store = tmp / "deliveries"
    return store, synth(store, providers, scale, periods)


def _children(pid: int) -> list[int]:
    """All descendants of ``pid`` (from /proc; psutil when installed)."""
    try:
        import psutil

        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except ImportError:
        pass
    except Exception:
        return []
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                parents.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _rss_mb(pid: int) -> tuple[float, str] | None:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            rss = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")
        return rss, cmd
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class Sampled:
    wall: float
    returncode: int
    # pid -> list of (seconds since start, RSS MB); only processes that look like batch workers
    series: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    commands: dict[int, str] = field(default_factory=dict)
    started: float = 0.0  # epoch seconds when the command started
    # (seconds since start, CPU ms of cpu_probe_ms) every probe_every seconds
    probes: list[tuple[float, float]] = field(default_factory=list)


def run_sampled(
    cmd: list[str], every: float = 0.5, env: dict | None = None, log: Path | None = None,
    time_limit: float | None = None, probe_every: float | None = None,
) -> Sampled:
    """Run ``cmd``; every ``every`` s record the RSS of each descendant process, and every ``probe_every`` s
    the machine's speed (:func:`cpu_probe_ms`, ~12 ms of CPU each time). After ``time_limit`` seconds the
    command gets SIGTERM (the batch stops as on Ctrl-C and writes its manifest; SIGINT would be ignored when this
    script runs in the background)."""
    if probe_every:
        for _ in range(5):  # the first calls grow the heap; done before the command starts
            cpu_probe_ms()
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    clock = time.perf_counter()
    sampled = Sampled(0.0, 0, started=time.time())
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    interrupted = False
    next_probe = probe_every or 0.0
    while proc.poll() is None:
        now = time.perf_counter() - clock
        if probe_every and now >= next_probe:
            sampled.probes.append((round(now, 1), round(cpu_probe_ms(), 2)))
            next_probe += probe_every
        if time_limit and now > time_limit and not interrupted:
            proc.send_signal(signal.SIGTERM)
            interrupted = True
        for pid in _children(proc.pid):
            got = _rss_mb(pid)
            if got is None:
                continue
            rss, command = got
            sampled.series.setdefault(pid, []).append((round(now, 2), round(rss, 1)))
            sampled.commands.setdefault(pid, command[:120])
        time.sleep(every)
    sampled.wall = time.perf_counter() - clock
    sampled.returncode = proc.returncode
    if log:
        out.close()
    return sampled


def worker_memory(sampled: Sampled) -> dict:
    """Peak RSS per worker process and whether it grows: mean of the last third of a worker's samples minus the
    mean of its first third (after its first report), in MB."""
    peaks, growth = [], []
    for pid, series in sampled.series.items():
        if "forkserver" in sampled.commands.get(pid, "") and len(series) < 2:
            continue
        values = [v for _, v in series]
        peaks.append(max(values))
        if len(values) >= 9:
            third = len(values) // 3
            growth.append(sum(values[-third:]) / third - sum(values[1:third + 1]) / third)
    return {
        "processes": len(peaks),
        "peak_mb_max": round(max(peaks), 1) if peaks else None,
        "peak_mb_median": round(sorted(peaks)[len(peaks) // 2], 1) if peaks else None,
        "growth_mb_max": round(max(growth), 1) if growth else None,
    }


def manifest_stats(manifest_path: Path) -> dict:
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    stats: dict = {"counts": data["counts"]}
    for stage in ("zoeken", "uitvoeren", "opmaken", "totaal"):
        values = sorted(r["timings"][stage] for r in data["providers"] if stage in (r.get("timings") or {}))
        if values:
            stats[stage] = {"median": values[len(values) // 2], "p95": values[int(len(values) * 0.95)],
                            "max": values[-1], "sum": round(sum(values), 1)}
    made = sorted((r for r in data["providers"] if r.get("worker") and r.get("finished")),
                  key=lambda r: r["finished"])
    rss = [r["worker"]["max_rss_mb"] for r in made]
    stats["worker_max_rss_mb"] = max(rss) if rss else None  # exact: each worker's own peak (getrusage)
    # Over the batch: the workers' memory after their reports, per tenth of the reports in the order they
    # finished. Level tenths mean memory does not grow over the batch.
    tenths = []
    for i in range(10):
        part = made[len(made) * i // 10: len(made) * (i + 1) // 10]
        if part:
            after = sorted(r["worker"]["rss_mb"] for r in part)
            tenths.append({"median": after[len(after) // 2], "max": after[-1],
                           "peak": max(r["worker"]["max_rss_mb"] for r in part)})
    stats["memory_by_tenth"] = tenths
    stats["workers_started"] = len({r["worker"]["pid"] for r in made})
    return stats


def by_minute(manifest_path: Path, sampled: Sampled) -> list[dict]:
    """The batch minute by minute: reports finished (from the manifest's ``finished`` stamps, whole seconds)
    and the median of the in-run probes (:func:`cpu_probe_ms`) in that minute. A minute with fewer reports and a
    slower probe is the machine, not the code."""
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    minutes: dict[int, dict] = {}
    for r in data["providers"]:
        if r.get("status") == "gemaakt" and r.get("finished"):
            t = datetime.fromisoformat(r["finished"]).timestamp()  # "...Z": UTC
            minute = max(0, int((t - sampled.started) // 60))
            minutes.setdefault(minute, {"reports": 0, "probes": []})["reports"] += 1
    for t, ms in sampled.probes:
        minutes.setdefault(int(t // 60), {"reports": 0, "probes": []})["probes"].append(ms)
    out = []
    for minute in sorted(minutes):
        probes = sorted(minutes[minute]["probes"])
        out.append({"minute": minute + 1, "reports": minutes[minute]["reports"],
                    "probe_ms": probes[len(probes) // 2] if probes else None})
    return out
