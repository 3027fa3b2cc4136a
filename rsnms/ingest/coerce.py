"""From a sheet's cells under its header to a typed frame, collecting every cell problem.

Tolerates what real spreadsheets hold: numbers stored as text with spaces or decimal commas,
Excel date cells and Russian text dates («01.11.2023», «ноябрь 2023», «Ноябрь 2023 года»), blank
rows, totals rows («Итого», «Всего») and section rows (one text cell in an otherwise empty row).
The frame has one column per found field plus ``_row``, the Excel row number.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from rsnms.errors import Problem, ProblemCode
from rsnms.ingest.headers import HeaderMatch
from rsnms.ingest.read import RawSheet
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


def data_rows(sheet: RawSheet, match: HeaderMatch) -> pd.DataFrame:
    """The cells below the header as a frame of raw values (field keys as columns, plus ``_row``)."""
    width = max(match.columns.values()) + 1
    records, rows = [], []
    skip_words = match.schema.skip_first_column_words
    for index in range(match.header_index + 1, len(sheet.rows)):
        cells = list(sheet.rows[index][:width]) + [""] * max(0, width - len(sheet.rows[index]))
        filled = [cell for cell in cells if not _is_empty(cell)]
        if not filled:
            continue
        if len(filled) == 1 and isinstance(filled[0], str) and len(match.columns) > 2:
            continue  # a section heading such as «I. Создание инфраструктуры»
        if isinstance(filled[0], str) and normalise(filled[0]).split(" ")[0] in skip_words:
            continue  # «Итого», «Всего по области»: a check sum, not a unit
        records.append([cells[column] for column in match.columns.values()])
        rows.append(sheet.excel_row(index))
    frame = pd.DataFrame(records, columns=list(match.columns), dtype=object)
    frame[ROW] = rows
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
    raw = data_rows(sheet, match)
    fields = {field.key: field for field in match.schema.fields}
    problems: list[Problem] = []
    typed = pd.DataFrame({ROW: raw[ROW]})
    for key in match.columns:
        field, title = fields[key], match.titles[key]
        values: list[object] = []
        for row, value in zip(raw[ROW], raw[key], strict=True):
            if _is_empty(value):
                values.append(None)
                if field.required:
                    problems.append(
                        Problem(
                            sheet.name,
                            row,
                            title,
                            ProblemCode.REQUIRED_VALUE,
                            "пустая ячейка",
                            _expected(field),
                        )
                    )
                continue
            converted, ok = _convert(field, value)
            if not ok:
                code = ProblemCode.OUT_OF_RANGE if converted is not None else _bad_type(field)
                problems.append(Problem(sheet.name, row, title, code, f"«{value}»", _expected(field)))
                converted = None
            values.append(converted)
        typed[key] = pd.Series(values, index=raw.index, dtype=object)
    return typed, problems


def _bad_type(field: Field) -> ProblemCode:
    if field.type == FLAG:
        return ProblemCode.UNKNOWN_CODE
    return ProblemCode.NOT_A_DATE if field.type == DATE else ProblemCode.NOT_A_NUMBER
