"""Reading a workbook's cells with calamine (fast, never evaluates formulas).

Every sheet comes back as a grid of Python values (str, float, date, datetime, bool; "" for an
empty cell) with the Excel row number of its first row, so problems can name the row the user sees.
Merged ranges are reported too: a merged header cell holds its text only in its top-left cell.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

__all__ = ["CalamineError", "Cell", "MergedRange", "RawSheet", "read_workbook"]

Cell = Any
MergedRange = tuple[tuple[int, int], tuple[int, int]]


@dataclass(frozen=True)
class RawSheet:
    """The cells of one sheet; ``rows[i][j]`` is Excel cell (first_row + i, first_col + j)."""

    name: str
    rows: list[list[Cell]]
    first_row: int  # 1-based Excel row number of rows[0]
    first_col: int  # 0-based column index of rows[*][0]
    merged: list[MergedRange]

    def excel_row(self, index: int) -> int:
        """The Excel row number of ``rows[index]``."""
        return self.first_row + index


def read_workbook(content: bytes) -> list[RawSheet]:
    """Every visible sheet of an .xlsx workbook, in workbook order."""
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    visible = {sheet.name for sheet in workbook.sheets_metadata if str(sheet.visible).endswith("Visible")}
    sheets = []
    for name in workbook.sheet_names:
        if visible and name not in visible:
            continue
        sheet = workbook.get_sheet_by_name(name)
        start = sheet.start or (0, 0)
        merged = [(tuple(a), tuple(b)) for a, b in (sheet.merged_cell_ranges or [])]
        sheets.append(
            RawSheet(
                name=name,
                rows=sheet.to_python(skip_empty_area=True),
                first_row=start[0] + 1,
                first_col=start[1],
                merged=merged,  # type: ignore[arg-type]
            )
        )
    return sheets
