"""Compare two output folders of ``spiegel demo`` or ``spiegel batch`` file by file: are the reports the same?

    python benchmarks/compare_outputs.py OLD NEW

Compared byte for byte: every report's tables (``tabellen.xlsx``, ``tabellen/*.csv``), ``spiegelrapport.html`` and
``spiegelrapport.pdf``, and ``samenvatting.json`` without its timings; the executed notebooks without what papermill
and the engine record of the run itself (times, durations, the temporary output path, the random id papermill gives
the parameters cell it injects). Run both into the same output path: the notebook records it as a parameter. Not
compared: a batch's manifests, journal, logs, stamps and index (they carry times, batch ids and the code version).
Exit status 0 when the two agree, 1 with the list of differences. ``benchmarks/same_outputs.py`` runs two commits
and calls this.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SKIPPED_NAMES = {"index.html", "manifest.json", "manifest.csv", "journal.jsonl", "workers.log", ".done.json"}
SKIPPED_DIRS = {"batches"}


def _notebook(data: bytes) -> object:
    nb = json.loads(data)
    nb.get("metadata", {}).pop("papermill", None)
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        meta.pop("papermill", None)
        meta.pop("execution", None)
        if "injected-parameters" in meta.get("tags", []):
            cell.pop("id", None)  # papermill gives the cell it injects a random id
    return nb


def _summary(data: bytes) -> object:
    summary = json.loads(data)
    summary.pop("tijden", None)
    return summary


def _normalised(path: Path) -> object:
    data = path.read_bytes()
    if path.suffix == ".ipynb":
        return _notebook(data)
    if path.name == "samenvatting.json":
        return _summary(data)
    return data


def files(root: Path) -> set[Path]:
    out = set()
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if path.is_file() and path.name not in SKIPPED_NAMES and not (set(rel.parts) & SKIPPED_DIRS) \
                and not path.name.startswith("."):
            out.add(rel)
    return out


def compare(old: Path, new: Path) -> list[str]:
    """The differences between two output folders (empty: the same)."""
    a, b = files(old), files(new)
    problems = [f"only in {old}: {p}" for p in sorted(a - b)] + [f"only in {new}: {p}" for p in sorted(b - a)]
    for rel in sorted(a & b):
        if _normalised(old / rel) != _normalised(new / rel):
            problems.append(f"differs: {rel}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    problems = compare(args.old, args.new)
    n = len(files(args.old))
    if problems:
        print("\n".join(problems[:200]))
        print(f"{len(problems)} differences over {n} files")
        return 1
    print(f"the same: {n} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
