"""Small hand-made Veilig Thuis deliveries for the tests (tests/test_vt_*.py)."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd

from spiegel import domains, elfproef
from spiegel.read import read_delivery
from spiegel.write import write_sets

VT = domains.get("vt")
LAYOUT = VT.layout()


def bsns(n: int, start: int = 11_122_233) -> list[str]:
    """``n`` valid BSNs (elfproef), deterministic."""
    out: list[str] = []
    prefix = start
    while len(out) < n:
        digit = int(elfproef.check_digit(np.array([prefix]))[0])
        if digit < 10:
            out.append(f"{prefix * 10 + digit:09d}")
        prefix += 1
    return out


B = bsns(10)


def _blank(set_name: str) -> dict[str, str]:
    return {c: ("0" if col.type == "vlag" else "") for c, col in
            ((col.naam, col) for col in LAYOUT.record_set(set_name).kolommen)}


def record(set_name: str, **values: str) -> dict[str, str]:
    row = _blank(set_name)
    for key, value in values.items():
        assert key in row, key
        row[key] = value
    return row


def base() -> dict[str, list[dict[str, str]]]:
    """A clean delivery for 2025H1 (no VT-K finding). Rows: adviezen 2–3, meldingen 2–4 (M1, M2, M3), onderzoeken
    2 (O1), personen 2–8 (M1: 2, 3; M2: 4, 5; M3: 6; O1: 7, 8)."""
    return {
        "adviezen": [
            record("adviezen", advies_id="A1", hoedanigheid="13", aanleiding_01="1", aard_01="1"),
            record("adviezen", advies_id="A2", hoedanigheid="21", aanleiding_06="1", aard_03="1"),
        ],
        "meldingen": [
            record("meldingen", melding_id="M1", hoofdnummer="C1", datum_melding="20250303",
                   datum_triagebesluit="20250305", hoedanigheid="13", vervolg="02", aanleiding_01="1", aard_01="1",
                   overdracht_01="1"),
            record("meldingen", melding_id="M2", hoofdnummer="C2", datum_melding="20250310",
                   datum_triagebesluit="20250311", hoedanigheid="06", vervolg="01", onderzoeksnummer="O1",
                   aanleiding_06="1", aard_05="1"),
            record("meldingen", melding_id="M3", hoofdnummer="C2", datum_melding="20250401",
                   datum_triagebesluit="20250402", hoedanigheid="22", vervolg="04", aanleiding_03="1", aard_07="1"),
        ],
        "onderzoeken": [
            record("onderzoeken", onderzoeksnummer="O1", datum_start_onderzoek="20250317",
                   datum_afronding_onderzoek="20250501", uitkomst_06="1", aard_05="1", vervolg_05="1"),
        ],
        "personen": [
            record("personen", set="M", ref_id="M1", bsn=B[0], geboortedatum="19850101", geslacht="V"),
            record("personen", set="M", ref_id="M1", bsn=B[1], geboortedatum="19830101", geslacht="M"),
            record("personen", set="M", ref_id="M2", bsn=B[2], geboortedatum="20150601", geslacht="M"),
            record("personen", set="M", ref_id="M2", bsn=B[3], geboortedatum="19880101", geslacht="V"),
            record("personen", set="M", ref_id="M3", bsn=B[4], geboortedatum="19500101", geslacht="V"),
            record("personen", set="O", ref_id="O1", bsn=B[2], geboortedatum="20150601", geslacht="M"),
            record("personen", set="O", ref_id="O1", bsn=B[3], geboortedatum="19880101", geslacht="V"),
        ],
    }


def frames(rows: dict[str, list[dict[str, str]]]) -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame(rows[name], columns=LAYOUT.record_set(name).names, dtype=object)
            for name in rows}


def delivery(tmp: Path, rows: dict[str, list[dict[str, str]]], name: str = "levering.zip", fmt: str = "zip",
             layout: str | None = None):
    """Write ``rows`` as a delivery and read it back (with the layout ``layout``, default vt-1)."""
    lay = VT.layout(layout)
    path = write_sets(frames(rows), tmp / name, fmt, lay)
    return read_delivery(path, lay)


def changed(**edits) -> dict[str, list[dict[str, str]]]:
    """The base with edits: ``set=[(row_index, {column: value}), ...]``."""
    rows = copy.deepcopy(base())
    for set_name, changes in edits.items():
        for index, values in changes:
            rows[set_name][index].update(values)
    return rows
