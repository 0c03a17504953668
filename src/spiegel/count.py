"""What every domain's counts are made of: tables whose count columns are declared (so that protection, display,
export and the index work on any domain without knowing it), and the vectorised counting primitives.

A domain's count function (``spiegel.domains.<name>.count``) returns a :class:`Counts`: named
:class:`CountTable`\\ s of exact integer counts. Protection of small numbers (SPEC §8) is *not* applied here; it is
the last step before display or export (:func:`spiegel.protect.protect_counts`).

The primitives count over integer cell codes with numpy (``bincount``, ``unique``), so that a batch of 5,000
providers spends its time rendering, not counting; below :data:`spiegel.fastpath.SMALL_ROWS` values the lookups
work per value in Python (a pandas call costs more than the rest).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from spiegel import fastpath
from spiegel.periods import Period

TOTAAL = "totaal"
ONBEKEND = "onbekend"
TOTAAL_LABEL = "Totaal"
INVALID_LABEL = "Niet of ongeldig ingevuld"


@dataclass(frozen=True)
class CountTable:
    """One table of exact counts with what protection needs to know about its columns.

    ``counts``: the count columns (protected cell by cell). ``dependent``: value columns → the count column they
    were computed from (a mean duration is hidden where its number of trajectories is secret). ``exempt``:
    (column, values) of rows that count no youths and stay exact (the number of gemeenten in a summary).
    ``differences``: columns recomputed from the protected counts, ``{"verschil": ("waarde", "vorige")}``."""

    frame: pd.DataFrame
    counts: tuple[str, ...]
    dependent: Mapping[str, str] = field(default_factory=dict)
    exempt: tuple[str, frozenset[str]] | None = None
    differences: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    description: str = ""  # Dutch, for the table of contents of tabellen.xlsx

    def with_frame(self, frame: pd.DataFrame) -> CountTable:
        return replace(self, frame=frame)


@dataclass(frozen=True)
class Counts:
    """Exact (or, after protection, protected) counts of one report: named tables in display order."""

    period: Period
    tables: Mapping[str, CountTable]
    protection: str = "exact"  # set by spiegel.protect.protect_counts; "exact" = counts as delivered

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name].frame

    def with_tables(self, tables: Mapping[str, CountTable], protection: str) -> Counts:
        """The same counts with other tables (the protected ones)."""
        return replace(self, tables=dict(tables), protection=protection)


# --- primitives -------------------------------------------------------------------------------------------


def frame(columns: dict[str, object]) -> pd.DataFrame:
    """A frame with the text columns first (dtype ``object``, not pandas' ``str``), then the others, each
    group in the given order. One 2-d object block instead of one conversion per column: several times
    cheaper for small providers, both here and when the counts read the columns back."""
    text = [k for k, v in columns.items() if isinstance(v, np.ndarray) and v.dtype == object]
    other = pd.DataFrame({k: v for k, v in columns.items() if k not in set(text)})
    if not text:
        return other
    n = len(columns[text[0]])  # type: ignore[arg-type]
    block = pd.DataFrame(
        np.column_stack([columns[k] for k in text]) if n else np.empty((0, len(text)), dtype=object),
        columns=text,
        dtype=object,
    )
    return pd.concat([block, other], axis=1) if len(other.columns) else block


def objects(values: pd.Series) -> np.ndarray:
    """Text column as an object array with ``None`` for missing."""
    return values.to_numpy(dtype=object, na_value=None)


def factorize(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the distinct values (an object array); missing values get code -1, which indexes the slot
    after the last distinct value."""
    index, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(index, dtype=np.int64), np.asarray(uniques, dtype=object)


def lookup(values: pd.Series | np.ndarray, mapping: Mapping[str, str | None], default: str) -> np.ndarray:
    """Map every value through ``mapping`` (``default`` when absent, missing or mapped to None), as an object
    array. Small inputs: a dict lookup per value; large ones: factorize, then look up each distinct value."""
    get = mapping.get
    if fastpath.small(len(values)):
        array = objects(values) if isinstance(values, pd.Series) else values
        return np.array([get(v) or default for v in array] or [], dtype=object)
    index, uniques = factorize(values)
    return np.array([*(get(u) or default for u in uniques), default], dtype=object)[index]


def positions(values: np.ndarray, position: Mapping[str, int], default: int = -1) -> np.ndarray:
    """``position[value]`` per value (``default`` when absent), as int64."""
    get = position.get
    if fastpath.small(len(values)):
        return np.fromiter((get(v, default) for v in values), dtype=np.int64, count=len(values))
    index, uniques = factorize(values)
    return np.array([*(get(u, default) for u in uniques), default], dtype=np.int64)[index]


def gemeente_index(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """([``totaal``, the gemeente codes present (sorted), ``onbekend`` last when present], each value's position
    in that list)."""
    present = set(values.tolist())
    ordered = sorted(present - {ONBEKEND}) + ([ONBEKEND] if ONBEKEND in present else [])
    position = {code: i + 1 for i, code in enumerate(ordered)}
    return [TOTAAL, *ordered], positions(values, position)


def expand(gem_index: np.ndarray, members: np.ndarray, n_cat: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, cell) pairs: every row counts in its own gemeente and in the total (gemeente 0), in each of its
    member categories (``members``: rows × slots, -1 = none). Cell = gemeente * n_cat + category."""
    n, slots = members.shape
    flat = members.ravel()
    keep = flat >= 0
    rows = np.repeat(np.arange(n), slots)[keep]
    category = flat[keep]
    own = gem_index[rows] * n_cat + category
    return np.concatenate([rows, rows]), np.concatenate([own, category])  # total: gemeente 0 → cell = category


def tally(
    rows: np.ndarray, cells: np.ndarray, flags: np.ndarray, person: np.ndarray, n_cells: int
) -> tuple[np.ndarray, np.ndarray]:
    """Records and distinct persons per cell and flag: two int64 arrays of shape (n_cells, n_flags)."""
    n_flags = flags.shape[1]
    records = np.zeros((n_cells, n_flags), dtype=np.int64)
    persons = np.zeros((n_cells, n_flags), dtype=np.int64)
    n_persons = int(person.max()) + 1 if len(person) else 1
    # Hash the (cell, person) pairs once; per flag a pair counts when at least one of its rows has the flag.
    pair, pairs = pd.factorize(cells * n_persons + person[rows])
    pair_cell = np.asarray(pairs, dtype=np.int64) // n_persons
    n_pairs = len(pairs)
    for f in range(n_flags):
        selected = flags[rows, f]
        records[:, f] = np.bincount(cells[selected], minlength=n_cells)
        present = np.bincount(pair[selected], minlength=n_pairs) > 0
        persons[:, f] = np.bincount(pair_cell[present], minlength=n_cells)
    return records, persons


def labelled(gem: tuple[np.ndarray, np.ndarray, np.ndarray], labels: dict[str, np.ndarray]) -> dict[str, object]:
    """Columns gemeente, gemeentenaam and the label columns, one block of label rows per gemeente."""
    n_labels = len(next(iter(labels.values())))
    out: dict[str, object] = {"gemeente": np.repeat(gem[0], n_labels), "gemeentenaam": np.repeat(gem[1], n_labels)}
    for column, values in labels.items():
        out[column] = np.tile(values, len(gem[0]))
    return out


def cell_statistics(cells: np.ndarray, values: np.ndarray, n_cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(number, mean, median) of ``values`` (NaN skipped) per cell; mean and median NaN where a cell has none."""
    valid = ~np.isnan(values)
    d_cells, d_values = cells[valid], values[valid]
    number = np.bincount(d_cells, minlength=n_cells)
    total = np.bincount(d_cells, weights=d_values, minlength=n_cells)
    mean = np.full(n_cells, np.nan)
    np.divide(total, number, out=mean, where=number > 0)
    median = np.full(n_cells, np.nan)
    if len(d_cells):
        order = np.lexsort((d_values, d_cells))
        sorted_cells, sorted_values = d_cells[order], d_values[order]
        starts = np.flatnonzero(np.r_[True, sorted_cells[1:] != sorted_cells[:-1]])
        counts = np.diff(np.r_[starts, len(sorted_cells)])
        low = sorted_values[starts + (counts - 1) // 2]
        high = sorted_values[starts + counts // 2]
        median[sorted_cells[starts]] = (low + high) / 2
    return number.astype(np.int64), mean, median


def column_lists(table: pd.DataFrame, *columns: str) -> dict[str, list[Any]]:
    """Columns of a frame as Python lists (report sections build their tables from these: a pandas selection,
    filter or assign costs ~0.1–0.5 ms each on a few rows)."""
    return {c: table[c].tolist() for c in columns}
