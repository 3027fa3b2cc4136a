"""The «Дефициты» heatmap on a large store: the cells query, the matrix, the browser payload, a warm rerun.

Builds (not timed) Omsk SQLite stores of 30 000 educators in the 33 municipalities and their
organisations, with eight diagnostic results per educator and year — the six common competency
areas in autumn, plus (managers) «управленческая» and their weakest area again in spring, or
(teachers) their two weakest areas again in spring; half of the organisations' files name the level:

* S — one year: 240 000 results;
* L — ten years of the same: 2 400 000 results (the heatmap still shows one year).

Then, for each store, with SQLite's page cache warm (one untimed run first), the fastest of
``--repeat`` runs of: the person-level SQL alone through sqlite3; ``deficits.cells`` (that SQL through
SQLAlchemy and pandas, plus the scale and the uploaded counts); ``deficits.matrix`` (the grid with
totals); the matrix with a filter (managers); the organisation drill-down of г. Омск. It prints the
``EXPLAIN QUERY PLAN`` of the person-level SQL as ``cells`` builds it, the size of the heatmap's
Vega-Lite spec (what ``st.vega_lite_chart`` sends) against the year's result rows shipped as they
are, and a first and a warm AppTest run of ``pages/deficits.py`` on the L store (AppTest's own
overhead included). Asserts nothing. Run: ``make bench`` or ``.venv/bin/python -m bench.deficits``
(``--keep DIR`` keeps, and reuses, the stores; ``--sizes S`` for a quick run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.ingest import reference_database
from rsnms import queries

ROOT = Path(__file__).resolve().parent.parent
TEACHERS = 30_000
YEAR = 2024  # the year the heatmap shows; L also holds the nine before it
SIZES = {"S": 1, "L": 10}  # years of results in the store
COMMON_AREAS = ("normative", "subject", "methodical", "psych_ped", "communicative", "digital")
BASE_SCORE = {"normative": 71, "subject": 77, "methodical": 72, "psych_ped": 73, "communicative": 78, "digital": 66,
              "managerial": 70}  # fmt: skip
KINDS, KIND_WEIGHTS = ("general_school", "preschool", "additional_ed", "spo"), (0.55, 0.3, 0.1, 0.05)
SUBJECTS = ("", "математика", "русский язык", "физика", "история", "биология", "информатика", "английский язык")
TOOLTIP = [("n_assessed", "Оценено"), ("n_with_deficit", "С дефицитом"), ("mean_score", "Средний балл")]
CHUNK = 50_000


# --- the stores -------------------------------------------------------------------------------------------


def _level(score: float) -> str:
    return "severe" if score < 50 else "partial" if score < 70 else "none"


def _people(conn: sqlite3.Connection, rng: random.Random, teachers: int) -> list[tuple[int, int, int, str]]:
    """Insert organisations and educators; returns (educator, organisation, municipality, category) rows."""
    from rsnms.demo import data as demo

    region_id, municipalities = _omsk(conn)
    scale = teachers / sum(demo.SIZES)
    sizes = [max(60, round(size * scale)) for size in demo.SIZES]
    sizes[0] += teachers - sum(sizes)
    organisations: list[tuple[int, int, str, str]] = []
    next_id = 1 + (conn.execute("SELECT COALESCE(MAX(id), 0) FROM organisation").fetchone()[0])
    for municipality_id, size in zip(municipalities, sizes, strict=True):
        for number in range(max(3, size // 25)):
            kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
            organisations.append((next_id, municipality_id, f"Организация № {number + 1}", kind))
            next_id += 1
    conn.executemany(
        "INSERT INTO organisation (id, region_id, municipality_id, name, kind, is_low_results, has_mentoring_model, "
        "is_internship_site) VALUES (?, ?, ?, ?, ?, 0, 0, 0)",
        [(oid, region_id, mid, name, kind) for oid, mid, name, kind in organisations],
    )
    people: list[tuple[int, int, int, str]] = []
    educators: list[tuple[Any, ...]] = []
    for municipality_id, size in zip(municipalities, sizes, strict=True):
        local = [org for org in organisations if org[1] == municipality_id]
        for _ in range(size):
            org = rng.choice(local)
            category = "manager" if rng.random() < 0.12 else "pedagogue"
            born = rng.randint(1960, 2001)
            educator_id = len(people) + 1
            people.append((educator_id, org[0], municipality_id, category))
            educators.append((educator_id, region_id, f"bench-{educator_id:06d}", org[0], category,
                              rng.choice(SUBJECTS), born, min(YEAR, born + rng.randint(21, 35))))  # fmt: skip
    conn.executemany(
        "INSERT INTO educator (id, region_id, pseudo_key, organisation_id, category, position, subject, birth_year, "
        "career_start_year, qualification) VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, '')",
        educators,
    )
    return people


def _omsk(conn: sqlite3.Connection) -> tuple[int, list[int]]:
    region_id = conn.execute("SELECT id FROM region WHERE code = 'omsk'").fetchone()[0]
    rows = conn.execute("SELECT id FROM municipality WHERE region_id = ? ORDER BY sort_order, name", (region_id,))
    return int(region_id), [int(row[0]) for row in rows]


def _results(
    rng: random.Random, people: list[tuple[int, int, int, str]], areas: dict[str, int], year: int
) -> Iterator[tuple[Any, ...]]:
    """One year's eight results per educator (see the module's docstring)."""
    autumn: dict[int, dt.date] = {}
    with_levels: dict[int, bool] = {}
    for educator_id, org, municipality_id, category in people:
        if org not in autumn:
            autumn[org] = dt.date(year, 10, 2) + dt.timedelta(days=rng.randint(0, 50))
            with_levels[org] = rng.random() < 0.5
        shift = rng.gauss(0, 8)
        scores = {code: float(min(100, max(0, round(base + shift + rng.gauss(0, 10)))))
                  for code, base in BASE_SCORE.items()}  # fmt: skip
        spring = dt.date(year, 3, 13) + dt.timedelta(days=rng.randint(0, 30))
        weakest = sorted(COMMON_AREAS, key=scores.__getitem__)
        rows = [(code, scores[code], autumn[org]) for code in COMMON_AREAS]
        if category == "manager":
            rows += [("managerial", scores["managerial"], autumn[org]), (weakest[0], scores[weakest[0]] - 6, spring)]
        else:
            rows += [(code, max(0.0, scores[code] - 6), spring) for code in weakest[:2]]
        for code, score, day in rows:
            level = _level(score) if with_levels[org] else None
            yield educator_id, areas[code], day.isoformat(), year, org, municipality_id, score, level


def build(path: Path, years: int, teachers: int = TEACHERS, seed: int = 2024) -> tuple[int, float]:
    """Create the store at ``path`` with ``years`` years of results ending in YEAR.

    Returns the result rows and the seconds that resolving their latest-result flags took
    (``store.refresh_results`` over the whole table, as after one upload per year).
    """
    from rsnms import db, store

    reference_database(path)
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    areas = {str(code): int(i) for code, i in conn.execute("SELECT code, id FROM competency_area")}
    with conn:
        people = _people(conn, rng, teachers)
        rows = 0
        for year in range(YEAR - years + 1, YEAR + 1):
            batch: list[tuple[Any, ...]] = []
            for row in _results(rng, people, areas, year):
                batch.append(row)
                if len(batch) == CHUNK:
                    rows += _insert(conn, batch)
            rows += _insert(conn, batch)
    conn.close()
    engine = db.make_engine(f"sqlite:///{path}")
    start = time.perf_counter()
    with engine.begin() as transaction:
        store.refresh_results(transaction)
    flagged = time.perf_counter() - start
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return rows, flagged


def _insert(conn: sqlite3.Connection, batch: list[tuple[Any, ...]]) -> int:
    conn.executemany(
        "INSERT INTO diagnostic_result (educator_id, area_id, taken_on, year, organisation_id, municipality_id, score, "
        "level_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        batch,
    )
    count = len(batch)
    batch.clear()
    return count


# --- the measurements -------------------------------------------------------------------------------------

# The form shipped before migration 0005: the latest result per educator and area resolved in the query, by
# probing ix_diagnostic_result_latest for a later result of each one.
PREVIOUS_SQL = f"""
    SELECT d.municipality_id, d.area_id, COUNT(*) AS n_assessed,
           SUM(CASE WHEN COALESCE(v.is_deficit, d.score < :threshold) THEN 1 ELSE 0 END) AS n_with_deficit,
           AVG(d.score) AS mean_score
    FROM diagnostic_result d LEFT JOIN deficit_level v ON v.code = d.level_code
    WHERE d.year = :year AND d.municipality_id IN ({queries.REGION_MUNICIPALITIES})
      AND NOT EXISTS (
          SELECT 1 FROM diagnostic_result later
          WHERE later.year = d.year AND later.educator_id = d.educator_id AND later.area_id = d.area_id
            AND later.taken_on > d.taken_on
      )
    GROUP BY d.municipality_id, d.area_id
"""


def best(run: Callable[[], Any], repeat: int) -> float:
    """The fastest of ``repeat`` runs after one untimed run (warm page cache), in seconds."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(path: Path, repeat: int) -> dict[str, float]:
    """Time the queries and the matrix on the store at ``path``."""
    from rsnms import db, deficits

    engine = db.make_engine(f"sqlite:///{path}")
    raw = sqlite3.connect(path, isolation_level=None)
    city = int(raw.execute("SELECT id FROM municipality WHERE name = 'г. Омск'").fetchone()[0])
    sql, rule = deficits.person_sql(deficits.scale(engine))
    params = {"region": "omsk", "year": YEAR, "municipality_id": None} | rule
    managers, autumn = deficits.Filters(category="manager"), deficits.Filters(campaign="autumn")
    shipped = sorted(row[:5] for row in raw.execute(sql, params).fetchall())  # the shipped form adds n_scored
    if sorted(raw.execute(PREVIOUS_SQL, params).fetchall()) != shipped:
        print("warning: the previous form counts differently")
    figures = {
        "person-level SQL (sqlite3)": best(lambda: raw.execute(sql, params).fetchall(), repeat),
        "  the previous form (NOT EXISTS of a later result)": best(
            lambda: raw.execute(PREVIOUS_SQL, params).fetchall(), repeat
        ),
    }
    figures |= {
        "deficits.cells": best(lambda: deficits.cells(engine, region="omsk", year=YEAR), repeat),
        "deficits.matrix": best(lambda: deficits.matrix(engine, region="omsk", year=YEAR), repeat),
        "matrix, managers only": best(
            lambda: deficits.matrix(engine, region="omsk", year=YEAR, filters=managers), repeat
        ),
        "matrix, autumn campaign": best(
            lambda: deficits.matrix(engine, region="omsk", year=YEAR, filters=autumn), repeat
        ),
        "matrix, organisations of г. Омск": best(
            lambda: deficits.matrix(engine, region="omsk", year=YEAR, municipality_id=city), repeat
        ),
    }
    raw.close()
    engine.dispose()
    return figures


def plan(path: Path) -> list[str]:
    """``EXPLAIN QUERY PLAN`` of the person-level SQL, indented as the sqlite3 shell shows it."""
    conn = sqlite3.connect(path)
    from rsnms import db, deficits

    engine = db.make_engine(f"sqlite:///{path}")
    sql, rule = deficits.person_sql(deficits.scale(engine))
    engine.dispose()
    params = {"region": "omsk", "year": YEAR, "municipality_id": None} | rule
    rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _, detail in rows.fetchall():
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    conn.close()
    return lines


def payload(path: Path) -> dict[str, float]:
    """Bytes of the heatmap's Vega-Lite spec against the year's result rows shipped as they are."""
    import pandas as pd

    from rsnms import charts, db, deficits

    engine = db.make_engine(f"sqlite:///{path}")
    grid = deficits.matrix(engine, region="omsk", year=YEAR)
    areas = list(dict.fromkeys(grid["area"]))
    chart = charts.heatmap(grid, rows=deficits.row_order(grid, "total"), columns=areas, tooltip=TOOLTIP)
    spec = json.dumps(chart.to_dict(validate=False), ensure_ascii=False).encode()
    conn = sqlite3.connect(path)
    rows = pd.read_sql_query("SELECT * FROM diagnostic_result WHERE year = ?", conn, params=(YEAR,))
    conn.close()
    shipped = rows.to_json(orient="records", force_ascii=False).encode()
    engine.dispose()
    return {"cells": float(len(grid)), "spec": float(len(spec)), "rows": float(len(rows)), "raw": float(len(shipped))}


def page_runs(path: Path, runs: int) -> tuple[float, float, list[int]]:
    """A first AppTest run of pages/deficits.py (empty caches), the median of ``runs`` reruns, chart bytes.

    The bytes are each chart's message as Streamlit sends it: the spec JSON plus the datasets in Arrow.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from bench.pages import reruns

    os.environ["RSNMS_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["RSNMS_REGION"] = "omsk"
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "deficits.py"), default_timeout=300)
    first, warm = reruns(at, runs)
    return first, warm, [chart.proto.ByteSize() for chart in at.get("vega_lite_chart")]


def main() -> None:
    """Build the stores, measure, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated: " + ", ".join(SIZES))
    parser.add_argument("--teachers", type=int, default=TEACHERS)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query; the fastest is shown")
    parser.add_argument("--page-runs", type=int, default=5, help="warm AppTest reruns; the median is shown")
    parser.add_argument("--keep", type=Path, help="keep the stores here (kept stores are reused)")
    args = parser.parse_args()
    sizes = [size.strip() for size in args.sizes.split(",") if size.strip()]
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        paths = {size: directory / f"deficits_{size}_{args.teachers}.db" for size in sizes}
        for size, path in paths.items():
            if not path.exists():
                start = time.perf_counter()
                rows, flagged = build(path, SIZES[size], args.teachers)
                took = time.perf_counter() - start
                print(f"{size}: built {rows:,} results in {took:.1f} s (latest flags {flagged:.1f} s)", flush=True)
        figures = {size: measure(path, args.repeat) for size, path in paths.items()}
        print(f"\n| step ({YEAR}, best of {args.repeat}) | " + " | ".join(sizes) + " |")
        print("|---|" + "---:|" * len(sizes))
        for step in next(iter(figures.values())):
            print(f"| {step} | " + " | ".join(f"{figures[size][step] * 1000:.0f} ms" for size in sizes) + " |")
        largest = paths[sizes[-1]]
        print(f"\nEXPLAIN QUERY PLAN of the person-level SQL ({sizes[-1]}):")
        print("\n".join(plan(largest)))
        sent = payload(largest)
        print(
            f"\nbrowser payload: heatmap spec {sent['spec'] / 1024:.1f} KB for {sent['cells']:.0f} cells; "
            f"the year's {sent['rows']:,.0f} result rows as JSON {sent['raw'] / 2**20:.1f} MB"
        )
        first, warm, charts = page_runs(largest, args.page_runs)
        print(
            f"pages/deficits.py ({sizes[-1]}, AppTest): first run {first * 1000:.0f} ms, "
            f"warm rerun median {warm * 1000:.0f} ms ({args.page_runs} runs); charts sent: "
            + ", ".join(f"{size / 1024:.1f} KB" for size in charts)
        )


if __name__ == "__main__":
    main()
