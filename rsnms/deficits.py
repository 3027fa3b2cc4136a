"""Professional deficits by municipality (or organisation) and competency area, computed in SQL.

A cell counts each educator once per area: their latest result of the year (of the campaign, when one is
chosen). An educator not assessed in an area is not in that cell's denominator. Whether a result is a
deficit is decided here, by the level scale in force: the level the file named wins, a score alone falls
into the scale's bands, so an edited scale applies to every year at once. Where a municipality has no
person-level results for the year, its uploaded deficit counts (``deficit_aggregate``) are used instead,
never both; they cannot be split by the person filters, so a filtered view leaves them out.

A *matrix* is the full grid a page draws: every municipality (or organisation) × every area, plus the
region's row and the all-areas column, each cell with its state (data, no data, suppressed) and label.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from rsnms import audit, formatting, labels, queries
from rsnms.access import Actor, edits_settings, require
from rsnms.errors import RsnmsError

CELL_COLUMNS = ["municipality", "area", "n_assessed", "n_with_deficit", "share", "mean_score"]
REGION_ROW = "Весь регион"
MUNICIPALITY_ROW = "Весь муниципалитет"
ALL_AREAS = "Все компетенции"
NO_ORGANISATION = "организация не указана"
DATA, NO_DATA, SUPPRESSED = "data", "no_data", "suppressed"
SORTS = {"total": "по доле дефицитов", "name": "по алфавиту", "similarity": "по сходству профилей"}
YOUNG_AGE, YOUNG_YEARS = 35, 3  # «молодой педагог»: under 35, or in the first three years of work
# Diagnostic campaigns of a year (the ЦНППМ's spring and autumn waves): (first month, last month) and their names.
CAMPAIGNS = {"spring": (1, 6), "autumn": (7, 12)}
CAMPAIGN_NAMES = {"spring": "весенняя кампания (январь – июнь)", "autumn": "осенняя кампания (июль – декабрь)"}
SOURCE_PERSON, SOURCE_COUNTS = "персональные данные", "сводные данные"
NO_DATA_TEXT = formatting.NO_DATA
HIDDEN_TEXT = "скрыто"  # a cell hidden so that a total cannot give a small one away


# --- The level scale ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """One band of the scale: scores in [min_score, max_score) have this level (the top band is open)."""

    code: str
    name: str
    min_score: float
    max_score: float | None
    is_deficit: bool


@dataclass(frozen=True)
class Scale:
    """The gap-free level scale in force; the deficit levels are its lowest bands."""

    levels: tuple[Level, ...]

    @property
    def threshold(self) -> float:
        """A score below this is a deficit: the lower bound of the first level without one."""
        return next(level.min_score for level in self.levels if not level.is_deficit)

    def rule(self) -> str:
        """The rule in Russian, as the page states it."""
        names = ", ".join(f"«{level.name}»" for level in self.levels if level.is_deficit)
        return (
            f"Дефицит — уровень {names}. Если в файле указан уровень, действует он; если только балл — "
            f"дефицит при балле ниже {formatting.short_number(self.threshold)} из 100."
        )

    def bands(self) -> pd.DataFrame:
        """The scale as a reader sees it: level, score band, deficit or not."""
        return pd.DataFrame(
            {
                "Уровень": [level.name for level in self.levels],
                "Баллы": [_band(level) for level in self.levels],
                "Дефицит": ["да" if level.is_deficit else "нет" for level in self.levels],
            }
        )


def _band(level: Level) -> str:
    low = formatting.short_number(level.min_score)
    if level.max_score is None:
        return f"{low} и выше"
    return f"от {low} до {formatting.short_number(level.max_score)} (не включая)"


def scale(engine: Engine) -> Scale:
    """The scale stored in the database."""
    frame = queries.sql_frame(
        engine, "SELECT code, name, min_score, max_score, is_deficit FROM deficit_level ORDER BY min_score"
    )
    return Scale(
        tuple(
            Level(
                code=str(row["code"]),
                name=str(row["name"]),
                min_score=float(row["min_score"]),
                max_score=None if pd.isna(row["max_score"]) else float(row["max_score"]),
                is_deficit=bool(row["is_deficit"]),
            )
            for row in frame.to_dict("records")
        )
    )


def scale_problems(levels: Sequence[Level]) -> list[str]:
    """What is wrong with a scale, in Russian; empty when it is gap-free, ordered and has deficits at the bottom."""
    problems: list[str] = []
    if len(levels) < 2:
        problems.append("В шкале должно быть не меньше двух уровней.")
    if any(not level.name.strip() for level in levels):
        problems.append("У каждого уровня должно быть название.")
    if any(not 0 <= level.min_score <= 100 for level in levels):
        problems.append("Границы уровней — баллы от 0 до 100.")
    if levels and levels[0].min_score != 0:
        problems.append("Нижний уровень должен начинаться с 0 баллов.")
    for lower, upper in pairwise(levels):
        if upper.min_score <= lower.min_score:
            problems.append(f"Уровень «{upper.name}» должен начинаться выше, чем «{lower.name}».")
        elif lower.max_score != upper.min_score:
            problems.append(
                f"Уровень «{lower.name}» должен заканчиваться там, где начинается «{upper.name}»: "
                "в шкале не должно быть разрывов и наложений."
            )
    if levels and levels[-1].max_score is not None:
        problems.append("Верхний уровень должен быть открытым (без верхней границы).")
    flags = [level.is_deficit for level in levels]
    if not any(flags) or all(flags):
        problems.append("Хотя бы один уровень должен означать дефицит, и хотя бы один — его отсутствие.")
    elif flags != sorted(flags, reverse=True):
        problems.append("Уровни с дефицитом должны идти подряд в начале шкалы: меньший балл — больший дефицит.")
    return problems


def save_scale(engine: Engine, edits: Sequence[Mapping[Any, Any]], *, actor: Actor) -> Scale:
    """Store new names, lower bounds and deficit flags of the existing levels; each ends where the next begins.

    ``edits`` holds ``code``, ``name``, ``min_score``, ``is_deficit`` per level. Raises RsnmsError with
    every problem in Russian, storing nothing, when the result would not be a valid scale.
    """
    require(edits_settings(actor.role), "менять шкалу дефицитов")
    current = {level.code for level in scale(engine).levels}
    if sorted(str(edit["code"]) for edit in edits) != sorted(current):
        raise RsnmsError("Уровни шкалы можно переименовать и сдвинуть, но не добавить или удалить.")
    if any(edit["min_score"] is None or pd.isna(edit["min_score"]) for edit in edits):
        raise RsnmsError("Укажите нижнюю границу каждого уровня.")
    ordered = sorted(edits, key=lambda edit: float(edit["min_score"]))
    bounds = [float(edit["min_score"]) for edit in ordered]
    levels = tuple(
        Level(
            code=str(edit["code"]),
            name=str(edit["name"] or "").strip(),
            min_score=low,
            max_score=high,
            is_deficit=bool(edit["is_deficit"]),
        )
        for edit, low, high in zip(ordered, bounds, [*bounds[1:], None], strict=True)
    )
    problems = scale_problems(levels)
    if problems:
        raise RsnmsError(" ".join(problems))
    new = Scale(levels)
    with engine.begin() as conn:
        for order, level in enumerate(levels, start=1):
            conn.execute(
                text(
                    "UPDATE deficit_level SET name = :name, min_score = :min_score, max_score = :max_score, "
                    "is_deficit = :is_deficit, sort_order = :order WHERE code = :code"
                ),
                {**level.__dict__, "order": order},
            )
        audit.record(conn, action="deficit_scale", user=actor.login, detail=new.rule(), at=dt.datetime.now(dt.UTC))
    return new


# --- Cells --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Which educators a heatmap counts; the defaults count everyone."""

    category: str | None = None  # pedagogue | manager
    subject: str | None = None
    young: bool = False
    organisation_kind: str | None = None
    campaign: str | None = None  # a key of CAMPAIGNS: only that wave's results count, the latest in it

    @property
    def active(self) -> bool:
        """Whether any filter narrows the educators counted."""
        return self != Filters()

    def describe(self) -> str:
        """«управленческие кадры; предмет «физика»; молодые педагоги», or «все педагоги» with no filter."""
        parts = [
            *([labels.CATEGORY[self.category]] if self.category else []),
            *([f"предмет «{self.subject}»"] if self.subject else []),
            *([f"молодые педагоги (до {YOUNG_AGE} лет или первые {YOUNG_YEARS} года работы)"] if self.young else []),
            *([labels.ORGANISATION_KIND.get(k, k) for k in [self.organisation_kind] if k]),
            *([CAMPAIGN_NAMES[self.campaign]] if self.campaign else []),
        ]
        return "; ".join(parts) or "все педагогические работники и управленческие кадры"

    def sql(self) -> tuple[list[str], dict[str, Any]]:
        """SQL conditions on ``e`` (educator) and ``o`` (organisation) and their parameters."""
        conditions: list[str] = []
        params: dict[str, Any] = {}
        if self.category:
            conditions.append("e.category = :category")
            params["category"] = self.category
        if self.subject:
            conditions.append("e.subject = :subject")
            params["subject"] = self.subject
        if self.young:
            conditions.append("(d.year - e.birth_year < :young_age OR d.year - e.career_start_year < :young_years)")
            params.update(young_age=YOUNG_AGE, young_years=YOUNG_YEARS)
        if self.organisation_kind:
            conditions.append("o.kind = :organisation_kind")
            params["organisation_kind"] = self.organisation_kind
        return conditions, params

    def window(self, year: int) -> dict[str, dt.date]:
        """The campaign's first and last day in ``year`` (:campaign_start, :campaign_end), or nothing."""
        if not self.campaign:
            return {}
        first, last = CAMPAIGNS[self.campaign]
        end = dt.date(year + last // 12, last % 12 + 1, 1) - dt.timedelta(days=1)
        return {"campaign_start": dt.date(year, first, 1), "campaign_end": end}


NO_FILTERS = Filters()

# A result counts when it is its educator's latest in the area that year (``is_latest``, resolved when results are
# written). The scan seeks each municipality's year in ix_diagnostic_result_scope (municipality, year, is_latest,
# area, … covering the rest) and reads it in the order of the groups, so grouping needs no sort; the level words
# of the scale are bound into the deficit test rather than joined per row (bench/deficits.py has the figures).
# Within one campaign the latest result in the campaign counts: that is probed per result
# (ix_diagnostic_result_latest), as no flag keeps it, and the campaign's dates are read from the table rows.
_PERSON_SQL = """
    SELECT d.municipality_id, {organisation} d.area_id, COUNT(*) AS n_assessed,
           SUM(CASE {levels} WHEN d.score < :threshold THEN 1 ELSE 0 END) AS n_with_deficit,
           AVG(d.score) AS mean_score, COUNT(d.score) AS n_scored
    FROM diagnostic_result d {joins}
    WHERE d.year = :year AND {latest} {scope} {region} {conditions}
    GROUP BY d.municipality_id, {organisation} d.area_id
"""

_IN_REGION = f"AND d.municipality_id IN ({queries.REGION_MUNICIPALITIES})"
_IN_COUNTRY = "AND d.municipality_id IN (SELECT m.id FROM municipality m)"  # seeks each one in the scope index
_LATEST_IN_CAMPAIGN = """d.taken_on BETWEEN :campaign_start AND :campaign_end AND NOT EXISTS (
          SELECT 1 FROM diagnostic_result later
          WHERE later.year = d.year AND later.educator_id = d.educator_id AND later.area_id = d.area_id
            AND later.taken_on > d.taken_on AND later.taken_on <= :campaign_end
      )"""

_AGGREGATE_SQL = """
    SELECT g.municipality_id, g.area_id, SUM(g.n_assessed) AS n_assessed, SUM(g.n_with_deficit) AS n_with_deficit,
           SUM(g.mean_score * g.n_assessed) / NULLIF(SUM(CASE WHEN g.mean_score IS NOT NULL THEN g.n_assessed END), 0)
             AS mean_score,
           SUM(CASE WHEN g.mean_score IS NOT NULL THEN g.n_assessed ELSE 0 END) AS n_scored
    FROM deficit_aggregate g JOIN region r ON r.id = g.region_id
    WHERE g.year = :year AND g.organisation_id IS NULL {region} {scope}
    GROUP BY g.municipality_id, g.area_id
"""


def person_sql(
    rule: Scale,
    *,
    by_organisation: bool = False,
    municipality: bool = False,
    country: bool = False,
    filters: Filters = NO_FILTERS,
) -> tuple[str, dict[str, Any]]:
    """The person-level cells query and its rule and filter parameters.

    Binds :year, :region (unless ``country``: every region), :municipality_id and, with a campaign,
    ``filters.window(year)``.

    A result is a deficit by its level word when the file named a level of the scale, otherwise by its score.
    """
    conditions, params = filters.sql()
    params["threshold"] = rule.threshold
    levels = []
    for is_deficit in (True, False):
        codes = [level.code for level in rule.levels if bool(level.is_deficit) == is_deficit]
        names = [f"level_{'deficit' if is_deficit else 'other'}_{number}" for number in range(len(codes))]
        params |= dict(zip(names, codes, strict=True))
        if codes:
            listed = ", ".join(f":{name}" for name in names)
            levels.append(f"WHEN d.level_code IN ({listed}) THEN {1 if is_deficit else 0}")
    joins = [
        *(["JOIN educator e ON e.id = d.educator_id"] if filters.category or filters.subject or filters.young else []),
        *(["LEFT JOIN organisation o ON o.id = d.organisation_id"] if filters.organisation_kind else []),
    ]
    sql = _PERSON_SQL.format(
        levels=" ".join(levels),
        latest=_LATEST_IN_CAMPAIGN if filters.campaign else "d.is_latest = true",
        region=_IN_COUNTRY if country else _IN_REGION,
        scope="AND d.municipality_id = :municipality_id" if municipality else "",
        organisation="d.organisation_id," if by_organisation else "",
        joins=" ".join(joins),
        conditions="".join(f" AND {condition}" for condition in conditions),
    )
    return sql, params


def cells(
    engine: Engine,
    *,
    region: str | None,
    year: int,
    by_organisation: bool = False,
    municipality_id: int | None = None,
    filters: Filters = NO_FILTERS,
    rule: Scale | None = None,
) -> pd.DataFrame:
    """One row per municipality (and organisation) and area with data: ids, counts, mean score, share, source.

    ``share`` is in per cent; ``n_scored`` counts the results with a score (``mean_score`` is theirs: a level-only
    result has none). ``rule`` is the scale to count deficits by (default: the one stored). No ``region``: every
    municipality of every region (the country).
    """
    rule = rule or scale(engine)
    municipality = municipality_id is not None
    sql, params = person_sql(
        rule, by_organisation=by_organisation, municipality=municipality, country=region is None, filters=filters
    )
    scoped = {"region": region, "year": year, "municipality_id": municipality_id}
    frame = queries.sql_frame(engine, sql, **scoped, **params, **filters.window(year))
    frame["source"] = SOURCE_PERSON
    if not by_organisation and not filters.active:
        scope = "AND g.municipality_id = :municipality_id" if municipality else ""
        in_region = f"AND {queries.in_region(region)}"
        counted = queries.sql_frame(engine, _AGGREGATE_SQL.format(scope=scope, region=in_region), **scoped)
        counted = counted[~counted["municipality_id"].isin(frame["municipality_id"])]
        frame = pd.concat([frame, counted.assign(source=SOURCE_COUNTS)], ignore_index=True)
    frame["share"] = _share(frame["n_with_deficit"], frame["n_assessed"])
    return frame


def _share(deficits: pd.Series[Any], assessed: pd.Series[Any]) -> list[float]:
    return [n / total * 100 if total else math.nan for n, total in zip(deficits, assessed, strict=True)]


def table(
    engine: Engine, *, region: str, year: int, by_organisation: bool = False, municipality: str | None = None
) -> pd.DataFrame:
    """The cells as design.md §10 lists them: municipality, [organisation,] area, n_assessed, …, mean_score."""
    frame = cells(engine, region=region, year=year, by_organisation=by_organisation)
    names = queries.municipalities(engine, region=region)[["id", "name"]].rename(
        columns={"id": "municipality_id", "name": "municipality"}
    )
    names["municipality_order"] = range(len(names))
    areas = queries.competency_areas(engine)[["id", "name"]].rename(columns={"id": "area_id", "name": "area"})
    areas["area_order"] = range(len(areas))
    frame = frame.merge(names, on="municipality_id").merge(areas, on="area_id")
    if by_organisation:
        frame = frame.merge(_organisation_names(engine, region=region), on="organisation_id", how="left")
    if municipality is not None:
        frame = frame[frame["municipality"] == municipality]
    order = ["municipality_order", *(["organisation"] if by_organisation else []), "area_order"]
    columns = ["municipality", *(["organisation"] if by_organisation else []), *CELL_COLUMNS[1:]]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    return frame.sort_values(order)[columns].reset_index(drop=True)


def regions_table(engine: Engine, *, year: int) -> pd.DataFrame:
    """The country's cells by region and area (every region's municipalities summed), columns as ``table``."""
    frame = cells(engine, region=None, year=year)
    places = queries.sql_frame(
        engine,
        "SELECT m.id AS municipality_id, r.name AS region, r.sort_order FROM municipality m "
        "JOIN region r ON r.id = m.region_id",
    )
    areas = queries.competency_areas(engine)[["id", "name"]].rename(columns={"id": "area_id", "name": "area"})
    areas["area_order"] = range(len(areas))
    frame = frame.merge(places, on="municipality_id").merge(areas, on="area_id")
    columns = ["region", *CELL_COLUMNS[1:]]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["score_sum"] = frame["mean_score"].fillna(0) * frame["n_scored"]
    keys = ["sort_order", "region", "area_order", "area"]
    summed = frame.groupby(keys, as_index=False)[["n_assessed", "n_with_deficit", "n_scored", "score_sum"]].sum()
    summed["share"] = _share(summed["n_with_deficit"], summed["n_assessed"])
    summed["mean_score"] = summed["score_sum"] / summed["n_scored"].replace(0, math.nan)
    return summed.sort_values(keys)[columns].reset_index(drop=True)


def _organisation_names(engine: Engine, *, region: str, municipality_id: int | None = None) -> pd.DataFrame:
    """``organisation_id``, ``organisation`` of a region's (or one municipality's) organisations, by name."""
    sql = """
        SELECT o.id AS organisation_id, o.name AS organisation FROM organisation o JOIN region r ON r.id = o.region_id
        WHERE r.code = :region {scope} ORDER BY o.name
    """
    scope = "AND o.municipality_id = :municipality_id" if municipality_id is not None else ""
    return queries.sql_frame(engine, sql.format(scope=scope), region=region, municipality_id=municipality_id)


def years(engine: Engine, *, region: str) -> list[int]:
    """Years with diagnostic results or uploaded deficit counts in the region, newest first."""
    sql = f"""{queries.RESULT_YEARS_CTE}
        SELECT DISTINCT g.year FROM deficit_aggregate g JOIN region r ON r.id = g.region_id WHERE r.code = :region
        UNION {queries.RESULT_YEARS_IN_REGION}
    """
    return sorted((int(year) for year in queries.sql_frame(engine, sql, region=region)["year"]), reverse=True)


def filter_options(engine: Engine, *, region: str) -> tuple[list[str], list[str]]:
    """The subjects and organisation kinds the region's educators have, for the page's filters."""
    subjects = queries.sql_frame(
        engine,
        "SELECT DISTINCT e.subject FROM educator e JOIN region r ON r.id = e.region_id "
        "WHERE r.code = :region AND e.subject <> '' ORDER BY e.subject",
        region=region,
    )
    kinds = queries.sql_frame(
        engine,
        "SELECT DISTINCT o.kind FROM organisation o JOIN region r ON r.id = o.region_id "
        "WHERE r.code = :region AND o.kind <> '' ORDER BY o.kind",
        region=region,
    )
    return [str(s) for s in subjects["subject"]], [str(k) for k in kinds["kind"]]


# --- The matrix ---------------------------------------------------------------------------------------------


def matrix(
    engine: Engine,
    *,
    region: str,
    year: int,
    municipality_id: int | None = None,
    filters: Filters = NO_FILTERS,
    suppress_below: int | None = None,
    rule: Scale | None = None,
) -> pd.DataFrame:
    """The full grid: every municipality × area, or with ``municipality_id`` every organisation of it × area.

    Columns: ``row`` (the label drawn), ``row_id`` (municipality or organisation id; NaN for the totals),
    ``area``, ``row_total``/``area_total`` (the region's row, the all-areas column), ``n_assessed``,
    ``n_with_deficit``, ``mean_score``, ``share`` (per cent), ``source``, ``state`` and ``label``.
    Cells of fewer than ``suppress_below`` people (when given) keep no figures: state ``suppressed``.
    """
    by_organisation = municipality_id is not None
    found = cells(
        engine,
        region=region,
        year=year,
        by_organisation=by_organisation,
        municipality_id=municipality_id,
        filters=filters,
        rule=rule,
    )
    areas = queries.competency_areas(engine)
    if filters.category:
        areas = areas[areas["applies_to"].isin(["all", filters.category])]
    if by_organisation:
        rows = _organisation_names(engine, region=region, municipality_id=municipality_id)
        rows = rows.rename(columns={"organisation_id": "row_id", "organisation": "row"})
        if found["organisation_id"].isna().any():
            rows = pd.concat([rows, pd.DataFrame({"row_id": [-1], "row": [NO_ORGANISATION]})], ignore_index=True)
        found["row_id"] = found["organisation_id"].fillna(-1).astype("int64")
    else:
        rows = queries.municipalities(engine, region=region).rename(columns={"id": "row_id", "short_name": "row"})
        found["row_id"] = found["municipality_id"]
    grid = rows[["row_id", "row"]].merge(
        areas[["id", "name"]].rename(columns={"id": "area_id", "name": "area"}), how="cross"
    )
    grid = grid.merge(found.drop(columns=["municipality_id", "share"]), on=["row_id", "area_id"], how="left")
    total = MUNICIPALITY_ROW if by_organisation else REGION_ROW
    grid = pd.concat([_total_row(grid, total), grid], ignore_index=True)
    grid["row_total"] = grid["row"] == total
    grid = pd.concat([grid, _all_areas(grid)], ignore_index=True)
    grid["area_total"] = grid["area"] == ALL_AREAS
    grid["share"] = _share(grid["n_with_deficit"], grid["n_assessed"])
    grid["row_id"] = grid["row_id"].where(grid["row_id"] != -1)
    numbers = ["row_id", "n_assessed", "n_with_deficit", "mean_score", "share"]
    grid[numbers] = grid[numbers].astype(float)  # counts summed over empty cells come back as objects
    return _states(grid.drop(columns=["area_id", "n_scored"]), suppress_below)


def _summed(grid: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Counts summed per group, the mean score weighted by the results with a score, and the sources."""
    work = grid.assign(
        _weighted=grid["mean_score"] * grid["n_scored"],
        _weight=grid["n_scored"].where(grid["mean_score"].notna()),
        _person=grid["source"] == SOURCE_PERSON,
        _counts=grid["source"] == SOURCE_COUNTS,
    )
    groups = work.groupby(by, sort=False, dropna=False)
    sums = groups[["n_assessed", "n_with_deficit", "n_scored", "_weighted", "_weight"]].sum(min_count=1)
    sources = groups[["_person", "_counts"]].any()
    sums["mean_score"] = sums["_weighted"] / sums["_weight"]
    sums["source"] = [
        ", ".join(name for name, present in ((SOURCE_PERSON, person), (SOURCE_COUNTS, counts)) if present) or None
        for person, counts in zip(sources["_person"], sources["_counts"], strict=True)
    ]
    return sums.drop(columns=["_weighted", "_weight"]).reset_index()


def _total_row(grid: pd.DataFrame, label: str) -> pd.DataFrame:
    """Each area over every row: the region's (or the municipality's) total."""
    return _summed(grid, ["area_id", "area"]).assign(row=label, row_id=math.nan)


def _all_areas(grid: pd.DataFrame) -> pd.DataFrame:
    """Each row over every area (assessments, not people: a teacher assessed in six areas counts six times)."""
    return _summed(grid, ["row_id", "row", "row_total"]).assign(area=ALL_AREAS, area_id=math.nan)


def _states(grid: pd.DataFrame, suppress_below: int | None) -> pd.DataFrame:
    counted = grid["n_assessed"].fillna(0)
    small = (counted > 0) & (counted < suppress_below) if suppress_below else pd.Series(False, index=grid.index)
    shielding = _complementary(grid, small) if suppress_below else small
    hidden = small | shielding
    grid["state"] = np.where(counted == 0, NO_DATA, np.where(hidden, SUPPRESSED, DATA))
    grid.loc[hidden, ["n_assessed", "n_with_deficit", "mean_score", "share"]] = math.nan
    grid.loc[counted == 0, ["n_assessed", "n_with_deficit", "mean_score", "share"]] = math.nan
    texts = {SUPPRESSED: f"< {suppress_below}", NO_DATA: NO_DATA_TEXT}
    grid["label"] = [
        formatting.percent(share, 0) if state == DATA else HIDDEN_TEXT if shield else texts[state]
        for share, state, shield in zip(grid["share"], grid["state"], shielding & ~small, strict=True)
    ]
    return grid


def _complementary(grid: pd.DataFrame, small: pd.Series[bool]) -> pd.Series[bool]:
    """Cells hidden besides the small ones so that no total gives a hidden cell away by subtraction.

    A row (or an area) whose cells include exactly one hidden cell would let its total, minus the cells
    shown, reveal it; so its smallest other cell with data is hidden too (or, when it has none, its total),
    until no row or area shows a way back to a hidden cell (complementary suppression of statistical tables).
    """
    hidden = small.copy()
    body = ~grid["row_total"] & ~grid["area_total"]
    has_data = grid["n_assessed"].fillna(0) > 0
    totals = {"row": grid["area_total"] & ~grid["row_total"], "area": grid["row_total"] & ~grid["area_total"]}
    changed = True
    while changed:
        changed = False
        for key in ("row", "area"):
            for label, cells in grid[body].groupby(key, sort=False):
                if hidden[cells.index].sum() != 1:
                    continue
                candidates = cells.index[has_data[cells.index] & ~hidden[cells.index]]
                if len(candidates):
                    hidden[grid.loc[candidates, "n_assessed"].astype(float).idxmin()] = True
                    changed = True
                else:  # nothing else to hide in the row (area): its total would give the cell away
                    total = grid.index[totals[key] & (grid[key] == label) & has_data & ~hidden]
                    hidden[total] = True
                    changed = changed or bool(len(total))
    return hidden & ~small


def change(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """``after``'s matrix with ``change``: its share minus ``before``'s, in percentage points.

    A cell has a change only when both years have data for it; hidden in either year, it stays hidden.
    """
    previous = before[["row", "area", "share", "state"]].rename(columns={"share": "share_before", "state": "before"})
    grid = after.merge(previous, on=["row", "area"], how="left")
    grid["change"] = grid["share"] - grid["share_before"]
    both = (grid["state"] == DATA) & (grid["before"] == DATA)
    hidden = (grid["state"] == SUPPRESSED) | (grid["before"] == SUPPRESSED)
    grid["state"] = np.where(both, DATA, np.where(hidden, SUPPRESSED, NO_DATA))
    grid["label"] = [
        formatting.signed(delta) if state == DATA else label if state == SUPPRESSED else NO_DATA_TEXT
        for delta, state, label in zip(grid["change"], grid["state"], grid["label"], strict=True)
    ]
    return grid.drop(columns="before")


def row_order(grid: pd.DataFrame, how: str) -> list[str]:
    """Row labels to draw, the total row first, then by ``how`` (a key of SORTS) over the share."""
    body = grid[~grid["row_total"] & ~grid["area_total"]]
    total = list(dict.fromkeys(grid.loc[grid["row_total"], "row"]))
    labels = list(dict.fromkeys(body["row"]))
    totals = grid[grid["area_total"] & ~grid["row_total"]].set_index("row")["share"]
    if how == "name":
        ordered = sorted(labels, key=lambda label: label.casefold().replace("ё", "е"))
    elif how == "total":
        ordered = sorted(labels, key=lambda label: -totals[label] if pd.notna(totals[label]) else math.inf)
    elif how == "similarity":
        ordered = _similar_next_to_each_other(body.pivot_table(index="row", columns="area", values="share"), labels)
    else:
        raise ValueError(f"unknown order {how!r}; expected one of {sorted(SORTS)}")
    return [*total, *ordered]


def _similar_next_to_each_other(profiles: pd.DataFrame, labels: list[str]) -> list[str]:
    """Greedy nearest-neighbour chain over the rows' share profiles, from the most deficient row.

    A missing share counts as its area's mean; rows without any data follow the chain in their given order.
    """
    measured = [label for label in labels if label in profiles.index]
    if not measured:
        return labels
    filled = profiles.loc[measured].fillna(profiles.mean()).fillna(0.0).to_numpy(dtype=float)
    distances = np.linalg.norm(filled[:, None, :] - filled[None, :, :], axis=2)
    chain = [int(np.argmax(filled.mean(axis=1)))]
    left = set(range(len(measured))) - set(chain)
    while left:
        nearest = min(left, key=lambda index: (distances[chain[-1], index], index))
        chain.append(nearest)
        left.remove(nearest)
    return [measured[index] for index in chain] + [label for label in labels if label not in profiles.index]


def ranked(grid: pd.DataFrame, *, by: str, limit: int = 5) -> pd.DataFrame:
    """The areas (``by="area"``) or rows (``by="row"``) with the highest share of deficits, for the page's lists."""
    if by == "area":  # the region's row; a grid of one municipality alone ranks that municipality's areas
        totals = grid[grid["row_total"] & ~grid["area_total"]]
        totals = totals if not totals.empty else grid[~grid["area_total"]]
    else:
        totals = grid[grid["area_total"] & ~grid["row_total"]]
    totals = totals[totals["state"] == DATA].sort_values("share", ascending=False).head(limit)
    return pd.DataFrame(
        {
            "Компетенция" if by == "area" else "Муниципалитет": totals[by],
            "Доля с дефицитом": totals["label"],
            "Оценено": [formatting.number(n) for n in totals["n_assessed"]],
        }
    )


def wide(grid: pd.DataFrame, order: Sequence[str], *, value: str = "share", row_title: str) -> pd.DataFrame:
    """The matrix as a table: one row per label in ``order``, one column per area; hidden cells say why."""
    shown = grid.assign(
        _cell=[
            round(float(v), 1) if state == DATA else label
            for v, state, label in zip(grid[value], grid["state"], grid["label"], strict=True)
        ]
    )
    areas = list(dict.fromkeys(grid["area"]))
    table = shown.pivot(index="row", columns="area", values="_cell").reindex(index=list(order), columns=areas)
    return table.rename_axis(index=row_title, columns=None).reset_index()


def counts(grid: pd.DataFrame, order: Sequence[str], *, row_title: str) -> pd.DataFrame:
    """Every cell with its figures, for the XLSX's second sheet (hidden figures stay empty)."""
    rank = {label: index for index, label in enumerate(order)}
    rows = grid.assign(_rank=grid["row"].map(rank)).sort_values("_rank", kind="stable")
    return pd.DataFrame(
        {
            row_title: rows["row"],
            "Компетенция": rows["area"],
            "Оценено": rows["n_assessed"],
            "С дефицитом": rows["n_with_deficit"],
            "Доля с дефицитом, %": rows["share"].round(1),
            "Средний балл": rows["mean_score"].round(1),
            **({"Изменение, п. п.": rows["change"].round(1)} if "change" in rows else {}),
            "Источник": rows["source"],
            "Ячейка": rows["label"],
        }
    ).reset_index(drop=True)


def without_empty_rows(grid: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The grid without the rows that have no data in any area, and those rows' labels (for a long drill-down)."""
    body = grid[~grid["row_total"]]
    empty = body.groupby("row", sort=False)["state"].agg(lambda states: bool((states == NO_DATA).all()))
    dropped = [str(label) for label in empty[empty].index]
    return grid[~grid["row"].isin(dropped)].reset_index(drop=True), dropped


def workbook(
    grid: pd.DataFrame, order: Sequence[str], *, row_title: str, notes: Mapping[str, str], value: str = "share"
) -> dict[str, pd.DataFrame]:
    """The sheets of a matrix's XLSX: the values as on the chart, every cell's figures, and what was counted."""
    title = "Доля с дефицитом, %" if value == "share" else "Изменение, п. п."
    return {
        title: wide(grid, order, value=value, row_title=row_title),
        "Ячейки": counts(grid, order, row_title=row_title),
        "Условия": pd.DataFrame({"Параметр": list(notes), "Значение": list(notes.values())}),
    }


def only_row(grid: pd.DataFrame, row_id: int) -> pd.DataFrame:
    """The grid of one municipality (or organisation) alone: a municipal account sees nothing else."""
    return grid[grid["row_id"] == row_id].reset_index(drop=True)
