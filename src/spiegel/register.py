"""The provider register (data): who is expected to deliver, for which domain and gemeenten.

``register.csv`` columns: ``kvk`` (8 digits), ``naam``, ``domein``, ``grootteklasse`` (klein, middel, groot,
zeer_groot), ``gemeenten`` (gemeente codes separated by spaces) and ``gemeenten_mogen_inzien`` (``ja``/``nee``:
may a gemeente see this provider by name in its gemeenteoverzicht, SPEC §10; optional, an empty cell or a
register without the column means ``ja``). The batch iterates over it and lists the registered providers without
a delivery.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from spiegel.errors import InputError

REQUIRED = ("kvk", "naam", "domein", "grootteklasse", "gemeenten")
VISIBLE = "gemeenten_mogen_inzien"
COLUMNS = (*REQUIRED, VISIBLE)
VISIBLE_VALUES = ("ja", "nee")
VISIBLE_DEFAULT = "ja"
SIZE_CLASSES = ("klein", "middel", "groot", "zeer_groot")


def load_register(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise InputError(path, "register niet gevonden")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception:
        raise InputError(path, "register is geen leesbare CSV", rule="JH-B01") from None
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(path, f"kolommen ontbreken: {', '.join(missing)}", rule="JH-B03")
    bad = ~frame["kvk"].str.fullmatch(r"\d{8}")
    if bad.any():
        raise InputError(path, "KvK-nummer moet 8 cijfers zijn", row=int(bad.idxmax()) + 2, column="kvk")
    dup = frame["kvk"].duplicated()
    if dup.any():
        raise InputError(path, "KvK-nummer komt dubbel voor", row=int(dup.idxmax()) + 2, column="kvk")
    if VISIBLE not in frame.columns:
        frame[VISIBLE] = VISIBLE_DEFAULT
    frame[VISIBLE] = frame[VISIBLE].str.strip().str.lower().replace("", VISIBLE_DEFAULT)
    bad = ~frame[VISIBLE].isin(VISIBLE_VALUES)
    if bad.any():
        raise InputError(path, "gemeenten_mogen_inzien moet ja of nee zijn", row=int(bad.idxmax()) + 2, column=VISIBLE)
    return frame.set_index("kvk", drop=False)


def visible_to_gemeenten(register: pd.DataFrame) -> pd.Series:
    """Per provider (index kvk) whether a gemeente may see it by name (``gemeenten_mogen_inzien`` = ``ja``)."""
    return register[VISIBLE] == "ja"


def write_register(path: str | Path, frame: pd.DataFrame) -> None:
    from spiegel.io import write_text_atomic

    frame = frame.copy()
    if VISIBLE not in frame.columns:
        frame[VISIBLE] = VISIBLE_DEFAULT
    frame[VISIBLE] = frame[VISIBLE].fillna(VISIBLE_DEFAULT)
    write_text_atomic(path, frame.loc[:, list(COLUMNS)].to_csv(index=False, lineterminator="\n"))
