"""Finding the header row of a sheet and mapping its columns to a schema's fields.

Real spreadsheets have title rows above the header, two-row headers with merged cells, and header
wording that varies (case, ё/е, extra spaces, «МО» / «Муниципалитет» / «Муниципальное
образование»). Headers are compared after :func:`normalise`; each schema field lists its synonyms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rsnms.ingest.read import HEADER_SEARCH_ROWS, RawSheet
from rsnms.ingest.schemas import Field, Schema
from rsnms.ingest.text import normalise


@dataclass(frozen=True)
class HeaderMatch:
    """Where a schema's header is on a sheet and which column holds which field."""

    schema: Schema
    header_index: int  # index into RawSheet.rows of the (last) header row
    columns: dict[str, int]  # field key → column index in the row
    titles: dict[str, str]  # field key → header text as written in the file
    extra: dict[int, str]  # unmatched non-empty header cells (for wide layouts and personal data)

    @property
    def score(self) -> tuple[int, int]:
        """Fields found, then required fields found (the better match wins)."""
        required = [field.key for field in self.schema.fields if field.required]
        return len(self.columns), sum(1 for key in required if key in self.columns)

    @property
    def missing(self) -> list[Field]:
        """Required fields whose column is not on the sheet."""
        return [field for field in self.schema.fields if field.required and field.key not in self.columns]


def _filled_merged(sheet: RawSheet, index: int) -> list[str]:
    """Header texts of row ``index`` with merged ranges spread over every cell they cover."""
    row = [str(cell).strip() if cell not in (None, "") else "" for cell in sheet.rows[index]]
    absolute = index + sheet.first_row - 1
    for (top, left), (bottom, right) in sheet.merged:
        if top <= absolute <= bottom and top >= sheet.first_row - 1 and left >= sheet.first_col:
            text = str(sheet.rows[top - sheet.first_row + 1][left - sheet.first_col]).strip()
            for column in range(left - sheet.first_col, right - sheet.first_col + 1):
                if 0 <= column < len(row) and not row[column]:
                    row[column] = text
    return row


def _header_texts(sheet: RawSheet, index: int) -> list[str]:
    """The header of row ``index``, joined with the row above when the header spans two rows."""
    current = _filled_merged(sheet, index)
    if index == 0:
        return current
    above = _filled_merged(sheet, index - 1)
    if sum(1 for text in above if text) < 2:
        return current
    return [f"{top} {bottom}".strip() if top != bottom else bottom for top, bottom in zip(above, current, strict=False)]


def _field_names(schema: Schema) -> dict[str, str]:
    """Normalised header wording → field key, as :meth:`Schema.field_for` finds it (the first field wins)."""
    return {name: field.key for field in reversed(schema.fields) for name in field.names()}


def _match_row(
    schema: Schema, texts: Sequence[str], names: dict[str, str] | None = None
) -> tuple[dict[str, int], dict[str, str], dict[int, str]]:
    names = _field_names(schema) if names is None else names
    columns: dict[str, int] = {}
    titles: dict[str, str] = {}
    extra: dict[int, str] = {}
    for position, text in enumerate(texts):
        if not text:
            continue
        key = names.get(normalise(text))
        if key is not None and key not in columns:
            columns[key], titles[key] = position, text
        else:
            extra[position] = text
    return columns, titles, extra


def find_header(sheet: RawSheet, schema: Schema) -> HeaderMatch | None:
    """The best header row for ``schema`` among the first rows of the sheet (None if nothing matches)."""
    best: HeaderMatch | None = None
    names = _field_names(schema)
    for index in range(min(HEADER_SEARCH_ROWS, len(sheet.rows))):
        for texts in (_filled_merged(sheet, index), _header_texts(sheet, index)):
            columns, titles, extra = _match_row(schema, texts, names)
            if len(columns) < 2:
                continue
            match = HeaderMatch(schema, index, columns, titles, extra)
            if best is None or match.score > best.score:
                best = match
    return best
