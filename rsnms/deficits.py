"""Professional deficits by municipality (or organisation) and competency area, computed in SQL.

A cell counts each educator once per area: their latest result of the year. An educator not assessed in
an area is not in that cell's denominator. Where a municipality has no person-level results for the year,
its uploaded deficit counts (``deficit_aggregate``) are used instead, never both.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from sqlalchemy import Engine, text

CELL_COLUMNS = ["municipality", "area", "n_assessed", "n_with_deficit", "share", "mean_score"]

_PERSON_SQL = """
    WITH latest AS (
        SELECT d.educator_id, d.area_id, MAX(d.taken_on) AS taken_on
        FROM diagnostic_result d JOIN educator e ON e.id = d.educator_id JOIN region r ON r.id = e.region_id
        WHERE r.code = :region AND d.year = :year
        GROUP BY d.educator_id, d.area_id
    )
    SELECT d.municipality_id, {organisation} a.code AS area_code, a.name AS area, a.sort_order,
           COUNT(*) AS n_assessed, SUM(CASE WHEN d.is_deficit THEN 1 ELSE 0 END) AS n_with_deficit,
           AVG(d.score) AS mean_score
    FROM diagnostic_result d
    JOIN latest l ON l.educator_id = d.educator_id AND l.area_id = d.area_id AND l.taken_on = d.taken_on
    JOIN competency_area a ON a.id = d.area_id {join}
    GROUP BY d.municipality_id, {group} a.code, a.name, a.sort_order
"""

_AGGREGATE_SQL = """
    SELECT g.municipality_id, a.code AS area_code, a.name AS area, a.sort_order, SUM(g.n_assessed) AS n_assessed,
           SUM(g.n_with_deficit) AS n_with_deficit,
           SUM(g.mean_score * g.n_assessed) / NULLIF(SUM(CASE WHEN g.mean_score IS NOT NULL THEN g.n_assessed END), 0)
             AS mean_score
    FROM deficit_aggregate g JOIN region r ON r.id = g.region_id JOIN competency_area a ON a.id = g.area_id
    WHERE r.code = :region AND g.year = :year AND g.organisation_id IS NULL
    GROUP BY g.municipality_id, a.code, a.name, a.sort_order
"""


def _frame(engine: Engine, sql: str, **params: Any) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.read_sql_query(text(sql), connection, params=params)


def cells(engine: Engine, *, region: str, year: int, by_organisation: bool = False) -> pd.DataFrame:
    """One row per municipality (and organisation) and area: assessed, with a deficit, share, mean score.

    ``share`` is in per cent; ``source`` says whether the cell comes from person-level results or uploaded counts.
    """
    organisation = "o.name AS organisation," if by_organisation else ""
    join = "LEFT JOIN organisation o ON o.id = d.organisation_id" if by_organisation else ""
    group = "o.name," if by_organisation else ""
    person = _frame(
        engine, _PERSON_SQL.format(organisation=organisation, join=join, group=group), region=region, year=year
    )
    person["source"] = "персональные данные"
    if not by_organisation:
        counted = _frame(engine, _AGGREGATE_SQL, region=region, year=year)
        counted = counted[~counted["municipality_id"].isin(person["municipality_id"])]
        person = pd.concat([person, counted.assign(source="сводные данные")], ignore_index=True)
    names = _frame(
        engine,
        "SELECT m.id AS municipality_id, m.name AS municipality, m.sort_order AS municipality_order "
        "FROM municipality m JOIN region r ON r.id = m.region_id WHERE r.code = :region",
        region=region,
    )
    frame = person.merge(names, on="municipality_id")
    frame["share"] = [
        n / total * 100 if total else math.nan
        for n, total in zip(frame["n_with_deficit"], frame["n_assessed"], strict=True)
    ]
    order = ["municipality_order", *(["organisation"] if by_organisation else []), "sort_order"]
    return frame.sort_values(order).reset_index(drop=True)


def table(
    engine: Engine, *, region: str, year: int, by_organisation: bool = False, municipality: str | None = None
) -> pd.DataFrame:
    """The cells as design.md §10 lists them: municipality, [organisation,] area, n_assessed, …, mean_score."""
    frame = cells(engine, region=region, year=year, by_organisation=by_organisation)
    if municipality is not None:
        frame = frame[frame["municipality"] == municipality]
    columns = ["municipality", *(["organisation"] if by_organisation else []), *CELL_COLUMNS[1:]]
    return frame[columns].reset_index(drop=True) if not frame.empty else pd.DataFrame(columns=columns)
