"""The upload pipeline: guard → read → recognise sheets → coerce → plan → preview → commit.

:func:`prepare` never writes: it returns a :class:`Preview` with every problem, the inferred
region and year (and where they came from) and what would be created, updated or left unchanged.
:func:`commit` writes a clean preview in one transaction under a new upload batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, text

from rsnms import export, store
from rsnms.errors import IngestError, Problem, ProblemCode, RsnmsError
from rsnms.ingest import guard, plan, resolve
from rsnms.ingest.coerce import coerce, parse_date
from rsnms.ingest.headers import HeaderMatch, find_header
from rsnms.ingest.read import CalamineError, RawSheet, read_workbook
from rsnms.ingest.schemas import SCHEMAS, Schema, diagnostics_wide
from rsnms.ingest.text import normalise

PERSONAL_HEADERS = re.compile(r"фио|фамилия|имя|отчество|снилс|телефон|e-?mail|почта|паспорт|адрес")
_YEAR_IN_TITLE = re.compile(r"(?:за|на|в)\s+(20\d\d)\s+год|(20\d\d)\s+год")
_AS_OF = re.compile(r"по состоянию на\s+(\d{1,2}\.\d{1,2}\.\d{4})")
_YEAR_ANYWHERE = re.compile(r"(?<!\d)(20[12]\d)(?!\d)")
ITEMS_SQL = """
    SELECT ri.id, ri.code, rm.code AS roadmap_code, r.code AS region, ri.item_no, ri.activity FROM roadmap_item ri
    JOIN roadmap rm ON rm.id = ri.roadmap_id JOIN region r ON r.id = rm.region_id WHERE r.code = :region
"""
REGION_WORDS = {
    "kirov": "киров",
    "ivanovo": "иванов",
    "krasnodar": "краснодар",
    "leningrad": "ленинград",
    "omsk": "омск",
}


@dataclass(frozen=True)
class SheetSummary:
    """A recognised sheet: its kind, header row and number of data rows."""

    name: str
    kind: str
    title: str
    header_row: int
    rows: int


@dataclass
class Preview:
    """What an upload would do, and everything wrong with it."""

    file_name: str
    sha256: str
    region: str | None = None
    region_source: str = ""
    year: int | None = None
    year_source: str = ""
    sheets: list[SheetSummary] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    changes: list[store.Change] = field(default_factory=list)
    writes: list[store.Write] = field(default_factory=list)
    dropped_columns: list[str] = field(default_factory=list)
    same_file_batch: int | None = None
    problem_rows: dict[tuple[str, int], list[object]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        """The problems that block the commit."""
        return [problem for problem in self.problems if problem.is_error]

    @property
    def has_changes(self) -> bool:
        """True when the upload would create or update at least one row."""
        return any(len(change.created) or len(change.updated) for change in self.changes)

    @property
    def can_commit(self) -> bool:
        """True when nothing blocks and something would change."""
        return not self.errors and self.has_changes

    def problems_frame(self) -> pd.DataFrame:
        """Every problem as a table with Russian headers, errors first."""
        rows = [
            ("ошибка" if p.is_error else "предупреждение", p.sheet or "", p.row, p.column or "", p.found, p.expected)
            for p in sorted(self.problems, key=lambda p: (not p.is_error, p.sheet or "", p.row or 0))
        ]
        columns = ["Вид", "Лист", "Строка", "Столбец", "Найдено", "Ожидается"]
        return pd.DataFrame(rows, columns=columns).astype({"Строка": "Int64"})

    def error_rows_xlsx(self) -> bytes:
        """«Строки с ошибками»: each row with a problem, as it was in the file, plus what is wrong."""
        records = []
        for problem in self.problems:
            cells = self.problem_rows.get((problem.sheet or "", problem.row or 0))
            if cells is not None:
                explanation = f"{problem.column or ''}: найдено {problem.found}; ожидается {problem.expected}"
                records.append(
                    {"Лист": problem.sheet, "Строка": problem.row, "Ошибка": explanation}
                    | {f"Столбец {i + 1}": value for i, value in enumerate(cells)}
                )
        return export.to_xlsx({"Строки с ошибками": pd.DataFrame(records), "Все проблемы": self.problems_frame()})

    def counts(self) -> pd.DataFrame:
        """Per table: created, updated, unchanged (Russian headers)."""
        rows = [(c.write.label, len(c.created), len(c.updated), c.unchanged) for c in self.changes]
        return pd.DataFrame(rows, columns=["Данные", "Новых", "Изменится", "Без изменений"])


def _recognise(sheet: RawSheet, schemas: Sequence[Schema]) -> HeaderMatch | None:
    """The schema whose header fits the sheet best: all required fields found, then the most fields."""
    matches = [match for match in (find_header(sheet, schema) for schema in schemas) if match and not match.missing]
    matches = [
        m for m in matches if m.schema.kind != "diagnostics_wide" or sum(k.startswith("score:") for k in m.columns) >= 2
    ]
    return max(matches, key=lambda match: match.score, default=None)


def _title_text(sheet: RawSheet, match: HeaderMatch, *, raw_text: bool = False) -> str:
    """The text above the header (normalised for matching, or as written)."""
    cells = [str(cell).strip() for row in sheet.rows[: match.header_index] for cell in row if cell not in ("", None)]
    text = " ".join(cells)
    return text if raw_text else normalise(text)


def _infer_year(titles: list[str], names: list[str]) -> tuple[int | None, str]:
    for title in titles:
        found = _YEAR_IN_TITLE.search(title) or _AS_OF.search(title)
        if found:
            value = next(group for group in found.groups() if group)
            return (parse_date(value).year if "." in value else int(value)), "по заголовку таблицы"  # type: ignore[union-attr]
    for source, label in ((names[1:], "по названию листа"), (names[:1], "по имени файла")):
        years = {int(year) for name in source for year in _YEAR_ANYWHERE.findall(name)}
        if len(years) == 1:
            return years.pop(), label
    return None, ""


def _infer_region(engine: Engine, frames: list[pd.DataFrame], texts: list[str]) -> tuple[str | None, str]:
    index = resolve.MunicipalityIndex(_municipalities(engine))
    votes: dict[str, int] = {}
    for frame in frames:
        for name in frame.get("municipality", pd.Series(dtype=object)).dropna().unique():
            for region in set(index.lookup(str(name)).regions):
                votes[region] = votes.get(region, 0) + 1
    if votes:
        return max(sorted(votes), key=lambda code: votes[code]), "по названиям муниципалитетов"
    named = {code for code, word in REGION_WORDS.items() if any(word in text for text in texts)}
    if len(named) == 1:
        return named.pop(), "по заголовку или имени файла"
    reports = [frame for frame in frames if "item_no" in frame and "activity" in frame]
    if reports:
        with engine.connect() as conn:
            items = pd.read_sql_query(text(ITEMS_SQL.replace("WHERE r.code = :region", "")), conn)
        named_by_items = plan.roadmap_region(pd.concat(reports), items)
        if named_by_items:
            return named_by_items, "по мероприятиям дорожной карты"
    return None, ""


def _municipalities(engine: Engine) -> pd.DataFrame:
    sql = "SELECT m.id, r.code AS region, m.name, m.kind FROM municipality m JOIN region r ON r.id = m.region_id"
    with engine.connect() as conn:
        return pd.read_sql_query(text(sql), conn)


def _reference(engine: Engine, region: str, pseudonym_key: str) -> plan.Reference:
    queries = {
        "region": "SELECT id FROM region WHERE code = :region",
        "areas": "SELECT id, code, name FROM competency_area ORDER BY sort_order",
        "indicators": "SELECT id, code, short_name, name, unit FROM indicator",
        "items": ITEMS_SQL,
        "roadmaps": """SELECT rm.code, rm.title, rm.period_start, rm.period_end FROM roadmap rm
                       JOIN region r ON r.id = rm.region_id WHERE r.code = :region""",
        "history": """SELECT a.municipality_id, a.metric, a.year, a.value FROM aggregate_count a
                      JOIN region r ON r.id = a.region_id WHERE r.code = :region AND a.municipality_id IS NOT NULL""",
    }
    with engine.connect() as conn:
        frames = {name: pd.read_sql_query(text(sql), conn, params={"region": region}) for name, sql in queries.items()}
    return plan.Reference(
        region_id=int(frames["region"]["id"].iloc[0]),
        region=region,
        municipalities=resolve.MunicipalityIndex(_municipalities(engine)),
        areas=frames["areas"],
        indicators=frames["indicators"],
        roadmap_items=frames["items"],
        roadmaps=frames["roadmaps"].assign(period_end=pd.to_datetime(frames["roadmaps"]["period_end"]).dt.date),
        pseudonym_key=pseudonym_key,
        history=frames["history"].astype({"municipality_id": "Int64"}),
    )


def _keep_problem_rows(preview: Preview, sheets: list[RawSheet]) -> None:
    """Remember the cells of every row a problem names (for «Скачать строки с ошибками»)."""
    by_name = {sheet.name: sheet for sheet in sheets}
    for problem in preview.problems:
        sheet = by_name.get(problem.sheet or "")
        if sheet is None or problem.row is None:
            continue
        cells = sheet.row(problem.row - sheet.first_row)
        if cells is not None:
            preview.problem_rows[(sheet.name, problem.row)] = list(cells)


Typed = tuple[RawSheet, HeaderMatch, pd.DataFrame, list[Problem]]


def _read(content: bytes) -> list[RawSheet] | CalamineError:
    """:func:`read_workbook`, or what calamine found wrong (reported after the formula scan's problems)."""
    try:
        return read_workbook(content)
    except CalamineError as error:
        return error


def _typed(sheets: list[RawSheet] | CalamineError, schemas: Sequence[Schema]) -> tuple[list[Typed], list[Problem]]:
    """Every recognised sheet with its typed frame and cell problems, or the problem that stops the upload."""
    if isinstance(sheets, CalamineError):
        return [], [_damaged(sheets)]
    recognised = [(sheet, match) for sheet in sheets if (match := _recognise(sheet, schemas))]
    if not recognised:
        expected = "лист с заголовками одного из шаблонов: " + ", ".join(f"«{s.title}»" for s in SCHEMAS)
        return [], [Problem(None, None, None, ProblemCode.NO_KNOWN_SHEET, "ни одного такого листа", expected)]
    try:
        return [(sheet, match, *coerce(sheet, match)) for sheet, match in recognised], []  # long sheets' bodies read
    except CalamineError as error:
        return [], [_damaged(error)]


def _damaged(error: CalamineError) -> Problem:
    damaged = f"повреждённая книга ({error})"
    return Problem(None, None, None, ProblemCode.NOT_XLSX, damaged, "книга Excel .xlsx, сохранённая заново")


def prepare(
    engine: Engine,
    content: bytes,
    *,
    file_name: str,
    max_mb: int,
    pseudonym_key: str,
    region: str | None = None,
    year: int | None = None,
) -> Preview:
    """Read, check and plan an upload without writing anything."""
    preview = Preview(file_name=file_name, sha256=hashlib.sha256(content).hexdigest())
    try:
        guard.check_workbook(content, file_name=file_name, max_mb=max_mb)
        with engine.connect() as conn:
            area_names = [str(name) for name in conn.execute(text("SELECT name FROM competency_area")).scalars()]
        # The formula scan inflates every sheet: it runs in a second thread while the bodies of long sheets are
        # read (fastexcel releases the GIL; the scan's regex holds it, so it would slow down cutting the first
        # rows of those sheets, which inflates them too; short sheets are at most 4 MB of XML, scanned in
        # hundredths of a second). The outcome is the one of running it first: its refusal wins, and the
        # formulas it finds are the first problems.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="formula-scan") as pool:
            sheets = _read(content)  # a short sheet whole, the first rows of a long one
            scan = pool.submit(guard.uncached_formulas, content)
            typed, stop = _typed(sheets, (*SCHEMAS, diagnostics_wide(area_names)))
            uncached = scan.result()
    except IngestError as error:
        preview.problems.extend(error.problems)
        return preview
    recalculate = "значение: откройте файл в Excel, пересчитайте и сохраните"
    for sheet_name, cells in uncached.items():
        code = ProblemCode.FORMULA_WITHOUT_VALUE
        cells_found = [f"формула без значения в ячейке {cell}" for cell in cells]
        preview.problems += [Problem(sheet_name, None, None, code, what, recalculate) for what in cells_found]
    preview.problems += stop
    if stop:
        return preview
    for sheet, match, frame, _ in typed:
        for title in match.extra.values():
            if PERSONAL_HEADERS.search(normalise(title)):
                preview.dropped_columns.append(f"{sheet.name}: {title}")
        preview.sheets.append(
            SheetSummary(
                sheet.name, match.schema.kind, match.schema.title, sheet.excel_row(match.header_index), len(frame)
            )
        )
    titles = [_title_text(sheet, match) for sheet, match, _, _ in typed]
    names = [normalise(file_name), *(normalise(sheet.name) for sheet, _, _, _ in typed)]
    inferred_year, year_source = _infer_year(titles, names)
    preview.year, preview.year_source = (year, "указан при загрузке") if year else (inferred_year, year_source)
    inferred_region, region_source = _infer_region(engine, [frame for _, _, frame, _ in typed], titles + names)
    preview.region, preview.region_source = (
        (region, "указан при загрузке") if region else (inferred_region, region_source)
    )
    if preview.region is None:
        preview.problems.extend(problem for *_, problems in typed for problem in problems)
        preview.problems.append(
            Problem(None, None, None, ProblemCode.REGION_UNRESOLVED, "", "регион: выберите его перед загрузкой")
        )
        return preview
    ref = _reference(engine, preview.region, pseudonym_key)
    as_of = next((d for t in titles if (m := _AS_OF.search(t)) and (d := parse_date(m.group(1)))), None)
    planned = [
        plan.Sheet(raw.name, match, frame, preview.year, as_of, found, _title_text(raw, match, raw_text=True))
        for raw, match, frame, found in typed
    ]
    for one in sorted(planned, key=lambda s: plan.KIND_ORDER.index(s.match.schema.kind)):
        preview.writes.extend(plan.BUILDERS[one.match.schema.kind](one, ref))
        preview.problems.extend(one.problems)
    _keep_problem_rows(preview, [sheet for sheet, *_ in typed])
    with engine.connect() as conn:
        preview.changes = [store.diff(conn, write) for write in preview.writes]
        same = "SELECT max(id) FROM upload_batch WHERE sha256 = :sha AND state = 'committed'"
        preview.same_file_batch = conn.execute(text(same), {"sha": preview.sha256}).scalar_one_or_none()
    return preview


def commit(engine: Engine, preview: Preview, *, user: str | None, now: dt.datetime) -> store.Committed:
    """Write a clean preview in one transaction; nothing is written when anything fails."""
    if preview.errors:
        raise RsnmsError("Загрузка не выполнена: сначала исправьте ошибки в файле.")
    if not preview.has_changes:
        raise RsnmsError("Загружать нечего: все строки файла уже есть в базе без изменений.")
    with engine.connect() as conn:
        region_id = conn.execute(text("SELECT id FROM region WHERE code = :r"), {"r": preview.region}).scalar_one()
    batch = {
        "kind": ",".join(dict.fromkeys(sheet.kind for sheet in preview.sheets)),
        "kinds": ", ".join(dict.fromkeys(sheet.title for sheet in preview.sheets)),
        "region_id": region_id,
        "file_name": preview.file_name[:255],
        "sha256": preview.sha256,
        "user_login": user,
        "created_at": now,
        "year": preview.year,
        "data_as_of": dt.date(preview.year, 12, 31) if preview.year else None,
        "n_rejected": 0,
        "state": "committed",
        "is_demo": False,
    }
    with engine.begin() as conn:
        return store.commit(conn, preview.writes, batch=batch)
