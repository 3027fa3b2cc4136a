"""Exports never turn text into formulas."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from rsnms import export

FRAME = pd.DataFrame({"Текст": ['=HYPERLINK("x")', "+7 900", "-", "@sum", "обычный"], "Число": [1, 2, 3, 4, None]})


def test_xlsx_keeps_formula_like_text_as_text() -> None:
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx({"Лист": FRAME})))
    sheet = book["Лист"]
    cells = [sheet.cell(row, 1) for row in range(2, 7)]
    assert [cell.value for cell in cells] == FRAME["Текст"].tolist()
    assert {cell.data_type for cell in cells} == {"s"}
    assert sheet.cell(6, 2).value is None


def test_csv_escapes_formula_like_text() -> None:
    escaped = export.escape_formulas(FRAME)
    assert escaped["Текст"].tolist() == ['\'=HYPERLINK("x")', "'+7 900", "'-", "'@sum", "обычный"]
    assert FRAME["Текст"].iloc[0] == '=HYPERLINK("x")'  # the input is not changed


def test_status_words_get_their_colour() -> None:
    frame = pd.DataFrame({"Показатель": ["A", "B"], "Статус": ["выполнен", "не выполнен"]})
    sheet = openpyxl.load_workbook(io.BytesIO(export.to_xlsx({"Лист": frame})))["Лист"]
    assert [sheet.cell(row, 2).fill.fgColor.rgb.upper() for row in (2, 3)] == ["00D4EDDA", "00F8D7DA"]
    assert sheet.cell(2, 1).fill.fill_type is None
