"""Who a youth is (SPEC §3.4, §6): the BSN, or when it is not usable (a special value or empty) the person part of
the fallback key, sex + birth date + postcode. One definition for the counts (distinct jongeren, herhaald beroep)
and the validation (duplicate keys, overlaps, comparison with the previous delivery).

A filled BSN that is not a valid number still tells youths apart by its value. The fallback uses the typed
values: the birth date as the reader imputes an unknown day (so ``20100700`` and ``20100715`` are the same), the
postcode without spaces in upper case.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spiegel import fastpath

#: ``<bsn>_status`` values (spiegel.read.BSN_STATUS) under which the BSN itself identifies the youth.
IDENTIFYING_STATUS = frozenset({"bekend", "ongeldig"})


def has_bsn(status: np.ndarray | pd.Series) -> np.ndarray:
    """Bool array: the youth is known by the BSN (not a special value, not empty)."""
    if not fastpath.small(len(status)):
        return pd.Series(status).isin(IDENTIFYING_STATUS).to_numpy(dtype=bool)
    values = status.tolist() if isinstance(status, pd.Series) else status
    return np.fromiter((s in IDENTIFYING_STATUS for s in values), dtype=bool, count=len(values))


def _objects(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype=object, na_value=None)


def fallback_keys(frame: pd.DataFrame, rows: np.ndarray, *, bsn: str = "bsn", geslacht: str = "geslacht",
                  geboortedatum: str = "geboortedatum", postcode: str = "postcode") -> np.ndarray:
    """``<geslacht>|<geboortedatum>|<postcode>`` of the selected rows of a typed frame (an object array)."""
    birth = np.datetime_as_string(frame[geboortedatum].to_numpy().astype("datetime64[D]")[rows])
    sex, code = _objects(frame[geslacht])[rows], _objects(frame[postcode])[rows]
    return np.array(
        [f"{s or ''}|{'' if b == 'NaT' else b}|{p or ''}" for s, b, p in zip(sex, birth, code, strict=True)] or [],
        dtype=object,
    )


def ids(frames: list[pd.DataFrame], *, bsn: str = "bsn") -> np.ndarray:
    """One integer id per row of all ``frames`` together (typed frames with ``bsn`` and ``bsn_status``): by BSN;
    for a youth without a usable BSN by :func:`fallback_keys`, numbered after all BSNs. Valid within this call only
    (the counts: distinct jongeren of a report and its history)."""
    status_column = f"{bsn}_status"
    if fastpath.small(sum(len(f) for f in frames)):
        values = np.concatenate([_objects(f[bsn]) for f in frames])
        status = [s for f in frames for s in f[status_column].tolist()]
        unknown = np.fromiter((s not in IDENTIFYING_STATUS for s in status), dtype=bool, count=len(status))
        numbering: dict[object, int] = {}
        out = np.array([numbering.setdefault(b, len(numbering)) for b in values] or [], dtype=np.int64)
        n_known = len(numbering)
    else:
        values_series = pd.concat([f[bsn].reset_index(drop=True) for f in frames], ignore_index=True)
        unknown = ~np.concatenate([has_bsn(f[status_column]) for f in frames])
        codes_, uniques = pd.factorize(values_series, use_na_sentinel=True)
        out = np.asarray(codes_, dtype=np.int64)
        n_known = len(uniques)
    if unknown.any():
        bounds = np.cumsum([0, *(len(f) for f in frames)])
        fallback = np.concatenate(
            [fallback_keys(f, unknown[lo:hi], bsn=bsn) for f, lo, hi in zip(frames, bounds[:-1], bounds[1:],
                                                                           strict=True) if unknown[lo:hi].any()]
        )
        out[unknown] = n_known + pd.factorize(fallback)[0]
    return out


def keys(frame: pd.DataFrame, rows: np.ndarray, *, bsn: str = "bsn") -> np.ndarray:
    """Who the youth of each selected row (bool mask) is, as text comparable across deliveries and providers (an
    object array): ``b<bsn>`` where the BSN identifies the youth, else ``p`` + :func:`fallback_keys`. The same
    split as :func:`ids`; for :mod:`spiegel.history`, which keeps only a keyed hash of it."""
    rows = np.asarray(rows, dtype=bool)
    known = has_bsn(frame[f"{bsn}_status"])
    out = np.empty(int(rows.sum()), dtype=object)
    chosen = known[rows]
    if chosen.any():
        out[chosen] = ["b" + str(v) for v in _objects(frame[bsn])[rows & known]]
    if (~chosen).any():
        out[~chosen] = ["p" + k for k in fallback_keys(frame, rows & ~known, bsn=bsn)]
    return out


_HASHED = np.int64(1) << np.int64(62)


def hashes(values: np.ndarray) -> np.ndarray:
    """int64 hashes in [2**62, 2**63) of text values (an object array): above every BSN, so the two never meet."""
    h = pd.util.hash_array(np.asarray(values, dtype=object))
    return (h >> np.uint64(2)).astype(np.int64) | _HASHED


_CAST_BLOCK_ROWS = 2**17


def person_ids(frame: pd.DataFrame, raw_bsn: list | pd.Series, *, bsn: str = "bsn") -> np.ndarray:
    """Who each row's youth is, as an int64 comparable across deliveries (the validation compares a delivery with
    the previous one): the BSN as a number where it is nine digits, a hash of any other filled BSN, or a hash of
    :func:`fallback_keys` for a youth without a usable BSN."""
    n = len(raw_bsn)
    known = has_bsn(frame[f"{bsn}_status"])
    out = np.full(n, -1, dtype=np.int64)
    if fastpath.small(n):
        values = raw_bsn if isinstance(raw_bsn, list) else raw_bsn.tolist()
        nine = np.fromiter((len(v) == 9 and v.isascii() and v.isdigit() for v in values), dtype=bool, count=n)
        number = known & nine
        if number.any():
            out[number] = [int(v) for v, m in zip(values, number, strict=True) if m]
        other_values = [v for v, m in zip(values, known & ~nine, strict=True) if m]
    else:
        series = raw_bsn if isinstance(raw_bsn, pd.Series) else pd.Series(raw_bsn, dtype="str")
        nine = series.str.fullmatch(r"[0-9]{9}").to_numpy(dtype=bool)
        number = known & nine
        for start in range(0, n, _CAST_BLOCK_ROWS):  # (a block at a time: the BSNs' text is not copied at once)
            part, wanted = slice(start, start + _CAST_BLOCK_ROWS), number[start:start + _CAST_BLOCK_ROWS]
            if wanted.any():  # (Arrow casts: no Python object a value)
                out[part][wanted] = series.iloc[part][wanted].astype(np.int64).to_numpy()
        other_values = series[known & ~nine].tolist()
    other = known & ~nine
    if other.any():
        out[other] = hashes(np.array(["x" + v for v in other_values], dtype=object))
    fallback = ~known
    if fallback.any():
        keys = fallback_keys(frame, fallback, bsn=bsn)
        out[fallback] = hashes(np.array(["p" + k for k in keys], dtype=object))
    return out
