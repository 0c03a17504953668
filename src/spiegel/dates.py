"""Dates as the protocols write them (``JJJJMMDD``; a birth date may end in ``00`` or ``0000``), as days, and ages.

One definition for the reader (text → dates), the validation (is this a real date, how old was the youth) and the
counts (age on a reference day, the same day some years earlier). Decision (SPEC §6): an unknown day
(``JJJJMM00``) is read as the 15th, an unknown day and month (``JJJJ0000``) as 1 July, so that an age computed from
it is off by at most half a month or half a year.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from spiegel import fastpath

NAT = np.datetime64("NaT", "us")


def _eight_digits(value: object) -> bool:
    """Eight decimal digits, as the regex ``\\d{8}`` of the pandas path matches them (any script's digits)."""
    return isinstance(value, str) and len(value) == 8 and value.isdecimal()


def parse(values: pd.Series) -> np.ndarray | pd.Series:
    """``JJJJMMDD`` → datetime64[us]; empty or invalid → NaT (the validation says which)."""
    if fastpath.small(len(values)):
        return _parse_small(values.tolist())
    return parse_large(values)


def parse_with_unknown_day(values: pd.Series) -> np.ndarray | pd.Series:
    """:func:`parse` of a birth date, an unknown day or day and month read as the Decision above says."""
    if fastpath.small(len(values)):
        return _parse_small([_impute_one(v) for v in values.tolist()])
    return parse_large(impute_unknown_day(values))


def parse_large(values: pd.Series) -> pd.Series:
    """:func:`parse` of many values (same index): each distinct text is parsed once (a column of dates holds a few
    thousand; parsing every value made a Python string of each, several times the column's size)."""
    codes, uniques = pd.factorize(values)
    distinct = pd.Series(uniques)
    # always microseconds: pandas gives a column of only empty values another unit, which the small path does not
    parsed = pd.to_datetime(distinct.where(distinct.str.fullmatch(r"\d{8}")), format="%Y%m%d",
                            errors="coerce").astype("datetime64[us]").to_numpy()
    out = np.full(len(values), NAT, dtype="datetime64[us]")
    found = codes >= 0
    out[found] = parsed[codes[found]]
    return pd.Series(out, index=values.index)


def _parse_small(values: list[object]) -> np.ndarray:
    out = []
    for value in values:
        day = NAT
        if _eight_digits(value):
            try:  # numpy, like pandas, knows the year 0 (Python's datetime does not)
                y, m, d = int(value[:4]), int(value[4:6]), int(value[6:])  # type: ignore[index]
                day = np.datetime64(f"{y:04d}-{m:02d}-{d:02d}", "us")
            except ValueError:
                day = NAT
        out.append(day)
    return np.array(out, dtype="datetime64[us]")


def impute_unknown_day(values: pd.Series) -> pd.Series:
    """``JJJJ0000`` → ``JJJJ0701``, ``JJJJMM00`` → ``JJJJMM15`` (text, vectorised)."""
    values = values.where(~values.str.fullmatch(r"\d{4}0000"), values.str.slice(0, 4) + "0701")
    return values.where(~values.str.fullmatch(r"\d{6}00"), values.str.slice(0, 6) + "15")


def _impute_one(value: object) -> object:
    if _eight_digits(value):
        if value[4:] == "0000":  # type: ignore[index]
            return value[:4] + "0701"  # type: ignore[index,operator]
        if value[6:] == "00":  # type: ignore[index]
            return value[:6] + "15"  # type: ignore[index,operator]
    return value


@lru_cache(maxsize=65536)
def is_valid_text(value: str, unknown_allowed: bool = False) -> bool:
    """A real date ``JJJJMMDD`` (or, when allowed, ``JJJJMM00`` / ``JJJJ0000``)."""
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        return False
    if unknown_allowed:
        if value.endswith("0000"):
            value = value[:4] + "0101"
        elif value.endswith("00"):
            value = value[:6] + "01"
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return False
    return True


def valid_mask(values: pd.Series, *, unknown_allowed: bool = False) -> np.ndarray:
    """:func:`is_valid_text` over a Series (missing values count as valid: emptiness is another rule's business).
    Dates have few distinct values, so the work is done once per distinct value."""
    codes_, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return np.ones(len(values), dtype=bool)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
    if unknown_allowed:
        text = text.where(~text.str.fullmatch(r"\d{4}0000"), text.str.slice(0, 4) + "0101")
        text = text.where(~text.str.fullmatch(r"\d{6}00"), text.str.slice(0, 6) + "01")
    digits = text.str.fullmatch(r"\d{8}")
    ok = pd.to_datetime(text.where(digits), format="%Y%m%d", errors="coerce").notna().to_numpy()
    out = np.ones(len(values), dtype=bool)
    filled = codes_ >= 0
    out[filled] = ok[codes_[filled]]
    return out


def days(values: pd.Series | np.ndarray) -> np.ndarray:
    """A date column as ``datetime64[D]`` (NaT for missing or invalid). Straight to days: through nanoseconds a
    date before 1677 (the reader keeps them) would wrap around."""
    if isinstance(values, np.ndarray):
        return values.astype("datetime64[D]")
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        values = pd.to_datetime(values, errors="coerce")
    return values.to_numpy().astype("datetime64[D]")


#: :func:`yyyymmdd` works on this many days at a time: its ten intermediate arrays then stay small (on a large
#: delivery they were 8 bytes a row each, all at once).
_CHUNK = 2**16


def yyyymmdd(day_numbers: np.ndarray) -> np.ndarray:
    """datetime64[D] → the number JJJJMMDD (civil-from-days, H. Hinnant), with integer arithmetic only."""
    days = np.asarray(day_numbers)
    if days.ndim != 1 or len(days) <= _CHUNK:
        return _yyyymmdd(days)
    out = np.empty(len(days), dtype=np.int64)
    for begin in range(0, len(days), _CHUNK):
        out[begin : begin + _CHUNK] = _yyyymmdd(days[begin : begin + _CHUNK])
    return out


def _yyyymmdd(day_numbers: np.ndarray) -> np.ndarray:
    z = day_numbers.astype(np.int64) + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year * 10000 + month * 100 + day


def full_years(birth: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(whole years from ``birth`` to ``day``, known) for datetime64[D] arrays; years are 0 where not known.

    With dates as numbers JJJJMMDD the age is the difference divided by 10,000, rounded down: the birthday counts
    from the same month and day (29 February from 1 March in other years)."""
    known = ~np.isnat(birth) & ~np.isnat(day)
    years = (yyyymmdd(day) - yyyymmdd(birth)) // 10000
    return np.where(known, years, 0).astype(np.int64), known


def age_at(birth: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whole years from ``birth`` to ``day``; −1 where either is missing."""
    years, known = full_years(birth, day)
    return np.where(known, years, -1)


def years_before(day_numbers: np.ndarray, years: int) -> np.ndarray:
    """The same calendar day ``years`` earlier (29 February → 28 February), as datetime64[D]."""
    months = day_numbers.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (day_numbers - months.astype("datetime64[D]")).astype(np.int64) + 1
    month_start = ((year - years - 1970) * 12 + month - 1).astype("datetime64[M]")
    month_length = ((month_start + 1).astype("datetime64[D]") - month_start.astype("datetime64[D]")).astype(np.int64)
    return month_start.astype("datetime64[D]") + (np.minimum(day, month_length) - 1)


def add_months(day_numbers: np.ndarray, months: int) -> np.ndarray:
    """The same day ``months`` calendar months later, the day clamped to the month's end (30 November + 3 months =
    28 or 29 February), as datetime64[D]; NaT stays NaT."""
    nat = np.isnat(day_numbers)
    safe = np.where(nat, np.datetime64("2000-01-01", "D"), day_numbers)
    start = safe.astype("datetime64[M]")
    day = (safe - start.astype("datetime64[D]")).astype(np.int64) + 1
    target = start + months
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    out = target.astype("datetime64[D]") + (np.minimum(day, length) - 1)
    return np.where(nat, np.datetime64("NaT", "D"), out)


def birth_bound(birth: np.ndarray, year_only: np.ndarray, month_only: np.ndarray, which: str) -> np.ndarray:
    """The first (``which="first"``) or last possible birth day of a date delivered with an unknown day
    (``month_only``) or an unknown day and month (``year_only``), from the imputed date ``birth`` (datetime64[D])."""
    if which == "first":
        by_month = birth.astype("datetime64[M]").astype("datetime64[D]")
        by_year = birth.astype("datetime64[Y]").astype("datetime64[D]")
    else:
        by_month = (birth.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
        by_year = (birth.astype("datetime64[Y]") + 1).astype("datetime64[D]") - 1
    return np.where(year_only, by_year, np.where(month_only, by_month, birth))
