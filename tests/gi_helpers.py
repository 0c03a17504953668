"""Small hand-made GI deliveries (jeugdbescherming with machtigingen, jeugdreclassering) for tests/test_gi_*.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from spiegel import domains
from spiegel.read import read_delivery
from spiegel.write import write_sets
from vt_helpers import bsns

JB = domains.get("jb")
JR = domains.get("jr")
B = bsns(30, start=22_233_344)


def record(domain, set_name: str, **values: str) -> dict[str, str]:
    row = {c: "" for c in domain.layout().record_set(set_name).names}
    for key, value in values.items():
        assert key in row, key
        row[key] = value
    return row


def jb(**values: str) -> dict[str, str]:
    """A jb record: a girl from gemeente 0363 unless said otherwise."""
    return record(JB, "jb", **{"geboortedatum": "20150601", "geslacht": "V", "gemeentecode": "0363", **values})


def mu(**values: str) -> dict[str, str]:
    return record(JB, "muhp", **{"geboortedatum": "20150601", "geslacht": "V", "gemeentecode": "0363", **values})


def jr(**values: str) -> dict[str, str]:
    return record(JR, "jr", **{"geboortedatum": "20080301", "geslacht": "M", "gemeentecode": "0363", **values})


def jb_delivery(tmp: Path, jb_rows: list[dict[str, str]], muhp_rows: list[dict[str, str]] | None = None,
                name: str = "jb.zip", fmt: str = "zip"):
    """Write a JB delivery (two record sets) and read it back. Row numbers: the header is row 1."""
    layout = JB.layout()
    raws = {"jb": pd.DataFrame(jb_rows, columns=layout.record_set("jb").names, dtype=object),
            "muhp": pd.DataFrame(muhp_rows or [], columns=layout.record_set("muhp").names, dtype=object)}
    path = write_sets(raws, tmp / name, fmt, layout)
    return read_delivery(path, layout)


def jr_delivery(tmp: Path, rows: list[dict[str, str]], name: str = "jr.csv"):
    """Write a JR delivery as a semicolon CSV and read it back."""
    layout = JR.layout()
    names = layout.names
    lines = [";".join(names), *(";".join(r[c] for c in names) for r in rows)]
    path = tmp / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read_delivery(path, layout)
