"""Reading a workbook's cells with calamine (fast, never evaluates formulas).

Every sheet comes back as a grid of Python values (str, float, date, datetime, bool; "" for an
empty cell) with the Excel row number of its first row, so problems can name the row the user sees.
Merged ranges are reported too: a merged header cell holds its text only in its top-left cell.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

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


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a sheet's rows are new lists by the hundred thousand, none cyclic,
    and each batch of them would otherwise start a collection over everything alive."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _rows(sheet: CalamineSheet) -> list[list[Cell]]:
    """The cells of the sheet's used range, row by row, as ``to_python(skip_empty_area=True)`` gives them.

    Equal texts share one str object: a long sheet repeats the same few texts (municipalities,
    organisations, positions, areas) in every row, and one object per cell would double the memory
    an upload needs.
    """
    texts: dict[str, str] = {}
    share = texts.setdefault
    with _collector_paused():
        rows = [[share(cell, cell) if cell.__class__ is str else cell for cell in row] for row in sheet.iter_rows()]
    above = len(rows) - sheet.height  # iter_rows() also yields the empty rows above the used range
    return rows[above:] if above > 0 else rows


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
                rows=_rows(sheet),
                first_row=start[0] + 1,
                first_col=start[1],
                merged=merged,  # type: ignore[arg-type]
            )
        )
    return sheets
