"""Text that cannot be used against the reader of what we write.

Two jobs, each in one place:

* :func:`neutralise_cell` — a text cell of a CSV or XLSX we write (``manifest.csv``, ``tabellen.xlsx``,
  ``tabellen/*.csv``, every other table) that a spreadsheet would take for a formula gets a leading ``'``
  (OWASP, "CSV Injection"): a text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return. Numbers
  stay numbers: only ``str`` values are touched, and a text that is a plain number (``-3``, ``+1,5``) is left as
  it is (a spreadsheet reads it as that number, nothing more). :func:`neutralise_frame` does it for a table.
* :func:`unsafe_position` / :func:`check_text` — metadata we show to readers (the provider's name from
  ``register.csv`` or a delivery's ``.meta.yml``, a delivery's file name) may hold no control character (C0
  including NUL, ESC and newlines; DEL; C1) and no bidirectional override or isolate (U+202A–U+202E,
  U+2066–U+2069: "Trojan Source" text that reads differently than it is). Such metadata is refused with an
  :class:`~spiegel.errors.InputError` naming the file, row and column, never the value. Refused rather than
  stripped: the name is the provider's own, and a silently changed name would be a wrong name in every report.
* :func:`printable` — the last line of defence for text written into the index and manifest that does not come
  from checked metadata (error messages naming a file): unsafe characters become U+FFFD.
"""

from __future__ import annotations

import re

import pandas as pd

from spiegel.errors import InputError

#: Characters a formula starts with in Excel, LibreOffice and Google Sheets (OWASP CSV-injection guidance).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")
#: Control characters (C0, DEL, C1) and the bidirectional embeddings, overrides and isolates.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
UNSAFE_DESCRIPTION = ("een stuurteken (zoals NUL, ESC, tab of regeleinde) of een tekenrichtingsteken "
                      "(U+202A–U+202E, U+2066–U+2069)")


def neutralise_cell(value: object) -> object:
    """``value`` as a spreadsheet cell that is never a formula: a text that would start one gets a leading ``'``;
    anything else (numbers, blanks, harmless text) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :func:`neutralise_cell` applied to every text cell of its text columns and to its column
    names; numeric columns are not touched (the same object when nothing needs to change)."""
    changed: dict[int, pd.Series] = {}
    for position, dtype in enumerate(frame.dtypes):
        if _numeric(dtype):
            continue
        series = frame.iloc[:, position]
        starts = series.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES), na_action="ignore")
        if starts.fillna(False).astype(bool).any():
            changed[position] = series.map(neutralise_cell, na_action="ignore")
    names = [neutralise_cell(c) for c in frame.columns]
    if not changed and names == list(frame.columns):
        return frame
    out = frame.copy()
    for position, series in changed.items():
        out.isetitem(position, series)
    out.columns = names
    return out


def _numeric(dtype: object) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def unsafe_position(text: str) -> int | None:
    """The 1-based position of the first control or bidi character in ``text``; None when there is none."""
    found = UNSAFE.search(text)
    return None if found is None else found.start() + 1


def check_text(file: object, text: str, *, row: int | None = None, column: str | None = None,
               rule: str | None = None) -> None:
    """Raise an :class:`InputError` (file, row, column; never the text) when ``text`` holds a control or bidi
    character."""
    if UNSAFE.search(text) is not None:
        raise InputError(file, f"bevat {UNSAFE_DESCRIPTION}; dat is hier niet toegestaan", row=row, column=column,
                         rule=rule)


def check_frame(file: object, frame: pd.DataFrame, *, first_row: int = 2, rule: str | None = None) -> None:
    """:func:`check_text` over every text cell of ``frame`` (row numbers as in the file: ``first_row`` is the
    first data row), in file order: the first bad cell by row, then by column."""
    worst: tuple[int, int, str] | None = None
    for position, name in enumerate(frame.columns):
        hits = frame[name].astype("string").str.contains(UNSAFE, na=False)
        if hits.any():
            index = int(hits.to_numpy().argmax())
            if worst is None or index < worst[0]:
                worst = (index, position, str(name))
    if worst is not None:
        raise InputError(file, f"bevat {UNSAFE_DESCRIPTION}; dat is hier niet toegestaan", row=worst[0] + first_row,
                         column=worst[2], rule=rule)


def printable(text: str) -> str:
    """``text`` with every control or bidi character replaced by U+FFFD (for text of unchecked origin)."""
    return UNSAFE.sub("\ufffd", text)
