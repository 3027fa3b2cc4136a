"""Indicator values computed from the store, against hand-computed figures."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Connection, Engine, text
from sqlmodel import Session, select

from rsnms import models, monitoring, store

OMSK_CITY, AZOV = "г. Омск", "Азовский немецкий национальный муниципальный район"


def _ids(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        regions = {r.code: r.id for r in session.exec(select(models.Region))}
        municipalities = {m.name: m.id for m in session.exec(select(models.Municipality))}
        areas = {a.code: a.id for a in session.exec(select(models.CompetencyArea))}
    return {"regions": regions, "municipalities": municipalities, "areas": areas}


def _value(frame: pd.DataFrame, code: str, year: int, municipality: int | None = None) -> pd.Series:
    scope = frame["municipality_id"].isna() if municipality is None else frame["municipality_id"] == municipality
    [row] = frame[(frame["code"] == code) & (frame["year"] == year) & scope].to_dict("records")
    return pd.Series(row)


def _organisation(conn: Connection, name: str, municipality: str, kind: str) -> None:
    conn.execute(
        text(
            "INSERT INTO organisation (region_id, municipality_id, name, kind, is_low_results, has_mentoring_model, "
            "is_internship_site) SELECT region_id, id, :n, :k, 0, 0, 0 FROM municipality WHERE name = :m"
        ),
        {"n": name, "k": kind, "m": municipality},
    )


def test_aggregate_mode_by_municipality_and_region(small_engine: Engine) -> None:
    ids = _ids(small_engine)["municipalities"]
    frame = monitoring.values(small_engine, region="omsk", years=[2024])
    city = _value(frame, "diag_deficits_share", 2024, ids[OMSK_CITY])
    assert (city["numerator"], city["denominator"], city["value"]) == (300, 1000, 30.0)
    azov = _value(frame, "diag_deficits_share", 2024, ids[AZOV])
    assert azov["value"] == pytest.approx(30 / 220 * 100)
    region = _value(frame, "diag_deficits_share", 2024)
    assert (region["numerator"], region["denominator"], region["source"]) == (330, 1220, monitoring.AGGREGATE)


def test_person_level_rows_take_precedence_per_municipality(small_engine: Engine) -> None:
    ids = _ids(small_engine)
    with small_engine.begin() as conn:
        for key in ("a", "b"):
            conn.execute(
                text(
                    "INSERT INTO educator (region_id, pseudo_key, category, position, subject, qualification) "
                    "VALUES (:r, :k, 'pedagogue', '', '', '')"
                ),
                {"r": ids["regions"]["omsk"], "k": key},
            )
            for area in ("digital", "subject"):  # two areas, still one person
                conn.execute(
                    text(
                        "INSERT INTO diagnostic_result (educator_id, area_id, taken_on, year, municipality_id, "
                        "score, level_code) SELECT id, :a, '2024-10-01', 2024, :m, 60, 'partial' "
                        "FROM educator WHERE pseudo_key = :k"
                    ),
                    {"a": ids["areas"][area], "m": ids["municipalities"][OMSK_CITY], "k": key},
                )
        store.refresh_results(conn)
    frame = monitoring.values(small_engine, region="omsk", years=[2024])
    city = _value(frame, "diag_deficits_share", 2024, ids["municipalities"][OMSK_CITY])
    assert (city["numerator"], city["source"]) == (2, monitoring.PERSON)  # not 300 + 2: never both added
    region = _value(frame, "diag_deficits_share", 2024)
    assert region["numerator"] == 2 + 30  # Азовский keeps its aggregate count


def _aggregate(
    engine: Engine, region: str, metric: str, year: int, value: float, municipality: str | None = None
) -> None:
    ids = _ids(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO aggregate_count (region_id, municipality_id, year, metric, value) "
                "VALUES (:r, :m, :y, :k, :v)"
            ),
            {
                "r": ids["regions"][region],
                "m": ids["municipalities"].get(municipality or ""),
                "y": year,
                "k": metric,
                "v": value,
            },
        )


def test_cumulative_window_since_2021_and_missing_years(ref_engine: Engine) -> None:
    for year, completed in ((2021, 10), (2022, 20), (2023, 30), (2024, 40)):
        _aggregate(ref_engine, "ivanovo", "fr_dpo_completed", year, completed, "г. Шуя")
    _aggregate(ref_engine, "ivanovo", "ped_workers_total", 2024, 500, "г. Шуя")
    _aggregate(ref_engine, "ivanovo", "ped_workers_total", 2023, 500, "г. Шуя")
    frame = monitoring.scored(ref_engine, region="ivanovo", years=[2023, 2024])
    share = _value(frame, "fr_dpo_completion_share", 2024)
    assert (share["numerator"], share["value"], share["target"], share["status"]) == (100, 20.0, 30.0, "not_met")
    assert _value(frame, "fr_dpo_completion_share", 2023)["numerator"] == 60  # 2021–2023 only


def test_missing_and_zero_denominators_are_no_data(ref_engine: Engine) -> None:
    _aggregate(ref_engine, "omsk", "young_teachers_supported", 2024, 5, OMSK_CITY)
    _aggregate(ref_engine, "omsk", "orgs_mentoring_model", 2024, 3, OMSK_CITY)
    _aggregate(ref_engine, "omsk", "orgs_total", 2024, 0, OMSK_CITY)
    frame = monitoring.scored(ref_engine, region="omsk", years=[2024])
    young = _value(frame, "young_teachers_support_share", 2024)
    mentoring = _value(frame, "mentoring_model_orgs_share", 2024)
    assert math.isnan(young["value"]) and young["status"] == "no_data"  # no denominator uploaded
    assert math.isnan(mentoring["value"]) and mentoring["denominator"] == 0  # zero denominator, not infinity


def test_provider_level_indicator_and_load(ref_engine: Engine) -> None:
    _aggregate(ref_engine, "omsk", "ped_workers_total", 2024, 1000, OMSK_CITY)
    _aggregate(ref_engine, "omsk", "methodists_fte", 2024, 3.5, OMSK_CITY)
    with ref_engine.begin() as conn:
        _organisation(conn, "ИРО", OMSK_CITY, "dpo")
        for metric, value in (("dpo_programs_total", 40), ("dpo_programs_in_fr", 10)):
            conn.execute(
                text(
                    "INSERT INTO aggregate_count (region_id, organisation_id, year, metric, value) "
                    "SELECT region_id, id, 2024, :k, :v FROM organisation WHERE name = 'ИРО'"
                ),
                {"k": metric, "v": value},
            )
    frame = monitoring.values(ref_engine, region="omsk", years=[2024], include_all=True)
    assert _value(frame, "fr_dpo_programs_share", 2024)["value"] == 25.0
    assert (
        not (frame["code"] == "fr_dpo_programs_share").loc[frame["municipality_id"].notna()].any()
    )  # no municipal split
    load = _value(frame, "teachers_per_regional_methodist", 2024)
    assert load["value"] == pytest.approx(1000 / 3.5)


def test_yes_no_indicators_are_derived_unless_uploaded(ref_engine: Engine) -> None:
    with ref_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO roadmap_report (item_id, as_of, status, evidence) "
                "SELECT id, '2024-06-30', 'done', '' FROM roadmap_item WHERE code = '001-RM-01'"
            )
        )
    frame = monitoring.scored(ref_engine, region="ivanovo", years=[2023, 2024])
    assert _value(frame, "rsnms_roadmap_in_place", 2024)[["value", "source", "status"]].tolist() == [
        1.0,
        monitoring.DERIVED,
        "met",
    ]
    assert _value(frame, "rsnms_roadmap_in_place", 2023)["value"] == 0.0
    _aggregate(ref_engine, "ivanovo", "roadmap_in_force", 2023, 1)  # the manual override
    frame = monitoring.scored(ref_engine, region="ivanovo", years=[2023])
    assert _value(frame, "rsnms_roadmap_in_place", 2023)[["value", "source"]].tolist() == [1.0, monitoring.AGGREGATE]


def test_municipal_targets_override_the_regional_one(small_engine: Engine) -> None:
    ids = _ids(small_engine)
    with small_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO indicator_target (indicator_id, region_id, municipality_id, year, value, source) "
                "SELECT i.id, :r, :m, 2024, 35, 'x' FROM indicator i WHERE i.code = 'diag_deficits_share'"
            ),
            {"r": ids["regions"]["omsk"], "m": ids["municipalities"][OMSK_CITY]},
        )
    frame = monitoring.scored(small_engine, region="omsk", years=[2024])
    city = _value(frame, "diag_deficits_share", 2024, ids["municipalities"][OMSK_CITY])
    azov = _value(frame, "diag_deficits_share", 2024, ids["municipalities"][AZOV])
    assert (city["target"], city["status"]) == (35.0, "close")  # 30 % against 35 %, within 5 п.п.
    assert (azov["target"], azov["status"]) == (25.0, "not_met")


def test_management_teams_count_distinct_organisations_since_2021(ref_engine: Engine) -> None:
    with ref_engine.begin() as conn:
        for name in ("Школа 1", "Школа 2"):
            _organisation(conn, name, "г. Шуя", "general_school")
        for name, year in (("Школа 1", 2021), ("Школа 1", 2023), ("Школа 2", 2024)):  # Школа 1 counts once
            conn.execute(
                text(
                    "INSERT INTO management_team_training (organisation_id, year, participated, completed, "
                    "topic_quality_management) SELECT id, :y, 1, 1, 1 FROM organisation WHERE name = :n"
                ),
                {"n": name, "y": year},
            )
    _aggregate(ref_engine, "ivanovo", "orgs_total", 2024, 4, "г. Шуя")
    frame = monitoring.scored(ref_engine, region="ivanovo", years=[2024])
    teams = _value(frame, "mgmt_teams_pk_share", 2024)
    assert (teams["numerator"], teams["value"], teams["target"], teams["status"]) == (2, 50.0, 40.0, "met")
    assert teams["source"] == monitoring.PERSON


def test_programme_share_per_provider(ref_engine: Engine) -> None:
    with ref_engine.begin() as conn:
        for name, in_fr, total in (("ИРО", 10, 40), ("Университет", 6, 8)):
            _organisation(conn, name, OMSK_CITY, "dpo")
            for metric, value in (("dpo_programs_in_fr", in_fr), ("dpo_programs_total", total)):
                conn.execute(
                    text(
                        "INSERT INTO aggregate_count (region_id, organisation_id, year, metric, value) "
                        "SELECT region_id, id, 2024, :k, :v FROM organisation WHERE name = :n"
                    ),
                    {"k": metric, "v": value, "n": name},
                )
    shares = monitoring.providers(ref_engine, region="omsk", year=2024, target=50.0, close_band=5.0).set_index(
        "provider"
    )
    assert shares["value"].to_dict() == {"ИРО": 25.0, "Университет": 75.0}
    assert shares["status"].to_dict() == {"ИРО": "not_met", "Университет": "met"}
    region = _value(monitoring.values(ref_engine, region="omsk", years=[2024]), "fr_dpo_programs_share", 2024)
    assert region["value"] == pytest.approx(16 / 48 * 100)


def test_a_region_row_is_preferred_to_the_sum_of_municipalities(small_engine: Engine) -> None:
    before = _value(monitoring.values(small_engine, region="omsk", years=[2024]), "fr_dpo_completion_share", 2024)
    assert before["denominator"] == 1100  # Σ of the two municipalities
    _aggregate(small_engine, "omsk", "ped_workers_total", 2024, 1150)
    after = _value(monitoring.values(small_engine, region="omsk", years=[2024]), "fr_dpo_completion_share", 2024)
    assert after["denominator"] == 1150  # the region's own row, not 1150 + 1100


def test_region_comparison_skips_a_region_whose_act_has_no_indicators(small_engine: Engine) -> None:
    with small_engine.begin() as conn:  # Krasnodar has data for the year, but its act lists no indicators
        conn.execute(
            text(
                "INSERT INTO aggregate_count (region_id, year, metric, value) "
                "SELECT id, 2024, 'ped_workers_total', 100 FROM region WHERE code = 'krasnodar'"
            )
        )
    table = monitoring.compare_regions(small_engine, year=2024)
    assert "Краснодарский край" not in table.columns
    assert "Омская область" in table.columns


def test_region_comparison_equals_each_region_s_own_values(small_engine: Engine) -> None:
    with small_engine.begin() as conn:  # Kirov's counts for one municipality
        for metric, value in (("ped_workers_total", 400), ("managers_total", 40), ("diag_passed", 110)):
            conn.execute(
                text(
                    "INSERT INTO aggregate_count (region_id, year, municipality_id, metric, value) "
                    "SELECT m.region_id, 2024, m.id, :k, :v FROM municipality m JOIN region r ON r.id = m.region_id "
                    "WHERE r.code = 'kirov' AND m.id = (SELECT MIN(id) FROM municipality WHERE region_id = r.id)"
                ),
                {"k": metric, "v": value},
            )
    table = monitoring.compare_regions(small_engine, year=2024).set_index("Показатель")
    assert list(table.columns) == ["Формулировки", "Кировская область", "Омская область"]
    for code, name in (("kirov", "Кировская область"), ("omsk", "Омская область")):
        own = monitoring.values(small_engine, region=code, years=[2024])
        own = own[own["municipality_id"].isna()]
        assert len(own) and table[name].notna().sum() == own["value"].notna().sum()
        for short, value in zip(own["short_name"], own["value"], strict=True):
            assert table.loc[short, name] == pytest.approx(value, nan_ok=True), (name, short)
    assert table.loc["Прошли диагностику дефицитов", "Кировская область"] == pytest.approx(110 / 440 * 100)


def test_a_cumulative_indicator_before_its_start_year_has_no_value(store_engine: Engine) -> None:
    with store_engine.begin() as conn:  # Ivanovo counts ФР ДППО completions from 2021 on
        for metric, value in (("ped_workers_total", 100), ("fr_dpo_completed", 10)):
            conn.execute(
                text(
                    "INSERT INTO aggregate_count (region_id, year, municipality_id, metric, value) "
                    "SELECT m.region_id, 2020, m.id, :k, :v FROM municipality m JOIN region r ON r.id = m.region_id "
                    "WHERE r.code = 'ivanovo' AND m.id = (SELECT MIN(id) FROM municipality WHERE region_id = r.id)"
                ),
                {"k": metric, "v": value},
            )
    frame = monitoring.values(store_engine, region="ivanovo", years=[2020])
    share = frame[(frame["code"] == "fr_dpo_completion_share") & frame["municipality_id"].isna()]
    assert len(share) == 1 and math.isnan(share["value"].iloc[0])  # «нет данных», not 0 %
