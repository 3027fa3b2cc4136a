"""From a sheet's cells under its header to a typed frame, collecting every cell problem.

Tolerates what real spreadsheets hold: numbers stored as text with spaces or decimal commas,
Excel date cells and Russian text dates («01.11.2023», «ноябрь 2023», «Ноябрь 2023 года»), blank
rows, totals rows («Итого», «Всего») and section rows (one text cell in an otherwise empty row).
The frame has one column per found field plus ``_row``, the Excel row number.

Columns are converted a whole column at a time (an upload may have hundreds of thousands of rows):
float cells with numpy, other cells once per distinct value of each Python type, so the result is
exactly what the per-cell functions (:func:`parse_number`, :func:`parse_date`, :func:`parse_flag`)
give; the rare problem cells are then described one by one with those same functions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.types import infer_dtype

from rsnms.errors import Problem, ProblemCode
from rsnms.ingest.headers import HeaderMatch
from rsnms.ingest.read import ObjectArray, RawSheet, object_array
from rsnms.ingest.schemas import DATE, FLAG, INTEGER, NUMBER, TEXT, YEAR, Field
from rsnms.ingest.text import normalise

ROW = "_row"
MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6,
    "июл": 7, "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip
_MONTH_YEAR = re.compile(r"^(?P<month>[а-яе]+)\s+(?P<year>\d{4})(\s+(г|года?))?$")
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]")
TRUE_WORDS = {"да", "1", "+", "x", "х", "есть", "true", "истина"}
FALSE_WORDS = {"нет", "0", "-", "false", "ложь"}


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == ""


Mask = npt.NDArray[np.bool_]
# Columns whose every cell is of these inferred kinds hold no text and no None: nothing in them is empty.
_NO_TEXT = frozenset({"floating", "integer", "mixed-integer-float", "boolean", "date", "datetime", "time",
                      "timedelta", "decimal", "complex"})  # fmt: skip
# Kinds whose distinct values never compare equal across Python types (unlike 1, 1.0 and True), so
# converting each distinct value once is the same as converting every cell.
_BY_VALUE = frozenset({"string", "date", "datetime", "time", "timedelta", "empty"})


@dataclass
class _Column:
    """The cells of one sheet column below the header, with what is known about them as a whole."""

    cells: ObjectArray
    kind: str  # pandas' infer_dtype(cells, skipna=False): "string", "floating", "date", "mixed", …
    codes: npt.NDArray[np.intp] | None = None  # factorised: None and NaN → -1, equal values share a code
    uniques: ObjectArray | None = None

    def factorise(self) -> tuple[npt.NDArray[np.intp], ObjectArray]:
        if self.codes is None or self.uniques is None:
            codes, uniques = pd.factorize(self.cells)
            self.codes, self.uniques = codes, object_array(list(uniques))
        return self.codes, self.uniques


def _body(sheet: RawSheet, match: HeaderMatch) -> tuple[list[_Column], npt.NDArray[np.intp]]:
    """The columns below the header (up to the last matched one) and the indices of the data rows in them.

    Skipped: blank rows, section rows (one text cell when the sheet has more than two fields) and
    rows whose first filled cell starts with a word of ``skip_first_column_words`` («Итого»).
    """
    width = max(match.columns.values()) + 1
    body = sheet.body(match.header_index + 1, width)
    n_rows = len(body[0]) if body else 0
    body += [np.full(n_rows, "", dtype=object) for _ in range(width - len(body))]
    columns = [_Column(cells, infer_dtype(cells, skipna=False)) for cells in body]
    filled = np.zeros(n_rows, dtype=np.int64)
    first_text = np.zeros(n_rows, dtype=bool)  # the row's first filled cell is a text…
    first_skip = np.zeros(n_rows, dtype=bool)  # … whose first word is «итого», «всего», …
    undecided = np.ones(n_rows, dtype=bool)  # no filled cell seen yet
    skip_words = match.schema.skip_first_column_words
    for column in columns:
        if column.kind in _NO_TEXT:
            filled += 1
            undecided[:] = False
            continue
        codes, uniques = column.factorise()
        text = np.array([isinstance(value, str) for value in uniques] + [False], dtype=bool)
        blank = np.array([isinstance(value, str) and not value.strip() for value in uniques] + [False], dtype=bool)
        present = ~blank[codes]
        missing = np.flatnonzero(codes == -1)
        present[missing] = [column.cells[index] is not None for index in missing]  # None is empty, NaN is not
        first = np.flatnonzero(present & undecided)
        first_text[first] = text[codes[first]]
        skip = np.zeros(len(uniques) + 1, dtype=bool)
        for code in np.unique(codes[first][first_text[first]]):  # only texts that start a row
            skip[code] = normalise(uniques[code]).split(" ")[0] in skip_words
        first_skip[first] = skip[codes[first]]
        undecided[first] = False
        filled += present
    section = (filled == 1) & first_text & (len(match.columns) > 2)
    return columns, np.flatnonzero((filled > 0) & ~section & ~(first_text & first_skip))


def _raw_frame(sheet: RawSheet, match: HeaderMatch, columns: list[_Column], keep: npt.NDArray[np.intp]) -> pd.DataFrame:
    everything = len(keep) == len(columns[0].cells)  # no row skipped: no copies
    frame = pd.DataFrame(
        {
            key: columns[column].cells if everything else columns[column].cells[keep]
            for key, column in match.columns.items()
        },
        dtype=object,
    )
    frame[ROW] = (keep + match.header_index + 1 + sheet.first_row).tolist()
    return frame


def parse_number(value: object) -> float | None:
    """«7 735», «0,25», 12.0, «1,0» → a float; None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = _SPACES.sub("", str(value)).replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def parse_date(value: object) -> dt.date | None:
    """An Excel date cell, «01.11.2023», «2023-11-01», «ноябрь 2023», «Ноябрь 2023 года» → a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().lower().replace("ё", "е")
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    found = _MONTH_YEAR.match(text)
    if found:
        month = next((number for stem, number in MONTHS.items() if found["month"].startswith(stem)), None)
        if month:
            return dt.date(int(found["year"]), month, 1)
    return None


def parse_flag(value: object) -> bool | None:
    """«да»/«нет», 1/0, «+»/«-» → a boolean."""
    text = normalise(value) if not isinstance(value, bool) else str(int(value))
    if isinstance(value, float) and value in (0.0, 1.0):
        text = str(int(value))
    return True if text in TRUE_WORDS else False if text in FALSE_WORDS else None


EXPECTED = {
    INTEGER: "целое число",
    NUMBER: "число",
    YEAR: "год (четыре цифры)",
    DATE: "дата (ДД.ММ.ГГГГ или «ноябрь 2024»)",
    FLAG: "«да» или «нет»",
}


def _expected(field: Field) -> str:
    kind = EXPECTED.get(field.type, "значение")
    if field.minimum is not None and field.maximum is not None:
        return f"{kind} от {field.minimum:g} до {field.maximum:g}"
    if field.minimum is not None:
        return f"{kind} не меньше {field.minimum:g}"
    return kind


def _convert(field: Field, value: object) -> tuple[object, bool]:
    """(converted value, ok) for one non-empty cell."""
    if field.type == TEXT:
        text = str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        return " ".join(text.split()), True
    if field.type == DATE:
        date = parse_date(value)
        return date, date is not None
    if field.type == FLAG:
        flag = parse_flag(value)
        return flag, flag is not None
    number = parse_number(value)
    if number is None or (field.type in (INTEGER, YEAR) and not number.is_integer()):
        return None, False
    in_range = (field.minimum is None or number >= field.minimum) and (field.maximum is None or number <= field.maximum)
    return (int(number) if field.type in (INTEGER, YEAR) else number), in_range


def coerce(sheet: RawSheet, match: HeaderMatch) -> tuple[pd.DataFrame, list[Problem]]:
    """Typed values for every found field; a problem for every bad or missing required cell."""
    columns, keep = _body(sheet, match)
    raw = _raw_frame(sheet, match, columns, keep)
    fields = {field.key: field for field in match.schema.fields}
    problems: list[Problem] = []
    typed = pd.DataFrame({ROW: raw[ROW]})
    rows = raw[ROW].to_numpy()
    for key, position in match.columns.items():
        field, title, column = fields[key], match.titles[key], columns[position]
        cells = column.cells[keep]
        values, empty, bad = _convert_known(field, column, keep)
        for index in np.flatnonzero(bad | (empty & field.required) if field.required else bad):
            row, value = int(rows[index]), cells[index]
            if empty[index]:
                problems.append(
                    Problem(sheet.name, row, title, ProblemCode.REQUIRED_VALUE, "пустая ячейка", _expected(field))
                )
                continue
            converted, _ = _convert(field, value)
            code = ProblemCode.OUT_OF_RANGE if converted is not None else _bad_type(field)
            problems.append(Problem(sheet.name, row, title, code, f"«{value}»", _expected(field)))
        typed[key] = pd.Series(values, index=raw.index, dtype=object)
    return typed, problems


def _convert_known(field: Field, column: _Column, keep: npt.NDArray[np.intp]) -> tuple[ObjectArray, Mask, Mask]:
    """:func:`convert_column` of the kept cells, using what is known about the whole column."""
    cells = column.cells[keep]
    if column.kind == "floating" and field.type in (INTEGER, YEAR, NUMBER) and set(map(type, cells)) <= {float}:
        values, good = _numbers(field, cells.astype(np.float64))
        return values, np.zeros(len(cells), dtype=bool), ~good
    if column.kind not in _BY_VALUE:
        return convert_column(field, cells)
    codes, uniques = column.factorise()
    codes = codes[keep]
    results = [_one(field, value) for value in uniques] + [(None, False, True)]
    values = object_array([result[0] for result in results])[codes]
    empty = np.array([result[1] for result in results], dtype=bool)[codes]
    good = np.array([result[2] for result in results], dtype=bool)[codes]
    for index in np.flatnonzero(codes == -1):  # None or NaN: one by one
        values[index], empty[index], good[index] = _one(field, cells[index])
    return values, empty, ~good


def convert_column(field: Field, cells: ObjectArray) -> tuple[ObjectArray, Mask, Mask]:
    """(typed values, empty, bad) of a column: what :func:`_is_empty` and :func:`_convert` give per cell.

    Empty and bad cells get None. Float cells of numeric fields are converted with numpy; every
    other cell once per distinct value of its Python type (so 1, 1.0 and True never mix).
    """
    size = len(cells)
    values = np.full(size, None, dtype=object)
    empty, ok = np.zeros(size, dtype=bool), np.ones(size, dtype=bool)
    kinds, types = pd.factorize(object_array(list(map(type, cells))))
    for number, kind in enumerate(types):
        where = np.flatnonzero(kinds == number) if len(types) > 1 else np.arange(size)
        group = cells[where]
        if kind is float and field.type in (INTEGER, YEAR, NUMBER):
            converted, good = _numbers(field, group.astype(np.float64))
        else:
            converted, blank, good = _by_value(field, group)
            empty[where] = blank
        values[where], ok[where] = converted, good
    return values, empty, ~ok


def _numbers(field: Field, numbers: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.object_], Mask]:
    """What :func:`_convert` gives for float cells of a numeric field, for a whole array."""
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(numbers) & (np.floor(numbers) == numbers)
        good = np.ones(len(numbers), dtype=bool)
        if field.minimum is not None:
            good &= numbers >= field.minimum
        if field.maximum is not None:
            good &= numbers <= field.maximum
    if field.type == NUMBER:
        values = numbers.astype(object)
        values[~good] = None
        return values, good
    good &= whole
    values = np.full(len(numbers), None, dtype=object)
    small = good & (np.abs(numbers) < 2**62)
    values[small] = numbers[small].astype(np.int64).astype(object)
    large = np.flatnonzero(good & ~small)
    values[large] = [int(number) for number in numbers[large]]
    return values, good


def _by_value(field: Field, group: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.object_], Mask, Mask]:
    """(converted, empty, ok) for cells of one Python type, computed once per distinct value."""
    if group[0] is None:
        return np.full(len(group), None, dtype=object), np.ones(len(group), dtype=bool), np.ones(len(group), bool)
    codes, uniques = pd.factorize(group, use_na_sentinel=False)
    results = [_one(field, value) for value in uniques]
    converted = object_array([result[0] for result in results])
    blank = np.array([result[1] for result in results], dtype=bool)
    good = np.array([result[2] for result in results], dtype=bool)
    return converted[codes], blank[codes], good[codes]


def _one(field: Field, value: object) -> tuple[object, bool, bool]:
    """(converted, empty, ok) of one cell."""
    if _is_empty(value):
        return None, True, True
    converted, ok = _convert(field, value)
    return (converted if ok else None), False, ok


def _bad_type(field: Field) -> ProblemCode:
    if field.type == FLAG:
        return ProblemCode.UNKNOWN_CODE
    return ProblemCode.NOT_A_DATE if field.type == DATE else ProblemCode.NOT_A_NUMBER
