"""The first step of an upload: refuse what is not a plain .xlsx workbook before any parser reads it.

:func:`check_workbook` looks only at the size, the name, the first bytes, the ZIP central directory
and ``[Content_Types].xml`` (parsed with defusedxml, at most 1 MB), so an empty, oversized, foreign,
old binary, encrypted or macro-enabled file, a zip bomb or an XML bomb is refused in milliseconds,
without unpacking anything big. :func:`uncached_formulas` then streams the sheets that contain
formulas and lists the cells whose formula has no value computed by Excel (we never evaluate them).

Later steps may rely on what passed: every member's unpacked size is bounded by the sizes checked
here, because readers stop at a member's declared size (:mod:`zipfile` truncates there; calamine
fails with «File is larger than its declared uncompressed size»).
"""

from __future__ import annotations

import io
import math
import posixpath
import pyexpat
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Literal, NoReturn
from xml.etree import ElementTree
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from rsnms.errors import IngestError, Problem, ProblemCode

MIB = 1024 * 1024
"""Sizes are binary megabytes, labelled «МБ» as Windows Explorer and Streamlit's uploader do."""

UNPACKED_PER_UPLOAD_MB = 20
"""The total unpacked size may be this many times the upload limit (``max_mb``).

A real workbook's XML is 5–15 times its zip (openpyxl table data: about 12), so 20 times the upload
limit keeps every genuine workbook up to that limit, while a bomb declares hundreds of times more.
"""

UNPACKED_FLOOR_MB = 200
"""…but never less than this, so a small ``max_mb`` does not refuse ordinary workbooks."""

MAX_RATIO = 200
"""A member unpacking to more than this many times its compressed size is a bomb, not a sheet."""

RATIO_CHECKED_FROM = MIB
"""Only members unpacking to more than this are ratio-checked: a tiny repetitive XML part may
legitimately compress a few hundred times, and cannot hurt anyway."""

MAX_MEMBERS = 10_000
"""A workbook has a few dozen parts (a few hundred with many sheets, images or comments)."""

MAX_CENTRAL_DIRECTORY = 2 * MIB
"""The ZIP index is checked against this before :mod:`zipfile` reads it: 10,000 entries of ~200 bytes.

This bounds the memory of reading the index (one ``ZipInfo`` per 46 bytes at worst) whatever the
member count the end record claims."""

MAX_CONTENT_TYPES = 1_000_000
"""``[Content_Types].xml`` lists one line per part: a few kilobytes in practice."""

MAX_WORKBOOK_PART = 10 * MIB
"""``xl/workbook.xml`` and its relationships: large only with very many defined names."""

CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
MACRO_EXTENSIONS = (".xlsm", ".xltm", ".xlam")
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
"""The stream an encrypted OOXML file keeps inside its OLE2 container (names are UTF-16LE)."""

SAVE_AS_XLSX = "сохраните файл в Excel как «Книга Excel (*.xlsx)»"
EXPECTED_XLSX = f"книга Excel .xlsx ({SAVE_AS_XLSX})"
EXPECTED_PLAIN = "обычная книга Excel .xlsx (откройте файл в Excel и сохраните его заново)"
FOREIGN_ZIPS = {
    "word/document.xml": "документ Word, а не книга Excel",
    "ppt/presentation.xml": "презентация PowerPoint, а не книга Excel",
    "content.xml": "документ OpenDocument (LibreOffice), а не книга Excel .xlsx",
    "xl/workbook.bin": "двоичная книга Excel (.xlsb)",
}

_FORMULA_OR_DTD = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]|<!DOCTYPE|<!ENTITY")
"""What :func:`_may_hold_formulas` looks for: the first ``<f>`` tag (any prefix) or DTD declaration."""
_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY")
_TAG_NAME = re.compile(rb"[A-Za-z_][\w.-]*:f[\s/>]")
_F_END = re.compile(rb"f[\s/>]")
SPREADSHEET_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",  # transitional (Excel's default)
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict
)
_ROW_TAGS, _CELL_TAGS, _FORMULA_TAGS, _VALUE_TAGS = (
    frozenset(f"{{{ns}}}{name}" for ns in SPREADSHEET_NAMESPACES) for name in ("row", "c", "f", "v")
)
_EXPAT_LIMITS_AMPLIFICATION = pyexpat.version_info >= (2, 4, 1)
"""Expat 2.4.1+ refuses entity amplification (billion laughs, quadratic blowup) by itself, and
ElementTree never loads external entities, so sheets may be streamed with the C parser, several
times faster than defusedxml's pure-Python one; DTDs in sheets are refused by the byte scan anyway."""
_SCAN_CHUNK = MIB
_SCAN_OVERLAP = 64
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
# zipfile raises NotImplementedError for a compression method it cannot read: a damaged or foreign file
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError)
# What reading a part of a checked workbook may raise when the part is damaged or refused.
PART_ERRORS = (*_ZIP_ERRORS, ParseError, DefusedXmlException)


def describe_size(n_bytes: int) -> str:
    """A size as the user reads it («25,3 МБ», «512 КБ», «10 Б»), rounded up so it never looks smaller."""
    if n_bytes >= MIB:
        return f"{math.ceil(n_bytes * 10 / MIB) / 10:.1f} МБ".replace(".", ",")
    if n_bytes >= 1024:
        return f"{math.ceil(n_bytes / 1024)} КБ"
    return f"{n_bytes} Б"


def unpacked_limit(max_mb: int) -> int:
    """The most bytes a workbook may unpack to, all members together, for an upload limit of ``max_mb``."""
    return max(UNPACKED_PER_UPLOAD_MB * max_mb, UNPACKED_FLOOR_MB) * MIB


def check_workbook(content: bytes, *, file_name: str, max_mb: int) -> None:
    """Raise IngestError unless ``content`` is a plain .xlsx workbook that is safe to hand to a parser."""
    _check_size(content, max_mb)
    _check_extension(file_name)
    _check_signature(content)
    _check_index_extent(content)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            _check_members(archive.infolist(), max_mb)
            names = _names_by_lower(archive)
            _check_parts(names)
            _check_content_types(archive, names)
    except _ZIP_ERRORS as exc:
        raise _damaged() from exc


def uncached_formulas(content: bytes, *, limit: int = 20) -> dict[str, list[str]]:
    """Map each sheet name to up to ``limit`` cells (e.g. «D7») holding a formula with no cached value."""
    if limit < 1:
        return {}
    found: dict[str, list[str]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for sheet, info in worksheets(archive):
                if _may_hold_formulas(archive, info):
                    cells = _scan_sheet(archive, info, limit)
                    if cells:
                        found[sheet] = cells
    except PART_ERRORS as exc:
        raise _xml_refusal(exc) from exc
    return found


# --- refusals ---------------------------------------------------------------------------------------


def _refuse(code: ProblemCode, found: str, expected: str) -> IngestError:
    problem = Problem(sheet=None, row=None, column=None, code=code, found=found, expected=expected)
    return IngestError([problem])


def _damaged() -> IngestError:
    return _refuse(ProblemCode.NOT_XLSX, "повреждённый файл .xlsx (архив не читается)", EXPECTED_XLSX)


def _xml_bomb() -> IngestError:
    found = "XML с объявлениями DTD или сущностей (так устроены «XML-бомбы»)"
    return _refuse(ProblemCode.SUSPICIOUS_ARCHIVE, found, EXPECTED_PLAIN)


def _xml_refusal(exc: Exception) -> IngestError:
    return _xml_bomb() if isinstance(exc, DefusedXmlException) else _damaged()


# --- file-level checks ------------------------------------------------------------------------------


def _check_size(content: bytes, max_mb: int) -> None:
    if not content:
        raise _refuse(ProblemCode.EMPTY_FILE, "пустой файл (0 Б)", "книга Excel .xlsx с данными")
    if len(content) > max_mb * MIB:
        found = f"файл размером {describe_size(len(content))}"
        raise _refuse(ProblemCode.FILE_TOO_LARGE, found, f"файл не больше {max_mb} МБ")


def _check_extension(file_name: str) -> None:
    suffix = PurePosixPath(file_name.replace("\\", "/")).suffix.lower()
    if suffix in MACRO_EXTENSIONS:
        _refuse_macros(f"книга с макросами ({suffix})")


def _refuse_macros(found: str) -> NoReturn:
    raise _refuse(ProblemCode.MACRO_ENABLED, found, f"книга без макросов: {SAVE_AS_XLSX}")


def _check_signature(content: bytes) -> None:
    if content.startswith(ZIP_MAGIC):
        return
    if content.startswith(OLE2_MAGIC):
        if ENCRYPTED_STREAM in content:
            raise _refuse(
                ProblemCode.ENCRYPTED,
                "файл защищён паролем",
                "книга без пароля: снимите пароль в Excel и сохраните файл как .xlsx",
            )
        raise _refuse(ProblemCode.NOT_XLSX, "книга старого формата Excel 97–2003 (.xls)", EXPECTED_XLSX)
    raise _refuse(ProblemCode.NOT_XLSX, _describe_foreign(content[:4096]), EXPECTED_XLSX)


def _describe_foreign(head: bytes) -> str:
    if head.startswith(b"PK"):
        return "пустой или повреждённый ZIP-архив, а не книга Excel"
    if head.startswith(b"%PDF"):
        return "документ PDF, а не книга Excel"
    if b"\x00" not in head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "текстовый файл (например, CSV или HTML), а не книга Excel"
    return "файл неизвестного формата, а не книга Excel"


# --- the ZIP container ------------------------------------------------------------------------------


def _check_index_extent(content: bytes) -> None:
    extent = _index_extent(content)
    if extent is None:
        raise _damaged()
    members, size = extent
    reasons = list(_count_reasons(members))
    if size > MAX_CENTRAL_DIRECTORY:
        limit = describe_size(MAX_CENTRAL_DIRECTORY)
        reasons.append(f"оглавление архива размером {describe_size(size)} (у книги оно не больше {limit})")
    if reasons:
        raise _refuse(ProblemCode.SUSPICIOUS_ARCHIVE, "; ".join(reasons), EXPECTED_PLAIN)


def _index_extent(content: bytes) -> tuple[int, int] | None:
    """(members, bytes) of the central directory as the end records declare them, read as zipfile does."""
    at = content.rfind(b"PK\x05\x06", max(0, len(content) - _EOCD.size - 0xFFFF))
    if at < 0 or at + _EOCD.size > len(content):
        return None
    fields = _EOCD.unpack_from(content, at)
    members, size = int(fields[4]), int(fields[5])
    locator_at = at - _ZIP64_LOCATOR.size
    record_at = locator_at - _ZIP64_EOCD.size
    if record_at >= 0 and content[locator_at : locator_at + 4] == b"PK\x06\x07":
        record = _ZIP64_EOCD.unpack_from(content, record_at)
        if record[0] == b"PK\x06\x06":
            members, size = int(record[7]), int(record[8])
    return members, size


def _check_members(members: list[zipfile.ZipInfo], max_mb: int) -> None:
    if any(info.flag_bits & 0x1 for info in members):
        raise _refuse(
            ProblemCode.ENCRYPTED,
            "архив зашифрован паролем",
            "книга без пароля, сохранённая в Excel как .xlsx",
        )
    reasons = [*_count_reasons(len(members)), *_name_reasons(members), *_size_reasons(members, max_mb)]
    if reasons:
        raise _refuse(ProblemCode.SUSPICIOUS_ARCHIVE, "; ".join(reasons), EXPECTED_PLAIN)


def _count_reasons(members: int) -> Iterator[str]:
    if members > MAX_MEMBERS:
        yield f"в архиве {_count(members)} частей (в книге их не больше {_count(MAX_MEMBERS)})"


def _name_reasons(members: list[zipfile.ZipInfo]) -> Iterator[str]:
    unsafe = [info.filename for info in members if _is_unsafe_name(info.filename)]
    if unsafe:
        yield f"части архива с путями вне книги: «{'», «'.join(unsafe[:3])}»"


def _is_unsafe_name(name: str) -> bool:
    path = name.replace("\\", "/")
    return path.startswith("/") or re.match(r"[A-Za-z]:", path) is not None or ".." in path.split("/")


def _size_reasons(members: list[zipfile.ZipInfo], max_mb: int) -> Iterator[str]:
    total = sum(info.file_size for info in members)
    if total > unpacked_limit(max_mb):
        limit = f"{unpacked_limit(max_mb) // MIB} МБ"
        yield f"архив распаковывается в {describe_size(total)} (допустимо не больше {limit})"
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECKED_FROM and ratio > MAX_RATIO:
            times = _count(int(ratio))
            yield f"часть «{info.filename}» сжата в {times} раз (допустимо не больше {MAX_RATIO})"
            return


def _count(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


# --- the workbook's parts ---------------------------------------------------------------------------


def _names_by_lower(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Part names are case-insensitive in OOXML."""
    return {info.filename.lower(): info for info in archive.infolist()}


def _check_parts(names: dict[str, zipfile.ZipInfo]) -> None:
    if CONTENT_TYPES.lower() not in names or WORKBOOK not in names:
        found = next((text for part, text in FOREIGN_ZIPS.items() if part in names), None)
        raise _refuse(ProblemCode.NOT_XLSX, found or "ZIP-архив, но не книга Excel", EXPECTED_XLSX)
    if any(name.rsplit("/", 1)[-1] == "vbaproject.bin" for name in names):
        _refuse_macros("книга с макросами (в файле есть проект VBA)")


def _check_content_types(archive: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo]) -> None:
    types = _parse_part(archive, names[CONTENT_TYPES.lower()], MAX_CONTENT_TYPES)
    for element in types.iter():
        content_type = element.get("ContentType", "").lower()
        if "macroenabled" in content_type or "vbaproject" in content_type:
            _refuse_macros("книга с макросами (тип содержимого «с поддержкой макросов»)")


def _parse_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> Element:
    """Parse one small XML part with defusedxml, reading at most ``cap`` bytes."""
    if info.file_size > cap:
        found = f"часть «{info.filename}» размером {describe_size(info.file_size)}"
        raise _refuse(ProblemCode.SUSPICIOUS_ARCHIVE, found, EXPECTED_PLAIN)
    with archive.open(info) as stream:
        data = stream.read(cap)
    try:
        return safe_xml.fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise _xml_refusal(exc) from exc


# --- formulas ---------------------------------------------------------------------------------------


def _local(name: str) -> str:
    """A tag or attribute name without its namespace (transitional and strict OOXML alike)."""
    return name.rsplit("}", 1)[-1]


def worksheets(archive: zipfile.ZipFile) -> list[tuple[str, zipfile.ZipInfo]]:
    """(sheet name as the user sees it, its worksheet part) in workbook order."""
    names = _names_by_lower(archive)
    if WORKBOOK not in names or WORKBOOK_RELS not in names:
        raise _damaged()
    targets = _worksheet_targets(_parse_part(archive, names[WORKBOOK_RELS], MAX_WORKBOOK_PART))
    sheets = []
    for element in _parse_part(archive, names[WORKBOOK], MAX_WORKBOOK_PART).iter():
        if _local(element.tag) != "sheet":
            continue
        rel_id = next((value for key, value in element.attrib.items() if key.endswith("}id")), "")
        info = names.get(targets.get(rel_id, "").lower())
        if info is not None:
            sheets.append((element.get("name", ""), info))
    return sheets


def _worksheet_targets(relationships: Element) -> dict[str, str]:
    """Relationship id → worksheet part name, resolved against ``xl/``."""
    targets = {}
    for element in relationships.iter():
        kind = element.get("Type", "")
        if _local(element.tag) == "Relationship" and kind.endswith("/worksheet"):
            if element.get("TargetMode") != "External":
                targets[element.get("Id", "")] = _resolve(element.get("Target", ""))
    return targets


def _resolve(target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join("xl", target))


def _may_hold_formulas(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """A fast scan of the raw sheet XML, in chunks, for an ``<f>`` tag; a DTD is refused.

    A DTD can only come before the root element, hence before any ``<f>``: no sheet has one. What is
    found first decides, as a search with :data:`_FORMULA_OR_DTD` would; but the bytes are searched
    with ``bytes.find`` for the few literal starts (``<!DOCTYPE``, ``<!ENTITY``, ``<f``, ``:f``)
    and only those hits are checked with the full pattern, instead of trying a regex at every ``<``.
    """
    tail = b""
    with archive.open(info) as stream:
        while chunk := stream.read(_SCAN_CHUNK):
            data = tail + chunk
            found = _first_formula_or_dtd(data)
            if found is not None:
                if found.startswith(b"<!"):
                    raise _xml_bomb()
                return True
            tail = chunk[-_SCAN_OVERLAP:]
    return False


def _first_formula_or_dtd(data: bytes) -> bytes | None:
    """Where ``_FORMULA_OR_DTD.search(data)`` would stop: ``b"<f"`` (a formula tag), ``b"<!"`` (a DTD) or None.

    Sheet XML has a ``<`` every few bytes, so the pattern is looked for from its rarer parts: each
    ``f`` followed by a space, ``/`` or ``>`` (one regex search that skips to the next ``f``) and each
    ``!``; only those hits are checked against the whole pattern.
    """
    dtd = -1
    bang = data.find(b"!")
    while bang >= 0 and dtd < 0:
        if bang > 0 and data.startswith(_DTD_MARKS, bang - 1):
            dtd = bang - 1
        bang = data.find(b"!", bang + 1)
    for hit in _F_END.finditer(data, 0, dtd if dtd >= 0 else len(data)):
        at = hit.start()
        if at > 0 and data[at - 1] == ord("<"):
            return b"<f"
        if at > 1 and data[at - 1] == ord(":"):  # a prefixed tag («<x:f>»): the name runs from the last «<»
            start = data.rfind(b"<", 0, at)
            if start >= 0 and _TAG_NAME.fullmatch(data, start + 1, at + 2):
                return b"<f"
    return data[dtd : dtd + 2] if dtd >= 0 else None


def _iterparse(stream: IO[bytes]) -> Iterator[tuple[str, Element]]:
    events: tuple[Literal["start"], Literal["end"]] = ("start", "end")
    if _EXPAT_LIMITS_AMPLIFICATION:
        return ElementTree.iterparse(stream, events=events)
    return safe_xml.iterparse(stream, events=events, forbid_dtd=True)


@dataclass
class _Cursor:
    """Row and column of the cell being read, for cells written without an ``r`` reference."""

    row: int = 0
    column: int = 0
    last_ref: str = ""

    def enter_row(self, ref: str | None) -> None:
        """Move to a new row (its ``r``, else the next one)."""
        self.row = int(ref) if ref and ref.isdigit() else self.row + 1
        self.column, self.last_ref = 0, ""

    def cell(self, ref: str | None) -> str:
        """The reference of the next cell: its ``r``, else the column after the previous cell's."""
        if ref:
            self.last_ref = ref  # its column is worked out only if an unreferenced cell follows
            return ref
        self.column = (_column_number(self.last_ref) if self.last_ref else self.column) + 1
        self.last_ref = ""
        return f"{_column_letters(self.column)}{self.row}"


def _column_number(ref: str) -> int:
    number = 0
    for char in ref:
        if not char.isalpha():
            break
        number = number * 26 + ord(char.upper()) - ord("A") + 1
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _scan_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> list[str]:
    """Stream one sheet, keeping at most one row in memory; stop at ``limit`` uncached cells.

    Per-element work is kept to a set lookup: a sheet of a million cells streams in a few seconds.
    """
    found: list[str] = []
    cursor = _Cursor()
    depth, blocks = 0, [Element("none")] * 3  # the root and the open child of it (e.g. sheetData)
    with archive.open(info) as stream:
        for event, element in _iterparse(stream):
            if event == "start":
                depth += 1
                if depth <= 2:
                    blocks[depth] = element
                if element.tag in _ROW_TAGS:
                    cursor.enter_row(element.get("r"))
                continue
            depth -= 1
            if element.tag in _CELL_TAGS:
                ref = cursor.cell(element.get("r"))
                if _lacks_cached_value(element):
                    found.append(ref)
                    if len(found) >= limit:
                        break
                element.clear()
            elif 0 < depth <= 2:
                blocks[depth].clear()  # a finished row (or other block) leaves the tree
    return found


def _lacks_cached_value(cell: Element) -> bool:
    """A formula (``<f>``, even an empty shared one) with ``<v>`` missing or empty.

    The schema puts ``<f>`` first and ``<v>`` right after it. An empty ``<v>`` of a string-typed
    cell (``t="str"``) is a computed empty string (Excel writes ``=""`` so), not a missing value.
    """
    if len(cell) == 0 or cell[0].tag not in _FORMULA_TAGS:
        return False
    value = cell[1] if len(cell) > 1 and cell[1].tag in _VALUE_TAGS else None
    if value is None:
        return True
    return not value.text and cell.get("t") != "str"
