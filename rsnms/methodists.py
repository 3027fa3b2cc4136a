"""Regional methodists' load against the norm (design.md §9.3): per methodist and per municipality.

A methodist's teachers come from the year's person-level links (``methodist_assignment``: an educator,
or an organisation with its number of teachers, or else its roster), or, for a methodist without links,
from the uploaded caseload counts (``methodist_caseload``) — never both. A methodist's FTE serves the
municipalities of their teachers: a caseload row's own FTE when it gives one; the rest of the methodist's
FTE is split over their other municipalities in proportion to their teachers there. A methodist with no
teachers in the year is counted where they are based. When the region has no methodists on record at all,
the uploaded «Региональные методисты (ставки)» counts are used. Teachers per municipality are the official
count (``ped_workers_total``), or the roster of pedagogues where no count was uploaded.

The SQL fetches one base frame per region and year; the norm and the what-if extra methodists are applied
to it by pure functions, so a slider on the page recomputes without a query.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from rsnms import formatting, labels, queries

MET, OVER, NO_METHODIST, NO_DATA = "met", "not_met", "no_methodist", "no_data"
IDLE, OVERLOADED, NORMAL = "idle", "overloaded", "normal"
NORM_CODE = "methodist_norm"
FTE_STEPS = 4  # a methodist's FTE comes in quarters (0,25 ставки)
TABLE_COLUMNS = [
    "municipality",
    "teachers",
    "methodists_fte",
    "teachers_per_methodist",
    "required",
    "shortfall",
    "unassigned",
]

_METHODISTS_SQL = """
    SELECT m.id AS methodist_id, m.code, m.display_name, m.municipality_id AS home_id, m.specialisation, m.fte,
           r.code AS region
    FROM methodist m JOIN region r ON r.id = m.region_id WHERE {region} AND m.is_active
"""
# Teachers linked to each methodist in a municipality: an educator counts once; an organisation counts its
# stated number of teachers, or else the pedagogues of its roster (``rostered``: added from _ROSTER_SQL).
_ASSIGNED_SQL = """
    SELECT methodist_id, municipality_id, rostered, SUM(teachers) AS teachers FROM (
        SELECT a.methodist_id,
               COALESCE(o.municipality_id, (  -- an educator's link: where the educator works (looked up per link)
                   SELECT eo.municipality_id FROM educator e JOIN organisation eo ON eo.id = e.organisation_id
                   WHERE e.id = a.educator_id
               )) AS municipality_id,
               CASE WHEN a.educator_id IS NULL AND a.n_teachers IS NULL THEN a.organisation_id END AS rostered,
               CASE WHEN a.educator_id IS NOT NULL THEN 1 ELSE COALESCE(a.n_teachers, 0) END AS teachers
        FROM methodist_assignment a JOIN methodist m ON m.id = a.methodist_id JOIN region r ON r.id = m.region_id
        LEFT JOIN organisation o ON o.id = a.organisation_id
        WHERE {region} AND a.year = :year AND m.is_active
    ) links
    GROUP BY methodist_id, municipality_id, rostered
"""
_CASELOAD_SQL = """
    SELECT c.methodist_id, c.municipality_id, SUM(c.n_teachers) AS teachers, SUM(c.fte) AS fte
    FROM methodist_caseload c JOIN methodist m ON m.id = c.methodist_id JOIN region r ON r.id = m.region_id
    WHERE {region} AND c.year = :year AND m.is_active
    GROUP BY c.methodist_id, c.municipality_id
"""
_COUNTS_SQL = """
    SELECT ac.municipality_id, ac.metric, SUM(ac.value) AS value
    FROM aggregate_count ac JOIN region r ON r.id = ac.region_id
    WHERE {region} AND ac.year = :year AND ac.municipality_id IS NOT NULL AND ac.organisation_id IS NULL
      AND ac.metric IN ('ped_workers_total', 'methodists_fte')
    GROUP BY ac.municipality_id, ac.metric
"""
# The pedagogues of each organisation's roster, counted once for the links and the municipalities' teachers
# (a methodist links organisations of their own region; an educator's region is their organisation's).
_ROSTER_SQL = """
    SELECT e.organisation_id, o.municipality_id, COUNT(*) AS teachers
    FROM organisation o JOIN region r ON r.id = o.region_id JOIN educator e ON e.organisation_id = o.id
    WHERE {region} AND e.category = 'pedagogue'
    GROUP BY e.organisation_id, o.municipality_id
"""


def _scoped(engine: Engine, template: str, region: str | None, **params: Any) -> pd.DataFrame:
    """The rows of one of the queries above, for a region or (None) every region."""
    return queries.sql_frame(engine, template.format(region=queries.in_region(region)), region=region, **params)


def _roster(engine: Engine, *, region: str | None) -> pd.DataFrame:
    """``organisation_id``, ``municipality_id``, ``teachers``: the pedagogues on each organisation's roster."""
    return _scoped(engine, _ROSTER_SQL, region)


def served(engine: Engine, *, region: str | None, year: int, rosters: pd.DataFrame | None = None) -> pd.DataFrame:
    """``methodist_id``, ``municipality_id``, ``teachers``, ``fte``, ``region``: what each methodist serves where.

    Methodists with links in the year use them; the others their caseload counts; a methodist with neither
    appears once at their base with no teachers and their whole FTE. Every region's when ``region`` is None.
    ``rosters`` is ``_roster(engine, region=region)`` when the caller has it already.
    """
    methodists = _scoped(engine, _METHODISTS_SQL, region)
    rosters = _roster(engine, region=region) if rosters is None else rosters
    links = _scoped(engine, _ASSIGNED_SQL, region, year=year)
    listed = links["rostered"].map(rosters.set_index("organisation_id")["teachers"]).fillna(0)
    links["teachers"] = links["teachers"].astype(float) + listed.where(links["rostered"].notna(), 0)
    assigned = links.groupby(["methodist_id", "municipality_id"], as_index=False, dropna=False)[["teachers"]].sum()
    assigned = assigned.assign(fte=math.nan)
    caseload = _scoped(engine, _CASELOAD_SQL, region, year=year)
    caseload = caseload[~caseload["methodist_id"].isin(assigned["methodist_id"])]
    rows = pd.concat([assigned, caseload], ignore_index=True).astype({"teachers": float, "fte": float})
    own = methodists[["methodist_id", "fte", "region"]].rename(columns={"fte": "own_fte"})
    rows = rows.merge(own, on="methodist_id")
    given = rows.groupby("methodist_id")["fte"].sum()  # FTE a caseload row states for its municipality
    left = (rows["own_fte"] - rows["methodist_id"].map(given)).clip(lower=0)
    open_teachers = rows[rows["fte"].isna()].groupby("methodist_id")["teachers"].sum()
    share = rows["teachers"] / rows["methodist_id"].map(open_teachers).replace(0, np.nan)
    rows["fte"] = rows["fte"].fillna(left * share.fillna(0))
    idle = methodists[~methodists["methodist_id"].isin(rows["methodist_id"])]
    idle = idle.rename(columns={"home_id": "municipality_id"}).assign(teachers=0.0)
    columns = ["methodist_id", "municipality_id", "teachers", "fte", "region"]
    return pd.concat([rows[columns], idle[columns]], ignore_index=True)


def methodists(engine: Engine, *, region: str, year: int, norm: float) -> pd.DataFrame:
    """One row per active methodist: code, name, base municipality, specialisation, FTE, teachers, load, state.

    ``load`` is teachers per FTE; ``state`` is ``overloaded`` above the norm, ``idle`` with no teachers.
    Sorted by load, highest first.
    """
    staff = _scoped(engine, _METHODISTS_SQL, region)
    work = served(engine, region=region, year=year).groupby("methodist_id")[["teachers", "fte"]].sum()
    names = queries.municipalities(engine, region=region)[["id", "name"]]
    frame = staff.merge(work.rename(columns={"fte": "served_fte"}), left_on="methodist_id", right_index=True)
    frame = frame.merge(names.rename(columns={"id": "home_id", "name": "municipality"}), on="home_id", how="left")
    frame["fte"] = frame["served_fte"].where(frame["served_fte"] > 0, frame["fte"])
    frame["load"] = frame["teachers"] / frame["fte"].replace(0, np.nan)
    frame["state"] = np.where(frame["teachers"] == 0, IDLE, np.where(frame["load"] > norm, OVERLOADED, NORMAL))
    columns = ["code", "display_name", "municipality", "specialisation", "fte", "teachers", "load", "state"]
    return frame.sort_values(["load", "code"], ascending=[False, True], na_position="last")[columns].reset_index(
        drop=True
    )


def base(engine: Engine, *, region: str | None, year: int) -> pd.DataFrame:
    """Per municipality: teachers (and where the figure comes from), methodist FTE, teachers assigned, region code.

    A region's municipalities, or every region's when ``region`` is None. ``assigned`` is NaN where the region's
    methodists are known only as uploaded FTE counts.
    """
    places = queries.municipalities(engine, region=region)[["id", "name", "short_name", "region"]]
    places = places.rename(columns={"id": "municipality_id", "name": "municipality"})
    counts = _scoped(engine, _COUNTS_SQL, region, year=year)
    counts = counts.pivot_table(index="municipality_id", columns="metric", values="value", aggfunc="sum")
    rosters = _roster(engine, region=region)
    on_roster = rosters.groupby("municipality_id")["teachers"].sum()
    frame = places.set_index("municipality_id")
    official = counts["ped_workers_total"] if "ped_workers_total" in counts else pd.Series(dtype=float)
    official = official.reindex(frame.index).astype(float)
    listed = on_roster.reindex(frame.index).astype(float)
    frame["teachers"] = official.fillna(listed)
    frame["teachers_source"] = [
        "официальные данные" if pd.notna(count) else "реестр педагогов" if pd.notna(n) else None
        for count, n in zip(official, listed, strict=True)
    ]
    work = served(engine, region=region, year=year, rosters=rosters)
    by_place = work.groupby("municipality_id")[["teachers", "fte"]].sum()
    uploaded = counts["methodists_fte"] if "methodists_fte" in counts else pd.Series(dtype=float)
    on_record = frame["region"].isin(set(work["region"]))  # else no methodists on record: the uploaded FTE counts
    frame["methodists_fte"] = (
        by_place["fte"].reindex(frame.index).fillna(0.0).where(on_record, uploaded.reindex(frame.index).fillna(0.0))
    )
    frame["assigned"] = by_place["teachers"].reindex(frame.index).fillna(0.0).where(on_record, math.nan)
    return frame.reset_index()


def regions_table(engine: Engine, *, year: int, norm: float | None = None) -> pd.DataFrame:
    """Every region with data: its figures as ``totals`` gives them (the official norm unless one is given)."""
    norm = norm if norm is not None else queries.constant(engine, code=NORM_CODE)
    figures = totals_by(municipalities(base(engine, region=None, year=year), norm=norm), norm=norm, by="region")
    names = queries.regions(engine).rename(columns={"code": "region", "name": "region_name"})
    figures = names.merge(figures, on="region")  # in the regions' order
    columns = ["teachers", "methodists_fte", "teachers_per_methodist", "required", "shortfall", "unassigned",
               "over_norm", "municipalities"]  # fmt: skip
    return figures.rename(columns={"region": "code", "region_name": "region"})[["region", *columns]]


def municipalities(base_frame: pd.DataFrame, *, norm: float, extra: Mapping[int, float] | None = None) -> pd.DataFrame:
    """The load table for a norm, with ``extra`` methodist FTE added per municipality id (a what-if).

    Adds ``teachers_per_methodist``, ``required`` = teachers / norm rounded up to a quarter FTE (design.md's
    ceil(teachers / norm) in the FTE a methodist is hired by), ``shortfall`` = required − FTE
    (never below 0), ``unassigned`` teachers and ``status``. Municipalities with teachers and no methodist come
    first, then the highest load.
    """
    frame = base_frame.copy()
    for municipality_id, added in (extra or {}).items():
        frame.loc[frame["municipality_id"] == municipality_id, "methodists_fte"] += added
    fte = frame["methodists_fte"]
    frame["teachers_per_methodist"] = frame["teachers"] / fte.where(fte > 0)
    frame["required"] = np.ceil(frame["teachers"] / norm * FTE_STEPS) / FTE_STEPS  # within the norm ⇔ no shortfall
    frame["shortfall"] = (frame["required"] - fte).clip(lower=0)
    frame["unassigned"] = (frame["teachers"] - frame["assigned"]).clip(lower=0)
    frame["status"] = _statuses(frame, norm)
    rank = frame["status"].map({NO_METHODIST: 0}).fillna(1)
    frame = frame.assign(_rank=rank).sort_values(
        ["_rank", "teachers_per_methodist", "municipality"], ascending=[True, False, True], na_position="last"
    )
    return frame.drop(columns="_rank").reset_index(drop=True)


def _statuses(frame: pd.DataFrame, norm: float) -> list[str]:
    statuses = []
    for teachers, load in zip(frame["teachers"], frame["teachers_per_methodist"], strict=True):
        if pd.isna(teachers) or teachers == 0:
            statuses.append(NO_DATA)
        elif pd.isna(load):
            statuses.append(NO_METHODIST)
        else:
            statuses.append(MET if load <= norm else OVER)
    return statuses


_COUNTS = ("over_norm", "without_methodist", "municipalities")  # whole numbers among the figures


def totals_by(table: pd.DataFrame, *, norm: float, by: str) -> pd.DataFrame:
    """``totals`` for each value of the column ``by``, one row each (values with counted municipalities only)."""
    counted = table[table["status"] != NO_DATA]
    flags = counted.assign(
        over_norm=counted["status"].isin([OVER, NO_METHODIST]),
        without_methodist=counted["status"] == NO_METHODIST,
        meeting=counted["status"] == MET,
    )
    groups = flags.groupby(by, sort=False)
    frame = groups[["teachers", "methodists_fte", "required", "shortfall", "over_norm", "without_methodist"]].sum()
    frame["unassigned"] = groups["unassigned"].sum(min_count=1)
    frame["municipalities"] = groups.size()
    frame["meeting_norm_share"] = groups["meeting"].mean() * 100
    frame["teachers_per_methodist"] = frame["teachers"] / frame["methodists_fte"].where(frame["methodists_fte"] != 0)
    frame["norm"] = norm
    return frame.reset_index()


def totals(table: pd.DataFrame, *, norm: float) -> dict[str, Any]:
    """The region's figures: teachers, FTE, load, methodists required and missing, municipalities over the norm."""
    rows = totals_by(table.assign(scope=0), norm=norm, by="scope").drop(columns="scope")
    if rows.empty:  # no municipality with data
        figures: dict[str, Any] = {column: 0.0 for column in rows.columns}
        figures |= {"teachers_per_methodist": math.nan, "unassigned": math.nan, "meeting_norm_share": math.nan}
    else:
        figures = {str(k): v for k, v in rows.iloc[0].items()}
    return {str(k): int(v) if k in _COUNTS else float(v) for k, v in figures.items()} | {"norm": norm}


def table(engine: Engine, *, region: str, year: int, norm: float | None = None) -> pd.DataFrame:
    """The municipalities as design.md §10 lists them (the official norm unless one is given)."""
    norm = norm if norm is not None else queries.constant(engine, code=NORM_CODE)
    frame = municipalities(base(engine, region=region, year=year), norm=norm)
    return frame[frame["status"] != NO_DATA][TABLE_COLUMNS].reset_index(drop=True)


def display_municipalities(table_frame: pd.DataFrame) -> pd.DataFrame:
    """The municipality table as the page and its XLSX show it (Russian headers, numbers and statuses)."""
    return pd.DataFrame(
        {
            "Муниципалитет": table_frame["municipality"],
            "Педагогов": [formatting.number(n) for n in table_frame["teachers"]],
            "Ставок методистов": [formatting.short_number(n, 2) for n in table_frame["methodists_fte"]],
            "Педагогов на 1 методиста": [
                formatting.number(n) if pd.notna(n) else "—" for n in table_frame["teachers_per_methodist"]
            ],
            "Нужно ставок по норме": [formatting.short_number(n, 2) for n in table_frame["required"]],
            "Не хватает ставок": [formatting.short_number(n, 2) for n in table_frame["shortfall"]],
            "Педагогов без методиста": [formatting.number(n) for n in table_frame["unassigned"]],
            "Статус": [labels.METHODIST_LOAD_STATUS[code][0] for code in table_frame["status"]],
            "Источник числа педагогов": table_frame["teachers_source"],
        }
    )


def display_methodists(frame: pd.DataFrame, *, with_names: bool) -> pd.DataFrame:
    """The methodists table; names only for the roles that may see them, and only when any were uploaded."""
    names = with_names and bool(frame["display_name"].notna().any())
    return pd.DataFrame(
        {
            "Код": frame["code"],
            **({"ФИО": frame["display_name"].fillna("—")} if names else {}),
            "Муниципалитет": frame["municipality"].fillna("—"),
            "Специализация": frame["specialisation"],
            "Ставка": [formatting.short_number(n, 2) for n in frame["fte"]],
            "Закреплено педагогов": [formatting.number(n) for n in frame["teachers"]],
            "Педагогов на ставку": [formatting.number(n) if pd.notna(n) else "—" for n in frame["load"]],
            "Состояние": [labels.METHODIST_STATE[state] for state in frame["state"]],
        }
    )
