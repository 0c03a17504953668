"""Errors meant for users.

Every error a user can cause (a bad file, a bad parameter) is a :class:`SpiegelError`. Its message names the
file, and the row and column where that applies, and the rule that was broken, but never a value from the
input: deliveries hold BSNs of minors. The CLI prints ``str(error)`` on one line and exits with
``error.exit_code``; nothing else reaches the user.
"""

from __future__ import annotations

from pathlib import Path


class SpiegelError(Exception):
    """Base class of errors that the CLI reports in one line (exit status 2)."""

    exit_code = 2


class InputError(SpiegelError):
    """A delivery (or other input file) that cannot be used.

    ``rule`` is the stable code of the file rule in the validation catalogue (``JH-B01`` …), so the same
    problem has the same code whether it stops ``inspect`` or shows up in a validation report.
    """

    def __init__(
        self,
        file: str | Path,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        rule: str | None = None,
    ) -> None:
        self.file = str(file)
        self.problem = problem
        self.row = row
        self.column = column
        self.rule = rule
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"rij {self.row}")
        if self.column is not None:
            where.append(f"kolom {self.column}")
        text = ", ".join(where) + f": {self.problem}"
        if self.rule:
            text += f" [{self.rule}]"
        return text


class ParameterError(SpiegelError):
    """A parameter given on the command line or to a notebook that makes no sense."""
