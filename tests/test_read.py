"""Reading workbooks: calamine's cells, and long sheets read column-wise giving the same cells and the same upload."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import fastexcel
import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import Engine

from rsnms.errors import ProblemCode
from rsnms.ingest import pipeline, read
from rsnms.ingest.headers import find_header
from rsnms.ingest.read import HEADER_SEARCH_ROWS, read_workbook
from rsnms.ingest.schemas import SCHEMAS

DATA = Path(__file__).resolve().parent / "data"
LONG_ROWS = 1_500  # more than fastexcel's default sample of 1 000 rows for a column's type


def _workbook(cells: dict[str, dict[str, Any]]) -> bytes:
    book = openpyxl.Workbook()
    for number, (title, values) in enumerate(cells.items()):
        sheet = book.active if number == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = title
        for reference, value in values.items():
            sheet[reference] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def every_sheet_long(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sheet of more than a few rows is read as a long one."""
    monkeypatch.setattr(read, "LONG_SHEET_BYTES", 0)
    monkeypatch.setattr(read, "HEAD_ROWS", HEADER_SEARCH_ROWS + 1)


def _typed(columns: list[Any]) -> list[list[tuple[type, Any]]]:
    return [[(type(cell), cell) for cell in column] for column in columns]


def _prepare(engine: Engine, content: bytes, name: str) -> pipeline.Preview:
    return pipeline.prepare(engine, content, file_name=name, max_mb=20, pseudonym_key="test-key")


def test_read_rows_are_calamines_used_range_with_texts_shared() -> None:
    content = _workbook(
        {
            "Сверху": {"A1": "Заголовок", "B3": 1.5, "C4": dt.date(2024, 1, 1)},
            "Со смещением": {"C5": "г. Омск", "E9": "г. Омск", "D7": True},
            "Пустой": {},
            "Далеко": {"Z100": "z", "B3": 2},
        }
    )
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    for sheet in read_workbook(content):
        expected = book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=True)
        assert sheet.rows == expected
        assert [[type(cell) for cell in row] for row in sheet.rows] == [
            [type(cell) for cell in row] for row in expected
        ]
        assert sheet.workbook is None  # short sheets are read whole
    offset = next(sheet for sheet in read_workbook(content) if sheet.name == "Со смещением")
    assert (offset.first_row, offset.first_col) == (5, 2)
    assert offset.rows[0][0] is offset.rows[4][2]  # one str object for equal texts


@pytest.mark.parametrize("name", sorted(path.name for path in DATA.glob("*.xlsx")))
def test_every_sample_uploads_the_same_when_its_sheets_are_read_as_long_ones(
    ref_engine: Engine, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    content = (DATA / name).read_bytes()
    whole = _prepare(ref_engine, content, name)
    monkeypatch.setattr(read, "LONG_SHEET_BYTES", 0)
    monkeypatch.setattr(read, "HEAD_ROWS", HEADER_SEARCH_ROWS + 1)
    assert all(sheet.workbook is not None for sheet in read_workbook(content))
    long = _prepare(ref_engine, content, name)
    assert (long.sheets, long.problems, long.problem_rows) == (whole.sheets, whole.problems, whole.problem_rows)
    assert (long.region, long.year, long.dropped_columns) == (whole.region, whole.year, whole.dropped_columns)
    assert [write.table for write in long.writes] == [write.table for write in whole.writes]
    for ours, theirs in zip(long.writes, whole.writes, strict=True):
        assert ours.rows.equals(theirs.rows), ours.table


def _long_sheet(*, mixed: bool = True) -> bytes:
    """A sheet shaped like real ones: title, a two-row header with merged cells, data from column B, oddities below.

    ``mixed``: a number as text in the column of scores (fastexcel then refuses the sheet).
    """
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Диагностика"
    sheet["B1"] = "Результаты диагностики за 2024 год"
    for column, title in zip("BCD", ["Муниципальное образование", "Код педагога", "Должность"], strict=True):
        sheet[f"{column}3"] = title
        sheet.merge_cells(f"{column}3:{column}4")  # merged ranges are written after the rows
    sheet["E3"] = "Диагностика"
    sheet.merge_cells("E3:G3")
    for column, title in zip("EFGH", ["Компетенция", "Балл", "Дата", "Примечание"], strict=True):
        sheet[f"{column}4"] = title
    for row in range(5, 5 + LONG_ROWS):
        sheet[f"B{row}"] = "г. Омск" if row % 3 else "Омский муниципальный район"
        sheet[f"C{row}"] = f"T{row:05d}"
        sheet[f"D{row}"] = "учитель"
        sheet[f"E{row}"] = "Предметная"
        sheet[f"F{row}"] = float(row % 100)
        sheet[f"G{row}"] = dt.date(2024, 10, 1) + dt.timedelta(days=row % 30)
        if row % 7 == 0:
            sheet[f"H{row}"] = True
    if mixed:
        sheet[f"F{4 + LONG_ROWS}"] = "12,5"  # a number as text after the first 1 000 rows: the column mixes types
    sheet[f"G{3 + LONG_ROWS}"] = dt.datetime(2024, 10, 2, 14, 30)
    sheet[f"A{2 + LONG_ROWS}"] = "сноска"  # the body reaches further left than the head
    sheet[f"F{1 + LONG_ROWS}"] = 150.0  # out of range
    sheet["I7"], sheet["I8"] = 1.0, "см. приказ"  # right of the header: a column nobody reads, types mixed
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_long_sheet_has_its_first_rows_and_merged_header_then_the_cells_of_its_body(every_sheet_long: None) -> None:
    content = _long_sheet()
    (sheet,) = read_workbook(content)
    whole = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("Диагностика")
    assert sheet.workbook is not None and len(sheet.rows) < LONG_ROWS
    assert sorted(sheet.merged) == sorted((tuple(a), tuple(b)) for a, b in whole.merged_cell_ranges or [])
    match = find_header(sheet, next(schema for schema in SCHEMAS if schema.kind == "diagnostics"))
    assert match is not None and match.header_index == 3
    assert match.titles["municipality"] == "Муниципальное образование"  # only in B3, merged over B3:B4
    expected = whole.to_python(skip_empty_area=True)[4:]  # the body, from column A: the sheet's used range
    body = sheet.body(4, 7)  # columns B…H
    assert sheet.first_col == 1 and len(body) == 7 == len(expected[0]) - 2  # not column I, right of the header
    assert _typed(body) == _typed([[row[column] for row in expected] for column in range(1, 8)])
    assert body[4][-1] == "12,5" and body[5][-2] == dt.datetime(2024, 10, 2, 14, 30)
    assert sheet.row(4 + LONG_ROWS - 1) == expected[-1][1:8]  # a row below the head (columns read), for problems


def test_a_long_sheets_clean_columns_are_read_by_fastexcel_with_texts_shared(every_sheet_long: None) -> None:
    content = _long_sheet(mixed=False)
    (sheet,) = read_workbook(content)
    columns = read._fastexcel_body(sheet, sheet.first_row + 3, 7)  # from the first data row, columns B…H
    assert [type(cell) for cell in columns[5][:2]] == [dt.date, dt.date]  # date cells, as python-calamine gives
    assert columns[0][0] is columns[0][3] and columns[3][0] is columns[3][1]  # one str object per distinct text
    assert columns[6][0] == "" and columns[6][2] is True  # an empty cell is "", a boolean stays one
    with pytest.raises(fastexcel.FastExcelError):  # column I mixes numbers and texts: only columns read must agree
        read._fastexcel_body(sheet, sheet.first_row + 3, 8)


def test_a_long_sheet_with_a_time_of_day_is_read_by_calamine(every_sheet_long: None) -> None:
    rows = {f"A{row}": f"строка {row}" for row in range(1, 60)} | {
        f"B{row}": dt.time(9, row % 60) for row in range(2, 60)
    }
    content = _workbook({"Время": {"B1": "Время", **rows}})
    (sheet,) = read_workbook(content)
    body = sheet.body(1, 2)
    assert sheet.workbook is not None and body[1][:2].tolist() == [dt.time(9, 2), dt.time(9, 3)]


def test_a_long_sheet_upload_names_the_row_of_a_problem_below_its_head(ref_engine: Engine) -> None:
    content = _long_sheet()
    whole = _prepare(ref_engine, content, "diagnostika.xlsx")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(read, "LONG_SHEET_BYTES", 0)
        patch.setattr(read, "HEAD_ROWS", HEADER_SEARCH_ROWS + 1)
        long = _prepare(ref_engine, content, "diagnostika.xlsx")
    assert long.problems == whole.problems
    wrong = [problem for problem in long.problems if problem.row == 1 + LONG_ROWS]
    assert [(p.code, p.found) for p in wrong] == [(ProblemCode.OUT_OF_RANGE, "«150.0»")]
    # the row's cells from the head's first column (the whole sheet's used range starts one column left, at a
    # footnote) up to the last column the upload reads
    assert long.problem_rows.keys() == whole.problem_rows.keys()
    for key, cells in long.problem_rows.items():
        assert len(cells) == 6 and cells == whole.problem_rows[key][1:7]
    assert long.problem_rows[("Диагностика", 1 + LONG_ROWS)][4] == 150.0


def test_a_damaged_long_sheet_is_a_russian_problem_not_a_crash(ref_engine: Engine, every_sheet_long: None) -> None:
    content = _long_sheet()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    damaged = content[:middle] + bytes(64) + content[middle + 64 :]
    preview = _prepare(ref_engine, damaged, "diagnostika.xlsx")
    assert [problem.code for problem in preview.problems] == [ProblemCode.NOT_XLSX]
    assert preview.writes == []
