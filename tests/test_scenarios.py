"""What-if scenarios: stored overrides that never touch official targets, statuses, pace, presets, XLSX."""

from __future__ import annotations

import datetime as dt
import io
import math

import openpyxl
import pandas as pd
import pytest
from conftest import seed_small
from sqlalchemy import Engine, text

from rsnms import methodists, monitoring, queries, scenario_store, scenarios
from rsnms.access import Actor, Role
from rsnms.errors import RsnmsError

NOW = dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC)
ANALYST = Actor("analyst1", Role.ANALYST)
EMPTY = pd.DataFrame(columns=scenarios.TARGET_COLUMNS)


def _targets(*rows: tuple[str, int, int | None, float]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=scenarios.TARGET_COLUMNS).astype({"municipality_id": "Int64"})


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def _city(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM municipality WHERE name = 'г. Омск'")).scalar_one())


# --- The store ----------------------------------------------------------------------------------------------


def test_overrides_never_touch_official_targets_or_constants(store_engine: Engine) -> None:
    seed_small(store_engine)
    official_sql = (
        "SELECT id, indicator_id, region_id, municipality_id, year, value, source, batch_id FROM indicator_target"
    )
    before = _rows(store_engine, official_sql + " ORDER BY id")
    constants = _rows(store_engine, "SELECT code, value FROM constant ORDER BY code")
    city = _city(store_engine)
    targets = _targets(("iom_share", 2024, None, 10.0), ("iom_share", 2026, city, 45.5))
    made = scenario_store.create(
        store_engine,
        name="Смелые цели",
        region="omsk",
        actor=ANALYST,
        now=NOW,
        targets=targets,
        constants={"methodist_norm": 200},
    )
    scenario_store.save_overrides(
        store_engine,
        scenario_id=made,
        targets=_targets(("diag_deficits_share", 2024, None, 90.0)),
        constants={},
        actor=ANALYST,
        now=NOW,
    )
    copied = scenario_store.copy(store_engine, scenario_id=made, name="Копия", actor=ANALYST, now=NOW)
    scenario_store.rename(store_engine, scenario_id=copied, name="Другое", description="", actor=ANALYST, now=NOW)
    scenario_store.delete_scenario(store_engine, scenario_id=made, actor=ANALYST, now=NOW)
    assert _rows(store_engine, official_sql + " ORDER BY id") == before
    assert _rows(store_engine, "SELECT code, value FROM constant ORDER BY code") == constants
    assert (
        queries.targets(store_engine, region="omsk", years=[2024]).set_index("code").loc["iom_share", "target"] == 20.0
    )


def test_a_scenario_is_stored_with_its_overrides_author_and_audit(store_engine: Engine) -> None:
    city = _city(store_engine)
    targets = _targets(("iom_share", 2026, None, 30.0), ("iom_share", 2026, city, 35.0))
    made = scenario_store.create(
        store_engine,
        name=" Цели 2026 ",
        region="omsk",
        actor=ANALYST,
        now=NOW,
        description="для коллегии",
        targets=targets,
        constants={"methodist_norm": 200.0},
    )
    loaded = scenario_store.load(store_engine, scenario_id=made)
    assert (loaded.name, loaded.region, loaded.author, loaded.description) == (
        "Цели 2026",
        "omsk",
        "analyst1",
        "для коллегии",
    )
    assert sorted(loaded.targets, key=str) == sorted(
        [("iom_share", 2026, None, 30.0), ("iom_share", 2026, city, 35.0)], key=str
    )
    assert loaded.constant("methodist_norm", 250.0) == 200.0
    listed = scenario_store.listing(store_engine, region="omsk")
    assert listed[["id", "name", "targets", "constants"]].to_dict("records") == [
        {"id": made, "name": "Цели 2026", "targets": 2, "constants": 1}
    ]
    assert scenario_store.listing(store_engine, region="kirov").empty
    scenario_store.delete_scenario(store_engine, scenario_id=made, actor=ANALYST, now=NOW)
    assert _rows(store_engine, "SELECT COUNT(*) FROM scenario_target") == [(0,)]
    events = _rows(store_engine, "SELECT action, user_login, detail FROM audit_event ORDER BY id")
    assert events == [
        ("scenario_change", "analyst1", f"создан сценарий № {made} «Цели 2026»"),
        ("scenario_change", "analyst1", f"удалён сценарий № {made} «Цели 2026»"),
    ]
    with pytest.raises(RsnmsError, match="не найден"):
        scenario_store.load(store_engine, scenario_id=made)


@pytest.mark.parametrize("role", [Role.MINISTRY, Role.MUNICIPAL])
def test_roles_that_may_not_edit_scenarios_are_refused_on_the_server(store_engine: Engine, role: Role) -> None:
    with pytest.raises(RsnmsError, match="Недостаточно прав"):
        scenario_store.create(store_engine, name="Нельзя", region="omsk", actor=Actor("someone", role), now=NOW)
    made = scenario_store.create(store_engine, name="Можно", region="omsk", actor=Actor("boss", Role.CNPPM), now=NOW)
    with pytest.raises(RsnmsError, match="Недостаточно прав"):
        scenario_store.delete_scenario(store_engine, scenario_id=made, actor=Actor("someone", role), now=NOW)
    assert _rows(store_engine, "SELECT name FROM scenario") == [("Можно",)]


def test_invalid_overrides_are_refused_with_every_problem_and_store_nothing(store_engine: Engine) -> None:
    made = scenario_store.create(store_engine, name="Проверка", region="omsk", actor=ANALYST, now=NOW)
    wrong = _targets(
        ("iom_share", 2035, None, 50.0), ("iom_share", 2026, None, 120.0), ("iom_share", 2026, 999999, 5.0)
    )
    with pytest.raises(RsnmsError) as refused:
        scenario_store.save_overrides(
            store_engine, scenario_id=made, targets=wrong, constants={"methodist_norm": 90}, actor=ANALYST, now=NOW
        )
    message = str(refused.value)
    assert "Разработаны ИОМ, весь регион, 2035: год должен быть от 2021 до 2030." in message
    assert "Разработаны ИОМ, весь регион, 2026: цель 120 — доля должна быть от 0 до 100." in message
    assert "муниципальное образование не относится к региону" in message
    assert "Норма нагрузки должна быть от 150 до 400" in message
    assert _rows(store_engine, "SELECT COUNT(*) FROM scenario_target") == [(0,)]
    with pytest.raises(RsnmsError, match="«Проверка» уже есть"):
        scenario_store.create(store_engine, name="Проверка", region="omsk", actor=ANALYST, now=NOW)


def test_xlsx_export_imports_back_as_a_new_scenario(small_engine: Engine) -> None:
    city = _city(small_engine)
    targets = _targets(("iom_share", 2024, None, 10.0), ("diag_deficits_share", 2026, city, 40.5))
    made = scenario_store.create(
        small_engine,
        name="Экспорт",
        region="omsk",
        actor=ANALYST,
        now=NOW,
        targets=targets,
        constants={"methodist_norm": 300},
    )
    scenario = scenario_store.load(small_engine, scenario_id=made)
    analysis = scenario_store.analyse_store(small_engine, scenario, year=2024)
    content = scenarios.to_xlsx(
        scenario,
        analysis,
        catalogue=queries.indicator_catalogue(small_engine, region="omsk"),
        municipalities=queries.municipalities(small_engine, region="omsk"),
        region_name="Омская область",
        year=2024,
    )
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert book.sheetnames == ["Сценарий", "Цели", "Константы", "Сравнение 2024", "Меняют статус", "Темп", "Методисты"]
    changed = list(book["Меняют статус"].iter_rows(values_only=True))
    assert changed[1][:5] == ("Разработаны ИОМ", "весь регион", "13,1\u00a0%", "20,0\u00a0%", "не выполнен")
    imported = scenario_store.import_xlsx(
        small_engine, content, file_name="экспорт.xlsx", region="omsk", actor=ANALYST, now=NOW, max_mb=20
    )
    again = scenario_store.load(small_engine, scenario_id=imported)
    assert (again.name, again.targets, again.constants) == ("Экспорт (2)", scenario.targets, scenario.constants)
    with pytest.raises(RsnmsError, match="составлен для региона «omsk»"):
        scenario_store.import_xlsx(
            small_engine, content, file_name="x.xlsx", region="kirov", actor=ANALYST, now=NOW, max_mb=20
        )
    with pytest.raises(RsnmsError):
        scenario_store.import_xlsx(
            small_engine, b"a;b\n1;2\n", file_name="x.xlsx", region="omsk", actor=ANALYST, now=NOW, max_mb=20
        )


def test_indicators_table_under_a_scenario_changes_only_targets_and_statuses(small_engine: Engine) -> None:
    made = scenario_store.create(
        small_engine,
        name="ИОМ 10",
        region="omsk",
        actor=ANALYST,
        now=NOW,
        targets=_targets(("iom_share", 2024, None, 10.0)),
    )
    official = monitoring.table(small_engine, region="omsk", year=2024).set_index("code")
    under = scenario_store.table(
        small_engine, scenario_store.load(small_engine, scenario_id=made), year=2024
    ).set_index("code")
    assert list(under.columns) == list(official.columns)
    assert (official.loc["iom_share", "status"], under.loc["iom_share", "status"]) == ("not_met", "met")
    assert under.loc["iom_share", "target"] == 10.0
    unchanged = under.drop(index="iom_share")
    pd.testing.assert_frame_equal(unchanged, official.drop(index="iom_share"))


# --- Statuses under a scenario ------------------------------------------------------------------------------

SCORED = pd.DataFrame(
    {
        "code": ["share"] * 3,
        "short_name": ["Доля"] * 3,
        "unit": ["%"] * 3,
        "polarity": ["higher_is_better"] * 3,
        "year": [2024] * 3,
        "municipality_id": pd.array([pd.NA, 1, 2], dtype="Int64"),
        "value": [50.0, 40.0, 70.0],
        "target": [60.0, 60.0, 30.0],
        "status": ["not_met", "not_met", "met"],
    }
)
OFFICIAL = _targets(("share", 2024, None, 60.0), ("share", 2024, 2, 30.0))


def test_apply_takes_the_most_specific_target_and_leaves_its_input_alone() -> None:
    before = SCORED.copy()
    under = scenarios.apply(SCORED, official=OFFICIAL, overrides=_targets(("share", 2024, None, 45.0)), close_band=5.0)
    # the region and municipality 1 take the scenario's regional 45; municipality 2 keeps its own official 30
    assert under["target"].tolist() == [45.0, 45.0, 30.0]
    assert under["status"].tolist() == ["met", "close", "met"]
    pd.testing.assert_frame_equal(SCORED, before)
    own = scenarios.apply(SCORED, official=OFFICIAL, overrides=_targets(("share", 2024, 2, 80.0)), close_band=5.0)
    assert own["target"].tolist() == [60.0, 60.0, 80.0]


def test_comparison_counts_the_municipalities_that_change_status() -> None:
    under = scenarios.apply(SCORED, official=OFFICIAL, overrides=_targets(("share", 2024, None, 35.0)), close_band=5.0)
    comparison = scenarios.compare(SCORED, under, year=2024)
    assert comparison["changed"].tolist() == [True, True, False]
    assert scenarios.changed_municipalities(comparison) == 1
    summary = scenarios.changes(comparison)
    assert summary[["code", "municipalities", "changed", "region_changed"]].to_dict("records") == [
        {"code": "share", "municipalities": 2, "changed": 1, "region_changed": True}
    ]
    provider = pd.DataFrame({**comparison.iloc[0].to_dict(), "code": "provider"}, index=[0])  # a region-only indicator
    with_provider = scenarios.changes(pd.concat([comparison, provider], ignore_index=True))
    assert with_provider.set_index("code").loc["provider", ["municipalities", "changed"]].tolist() == [0, 0]


# --- Required pace ------------------------------------------------------------------------------------------


def _series(code: str, polarity: str, values: dict[int, float], unit: str = "%") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": code,
            "short_name": code,
            "unit": unit,
            "polarity": polarity,
            "municipality_id": pd.array([pd.NA] * len(values), dtype="Int64"),
            "year": list(values),
            "value": list(values.values()),
        }
    )


def test_pace_on_hand_made_series() -> None:
    scored = pd.concat(
        [
            _series("rising", "higher_is_better", {2022: 10.0, 2023: 12.0, 2024: 14.0}),  # +2 a year
            _series("met", "higher_is_better", {2023: 30.0, 2024: 35.0}),
            _series("late", "higher_is_better", {2023: 10.0, 2024: 11.0}),
            _series("load", "at_most_target", {2022: 330.0, 2023: 320.0, 2024: 310.0}, unit="чел."),  # −10 a year
            _series("fast", "at_most_target", {2023: 300.0, 2024: 260.0}, unit="чел."),  # −40 a year
            _series("single", "higher_is_better", {2024: 5.0}),
            _series("empty", "higher_is_better", {2024: math.nan}),
            _series("free", "higher_is_better", {2024: 5.0}),
        ],
        ignore_index=True,
    )
    targets = _targets(
        ("rising", 2026, None, 20.0),
        ("rising", 2024, None, 13.0),
        ("met", 2026, None, 30.0),
        ("late", 2024, None, 20.0),
        ("load", 2026, None, 250.0),
        ("fast", 2026, None, 250.0),
        ("single", 2027, None, 11.0),
        ("empty", 2026, None, 11.0),
    )
    pace = scenarios.pace(scored, targets).set_index("code")
    assert pace.loc["rising", ["latest_year", "latest", "target_year", "target", "needed", "trend"]].tolist() == [
        2024, 14.0, 2026, 20.0, 3.0, pytest.approx(2.0)
    ]  # fmt: skip
    assert pace.loc["rising", "needed_month"] == pytest.approx(0.25)
    assert pace["state"].to_dict() == {
        "rising": "behind",  # +3 a year needed, +2 observed
        "met": "met",
        "late": "unreachable",  # the target's year has passed
        "load": "behind",  # lower is better: −30 a year needed, −10 observed
        "fast": "on_track",  # −5 a year needed, −40 observed
        "single": "no_trend",
        "empty": "no_data",
        "free": "no_target",
    }
    assert pace.loc["load", "needed"] == -30.0
    assert math.isnan(pace.loc["late", "needed"])


def test_pace_trend_is_the_slope_of_the_forecast() -> None:
    history = pd.DataFrame({"year": [2021, 2022, 2023, 2024], "value": [10.0, 13.0, 13.5, 19.0]})
    ahead = monitoring.forecast(history, until_year=2025)
    scored = _series("x", "higher_is_better", dict(zip(history["year"], history["value"], strict=True)))
    pace = scenarios.pace(scored, _targets(("x", 2030, None, 50.0)))
    assert pace["trend"].iloc[0] == pytest.approx(ahead["value"].iloc[1] - ahead["value"].iloc[0])


def test_final_targets_fall_back_to_the_region_for_later_years() -> None:
    targets = _targets(("a", 2024, None, 20.0), ("a", 2026, None, 30.0), ("a", 2024, 1, 25.0), ("a", 2027, 2, 40.0))
    scopes = pd.DataFrame({"code": ["a", "a", "a"], "municipality_id": pd.array([pd.NA, 1, 2], dtype="Int64")})
    finals = scenarios.final_targets(targets, scopes)
    assert finals[["target_year", "target"]].values.tolist() == [[2026, 30.0], [2026, 30.0], [2027, 40.0]]


def test_hiring_under_both_norms() -> None:
    base = pd.DataFrame(
        {
            "municipality_id": [1, 2],
            "municipality": ["А", "Б"],
            "short_name": ["А", "Б"],
            "teachers": [1000.0, 0.0],
            "teachers_source": ["официальные данные", None],
            "methodists_fte": [3.0, 0.0],
            "assigned": [900.0, 0.0],
        }
    )
    frame = scenarios.hiring(base, official_norm=250, scenario_norm=200)
    assert frame[
        ["municipality", "required_official", "shortfall_official", "required_scenario", "shortfall_scenario"]
    ].to_dict("records") == [
        {
            "municipality": "А",
            "required_official": 4.0,
            "shortfall_official": 1.0,
            "required_scenario": 5.0,
            "shortfall_scenario": 2.0,
        }
    ]
    assert frame["status"].tolist() == [methodists.OVER]


# --- Presets and the editor ---------------------------------------------------------------------------------

CATALOGUE = pd.DataFrame(
    {
        "code": ["share", "high", "load"],
        "short_name": ["Доля", "Высокая доля", "Нагрузка"],
        "unit": ["%", "%", "чел."],
        "polarity": ["higher_is_better", "higher_is_better", "at_most_target"],
    }
)
PLACES = pd.DataFrame(
    {"id": [1, 2], "name": ["г. Омск", "Тарский муниципальный район"], "short_name": ["г. Омск", "Тарский"]}
)


def test_raise_preset_lifts_shares_by_ten_points_at_most_to_100() -> None:
    official = _targets(("share", 2024, None, 20.0), ("high", 2024, None, 95.0), ("load", 2024, None, 250.0))
    raised = scenarios.raise_targets(_targets(("share", 2026, 1, 30.0)), official=official, catalogue=CATALOGUE)
    assert sorted(raised.itertuples(index=False, name=None), key=str) == sorted(
        [("share", 2026, 1, 40.0), ("share", 2024, pd.NA, 30.0), ("high", 2024, pd.NA, 100.0)], key=str
    )


def test_shift_preset_moves_the_2024_targets_to_2026_through_a_straight_line() -> None:
    official = _targets(("share", 2023, None, 10.0), ("share", 2024, None, 25.0), ("load", 2024, None, 250.0))
    moved = scenarios.shift_targets(EMPTY, official=official, catalogue=CATALOGUE).sort_values(["code", "year"])
    # 2023: 10 → 2026: 25, so 5 a year; «load» has no earlier target: only its 2026 one is added
    assert moved.values.tolist() == [
        ["load", 2026, pd.NA, 250.0],
        ["share", 2024, pd.NA, 15.0],
        ["share", 2025, pd.NA, 20.0],
        ["share", 2026, pd.NA, 25.0],
    ]


def test_norm_preset_is_stored_as_the_only_constant(store_engine: Engine) -> None:
    made = scenario_store.create(store_engine, name="Норма", region="omsk", actor=ANALYST, now=NOW)
    scenario_store.save_overrides(
        store_engine,
        scenario_id=made,
        targets=EMPTY,
        constants={"methodist_norm": scenarios.PRESET_NORM},
        actor=ANALYST,
        now=NOW,
    )
    loaded = scenario_store.load(store_engine, scenario_id=made)
    assert (loaded.targets, loaded.constants) == ((), (("methodist_norm", 200.0),))


def test_editor_rows_become_targets_and_every_bad_row_is_named() -> None:
    edited = pd.DataFrame(
        {
            "Показатель": ["Доля", "load", None, "Нет такого"],
            "Муниципальное образование": ["весь регион", "Тарский", None, "Москва"],
            "Год": [2026, 2027.0, None, "2026"],
            "Цель": ["12,5", 240, None, 1],
        }
    )
    with pytest.raises(RsnmsError) as refused:
        scenarios.from_editor(edited, catalogue=CATALOGUE, municipalities=PLACES)
    assert str(refused.value) == (
        "Сценарий не сохранён. Строка 4: показатель «Нет такого» не найден; "
        "муниципальное образование «Москва» не найдено."
    )
    parsed = scenarios.from_editor(edited.head(3), catalogue=CATALOGUE, municipalities=PLACES)
    assert parsed.values.tolist() == [["share", 2026, pd.NA, 12.5], ["load", 2027, 2, 240.0]]
    shown = scenarios.editor_frame(parsed, catalogue=CATALOGUE, municipalities=PLACES)
    assert shown.values.tolist() == [
        ["Доля", "весь регион", 2026, 12.5],
        ["Нагрузка", "Тарский муниципальный район", 2027, 240.0],
    ]


def test_a_municipal_account_gets_the_analysis_of_its_own_municipality_only(small_engine: Engine) -> None:
    made = scenario_store.create(
        small_engine, name="ИОМ 10", region="omsk", actor=ANALYST, now=NOW,
        targets=_targets(("iom_share", 2024, None, 10.0)),
    )  # fmt: skip
    analysis = scenario_store.analyse_store(
        small_engine, scenario_store.load(small_engine, scenario_id=made), year=2024
    )
    city = int(queries.municipalities(small_engine, region="omsk").set_index("name").loc["г. Омск", "id"])
    own = scenarios.only_municipality(analysis, city)
    for name in ("scored", "comparison", "pace", "hiring"):
        frame = getattr(own, name)
        assert not frame.empty and set(frame["municipality_id"]) == {city}, name
    assert analysis.comparison["municipality_id"].nunique() > 1  # the whole analysis had the others
