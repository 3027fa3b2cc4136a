"""The upload guard: what is refused before any spreadsheet parser reads the bytes."""

from __future__ import annotations

import io
import random
import re
import struct
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from zipfile import ZIP_DEFLATED, ZipFile

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from rsnms.errors import IngestError, Problem, ProblemCode
from rsnms.ingest import guard
from rsnms.ingest.guard import MIB, check_workbook, describe_size, uncached_formulas, unpacked_limit

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&lol3;</Types>"""


def _xlsx(fill: Callable[[Worksheet], None] | None = None, title: str = "Лист1") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    sheet["A1"] = "Муниципалитет"
    sheet["B1"] = 42
    if fill is not None:
        fill(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rezip(
    content: bytes, replace: dict[str, bytes | None] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    """A copy of a zip with some members replaced (None drops them) and some added."""
    replace = replace or {}
    buffer = io.BytesIO()
    with ZipFile(io.BytesIO(content)) as source, ZipFile(buffer, "w", ZIP_DEFLATED) as copy:
        for info in source.infolist():
            data = replace.get(info.filename, source.read(info))
            if data is not None:
                copy.writestr(info.filename, data)
        for name, data in (add or {}).items():
            copy.writestr(name, data)
    return buffer.getvalue()


def _patch(content: bytes, member: str, old: bytes, new: bytes) -> bytes:
    """Replace ``old`` (a regular expression) in a member: openpyxl writes an empty value as «<v />» or,
    when lxml is installed, «<v></v>»."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read(member)
    patched, count = re.subn(old, new, xml)
    assert count, old
    return _rezip(content, {member: patched})


def _with_sheet_xml(rows: str, *, prefix: str = "") -> bytes:
    """The test workbook with its sheet's rows replaced (tags written ``prefix:tag`` if a prefix is given)."""
    tag, xmlns = (f"{prefix}:", f"xmlns:{prefix}") if prefix else ("", "xmlns")
    xml = f'<{tag}worksheet {xmlns}="{MAIN_NS}"><{tag}sheetData>{rows}</{tag}sheetData></{tag}worksheet>'
    return _rezip(_xlsx(), {SHEET: xml.encode()})


def _bomb() -> bytes:
    """A workbook with a 20 MiB member of zeros: about 20 KB compressed, a ratio of ~1000."""
    buffer = io.BytesIO(_xlsx())
    with (
        zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet2.xml", "w") as member,
    ):
        chunk = bytes(MIB)
        for _ in range(20):
            member.write(chunk)
    return buffer.getvalue()


def _declare_size(content: bytes, member: str, size: int) -> bytes:
    """Rewrite a member's uncompressed size in the central directory (what the guard reads)."""
    data = bytearray(content)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == member.encode():
            struct.pack_into("<L", data, at + 24, size)
            return bytes(data)
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError(member)


def _refused(content: bytes, *, name: str = "отчёт.xlsx", max_mb: int = 20) -> Problem:
    with pytest.raises(IngestError) as caught:
        check_workbook(content, file_name=name, max_mb=max_mb)
    (problem,) = caught.value.problems
    assert problem.sheet is None and problem.row is None and problem.is_error
    assert CYRILLIC.search(problem.message), problem.message
    return problem


# --- check_workbook -----------------------------------------------------------------------------------


def test_a_plain_workbook_passes() -> None:
    check_workbook(_xlsx(), file_name="отчёт.xlsx", max_mb=1)


def test_a_workbook_with_formulas_passes_the_guard() -> None:
    check_workbook(_xlsx(lambda sheet: sheet.__setitem__("B3", "=1+1")), file_name="a.XLSX", max_mb=1)


def test_an_empty_file_is_refused() -> None:
    assert _refused(b"").code is ProblemCode.EMPTY_FILE


def test_an_oversized_file_is_refused_without_parsing() -> None:
    problem = _refused(b"x" * (MIB + 1), max_mb=1)
    assert problem.code is ProblemCode.FILE_TOO_LARGE
    assert problem.found == "файл размером 1,1 МБ"
    assert problem.expected == "файл не больше 1 МБ"


def test_csv_named_xlsx_is_refused() -> None:
    problem = _refused("Регион;Балл\nМосква;5\n".encode("cp1251"))
    assert problem.code is ProblemCode.NOT_XLSX
    assert "CSV" in problem.found
    assert "Книга Excel (*.xlsx)" in problem.expected


def test_unicode_text_saved_from_excel_is_refused_as_text() -> None:
    problem = _refused("\ufeffРегион\tБалл\r\n".encode("utf-16-le"))
    assert problem.code is ProblemCode.NOT_XLSX
    assert "текстовый" in problem.found


def test_an_old_binary_xls_is_refused() -> None:
    problem = _refused(OLE2 + bytes(1024), name="отчёт.xls")
    assert problem.code is ProblemCode.NOT_XLSX
    assert ".xls" in problem.found


def test_a_password_protected_workbook_is_refused_as_encrypted() -> None:
    ole2 = OLE2 + bytes(512) + "EncryptedPackage".encode("utf-16-le") + bytes(64)
    problem = _refused(ole2)
    assert problem.code is ProblemCode.ENCRYPTED
    assert "паролем" in problem.found


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "привет")
    assert _refused(buffer.getvalue()).code is ProblemCode.NOT_XLSX


def test_a_workbook_without_its_workbook_part_is_refused() -> None:
    problem = _refused(_rezip(_xlsx(), {"xl/workbook.xml": None}))
    assert problem.code is ProblemCode.NOT_XLSX


def test_a_word_document_named_xlsx_is_refused() -> None:
    content = _rezip(_xlsx(), {"xl/workbook.xml": None}, {"word/document.xml": b"<document/>"})
    assert "Word" in _refused(content).found


def test_a_truncated_zip_is_refused() -> None:
    content = _xlsx()
    assert _refused(content[: len(content) // 2]).code is ProblemCode.NOT_XLSX


def test_a_zip_with_a_corrupt_central_directory_is_refused() -> None:
    data = bytearray(_xlsx())
    start = data.find(b"PK\x01\x02")
    data[start : start + 40] = bytes(40)
    assert _refused(bytes(data)).code is ProblemCode.NOT_XLSX


def test_a_vba_project_is_refused() -> None:
    content = _rezip(_xlsx(), add={"xl/vbaProject.bin": b"\x00" * 100})
    assert _refused(content).code is ProblemCode.MACRO_ENABLED


@pytest.mark.parametrize("name", ["отчёт.xlsm", "шаблон.XLTM", "надстройка.xlam"])
def test_a_macro_extension_is_refused(name: str) -> None:
    assert _refused(_xlsx(), name=name).code is ProblemCode.MACRO_ENABLED


def test_a_macro_content_type_is_refused() -> None:
    content = _patch(_xlsx(), "[Content_Types].xml", rb"sheet\.main\+xml", b"sheet.macroEnabled.main+xml")
    assert _refused(content).code is ProblemCode.MACRO_ENABLED


def test_a_zip_bomb_is_refused_fast_and_without_memory_growth() -> None:
    content = _bomb()
    assert len(content) < 100_000
    tracemalloc.start()
    started = time.perf_counter()
    try:
        problem = _refused(content, max_mb=1)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert problem.code is ProblemCode.SUSPICIOUS_ARCHIVE
    assert "сжата в" in problem.found
    assert elapsed < 1.0
    assert peak < 5 * MIB


def test_a_huge_declared_size_is_refused() -> None:
    content = _declare_size(_xlsx(), SHEET, 300 * MIB)
    problem = _refused(content, max_mb=1)
    assert problem.code is ProblemCode.SUSPICIOUS_ARCHIVE
    assert "распаковывается в 300,1 МБ (допустимо не больше 200 МБ)" in problem.found
    assert "сжата в" in problem.found


def test_the_unpacked_limit_grows_with_the_upload_limit() -> None:
    assert unpacked_limit(1) == 200 * MIB
    assert unpacked_limit(50) == 1000 * MIB


def test_a_small_member_may_compress_very_well() -> None:
    check_workbook(_declare_size(_xlsx(), "xl/styles.xml", 900_000), file_name="a.xlsx", max_mb=1)


@pytest.mark.parametrize("name", ["../evil.xml", "xl/../../evil.xml", "/etc/evil.xml", "C:/evil.xml"])
def test_a_member_outside_the_workbook_is_refused(name: str) -> None:
    problem = _refused(_rezip(_xlsx(), add={name: b"<x/>"}))
    assert problem.code is ProblemCode.SUSPICIOUS_ARCHIVE
    assert name in problem.found


def test_too_many_members_are_refused() -> None:
    buffer = io.BytesIO(_xlsx())
    with zipfile.ZipFile(buffer, "a") as archive:
        for index in range(10_001):
            archive.writestr(f"xl/media/{index}.bin", b"")
    problem = _refused(buffer.getvalue())
    assert problem.code is ProblemCode.SUSPICIOUS_ARCHIVE
    assert "10\u00a0010 частей" in problem.found


def test_an_oversized_zip_index_is_refused_before_it_is_read() -> None:
    data = bytearray(_xlsx())
    struct.pack_into("<L", data, data.rfind(b"PK\x05\x06") + 12, 3 * MIB)
    problem = _refused(bytes(data))
    assert problem.code is ProblemCode.SUSPICIOUS_ARCHIVE
    assert "оглавление архива размером 3,0 МБ" in problem.found


def test_an_xml_bomb_in_content_types_is_refused() -> None:
    problem = _refused(_rezip(_xlsx(), {"[Content_Types].xml": BILLION_LAUGHS}))
    assert problem.code is ProblemCode.SUSPICIOUS_ARCHIVE
    assert "XML" in problem.found


def test_an_oversized_content_types_part_is_refused() -> None:
    padded = b"<Types>" + b" " * 1_000_001 + b"</Types>"
    assert _refused(_rezip(_xlsx(), {"[Content_Types].xml": padded})).code is ProblemCode.SUSPICIOUS_ARCHIVE


def test_describe_size_uses_a_decimal_comma_and_rounds_up() -> None:
    assert describe_size(int(25.25 * MIB)) == "25,3 МБ"
    assert describe_size(20 * MIB + 1) == "20,1 МБ"
    assert describe_size(512 * 1024) == "512 КБ"
    assert describe_size(10) == "10 Б"


# --- uncached_formulas ----------------------------------------------------------------------------------


def test_an_openpyxl_formula_has_no_cached_value() -> None:
    content = _xlsx(lambda sheet: sheet.__setitem__("B3", "=1+1"))
    assert uncached_formulas(content) == {"Лист1": ["B3"]}


def test_a_workbook_of_values_has_no_uncached_formula() -> None:
    assert uncached_formulas(_xlsx()) == {}


def test_a_formula_with_a_cached_value_is_fine() -> None:
    content = _xlsx(lambda sheet: sheet.__setitem__("B3", "=1+1"))
    assert uncached_formulas(_patch(content, SHEET, rb"<f>1\+1</f><v\s*(?:/>|></v>)", b"<f>1+1</f><v>2</v>")) == {}


def test_a_shared_formula_cell_counts_as_a_formula() -> None:
    rows = (
        '<row r="2"><c r="C2"><f t="shared" ref="C2:C3" si="0">A2*2</f><v>4</v></c></row>'
        '<row r="3"><c r="C3"><f t="shared" si="0"/></c></row>'
    )
    assert uncached_formulas(_with_sheet_xml(rows)) == {"Лист1": ["C3"]}
    cached = rows.replace('si="0"/></c>', 'si="0"/><v>6</v></c>')
    assert uncached_formulas(_with_sheet_xml(cached)) == {}


def test_an_empty_string_result_is_a_cached_value() -> None:
    rows = '<row r="1"><c r="A1" t="str"><f>""</f><v></v></c><c r="B1"><f>1/0</f><v></v></c></row>'
    assert uncached_formulas(_with_sheet_xml(rows)) == {"Лист1": ["B1"]}


def test_prefixed_namespace_and_cells_without_references() -> None:
    first_row = "<x:row><x:c><x:v>1</x:v></x:c><x:c><x:f>A1</x:f></x:c></x:row>"
    rows = first_row + "<x:row><x:c><x:f>B1</x:f></x:c></x:row>"
    assert uncached_formulas(_with_sheet_xml(rows, prefix="x")) == {"Лист1": ["B1", "A2"]}


def test_every_sheet_is_named_as_the_user_sees_it_and_the_list_is_limited() -> None:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Сводка"
    first["A1"] = 1
    second = workbook.create_sheet("Педагоги 2025")
    for row in range(1, 8):
        second[f"D{row}"] = f"=A{row}*2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert uncached_formulas(buffer.getvalue(), limit=3) == {"Педагоги 2025": ["D1", "D2", "D3"]}


def test_a_damaged_sheet_is_refused() -> None:
    content = _rezip(_xlsx(), {SHEET: b"<worksheet><sheetData><row><c><f>1"})
    with pytest.raises(IngestError) as caught:
        uncached_formulas(content)
    assert caught.value.problems[0].code is ProblemCode.NOT_XLSX


def test_an_xml_bomb_in_a_sheet_is_refused() -> None:
    bomb = BILLION_LAUGHS.replace(b"Types", b"worksheet").replace(b"&lol3;", b"<f>&lol3;</f>")
    with pytest.raises(IngestError) as caught:
        uncached_formulas(_rezip(_xlsx(), {SHEET: bomb}))
    assert caught.value.problems[0].code is ProblemCode.SUSPICIOUS_ARCHIVE


def test_the_formula_scan_finds_what_the_full_pattern_finds() -> None:
    pieces = [b"<f>", b"<f ", b"<f/", b"<f\n", b"<fo>", b"<x:f>", b"<x:fo", b":f>", b"a:f ", b"<!DOCTYPE", b"<!ENTITY",
              b"<!--", b"!", b"<c r='A1'>", b"<v>1</v>", b"x", b" ", b"<", b"f", b":", b"<_a.b-c:f\t", b"<1:f>",
              b"<a b:f>", b"<9x:f/", b"<x:y:f>"]  # fmt: skip
    rng = random.Random(7)
    for _ in range(20_000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        match = guard._FORMULA_OR_DTD.search(data)
        expected = None if match is None else b"<!" if match.group().startswith(b"<!") else b"<f"
        assert guard._first_formula_or_dtd(data) == expected, data


@pytest.mark.parametrize("tag", [b"<f>A1</f>", b"<x:f>A1</x:f>", b"<f/>"])
def test_a_formula_across_a_chunk_boundary_is_found(tag: bytes) -> None:
    for shift in range(-4, 5):
        padding = b" " * (guard._SCAN_CHUNK - len(b"<worksheet><sheetData><row><c>") - 2 + shift)
        sheet = b"<worksheet><sheetData><row><c>" + padding + tag + b"</c></row></sheetData></worksheet>"
        with ZipFile(io.BytesIO(_rezip(_xlsx(), {SHEET: sheet}))) as archive:
            assert guard._may_hold_formulas(archive, archive.getinfo(SHEET)), shift
