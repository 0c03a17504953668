"""Dutch number and date formats used in every table, chart and message (``1.234``, ``12,5%``, ``31-12-2025``), and
the CBS signs for a secret (``.``) and a missing (``-``) cell. Below every stage: validation messages, protection and
display all format numbers the same way."""

from __future__ import annotations

import math
from datetime import date, datetime

SECRET = "."  # CBS notation for a suppressed (geheim) cell
MISSING = "-"


def is_missing(value: object) -> bool:
    """None, NaN and pandas' NA/NaT: shown as ``-``."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def fmt_int(value: object) -> str:
    """``1234`` → ``1.234``; a string (such as the protected ``.``) is returned as it is."""
    if isinstance(value, str):
        return value
    if is_missing(value):
        return MISSING
    return f"{round(float(value)):,}".replace(",", ".")


def fmt_decimal(value: object, digits: int = 1) -> str:
    """``1234.5`` → ``1.234,5``."""
    if isinstance(value, str):
        return value
    if is_missing(value):
        return MISSING
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def fmt_pct(value: object, digits: int = 1) -> str:
    """A fraction ``0.125`` → ``12,5%``."""
    if isinstance(value, str):
        return value
    if is_missing(value):
        return MISSING
    return fmt_decimal(float(value) * 100, digits) + "%"


def fmt_date(value: date | datetime | None) -> str:
    if is_missing(value):
        return MISSING
    return value.strftime("%d-%m-%Y")


def fmt_datetime(value: datetime | None) -> str:
    if is_missing(value):
        return MISSING
    return value.strftime("%d-%m-%Y %H:%M")
