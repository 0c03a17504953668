"""Stands and flows of a period (SPEC §6 for trajectories, §4.5 for measures at a GI): one definition for every
domain that counts things that start and end.

For a period P = [F, L] and a record with start ``s`` and end ``t`` (NaT: running):

=========== ==============================================
actief       ``s`` ≤ L and (``t`` empty or ``t`` ≥ F)
beginstand   actief and ``s`` < F
instroom     actief and F ≤ ``s`` (≤ L)
uitstroom    actief and ``t`` ≤ L
eindstand    actief and not uitstroom (``t`` empty or ``t`` > L)
totaal       beginstand + instroom
=========== ==============================================

so beginstand + instroom − uitstroom = eindstand holds row by row (every flag implies actief; uitstroom and
eindstand split the active rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MEASURES: tuple[str, ...] = ("beginstand", "instroom", "uitstroom", "eindstand", "totaal")
#: The four measures of the identity (without the total), in the order of charts and tables.
FLOWS: tuple[str, ...] = MEASURES[:-1]
MEASURE_LABELS: dict[str, str] = {
    "beginstand": "Beginstand",
    "instroom": "Instroom",
    "uitstroom": "Uitstroom",
    "eindstand": "Eindstand",
    "totaal": "Totaal",
}


def columns(unit: str) -> tuple[str, ...]:
    """``<unit>_beginstand`` … ``<unit>_totaal``."""
    return tuple(f"{unit}_{m}" for m in MEASURES)


def flags(start: np.ndarray, end: np.ndarray, first: np.datetime64, last: np.datetime64) -> dict[str, np.ndarray]:
    """The flags of the table above for datetime64[D] ``start`` and ``end`` (a row without a start is not
    active)."""
    running = np.isnat(end)
    actief = (start <= last) & (running | (end >= first))
    uitstroom = actief & (end <= last)
    before = start < first
    return {
        "actief": actief,
        "beginstand": actief & before,
        "instroom": actief & ~before,
        "uitstroom": uitstroom,
        "eindstand": actief & ~uitstroom,
    }


def identity_holds(table: pd.DataFrame, unit: str = "trajecten") -> bool:
    """True when beginstand + instroom − uitstroom = eindstand (and beginstand + instroom = totaal, when the table
    has a total) for ``unit`` in every row."""
    t = {m: table[f"{unit}_{m}"].to_numpy() for m in MEASURES if f"{unit}_{m}" in table.columns}
    ok = np.all(t["beginstand"] + t["instroom"] - t["uitstroom"] == t["eindstand"])
    if "totaal" in t:
        ok = ok and np.all(t["beginstand"] + t["instroom"] == t["totaal"])
    return bool(ok)
