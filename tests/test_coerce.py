"""Column-at-a-time coercion gives exactly what the per-cell functions give: values, problems, order."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rsnms.errors import Problem, ProblemCode
from rsnms.ingest import coerce as co
from rsnms.ingest.headers import HeaderMatch
from rsnms.ingest.read import RawSheet
from rsnms.ingest.schemas import DATE, FLAG, INTEGER, NUMBER, TEXT, YEAR, Field, Schema
from rsnms.ingest.text import normalise

TRICKY: list[Any] = [
    "7 735", "0,25", "1,0", 12.0, "1 234,5", "", "семь", dt.datetime(2023, 11, 1, 10, 5), dt.date(2023, 11, 1),
    "01.11.2023", "2023-11-01", "ноябрь 2023", "Ноябрь 2023 года", "май 2024 г", "12.13.2023", "  ", "\u00a0",
    None, 1.0, -0.0, 0.0, 2.5, 1987.0, 1e20, float("nan"), float("inf"), 7, 0, 1, True, False, "да", "нет", "+",
    "-", "х", " a  b ", 100.0, 101.0, -1.0, 50.5, "50,5", 1940.0, 2010.0, 2011.0, "1985", dt.time(1, 2), "Итого",
]  # fmt: skip
FIELDS = [
    Field("text", "Текст", type=TEXT),
    Field("number", "Число", type=NUMBER),
    Field("score", "Балл", type=NUMBER, minimum=0, maximum=100),
    Field("count", "Количество", type=INTEGER, minimum=0),
    Field("year", "Год", type=YEAR, minimum=1940, maximum=2010),
    Field("date", "Дата", type=DATE),
    Field("flag", "Флаг", type=FLAG),
]


def _column(values: list[Any]) -> np.ndarray[Any, np.dtype[np.object_]]:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _identical(one: object, other: object) -> bool:
    if isinstance(one, float) and isinstance(other, float) and one != one:
        return other != other
    return type(one) is type(other) and one == other


@pytest.mark.parametrize("field", FIELDS, ids=[field.type + ":" + field.key for field in FIELDS])
@pytest.mark.parametrize("value", TRICKY, ids=[repr(value) for value in TRICKY])
def test_one_cell_matches_the_per_cell_functions(field: Field, value: Any) -> None:
    values, empty, bad = co.convert_column(field, _column([value]))
    assert bool(empty[0]) == co._is_empty(value)
    if empty[0]:
        assert values[0] is None and not bad[0]
        return
    converted, ok = co._convert(field, value)
    assert bool(bad[0]) == (not ok)
    assert _identical(values[0], converted if ok else None)
    if field.type == NUMBER and ok:
        assert _identical(values[0], co.parse_number(value))
    if field.type == DATE and ok:
        assert values[0] == co.parse_date(value)


@pytest.mark.parametrize("field", FIELDS, ids=[field.type + ":" + field.key for field in FIELDS])
def test_a_mixed_column_matches_cell_by_cell(field: Field) -> None:
    cells = TRICKY * 3
    values, empty, bad = co.convert_column(field, _column(cells))
    for value, got, was_empty, was_bad in zip(cells, values, empty, bad, strict=True):
        if co._is_empty(value):
            assert was_empty and got is None
            continue
        converted, ok = co._convert(field, value)
        assert (bool(was_bad), _identical(got, converted if ok else None)) == (not ok, True), value


# --- the oracle: the per-cell implementation the vectorised one replaced ----------------------------


def _reference_rows(sheet: RawSheet, match: HeaderMatch) -> pd.DataFrame:
    width = max(match.columns.values()) + 1
    records, rows = [], []
    for index in range(match.header_index + 1, len(sheet.rows)):
        cells = list(sheet.rows[index][:width]) + [""] * max(0, width - len(sheet.rows[index]))
        filled = [cell for cell in cells if not co._is_empty(cell)]
        if not filled:
            continue
        if len(filled) == 1 and isinstance(filled[0], str) and len(match.columns) > 2:
            continue
        if isinstance(filled[0], str) and normalise(filled[0]).split(" ")[0] in match.schema.skip_first_column_words:
            continue
        records.append([cells[column] for column in match.columns.values()])
        rows.append(sheet.excel_row(index))
    frame = pd.DataFrame(records, columns=list(match.columns), dtype=object)
    frame[co.ROW] = rows
    return frame


def _reference_coerce(sheet: RawSheet, match: HeaderMatch) -> tuple[pd.DataFrame, list[Problem]]:
    raw = _reference_rows(sheet, match)
    fields = {field.key: field for field in match.schema.fields}
    problems: list[Problem] = []
    typed = pd.DataFrame({co.ROW: raw[co.ROW]})
    for key in match.columns:
        field, title = fields[key], match.titles[key]
        values: list[object] = []
        for row, value in zip(raw[co.ROW], raw[key], strict=True):
            if co._is_empty(value):
                values.append(None)
                if field.required:
                    problems.append(Problem(sheet.name, row, title, ProblemCode.REQUIRED_VALUE, "пустая ячейка",
                                            co._expected(field)))  # fmt: skip
                continue
            converted, ok = co._convert(field, value)
            if not ok:
                code = ProblemCode.OUT_OF_RANGE if converted is not None else co._bad_type(field)
                problems.append(Problem(sheet.name, row, title, code, f"«{value}»", co._expected(field)))
                converted = None
            values.append(converted)
        typed[key] = pd.Series(values, index=raw.index, dtype=object)
    return typed, problems


def _assert_same(got: tuple[pd.DataFrame, list[Problem]], expected: tuple[pd.DataFrame, list[Problem]]) -> None:
    (frame, problems), (expected_frame, expected_problems) = got, expected
    assert problems == expected_problems
    assert list(frame.columns) == list(expected_frame.columns)
    assert frame.dtypes.to_dict() == expected_frame.dtypes.to_dict()
    assert list(frame.index) == list(expected_frame.index)
    for column in frame.columns:
        pairs = zip(frame[column], expected_frame[column], strict=True)
        assert all(_identical(one, other) for one, other in pairs), column


def _sheet(rows: list[list[Any]], fields: tuple[Field, ...], columns: dict[str, int]) -> tuple[RawSheet, HeaderMatch]:
    schema = Schema("test", "Тест", fields, "")
    header = [f"Поле {i}" for i in range(max(columns.values()) + 1)]
    titles = {key: header[column] for key, column in columns.items()}
    return RawSheet("Лист1", [header, *rows], 3, 0, []), HeaderMatch(schema, 0, columns, titles, {})


def test_skip_rules_blank_section_totals_and_short_rows() -> None:
    fields = (
        Field("name", "Имя", required=True),
        Field("value", "Значение", type=NUMBER, minimum=0),
        Field("day", "Дата", type=DATE),
    )
    rows = [
        ["I. Раздел", "", ""],  # a section heading: skipped
        ["", None, "  "],  # blank: skipped
        ["г. Омск", "7 735", "01.11.2023"],
        ["Итого по области", 9999.0, ""],  # a check sum: skipped
        ["  ", "всего", ""],  # the first filled cell is «всего»: skipped
        ["Азово", float("nan")],  # short row, padded; NaN is a value (not empty), and not ≥ 0
        [None, -5.0, "вчера"],  # required value missing, out of range, not a date
        [dt.date(2024, 1, 1), "", ""],  # one non-text cell: kept
    ]
    sheet, match = _sheet(rows, fields, {"name": 0, "value": 1, "day": 2})
    _assert_same(co.coerce(sheet, match), _reference_coerce(sheet, match))
    frame, problems = co.coerce(sheet, match)
    assert frame[co.ROW].tolist() == [6, 9, 10, 11]
    assert [(p.row, p.code) for p in problems] == [
        (10, ProblemCode.REQUIRED_VALUE),
        (9, ProblemCode.OUT_OF_RANGE),
        (10, ProblemCode.OUT_OF_RANGE),
        (10, ProblemCode.NOT_A_DATE),
    ]


def test_random_sheets_match_the_per_cell_implementation() -> None:
    rng = random.Random(2023)
    kinds = [TEXT, INTEGER, NUMBER, DATE, YEAR, FLAG]
    for _ in range(300):
        width = rng.randint(2, 6)
        fields = tuple(
            Field(f"f{i}", f"Поле {i}", type=rng.choice(kinds), required=rng.random() < 0.5,
                  minimum=rng.choice([None, 0, 1940]), maximum=rng.choice([None, 100, 2010]))
            for i in range(width)
        )  # fmt: skip
        rows = []
        for _ in range(rng.randint(0, 40)):
            row = [rng.choice(TRICKY) for _ in range(rng.choice([width, width, width - 1, width + 1]))]
            if rng.random() < 0.3:
                row = [cell if rng.random() < 0.15 else rng.choice(["", None, "  "]) for cell in row]
            rows.append(row)
        chosen = sorted(rng.sample(range(width), rng.randint(2, width)))
        sheet, match = _sheet(rows, fields, {f"f{column}": column for column in chosen})
        _assert_same(co.coerce(sheet, match), _reference_coerce(sheet, match))


def test_a_long_homogeneous_sheet_takes_the_whole_column_paths() -> None:
    fields = (
        Field("code", "Код", required=True),
        Field("year", "Год", type=YEAR, minimum=1940, maximum=2010),
        Field("score", "Балл", type=NUMBER, minimum=0, maximum=100),
        Field("day", "Дата", type=DATE),
    )
    rows = [
        [
            f"ОМ-{i % 50:06d}",
            1940.0 + i % 80,
            float(i % 110) + 0.5 * (i % 2),
            dt.date(2023, 1 + i % 12, 1) if i % 3 else dt.datetime(2023, 1 + i % 12, 1, 9, 30),
        ]
        for i in range(2000)
    ]
    sheet, match = _sheet(rows, fields, {"code": 0, "year": 1, "score": 2, "day": 3})
    _assert_same(co.coerce(sheet, match), _reference_coerce(sheet, match))
    assert len(co.coerce(sheet, match)[1]) > 0  # years after 2010 and scores over 100 are reported
