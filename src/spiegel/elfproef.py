"""The BSN elfproef (9·d1 + 8·d2 + … + 2·d8 − 1·d9 divisible by 11), for validation, the reader's BSN status and
the synthetic data."""

from __future__ import annotations

import numpy as np

_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1], dtype=np.int64)


def passes(numbers: np.ndarray) -> np.ndarray:
    """Bool array: the 9-digit numbers (int64, leading zeros implied) pass the elfproef."""
    total = np.zeros(len(numbers), dtype=np.int64)
    rest = np.asarray(numbers, dtype=np.int64).copy()
    for weight in _WEIGHTS[::-1]:  # last digit first
        total += (rest % 10) * weight
        rest //= 10
    return total % 11 == 0


def passes_text(value: str) -> bool:
    """One value: nine ASCII digits that pass the elfproef."""
    if len(value) != 9 or not value.isascii() or not value.isdigit():
        return False
    return sum(int(d) * int(w) for d, w in zip(value, _WEIGHTS.tolist(), strict=True)) % 11 == 0


def passes_nine_digit_texts(values: list[str]) -> np.ndarray:
    """Bool array for texts that are known to be nine ASCII digits each: they pass the elfproef (one matrix product
    over all of them; a loop over the digits of each costs several microseconds a value)."""
    if not values:
        return np.zeros(0, dtype=bool)
    digits = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8).reshape(-1, 9).astype(np.int64) - 48
    return (digits @ _WEIGHTS) % 11 == 0


def passes_nine_digit_array(values: object, chunk: int = 2**16) -> np.ndarray:
    """:func:`passes_nine_digit_texts` for Arrow text (an Arrow array, or pandas text stored in Arrow) known to be
    nine ASCII digits each, read a chunk at a time from its characters: no Python object per value."""
    import pyarrow as pa

    array = pa.array(values, type=pa.large_string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not len(array):
        return np.zeros(0, dtype=bool)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    if offsets[-1] - offsets[0] != 9 * len(array):
        raise ValueError("passes_nine_digit_array: every value must be nine ASCII digits")
    digits = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(-1, 9)
    weights = _WEIGHTS.astype(np.int16)
    out = np.empty(len(array), dtype=bool)
    for begin in range(0, len(array), chunk):
        part = digits[begin : begin + chunk].astype(np.int16) - 48
        out[begin : begin + chunk] = (part @ weights) % 11 == 0
    return out


def check_digit(prefix: np.ndarray) -> np.ndarray:
    """The last digit that makes the 8-digit ``prefix`` a valid BSN; 10 means no digit works."""
    total = np.zeros(len(prefix), dtype=np.int64)
    rest = np.asarray(prefix, dtype=np.int64).copy()
    for weight in range(2, 10):  # last prefix digit has weight 2, first weight 9
        total += (rest % 10) * weight
        rest //= 10
    return total % 11
