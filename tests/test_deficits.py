"""Deficit cells and matrices against hand-computed figures (tests/conftest.py: DEFICIT_RESULTS)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from conftest import DEFICIT_AZOV, DEFICIT_CITY, seed_deficits
from sqlalchemy import Engine, text

from rsnms import charts, deficits, store
from rsnms.access import Actor, Role
from rsnms.errors import RsnmsError
from rsnms.reference import load_reference

CITY_SHORT, AZOV_SHORT = "г. Омск", "Азовский немецкий национальный"


@pytest.fixture
def results_engine(store_engine: Engine) -> Engine:
    seed_deficits(store_engine)
    return store_engine


def cell(grid: pd.DataFrame, row: str, area: str) -> dict[str, object]:
    found = grid[(grid["row"] == row) & (grid["area"] == area)]
    assert len(found) == 1, (row, area)
    return dict(found.iloc[0])


def test_latest_result_per_teacher_and_area_words_win_and_no_mixing(results_engine: Engine) -> None:
    frame = deficits.table(results_engine, region="omsk", year=2024).set_index(["municipality", "area"])
    digital = frame.loc[(DEFICIT_CITY, "цифровая")]
    # a: 80 (the later result), b: «дефицит отсутствует» despite 45, c: 69 < 70
    assert (digital["n_assessed"], digital["n_with_deficit"]) == (3, 1)
    assert digital["share"] == pytest.approx(100 / 3)
    assert digital["mean_score"] == pytest.approx((80 + 45 + 69) / 3)
    subject = frame.loc[(DEFICIT_CITY, "предметная")]
    assert (subject["n_assessed"], subject["n_with_deficit"]) == (1, 1)  # b and c were not assessed in subject
    azov = frame.loc[(DEFICIT_AZOV, "цифровая")]  # no person-level results there: the uploaded counts
    assert (azov["n_assessed"], azov["n_with_deficit"], azov["share"], azov["mean_score"]) == (40, 10, 25.0, 71.5)
    assert len(frame) == 4  # the city's uploaded counts are not added to its person-level cells


def test_organisation_level_table_and_a_year_without_data(results_engine: Engine) -> None:
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
    school = by_organisation[(by_organisation["organisation"] == "СОШ № 1") & (by_organisation["area"] == "цифровая")]
    assert school[["n_assessed", "n_with_deficit"]].values.tolist() == [[2, 0]]
    empty = deficits.table(results_engine, region="omsk", year=2030)
    assert empty.empty and list(empty.columns) == deficits.CELL_COLUMNS


def test_matrix_is_the_full_grid_with_totals_and_honest_missing_cells(results_engine: Engine) -> None:
    grid = deficits.matrix(results_engine, region="omsk", year=2024)
    assert grid["row"].nunique() == 33 + 1 and grid["area"].nunique() == 7 + 1  # every municipality and area
    region_digital = cell(grid, deficits.REGION_ROW, "цифровая")
    assert (region_digital["n_assessed"], region_digital["n_with_deficit"]) == (43, 11)  # 3 people + 40 counted
    assert region_digital["mean_score"] == pytest.approx((80 + 45 + 69 + 71.5 * 40) / 43)
    city_all = cell(grid, CITY_SHORT, deficits.ALL_AREAS)  # assessments over every area: 3 + 1 + 1
    assert (city_all["n_assessed"], city_all["n_with_deficit"], city_all["label"]) == (5, 2, "40\u00a0%")
    tara = cell(grid, "Тарский", "цифровая")
    assert tara["state"] == deficits.NO_DATA and math.isnan(float(str(tara["share"])))
    assert tara["label"] == "нет данных"
    assert cell(grid, AZOV_SHORT, "цифровая")["source"] == deficits.SOURCE_COUNTS


def test_mean_scores_are_weighted_by_the_results_with_a_score(results_engine: Engine) -> None:
    with results_engine.begin() as conn:  # b's file named only a level in subject: assessed, without a score
        conn.execute(
            text(
                "INSERT INTO diagnostic_result (educator_id, area_id, taken_on, year, organisation_id, "
                "municipality_id, score, level_code) SELECT e.id, a.id, '2024-10-05', 2024, e.organisation_id, "
                "o.municipality_id, NULL, 'severe' FROM educator e JOIN organisation o ON o.id = e.organisation_id, "
                "competency_area a WHERE e.pseudo_key = 'b' AND a.code = 'subject'"
            )
        )
        store.refresh_results(conn)
    grid = deficits.matrix(results_engine, region="omsk", year=2024)
    subject = cell(grid, CITY_SHORT, "предметная")
    assert (subject["n_assessed"], subject["n_with_deficit"], subject["mean_score"]) == (2, 2, 55)
    every_area = cell(grid, CITY_SHORT, deficits.ALL_AREAS)  # 80, 45, 69 (digital), 55 (subject), 90 (managerial)
    assert every_area["n_assessed"] == 6 and every_area["mean_score"] == pytest.approx((80 + 45 + 69 + 55 + 90) / 5)
    assert "n_scored" not in grid.columns


def test_small_cells_are_hidden_below_the_threshold(results_engine: Engine) -> None:
    grid = deficits.matrix(results_engine, region="omsk", year=2024, suppress_below=5)
    city = cell(grid, CITY_SHORT, "цифровая")  # 3 people
    assert city["state"] == deficits.SUPPRESSED and city["label"] == "< 5"
    assert all(math.isnan(float(str(city[key]))) for key in ("n_assessed", "n_with_deficit", "share", "mean_score"))
    assert cell(grid, CITY_SHORT, deficits.ALL_AREAS)["state"] == deficits.DATA  # 5 assessments: not below 5
    assert cell(grid, deficits.REGION_ROW, "цифровая")["n_assessed"] == 43  # totals from the full figures
    # Azov's 40 would give the city's 3 away (43 − 40): hidden too, as «скрыто»
    azov = cell(grid, AZOV_SHORT, "цифровая")
    assert (azov["state"], azov["label"]) == (deficits.SUPPRESSED, "скрыто") and math.isnan(float(str(azov["share"])))
    assert cell(grid, AZOV_SHORT, deficits.ALL_AREAS)["state"] == deficits.SUPPRESSED  # its only cell: 40 as well
    body = grid[~grid["row_total"] & ~grid["area_total"]]
    totals = {"row": grid[grid["area_total"]].set_index("row")["state"],
              "area": grid[grid["row_total"]].set_index("area")["state"]}  # fmt: skip
    for key in ("row", "area"):  # a lone hidden cell in a row or an area only with its total hidden too
        lone = body.groupby(key)["state"].agg(lambda states: (states == deficits.SUPPRESSED).sum() == 1)
        for label in lone[lone].index:
            assert totals[key][label] == deficits.SUPPRESSED, (key, label)


def test_filters_narrow_the_people_and_leave_uploaded_counts_out(results_engine: Engine) -> None:
    managers = deficits.matrix(results_engine, region="omsk", year=2024, filters=deficits.Filters(category="manager"))
    digital = cell(managers, CITY_SHORT, "цифровая")
    assert (digital["n_assessed"], digital["n_with_deficit"]) == (1, 1)  # c only
    assert cell(managers, AZOV_SHORT, "цифровая")["state"] == deficits.NO_DATA  # counts cannot be split
    pedagogues = deficits.matrix(
        results_engine, region="omsk", year=2024, filters=deficits.Filters(category="pedagogue")
    )
    assert "управленческая" not in set(pedagogues["area"])
    cases = {
        deficits.Filters(young=True): (1, 1),  # c: 29 years old
        deficits.Filters(subject="Математика"): (2, 0),  # a and b
        deficits.Filters(organisation_kind="preschool"): (1, 1),  # c's kindergarten
        deficits.Filters(campaign="spring"): (3, 2),  # a's spring 40 (the latest in spring), b's word, c's 69
        deficits.Filters(campaign="autumn"): (1, 0),  # a's 80 only
    }
    for filters, expected in cases.items():
        grid = deficits.matrix(results_engine, region="omsk", year=2024, filters=filters)
        found = cell(grid, CITY_SHORT, "цифровая")
        assert (found["n_assessed"], found["n_with_deficit"]) == expected, filters
    assert deficits.Filters(category="manager", young=True).describe().startswith("управленческие кадры; молодые")
    autumn = deficits.Filters(campaign="autumn")
    assert (
        cell(deficits.matrix(results_engine, region="omsk", year=2024, filters=autumn), AZOV_SHORT, "цифровая")["state"]
        == deficits.NO_DATA
    )  # uploaded counts have no campaign
    assert autumn.window(2024) == {"campaign_start": dt.date(2024, 7, 1), "campaign_end": dt.date(2024, 12, 31)}
    assert deficits.Filters(campaign="spring").window(2024)["campaign_end"] == dt.date(2024, 6, 30)
    assert autumn.describe() == "осенняя кампания (июль – декабрь)"


def test_the_country_by_region_sums_every_region_s_municipalities(results_engine: Engine) -> None:
    with results_engine.begin() as conn:  # another region's uploaded counts
        conn.execute(
            text(
                "INSERT INTO deficit_aggregate (region_id, year, municipality_id, area_id, n_assessed, "
                "n_with_deficit, mean_score) SELECT m.region_id, 2024, m.id, a.id, 10, 6, NULL FROM municipality m "
                "JOIN region r ON r.id = m.region_id, competency_area a WHERE r.code = 'kirov' AND a.code = 'digital' "
                "AND m.id = (SELECT MIN(id) FROM municipality WHERE region_id = r.id)"
            )
        )
    frame = deficits.regions_table(results_engine, year=2024)
    rows = {(row.region, row.area): row for row in frame.itertuples()}
    omsk = rows[("Омская область", "цифровая")]  # the city's three people and Azov's uploaded 40
    assert (omsk.n_assessed, omsk.n_with_deficit) == (43, 11)
    assert omsk.mean_score == pytest.approx((80 + 45 + 69 + 71.5 * 40) / 43)
    kirov = rows[("Кировская область", "цифровая")]
    assert (kirov.n_assessed, kirov.share, math.isnan(kirov.mean_score)) == (10, 60.0, True)
    assert list(frame.columns) == ["region", *deficits.CELL_COLUMNS[1:]]
    assert len(frame) == 4  # Omsk: digital, subject, managerial; Kirov: digital


def test_organisation_drill_down_of_one_municipality(results_engine: Engine) -> None:
    city_id = int(cell(deficits.matrix(results_engine, region="omsk", year=2024), CITY_SHORT, "цифровая")["row_id"])
    grid = deficits.matrix(results_engine, region="omsk", year=2024, municipality_id=city_id, suppress_below=10)
    assert set(grid["row"]) == {deficits.MUNICIPALITY_ROW, "СОШ № 1", "Детский сад № 2"}
    assert cell(grid, "СОШ № 1", "цифровая")["state"] == deficits.SUPPRESSED  # 2 people < 10
    full = deficits.matrix(results_engine, region="omsk", year=2024, municipality_id=city_id)
    assert cell(full, "СОШ № 1", "цифровая")["label"] == "0\u00a0%"
    assert cell(full, "Детский сад № 2", "цифровая")["label"] == "100\u00a0%"
    assert cell(full, deficits.MUNICIPALITY_ROW, "цифровая")["n_assessed"] == 3
    shown, empty = deficits.without_empty_rows(full)
    assert empty == [] and len(shown) == len(full)


def test_change_between_years_in_points(results_engine: Engine) -> None:
    before = deficits.matrix(results_engine, region="omsk", year=2023)
    after = deficits.matrix(results_engine, region="omsk", year=2024)
    change = deficits.change(before, after)
    city = cell(change, CITY_SHORT, "цифровая")  # 2023: a alone, 100 %; 2024: 1 of 3
    assert city["change"] == pytest.approx(100 / 3 - 100) and city["label"] == "\u221266,7"
    assert cell(change, CITY_SHORT, "предметная")["state"] == deficits.NO_DATA  # nobody assessed in 2023
    hidden = deficits.change(before, deficits.matrix(results_engine, region="omsk", year=2024, suppress_below=5))
    assert cell(hidden, CITY_SHORT, "цифровая")["state"] == deficits.SUPPRESSED


def test_the_scale_in_force_is_stored_edited_validated_and_kept_by_init(results_engine: Engine) -> None:
    scale = deficits.scale(results_engine)
    assert scale.threshold == 70 and "ниже 70 из 100" in scale.rule()
    assert scale.bands()["Баллы"].tolist() == ["от 0 до 50 (не включая)", "от 50 до 70 (не включая)", "70 и выше"]
    edits = [
        {"code": "severe", "name": "выраженный дефицит", "min_score": 0, "is_deficit": True},
        {"code": "partial", "name": "частичный дефицит", "min_score": 40, "is_deficit": True},
        {"code": "none", "name": "дефицит отсутствует", "min_score": 60, "is_deficit": False},
    ]
    with pytest.raises(RsnmsError, match="Недостаточно прав"):  # checked on the server, not only by the page
        deficits.save_scale(results_engine, edits, actor=Actor("min1", Role.MINISTRY))
    saved = deficits.save_scale(results_engine, edits, actor=Actor("cnppm1", Role.CNPPM))
    assert saved.threshold == 60 and deficits.scale(results_engine) == saved
    digital = cell(deficits.matrix(results_engine, region="omsk", year=2024), CITY_SHORT, "цифровая")
    assert digital["n_with_deficit"] == 0  # c's 69 is no longer a deficit; every year is recounted at once
    with results_engine.connect() as conn:
        audit = conn.execute(text("SELECT user_login, action FROM audit_event")).all()
    assert [tuple(row) for row in audit] == [("cnppm1", "deficit_scale")]
    load_reference(results_engine)  # `rsnms init` again: the edited scale stays
    assert deficits.scale(results_engine).threshold == 60


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"partial": {"is_deficit": False}, "none": {"is_deficit": True}}, "должны идти подряд в начале"),
        ({"none": {"is_deficit": True}}, "хотя бы один — его отсутствие"),
        ({"severe": {"min_score": 10}}, "начинаться с 0 баллов"),
        ({"partial": {"min_score": 120}}, "от 0 до 100"),
        ({"partial": {"name": "  "}}, "должно быть название"),
        ({"partial": {"min_score": None}}, "Укажите нижнюю границу"),
        ({"partial": {"code": "other"}}, "не добавить или удалить"),
    ],
)
def test_an_invalid_scale_is_refused_in_russian_and_nothing_changes(
    results_engine: Engine, change: dict[str, dict[str, object]], message: str
) -> None:
    before = deficits.scale(results_engine)
    edits = [
        {"code": level.code, "name": level.name, "min_score": level.min_score, "is_deficit": level.is_deficit}
        | change.get(level.code, {})
        for level in before.levels
    ]
    with pytest.raises(RsnmsError, match=message):
        deficits.save_scale(results_engine, edits, actor=Actor(None, Role.ADMIN))
    assert deficits.scale(results_engine) == before


def test_scale_problems_catch_gaps_and_an_upper_bound_on_the_top_level() -> None:
    gap = [
        deficits.Level("a", "низкий", 0, 50, True),
        deficits.Level("b", "высокий", 60, None, False),
    ]
    assert any("разрывов" in problem for problem in deficits.scale_problems(gap))
    closed = [deficits.Level("a", "низкий", 0, 50, True), deficits.Level("b", "высокий", 50, 100, False)]
    assert deficits.scale_problems(closed) == ["Верхний уровень должен быть открытым (без верхней границы)."]


def _grid(profiles: dict[str, tuple[float, float, float]]) -> pd.DataFrame:
    """A matrix of two areas and an all-areas column: row → (share 1, share 2, all areas)."""
    records = []
    for row, (first, second, total) in {deficits.REGION_ROW: (50.0, 50.0, 50.0), **profiles}.items():
        for area, share in (("А", first), ("Б", second), (deficits.ALL_AREAS, total)):
            records.append(
                {
                    "row": row,
                    "area": area,
                    "share": share,
                    "row_total": row == deficits.REGION_ROW,
                    "area_total": area == deficits.ALL_AREAS,
                }
            )
    return pd.DataFrame(records)


def test_row_orders_by_total_by_name_and_by_similar_profiles() -> None:
    grid = _grid(
        {
            "Тарский": (90, 20, 55),
            "Азовский": (20, 90, 56),
            "Омский": (85, 25, 54),
            "Ёлкинский": (25, 80, 50),
            "Пустой": (math.nan, math.nan, math.nan),
        }
    )
    assert deficits.row_order(grid, "total") == [
        deficits.REGION_ROW,
        "Азовский",
        "Тарский",
        "Омский",
        "Ёлкинский",
        "Пустой",
    ]
    assert deficits.row_order(grid, "name")[1:] == ["Азовский", "Ёлкинский", "Омский", "Пустой", "Тарский"]
    # from the most deficient profile (Тарский) to the nearest one each time; rows without data last
    assert deficits.row_order(grid, "similarity")[1:] == ["Тарский", "Омский", "Ёлкинский", "Азовский", "Пустой"]
    with pytest.raises(ValueError, match="unknown order"):
        deficits.row_order(grid, "random")


def test_workbook_sheets_keep_hidden_cells_as_text(results_engine: Engine) -> None:
    grid = deficits.matrix(results_engine, region="omsk", year=2024, suppress_below=5)
    order = deficits.row_order(grid, "name")
    sheets = deficits.workbook(grid, order, row_title="Муниципалитет", notes={"Год": "2024"})
    assert list(sheets) == ["Доля с дефицитом, %", "Ячейки", "Условия"]
    shares = sheets["Доля с дефицитом, %"].set_index("Муниципалитет")
    assert shares.loc[CITY_SHORT, "цифровая"] == "< 5"
    assert shares.loc[AZOV_SHORT, "цифровая"] == "скрыто"  # it would give the city away
    assert shares.loc["Тарский", "цифровая"] == "нет данных"
    assert list(shares.index[:2]) == [deficits.REGION_ROW, AZOV_SHORT]
    cells = sheets["Ячейки"]
    hidden = cells[(cells["Муниципалитет"] == CITY_SHORT) & (cells["Компетенция"] == "цифровая")].iloc[0]
    assert pd.isna(hidden["Оценено"]) and hidden["Ячейка"] == "< 5"


def test_years_and_filter_options(results_engine: Engine) -> None:
    assert deficits.years(results_engine, region="omsk") == [2024, 2023]
    assert deficits.filter_options(results_engine, region="omsk") == (["Математика"], ["general_school", "preschool"])


def test_the_heatmap_of_a_real_matrix_renders_to_png(results_engine: Engine) -> None:
    grid = deficits.matrix(results_engine, region="omsk", year=2024, suppress_below=5)
    chart = charts.heatmap(grid, rows=deficits.row_order(grid, "total"), columns=list(dict.fromkeys(grid["area"])))
    assert charts.to_png(chart, scale=1).startswith(b"\x89PNG")  # NaN cells must not break the spec's JSON
