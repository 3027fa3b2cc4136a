"""Downloadable .xlsx templates of the upload kinds (design.md §5).

A template has three sheets: «Инструкция» (what each column takes and the filling rules), the data
sheet named after the kind (header in row 1, one example row, Excel validation on the rows below)
and, hidden, «Списки» with the values of the dropdown lists, referenced by range because Excel
limits an inline list to 255 characters. Everything the user reads is Russian. Text is always
written as text: a value starting with = + - @ never becomes a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine

from rsnms import queries
from rsnms.errors import RsnmsError
from rsnms.ingest import schemas
from rsnms.ingest.coerce import parse_date, parse_number
from rsnms.ingest.schemas import DATE, FLAG, INTEGER, NUMBER, TEXT, YEAR, Field, Schema

Operator = Literal["between", "greaterThanOrEqual", "lessThanOrEqual"]

INSTRUCTION_SHEET = "Инструкция"
LISTS_SHEET = "Списки"
FIRST_DATA_ROW = 2
LAST_DATA_ROW = 5001
LEVELS = ("выраженный дефицит", "частичный дефицит", "дефицит отсутствует")
STATUSES = ("выполнено", "выполнено частично", "в работе", "не начато", "не выполнено")
FLAGS = ("да", "нет")
DATE_FORMAT = "DD.MM.YYYY"
FIRST_DATE, LAST_DATE = dt.date(2015, 1, 1), dt.date(2035, 12, 31)
EXCEL_EPOCH = dt.date(1899, 12, 30)
NO_BOUND = 1_000_000_000
FORMULA_STARTS = ("=", "+", "-", "@")
SHORT_LIST = 150  # a list up to this many characters is spelled out in the instruction
LINE_WIDTH = 120  # characters of a wrapped instruction line over columns A:D
PROMPT_LIMIT = 255  # Excel's limit for a validation's input and error messages
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")

ROW_UNITS = {
    "indicators": "один муниципалитет за один год",
    "diagnostics": "один педагог по одной компетенции на одну дату диагностики",
    "methodists": "один региональный методист",
    "assignments": "одна образовательная организация, закреплённая за одним методистом",
    "roadmap_reports": "одно мероприятие дорожной карты",
    "targets": "один показатель на один год (для региона в целом или для одного муниципалитета)",
    "organisations": "одна образовательная организация",
    "deficit_aggregate": "один муниципалитет и одна компетенция",
}
TYPE_WORDS = {
    TEXT: "текст",
    INTEGER: "целое число",
    NUMBER: "число",
    YEAR: "год",
    DATE: "дата ДД.ММ.ГГГГ",
    FLAG: "«да» или «нет»",
}
# What the upload does with an empty optional cell, where that matters (kind, field key) → note.
NOTES = {
    ("indicators", "year"): "пусто — год, указанный при загрузке или в названии таблицы",
    ("deficit_aggregate", "year"): "пусто — год, указанный при загрузке или в названии таблицы",
    ("diagnostics", "level"): "можно не заполнять, если указан балл: уровень определится по шкале",
    ("diagnostics", "date"): "пусто — дата из строки «по состоянию на ДД.ММ.ГГГГ» над таблицей",
    ("roadmap_reports", "item_no"): "номер мероприятия в дорожной карте региона",
    ("roadmap_reports", "report_date"): "пусто — дата из строки «по состоянию на ДД.ММ.ГГГГ» над таблицей",
    ("targets", "indicator"): "можно вписать и название показателя (см. таблицу ниже)",
    ("targets", "municipality"): "пусто — целевое значение для региона в целом",
    ("targets", "target"): "для показателя в процентах — от 0 до 100",
    ("methodists", "fte"): "пусто — одна ставка",
}


@dataclass(frozen=True)
class ValueList:
    """A dropdown list: its heading on «Списки», its values and whether other values are refused."""

    heading: str
    values: tuple[str, ...]
    strict: bool
    what: str = ""  # what the column takes, for a list that allows other values
    names: tuple[str, ...] = ()  # a second column shown next to the values (indicator names)


@dataclass(frozen=True)
class Column:
    """A field of the data sheet with its letter and, when it has one, its dropdown list and range."""

    field: Field
    letter: str
    values: ValueList | None = None
    list_letter: str = ""  # the column of «Списки» that holds the list

    @property
    def source(self) -> str:
        """The range of the list on «Списки», e.g. 'Списки'!$A$2:$A$34."""
        size = len(self.values.values) if self.values is not None else 0
        return f"'{LISTS_SHEET}'!${self.list_letter}$2:${self.list_letter}${size + 1}"


def template_file_name(kind: str) -> str:
    """The download name of a kind's template, e.g. «шаблон_показатели.xlsx»."""
    words = re.sub(r"\W+", "_", _schema(kind).title.lower()).strip("_")
    return f"шаблон_{words}.xlsx"


def template(
    kind: str,
    *,
    municipalities: Sequence[str],
    areas: Sequence[str],
    indicators: Sequence[tuple[str, str]] = (),
    year: int | None = None,
    roadmap_items: Sequence[tuple[str, str]] = (),
) -> bytes:
    """An .xlsx template of an upload kind with lists from the region's reference data."""
    # indicators: (code, name); roadmap_items: (number, activity), the first becomes the roadmap example.
    schema = _schema(kind)
    lists = {f.key: found for f in schema.fields if (found := _value_list(f, municipalities, areas, indicators))}
    example = _example(schema, lists, year, roadmap_items)
    workbook = Workbook()
    instruction, data = workbook.worksheets[0], workbook.create_sheet(schema.title)
    letters = _write_lists(workbook.create_sheet(LISTS_SHEET), lists.values()) if lists else {}
    columns = _columns(schema, lists, letters)
    _write_data(data, schema, columns, example)
    _write_instruction(instruction, schema, columns, example, year)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def describe(kind: str, field: Field, values: ValueList | None = None) -> str:
    """What a column takes, in Russian («целое число не меньше 0», «дата ДД.ММ.ГГГГ»)."""
    if values is not None and (values.strict or len(", ".join(values.values)) <= SHORT_LIST):
        text = f"{values.what or 'одно из значений'}: " + ", ".join(f"«{value}»" for value in values.values)
    elif values is not None:
        text = f"{values.what} (выберите значение в ячейке)"
    else:
        text = TYPE_WORDS[field.type] + _range_words(field)
    extras = [note for note in (field.help, NOTES.get((kind, field.key), "")) if note]
    return "; ".join([text, *extras])


# --- the workbook's sheets ----------------------------------------------------------------------------


def _schema(kind: str) -> Schema:
    try:
        return schemas.BY_KIND[kind]
    except KeyError:
        raise RsnmsError(f"Неизвестный вид загрузки «{kind}».") from None


def _value_list(
    field: Field, municipalities: Sequence[str], areas: Sequence[str], indicators: Sequence[tuple[str, str]]
) -> ValueList | None:
    """The dropdown list of a field, if it has one and it is not empty."""
    if field.key == "municipality":
        what = "название муниципального образования из выпадающего списка"
        found = ValueList("Муниципальные образования", tuple(municipalities), strict=False, what=what)
    elif field.key == "area":
        found = ValueList("Компетенции", tuple(areas), strict=False, what="компетенция из выпадающего списка")
    elif field.key == "indicator":
        codes, names = tuple(code for code, _ in indicators), tuple(name for _, name in indicators)
        what = "код показателя из выпадающего списка"
        found = ValueList("Коды показателей", codes, strict=False, what=what, names=names)
    elif field.key == "level":
        found = ValueList("Уровни", LEVELS, strict=True)
    elif field.key == "status":
        found = ValueList("Статусы мероприятий", STATUSES, strict=True)
    elif field.type == FLAG:
        found = ValueList("Да или нет", FLAGS, strict=True)
    else:
        return None
    return found if found.values else None


def _example(
    schema: Schema, lists: dict[str, ValueList], year: int | None, roadmap_items: Sequence[tuple[str, str]]
) -> dict[str, object]:
    """The schema's example, fitted to the region: listed values, the year, the roadmap's first item."""
    example = dict(schema.example)
    for key, values in lists.items():
        if key in example and example[key] not in ("", None) and example[key] not in values.values:
            example[key] = values.values[0]
    if year is not None and any(f.key == "year" for f in schema.fields):
        example["year"] = year
    if schema.kind == "roadmap_reports" and roadmap_items:
        example["item_no"], example["activity"] = roadmap_items[0]
    return example


def _columns(schema: Schema, lists: dict[str, ValueList], letters: dict[str, str]) -> list[Column]:
    """The data sheet's columns in field order, each with its list and where the list is."""
    columns = []
    for index, field in enumerate(schema.fields, start=1):
        values = lists.get(field.key)
        list_letter = letters[values.heading] if values is not None else ""
        columns.append(Column(field, get_column_letter(index), values, list_letter))
    return columns


def _write_lists(sheet: Worksheet, lists: Iterable[ValueList]) -> dict[str, str]:
    """Write each distinct list in its own column of the hidden sheet; heading → column letter."""
    sheet.sheet_state = "hidden"
    letters: dict[str, str] = {}
    column = 0
    for values in lists:
        if values.heading in letters:
            continue
        column += 1
        letters[values.heading] = _write_list_column(sheet, column, values.heading, values.values)
        if values.names:
            column += 1
            _write_list_column(sheet, column, "Названия показателей", values.names)
    return letters


def _write_list_column(sheet: Worksheet, column: int, heading: str, values: Sequence[str]) -> str:
    """Write a list under its heading in a column of «Списки»; the column letter."""
    letter: str = get_column_letter(column)
    _put(sheet, 1, column, heading).font = BOLD
    for row, value in enumerate(values, start=2):
        _put(sheet, row, column, value)
    sheet.column_dimensions[letter].width = _fit(len(text) for text in (heading, *values))
    return letter


def _write_data(sheet: Worksheet, schema: Schema, columns: Sequence[Column], example: dict[str, object]) -> None:
    """Header in row 1, the example in row 2, widths, the frozen header and the validations."""
    for index, column in enumerate(columns, start=1):
        header = _put(sheet, 1, index, column.field.title)
        header.font, header.fill = BOLD, HEADER_FILL
        header.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        _put_example(_cell(sheet, FIRST_DATA_ROW, index), column.field, example.get(column.field.key))
        width = _fit(len(text) for text in (_display(example.get(column.field.key)), *_values_of(column)))
        sheet.column_dimensions[column.letter].width = max(width, _fit([math.ceil(len(column.field.title) / 2)]))
        if column.field.type == TEXT:
            sheet.column_dimensions[column.letter].number_format = "@"
        elif column.field.type == DATE:
            sheet.column_dimensions[column.letter].number_format = DATE_FORMAT
        validation = _validation(schema.kind, column)
        if validation is not None:
            sheet.add_data_validation(validation)
    lines = max(math.ceil(len(c.field.title) / sheet.column_dimensions[c.letter].width) for c in columns)
    sheet.row_dimensions[1].height = 15 * max(lines, 2)
    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"


def _write_instruction(
    sheet: Worksheet, schema: Schema, columns: Sequence[Column], example: dict[str, object], year: int | None
) -> None:
    """Title, description, the table of columns, the filling rules and where the lists are."""
    sheet.title = INSTRUCTION_SHEET
    for letter, width in zip("ABCD", (38, 14, 70, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    row = _line(sheet, 1, f"Шаблон загрузки «{schema.title}»", Font(bold=True, size=14))
    row = _line(sheet, row, schema.description)
    if year is not None:
        row = _line(sheet, row, f"Отчётный год: {year}.")
    row = _line(sheet, row + 1, f"Столбцы листа «{schema.title}»", BOLD)
    for index, heading in enumerate(("Столбец", "Обязательный", "Что вписать", "Пример"), start=1):
        _put(sheet, row, index, heading).font = BOLD
    for column in columns:
        row += 1
        required = "да" if column.field.required else "нет"
        example_text = _display(example.get(column.field.key))
        texts = (column.field.title, required, describe(schema.kind, column.field, column.values), example_text)
        for index, text in enumerate(texts, start=1):
            _put(sheet, row, index, text).alignment = WRAP
    row = _line(sheet, row + 2, "Правила заполнения", BOLD)
    for number, rule in enumerate(_rules(schema, columns), start=1):
        row = _line(sheet, row, f"{number}. {rule}")
    if any(column.values for column in columns):
        row = _line(sheet, row + 1, "Списки значений", BOLD)
        for text in _list_places(columns):
            row = _line(sheet, row, text)
    indicators = next((c.values for c in columns if c.field.key == "indicator" and c.values), None)
    if indicators is not None:
        _indicator_table(sheet, row + 1, indicators)


def _rules(schema: Schema, columns: Sequence[Column]) -> list[str]:
    """The general filling rules, in Russian."""
    rules = [
        f"Одна строка — {ROW_UNITS.get(schema.kind, 'одна запись')}.",
        f"Заполняйте лист «{schema.title}» начиная со строки 2. Строка 2 — пример: замените её своими данными "
        "или удалите.",
        "Обязательные столбцы заполняйте в каждой строке; необязательные можно оставить пустыми или удалить. "
        "Названия столбцов не меняйте; порядок столбцов можно менять.",
        "Не объединяйте ячейки в области данных (под строкой заголовков).",
        "Числа вписывайте без единиц измерения и пояснений: «1247», а не «1247 чел.»; дробную часть отделяйте запятой.",
    ]
    if any(column.field.type == DATE for column in columns):
        rules.append("Даты вписывайте в формате ДД.ММ.ГГГГ, например 15.10.2024.")
    rules += [
        "Над строкой заголовков можно оставить строку с названием таблицы, например "
        f"«{schema.title} за 2024 год» или «… по состоянию на 01.12.2024»: из неё берутся год и дата отчёта, "
        "когда их нет в самих строках.",
        "Не вносите персональные данные: ФИО, СНИЛС, телефоны, адреса электронной почты. Педагогов указывайте "
        "только кодом ЦНППМ: в базе хранится не сам код, а его псевдоним. Столбцы с персональными данными "
        "не загружаются.",
        f"Лист «{INSTRUCTION_SHEET}» при загрузке не читается; его можно удалить.",
    ]
    return rules


def _list_places(columns: Sequence[Column]) -> list[str]:
    """Where each column's dropdown values are on the hidden «Списки» sheet."""
    texts = [
        f"Значения выпадающих списков — на скрытом листе «{LISTS_SHEET}» (чтобы его увидеть, щёлкните правой "
        "кнопкой мыши по ярлыку любого листа и выберите «Показать»). Значение выбирается стрелкой справа от ячейки."
    ]
    for column in columns:
        if column.values is not None:
            heading, letter = column.values.heading, column.list_letter
            texts.append(f"«{column.field.title}»: лист «{LISTS_SHEET}», столбец {letter} «{heading}».")
    return texts


def _indicator_table(sheet: Worksheet, row: int, indicators: ValueList) -> None:
    row = _line(sheet, row, "Показатели", BOLD)
    _put(sheet, row, 1, "Код").font = BOLD
    _put(sheet, row, 3, "Название").font = BOLD
    for code, name in zip(indicators.values, indicators.names, strict=True):
        row += 1
        _put(sheet, row, 1, code)
        _put(sheet, row, 3, name).alignment = WRAP


def _line(sheet: Worksheet, row: int, text: str, font: Font | None = None) -> int:
    """Write a line of text in column A (a long one wraps over A:D); the next free row."""
    cell = _put(sheet, row, 1, text)
    if font is not None:
        cell.font = font
    if len(text) > LINE_WIDTH:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        cell.alignment = WRAP
        sheet.row_dimensions[row].height = 15 * math.ceil(len(text) / LINE_WIDTH)
    return row + 1


# --- cells ----------------------------------------------------------------------------------------------


def _put(sheet: Worksheet, row: int, column: int, value: str) -> Cell:
    """Write text as text: never a formula, even when it starts with = + - @."""
    cell = _cell(sheet, row, column)
    _set_text(cell, value)
    return cell


def _cell(sheet: Worksheet, row: int, column: int) -> Cell:
    cell = sheet.cell(row, column)
    assert isinstance(cell, Cell), "a template never merges cells"
    return cell


def _set_text(cell: Cell, value: str) -> None:
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True  # Excel keeps it text when the user edits the cell


def _put_example(cell: Cell, field: Field, value: object) -> None:
    """An example value typed as its field: a real date, a whole number, a decimal, text."""
    if value is None or value == "":
        return
    if field.type == DATE and (date := parse_date(value)) is not None:
        cell.value, cell.number_format = date, DATE_FORMAT
        return
    number = parse_number(value) if field.type in (INTEGER, YEAR, NUMBER) else None
    if number is not None:
        cell.value = int(number) if number.is_integer() else number
        cell.number_format = "0" if field.type in (INTEGER, YEAR) else "General"
        return
    if field.type == FLAG and isinstance(value, bool):
        value = FLAGS[0] if value else FLAGS[1]
    _set_text(cell, str(value))
    cell.number_format = "@"


def _display(value: object) -> str:
    """An example value as the user reads it (decimal comma, ДД.ММ.ГГГГ)."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def _values_of(column: Column) -> tuple[str, ...]:
    return column.values.values if column.values is not None else ()


def _fit(lengths: Iterable[int]) -> int:
    """A column width for texts of these lengths, between 12 and 50 characters."""
    return min(max([12, *(length + 2 for length in lengths)]), 50)


# --- validation -----------------------------------------------------------------------------------------


def _validation(kind: str, column: Column) -> DataValidation | None:
    """The Excel validation of a column's data rows: a dropdown, a number range or a date range."""
    field = column.field
    if column.values is not None:
        found = DataValidation(type="list", formula1=column.source, allow_blank=True)
        found.errorStyle = "stop" if column.values.strict else "warning"
    elif field.type in (INTEGER, YEAR, NUMBER):
        operator, first, second = _bounds(field)
        number: Literal["decimal", "whole"] = "decimal" if field.type == NUMBER else "whole"
        found = DataValidation(type=number, operator=operator, formula1=first, formula2=second, allow_blank=True)
    elif field.type == DATE:
        first, last = (str((day - EXCEL_EPOCH).days) for day in (FIRST_DATE, LAST_DATE))
        found = DataValidation(type="date", operator="between", formula1=first, formula2=last, allow_blank=True)
    else:
        return None
    expected = describe(kind, field, column.values)
    found.showErrorMessage, found.showInputMessage = True, True
    found.errorTitle, found.error = "Недопустимое значение", f"Ожидается {expected}"[:PROMPT_LIMIT]
    found.prompt = expected[:PROMPT_LIMIT]
    found.add(f"{column.letter}{FIRST_DATA_ROW}:{column.letter}{LAST_DATA_ROW}")
    return found


def _bounds(field: Field) -> tuple[Operator, str, str | None]:
    """(operator, formula1, formula2) of a number field's range."""
    low, high = field.minimum, field.maximum
    if low is not None and high is not None:
        return "between", f"{low:g}", f"{high:g}"
    if low is not None:
        return "greaterThanOrEqual", f"{low:g}", None
    if high is not None:
        return "lessThanOrEqual", f"{high:g}", None
    return "between", str(-NO_BOUND), str(NO_BOUND)


def _range_words(field: Field) -> str:
    low, high = field.minimum, field.maximum
    if low is not None and high is not None:
        return f" от {low:g} до {high:g}"
    if low is not None:
        return f" не меньше {low:g}"
    if high is not None:
        return f" не больше {high:g}"
    return ""


def region_template(engine: Engine, kind: str, *, region: str, year: int | None = None) -> bytes:
    """The template of a kind filled with the region's lists (municipalities, areas, indicators, roadmap)."""
    items = queries.roadmap_items(engine, region=region)
    indicators = queries.indicator_catalogue(engine, region=region, include_all=True)
    return template(
        kind,
        municipalities=queries.municipalities(engine, region=region)["name"].tolist(),
        areas=queries.competency_areas(engine)["name"].tolist(),
        indicators=list(zip(indicators["code"], indicators["short_name"], strict=True)),
        year=year,
        roadmap_items=list(zip(items["item_no"], items["activity"], strict=True)),
    )
