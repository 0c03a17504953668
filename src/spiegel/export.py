"""Tables as data: one XLSX with a sheet per table, and one CSV per table (layout in ``docs/uitvoer.md``).

CSV files use a semicolon and UTF-8 with BOM, so that Excel with Dutch settings opens them as they are.
Protected cells hold the CBS notation ``.``. Both writers are deterministic (same tables → same bytes) and
atomic (a crash never leaves a half-written file under the final name).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from spiegel import offload
from spiegel.io import write_bytes_atomic

_MAX_SHEET = 31


def sheet_name(name: str) -> str:
    bad = '[]:*?/\\'
    clean = "".join("_" if ch in bad else ch for ch in name)
    return clean[:_MAX_SHEET]


#: The first sheet of tabellen.xlsx when the report gives its context (provider, period, protection, legend).
CONTEXT_SHEET = "toelichting"
#: Beside the CSV files: the same context as text.
README_FILE = "README.txt"


def write_xlsx(tables: Mapping[str, pd.DataFrame], path: str | Path, *, descriptions: Mapping[str, str] = (),
               context: Sequence[tuple[str, str]] = ()) -> Path:
    """One sheet per table, with a sheet 'inhoud' listing the tables and what they hold; with ``context`` (label,
    text) pairs a first sheet 'toelichting' holds them (provider, period, protection, the legend of ``.``).
    Integer columns carry the number format ``#,##0``, decimal columns ``#,##0.0``; the header row is bold and frozen.

    While ``spiegel report`` runs with its sidecar the write waits until the sidecar renders HTML and PDF
    (:func:`spiegel.offload.deferred_writes`)."""
    tables, descriptions, context = dict(tables), dict(descriptions), list(context)
    if offload.defer(lambda: _write_xlsx(tables, path, descriptions, context)):
        return Path(path)
    return _write_xlsx(tables, path, descriptions, context)


def _write_xlsx(tables: Mapping[str, pd.DataFrame], path: str | Path, descriptions: Mapping[str, str],
                context: Sequence[tuple[str, str]] = ()) -> Path:
    from spiegel.xlsx import Sheet, write_workbook

    path = Path(path)
    descriptions = dict(descriptions)
    used: set[str] = {"inhoud", CONTEXT_SHEET} if context else {"inhoud"}
    sheets, index = [], []
    for name, frame in tables.items():
        title = _unique(sheet_name(name), used)
        index.append((title, descriptions.get(name, "")))
        sheets.append(Sheet(title, frame))
    contents = pd.DataFrame(index, columns=["tabblad", "inhoud"])
    first = [Sheet(CONTEXT_SHEET, pd.DataFrame(list(context), columns=["onderwerp", "toelichting"]),
                   widths=(32, 110))] if context else []
    return write_workbook([*first, Sheet("inhoud", contents, widths=(32, 80)), *sheets], path, title=path.stem)


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate.lower() in {u.lower() for u in used}:
        suffix = f"_{n}"
        candidate, n = name[: _MAX_SHEET - len(suffix)] + suffix, n + 1
    used.add(candidate)
    return candidate


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``;``-separated UTF-8 with BOM and a decimal comma, also for decimals in text columns (a protected mean
    duration is a column of numbers and ``.``), so that Excel with Dutch settings reads every number; a text cell
    that a spreadsheet would take for a formula is neutralised (:func:`spiegel.safetext.neutralise_frame`)."""
    from spiegel.safetext import neutralise_frame

    buffer = io.StringIO()
    frame = frame.copy(deep=False)
    for column in [c for c in frame.columns if frame[c].dtype == object]:
        values = frame[column]
        if any(isinstance(v, float) for v in values.tolist()):
            frame[column] = values.map(_decimal_comma)
    neutralise_frame(frame).to_csv(buffer, sep=";", index=False, lineterminator="\n", decimal=",")
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _decimal_comma(value: object) -> object:
    if isinstance(value, float):
        return "" if value != value else repr(value).replace(".", ",")
    return value


def write_csvs(tables: Mapping[str, pd.DataFrame], folder: str | Path, *, readme: str | None = None) -> list[Path]:
    """One CSV per table in ``folder``; with ``readme``, a ``README.txt`` beside them (the tables' context)."""
    folder = Path(folder)
    paths = []
    if readme is not None:
        path = folder / README_FILE
        write_bytes_atomic(path, readme.encode("utf-8"))
        paths.append(path)
    for name, frame in tables.items():
        path = folder / f"{sheet_name(name)}.csv"
        write_bytes_atomic(path, csv_bytes(frame))
        paths.append(path)
    return paths
