"""From typed sheet frames to store writes, one builder per upload kind, collecting every problem.

Each builder resolves what the sheet names (municipalities, organisations, areas, roadmap items,
indicators) against the reference, checks the kind's cross-field rules and duplicate keys, and
returns :class:`rsnms.store.Write` objects, parents first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from rsnms.errors import Problem, ProblemCode
from rsnms.ingest import resolve
from rsnms.ingest.coerce import ROW
from rsnms.ingest.headers import HeaderMatch
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
    levels: pd.DataFrame  # code, min_score, max_score, is_deficit
    indicators: pd.DataFrame  # id, code, short_name, name, unit
    roadmap_items: pd.DataFrame  # id, roadmap_code, item_no, activity
    pseudonym_key: str


@dataclass
class Sheet:
    """One recognised sheet: its typed rows, where its header is, and the problems found so far."""

    name: str
    match: HeaderMatch
    frame: pd.DataFrame
    year: int | None
    as_of: dt.date | None
    problems: list[Problem] = field(default_factory=list)

    def problem(self, row: int | None, key: str | None, code: ProblemCode, found: str, expected: str) -> None:
        """Record a problem at an Excel row and a field's column, unless that cell already has one."""
        column = self.match.titles.get(key, key) if key else None
        if row is not None and any(p.row == row and p.column == column for p in self.problems):
            return
        self.problems.append(Problem(self.name, row, column, code, found, expected))

    def column(self, key: str) -> pd.Series:
        """The typed values of a field (all None when the sheet has no such column)."""
        if key in self.frame:
            return self.frame[key]
        return pd.Series([None] * len(self.frame), index=self.frame.index, dtype=object)


def _municipality_ids(sheet: Sheet, ref: Reference, *, required: bool = True) -> pd.Series:
    ids: list[int | None] = []
    cache: dict[str, resolve.Match] = {}
    for row, name in zip(sheet.frame[ROW], sheet.column("municipality"), strict=True):
        if name is None:
            ids.append(None)
            continue
        match = cache.setdefault(name, ref.municipalities.lookup(name, region=ref.region))
        if len(match.ids) == 1:
            ids.append(match.ids[0])
            continue
        ids.append(None)
        if len(match.ids) > 1:
            sheet.problem(row, "municipality", ProblemCode.AMBIGUOUS_MUNICIPALITY, f"«{name}»", "однозначное название")
        elif required:
            expected = "название муниципального образования региона из справочника"
            sheet.problem(row, "municipality", ProblemCode.UNKNOWN_MUNICIPALITY, f"«{name}»", expected)
    return pd.Series(ids, index=sheet.frame.index, dtype=object)


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
            sheet.problem(int(group[ROW].iloc[1]), None, ProblemCode.DUPLICATE_CONFLICT, f"строки {rows}",
                          "одна строка на ключ (повторы с разными значениями)")  # fmt: skip
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
    checks = [("diag_passed", ("ped_workers_total", "managers_total")), ("iom_developed", ("diag_passed",)),
              ("young_teachers_supported", ("young_teachers_total",)), ("mgmt_teams_trained", ("orgs_total",)),
              ("orgs_mentoring_model", ("orgs_total",))]  # fmt: skip
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
    key = ("region_id", "municipality_id", "organisation_id", "year", "metric")
    return [Write("aggregate_count", "Сводные показатели", long[[*key, "value"]], key, ("value",))]


def _level(sheet: Sheet, ref: Reference, row: int, word: object, score: object) -> str | None:
    """The deficit level: the file's word wins; a score alone goes through the scale."""
    if word is not None:
        code = resolve.level_code(str(word))
        if code is None:
            expected = "«выраженный дефицит», «частичный дефицит» или «дефицит отсутствует»"
            sheet.problem(row, "level", ProblemCode.UNKNOWN_CODE, f"«{word}»", expected)
        return code
    if score is not None:
        for level in ref.levels.to_dict("records"):
            if level["min_score"] <= float(str(score)) and (
                pd.isna(level["max_score"]) or float(str(score)) < level["max_score"]
            ):
                return str(level["code"])
    sheet.problem(row, "score", ProblemCode.REQUIRED_VALUE, "пусто", "балл или уровень дефицита")
    return None


def _area_ids(sheet: Sheet, ref: Reference, names: pd.Series, key: str) -> pd.Series:
    ids = ref.areas.set_index("code")["id"]
    codes = {name: resolve.area_code(str(name), ref.areas) for name in names.dropna().unique()}
    result: list[int | None] = []
    for row, name in zip(sheet.frame[ROW], names, strict=True):
        code = codes.get(name) if name is not None else None
        if code is None and name is not None:
            expected = "компетенция из списка: " + ", ".join(ref.areas["name"])
            sheet.problem(row, key, ProblemCode.UNKNOWN_CODE, f"«{name}»", expected)
        result.append(int(ids[code]) if code else None)
    return pd.Series(result, index=sheet.frame.index, dtype=object)


def diagnostics(sheet: Sheet, ref: Reference) -> list[Write]:
    """Диагностика: person × competency rows; teachers pseudonymised, organisations created if new."""
    frame = sheet.frame.assign(municipality_id=_municipality_ids(sheet, ref))
    frame["area_id"] = _area_ids(sheet, ref, sheet.column("area"), "area")
    rows = zip(frame[ROW], sheet.column("level"), sheet.column("score"), strict=True)
    frame["level_code"] = [_level(sheet, ref, row, word, score) for row, word, score in rows]
    frame["is_deficit"] = frame["level_code"].map(
        dict(zip(ref.levels["code"], ref.levels["is_deficit"].astype(bool), strict=True))
    )
    dates = sheet.column("date").where(sheet.column("date").notna(), sheet.as_of)
    for row in frame.loc[dates.isna(), ROW].head(1):
        sheet.problem(int(row), "date", ProblemCode.NOT_A_DATE, "пусто", "дата диагностики или отчётный период")
    frame["taken_on"], frame["year"] = dates, [d.year if d is not None else None for d in dates]
    cache: dict[str, str] = {}
    frame["pseudo_key"] = [cache.setdefault(t, pseudonymise(t, key=ref.pseudonym_key)) for t in frame["teacher_id"]]
    frame = frame.dropna(subset=["municipality_id", "area_id", "taken_on", "level_code"])
    frame = _duplicates(sheet, frame, ["pseudo_key", "area_id", "taken_on"], ["score", "level_code"])
    for name in ("organisation", "position", "subject", "birth_year", "career_start_year"):
        frame[name] = frame[name] if name in frame else None
    frame[["position", "subject"]] = frame[["position", "subject"]].fillna("")
    latest = frame.sort_values("taken_on").drop_duplicates("pseudo_key", keep="last")
    educators = latest.assign(region_id=ref.region_id, category=[resolve.category(p) for p in latest["position"]])
    organisation = Ref(
        "organisation_id", "organisation", {"municipality_id": "municipality_id", "organisation": "name"}
    )
    educator = Ref("educator_id", "educator", {"region_id": "region_id", "pseudo_key": "pseudo_key"})
    person = ("organisation_id", "category", "position", "subject", "birth_year", "career_start_year")
    results = frame.assign(region_id=ref.region_id)
    result_values = ("year", "organisation_id", "municipality_id", "score", "level_code", "is_deficit")
    return [
        _organisations(sheet, frame, ref),
        Write(
            "educator",
            "Педагоги (псевдонимы)",
            educators[["region_id", "pseudo_key", "municipality_id", "organisation", *person[1:]]],
            ("region_id", "pseudo_key"),
            person,
            (organisation,),
        ),  # fmt: skip
        Write(
            "diagnostic_result",
            "Результаты диагностики",
            results[
                [
                    "region_id",
                    "pseudo_key",
                    "area_id",
                    "taken_on",
                    "year",
                    "municipality_id",
                    "organisation",
                    "score",
                    "level_code",
                    "is_deficit",
                ]
            ],
            ("educator_id", "area_id", "taken_on"),
            result_values,
            (educator, organisation),
        ),  # fmt: skip
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
        ),  # fmt: skip
    ]


def _matches(frame: pd.DataFrame, group: pd.DataFrame) -> int:
    """How many of the sheet's rows fit a roadmap's numbered activities."""
    texts = dict(zip(group["item_no"], group["activity"].map(lambda t: normalise(t)[:40]), strict=True))
    rows = zip(frame["item_no"].astype(str).str.rstrip("."), frame["activity"], strict=True)
    return sum(
        1 for no, activity in rows if no in texts and (activity is None or normalise(activity)[:40] == texts[no])
    )


def _roadmap_for(frame: pd.DataFrame, items: pd.DataFrame) -> str | None:
    """The roadmap whose numbered activities the sheet's rows match best (None when none fits)."""
    scores = {str(code): _matches(frame, group) for code, group in items.groupby("roadmap_code")}
    best = max(sorted(scores), key=lambda code: scores[code], default=None)
    return best if best is not None and scores[best] > 0 else None


def roadmap_region(frame: pd.DataFrame, items: pd.DataFrame) -> str | None:
    """The region whose roadmap a report sheet names, when its activity texts say so."""
    with_text = frame[frame["activity"].notna()]
    roadmap = _roadmap_for(with_text, items) if len(with_text) else None
    return str(items.loc[items["roadmap_code"] == roadmap, "region"].iloc[0]) if roadmap else None


def roadmap_reports(sheet: Sheet, ref: Reference) -> list[Write]:
    """Дорожная карта: the status of each numbered measure as of the report date."""
    frame = sheet.frame.assign(
        item_no=sheet.column("item_no").astype(str).str.rstrip("."), activity=sheet.column("activity")
    )
    roadmap = _roadmap_for(frame, ref.roadmap_items)
    if roadmap is None:
        sheet.problem(None, "item_no", ProblemCode.UNKNOWN_CODE, "номера мероприятий",
                      f"номера мероприятий дорожной карты региона «{ref.region}»")  # fmt: skip
        return []
    items = ref.roadmap_items[ref.roadmap_items["roadmap_code"] == roadmap].set_index("item_no")["id"]
    frame["item_id"] = [items.get(no) for no in frame["item_no"]]
    for row, no in zip(
        frame.loc[frame["item_id"].isna(), ROW], frame.loc[frame["item_id"].isna(), "item_no"], strict=True
    ):
        sheet.problem(
            int(row), "item_no", ProblemCode.UNKNOWN_CODE, f"«{no}»", f"номер мероприятия дорожной карты {roadmap}"
        )
    frame["status_code"] = [resolve.report_status(str(s)) for s in sheet.column("status")]
    for row, word in zip(
        frame.loc[frame["status_code"].isna(), ROW], sheet.column("status")[frame["status_code"].isna()], strict=True
    ):
        sheet.problem(int(row), "status", ProblemCode.UNKNOWN_CODE, f"«{word}»",
                      "выполнено, выполнено частично, в работе, не начато или не выполнено")  # fmt: skip
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


BUILDERS: dict[str, Callable[[Sheet, Reference], list[Write]]] = {
    "indicators": indicators,
    "diagnostics": diagnostics,
    "methodists": methodists,
    "assignments": assignments,
    "roadmap_reports": roadmap_reports,
    "targets": targets,
    "organisations": organisations,
    "deficit_aggregate": deficit_aggregate,
}
# Parents before children when a workbook holds several kinds.
KIND_ORDER = ("organisations", "methodists", "indicators", "targets", "deficit_aggregate", "diagnostics",
              "assignments", "roadmap_reports")  # fmt: skip
