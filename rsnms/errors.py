"""Errors a page or the command line may show to the user (messages in Russian).

Ingest collects every problem of a workbook as a :class:`Problem` (sheet, Excel row as the user
sees it, column, what was found, what is expected) and raises them together in one
:class:`IngestError`; nothing is written while any problem of severity «error» remains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class RsnmsError(Exception):
    """Base class for errors whose message is meant for the user."""


class ProblemCode(StrEnum):
    """What kind of problem a row, column, sheet or file has."""

    # the file as a whole
    EMPTY_FILE = "empty_file"
    FILE_TOO_LARGE = "file_too_large"
    NOT_XLSX = "not_xlsx"
    MACRO_ENABLED = "macro_enabled"
    ENCRYPTED = "encrypted"
    SUSPICIOUS_ARCHIVE = "suspicious_archive"
    NO_KNOWN_SHEET = "no_known_sheet"
    # a sheet
    NO_HEADER = "no_header"
    MISSING_COLUMN = "missing_column"
    FORMULA_WITHOUT_VALUE = "formula_without_value"
    PERSONAL_DATA_DROPPED = "personal_data_dropped"
    REGION_UNRESOLVED = "region_unresolved"
    YEAR_UNRESOLVED = "year_unresolved"
    # a cell or a row
    REQUIRED_VALUE = "required_value"
    NOT_A_NUMBER = "not_a_number"
    NOT_A_DATE = "not_a_date"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_CODE = "unknown_code"
    UNKNOWN_MUNICIPALITY = "unknown_municipality"
    AMBIGUOUS_MUNICIPALITY = "ambiguous_municipality"
    UNKNOWN_ORGANISATION = "unknown_organisation"
    DUPLICATE_CONFLICT = "duplicate_conflict"
    CROSS_FIELD = "cross_field"
    OUTLIER = "outlier"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload, located as the user sees it in Excel.

    ``row`` is the Excel row number (None for a sheet- or file-level problem); ``column`` the
    header as written in the file. ``is_error`` false means a warning that does not block.
    """

    sheet: str | None
    row: int | None
    column: str | None
    code: ProblemCode
    found: str
    expected: str
    is_error: bool = True

    @property
    def message(self) -> str:
        """«Лист «X», строка 12, столбец «Балл»: найдено «сто»; ожидается число от 0 до 100»."""
        where = [f"лист «{self.sheet}»" if self.sheet else "файл"]
        if self.row is not None:
            where.append(f"строка {self.row}")
        if self.column:
            where.append(f"столбец «{self.column}»")
        found = f"найдено {self.found}; " if self.found else ""
        text = f"{', '.join(where)}: {found}ожидается {self.expected}"
        return text[0].upper() + text[1:]


class IngestError(RsnmsError):
    """A workbook was refused: every problem found, none written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"Найдено проблем: {len(self.problems)}; ничего не загружено")
