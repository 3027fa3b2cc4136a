"""Reading a workbook's cells with calamine (fast, never evaluates formulas).

Every sheet comes back with its rows as a grid of Python values (str, float, date, datetime, bool;
"" for an empty cell) and the Excel row number of its first row, so problems can name the row the
user sees. Merged ranges are reported too: a merged header cell holds its text only in its top-left cell.

A short sheet is read whole with python-calamine. Of a long one (more than :data:`LONG_SHEET_BYTES`
of XML) only the first rows are read that way, from a copy of the workbook whose long sheets are cut
after :data:`HEAD_ROWS` rows (their merged ranges kept); the rest is read column-wise by fastexcel
(calamine into Arrow) once the header is known, with :meth:`RawSheet.body`. A Python list per row
was most of the reading time of a large upload. The columns hold what the rows would have held; a
sheet fastexcel cannot give exactly (types mixed in a column the upload reads, time-of-day cells) is
read with python-calamine instead.
"""

from __future__ import annotations

import gc
import io
import logging
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import fastexcel
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from rsnms.errors import IngestError
from rsnms.ingest import guard

__all__ = [
    "HEADER_SEARCH_ROWS",
    "CalamineError",
    "Cell",
    "MergedRange",
    "ObjectArray",
    "RawSheet",
    "object_array",
    "read_workbook",
]

Cell = Any
MergedRange = tuple[tuple[int, int], tuple[int, int]]
ObjectArray = npt.NDArray[np.object_]

# fastexcel warns of every column without a value that it reads as text: nothing to act on
logging.getLogger("fastexcel.types.dtype").setLevel(logging.ERROR)

HEADER_SEARCH_ROWS = 25  # a header is looked for among a sheet's first rows
LONG_SHEET_BYTES = 4 * 1024 * 1024  # sheet XML of more than this (≈ 6 000 rows of 12 cells) is a long sheet
HEAD_ROWS = 100  # rows (``</row>`` tags) of a long sheet read with python-calamine; more than HEADER_SEARCH_ROWS
_HEAD_BYTES = 8 * 1024 * 1024  # … found in this much XML, or the sheet is read whole
_CHUNK = 1024 * 1024
_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?row>")
_SHEET_DATA_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?sheetData>")
_TAG_OVERLAP = 64  # longer than a closing tag, so one split between two chunks is still found
_FIRST_DATE = np.datetime64("1900-01-01", "us")  # fastexcel gives time-of-day cells as 1899-12-31 date-times


class _NotExact(Exception):
    """A column fastexcel cannot give as python-calamine would."""


@dataclass(frozen=True)
class RawSheet:
    """The cells of one sheet; ``rows[i][j]`` is Excel cell (first_row + i, first_col + j).

    ``rows`` holds every row of a short sheet, and the first rows of a long one (``workbook`` is then
    set): enough to find the header and the title above it. :meth:`body` gives the columns below.
    """

    name: str
    rows: list[list[Cell]]
    first_row: int  # 1-based Excel row number of rows[0]
    first_col: int  # 0-based column index of rows[*][0]
    merged: list[MergedRange]
    workbook: bytes | None = None  # a long sheet's workbook, to read its body from
    _bodies: dict[tuple[int, int], list[ObjectArray]] = field(default_factory=dict, compare=False, repr=False)

    def excel_row(self, index: int) -> int:
        """The Excel row number of ``rows[index]``."""
        return self.first_row + index

    def body(self, start: int, width: int) -> list[ObjectArray]:
        """The cells of row ``start`` (counted like ``rows``) and every row below it, a column at a time.

        The first ``width`` columns from ``first_col`` at most (fewer when the sheet ends before), as
        object arrays, short rows padded with "".
        """
        if self.workbook is None:
            return _columns(self.rows[start:])[:width]
        if (start, width) not in self._bodies:
            self._bodies[start, width] = _long_body(self, start, width)
        return self._bodies[start, width]

    def row(self, index: int) -> list[Cell] | None:
        """The cells of row ``index`` (counted like ``rows``; below the head of a long sheet once read)."""
        if 0 <= index < len(self.rows):
            return self.rows[index]
        for (start, _), columns in self._bodies.items():
            if columns and 0 <= index - start < len(columns[0]):
                return [column[index - start] for column in columns]
        return None


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


def _columns(body: Sequence[Sequence[Cell]]) -> list[ObjectArray]:
    """The columns of ``body`` as object arrays (short rows padded with "")."""
    lengths = {len(row) for row in body}
    if len(lengths) == 1:
        grid = np.empty((len(body), lengths.pop()), dtype=object)
        grid[:] = body
        return [np.ascontiguousarray(grid[:, column]) for column in range(grid.shape[1])]
    width = max(lengths, default=0)
    return [object_array([row[column] if column < len(row) else "" for row in body]) for column in range(width)]


def object_array(values: Sequence[object]) -> ObjectArray:
    """``values`` as a one-dimensional object array (also when they are sequences themselves)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


# --- long sheets --------------------------------------------------------------------------------------


def _head_workbook(content: bytes) -> tuple[bytes, set[str]]:
    """The workbook with each long sheet cut after its first rows, and the names of the sheets cut.

    A damaged part cuts nothing: calamine then reads the whole workbook and says what is wrong (and the
    formula scan refuses what it refuses).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = guard.worksheets(archive)
            long = {info.filename: name for name, info in parts if info.file_size > LONG_SHEET_BYTES}
            cut = {part: xml for part in long if (xml := _cut_sheet(archive, archive.getinfo(part))) is not None}
            if not cut:
                return content, set()
            copy = io.BytesIO()
            with zipfile.ZipFile(copy, "w") as head:
                for info in archive.infolist():
                    data = cut[info.filename] if info.filename in cut else archive.read(info)
                    head.writestr(info.filename, data, compress_type=zipfile.ZIP_STORED)  # read once, right away
    except (*guard.PART_ERRORS, IngestError):
        return content, set()
    return copy.getvalue(), {long[part] for part in cut}


def _cut_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """The sheet XML up to the end of its :data:`HEAD_ROWS`-th row, then from ``</sheetData>`` on.

    What follows the rows (merged ranges among it) is kept, so the XML stays a whole sheet. None when
    the rows are not found where expected: the sheet is then read whole.
    """
    with archive.open(info) as stream:
        head = b""
        ends: list[re.Match[bytes]] = []
        while len(ends) < HEAD_ROWS:
            chunk = stream.read(_CHUNK)
            if not chunk or len(head) >= _HEAD_BYTES:
                return None
            head += chunk
            ends = list(_ROW_END.finditer(head))
        cut = ends[HEAD_ROWS - 1].end()
        data, searched = head, cut
        while (found := _sheet_data_end(data, searched)) < 0:
            chunk = stream.read(_CHUNK)
            if not chunk:
                return None
            data, searched = data[-_TAG_OVERLAP:] + chunk, 0
        tail = [data[found:]]
        while chunk := stream.read(_CHUNK):
            tail.append(chunk)
    return head[:cut] + b"".join(tail)


def _sheet_data_end(data: bytes, start: int) -> int:
    """Where the first ``</sheetData>`` (any namespace prefix) at or after ``start`` begins, or -1.

    Looked for by its name (``bytes.find``), then checked: a regex would stop at every ``</`` of the rows.
    """
    at = data.find(b"sheetData>", start)
    while at >= 0:
        found = _SHEET_DATA_END.search(data, max(start, at - _TAG_OVERLAP), at + len(b"sheetData>"))
        if found:
            return found.start()
        at = data.find(b"sheetData>", at + 1)
    return -1


def _long_body(sheet: RawSheet, start: int, width: int) -> list[ObjectArray]:
    """:meth:`RawSheet.body` of a long sheet: fastexcel, or python-calamine when it cannot be exact."""
    above = sheet.first_row + start - 1  # Excel rows above the body
    try:
        return _fastexcel_body(sheet, above, width)
    except (fastexcel.FastExcelError, _NotExact):
        return _calamine_body(sheet, above)[:width]


def _fastexcel_body(sheet: RawSheet, above: int, width: int) -> list[ObjectArray]:
    assert sheet.workbook is not None
    absolute: dict[str, int] = {}

    def wanted(column: Any) -> bool:  # fastexcel.ColumnInfoNoDtype; only these columns' types must agree
        if not sheet.first_col <= column.absolute_index < sheet.first_col + width:
            return False
        absolute[column.name] = column.absolute_index
        return True

    loaded = fastexcel.read_excel(sheet.workbook).load_sheet(
        sheet.name,
        header_row=None,
        skip_rows=above,  # counted from A1 when there is no header row
        schema_sample_rows=None,  # every cell decides a column's type: a late text is never dropped
        dtype_coercion="strict",  # a column with mixed types is refused, not turned into texts
        use_columns=wanted,
    )
    batch = pa.record_batch(loaded.to_arrow())
    found = max(absolute.values(), default=sheet.first_col - 1) + 1 - sheet.first_col
    columns = [np.full(batch.num_rows, "", dtype=object) for _ in range(found)]
    for name, array in zip(batch.schema.names, batch.columns, strict=True):
        columns[absolute[name] - sheet.first_col] = _cells(array)
    return columns


def _cells(array: pa.Array) -> ObjectArray:
    """An Arrow column as the Python values python-calamine gives ("" for an empty cell)."""
    kind = array.type
    if pa.types.is_null(kind):
        return np.full(len(array), "", dtype=object)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        encoded = pc.dictionary_encode(array)  # equal texts share one str object
        texts = object_array([*encoded.dictionary.to_pylist(), ""])
        indices: npt.NDArray[np.intp] = encoded.indices.fill_null(len(texts) - 1).to_numpy(zero_copy_only=False)
        return texts[indices]
    cells: ObjectArray
    if pa.types.is_floating(kind) or pa.types.is_boolean(kind):
        cells = array.to_numpy(zero_copy_only=False).astype(object)
    elif pa.types.is_timestamp(kind) and kind.tz is None:
        stamps = array.fill_null(0).to_numpy(zero_copy_only=False).astype("datetime64[us]")
        if (stamps[array.is_valid().to_numpy(zero_copy_only=False)] < _FIRST_DATE).any():
            raise _NotExact  # a time of day: python-calamine gives a time
        days = stamps.astype("datetime64[D]")
        midnight = days == stamps
        cells = np.empty(len(array), dtype=object)
        cells[midnight] = days[midnight].astype(object)
        cells[~midnight] = stamps[~midnight].astype(object)
    else:
        raise _NotExact
    if array.null_count:
        cells[array.is_null().to_numpy(zero_copy_only=False)] = ""
    return cells


def _calamine_body(sheet: RawSheet, above: int) -> list[ObjectArray]:
    assert sheet.workbook is not None
    whole = CalamineWorkbook.from_filelike(io.BytesIO(sheet.workbook)).get_sheet_by_name(sheet.name)
    top, left = whole.start or (0, 0)
    rows = _rows(whole)[above - top :]
    shift = sheet.first_col - left  # the body may reach further left than the head
    return _columns([row[shift:] for row in rows] if shift else rows)


def read_workbook(content: bytes) -> list[RawSheet]:
    """Every visible sheet of an .xlsx workbook, in workbook order (long sheets with their first rows only)."""
    head, long = _head_workbook(content)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(head))
    if long - set(workbook.sheet_names) or len(set(workbook.sheet_names)) < len(workbook.sheet_names):
        workbook, long = CalamineWorkbook.from_filelike(io.BytesIO(content)), set()  # names not told apart: whole
    visible = {sheet.name for sheet in workbook.sheets_metadata if str(sheet.visible).endswith("Visible")}
    sheets = []
    for name in workbook.sheet_names:
        if visible and name not in visible:
            continue
        sheet = workbook.get_sheet_by_name(name)
        rows = _rows(sheet)
        whole = name not in long or len(rows) <= HEADER_SEARCH_ROWS  # a cut too short to find a header in
        if name in long and whole:
            sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name(name)
            rows = _rows(sheet)
        start = sheet.start or (0, 0)
        merged = [(tuple(a), tuple(b)) for a, b in (sheet.merged_cell_ranges or [])]
        sheets.append(
            RawSheet(
                name=name,
                rows=rows,
                first_row=start[0] + 1,
                first_col=start[1],
                merged=merged,  # type: ignore[arg-type]
                workbook=None if whole else content,
            )
        )
    return sheets
