"""The «Обзор» figures computed from a small hand-made dataset."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy import Engine

from rsnms import overview, queries

TODAY = dt.date(2026, 11, 22)


def test_headline_tiles(small_engine: Engine) -> None:
    figures = overview.headline(small_engine, region="omsk", year=2024, today=TODAY)
    assert (figures.indicators_met, figures.indicators_with_target, figures.indicators_no_data) == (2, 4, 1)
    assert figures.diagnosed_share == pytest.approx(330 / 1220 * 100)
    assert figures.diagnosed_target == 25.0
    assert figures.teachers_per_methodist == pytest.approx(275.0)
    assert figures.methodist_norm == 250.0
    assert figures.roadmap_as_of == dt.date(2024, 12, 31)
    # dated Omsk items are all due in 2022; only item 1 is reported done
    assert (figures.roadmap_overdue, figures.roadmap_items) == (14, 27)  # 10 dated, 4 periodic: no reports


def test_scorecard_statuses(small_engine: Engine) -> None:
    card = overview.scorecard(small_engine, region="omsk", year=2024).set_index("code")
    assert card["status"].to_dict() == {
        "diag_deficits_share": "met",
        "iom_share": "not_met",
        "fr_dpo_completion_share": "no_target",
        "mgmt_teams_pk_share": "no_target",
        "young_teachers_support_share": "met",
        "fr_dpo_programs_share": "no_data",
        "mentoring_model_orgs_share": "not_met",
    }
    assert card.loc["mgmt_teams_pk_share", "value"] == pytest.approx(36.0)


def test_display_scorecard_is_russian(small_engine: Engine) -> None:
    card = overview.scorecard(small_engine, region="omsk", year=2024)
    shown = overview.display_scorecard(card).set_index("Показатель")
    assert shown.loc["Прошли диагностику дефицитов", "Значение"] == "27,0\u00a0%"
    assert shown.loc["Прошли диагностику дефицитов", "Цель"] == "25,0\u00a0%"
    assert shown.loc["Прошли диагностику дефицитов", "Статус"] == "выполнен"
    assert shown.loc["Программы ДПО в ФР ДППО", "Значение"] == "нет данных"


def test_a_year_without_data_has_no_values(small_engine: Engine) -> None:
    figures = overview.headline(small_engine, region="omsk", year=2023, today=TODAY)
    assert math.isnan(figures.diagnosed_share) and math.isnan(figures.teachers_per_methodist)
    assert figures.indicators_with_target == 0


def test_gaps_in_words() -> None:
    assert overview.target_gap(27.04, 25.0) == "+2,0 п.п. к цели"
    assert overview.target_gap(math.nan, 25.0) is None
    assert overview.norm_gap(275.0, 250.0) == "+25 к норме 250"
    assert overview.norm_gap(200.0, 250.0) == "−50 к норме 250"


def test_freshness_and_years(small_engine: Engine) -> None:
    fresh = queries.freshness(small_engine, region="omsk")
    assert (fresh.data_as_of, fresh.is_demo) == (dt.date(2024, 12, 31), False)
    assert queries.data_years(small_engine, region="omsk") == [2024]
    assert queries.freshness(small_engine, region="kirov").batch_id is None
