"""Speed door: read many plain CSV deliveries of one layout at once (for the youth history, ``spiegel.history``).

``read_delivery`` costs about 16 ms per file, mostly fixed costs of building small frames; the youth history
reads every delivery of five years (about 24,000 files for the national store), which would take minutes. Here
the files that are *plain* — UTF-8 text without quotes, the header the layout's column names in the layout's
order, every line with the right number of fields — are tokenised together: one ``pandas.read_csv`` per
delimiter and then the reader's own typing (:func:`spiegel.read.typed_frame`), so every value is typed exactly as
``read_delivery`` types it. Any other file (XLSX, fixed width, Windows-1252, quoted fields, another column order,
a ragged line) goes through :func:`spiegel.read.read_delivery` itself. A test checks both give the same frames.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd

from spiegel.errors import InputError
from spiegel.read import ROW, read_delivery, typed_frame

_XLS_MAGICS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def _plain_body(data: bytes, names: list[str]) -> tuple[str, list[str]] | None:
    """(delimiter, record lines) of a plain CSV file of the layout, or None when it is not plain."""
    if data.startswith(_XLS_MAGICS) or b'"' in data or b"\x00" in data:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return None
    header = lines[0]
    for delimiter in (";", ","):
        if [h.strip().lower() for h in header.split(delimiter)] == names:
            separators = len(names) - 1
            body = lines[1:]
            if body and all(line.count(delimiter) == separators for line in body):
                return delimiter, body
            return None
    return None


def read_frames(refs: list[Any], domain: Any, columns: Any = None) -> tuple[pd.DataFrame | None, np.ndarray, int]:
    """The typed records of all ``refs`` (``spiegel.deliveries.DeliveryRef`` of a one-set domain) as one frame
    (only ``columns``, when given, plus what the reader adds to them such as ``bsn_status``), ``owner`` (per
    row: the position of its delivery in ``refs``) and the number of deliveries that could not be read (left
    out). The frame's row order: the plain files first, then the others."""
    plain: dict[tuple[str, str], list[str]] = {}  # (layout name, delimiter) → record lines
    plain_owner: dict[tuple[str, str], list[np.ndarray]] = {}
    frames: list[pd.DataFrame] = []
    owners: list[np.ndarray] = []
    unreadable = 0
    layouts: dict[str, Any] = {}
    for i, ref in enumerate(refs):
        layout = domain.layout(ref.meta.indeling)
        layouts[layout.naam] = layout
        try:
            data = ref.path.read_bytes()
        except OSError:
            unreadable += 1
            continue
        simple = len(layout.sets) == 1 and not layout.single.lijsten
        found = _plain_body(data, list(layout.names)) if simple else None
        if found is not None:
            key = (layout.naam, found[0])
            plain.setdefault(key, []).extend(found[1])
            plain_owner.setdefault(key, []).append(np.full(len(found[1]), i, dtype=np.int64))
            continue
        try:
            delivery = read_delivery(ref.path, layout)
        except InputError:
            unreadable += 1
            continue
        frames.append(delivery.frame if columns is None else delivery.frame[
            [c for c in delivery.frame.columns if c in columns or c.removesuffix("_status") in columns]])
        owners.append(np.full(len(delivery.frame), i, dtype=np.int64))
    bulk: list[pd.DataFrame] = []
    bulk_owners: list[np.ndarray] = []
    for (layout_name, delimiter), lines in plain.items():
        layout = layouts[layout_name]
        wanted = [c for c in layout.names if columns is None or c in columns]
        raw = pd.read_csv(io.StringIO("\n".join(lines)), sep=delimiter, header=None, names=list(layout.names),
                          usecols=wanted, dtype=str, keep_default_na=False, na_filter=False, engine="c")
        data: dict[str, Any] = {ROW: np.arange(len(raw), dtype=np.int64)}
        for column in wanted:
            data[column] = raw[column].str.strip()
        bulk.append(typed_frame(pd.DataFrame(data), layout, name="(aanleveringen)", columns=wanted))
        bulk_owners.append(np.concatenate(plain_owner[(layout_name, delimiter)]))
    parts = [*bulk, *frames]
    if not parts:
        return None, np.zeros(0, dtype=np.int64), unreadable
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    return frame, np.concatenate([*bulk_owners, *owners]), unreadable
