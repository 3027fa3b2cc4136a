"""National scale: 85 regions, ~1,1 million educators, ~8,8 million diagnostic results over three years.

Builds (its time is printed, not measured) one store per backend: a SQLite file, and PostgreSQL when
``--postgres URL`` (or ``RSNMS_BENCH_POSTGRES_URL``) names a database the bench may empty and fill. Each
holds the reference data and, beside the five real regions, 80 synthetic ones («Регион № 1» …), with
municipalities, organisations (one per 25 educators), educators, the diagnostics of three years (a
third of the educators a year: the six common areas in autumn, and two areas again in spring — or, for
managers, «управленческая» and one area again), the municipalities' uploaded counts, the acts' indicators
copied from Omsk with synthetic targets, and methodists (one per 180–330 teachers) linked to the organisations.

Then, per backend, the fastest of ``--repeat`` runs (after one untimed run) of what the pages compute —
at region level (Omsk and the largest region): the heatmap (``deficits.matrix``), the indicator
scorecard of three years (``monitoring.scored``), the methodist load (``methodists.base`` and
``methodists.methodists``); at country level: the heatmap by region (``deficits.regions_table``), the
region comparison of «Показатели» (``monitoring.compare_regions``) and the methodist load by region
(``methodists.regions_table``); and what a commit adds (``store.refresh_results`` for one region's
assessed educators, rolled back). For each it names the slowest SQL statement. It prints the query
plans of the heatmap SQL and a first and a warm AppTest run of the four monitoring pages on Omsk.
Asserts nothing. Run: ``make bench`` or ``.venv/bin/python -m bench.national [--postgres URL]
[--keep DIR] [--fraction 0.02]`` (``--keep`` keeps and reuses the SQLite store; a PostgreSQL store of
the same size is reused; a fraction builds a smaller country for a quick try).
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Engine, event, text

from rsnms import db, deficits, methodists, monitoring, queries, store
from rsnms.reference import load_reference

ROOT = Path(__file__).resolve().parent.parent
REGIONS, TEACHERS, YEARS = 85, 1_100_000, (2022, 2023, 2024)
YEAR = YEARS[-1]
REAL_TEACHERS = {"kirov": 15_000, "ivanovo": 12_000, "krasnodar": 70_000, "leningrad": 22_000, "omsk": 30_000}
COMMON_AREAS = ("normative", "subject", "methodical", "psych_ped", "communicative", "digital")
BASE_SCORES = np.array([71.0, 77.0, 72.0, 73.0, 78.0, 66.0])
SUBJECTS = np.array(["", "математика", "русский язык", "физика", "история", "биология", "информатика"])
KINDS = np.array(["general_school", "preschool", "additional_ed", "spo"])
PER_ORGANISATION = 25
PAGES = ("pages/overview.py", "pages/indicators.py", "pages/deficits.py", "pages/methodists.py")
NATIONAL_MARK = "national-bench"  # the source of the synthetic targets


# --- building -------------------------------------------------------------------------------------------


def _ids(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one())


def bulk(engine: Engine, table: str, frame: pd.DataFrame) -> None:
    """Load ``frame`` into ``table`` as fast as the backend takes it: COPY (PostgreSQL) or executemany."""
    if frame.empty:
        return
    columns = ", ".join(frame.columns)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            # COPY's text format: tab-separated, \N for NULL (an empty field is an empty string); no text here
            # holds a tab, a newline or a backslash
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for start in range(0, len(frame), 200_000):
                    chunk = frame.iloc[start : start + 200_000]
                    copy.write(chunk.to_csv(sep="\t", na_rep="\\N", header=False, index=False, quoting=csv.QUOTE_NONE))
        else:
            marks = ", ".join("?" * len(frame.columns))
            rows = list(frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        raw.commit()
    finally:
        raw.close()


def _split(rng: np.random.Generator, total: int, parts: int, sigma: float) -> npt.NDArray[np.int64]:
    """``total`` split into ``parts`` lognormal shares (each at least 1)."""
    weights = rng.lognormal(0, sigma, parts)
    counts: npt.NDArray[np.int64] = np.maximum(1, np.floor(weights / weights.sum() * total)).astype(np.int64)
    counts[np.argmax(counts)] += total - counts.sum()
    return counts


def _places(engine: Engine, rng: np.random.Generator, fraction: float) -> pd.DataFrame:
    """Add the synthetic regions and their municipalities; returns every municipality with its teachers."""
    synthetic = REGIONS - len(REAL_TEACHERS)
    real = {code: round(teachers * fraction) for code, teachers in REAL_TEACHERS.items()}
    sizes = _split(rng, round(TEACHERS * fraction) - sum(real.values()), synthetic, 0.7)
    first_region = _ids(engine, "region") + 1
    regions = pd.DataFrame(
        {
            "id": range(first_region, first_region + synthetic),
            "code": [f"r{number:02d}" for number in range(1, synthetic + 1)],
            "name": [f"Регион № {number}" for number in range(1, synthetic + 1)],
            "authority": "",
            "act": "",
            "sort_order": range(100, 100 + synthetic),
        }
    )
    bulk(engine, "region", regions)
    municipalities = []
    next_id = _ids(engine, "municipality") + 1
    for region_id, teachers in zip(regions["id"], sizes, strict=True):
        count = int(np.clip(round(teachers / 500), 12, 60))
        names = ["г. Центр", *(f"Муниципальный район № {number}" for number in range(1, count))]
        municipalities.append(
            pd.DataFrame(
                {
                    "id": range(next_id, next_id + count),
                    "region_id": region_id,
                    "name": names,
                    "short_name": names,
                    "kind": ["городской округ", *["муниципальный район"] * (count - 1)],
                    "sort_order": range(count),
                }
            )
        )
        next_id += count
    bulk(engine, "municipality", pd.concat(municipalities, ignore_index=True))
    with engine.connect() as conn:
        places = pd.read_sql_query(
            text(
                "SELECT m.id, m.region_id, r.code FROM municipality m JOIN region r ON r.id = m.region_id ORDER BY m.id"
            ),
            conn,
        )
    totals = {**real, **dict(zip(regions["code"], sizes.tolist(), strict=True))}
    places["teachers"] = 0
    for code, group in places.groupby("code"):
        places.loc[group.index, "teachers"] = _split(rng, totals[str(code)], len(group), 0.9)
    return places


def _people(engine: Engine, rng: np.random.Generator, places: pd.DataFrame) -> pd.DataFrame:
    """Organisations and educators; returns the educators (id, organisation, municipality, region, category)."""
    counts = np.maximum(2, places["teachers"].to_numpy() // PER_ORGANISATION)
    first_org = _ids(engine, "organisation") + 1
    org_municipality = np.repeat(places["id"].to_numpy(), counts)
    organisations = pd.DataFrame(
        {
            "id": np.arange(first_org, first_org + len(org_municipality)),
            "region_id": np.repeat(places["region_id"].to_numpy(), counts),
            "municipality_id": org_municipality,
            "name": [f"Организация № {number}" for number in range(1, len(org_municipality) + 1)],
            "kind": KINDS[rng.choice(len(KINDS), len(org_municipality), p=[0.55, 0.3, 0.1, 0.05])],
            "is_low_results": False,
            "has_mentoring_model": rng.random(len(org_municipality)) < 0.5,
            "is_internship_site": False,
        }
    )
    bulk(engine, "organisation", organisations)
    teachers = places["teachers"].to_numpy()
    offsets = np.repeat(np.cumsum(counts) - counts, teachers)
    org_index = offsets + (rng.random(teachers.sum()) * np.repeat(counts, teachers)).astype(np.int64)
    n = int(teachers.sum())
    first = _ids(engine, "educator") + 1
    born = rng.integers(1960, 2002, n)
    people = pd.DataFrame(
        {
            "id": np.arange(first, first + n),
            "region_id": organisations["region_id"].to_numpy()[org_index],
            "pseudo_key": [f"national-{number:07d}" for number in range(n)],
            "organisation_id": organisations["id"].to_numpy()[org_index],
            "category": np.where(rng.random(n) < 0.12, "manager", "pedagogue"),
            "position": "",
            "subject": SUBJECTS[rng.integers(0, len(SUBJECTS), n)],
            "birth_year": born,
            "career_start_year": np.minimum(YEAR, born + rng.integers(21, 36, n)),
            "qualification": "",
        }
    )
    bulk(engine, "educator", people)
    return pd.DataFrame(
        {
            "id": people["id"],
            "organisation_id": people["organisation_id"],
            "municipality_id": organisations["municipality_id"].to_numpy()[org_index],
            "region_id": people["region_id"],
            "manager": people["category"].to_numpy() == "manager",
        }
    )


def _results(rng: np.random.Generator, people: pd.DataFrame, year: int, areas: dict[str, int]) -> pd.DataFrame:
    """One year's eight results of each educator assessed that year (see the module's docstring)."""
    assessed = people[people["id"].to_numpy() % len(YEARS) == year % len(YEARS)]
    n = len(assessed)
    common = np.array([areas[code] for code in COMMON_AREAS])
    scores = np.clip(np.round(BASE_SCORES + rng.normal(0, 8, (n, 1)) + rng.normal(0, 10, (n, 6))), 0, 100)
    organisation, municipality = assessed["organisation_id"].to_numpy(), assessed["municipality_id"].to_numpy()
    autumn = np.datetime64(f"{year}-10-02") + (organisation * 7 % 50).astype("timedelta64[D]")
    spring = np.datetime64(f"{year}-03-13") + rng.integers(0, 31, n).astype("timedelta64[D]")
    again = rng.integers(0, 6, n)
    other = (again + rng.integers(1, 6, n)) % 6
    manager = assessed["manager"].to_numpy()
    rows = np.arange(n)
    seventh_area = np.where(manager, areas["managerial"], common[other])
    seventh_score = np.where(manager, np.clip(np.round(70 + rng.normal(0, 10, n)), 0, 100), scores[rows, other] - 6)
    frame = pd.DataFrame(
        {
            "educator_id": np.concatenate([np.repeat(assessed["id"].to_numpy(), 6), assessed["id"], assessed["id"]]),
            "area_id": np.concatenate([np.tile(common, n), seventh_area, common[again]]),
            "taken_on": np.concatenate([np.repeat(autumn, 6), np.where(manager, autumn, spring), spring]),
            "organisation_id": np.concatenate([np.repeat(organisation, 6), organisation, organisation]),
            "municipality_id": np.concatenate([np.repeat(municipality, 6), municipality, municipality]),
            "score": np.concatenate([scores.ravel(), seventh_score, np.maximum(0, scores[rows, again] - 6)]),
            "is_latest": np.concatenate([np.ones(6 * n, bool), manager, np.zeros(n, bool)]),
        }
    )
    frame["taken_on"] = np.datetime_as_string(frame["taken_on"].to_numpy().astype("datetime64[D]"), unit="D")
    frame["year"] = year
    with_words = frame["organisation_id"].to_numpy() % 2 == 0
    score = frame["score"].to_numpy()
    words = np.where(score < 50, "severe", np.where(score < 70, "partial", "none"))
    frame["level_code"] = words
    frame.loc[~with_words, "level_code"] = None
    return frame


def _counts(engine: Engine, people: pd.DataFrame, places: pd.DataFrame) -> None:
    """The municipalities' uploaded counts of every year, the acts' region rows, indicators and targets (Omsk's)."""
    grouped = people.groupby("municipality_id")
    per_place = pd.DataFrame(
        {
            "ped_workers_total": grouped["manager"].apply(lambda m: int((~m).sum())),
            "managers_total": grouped["manager"].sum(),
        }
    )
    per_place["orgs_total"] = people.groupby("municipality_id")["organisation_id"].nunique()
    per_place["young_teachers_total"] = (per_place["ped_workers_total"] * 0.18).round()
    per_place["orgs_mentoring_model"] = (per_place["orgs_total"] * 0.5).round()
    long = per_place.reset_index().melt(id_vars="municipality_id", var_name="metric", value_name="value")
    long = long.merge(places[["id", "region_id"]], left_on="municipality_id", right_on="id").drop(columns="id")
    rows = pd.concat([long.assign(year=year) for year in YEARS], ignore_index=True)
    bulk(engine, "aggregate_count", rows[["region_id", "municipality_id", "year", "metric", "value"]])
    with engine.begin() as conn:
        for metric in ("roadmap_in_force", "monitoring_system_in_force"):
            conn.execute(
                text(
                    "INSERT INTO aggregate_count (region_id, year, metric, value) "
                    "SELECT r.id, y.year, :metric, 1 FROM region r, (SELECT DISTINCT year FROM aggregate_count) y "
                    "WHERE r.code LIKE 'r%'"
                ),
                {"metric": metric},
            )
        conn.execute(
            text(
                "INSERT INTO indicator_region (indicator_id, region_id, wording, unit_in_source, window_rule, "
                "window_start_year, source_location, note, sort_order) SELECT i.indicator_id, r.id, i.wording, "
                "i.unit_in_source, i.window_rule, i.window_start_year, i.source_location, i.note, i.sort_order "
                "FROM indicator_region i JOIN region o ON o.id = i.region_id AND o.code = 'omsk', region r "
                "WHERE r.code LIKE 'r%'"
            )
        )
        conn.execute(  # the synthetic regions' targets: 50 % rising by 5 points a year (present, for yes/no ones)
            text(
                "INSERT INTO indicator_target (indicator_id, region_id, year, value, source) "
                "SELECT ir.indicator_id, ir.region_id, y.year, CASE WHEN i.polarity = 'binary_present' THEN 1 "
                "ELSE 50 + 5 * (y.year - :first) END, :mark FROM indicator_region ir "
                "JOIN indicator i ON i.id = ir.indicator_id JOIN region r ON r.id = ir.region_id, "
                "(SELECT DISTINCT year FROM aggregate_count) y WHERE r.code LIKE 'r%'"
            ),
            {"first": YEARS[0], "mark": NATIONAL_MARK},
        )


def _methodists(engine: Engine, rng: np.random.Generator, places: pd.DataFrame, people: pd.DataFrame) -> None:
    """Methodists (one per 180–330 teachers of a region) and each organisation's link to one, every year."""
    frames, links = [], []
    next_id = _ids(engine, "methodist") + 1
    organisations = people.drop_duplicates("organisation_id")[["organisation_id", "region_id"]]
    for region_id, group in places.groupby("region_id"):
        count = max(1, round(int(group["teachers"].sum()) / rng.uniform(180, 330)))
        ids = np.arange(next_id, next_id + count)
        next_id += count
        weights = group["teachers"].to_numpy() / group["teachers"].sum()
        frames.append(
            pd.DataFrame(
                {
                    "id": ids,
                    "region_id": region_id,
                    "code": [f"M-{number}" for number in ids],
                    "municipality_id": rng.choice(group["id"].to_numpy(), count, p=weights),
                    "specialisation": "",
                    "fte": np.where(rng.random(count) < 0.2, 0.5, 1.0),
                    "is_active": True,
                }
            )
        )
        own = organisations[organisations["region_id"] == region_id]["organisation_id"].to_numpy()
        for year in YEARS:
            links.append(
                pd.DataFrame({"methodist_id": rng.choice(ids, len(own)), "year": year, "organisation_id": own})
            )
    bulk(engine, "methodist", pd.concat(frames, ignore_index=True))
    bulk(engine, "methodist_assignment", pd.concat(links, ignore_index=True))


@contextmanager
def _without_indexes(engine: Engine, table: str) -> Iterator[None]:
    """Drop the table's secondary indexes for a bulk load and build them again afterwards."""
    indexes = list(store.table(table).indexes)
    with engine.begin() as conn:
        for index in indexes:
            index.drop(conn)
    yield
    with engine.begin() as conn:
        for index in indexes:
            index.create(conn)


def build(engine: Engine, fraction: float, seed: int = 2026) -> dict[str, float]:
    """Fill a migrated store with the reference data and the national data; returns seconds per step.

    ``fraction`` scales every region's educators (1 for the national figures, less for a quick try).
    """
    rng = np.random.default_rng(seed)
    steps: dict[str, float] = {}
    start = time.perf_counter()
    places = _places(engine, rng, fraction)
    people = _people(engine, rng, places)
    steps["regions, municipalities, organisations, educators"] = time.perf_counter() - start
    with engine.connect() as conn:
        areas = {str(c): int(i) for c, i in conn.execute(text("SELECT code, id FROM competency_area"))}
    start = time.perf_counter()
    with _without_indexes(engine, "diagnostic_result"):
        for year in YEARS:
            bulk(engine, "diagnostic_result", _results(rng, people, year, areas))
        steps["diagnostic results"] = time.perf_counter() - start
        start = time.perf_counter()
    with engine.begin() as conn:  # what store.refresh_results keeps (the flags come with the generated rows)
        conn.execute(
            text(
                "INSERT INTO diagnosed_educator (educator_id, year, municipality_id) "
                "SELECT DISTINCT educator_id, year, municipality_id FROM diagnostic_result"
            )
        )
    steps["their indexes and diagnosed educators"] = time.perf_counter() - start
    start = time.perf_counter()
    _counts(engine, people, places)
    _methodists(engine, rng, places, people)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("region", "municipality", "organisation", "educator", "methodist"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
                )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    steps["counts, indicators, methodists"] = time.perf_counter() - start
    return steps


def _complete(engine: Engine, fraction: float) -> bool:
    """Whether the store holds the national data of this size (the methodists' links are written last)."""
    if not db.is_migrated(engine):
        return False
    with engine.connect() as conn:
        educators = conn.execute(text("SELECT COUNT(*) FROM educator")).scalar_one()
        links = conn.execute(text("SELECT COUNT(*) FROM methodist_assignment")).scalar_one()
    return bool(links) and educators == round(TEACHERS * fraction)


def prepare_store(url: str, fraction: float) -> Engine:
    """The national store at ``url``: built unless it already holds the national data."""
    engine = db.make_engine(url)
    if _complete(engine, fraction):
        print(f"{engine.dialect.name}: reusing the national store (migrated to the current schema)", flush=True)
        db.migrate(engine)
        return engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    db.migrate(engine)
    load_reference(engine)
    steps = build(engine, fraction)
    with engine.connect() as conn:
        sizes = {
            t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in ("educator", "diagnostic_result")
        }
    print(
        f"{engine.dialect.name}: built in {sum(steps.values()):.0f} s ("
        + "; ".join(f"{step} {seconds:.0f} s" for step, seconds in steps.items())
        + f"): {sizes['educator']:,} educators, {sizes['diagnostic_result']:,} results",
        flush=True,
    )
    return engine


# --- measuring ------------------------------------------------------------------------------------------


class Statements:
    """The SQL statements an engine runs, with their times (the slowest is what to look at)."""

    def __init__(self, engine: Engine) -> None:
        self.times: list[tuple[float, str]] = []
        self._started: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.times.append((time.perf_counter() - self._started.pop(), " ".join(statement.split())))

    def slowest(self) -> tuple[float, str, int]:
        """The slowest statement's seconds and opening, and how many statements ran."""
        seconds, statement = max(self.times, default=(0.0, ""))
        return seconds, statement[:110], len(self.times)


def best(run: Callable[[], Any], repeat: int, statements: Statements) -> tuple[float, float, str, int]:
    """The fastest of ``repeat`` runs after an untimed one; with the slowest statement of the last run."""
    run()
    times = []
    for _ in range(repeat):
        statements.times.clear()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return (min(times), *statements.slowest())


def _largest_region(engine: Engine) -> str:
    sql = "SELECT r.code FROM educator e JOIN region r ON r.id = e.region_id GROUP BY r.code ORDER BY COUNT(*) DESC"
    with engine.connect() as conn:
        return str(conn.execute(text(sql)).scalars().first())


def measure(engine: Engine, repeat: int) -> dict[str, tuple[float, float, str, int]]:
    """Time what the pages compute, at region and country level."""
    statements = Statements(engine)
    largest = _largest_region(engine)
    norm = queries.constant(engine, code=methodists.NORM_CODE)
    cases: dict[str, Callable[[], Any]] = {}
    for region in ("omsk", largest):
        cases |= {
            f"{region}: heatmap (deficits.matrix)": partial(deficits.matrix, engine, region=region, year=YEAR),
            f"{region}: indicators of 3 years (monitoring.scored)": partial(
                monitoring.scored, engine, region=region, years=list(YEARS)
            ),
            f"{region}: methodist load (methodists.base)": partial(methodists.base, engine, region=region, year=YEAR),
            f"{region}: methodists by load (methodists.methodists)": partial(
                methodists.methodists, engine, region=region, year=YEAR, norm=norm
            ),
        }
    cases |= {
        "country: heatmap by region (deficits.regions_table)": lambda: deficits.regions_table(engine, year=YEAR),
        "country: region comparison (monitoring.compare_regions)": lambda: monitoring.compare_regions(
            engine, year=YEAR
        ),
        "country: methodist load by region (methodists.regions_table)": partial(
            methodists.regions_table, engine, year=YEAR, norm=norm
        ),
        "commit: refresh_results for Omsk's assessed educators": lambda: _refresh(engine),
    }
    figures = {}
    for name, run in cases.items():
        figures[name] = best(run, repeat, statements)
        print(f"  {name}: {figures[name][0] * 1000:,.0f} ms", flush=True)
    return figures


def _refresh(engine: Engine) -> None:
    """The flag refresh of one region's assessed educators, as a commit of their results runs it (rolled back)."""
    with engine.connect() as conn:
        transaction = conn.begin()
        ids = conn.execute(
            text(
                "SELECT DISTINCT d.educator_id FROM diagnostic_result d "
                "JOIN municipality m ON m.id = d.municipality_id JOIN region r ON r.id = m.region_id "
                "WHERE r.code = 'omsk' AND d.year = :year"
            ),
            {"year": YEAR},
        ).scalars()
        store.refresh_results(conn, [int(i) for i in ids])
        transaction.rollback()


def plans(engine: Engine) -> dict[str, list[str]]:
    """The query plan of the heatmap SQL for Omsk and for the country."""
    rule = deficits.scale(engine)
    found = {}
    for name, country in (("Omsk", False), ("country", True)):
        sql, params = deficits.person_sql(rule, country=country)
        params |= {"region": "omsk", "year": YEAR, "municipality_id": None}
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                analysed = conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"), params)
                found[name] = [str(row[0]) for row in analysed]
            else:
                planned = conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"), params)
                found[name] = [str(row[3]) for row in planned]
    return found


def page_runs(url: str, runs: int) -> dict[str, tuple[float, float]]:
    """A first (empty caches) and the median warm AppTest run of each monitoring page on Omsk."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from bench.pages import reruns

    os.environ["RSNMS_DATABASE_URL"] = url
    os.environ["RSNMS_REGION"] = "omsk"
    found = {}
    for page in PAGES:
        st.cache_data.clear()
        found[page] = reruns(AppTest.from_file(str(ROOT / page), default_timeout=600), runs)
    return found


def main() -> None:
    """Build (or reuse) the stores, measure, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("RSNMS_BENCH_POSTGRES_URL"), help="PostgreSQL URL")
    parser.add_argument("--keep", type=Path, help="keep the SQLite store here (a kept store is reused)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each step; the fastest is shown")
    parser.add_argument("--fraction", type=float, default=1.0, help="of the educators (a quick try: 0.02)")
    parser.add_argument("--page-runs", type=int, default=5, help="warm AppTest reruns; the median is shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        urls = {"SQLite": f"sqlite:///{directory / 'national.db'}"}
        if args.postgres:
            urls["PostgreSQL"] = args.postgres
        else:
            print("PostgreSQL: skipped (no --postgres or RSNMS_BENCH_POSTGRES_URL)")
        for backend, url in urls.items():
            engine = prepare_store(url, args.fraction)
            print(f"\n{backend} (best of {args.repeat}; the slowest statement of a run):", flush=True)
            figures = measure(engine, args.repeat)
            print("\n| step | time | statements | slowest statement |\n|---|---:|---:|---|")
            for name, (seconds, slowest, statement, count) in figures.items():
                print(f"| {name} | {seconds * 1000:,.0f} ms | {count} | {slowest * 1000:,.0f} ms `{statement}` |")
            for name, lines in plans(engine).items():
                print(f"\n{backend} plan of the heatmap SQL, {name}:\n" + "\n".join(lines))
            engine.dispose()
            for page, (first, warm) in page_runs(url, args.page_runs).items():
                print(f"{backend} {page}: first {first:.1f} s, warm rerun median {warm * 1000:,.0f} ms", flush=True)


if __name__ == "__main__":
    main()
