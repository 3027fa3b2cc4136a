"""From typed sheet frames to store writes, one builder per upload kind, collecting every problem.

Each builder resolves what the sheet names (municipalities, organisations, areas, roadmap items,
indicators) against the reference, checks the kind's cross-field rules and duplicate keys, and
returns :class:`rsnms.store.Write` objects, parents first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from rsnms import roadmap
from rsnms.errors import Problem, ProblemCode
from rsnms.ingest import resolve
from rsnms.ingest.coerce import ROW
from rsnms.ingest.headers import HeaderMatch
from rsnms.ingest.read import object_array
from rsnms.ingest.schemas import METRIC_KEYS
from rsnms.ingest.text import normalise
from rsnms.pseudonym import pseudonymise
from rsnms.store import Ref, Write

UPLOADED_TARGET_SOURCE = "целевые значения"


@dataclass(frozen=True)
class Reference:
    """What the builders match against: the region's units and the catalogues."""

    region_id: int
    region: str
    municipalities: resolve.MunicipalityIndex
    areas: pd.DataFrame  # id, code, name
    indicators: pd.DataFrame  # id, code, short_name, name, unit
    roadmap_items: pd.DataFrame  # id, code, roadmap_code, region, item_no, activity
    roadmaps: pd.DataFrame  # code, title, period_start, period_end of the region
    pseudonym_key: str
    history: pd.DataFrame  # municipality_id, metric, year, value: the region's stored aggregate counts


@dataclass
class Sheet:
    """One recognised sheet: its typed rows, where its header is, and the problems found so far."""

    name: str
    match: HeaderMatch
    frame: pd.DataFrame
    year: int | None
    as_of: dt.date | None
    problems: list[Problem] = field(default_factory=list)
    title: str = ""  # the text above the header, as written

    def problem(
        self, row: int | None, key: str | None, code: ProblemCode, found: str, expected: str, *, is_error: bool = True
    ) -> None:
        """Record a problem at an Excel row and a field's column, unless that cell already has one."""
        column = self.match.titles.get(key, key) if key else None
        if row is not None and any(p.row == row and p.column == column for p in self.problems):
            return
        self.problems.append(Problem(self.name, row, column, code, found, expected, is_error))

    def column(self, key: str) -> pd.Series:
        """The typed values of a field (all None when the sheet has no such column)."""
        if key in self.frame:
            return self.frame[key]
        return pd.Series([None] * len(self.frame), index=self.frame.index, dtype=object)


def _by_distinct(values: pd.Series) -> tuple[npt.NDArray[np.intp], list[object]] | None:
    """(codes, distinct values) of a column of texts and Nones, equal texts sharing a code (None: -1).

    None when the column holds anything else (a value that only compares equal to another of a different
    type, or NaN): the caller then works row by row.
    """
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    distinct = list(uniques)
    if not all(value.__class__ is str for value in distinct):
        return None
    missing = np.flatnonzero(codes == -1)
    if len(missing) and any(value is not None for value in values.iloc[missing]):
        return None
    return codes, distinct


def _municipality_ids(sheet: Sheet, ref: Reference, *, required: bool = True) -> pd.Series:
    names = sheet.column("municipality")
    grouped = _by_distinct(names)
    if grouped is not None:  # a sheet names its few municipalities many times over: look each up once
        codes, distinct = grouped
        matches = [ref.municipalities.lookup(str(name), region=ref.region) for name in distinct]
        found = object_array([match.ids[0] if len(match.ids) == 1 else None for match in matches] + [None])
        unresolved = np.array([len(match.ids) != 1 for match in matches] + [False], dtype=bool)
        for index in np.flatnonzero(unresolved[codes]):
            _unresolved_municipality(
                sheet, int(sheet.frame[ROW].iloc[index]), distinct[codes[index]], matches[codes[index]], required
            )
        return pd.Series(found[codes], index=sheet.frame.index, dtype=object)
    ids: list[int | None] = []
    cache: dict[str, resolve.Match] = {}
    for row, name in zip(sheet.frame[ROW], names, strict=True):
        if name is None:
            ids.append(None)
            continue
        if name not in cache:
            cache[name] = ref.municipalities.lookup(name, region=ref.region)
        match = cache[name]
        if len(match.ids) == 1:
            ids.append(match.ids[0])
            continue
        ids.append(None)
        _unresolved_municipality(sheet, row, name, match, required)
    return pd.Series(ids, index=sheet.frame.index, dtype=object)


def _unresolved_municipality(sheet: Sheet, row: int, name: object, match: resolve.Match, required: bool) -> None:
    """The problem of a row whose municipality name fits several units or none."""
    if len(match.ids) > 1:
        sheet.problem(row, "municipality", ProblemCode.AMBIGUOUS_MUNICIPALITY, f"«{name}»", "однозначное название")
    elif required:
        expected = "название муниципального образования региона из справочника"
        sheet.problem(row, "municipality", ProblemCode.UNKNOWN_MUNICIPALITY, f"«{name}»", expected)


def _year_column(sheet: Sheet) -> pd.Series:
    years = sheet.column("year").where(sheet.column("year").notna(), sheet.year)
    if years.isna().any():
        first = int(sheet.frame.loc[years.isna(), ROW].iloc[0])
        sheet.problem(first, None, ProblemCode.YEAR_UNRESOLVED, "", "отчётный год: укажите его при загрузке")
    return years


def _duplicates(sheet: Sheet, frame: pd.DataFrame, key: list[str], values: list[str]) -> pd.DataFrame:
    """Drop repeated keys; a repeat with other values is a problem (the first row wins)."""
    repeated = frame[frame.duplicated(key, keep=False)]
    for _, group in repeated.groupby(key, dropna=False, sort=False):
        if len(group[values].astype(str).drop_duplicates()) > 1:
            rows = ", ".join(str(row) for row in group[ROW].tolist()[:5])
            sheet.problem(
                int(group[ROW].iloc[1]),
                None,
                ProblemCode.DUPLICATE_CONFLICT,
                f"строки {rows}",
                "одна строка на ключ (повторы с разными значениями)",
            )
    return frame.drop_duplicates(key, keep="first")


def _organisations(sheet: Sheet, frame: pd.DataFrame, ref: Reference) -> Write:
    """Organisations the rows name; unknown ones are created with the batch (undo removes them)."""
    known = frame.dropna(subset=["municipality_id", "organisation"])
    rows = known[["municipality_id", "organisation"]].drop_duplicates().rename(columns={"organisation": "name"})
    rows["region_id"] = ref.region_id
    return Write("organisation", "Образовательные организации", rows, ("municipality_id", "name"), ("region_id",))


# --- the kinds ----------------------------------------------------------------------------------


def indicators(sheet: Sheet, ref: Reference) -> list[Write]:
    """Показатели: one row per municipality, one column per counted metric."""
    frame = sheet.frame.assign(municipality_id=_municipality_ids(sheet, ref), year=_year_column(sheet))
    metrics = [key for key in METRIC_KEYS if key in frame]
    checks = [
        ("diag_passed", ("ped_workers_total", "managers_total")),
        ("iom_developed", ("diag_passed",)),
        ("young_teachers_supported", ("young_teachers_total",)),
        ("mgmt_teams_trained", ("orgs_total",)),
        ("orgs_mentoring_model", ("orgs_total",)),
    ]
    for part, wholes in checks:
        if part in frame and all(whole in frame for whole in wholes):
            total = frame[list(wholes)].sum(axis=1, min_count=len(wholes))
            for row, value, limit in zip(frame[ROW], frame[part], total, strict=True):
                if value is not None and pd.notna(limit) and value > limit:
                    expected = f"не больше, чем «{' + '.join(sheet.match.titles[w] for w in wholes)}» ({limit:g})"
                    sheet.problem(row, part, ProblemCode.CROSS_FIELD, str(value), expected)
    long = frame.melt(id_vars=[ROW, "municipality_id", "year"], value_vars=metrics, var_name="metric")
    long = long.dropna(subset=["municipality_id", "year", "value"]).assign(
        region_id=ref.region_id, organisation_id=None
    )
    long = _duplicates(sheet, long, ["municipality_id", "year", "metric"], ["value"])
    _warn_outliers(sheet, long, ref.history)
    key = ("region_id", "municipality_id", "organisation_id", "year", "metric")
    return [Write("aggregate_count", "Сводные показатели", long[[*key, "value"]], key, ("value",))]


OUTLIER_SIGMAS = 3
OUTLIER_MIN_YEARS = 3


def _warn_outliers(sheet: Sheet, rows: pd.DataFrame, history: pd.DataFrame) -> None:
    """Warn (never block) when a value is more than 3σ away from the municipality's earlier years."""
    if history.empty or rows.empty:
        return
    merged = rows.merge(history, on=["municipality_id", "metric"], suffixes=("", "_past"))
    merged = merged[merged["year_past"] != merged["year"]]
    stats = merged.groupby([ROW, "metric", "value"])["value_past"].agg(["mean", "std", "count"]).reset_index()
    stats = stats[(stats["count"] >= OUTLIER_MIN_YEARS) & (stats["std"] > 0)]
    for row in stats[(stats["value"] - stats["mean"]).abs() > OUTLIER_SIGMAS * stats["std"]].to_dict("records"):
        expected = f"значение около {row['mean']:.0f} (в прошлые годы ±{row['std']:.0f}); проверьте, нет ли опечатки"
        sheet.problem(
            int(row[ROW]), str(row["metric"]), ProblemCode.OUTLIER, f"{row['value']:g}", expected, is_error=False
        )


def _level(sheet: Sheet, row: int, word: object, score: object) -> str | None:
    """The level the file names (its word wins over the scale when results are counted), or None for a score alone."""
    if word is not None:
        code = resolve.level_code(str(word))
        if code is None:
            expected = "«выраженный дефицит», «частичный дефицит» или «дефицит отсутствует»"
            sheet.problem(row, "level", ProblemCode.UNKNOWN_CODE, f"«{word}»", expected)
        return code
    if score is None:
        sheet.problem(row, "score", ProblemCode.REQUIRED_VALUE, "пусто", "балл или уровень дефицита")
    return None


def _levels(sheet: Sheet, words: pd.Series, scores: pd.Series) -> pd.Series:
    """:func:`_level` of every row; each distinct word is looked up once, problems are still raised in row order."""
    rows = sheet.frame[ROW].to_numpy()
    grouped = _by_distinct(words)
    if grouped is None:
        levels = [_level(sheet, int(row), word, score) for row, word, score in zip(rows, words, scores, strict=True)]
        return pd.Series(levels, index=sheet.frame.index, dtype=object)
    codes, distinct = grouped
    found = [resolve.level_code(str(word)) for word in distinct]
    wrong = np.array([code is None for code in found] + [False], dtype=bool)[codes]  # an unknown word
    wordless = np.flatnonzero(codes == -1)
    wrong[wordless] = [score is None for score in scores.iloc[wordless]]  # neither a word nor a score
    for index in np.flatnonzero(wrong):
        _level(sheet, int(rows[index]), words.iloc[index], scores.iloc[index])  # records the problem
    return pd.Series(object_array([*found, None])[codes], index=sheet.frame.index, dtype=object)


def _area_ids(sheet: Sheet, ref: Reference, names: pd.Series, key: str) -> pd.Series:
    ids = {str(code): int(area) for code, area in zip(ref.areas["code"], ref.areas["id"], strict=True)}
    grouped = _by_distinct(names)
    if grouped is not None:  # each distinct name is matched once
        positions, distinct = grouped
        codes_found = [resolve.area_code(str(name), ref.areas) for name in distinct]
        found = object_array([int(ids[code]) if code else None for code in codes_found] + [None])
        unknown = np.array([code is None for code in codes_found] + [False], dtype=bool)
        rows = sheet.frame[ROW].to_numpy()
        for index in np.flatnonzero(unknown[positions]):
            expected = "компетенция из списка: " + ", ".join(ref.areas["name"])
            name = distinct[positions[index]]
            sheet.problem(int(rows[index]), key, ProblemCode.UNKNOWN_CODE, f"«{name}»", expected)
        return pd.Series(found[positions], index=sheet.frame.index, dtype=object)
    codes = {name: resolve.area_code(str(name), ref.areas) for name in names.dropna().unique()}
    result: list[int | None] = []
    for row, name in zip(sheet.frame[ROW], names, strict=True):
        code = codes.get(name) if name is not None else None
        if code is None and name is not None:
            expected = "компетенция из списка: " + ", ".join(ref.areas["name"])
            sheet.problem(row, key, ProblemCode.UNKNOWN_CODE, f"«{name}»", expected)
        result.append(int(ids[code]) if code else None)
    return pd.Series(result, index=sheet.frame.index, dtype=object)


PERSON_COLUMNS = ("organisation_id", "position", "subject", "birth_year", "career_start_year", "qualification")
ORGANISATION_REF = Ref(
    "organisation_id", "organisation", {"municipality_id": "municipality_id", "organisation": "name"}
)
EDUCATOR_REF = Ref("educator_id", "educator", {"region_id": "region_id", "pseudo_key": "pseudo_key"})


def _pseudonyms(frame: pd.DataFrame, ref: Reference) -> list[str | None]:
    """The keyed pseudonym of each row's teacher (None where the code is missing: that row is dropped)."""
    grouped = _by_distinct(frame["teacher_id"])
    if grouped is not None:  # one HMAC per teacher, not per row
        positions, distinct = grouped
        keys = [pseudonymise(str(teacher), key=ref.pseudonym_key) for teacher in distinct]
        return list(object_array([*keys, None])[positions])
    cache: dict[str, str] = {}
    for teacher in frame["teacher_id"].dropna().unique():
        cache[str(teacher)] = pseudonymise(str(teacher), key=ref.pseudonym_key)
    return [cache.get(str(teacher)) if teacher is not None else None for teacher in frame["teacher_id"]]


def _stable_order(values: pd.Series) -> npt.NDArray[np.intp]:
    """The positions that sort ``values`` ascending, equal values (and missing ones, last) in file order.

    Sorting the ranks of the distinct values instead of the values: a column of dates is an object
    column, which numpy would sort by comparing Python objects.
    """
    codes, _ = pd.factorize(values.to_numpy(dtype=object), sort=True)
    ranks = np.where(codes < 0, len(codes), codes)
    return np.argsort(ranks, kind="stable")


def _people(sheet: Sheet, frame: pd.DataFrame, ref: Reference, *, order: str | None = None) -> list[Write]:
    """Organisations and educators named by person-level rows (``frame`` has pseudo_key, municipality_id).

    Only the person columns the sheet has are written over stored educators; a new educator gets the
    rest empty, and its category from the position (pedagogue when none is given).
    """
    positions = _stable_order(frame[order]) if order else np.arange(len(frame))
    last = ~pd.Series(frame["pseudo_key"].to_numpy()[positions]).duplicated(keep="last").to_numpy()
    people = frame.iloc[positions[last]].assign(region_id=ref.region_id)  # each person's last row, in that order
    present = [column for column in PERSON_COLUMNS if column.removesuffix("_id") in sheet.frame]
    for column in (
        "organisation",
        "municipality_id",
        "position",
        "subject",
        "birth_year",
        "career_start_year",
        "qualification",
    ):
        if column not in people:
            people[column] = None
    people[["position", "subject", "qualification"]] = people[["position", "subject", "qualification"]].fillna("")
    grouped = _by_distinct(people["position"])
    if grouped is not None:  # a few positions, each worked out once
        codes, distinct = grouped
        people["category"] = object_array([resolve.category(str(position)) for position in distinct] + [None])[codes]
    else:
        people["category"] = [resolve.category(position) for position in people["position"]]
    values = tuple(present) + (("category",) if "position" in present else ())
    insert_only = tuple(c for c in (*PERSON_COLUMNS, "category") if c not in values)
    rows = people[["region_id", "pseudo_key", "municipality_id", "organisation", "category", *PERSON_COLUMNS[1:]]]
    writes = [_organisations(sheet, frame, ref)] if "organisation" in sheet.frame else []
    educator = Write(
        "educator", "Педагоги (псевдонимы)", rows, ("region_id", "pseudo_key"), values, (ORGANISATION_REF,), insert_only
    )
    return [*writes, educator]


def diagnostics(sheet: Sheet, ref: Reference) -> list[Write]:
    """Диагностика: person × competency rows; teachers pseudonymised, organisations created if new."""
    frame = sheet.frame.assign(municipality_id=_municipality_ids(sheet, ref))
    frame["area_id"] = _area_ids(sheet, ref, sheet.column("area"), "area")
    frame["level_code"] = _levels(sheet, sheet.column("level"), sheet.column("score"))
    dates = sheet.column("date").where(sheet.column("date").notna(), sheet.as_of)
    for row in frame.loc[dates.isna(), ROW].head(1):
        sheet.problem(int(row), "date", ProblemCode.NOT_A_DATE, "пусто", "дата диагностики или отчётный период")
    frame["taken_on"], frame["year"] = dates, [d.year if d is not None else None for d in dates]
    frame["pseudo_key"] = _pseudonyms(frame, ref)
    frame = frame.dropna(subset=["pseudo_key", "municipality_id", "area_id", "taken_on"])
    frame["score"] = sheet.column("score")
    frame = frame[frame["level_code"].notna() | frame["score"].notna()]
    frame = _duplicates(sheet, frame, ["pseudo_key", "area_id", "taken_on"], ["score", "level_code"])
    frame["organisation"] = sheet.column("organisation")
    results = frame.assign(region_id=ref.region_id, is_latest=_latest(frame))
    columns = ["region_id", "pseudo_key", "area_id", "taken_on", "year", "municipality_id", "organisation"]
    values = ("year", "organisation_id", "municipality_id", "score", "level_code")
    result = Write(
        "diagnostic_result",
        "Результаты диагностики",
        results[[*columns, "score", "level_code", "is_latest"]],
        ("educator_id", "area_id", "taken_on"),
        values,
        (EDUCATOR_REF, ORGANISATION_REF),
        ("is_latest",),
    )
    return [*_people(sheet, frame, ref, order="taken_on"), result]


def _latest(frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Whether each result is its educator's latest in the area that year among the file's results.

    Inserted with the rows, so that ``store.refresh_results`` only has to correct the flags stored results
    change (results of earlier uploads), instead of rewriting every re-assessed educator's earlier rows.
    """
    order = _stable_order(frame["taken_on"])
    groups = pd.DataFrame({key: frame[key].to_numpy()[order] for key in ("pseudo_key", "area_id", "year")})
    latest = np.empty(len(frame), dtype=bool)
    latest[order] = ~groups.duplicated(keep="last").to_numpy()
    return latest


def diagnostics_wide(sheet: Sheet, ref: Reference) -> list[Write]:
    """Диагностика (по столбцам): one score column per area, turned into the long layout."""
    scores = [str(key) for key in sheet.frame.columns if str(key).startswith("score:")]
    long = sheet.frame.melt(
        id_vars=[c for c in sheet.frame if c not in scores], value_vars=scores, var_name="area", value_name="score"
    ).dropna(subset=["score"])
    long["area"] = long["area"].str.removeprefix("score:")
    titles = {**sheet.match.titles, "area": "Компетенция", "score": "Балл"}
    as_long = Sheet(
        sheet.name,
        dataclasses.replace(sheet.match, titles=titles),
        long.reset_index(drop=True),
        sheet.year,
        sheet.as_of,
        sheet.problems,
    )
    return diagnostics(as_long, ref)


def teachers(sheet: Sheet, ref: Reference) -> list[Write]:
    """Педагоги: the pseudonymised roster (code, workplace, position, years, category)."""
    frame = sheet.frame.assign(municipality_id=_municipality_ids(sheet, ref))
    frame["pseudo_key"] = _pseudonyms(frame, ref)
    frame = frame.dropna(subset=["municipality_id", "pseudo_key"])
    frame = _duplicates(sheet, frame, ["pseudo_key"], ["organisation", "position"])
    return _people(sheet, frame, ref)


def _person_rows(sheet: Sheet, ref: Reference, key: list[str], values: list[str]) -> pd.DataFrame:
    """Rows of a person-level event sheet with pseudonyms and (optional) municipality ids."""
    frame = sheet.frame.assign(municipality_id=_municipality_ids(sheet, ref, required=False))
    frame["pseudo_key"] = _pseudonyms(frame, ref)
    return _duplicates(sheet, frame.dropna(subset=["pseudo_key"]), ["pseudo_key", *key], values)


IOM_STATUSES = (
    ("completed", ("заверш", "выполнен", "реализован")),
    ("draft", ("проект", "разрабат")),
    ("withdrawn", ("отозван", "отменен", "прекращ")),
    ("active", ("реализу", "в работе", "действ", "утвержд")),
)


def iom(sheet: Sheet, ref: Reference) -> list[Write]:
    """ИОМ: an individual route per teacher and date, with its status."""
    frame = _person_rows(sheet, ref, ["created_on"], ["iom_status"])
    frame = frame.dropna(subset=["created_on"])
    words = [normalise(word) if word is not None else "" for word in sheet.column("iom_status").loc[frame.index]]
    frame["status"] = [
        next((code for code, stems in IOM_STATUSES if any(s in w for s in stems)), "active") for w in words
    ]
    frame["year"] = [d.year for d in frame["created_on"]]
    frame["based_on_diagnostics"] = sheet.column("based_on_diagnostics").loc[frame.index].fillna(True).astype(bool)
    rows = frame.assign(region_id=ref.region_id)[
        ["region_id", "pseudo_key", "created_on", "year", "status", "based_on_diagnostics"]
    ]
    write = Write(
        "iom", "ИОМ", rows, ("educator_id", "created_on"), ("year", "status", "based_on_diagnostics"), (EDUCATOR_REF,)
    )
    return [*_people(sheet, frame, ref), write]


def programmes(sheet: Sheet, ref: Reference) -> list[Write]:
    """Программы ДПО: the catalogue (in the ФР ДППО or not), and per provider and year the counts."""
    frame = sheet.frame.assign(region_id=ref.region_id)
    frame["area_id"] = _area_ids(sheet, ref, sheet.column("area"), "area")
    frame["in_federal_register"] = frame["in_register"].fillna(False).astype(bool)
    frame["for_management_teams"] = sheet.column("for_management_teams").fillna(False).astype(bool)
    frame["hours"] = sheet.column("hours")
    frame = _duplicates(sheet, frame, ["provider", "title"], ["in_federal_register", "hours"])
    values = ("hours", "in_federal_register", "area_id", "for_management_teams")
    catalogue = Write(
        "dpo_programme",
        "Программы ДПО",
        frame[["region_id", "provider", "title", *values]],
        ("region_id", "provider", "title"),
        values,
    )
    return [catalogue, *_provider_counts(sheet, frame, ref)]


def _provider_counts(sheet: Sheet, frame: pd.DataFrame, ref: Reference) -> list[Write]:
    """Programmes run and those in the ФР ДППО per provider and year (the fr_dpo_programs_share inputs)."""
    if "year" not in sheet.frame and sheet.year is None:
        return []
    years = frame.assign(year=_year_column(sheet).loc[frame.index]).dropna(subset=["year"])
    counts = years.groupby(["provider", "year"]).agg(total=("title", "size"), in_fr=("in_federal_register", "sum"))
    rows = counts.reset_index().melt(id_vars=["provider", "year"], value_vars=["total", "in_fr"], var_name="metric")
    rows["metric"] = rows["metric"].map({"total": "dpo_programs_total", "in_fr": "dpo_programs_in_fr"})
    rows = rows.assign(region_id=ref.region_id, municipality_id=None, organisation=rows["provider"])
    provider = Ref("organisation_id", "organisation", {"region_id": "region_id", "organisation": "name"})
    key = ("region_id", "municipality_id", "organisation_id", "year", "metric")
    return [Write("aggregate_count", "Программы ДПО по организациям", rows, key, ("value",), (provider,))]


def course_completions(sheet: Sheet, ref: Reference) -> list[Write]:
    """Курсы ДПО: who completed which programme when, and whether it was chosen per diagnostics."""
    frame = _person_rows(sheet, ref, ["provider", "title", "completed_on"], ["selected"])
    frame = frame.dropna(subset=["completed_on"]).assign(region_id=ref.region_id)
    frame["year"] = [d.year for d in frame["completed_on"]]
    frame["selected_per_diagnostics"] = sheet.column("selected").loc[frame.index].fillna(False).astype(bool)
    catalogue = frame.drop_duplicates(["provider", "title"]).assign(
        in_federal_register=sheet.column("in_register").loc[frame.index].fillna(False).astype(bool)
    )
    values = ("in_federal_register",) if "in_register" in sheet.frame else ()
    programme_write = Write(
        "dpo_programme",
        "Программы ДПО",
        catalogue[["region_id", "provider", "title", "in_federal_register"]],
        ("region_id", "provider", "title"),
        values,
        insert_only=("in_federal_register",) if not values else (),
    )
    programme = Ref(
        "programme_id", "dpo_programme", {"region_id": "region_id", "provider": "provider", "title": "title"}
    )
    rows = frame[["region_id", "pseudo_key", "provider", "title", "completed_on", "year", "selected_per_diagnostics"]]
    completion = Write(
        "course_completion",
        "Освоение программ ДПО",
        rows,
        ("educator_id", "programme_id", "completed_on"),
        ("year", "selected_per_diagnostics"),
        (EDUCATOR_REF, programme),
    )
    return [*_people(sheet, frame, ref), programme_write, completion]


def support(sheet: Sheet, ref: Reference) -> list[Write]:
    """Поддержка молодых педагогов: a teacher in a form of support from a date."""
    frame = _person_rows(sheet, ref, ["form", "started_on"], ["form"]).dropna(subset=["started_on"])
    frame = frame.assign(region_id=ref.region_id, year=[d.year for d in frame["started_on"]])
    frame["form"] = frame["form"].str.lower()
    rows = frame[["region_id", "pseudo_key", "form", "started_on", "year"]]
    write = Write(
        "support_participation",
        "Участие в формах поддержки",
        rows,
        ("educator_id", "form", "started_on"),
        ("year",),
        (EDUCATOR_REF,),
    )
    return [*_people(sheet, frame, ref), write]


def caseload(sheet: Sheet, ref: Reference) -> list[Write]:
    """Нагрузка методистов: teachers a methodist serves in a municipality (counts, no person links)."""
    frame = sheet.frame.assign(municipality_id=_municipality_ids(sheet, ref), year=_year_column(sheet))
    frame = frame.assign(code=frame["methodist_code"].str.upper(), region_id=ref.region_id, fte=sheet.column("fte"))
    frame = _duplicates(
        sheet, frame.dropna(subset=["municipality_id", "year"]), ["code", "municipality_id", "year"], ["n_teachers"]
    )
    methodist = Ref("methodist_id", "methodist", {"region_id": "region_id", "code": "code"})
    new_methodists = frame.drop_duplicates("code")[["region_id", "code", "municipality_id"]]
    rows = frame[["region_id", "code", "year", "municipality_id", "n_teachers", "fte"]]
    return [
        Write(
            "methodist",
            "Региональные методисты",
            new_methodists,
            ("region_id", "code"),
            (),
            insert_only=("municipality_id",),
        ),
        Write(
            "methodist_caseload",
            "Нагрузка методистов",
            rows,
            ("methodist_id", "year", "municipality_id"),
            ("n_teachers", "fte"),
            (methodist,),
        ),
    ]


def methodists(sheet: Sheet, ref: Reference) -> list[Write]:
    """Методисты: code, home municipality, specialisation, FTE (1 when not given)."""
    frame = sheet.frame.assign(municipality_id=_municipality_ids(sheet, ref), region_id=ref.region_id)
    frame["fte"] = sheet.column("fte").fillna(1.0)
    frame["specialisation"] = sheet.column("specialisation").fillna("")
    frame["code"] = frame["methodist_code"].str.upper()
    frame = _duplicates(sheet, frame, ["code"], ["municipality_id", "specialisation", "fte"])
    values = ("municipality_id", "specialisation", "fte")
    return [
        Write(
            "methodist", "Региональные методисты", frame[["region_id", "code", *values]], ("region_id", "code"), values
        )
    ]


def assignments(sheet: Sheet, ref: Reference) -> list[Write]:
    """Закрепление: methodist × organisation with the number of its teachers, for the year."""
    frame = sheet.frame.assign(municipality_id=_municipality_ids(sheet, ref), year=_year_column(sheet))
    frame["code"], frame["region_id"] = frame["methodist_code"].str.upper(), ref.region_id
    frame = frame.dropna(subset=["municipality_id", "year"])
    frame = _duplicates(sheet, frame, ["code", "municipality_id", "organisation", "year"], ["n_teachers"])
    methodist = Ref("methodist_id", "methodist", {"region_id": "region_id", "code": "code"})
    organisation = Ref(
        "organisation_id", "organisation", {"municipality_id": "municipality_id", "organisation": "name"}
    )
    rows = frame[["region_id", "code", "municipality_id", "organisation", "year", "n_teachers"]]
    return [
        _organisations(sheet, frame, ref),
        Write(
            "methodist_assignment",
            "Закрепление за методистами",
            rows,
            ("methodist_id", "year", "organisation_id"),
            ("n_teachers",),
            (methodist, organisation),
        ),
    ]


ACTIVITY_PREFIX = 40  # characters of an activity text that identify it when the rest differs


def _matches(frame: pd.DataFrame, group: pd.DataFrame) -> int:
    """How many of the sheet's rows fit a roadmap's numbered activities."""
    texts = dict(zip(group["item_no"], group["activity"].map(lambda t: normalise(t)[:ACTIVITY_PREFIX]), strict=True))
    rows = zip(frame["item_no"].astype(str).str.rstrip("."), frame["activity"], strict=True)
    return sum(
        1
        for no, activity in rows
        if no in texts and (activity is None or normalise(activity)[:ACTIVITY_PREFIX] == texts[no])
    )


def _roadmap_for(frame: pd.DataFrame, items: pd.DataFrame) -> str | None:
    """The roadmap whose numbered activities the sheet's rows match best (None when none fits)."""
    scores = {str(code): _matches(frame, group) for code, group in items.groupby("roadmap_code")}
    best = max(sorted(scores), key=lambda code: scores[code], default=None)
    return best if best is not None and scores[best] > 0 else None


def _item_number(value: object) -> str | None:
    """«3.», « 3 », 3.0 → «3»; empty → None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip().rstrip(".")
    text = text.removesuffix(".0") if text.replace(".", "", 1).isdigit() else text
    return text or None


def _report_item(
    sheet: Sheet, items: pd.DataFrame, roadmap: str | None, row: int, no: str | None, activity: object
) -> int | None:
    """The item a report row is about (see ``roadmap_reports``), or None with the problem recorded."""
    if activity is not None and str(activity).strip():
        key = normalise(activity)
        texts = items["activity"].map(normalise)
        candidates = items[texts == key]
        if candidates.empty and len(key) >= ACTIVITY_PREFIX:  # a shortened or lengthened copy of the text
            candidates = items[[t.startswith(key) or key.startswith(t) for t in texts]]
        if len(candidates) > 1 and no is not None:
            candidates = candidates[candidates["item_no"] == no]
        if len(candidates) > 1 and roadmap is not None:
            candidates = candidates[candidates["roadmap_code"] == roadmap]
        if len(candidates) == 1:
            return int(candidates["id"].iloc[0])
        shown = f"«{str(activity)[:80]}{'…' if len(str(activity)) > 80 else ''}»"
        if candidates.empty:
            expected = "мероприятие дорожной карты региона (текст как в дорожной карте)"
            sheet.problem(row, "activity", ProblemCode.UNKNOWN_CODE, shown, expected)
        else:
            expected = "номер мероприятия: такой текст есть в нескольких пунктах дорожной карты"
            sheet.problem(row, "item_no", ProblemCode.REQUIRED_VALUE, shown, expected)
        return None
    numbers = items[items["roadmap_code"] == roadmap].set_index("item_no")["id"] if roadmap else pd.Series()
    if no is not None and no in numbers.index and numbers.index.value_counts()[no] == 1:
        return int(numbers[no])
    expected = f"номер мероприятия дорожной карты {roadmap}" if roadmap else "наименование мероприятия"
    sheet.problem(row, "item_no", ProblemCode.UNKNOWN_CODE, f"«{no or 'пусто'}»", expected)
    return None


def roadmap_region(frame: pd.DataFrame, items: pd.DataFrame) -> str | None:
    """The region whose roadmap a report sheet names, when its activity texts say so."""
    with_text = frame[frame["activity"].notna()]
    roadmap = _roadmap_for(with_text, items) if len(with_text) else None
    return str(items.loc[items["roadmap_code"] == roadmap, "region"].iloc[0]) if roadmap else None


def roadmap_reports(sheet: Sheet, ref: Reference) -> list[Write]:
    """Дорожная карта: the status of each measure as of the report date.

    A row is matched to its item by the activity text (case, spaces, quotes and ё/е aside), because item
    numbers repeat and restart within a plan and are sometimes empty; the number only separates items with
    the same text, and identifies the item when the row has no text. Unmatched rows are errors, never dropped.
    """
    if "item_no" not in sheet.frame and "activity" not in sheet.frame:
        sheet.problem(
            None, "activity", ProblemCode.MISSING_COLUMN, "", "столбец «Наименование мероприятия» или «№ п/п»"
        )
        return []
    numbers = pd.Series([_item_number(no) for no in sheet.column("item_no")], index=sheet.frame.index, dtype=object)
    frame = sheet.frame.assign(item_no=numbers, activity=sheet.column("activity"))
    numbered = frame[frame["item_no"].notna()]
    roadmap = _roadmap_for(numbered, ref.roadmap_items) if len(numbered) else None
    frame["item_id"] = [
        _report_item(sheet, ref.roadmap_items, roadmap, int(row), no, activity)
        for row, no, activity in zip(frame[ROW], frame["item_no"], frame["activity"], strict=True)
    ]
    frame["status_code"] = [resolve.report_status(str(s)) for s in sheet.column("status")]
    for row, word in zip(
        frame.loc[frame["status_code"].isna(), ROW], sheet.column("status")[frame["status_code"].isna()], strict=True
    ):
        sheet.problem(
            int(row),
            "status",
            ProblemCode.UNKNOWN_CODE,
            f"«{word}»",
            "выполнено, выполнено частично, в работе, не начато или не выполнено",
        )
    frame["as_of"] = sheet.column("report_date").where(sheet.column("report_date").notna(), sheet.as_of)
    for row in frame.loc[frame["as_of"].isna(), ROW].head(1):
        sheet.problem(int(row), "report_date", ProblemCode.NOT_A_DATE, "пусто", "дата отчёта или «по состоянию на …»")
    frame = frame.dropna(subset=["item_id", "status_code", "as_of"])
    frame = frame.assign(
        status=frame["status_code"],
        actual_quantity=sheet.column("quantity"),
        evidence=sheet.column("evidence").fillna(""),
    )
    frame = _duplicates(sheet, frame, ["item_id", "as_of"], ["status"])
    values = ("status", "actual_quantity", "evidence")
    return [
        Write(
            "roadmap_report",
            "Отчёты по дорожной карте",
            frame[["item_id", "as_of", *values]],
            ("item_id", "as_of"),
            values,
        )
    ]


def targets(sheet: Sheet, ref: Reference) -> list[Write]:
    """Целевые значения: an indicator's official target for a year (region, or one municipality)."""
    frame = sheet.frame.assign(municipality_id=_municipality_ids(sheet, ref, required=False))
    names = {
        normalise(v): int(i)
        for column in ("code", "short_name", "name")
        for v, i in zip(ref.indicators[column], ref.indicators["id"], strict=True)
    }
    units = dict(zip(ref.indicators["id"], ref.indicators["unit"], strict=True))
    frame["indicator_id"] = [names.get(normalise(text)) for text in frame["indicator"]]
    for row, text, found, value in zip(
        frame[ROW], frame["indicator"], frame["indicator_id"], frame["target"], strict=True
    ):
        if found is None:
            sheet.problem(
                row, "indicator", ProblemCode.UNKNOWN_CODE, f"«{text}»", "код или название показателя из каталога"
            )
        elif units[found] == "%" and value is not None and not 0 <= value <= 100:
            sheet.problem(row, "target", ProblemCode.OUT_OF_RANGE, str(value), "процент от 0 до 100")
    frame = frame.dropna(subset=["indicator_id", "year", "target"]).assign(
        region_id=ref.region_id, source=UPLOADED_TARGET_SOURCE
    )
    frame = _duplicates(sheet, frame, ["indicator_id", "municipality_id", "year"], ["target"])
    key = ("indicator_id", "region_id", "municipality_id", "year", "source")
    return [
        Write(
            "indicator_target",
            "Целевые значения",
            frame[[*key, "target"]].rename(columns={"target": "value"}),
            key,
            ("value",),
        )
    ]


def municipalities(sheet: Sheet, ref: Reference) -> list[Write]:
    """Справочник МО: known units are renamed or dated; unknown names become new units of the region."""
    frame = sheet.frame.assign(municipality_id=_municipality_ids(sheet, ref, required=False), region_id=ref.region_id)
    frame["name"] = [
        str(new) if new else ref.municipalities.names.get(int(found), str(written)) if pd.notna(found) else str(written)
        for new, found, written in zip(
            sheet.column("new_name"), frame["municipality_id"], frame["municipality"], strict=True
        )
    ]
    present = tuple(column for column in ("kind", "code", "valid_from", "valid_to") if column in sheet.frame)
    for column in ("kind", "code", "valid_from", "valid_to"):
        frame[column] = sheet.column(column)
    frame["kind"] = frame["kind"].fillna("")
    known, new = frame[frame["municipality_id"].notna()], frame[frame["municipality_id"].isna()]
    known = _duplicates(sheet, known.rename(columns={"municipality_id": "id"}), ["id"], ["name", *present])
    new = _duplicates(sheet, new, ["name"], list(present))
    return [
        Write(
            "municipality",
            "Муниципальные образования (изменения)",
            known[["id", "name", *present]],
            ("id",),
            ("name", *present),
        ),
        Write(
            "municipality",
            "Муниципальные образования (новые)",
            new[["region_id", "name", *present]],
            ("region_id", "name"),
            present,
            insert_only=tuple(c for c in ("kind",) if c not in present),
        ),
    ]


def organisations(sheet: Sheet, ref: Reference) -> list[Write]:
    """Справочник ОО: organisations of each municipality with their kind and flags."""
    frame = sheet.frame.assign(municipality_id=_municipality_ids(sheet, ref), region_id=ref.region_id)
    frame = frame.dropna(subset=["municipality_id"]).rename(columns={"organisation": "name"})
    frame["kind"] = [resolve.org_kind(kind) for kind in sheet.column("org_kind")]
    for flag in ("has_mentoring_model", "is_low_results", "is_internship_site"):
        frame[flag] = sheet.column(flag).fillna(False).astype(bool)
    frame["external_code"] = sheet.column("external_code")
    frame = _duplicates(sheet, frame.assign(organisation=frame["name"]), ["municipality_id", "name"], ["kind"])
    values = ("region_id", "kind", "external_code", "has_mentoring_model", "is_low_results", "is_internship_site")
    return [
        Write(
            "organisation",
            "Образовательные организации",
            frame[["municipality_id", "name", *values]],
            ("municipality_id", "name"),
            values,
        )
    ]


def deficit_aggregate(sheet: Sheet, ref: Reference) -> list[Write]:
    """Дефициты (сводно): assessed and with-deficit counts per municipality and area."""
    frame = sheet.frame.assign(municipality_id=_municipality_ids(sheet, ref), year=_year_column(sheet))
    frame["area_id"] = _area_ids(sheet, ref, sheet.column("area"), "area")
    for row, part, whole in zip(frame[ROW], frame["n_with_deficit"], frame["n_assessed"], strict=True):
        if part is not None and whole is not None and part > whole:
            sheet.problem(
                row,
                "n_with_deficit",
                ProblemCode.CROSS_FIELD,
                str(part),
                f"не больше числа прошедших диагностику ({whole})",
            )
    frame = frame.dropna(subset=["municipality_id", "area_id", "year", "n_assessed", "n_with_deficit"])
    frame = frame[frame["n_with_deficit"] <= frame["n_assessed"]].assign(
        region_id=ref.region_id, organisation_id=None, category=None
    )
    frame["mean_score"] = sheet.column("mean_score")
    frame = _duplicates(sheet, frame, ["municipality_id", "area_id", "year"], ["n_assessed", "n_with_deficit"])
    key = ("region_id", "year", "municipality_id", "organisation_id", "area_id", "category")
    values = ("n_assessed", "n_with_deficit", "mean_score")
    return [Write("deficit_aggregate", "Дефициты (сводно)", frame[[*key, *values]], key, values)]


def roadmap_items(sheet: Sheet, ref: Reference) -> list[Write]:
    """Дорожная карта (мероприятия): items of a roadmap, with deadlines parsed into due dates.

    Items that match a roadmap of the region update it; otherwise a new roadmap of the year is created.
    """
    frame = sheet.frame.assign(item_no=sheet.column("item_no").astype(str).str.rstrip("."))
    matched = _roadmap_for(frame, ref.roadmap_items)
    plans = ref.roadmaps.set_index("code")
    writes: list[Write] = []
    if matched is not None and _matches(
        frame, ref.roadmap_items[ref.roadmap_items["roadmap_code"] == matched]
    ) * 2 >= len(frame):
        stored_end = plans.loc[matched, "period_end"]
        code, plan_end = matched, stored_end if isinstance(stored_end, dt.date) else None
    elif sheet.year is None:
        sheet.problem(None, None, ProblemCode.YEAR_UNRESOLVED, "", "год дорожной карты: укажите его при загрузке")
        return []
    else:
        code, plan_end = f"{ref.region}-{sheet.year}", dt.date(sheet.year, 12, 31)
        title = sheet.title or f"Дорожная карта РСНМС на {sheet.year} год"
        plan = pd.DataFrame([{"code": code, "region_id": ref.region_id, "title": title, "act": "",
                              "period_start": dt.date(sheet.year, 1, 1), "period_end": plan_end}])  # fmt: skip
        writes.append(
            Write("roadmap", "Дорожные карты", plan, ("code",), ("region_id", "title", "period_start", "period_end"))
        )
    known = ref.roadmap_items[ref.roadmap_items["roadmap_code"] == code].set_index("item_no")["code"]
    deadlines = [
        roadmap.parse_deadline(str(t or ""), plan_end=None if pd.isna(plan_end) else plan_end)
        for t in frame["deadline"]
    ]
    rows = frame.assign(
        code=[known.get(no, f"{code}-{no}") for no in frame["item_no"]],
        roadmap_code=code,
        deadline_raw=frame["deadline"].fillna(""),
        due_dates=[deadline.text() for deadline in deadlines],
        due_date=pd.Series(
            [d.due_dates[-1] if d.due_dates else None for d in deadlines], index=frame.index, dtype=object
        ),
        recurrence=[deadline.recurrence for deadline in deadlines],
        sort_order=range(1, len(frame) + 1),
    )
    for column in ("responsible", "expected_result", "section"):
        rows[column] = sheet.column(column).fillna("")
    rows = _duplicates(sheet, rows, ["code"], ["activity", "deadline_raw"])
    values = ("roadmap_id", "section", "item_no", "activity", "responsible", "deadline_raw", "due_date", "due_dates",
              "recurrence", "expected_result", "sort_order")  # fmt: skip
    plan_ref = Ref("roadmap_id", "roadmap", {"roadmap_code": "code"})
    columns = ["code", "roadmap_code", *values[1:]]
    return [*writes, Write("roadmap_item", "Мероприятия дорожной карты", rows[columns], ("code",), values, (plan_ref,))]


BUILDERS: dict[str, Callable[[Sheet, Reference], list[Write]]] = {
    "roadmap_items": roadmap_items,
    "municipalities": municipalities,
    "indicators": indicators,
    "diagnostics": diagnostics,
    "diagnostics_wide": diagnostics_wide,
    "teachers": teachers,
    "iom": iom,
    "programmes": programmes,
    "course_completions": course_completions,
    "support": support,
    "caseload": caseload,
    "methodists": methodists,
    "assignments": assignments,
    "roadmap_reports": roadmap_reports,
    "targets": targets,
    "organisations": organisations,
    "deficit_aggregate": deficit_aggregate,
}
# Parents before children when a workbook holds several kinds.
KIND_ORDER = (
    "municipalities",
    "organisations",
    "teachers",
    "methodists",
    "programmes",
    "indicators",
    "targets",
    "deficit_aggregate",
    "diagnostics",
    "diagnostics_wide",
    "iom",
    "course_completions",
    "support",
    "assignments",
    "caseload",
    "roadmap_items",
    "roadmap_reports",
)
