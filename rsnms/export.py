"""XLSX exports that are safe to open: text that looks like a formula stays text."""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from rsnms.labels import INDICATOR_STATUS_COLOURS, ROADMAP_STATUS_FILLS
from rsnms.store import plain

FORMULA_STARTS = ("=", "+", "-", "@")
MAX_COLUMN_WIDTH = 60
STATUS_FILLS = {**INDICATOR_STATUS_COLOURS, **ROADMAP_STATUS_FILLS}


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where text starting with = + - @ is prefixed with an apostrophe (safe to open as CSV in Excel)."""
    escaped = frame.copy()
    for column in escaped.columns:
        if escaped[column].dtype == object or pd.api.types.is_string_dtype(escaped[column]):
            escaped[column] = [
                f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value
                for value in escaped[column]
            ]
    return escaped


def to_xlsx(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """One sheet per frame, bold header, no cell ever evaluated as a formula (CSV/DDE injection).

    Status words get their colours; long texts wrap; every sheet has a filter on its header and prints
    landscape, one page wide, the header repeated on every page (ready for a meeting).
    """
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(title=name[:31])
        sheet.append([str(column) for column in frame.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for record in frame.itertuples(index=False):
            sheet.append([plain(value) for value in record])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    cell.data_type = "s"
                colour = STATUS_FILLS.get(cell.value) if isinstance(cell.value, str) else None
                if colour:  # status words get their traffic-light colour, as on the page
                    cell.fill = PatternFill("solid", fgColor=colour.lstrip("#"))
                if isinstance(cell.value, str) and len(cell.value) > MAX_COLUMN_WIDTH:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, column in enumerate(frame.columns, start=1):
            longest = max([len(str(column)), *(len(str(v)) for v in frame.iloc[:200, index - 1])], default=10)
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(MAX_COLUMN_WIDTH, longest + 2)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = "1:1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
