"""The memory tricks for text columns: text parsed straight into Arrow, and typed columns that share the raw ones.

**Parsing.** pandas' own CSV parser makes a Python string for every field before it stores a column in Arrow,
some 55 bytes a field, and much of that memory stays with the process after the strings are freed (measured: a
40 MB delivery left the process 2.3 times its size larger than the frame it read). :func:`read_csv` parses the
records with Arrow's CSV reader instead, straight from the file's bytes, which never makes a Python object, and
trims the fields with Arrow's ``utf8_trim_whitespace`` (which strips exactly the characters ``str.strip`` strips;
tested). It is used only for records without a double quote, so no quoting rule of the two parsers can differ:
``spiegel.read`` gives records with quotes to pandas. :func:`spiegel.memory.release_arrow` then returns to the system
what Arrow's allocator keeps after freeing. A large delivery is read ``compact``: Arrow's reader gives each column
dictionary-encoded (a code a cell and, per chunk, its distinct texts), and :func:`from_dictionary` makes it a
pandas ``Categorical`` (:mod:`spiegel.categories`) when it has few distinct values, trimming each distinct text
once; the text of a code column is then never written out per row. A workbook's blocks of rows are joined the
same way (``spiegel.read``).

**Sharing.**
A delivery is held twice while it is validated: as delivered (the raw frame: trimmed text, ``""`` where a field is
empty) and typed (``spiegel.read``: the same text with a missing value where the field is empty, next to dates and
statuses). For a code column the two differ only in which cells are missing. pandas keeps text in Arrow (a buffer
of offsets and one of characters, 8 bytes a cell and the characters themselves), and ``Series.replace("", NA)``
writes both buffers again. :func:`empty_as_missing` instead builds the typed column from the raw column's own
buffers and a validity bitmap of one bit a cell (Arrow arrays never change, so sharing them is safe). A delivery
of the jeugdhulp layout has ten such columns; sharing them takes the typed frame from about 3 to about 1 times the
file's size (docs/benchmarks.md, "Memory of reading a delivery").

The values, dtype and behaviour are those of the plain ``values.replace("", pd.NA)``; where the trick does not
apply (Python-object storage, which small reports use, see :func:`spiegel.fastpath.string_storage`; a column with
missing values already; a sliced chunk) the plain call is made. tests/test_arrowtext.py holds the two equal.

**Objects.** :func:`objects` gives a column of few distinct texts (a status) as an object array with one Python
string per distinct value, where ``to_numpy(dtype=object)`` makes one per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from spiegel import categories, fastpath, memory


def default_is_arrow() -> bool:
    """Whether pandas stores new text columns (dtype ``str``) in Arrow here (``mode.string_storage``)."""
    return pd.StringDtype(na_value=float("nan")).storage == "pyarrow"


def read_csv(data: bytes, start: int, codec: str, names: list[str], delimiter: str, *, compact: bool = False
             ) -> dict[str, pd.api.extensions.ExtensionArray]:
    """The fields of ``data`` from offset ``start`` on (decoded with ``codec``; every line empty or holding
    ``len(names)`` fields; no double quote), trimmed, as one pandas text array (dtype ``str``, Arrow) per name.
    Empty lines are skipped; ``names`` must differ from one another. The bytes are not copied. ``compact``: a column
    of few distinct values is given as categories instead (:func:`from_dictionary`), each as soon as it is parsed,
    so that the text of all columns is never held at once."""
    source = pa.BufferReader(pa.py_buffer(data).slice(start))
    kind = pa.dictionary(pa.int32(), pa.string()) if compact else pa.string()
    table = pcsv.read_csv(
        source,
        read_options=pcsv.ReadOptions(column_names=names, use_threads=False, encoding=codec),
        parse_options=pcsv.ParseOptions(delimiter=delimiter, quote_char=False, double_quote=False,
                                        ignore_empty_lines=True),
        convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(names, kind), strings_can_be_null=False,
                                            quoted_strings_can_be_null=False),
    )
    columns = {name: table.column(name) for name in names}
    del table
    dtype = pd.StringDtype(storage="pyarrow", na_value=float("nan"))
    out = {}
    for name in names:  # one column at a time, its untrimmed text freed before the next
        if compact:
            out[name] = from_dictionary(columns.pop(name), dtype)
            continue
        trimmed = pc.utf8_trim_whitespace(columns.pop(name)).cast(pa.large_string())
        out[name] = pd.array(trimmed, dtype=dtype)
        del trimmed
    del columns
    memory.release_arrow()  # (the parse's own buffers: 1.3 times a 40 MB file's size, kept otherwise)
    return out


def from_dictionary(column: pa.ChunkedArray, dtype: pd.StringDtype) -> pd.api.extensions.ExtensionArray:
    """A column given dictionary-encoded (each chunk its own dictionary: the CSV reader's, or the blocks of a sheet),
    trimmed: as categories if it has few distinct values (:func:`spiegel.categories.worth`), otherwise as text. Only
    its distinct values are trimmed; the text of a column of codes is never written out per row."""
    rows = len(column)
    if not column.num_chunks or not rows:
        return pd.array([], dtype=dtype)
    if all(categories.worth(len(chunk.dictionary), len(chunk)) for chunk in column.chunks):
        if column.type.index_type != pa.int32():  # (narrow codes of blocks: their union may need more)
            column = pa.chunked_array([pa.DictionaryArray.from_arrays(chunk.indices.cast(pa.int32()), chunk.dictionary)
                                       for chunk in column.chunks])
        column = column.unify_dictionaries()
        indices = pa.chunked_array([chunk.indices for chunk in column.chunks], type=pa.int32())
        trimmed = pc.utf8_trim_whitespace(column.chunk(0).dictionary).cast(pa.large_string())
        del column
        mapping, uniques = pd.factorize(pd.array(trimmed, dtype=dtype), sort=True)  # (equal once trimmed: one)
        if categories.worth(len(uniques), rows):
            codes = mapping.astype(categories.code_dtype(len(uniques)))[indices.to_numpy()]
            return categories.from_codes(codes, pd.Index(uniques, dtype=dtype))
        text = pc.take(trimmed, indices)
        return pd.array(text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text, dtype=dtype)
    # a column of many distinct values (BSNs): its text, a chunk at a time (no dictionary of all of them)
    chunks = [pc.take(pc.utf8_trim_whitespace(chunk.dictionary).cast(pa.large_string()), chunk.indices)
              for chunk in column.chunks]
    del column
    text = pa.concat_arrays(chunks)
    del chunks
    return pd.array(text, dtype=dtype)


def objects(values: pd.Series) -> np.ndarray:
    """``values.to_numpy(dtype=object)`` of a column of few distinct texts (a status, a code), with one Python string
    per distinct value instead of one per row (8 bytes a row instead of some 60)."""
    if fastpath.small(len(values)):
        return values.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(uniques, dtype=object)[codes]


def is_arrow(values: pd.Series) -> bool:
    """Whether ``values`` is pandas text stored in Arrow (dtype ``str``, storage ``pyarrow``)."""
    dtype = values.dtype
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def empty_as_missing(values: pd.Series) -> pd.Series:
    """``values`` with every ``""`` missing, as ``values.replace("", pd.NA)`` gives it (same index, dtype, values)."""
    if not is_arrow(values):
        return values.replace("", pd.NA)
    chunked = getattr(values.array, "_pa_array", None)
    if not isinstance(chunked, pa.ChunkedArray) or chunked.null_count or any(c.offset for c in chunked.chunks):
        return values.replace("", pd.NA)
    chunks = []
    for chunk in chunked.chunks:
        filled = pc.not_equal(chunk, "")  # a boolean array: its values buffer is the bitmap of filled cells
        if filled.offset or filled.null_count:
            return values.replace("", pd.NA)
        buffers = chunk.buffers()
        chunks.append(pa.Array.from_buffers(chunk.type, len(chunk), [filled.buffers()[1], *buffers[1:]]))
    array = type(values.array)(pa.chunked_array(chunks, type=chunked.type))
    return pd.Series(array, index=values.index, name=values.name, dtype=values.dtype, copy=False)
