"""The exact per-gemeente tables a report leaves for the gemeenteoverzicht (SPEC §10), outside what is sent.

A report made by ``spiegel.pipeline.make_report`` (so by the batch and by ``spiegel report``) writes, besides its
own outputs, one compact JSON file with the exact counts of each gemeente it counted: a list of columns with their
Dutch labels and per gemeente one row of integers. The file lies in the period's work folder
(``<out>/<period>/werk/gemeentetabellen/<domain>/<kvk>.json``), never in the provider's report folder, and holds
no finding, row number or row-level value: only the counts the report computed. The pipeline tells the report
where to write through the environment variable :data:`ENV` (a notebook run by hand writes nothing), and removes
an old file before the report is made again, so a failed report leaves no stale counts behind.

``spiegel.batch.gemeenteoverzicht`` reads these files; it never reads a delivery.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: The environment variable that names the file a report writes its exact per-gemeente tables to.
ENV = "SPIEGEL_GEMEENTETABELLEN"
WORK_FOLDER = "werk"  # the period's work folder, shared with spiegel.history (not for reviewers)
FORMAT = 1


def tables_folder(out_root: str | Path, period: str, domain: str) -> Path:
    """``<out>/<period>/werk/gemeentetabellen/<domain>``: where the reports of a period leave their tables."""
    return Path(out_root) / str(period) / WORK_FOLDER / "gemeentetabellen" / domain


def tables_path(out_root: str | Path, period: str, domain: str, kvk: str) -> Path:
    return tables_folder(out_root, period, domain) / f"{kvk}.json"


def record(
    *, kvk: str, naam: str, period: str, domain: str, sha256: str, columns: dict[str, str],
    rows: dict[str, list[int]],
) -> dict[str, Any]:
    """The file's content: ``columns`` (key → Dutch label, in order) and per gemeente code its exact counts in
    that order. ``sha256`` is the delivery's, so a reader can check the file belongs to the finished report."""
    width = len(columns)
    for code, values in rows.items():
        if len(values) != width or not all(isinstance(v, int) and v >= 0 for v in values):
            raise ValueError(f"gemeente {code}: expected {width} non-negative integer counts")
    return {"formaat": FORMAT, "kvk": kvk, "naam": naam, "periode": str(period), "domein": domain,
            "sha256": sha256, "kolommen": columns, "gemeenten": rows}


def write_tables(path: str | Path, content: dict[str, Any]) -> Path:
    from spiegel.io import write_text_atomic

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(content, ensure_ascii=False, separators=(",", ":")))
    return path


def read_tables(path: str | Path) -> dict[str, Any] | None:
    """The content of one file, or None when it is missing, unreadable or of another format."""
    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(content, dict) or content.get("formaat") != FORMAT:
        return None
    return content
