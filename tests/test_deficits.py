"""Deficit cells against hand-computed figures: latest result per teacher and area, aggregate fallback."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from rsnms import deficits

CITY, AZOV = "г. Омск", "Азовский немецкий национальный муниципальный район"
# (teacher, area, date, score, is_deficit): teacher «a» is assessed twice in digital; the later result counts.
RESULTS = [
    ("a", "digital", "2024-03-01", 40, 1),
    ("a", "digital", "2024-10-01", 80, 0),
    ("a", "subject", "2024-03-01", 55, 1),
    ("b", "digital", "2024-03-01", 45, 1),
    ("c", "digital", "2023-05-01", 30, 1),  # another year: not in 2024's cells
]


@pytest.fixture
def results_engine(ref_engine: Engine) -> Engine:
    with ref_engine.begin() as conn:
        for key in ("a", "b", "c"):
            conn.execute(
                text(
                    "INSERT INTO educator (region_id, pseudo_key, category, position, subject, qualification) "
                    "SELECT id, :k, 'pedagogue', '', '', '' FROM region WHERE code = 'omsk'"
                ),
                {"k": key},
            )
        for key, area, taken_on, score, deficit in RESULTS:
            conn.execute(
                text(
                    "INSERT INTO diagnostic_result (educator_id, area_id, taken_on, year, municipality_id, score, "
                    "level_code, is_deficit) SELECT e.id, a.id, :t, :y, m.id, :s, 'x', :d FROM educator e, "
                    "competency_area a, municipality m WHERE e.pseudo_key = :k AND a.code = :a AND m.name = :m"
                ),
                {"k": key, "a": area, "t": taken_on, "y": int(taken_on[:4]), "s": score, "d": deficit, "m": CITY},
            )
        conn.execute(
            text(
                "INSERT INTO deficit_aggregate (region_id, year, municipality_id, area_id, n_assessed, n_with_deficit, "
                "mean_score) SELECT m.region_id, 2024, m.id, a.id, 40, 10, 71.5 FROM municipality m, competency_area a "
                "WHERE m.name IN (:city, :azov) AND a.code = 'digital'"
            ),
            {"city": CITY, "azov": AZOV},
        )
    return ref_engine


def test_latest_result_per_teacher_and_area_and_no_mixing(results_engine: Engine) -> None:
    frame = deficits.table(results_engine, region="omsk", year=2024).set_index(["municipality", "area"])
    digital = frame.loc[(CITY, "цифровая")]
    assert (digital["n_assessed"], digital["n_with_deficit"], digital["share"]) == (2, 1, 50.0)  # a: 80 (no), b: 45
    assert digital["mean_score"] == pytest.approx((80 + 45) / 2)
    subject = frame.loc[(CITY, "предметная")]
    assert (subject["n_assessed"], subject["n_with_deficit"]) == (1, 1)  # b was not assessed in subject
    azov = frame.loc[(AZOV, "цифровая")]  # no person-level results there: the uploaded counts
    assert (azov["n_assessed"], azov["n_with_deficit"], azov["share"], azov["mean_score"]) == (40, 10, 25.0, 71.5)
    assert len(frame) == 3  # the city's uploaded counts are not added to its person-level cells


def test_organisation_level_and_a_year_without_data(results_engine: Engine) -> None:
    by_organisation = deficits.table(results_engine, region="omsk", year=2024, by_organisation=True)
    assert list(by_organisation.columns) == [
        "municipality",
        "organisation",
        "area",
        "n_assessed",
        "n_with_deficit",
        "share",
        "mean_score",
    ]
    assert by_organisation["organisation"].isna().all()  # the fixture's results name no organisation
    empty = deficits.table(results_engine, region="omsk", year=2030)
    assert empty.empty and list(empty.columns) == deficits.CELL_COLUMNS
