"""The one exception the kit raises for bad input."""
from __future__ import annotations


class KitDataError(ValueError):
    """Bad input: a case-file table, a decision file or a value a learner typed.

    The message always says *where* (file, row, column or field) and *what* is wrong,
    in words a teacher can act on. The parts are also kept as attributes.

    >>> err = KitDataError("date is not YYYY-MM-DD", file="items.csv", row=7, column="date")
    >>> str(err)
    "items.csv, row 7, column 'date': date is not YYYY-MM-DD"
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(self, problem: str, *, file=None, row=None, column=None):
        self.problem = problem
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        where = []
        if self.file:
            where.append(self.file)
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(", ".join(where) + ": " + problem if where else problem)
