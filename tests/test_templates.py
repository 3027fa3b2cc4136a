"""Upload templates: sheets, header, example row, Excel validation, text safety and the round trip."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from typing import TypedDict

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine, text

from rsnms.errors import RsnmsError
from rsnms.ingest import pipeline, schemas
from rsnms.ingest.guard import uncached_formulas
from rsnms.ingest.schemas import BY_KIND, DATE, FLAG, INTEGER, NUMBER, SCHEMAS, YEAR, Field, Schema
from rsnms.ingest.templates import region_template, template, template_file_name

MUNICIPALITIES = ["г. Омск", "Крутинский муниципальный район", "Тарский муниципальный район"]
AREAS = ["нормативно-правовая", "предметная", "цифровая"]
INDICATORS = [("diag_deficits_share", "Прошли диагностику дефицитов"), ("iom_share", "Разработаны ИОМ")]
LEVELS = ["выраженный дефицит", "частичный дефицит", "дефицит отсутствует"]
STATUSES = ["выполнено", "выполнено частично", "в работе", "не начато", "не выполнено"]
OMSK_ITEM_1 = "Определение ответственного за организацию научно-методического сопровождения"
RANGE = re.compile(r"^'(?P<sheet>[^']+)'!\$(?P<col>[A-Z]+)\$(?P<first>\d+):\$(?P=col)\$(?P<last>\d+)$")
ROUND_TRIP_KINDS = [
    "indicators",
    "diagnostics",
    "methodists",
    "assignments",
    "targets",
    "organisations",
    "deficit_aggregate",
    "roadmap_reports",
]


class Lists(TypedDict):
    """The reference lists a template is built from."""

    municipalities: list[str]
    areas: list[str]
    indicators: list[tuple[str, str]]
    roadmap_items: list[tuple[str, str]]


def _book(
    kind: str,
    *,
    municipalities: Sequence[str] = MUNICIPALITIES,
    areas: Sequence[str] = AREAS,
    year: int | None = None,
    roadmap_items: Sequence[tuple[str, str]] = (),
) -> Workbook:
    content = template(
        kind, municipalities=municipalities, areas=areas, indicators=INDICATORS, year=year, roadmap_items=roadmap_items
    )
    return load_workbook(io.BytesIO(content))


def _validations(sheet: Worksheet) -> dict[str, DataValidation]:
    """Column letter → the validation of its data rows."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        ref = str(validation.sqref)
        letter = re.match(r"[A-Z]+", ref)
        assert letter is not None
        found[letter.group()] = validation
    return found


def _list_values(book: Workbook, formula: str | None) -> list[str]:
    """The cells a list validation's range formula points to."""
    assert formula is not None
    found = RANGE.match(formula)
    assert found, formula
    sheet = book[found["sheet"]]
    cells = sheet[f"{found['col']}{found['first']}:{found['col']}{found['last']}"]
    return [row[0].value for row in cells]


def _expected_list(field: Field) -> list[str] | None:
    lists = {
        "municipality": MUNICIPALITIES,
        "area": AREAS,
        "level": LEVELS,
        "status": STATUSES,
        "indicator": [code for code, _ in INDICATORS],
    }
    if field.type == FLAG:
        return ["да", "нет"]
    return lists.get(field.key)


def _expected_example(field: Field, value: object) -> object:
    if value in (None, ""):
        return None
    if field.type == DATE:
        return dt.datetime.strptime(str(value), "%d.%m.%Y")
    if field.type in (INTEGER, YEAR, NUMBER):
        return value
    return str(value)


def _column(sheet: Worksheet, letter: str) -> list[object]:
    return [cell.value for cell in sheet[letter] if cell.value is not None]


def _instruction_rows(book: Workbook) -> list[tuple[object, ...]]:
    return [tuple(row) for row in book["Инструкция"].iter_rows(values_only=True)]


def _instruction_text(book: Workbook) -> str:
    return "\n".join(" | ".join(str(cell) for cell in row if cell is not None) for row in _instruction_rows(book))


LISTED_FIELDS = {"municipality", "area", "level", "status", "indicator"}

# --- every kind -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda schema: schema.kind)
def test_template_has_instruction_data_sheet_and_hidden_lists(schema: Schema) -> None:
    book = _book(schema.kind)
    # a kind without a single coded column (the roadmap items: number, text, deadline text) needs no lists
    lists = ["Списки"] if any(f.key in LISTED_FIELDS or f.type == FLAG for f in schema.fields) else []
    assert book.sheetnames == ["Инструкция", schema.title, *lists]
    assert [sheet.sheet_state for sheet in book.worksheets] == ["visible", "visible", *(["hidden"] if lists else [])]
    data = book[schema.title]
    assert [cell.value for cell in data[1]] == [field.title for field in schema.fields]
    assert all(cell.font.b for cell in data[1])
    assert data.freeze_panes == "A2"
    assert data.max_row == 2


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda schema: schema.kind)
def test_example_row_is_the_schema_example_typed(schema: Schema) -> None:
    data = _book(schema.kind)[schema.title]
    for index, field in enumerate(schema.fields, start=1):
        cell = data.cell(2, index)
        assert cell.value == _expected_example(field, schema.example.get(field.key)), field.key
        if field.type == DATE and cell.value is not None:
            assert cell.number_format == "DD.MM.YYYY"
            assert cell.is_date


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda schema: schema.kind)
def test_every_typed_or_listed_column_is_validated(schema: Schema) -> None:
    book = _book(schema.kind)
    validations = _validations(book[schema.title])
    for index, field in enumerate(schema.fields, start=1):
        letter = chr(ord("A") + index - 1)
        listed = _expected_list(field)
        if listed is None and field.type not in (INTEGER, YEAR, NUMBER, DATE):
            assert letter not in validations, field.key
            continue
        validation = validations[letter]
        assert str(validation.sqref) == f"{letter}2:{letter}5001"
        assert validation.allow_blank
        if listed is not None:
            assert validation.type == "list"
            assert _list_values(book, validation.formula1) == listed
        elif field.type == DATE:
            assert (validation.type, validation.operator) == ("date", "between")
            assert (validation.formula1, validation.formula2) == ("42005", "49674")  # 01.01.2015, 31.12.2035
        else:
            assert validation.type == ("decimal" if field.type == NUMBER else "whole")
            if field.minimum is not None and field.maximum is not None:
                expected = ("between", f"{field.minimum:g}", f"{field.maximum:g}")
                assert (validation.operator, validation.formula1, validation.formula2) == expected
            elif field.minimum is not None:
                assert (validation.operator, validation.formula1) == ("greaterThanOrEqual", f"{field.minimum:g}")


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda schema: schema.kind)
def test_instruction_lists_every_column_with_its_requirement(schema: Schema) -> None:
    book = _book(schema.kind)
    rows = _instruction_rows(book)
    assert rows[0][0] == f"Шаблон загрузки «{schema.title}»"
    assert rows[1][0] == schema.description
    header = rows.index(("Столбец", "Обязательный", "Что вписать", "Пример"))
    table = rows[header + 1 : header + 1 + len(schema.fields)]
    assert [row[0] for row in table] == [field.title for field in schema.fields]
    assert [row[1] for row in table] == ["да" if field.required else "нет" for field in schema.fields]
    assert all(row[2] for row in table)


# --- what the instruction and the data sheet say -----------------------------------------------------------


def test_indicator_template_values_ranges_and_rules() -> None:
    book = _book("indicators", year=2023)
    data = book["Показатели"]
    assert [cell.value for cell in data[2]][:8] == ["г. Омск", 2023, 7735, 490, 1691, 1247, 556, 155]
    validations = _validations(data)
    assert (validations["A"].type, validations["A"].formula1) == ("list", "'Списки'!$A$2:$A$4")
    assert (validations["B"].type, validations["B"].formula1, validations["B"].formula2) == ("whole", "2015", "2035")
    assert (validations["C"].type, validations["C"].operator, validations["C"].formula1) == (
        "whole",
        "greaterThanOrEqual",
        "0",
    )
    assert (validations["M"].type, validations["M"].formula1) == ("decimal", "0")  # Региональные методисты (ставки)
    assert validations["C"].error == "Ожидается целое число не меньше 0"
    rows = {row[0]: row for row in _instruction_rows(book) if row[0]}
    assert rows["Всего педагогических работников"][1:4] == ("нет", "целое число не меньше 0", "7735")
    assert str(rows["Год"][2]).startswith("год от 2015 до 2035")
    assert rows["Муниципальное образование"][1] == "да"
    instruction = _instruction_text(book)
    assert "1. Одна строка — один муниципалитет за один год." in instruction
    assert "Не объединяйте ячейки в области данных" in instruction
    assert "без единиц измерения" in instruction
    assert "Над строкой заголовков можно оставить строку с названием таблицы" in instruction
    assert "ФИО, СНИЛС, телефоны, адреса электронной почты" in instruction
    assert "только кодом ЦНППМ" in instruction and "псевдоним" in instruction
    assert "«Муниципальное образование»: лист «Списки», столбец A «Муниципальные образования»." in instruction
    assert "Отчётный год: 2023." in instruction


def test_diagnostics_template_has_a_real_date_and_level_words() -> None:
    book = _book("diagnostics")
    data = book["Диагностика"]
    assert data["K2"].value == dt.datetime(2024, 10, 15)
    assert data["K2"].number_format == "DD.MM.YYYY"
    assert data["I2"].value == 64
    validations = _validations(data)
    assert _list_values(book, validations["J"].formula1) == LEVELS
    assert validations["J"].errorStyle == "stop"
    assert validations["A"].errorStyle == "warning"  # other spellings of a municipality are accepted
    assert (validations["I"].type, validations["I"].formula1, validations["I"].formula2) == ("decimal", "0", "100")
    rows = {row[0]: row for row in _instruction_rows(book) if row[0]}
    assert rows["Балл"][2] == "число от 0 до 100"
    assert str(rows["Дата диагностики"][2]).startswith("дата ДД.ММ.ГГГГ")
    assert rows["Код педагога"][2] == "текст; код ЦНППМ; в базе хранится только псевдоним"
    assert str(rows["Уровень"][2]).startswith("одно из значений: «выраженный дефицит», «частичный дефицит»")
    assert (
        rows["Компетенция"][2] == "компетенция из выпадающего списка: «нормативно-правовая», «предметная», «цифровая»"
    )


def test_roadmap_statuses_and_organisation_flags_are_dropdowns() -> None:
    roadmap = _book("roadmap_reports")
    validations = _validations(roadmap["Дорожная карта"])
    assert _list_values(roadmap, validations["E"].formula1) == STATUSES
    assert roadmap["Дорожная карта"]["F2"].value == dt.datetime(2022, 4, 29)
    organisations = _book("organisations")
    flags = _validations(organisations["Справочник ОО"])
    assert {flags[letter].formula1 for letter in "EFG"} == {"'Списки'!$B$2:$B$3"}  # one «да/нет» list for three
    assert _column(organisations["Списки"], "B") == ["Да или нет", "да", "нет"]


def test_targets_template_lists_indicator_codes_and_names() -> None:
    book = _book("targets", year=2025)
    data = book["Целевые значения"]
    assert [cell.value for cell in data[2]] == ["diag_deficits_share", None, 2025, 30]
    validations = _validations(data)
    assert _list_values(book, validations["A"].formula1) == ["diag_deficits_share", "iom_share"]
    assert _column(book["Списки"], "B") == ["Названия показателей", *(name for _, name in INDICATORS)]
    assert (validations["D"].type, validations["D"].operator) == ("decimal", "between")
    rows = _instruction_rows(book)
    assert ("iom_share", None, "Разработаны ИОМ", None) in rows


def test_long_lists_are_referenced_by_range_not_inline() -> None:
    many = [f"Муниципальный район номер {number:03d} с длинным названием" for number in range(120)]
    book = _book("methodists", municipalities=many)
    validation = _validations(book["Методисты"])["B"]
    assert validation.formula1 == "'Списки'!$A$2:$A$121"
    assert _list_values(book, validation.formula1) == many
    assert book["Списки"].sheet_state == "hidden"


def test_without_lists_there_is_no_lists_sheet() -> None:
    book = _book("methodists", municipalities=[])
    assert book.sheetnames == ["Инструкция", "Методисты"]
    validations = _validations(book["Методисты"])
    assert list(validations) == ["D"]
    assert (validations["D"].type, validations["D"].formula1, validations["D"].formula2) == ("decimal", "0", "2")


def test_example_is_fitted_to_the_region_lists() -> None:
    kirov = ["г. Киров", "Слободской муниципальный район"]
    data = _book("deficit_aggregate", municipalities=kirov, areas=["предметная"], year=2024)["Дефициты (сводно)"]
    assert [cell.value for cell in data[2]] == ["г. Киров", "предметная", 1200, 370, 71.5, 2024]


def test_roadmap_example_is_the_first_item_of_the_region_roadmap() -> None:
    data = _book("roadmap_reports")["Дорожная карта"]
    assert data["B2"].value == BY_KIND["roadmap_reports"].example["activity"]
    items = [("1", OMSK_ITEM_1 + " …"), ("2", "Второе мероприятие")]
    data = _book("roadmap_reports", roadmap_items=items)["Дорожная карта"]
    assert (data["A2"].value, data["B2"].value) == ("1", OMSK_ITEM_1 + " …")


def test_file_names() -> None:
    assert template_file_name("indicators") == "шаблон_показатели.xlsx"
    assert template_file_name("deficit_aggregate") == "шаблон_дефициты_сводно.xlsx"
    assert template_file_name("organisations") == "шаблон_справочник_оо.xlsx"
    assert template_file_name("targets") == "шаблон_целевые_значения.xlsx"
    with pytest.raises(RsnmsError, match="Неизвестный вид загрузки «nope»"):
        template_file_name("nope")
    with pytest.raises(RsnmsError):
        template("nope", municipalities=[], areas=[])


# --- text stays text ------------------------------------------------------------------------------------------


def test_text_starting_like_a_formula_is_stored_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    risky = {"methodist_code": '=HYPERLINK("http://x","x")', "specialisation": "+7 912", "fte": 1}
    methodists = dataclasses.replace(BY_KIND["methodists"], example={**risky, "municipality": "-Омск"})
    monkeypatch.setitem(schemas.BY_KIND, "methodists", methodists)
    content = template("methodists", municipalities=["-Омск", "=1+1", "@район"], areas=[])
    data = load_workbook(io.BytesIO(content))["Методисты"]
    cells = [data["A2"], data["B2"], data["C2"]]
    assert [cell.value for cell in cells] == ['=HYPERLINK("http://x","x")', "-Омск", "+7 912"]
    assert [cell.data_type for cell in cells] == ["s", "s", "s"]
    assert data["A2"].quotePrefix
    lists = load_workbook(io.BytesIO(content))["Списки"]
    assert [(cell.value, cell.data_type) for cell in lists["A"][1:]] == [("-Омск", "s"), ("=1+1", "s"), ("@район", "s")]
    assert uncached_formulas(content) == {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(name) or b"<f " in archive.read(name) for name in sheets)


# --- the round trip through the upload pipeline ------------------------------------------------------------------


def _omsk(engine: Engine) -> Lists:
    queries = {
        "municipalities": "SELECT m.name FROM municipality m JOIN region r ON r.id = m.region_id "
        "WHERE r.code = 'omsk' ORDER BY m.sort_order",
        "areas": "SELECT name FROM competency_area ORDER BY sort_order",
        "indicators": "SELECT code, short_name FROM indicator ORDER BY code",
        "roadmap_items": "SELECT ri.item_no, ri.activity FROM roadmap_item ri JOIN roadmap rm ON rm.id = ri.roadmap_id "
        "JOIN region r ON r.id = rm.region_id WHERE r.code = 'omsk' ORDER BY ri.id",
    }
    with engine.connect() as conn:
        rows = {name: conn.execute(text(sql)).all() for name, sql in queries.items()}
    return Lists(
        municipalities=[str(row[0]) for row in rows["municipalities"]],
        areas=[str(row[0]) for row in rows["areas"]],
        indicators=[(str(row[0]), str(row[1])) for row in rows["indicators"]],
        roadmap_items=[(str(row[0]), str(row[1])) for row in rows["roadmap_items"]],
    )


def _prepare(engine: Engine, kind: str, content: bytes) -> pipeline.Preview:
    return pipeline.prepare(
        engine, content, file_name=template_file_name(kind), max_mb=20, pseudonym_key="k", region="omsk", year=2024
    )


@pytest.mark.parametrize("kind", ROUND_TRIP_KINDS)
def test_an_untouched_omsk_template_uploads_cleanly(ref_engine: Engine, kind: str) -> None:
    lists = _omsk(ref_engine)
    assert len(lists["municipalities"]) == 33
    content = template(kind, year=2024, **lists)
    preview = _prepare(ref_engine, kind, content)
    assert [(sheet.name, sheet.kind, sheet.header_row, sheet.rows) for sheet in preview.sheets] == [
        (BY_KIND[kind].title, kind, 1, 1)
    ]
    assert [problem.message for problem in preview.errors] == []
    assert preview.can_commit
    assert (preview.region, preview.year) == ("omsk", 2024)


@pytest.mark.parametrize("kind", ROUND_TRIP_KINDS)
def test_instruction_and_lists_are_not_read_as_data_even_when_shown(ref_engine: Engine, kind: str) -> None:
    book = load_workbook(io.BytesIO(template(kind, year=2024, **_omsk(ref_engine))))
    book["Списки"].sheet_state = "visible"
    buffer = io.BytesIO()
    book.save(buffer)
    preview = _prepare(ref_engine, kind, buffer.getvalue())
    assert [sheet.kind for sheet in preview.sheets] == [kind]
    assert [problem.message for problem in preview.errors] == []


def test_roadmap_template_without_the_region_items_keeps_the_short_example(ref_engine: Engine) -> None:
    lists = _omsk(ref_engine)
    content = template("roadmap_reports", municipalities=lists["municipalities"], areas=lists["areas"])
    preview = _prepare(ref_engine, "roadmap_reports", content)
    assert [sheet.kind for sheet in preview.sheets] == ["roadmap_reports"]
    # «Определение ответственного…» is no item's text: matched by the text, refused at its column
    assert [problem.column for problem in preview.errors] == ["Наименование мероприятия"]


def test_region_template_round_trips_through_the_pipeline(ref_engine: Engine) -> None:
    content = region_template(ref_engine, "roadmap_reports", region="omsk", year=2022)
    preview = pipeline.prepare(ref_engine, content, file_name="шаблон.xlsx", max_mb=20, pseudonym_key="k")
    assert (preview.region, preview.errors, [s.kind for s in preview.sheets]) == ("omsk", [], ["roadmap_reports"])
