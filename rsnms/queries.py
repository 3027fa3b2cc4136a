"""SQL that returns DataFrames: aggregation happens in the database, not in pandas.

Every function takes the engine and keyword arguments, and speaks portable SQL (SQLite and
PostgreSQL alike). Rows of undone batches are deleted by the undo, so nothing here filters by
batch state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from rsnms.models import Region, UploadBatch

# A metric's region value: the region-level row when there is one, else the municipalities'
# sum, else the providers' sum (never two levels added together).
_LEVEL = """
    CASE WHEN ac.municipality_id IS NULL AND ac.organisation_id IS NULL THEN 0
         WHEN ac.organisation_id IS NULL THEN 1 ELSE 2 END
"""


def sql_frame(engine: Engine, sql: str, **params: Any) -> pd.DataFrame:
    """The rows of a parameterised SQL query."""
    with engine.connect() as connection:
        return pd.read_sql_query(text(sql), connection, params=params)


def regions(engine: Engine) -> pd.DataFrame:
    """``code``, ``name`` of every region, in the reference order."""
    return sql_frame(engine, "SELECT code, name FROM region ORDER BY sort_order, code")


def in_region(region: str | None) -> str:
    """The SQL condition on ``r`` (region) for one region's rows (binds :region), or every region's."""
    return "r.code = :region" if region is not None else "1 = 1"


def municipalities(engine: Engine, *, region: str | None) -> pd.DataFrame:
    """``id``, ``name``, ``short_name`` (the name when an upload gave none), ``kind``, ``region`` (its code).

    A region's municipalities in order; every region's (in the regions' order) when ``region`` is None.
    """
    sql = f"""
        SELECT m.id, m.name, COALESCE(NULLIF(m.short_name, ''), m.name) AS short_name, m.kind, r.code AS region
        FROM municipality m JOIN region r ON r.id = m.region_id
        WHERE {in_region(region)} ORDER BY r.sort_order, r.code, m.sort_order, m.name
    """
    return sql_frame(engine, sql, region=region)


# The ids of a region's municipalities (binds :region): a result's municipality IN these is a seek per municipality
# in the indexes led by municipality_id, where a join through the region would read more.
REGION_MUNICIPALITIES = "SELECT m.id FROM municipality m JOIN region r ON r.id = m.region_id WHERE r.code = :region"
# The years with diagnostic results in a region: a loose scan of ix_diagnostic_result_latest finds the years with
# results at all (one index seek per year, not a read of every result), then each is probed for the region's
# municipalities. Put RESULT_YEARS_CTE first in a statement and select RESULT_YEARS_IN_REGION in it (binds :region).
RESULT_YEARS_CTE = """
    WITH RECURSIVE result_years(year) AS (
        SELECT MIN(year) FROM diagnostic_result
        UNION ALL
        SELECT (SELECT MIN(d.year) FROM diagnostic_result d WHERE d.year > y.year)
        FROM result_years y WHERE y.year IS NOT NULL
    )
"""
RESULT_YEARS_IN_REGION = f"""
    SELECT y.year FROM result_years y
    WHERE y.year IS NOT NULL AND EXISTS (
        SELECT 1 FROM diagnostic_result d WHERE d.year = y.year AND d.municipality_id IN ({REGION_MUNICIPALITIES})
    )
"""


def data_years(engine: Engine, *, region: str) -> list[int]:
    """Years for which the region has aggregate counts or diagnostic results, newest first."""
    sql = f"""{RESULT_YEARS_CTE}
        SELECT DISTINCT ac.year FROM aggregate_count ac JOIN region r ON r.id = ac.region_id WHERE r.code = :region
        UNION {RESULT_YEARS_IN_REGION}
    """
    years = sql_frame(engine, sql, region=region)["year"]
    return sorted((int(year) for year in years), reverse=True)


def indicator_catalogue(engine: Engine, *, region: str | None, include_all: bool = False) -> pd.DataFrame:
    """The indicators of a region's act: wording, unit, polarity, metrics and window (``region``: its code).

    With ``include_all`` the indicators the act does not name come too (canonical name, annual
    window, ``in_act`` false): the product shows methodist load for every region, for example.
    No ``region``: every region's act, region by region.
    """
    sql = f"""
        SELECT r.code AS region, i.code, i.short_name, COALESCE(ir.wording, i.name) AS wording, i.unit, i.polarity,
               i.numerator_metrics, i.denominator_metrics, i.factor, i.scope,
               COALESCE(ir.window_rule, 'annual') AS window_rule, ir.window_start_year,
               CASE WHEN ir.id IS NULL THEN 0 ELSE 1 END AS in_act
        FROM region r CROSS JOIN indicator i
        LEFT JOIN indicator_region ir ON ir.indicator_id = i.id AND ir.region_id = r.id
        WHERE {in_region(region)} {"" if include_all else "AND ir.id IS NOT NULL"}
        ORDER BY r.sort_order, r.code, i.sort_order
    """
    catalogue = sql_frame(engine, sql, region=region)
    catalogue["in_act"] = catalogue["in_act"].astype(bool)
    return catalogue


def constant(engine: Engine, *, code: str) -> float:
    """The official value of a constant (for example methodist_norm)."""
    values = sql_frame(engine, "SELECT value FROM constant WHERE code = :code", code=code)["value"]
    if values.empty:
        raise LookupError(f"constant {code!r} is not in the reference data; run `python -m rsnms init`")
    return float(values.iloc[0])


def roadmap_items(engine: Engine, *, region: str) -> pd.DataFrame:
    """Every item of the region's roadmaps with its deadline fields, plan and period (dates as ``date``)."""
    sql = """
        SELECT ri.id, ri.code, rm.code AS roadmap_code, rm.title AS roadmap_title, rm.period_start, rm.period_end,
               ri.section, ri.item_no, ri.activity, ri.responsible, ri.deadline_raw, ri.due_dates, ri.recurrence,
               ri.expected_result, ri.quantitative_target, ri.indicator_codes
        FROM roadmap_item ri JOIN roadmap rm ON rm.id = ri.roadmap_id JOIN region r ON r.id = rm.region_id
        WHERE r.code = :region ORDER BY ri.sort_order
    """
    items = sql_frame(engine, sql, region=region)
    for column in ("period_start", "period_end"):
        items[column] = [None if pd.isna(day) else pd.Timestamp(day).date() for day in items[column]]
    return items


def roadmap_reports(engine: Engine, *, region: str) -> pd.DataFrame:
    """Every status report on the region's roadmap items."""
    sql = """
        SELECT rr.item_id, rr.as_of, rr.status, rr.actual_quantity, rr.evidence
        FROM roadmap_report rr JOIN roadmap_item ri ON ri.id = rr.item_id
        JOIN roadmap rm ON rm.id = ri.roadmap_id JOIN region r ON r.id = rm.region_id
        WHERE r.code = :region
    """
    reports = sql_frame(engine, sql, region=region)
    reports["as_of"] = pd.to_datetime(reports["as_of"]).dt.date
    return reports


@dataclass(frozen=True)
class Freshness:
    """Where the region's data come from: the newest committed batch."""

    batch_id: int | None
    created_at: dt.datetime | None
    data_as_of: dt.date | None
    is_demo: bool
    has_demo: bool = False  # the region also holds the demo batch


def freshness(engine: Engine, *, region: str) -> Freshness:
    """The newest committed upload of the region (the demo batch only when nothing else was loaded)."""
    query = (
        select(UploadBatch)
        .join(Region, col(Region.id) == col(UploadBatch.region_id))
        .where(Region.code == region, UploadBatch.state == "committed")
        .order_by(col(UploadBatch.created_at).desc(), col(UploadBatch.id).desc())
    )
    with Session(engine) as session:
        batches = session.exec(query).all()
    if not batches:
        return Freshness(batch_id=None, created_at=None, data_as_of=None, is_demo=False)
    real = [batch for batch in batches if not batch.is_demo]
    latest = real[0] if real else batches[0]
    return Freshness(
        batch_id=latest.id,
        created_at=latest.created_at,
        data_as_of=latest.data_as_of,
        is_demo=latest.is_demo,
        has_demo=len(real) < len(batches),
    )


def batches(engine: Engine) -> pd.DataFrame:
    """Every upload batch, newest first, with its region, counts and state."""
    sql = """
        SELECT b.id, b.file_name, b.kinds, b.kind, r.code AS region, r.name AS region_name, b.year, b.user_login,
               b.created_at, b.n_created, b.n_updated, b.n_unchanged, b.state, b.is_demo, b.undone_at, b.erased_at
        FROM upload_batch b LEFT JOIN region r ON r.id = b.region_id
        ORDER BY b.id DESC
    """
    return sql_frame(engine, sql)


def competency_areas(engine: Engine) -> pd.DataFrame:
    """``id``, ``code``, ``name``, ``applies_to`` of the active competency areas, in order."""
    sql = "SELECT id, code, name, applies_to FROM competency_area WHERE is_active ORDER BY sort_order"
    return sql_frame(engine, sql)


def aggregate_counts(engine: Engine, *, region: str | None, first_year: int, last_year: int) -> pd.DataFrame:
    """``region``, ``year``, ``municipality_id`` (NaN above municipalities), ``level``, ``metric``, ``value``.

    ``level``: 0 the region as a whole, 1 a municipality, 2 an organisation (ДПО provider). No ``region``: every
    region's counts.
    """
    sql = f"""
        SELECT r.code AS region, ac.year, ac.municipality_id, {_LEVEL} AS level, ac.metric, SUM(ac.value) AS value
        FROM aggregate_count ac JOIN region r ON r.id = ac.region_id
        WHERE {in_region(region)} AND ac.year BETWEEN :first AND :last
        GROUP BY r.code, ac.year, ac.municipality_id, {_LEVEL}, ac.metric
    """
    return sql_frame(engine, sql, region=region, first=first_year, last=last_year)


# Person-level numerators: distinct people (or organisations) per municipality over a span of years.
# The municipality is where the person worked when assessed (diagnostics) or their organisation's; its region
# is the educator's (uploads file educators under the region's own organisations and municipalities).
_PERSON_SQL = {
    "diag_passed": """
        SELECT r.code AS region, d.municipality_id, COUNT(DISTINCT d.educator_id) AS value
        FROM diagnosed_educator d JOIN municipality m ON m.id = d.municipality_id JOIN region r ON r.id = m.region_id
        WHERE {region} AND d.year BETWEEN :first AND :last
        GROUP BY r.code, d.municipality_id""",
    "iom_developed": """
        SELECT r.code AS region, o.municipality_id, COUNT(DISTINCT i.educator_id) AS value
        FROM iom i JOIN educator e ON e.id = i.educator_id JOIN organisation o ON o.id = e.organisation_id
        JOIN region r ON r.id = e.region_id
        WHERE {region} AND i.year BETWEEN :first AND :last AND i.based_on_diagnostics
        GROUP BY r.code, o.municipality_id""",
    "fr_dpo_completed": """
        SELECT r.code AS region, o.municipality_id, COUNT(DISTINCT c.educator_id) AS value
        FROM course_completion c JOIN dpo_programme p ON p.id = c.programme_id
        JOIN educator e ON e.id = c.educator_id JOIN organisation o ON o.id = e.organisation_id
        JOIN region r ON r.id = e.region_id
        WHERE {region} AND c.year BETWEEN :first AND :last AND p.in_federal_register
          AND c.selected_per_diagnostics AND e.category = 'pedagogue'
        GROUP BY r.code, o.municipality_id""",
    "young_teachers_supported": """
        SELECT r.code AS region, o.municipality_id, COUNT(DISTINCT s.educator_id) AS value
        FROM support_participation s JOIN educator e ON e.id = s.educator_id
        JOIN organisation o ON o.id = e.organisation_id JOIN region r ON r.id = e.region_id
        WHERE {region} AND s.year BETWEEN :first AND :last AND e.category = 'pedagogue'
          AND s.year - e.birth_year < 35 AND s.year - e.career_start_year < 3
        GROUP BY r.code, o.municipality_id""",
    "mgmt_teams_trained": """
        SELECT r.code AS region, o.municipality_id, COUNT(DISTINCT m.organisation_id) AS value
        FROM management_team_training m JOIN organisation o ON o.id = m.organisation_id
        JOIN region r ON r.id = o.region_id
        WHERE {region} AND m.year BETWEEN :first AND :last AND m.participated
        GROUP BY r.code, o.municipality_id""",
}
PERSON_METRICS = tuple(_PERSON_SQL)


def person_counts(engine: Engine, *, region: str | None, metric: str, first_year: int, last_year: int) -> pd.DataFrame:
    """``region``, ``municipality_id``, ``value``: distinct people behind a metric over the years (person-level rows).

    No ``region``: every region's municipalities.
    """
    sql = _PERSON_SQL[metric].format(region=in_region(region))
    return sql_frame(engine, sql, region=region, first=first_year, last=last_year)


def roadmap_activity(engine: Engine, *, region: str | None) -> pd.DataFrame:
    """``region``, ``year``, ``reports``: status reports on the region's roadmaps per year (a roadmap in force).

    No ``region``: every region's.
    """
    sql = f"""
        SELECT r.code AS region, rr.as_of FROM roadmap_report rr JOIN roadmap_item ri ON ri.id = rr.item_id
        JOIN roadmap rm ON rm.id = ri.roadmap_id JOIN region r ON r.id = rm.region_id WHERE {in_region(region)}
    """
    reports = sql_frame(engine, sql, region=region)
    reports["year"] = pd.to_datetime(reports["as_of"]).dt.year
    return reports.groupby(["region", "year"]).size().rename("reports").reset_index()


def upload_years(engine: Engine, *, region: str | None) -> pd.DataFrame:
    """``region``, ``year``: years for which a region's monitoring data were uploaded (committed, with a year)."""
    sql = f"""
        SELECT DISTINCT r.code AS region, b.year FROM upload_batch b JOIN region r ON r.id = b.region_id
        WHERE {in_region(region)} AND b.state = 'committed' AND b.year IS NOT NULL
    """
    return sql_frame(engine, sql, region=region)


def regions_with_data(engine: Engine, *, year: int) -> list[str]:
    """Codes of the regions with aggregate counts or diagnostic results in the year, in the regions' order."""
    sql = """
        SELECT r.code FROM region r
        WHERE EXISTS (SELECT 1 FROM aggregate_count ac WHERE ac.region_id = r.id AND ac.year = :year)
           OR EXISTS (
               SELECT 1 FROM diagnostic_result d WHERE d.year = :year
                  AND d.municipality_id IN (SELECT m.id FROM municipality m WHERE m.region_id = r.id)
           )
        ORDER BY r.sort_order, r.code
    """
    return [str(code) for code in sql_frame(engine, sql, year=year)["code"]]


def targets(engine: Engine, *, region: str, years: list[int]) -> pd.DataFrame:
    """``code``, ``year``, ``municipality_id`` (NA: the region), ``target``: official targets of the years.

    An uploaded target (newest batch first) takes precedence over the act's for the same scope and year.
    """
    placeholders = ", ".join(f":y{index}" for index in range(len(years)))
    sql = f"""
        SELECT i.code, t.year, t.municipality_id, t.value AS target, t.batch_id
        FROM indicator_target t JOIN indicator i ON i.id = t.indicator_id JOIN region r ON r.id = t.region_id
        WHERE r.code = :region AND t.year IN ({placeholders})
    """
    found = sql_frame(engine, sql, region=region, **{f"y{index}": year for index, year in enumerate(years)})
    found = found.assign(uploaded=found["batch_id"].notna()).sort_values(["uploaded", "batch_id"], ascending=False)
    found = found.drop_duplicates(["code", "year", "municipality_id"])
    return (
        found[["code", "year", "municipality_id", "target"]].astype({"municipality_id": "Int64"}).reset_index(drop=True)
    )


def provider_programmes(engine: Engine, *, region: str, year: int) -> pd.DataFrame:
    """``provider``, ``numerator`` (programmes in the ФР ДППО), ``denominator`` (all programmes) per ДПО provider."""
    sql = """
        SELECT o.name AS provider, ac.metric, SUM(ac.value) AS value
        FROM aggregate_count ac JOIN organisation o ON o.id = ac.organisation_id JOIN region r ON r.id = ac.region_id
        WHERE r.code = :region AND ac.year = :year AND ac.metric IN ('dpo_programs_in_fr', 'dpo_programs_total')
        GROUP BY o.name, ac.metric
    """
    rows = sql_frame(engine, sql, region=region, year=year)
    wide = rows.pivot_table(index="provider", columns="metric", values="value", aggfunc="sum").reset_index()
    wide = wide.rename(columns={"dpo_programs_in_fr": "numerator", "dpo_programs_total": "denominator"})
    for column in ("numerator", "denominator"):
        if column not in wide:
            wide[column] = float("nan")
    return wide[["provider", "numerator", "denominator"]]
