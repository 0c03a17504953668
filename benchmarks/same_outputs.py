"""Do two commits make the same reports, and at what CPU cost? The check of a change meant to show nothing new.

    python benchmarks/same_outputs.py --base d6b8ee7 [--deliveries DIR] [--providers 200] [--cpu-providers 600]
                                      [--rounds 3] [--work /tmp/spiegel-same]

1. The base commit is checked out as a git worktree with a venv of its own (made once, kept in ``--work``); the
   new code is this checkout with the interpreter running this script.
2. Outputs: both make the batches of ``spiegel demo`` (from one copy of the bundled sample, since the notebook
   records the deliveries folder) and the batch of ``--providers`` providers of a national synthetic store
   (``--deliveries``, or ``spiegel synth --periods 2024H2,2025H1`` into ``--work``) into the same paths, one after
   the other, and ``benchmarks/compare_outputs.py`` compares every table, XLSX, HTML, PDF and executed notebook.
3. CPU: the two commits' batches of ``--cpu-providers`` providers alternate ``--rounds`` times
   (``benchmarks/cpu_batch.py``: CPU seconds of every process of the batch); the ratio new/old of CPU seconds per
   report is printed with each round's figures. Alternating in one run makes the machine's drift (its speed
   changes by half within an hour) fall on both.

Exit status 0 when the outputs agree, 1 otherwise. Results go to stdout as Markdown (for docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from compare_outputs import compare, files  # noqa: E402


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kwargs)


def base_checkout(rev: str, work: Path) -> Path:
    """The base commit's worktree with an installed venv (made once); returns its python."""
    tree = work / f"base-{rev}"
    python = tree / ".venv" / "bin" / "python"
    if not tree.exists():
        _run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev])
    if not python.exists():
        _run([sys.executable, "-m", "venv", str(tree / ".venv")])
        _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c",
              str(tree / "constraints.txt"), "-e", f"{tree}[test]"])
        _run([str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", "spiegel"])
    return python


def spiegel(python: Path) -> list[str]:
    return [str(python), "-c", "import sys; from spiegel.cli import main; sys.exit(main())"]


def national_store(python: Path, given: Path | None, work: Path) -> Path:
    if given is not None:
        return given
    store = work / "national"
    if not (store / "register.csv").exists():
        _run([*spiegel(python), "synth", "--out", str(store), "--periods", "2024H2,2025H1"])
    return store


def pick(store: Path, period: str, n: int) -> list[str]:
    """``n`` providers spread over the register's order, the ten largest deliveries and a few corrections."""
    from spiegel.deliveries import current_deliveries

    refs = current_deliveries(store, period)
    by_size = sorted((r.path.stat().st_size, kvk) for (_, kvk), r in refs.items())
    kvks = sorted(k for _, k in by_size)
    step = max(1, len(kvks) // max(1, n - 15))
    chosen = set(kvks[::step][: n - 15]) | {k for _, k in by_size[-10:]}
    chosen |= set(sorted(kvk for (_, kvk), r in refs.items() if r.meta.correctie)[:5])
    return sorted(chosen)


def same_outputs(python_old: Path, python_new: Path, store: Path, period: str, kvks: list[str],
                 work: Path) -> list[str]:
    """Make the demo and the national subset with both commits into the same paths; the differences."""
    problems: list[str] = []
    only = ",".join(kvks)
    # The demo's batches, from one copy of the bundled sample for both (the notebook records the folder's path)
    sample = work / "sample"
    shutil.rmtree(sample, ignore_errors=True)
    shutil.copytree(ROOT / "src" / "spiegel" / "sample" / "deliveries", sample)

    def batch(python: Path, out: Path, period: str, deliveries: Path, *extra: str) -> list[list[str]]:
        return [[*spiegel(python), "batch", "--period", period, "--deliveries", str(deliveries), "--out", str(out),
                 "--formats", "html,pdf,xlsx,csv", "--no-progress", *extra]]

    jobs = {
        "demo": lambda python, out: [*batch(python, out, "2024H2", sample), *batch(python, out, "2025H1", sample)],
        "national": lambda python, out: batch(python, out, period, store, "--only", only),
    }
    for name, commands in jobs.items():
        out = work / name
        kept = work / f"{name}-old"
        for path in (out, kept):
            shutil.rmtree(path, ignore_errors=True)
        for command in commands(python_old, out):
            _run(command, cwd=ROOT)
        out.rename(kept)
        for command in commands(python_new, out):
            _run(command, cwd=ROOT)
        found = compare(kept, out)
        print(f"- {name}: {len(files(kept))} files, {'the same' if not found else f'{len(found)} differ'}")
        problems += [f"{name}: {p}" for p in found]
    return problems


def cpu_rounds(python_old: Path, python_new: Path, store: Path, period: str, kvks: list[str], work: Path,
               rounds: int) -> list[dict]:
    only_file = work / "cpu-only.txt"
    only_file.write_text(",".join(kvks))
    out = []
    for r in range(rounds):
        for label, python in (("old", python_old), ("new", python_new)) if r % 2 == 0 else (
                ("new", python_new), ("old", python_old)):
            target = work / "cpu-out"
            shutil.rmtree(target, ignore_errors=True)
            done = _run([str(python), str(HERE / "cpu_batch.py"), "--deliveries", str(store), "--period", period,
                         "--out", str(target), "--only-file", str(only_file)], cwd=ROOT)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            figures.update(round=r + 1, commit=label, cpu_per_report_ms=round(1000 * figures["cpu_s"] /
                                                                               max(1, figures["made"]), 1))
            print(f"  round {r + 1} {label}: {figures}", file=sys.stderr)
            out.append(figures)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="d6b8ee7", help="the commit to compare with (default: d6b8ee7)")
    parser.add_argument("--deliveries", type=Path, help="a national synthetic store (default: made in --work)")
    parser.add_argument("--period", default="2025H1")
    parser.add_argument("--providers", type=int, default=200, help="providers whose outputs are compared")
    parser.add_argument("--cpu-providers", type=int, default=600, help="providers of each CPU round (0: none)")
    parser.add_argument("--rounds", type=int, default=3, help="alternations of the two commits' batches")
    parser.add_argument("--work", type=Path, default=Path("/tmp/spiegel-same"))
    parser.add_argument("--skip-outputs", action="store_true", help="only the CPU rounds")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    python_new = Path(sys.executable)
    python_old = base_checkout(args.base, args.work)
    store = national_store(python_new, args.deliveries, args.work)
    print(f"## Same outputs and CPU: this checkout against {args.base}\n")
    problems = []
    if not args.skip_outputs:
        problems = same_outputs(python_old, python_new, store, args.period, pick(store, args.period, args.providers),
                                args.work)
        for p in problems[:50]:
            print(f"  - {p}")
    if args.cpu_providers:
        rounds = cpu_rounds(python_old, python_new, store, args.period, pick(store, args.period, args.cpu_providers),
                            args.work, args.rounds)
        print("\n| round | commit | reports | CPU s | CPU ms a report | wall s |\n|---|---|---:|---:|---:|---:|")
        for f in rounds:
            print(f"| {f['round']} | {f['commit']} | {f['made']} | {f['cpu_s']} | {f['cpu_per_report_ms']} | "
                  f"{f['wall_s']} |")
        old = statistics.median(f["cpu_per_report_ms"] for f in rounds if f["commit"] == "old")
        new = statistics.median(f["cpu_per_report_ms"] for f in rounds if f["commit"] == "new")
        print(f"\nCPU per report, median of {args.rounds} rounds: old {old} ms, new {new} ms: "
              f"**ratio new/old {new / old:.3f}**")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
