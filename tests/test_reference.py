"""Reference data: the five regions' indicators, targets, municipalities and roadmaps; idempotent init."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from rsnms import queries
from rsnms.reference import load_reference, reference_counts

EXPECTED_COUNTS = {
    "region": 5, "municipality": 167, "metric": 15, "competency_area": 7, "deficit_level": 3,
    "constant": 2, "indicator": 10, "indicator_region": 25, "indicator_target": 12, "roadmap": 6,
    "roadmap_item": 126,
}  # fmt: skip

SHARED_SIX = {
    "diag_deficits_share", "iom_share", "fr_dpo_completion_share", "mgmt_teams_pk_share",
    "young_teachers_support_share", "fr_dpo_programs_share",
}  # fmt: skip
INDICATORS_BY_REGION = {
    "kirov": SHARED_SIX,
    "leningrad": SHARED_SIX,
    "omsk": SHARED_SIX | {"mentoring_model_orgs_share"},
    "ivanovo": {
        "fr_dpo_completion_share", "mgmt_teams_pk_share", "young_teachers_support_share",
        "teachers_per_regional_methodist", "rsnms_roadmap_in_place", "rsnms_monitoring_system_in_place",
    },
    "krasnodar": set(),
}  # fmt: skip


def test_init_twice_gives_the_same_row_counts(store_engine: Engine) -> None:
    assert reference_counts(store_engine) == EXPECTED_COUNTS
    load_reference(store_engine)
    assert reference_counts(store_engine) == EXPECTED_COUNTS


@pytest.mark.parametrize("region", sorted(INDICATORS_BY_REGION))
def test_each_region_has_exactly_the_indicators_of_its_act(store_engine: Engine, region: str) -> None:
    catalogue = queries.indicator_catalogue(store_engine, region=region)
    assert set(catalogue["code"]) == INDICATORS_BY_REGION[region]


def test_ivanovo_targets_and_cumulative_windows(store_engine: Engine) -> None:
    targets = queries.targets(store_engine, region="ivanovo", years=[2024])
    assert targets["municipality_id"].isna().all()
    assert dict(zip(targets["code"], targets["target"], strict=True)) == {
        "fr_dpo_completion_share": 30.0,
        "mgmt_teams_pk_share": 40.0,
        "young_teachers_support_share": 70.0,
        "teachers_per_regional_methodist": 250.0,
        "rsnms_roadmap_in_place": 1.0,
        "rsnms_monitoring_system_in_place": 1.0,
    }
    with store_engine.connect() as conn:
        assert conn.execute(text("SELECT DISTINCT source FROM indicator_target")).scalars().all() == ["act"]
    catalogue = queries.indicator_catalogue(store_engine, region="ivanovo").set_index("code")
    cumulative = catalogue[catalogue["window_rule"] == "cumulative"]
    assert sorted(cumulative.index) == ["fr_dpo_completion_share", "mgmt_teams_pk_share"]
    assert set(cumulative["window_start_year"]) == {2021}
    assert catalogue.loc["teachers_per_regional_methodist", "polarity"] == "at_most_target"


def test_other_regions_have_no_official_targets(store_engine: Engine) -> None:
    for region in ("kirov", "krasnodar", "leningrad", "omsk"):
        assert queries.targets(store_engine, region=region, years=[2021, 2022, 2023, 2024]).empty


def test_wording_is_verbatim_per_region(store_engine: Engine) -> None:
    omsk = queries.indicator_catalogue(store_engine, region="omsk").set_index("code")["wording"]
    assert omsk["fr_dpo_completion_share"].startswith(
        "доля педагогических работников, освоивших программы ДПО, вошедшие в ФР ДПППО"
    )
    leningrad = queries.indicator_catalogue(store_engine, region="leningrad").set_index("code")["wording"]
    assert "федеральный перечень" in leningrad["fr_dpo_completion_share"]


def test_omsk_has_its_33_municipalities(store_engine: Engine) -> None:
    names = queries.municipalities(store_engine, region="omsk")["name"].tolist()
    assert len(names) == 33
    assert names[0] == "г. Омск"
    assert {"Большеуковский муниципальный район", "Колосовский муниципальный район"} <= set(names)


def _items(engine: Engine) -> pd.DataFrame:
    frames = [queries.roadmap_items(engine, region=code) for code in INDICATORS_BY_REGION]
    return pd.concat(frames).set_index("code")


def test_the_126_roadmap_items_load_with_their_deadlines(store_engine: Engine) -> None:
    items = _items(store_engine)
    assert len(items) == 126
    assert items["roadmap_code"].value_counts().to_dict() == {
        "001-RM": 34, "004-RM": 27, "003-PL": 25, "002-RM": 20, "003-RM": 13, "000-RM": 7,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("code", "deadline_raw", "due_dates", "recurrence"),
    [
        ("004-RM-01", "Апрель 2022 года", "2022-04-30", "none"),
        (
            "001-RM-28",
            "Ноябрь 2023 года Март, ноябрь 2024 года",
            "2023-11-30; 2024-03-31; 2024-11-30",
            "checkpoints",
        ),
        ("003-RM-09", "01 октября 2021 года, далее ежеквартально", "2021-10-01", "quarterly"),
        ("004-RM-23", "2 раза в месяц", "", "twice_monthly"),
        ("004-RM-05", "На постоянной основе", "", "continuous"),
        ("004-RM-13", "В соответствии с графиком ФГАОУ ДПО «Академия Минпросвещения России»", "", "external"),
        ("004-RM-02", "В течение года", "2022-12-31", "none"),
        ("002-RM-04", "весь период", "", "continuous"),
        ("001-RM-15", "", "", "none"),
    ],
)
def test_deadline_forms_are_parsed(
    store_engine: Engine, code: str, deadline_raw: str, due_dates: str, recurrence: str
) -> None:
    item = _items(store_engine).loc[code]
    assert (item["deadline_raw"], item["due_dates"], item["recurrence"]) == (
        deadline_raw,
        due_dates,
        recurrence,
    )


def test_methodist_norm_is_250(store_engine: Engine) -> None:
    assert queries.constant(store_engine, code="methodist_norm") == 250.0
