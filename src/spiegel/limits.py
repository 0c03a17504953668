"""The limits a delivery must stay within, in one place (the docs page "Veiligheid en robuustheid" lists them).

A delivery that passes one of these is refused with a file rule of its domain (a clear Dutch line naming the file
and, where it applies, the row and column; exit status 2), before the part that would cost the memory is read.
Real deliveries stay far below them: the largest provider of the national synthetic store delivers some 28,000
records (about 3 MB of CSV, 25 columns).

Every limit can be set through an environment variable (a whole number; for ``SPIEGEL_MAX_DELIVERY_MB`` MB),
read when a limit is asked for, so a batch passes it on to its workers unchanged:

===============================  ==============================  ===========================================
Limit                            Environment variable            Default
===============================  ==============================  ===========================================
size of one delivery file        ``SPIEGEL_MAX_DELIVERY_MB``     256 (MB)
length of one field (cell)       ``SPIEGEL_MAX_FIELD_CHARS``     10,000 characters
rows of a sheet (its extent)     ``SPIEGEL_MAX_SHEET_ROWS``      1,048,576 (Excel's own maximum)
columns of a sheet               ``SPIEGEL_MAX_SHEET_COLUMNS``   256
cells of a sheet (rows × cols)   ``SPIEGEL_MAX_SHEET_CELLS``     20,000,000
unpacked size of a workbook      ``SPIEGEL_MAX_UNPACKED_MB``     2,048 (MB, all its parts; XLS: its stream)
packing ratio of one part        ``SPIEGEL_MAX_PACK_RATIO``      200 (unpacked / packed, parts above 1 MB)
===============================  ==============================  ===========================================

Why these numbers: the workbook reader (python-calamine) makes a cell for every position of a sheet's extent, also
the empty ones, so a workbook of 1.7 KB with one cell at XFD1048576 would ask for 17 billion cells; the cell limit
keeps that at about 1 GB. A sheet's extent is found before any cell is loaded (:mod:`spiegel.guard`): for XLSX
from its ``<dimension>`` and from the cell references themselves, read as a stream from the zip; for XLS from
its DIMENSIONS record and the rows and columns of its cell records, walked in the compound file's Workbook stream
(whose size is held to the unpacked limit). An XLS sheet has at most 65,536 rows × 256 columns (16.8 million
cells, within the cell limit), but a cell's column is stored in 16 bits and the reader takes it as it is.
Worksheet XML packs about 10-30 times; a ratio of 200 only happens for repeated filler (a zip bomb). The size
limit keeps the reader's memory (about 5-6.5 × the file for a CSV with its validation, 6-9 × for an XLSX read as a
stream, 23-27 × for a workbook calamine reads; see docs/benchmarks.md) within a few GB.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MB = 2**20


@dataclass(frozen=True)
class Limit:
    """One limit: its name in messages (Dutch), environment variable and default."""

    label: str
    env: str
    default: int

    @property
    def value(self) -> int:
        """The limit now: the environment variable when it holds a positive whole number, else the default."""
        text = os.environ.get(self.env, "").strip().replace("_", "")
        if text.isdigit() and int(text) > 0:
            return int(text)
        return self.default


DELIVERY_MB = Limit("grootte van een aanlevering (MB)", "SPIEGEL_MAX_DELIVERY_MB", 256)
FIELD_CHARS = Limit("lengte van een veld (tekens)", "SPIEGEL_MAX_FIELD_CHARS", 10_000)
SHEET_ROWS = Limit("rijen van een werkblad", "SPIEGEL_MAX_SHEET_ROWS", 1_048_576)
SHEET_COLUMNS = Limit("kolommen van een werkblad", "SPIEGEL_MAX_SHEET_COLUMNS", 256)
SHEET_CELLS = Limit("cellen van een werkblad", "SPIEGEL_MAX_SHEET_CELLS", 20_000_000)
UNPACKED_MB = Limit("uitgepakte grootte van een werkmap (MB)", "SPIEGEL_MAX_UNPACKED_MB", 2048)
PACK_RATIO = Limit("pakverhouding van een onderdeel", "SPIEGEL_MAX_PACK_RATIO", 200)

#: A part of a workbook smaller than this is not held to PACK_RATIO (tiny parts pack oddly, and cost nothing).
PACK_RATIO_MIN_BYTES = MB

ALL: tuple[Limit, ...] = (DELIVERY_MB, FIELD_CHARS, SHEET_ROWS, SHEET_COLUMNS, SHEET_CELLS, UNPACKED_MB, PACK_RATIO)


def delivery_bytes() -> int:
    """The largest delivery file (bytes) the reader accepts."""
    return DELIVERY_MB.value * MB


def dutch(number: int) -> str:
    """``1048576`` → ``1.048.576`` (numbers in messages are Dutch)."""
    return f"{number:,}".replace(",", ".")
