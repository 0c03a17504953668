"""Notebook parameters as papermill hands them over, made into the codes the report expects.

``papermill -p NAME VALUE`` parses VALUE as YAML: ``-p gemeente 0363`` injects the integer ``363`` and
``-p provider 01234567`` the integer ``1234567``; ``-r NAME VALUE`` passes the text as it is. The report
notebooks call :func:`notebook_parameters` in their first cell after the parameters, so both forms work: codes
become their zero-padded text (a KvK number 8 digits, a gemeentecode 4), a period its text (``2025H1``).
"""

from __future__ import annotations

import re
from typing import Any

from spiegel.errors import ParameterError

KVK_DIGITS = 8
GEMEENTE_DIGITS = 4


def _code(value: Any, name: str, digits: int, what: str, prefix: str = "") -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ParameterError(f"parameter {name}: verwacht {what} ({digits} cijfers) als tekst of getal")
    text = str(value).strip()
    if prefix and text.upper().startswith(prefix):
        text = text[len(prefix):]
    if not re.fullmatch(r"\d+", text) or len(text) > digits:
        raise ParameterError(f"parameter {name}: verwacht {what} van hoogstens {digits} cijfers")
    return text.zfill(digits)


def kvk(value: Any, name: str = "provider") -> str:
    """A KvK number as 8-digit text (``1234567`` → ``"01234567"``)."""
    return _code(value, name, KVK_DIGITS, "een KvK-nummer")


def gemeentecode(value: Any, name: str = "gemeente") -> str | None:
    """A gemeentecode as 4-digit text (``363``, ``"363"``, ``"GM0363"`` → ``"0363"``); ``None`` stays ``None``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _code(value, name, GEMEENTE_DIGITS, "een gemeentecode", prefix="GM")


def period(value: Any, name: str = "period") -> str:
    """A period as text (``2025H1``); the check of its form is :class:`spiegel.periods.Period`'s (a ``Period``
    itself is taken as it is)."""
    from spiegel.periods import Period

    if isinstance(value, Period):
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ParameterError(f"parameter {name}: verwacht een periode als JJJJH1 of JJJJH2")
    return str(value).strip().upper()


def notebook_parameters(provider: Any, period_: Any, gemeente: Any = None) -> tuple[str, str, str | None]:
    """``(provider, period, gemeente)`` of a report notebook as text codes (see the module's docstring)."""
    return kvk(provider), period(period_), gemeentecode(gemeente)


__all__ = ["gemeentecode", "kvk", "notebook_parameters", "period"]
