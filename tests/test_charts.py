"""Chart builders, tested on the spec: marks per layer, encodings, scales, the data each layer draws."""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import pytest
import vl_convert

from rsnms import charts, labels

STATUS_LABELS = ["выполнен", "близко к цели", "не выполнен", "нет данных", "цель не установлена"]
STATUS_COLOURS = ["#2e7d32", "#f9a825", "#c62828", "#9e9e9e", "#607d8b"]

CARD = pd.DataFrame(
    {
        "label": ["Доля прошедших диагностику", "Педагогов на методиста", "Доля наставников"],
        "value": [64.75, 141.25, math.nan],
        "target": [60.0, math.nan, 30.0],
        "status": ["met", "no_target", "no_data"],
        "unit": ["%", "чел.", "%"],
        "numerator": [1295.0, 20709.0, 0.0],
        "denominator": [2000.0, 146.6, 0.0],
    }
)
MUNICIPALITIES = pd.DataFrame(
    {
        "municipality": ["Город А", "Район Б", "Район В", "Город Г"],
        "value": [55.0, math.nan, 72.5, 40.0],
        "status": ["close", "no_data", "met", "not_met"],
    }
)
ACTUAL = pd.DataFrame({"year": [2020, 2021, 2023], "value": [30.0, math.nan, 50.0]})
TARGET_PATH = pd.DataFrame({"year": [2023, 2024, 2025], "target": [45.0, 55.0, 60.0]})
FORECAST = pd.DataFrame({"year": [2023, 2024, 2025], "value": [50.0, 54.0, 58.5]})
# A deficit matrix as rsnms.deficits.matrix returns it: a cell with data, one without, one hidden.
MATRIX = pd.DataFrame(
    {
        "row": ["Весь регион", "Тарский", "Омский"],
        "row_id": [math.nan, 7.0, 8.0],
        "area": ["цифровая"] * 3,
        "n_assessed": [120.0, math.nan, math.nan],
        "n_with_deficit": [42.0, math.nan, math.nan],
        "mean_score": [64.25, math.nan, math.nan],
        "share": [35.0, math.nan, math.nan],
        "change": [-4.5, math.nan, math.nan],
        "state": ["data", "no_data", "suppressed"],
        "label": ["35 %", "нет данных", "< 5"],
    }
)
HEATMAP = {"rows": ["Весь регион", "Тарский", "Омский"], "columns": ["цифровая"], "row_title": "Муниципалитет"}


def mark_type(layer: dict[str, Any]) -> str:
    mark = layer["mark"]
    return str(mark if isinstance(mark, str) else mark["type"])


def rows(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows a layer draws (Altair moves inline data to the top-level ``datasets``)."""
    data = layer["data"] if "data" in layer else spec["data"]  # a lone layer's data is lifted to the top level
    return list(spec["datasets"][data["name"]])


def column(spec: dict[str, Any], layer: dict[str, Any], field: str) -> list[Any]:
    return [row[field] for row in rows(spec, layer)]


def render_text(chart: alt.LayerChart) -> list[str]:
    """Every text the rendered SVG shows (axis labels, legend, marks)."""
    svg = vl_convert.vegalite_to_svg(json.dumps(chart.to_dict()))
    return [html.unescape(text) for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_theme_is_enabled_with_the_russian_number_locale() -> None:
    spec = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().to_dict()
    locale = spec["config"]["locale"]["number"]
    assert (locale["decimal"], locale["thousands"], locale["grouping"]) == (",", "\u2009", [3])
    assert spec["config"]["view"]["stroke"] is None
    assert spec["width"] == "container"
    assert alt.theme.active == "rsnms"


def test_locale_formats_numbers_the_russian_way() -> None:
    frame = pd.DataFrame({"x": [1234.5]})
    chart = alt.Chart(frame).mark_text().encode(alt.Text(field="x", type="quantitative", format=",.1f"))
    assert "1\u2009234,5" in render_text(alt.LayerChart(layer=[chart]))


def test_bullet_layers_and_encodings() -> None:
    spec = charts.bullet(CARD).to_dict()
    assert [mark_type(layer) for layer in spec["layer"]] == ["bar", "tick", "text", "text"]
    bars, ticks, values, missing = spec["layer"]
    assert bars["encoding"]["color"]["field"] == "_status"
    assert bars["encoding"]["color"]["scale"] == {"domain": STATUS_LABELS, "range": STATUS_COLOURS}
    assert ticks["mark"]["color"] == "black"
    assert values["encoding"]["text"]["field"] == "_value_text"
    assert missing["mark"]["text"] == "нет данных"
    assert all(layer["encoding"]["y"]["sort"] == list(CARD["label"]) for layer in spec["layer"])


def test_bullet_draws_a_missing_value_as_text_not_as_a_bar() -> None:
    spec = charts.bullet(CARD).to_dict()
    bars, ticks, values, missing = spec["layer"]
    assert column(spec, bars, "label") == ["Доля прошедших диагностику", "Педагогов на методиста"]
    assert column(spec, bars, "_status") == ["выполнен", "цель не установлена"]
    assert column(spec, missing, "label") == ["Доля наставников"]
    assert column(spec, ticks, "label") == ["Доля прошедших диагностику", "Доля наставников"]


def test_bullet_puts_each_row_on_its_own_scale() -> None:
    spec = charts.bullet(CARD).to_dict()
    bars, ticks, *_ = spec["layer"]
    # A share runs over 0…100; «чел.» over its larger number plus headroom.
    assert column(spec, bars, "_value_x") == pytest.approx([0.6475, 1 / charts.BULLET_HEADROOM])
    assert column(spec, ticks, "_target_x") == pytest.approx([0.6, 0.3])
    assert column(spec, bars, "_zero") == [0.0, 0.0]


def test_bullet_tooltip_titles_are_russian() -> None:
    bars = charts.bullet(CARD).to_dict()["layer"][0]
    titles = [item["title"] for item in bars["encoding"]["tooltip"]]
    assert titles == ["Показатель", "Значение", "Цель", "Числитель", "Знаменатель", "Статус"]
    expressions = {step["as"]: step["calculate"] for step in bars["transform"]}
    assert "isValid" in expressions["_target_text"] and "не установлена" in expressions["_target_text"]
    assert "'\u00a0' + datum[\"unit\"]" in expressions["_value_text"]


def test_bullet_renders_values_with_units_and_no_data() -> None:
    texts = render_text(charts.bullet(CARD))
    assert {"64,8\u00a0%", "141,3\u00a0чел.", "нет данных"} <= set(texts)


@pytest.mark.parametrize(
    ("ascending", "expected"),
    [(False, ["Район В", "Город А", "Город Г", "Район Б"]), (True, ["Город Г", "Город А", "Район В", "Район Б"])],
)
def test_ranking_sorts_by_value_with_missing_last(ascending: bool, expected: list[str]) -> None:
    spec = charts.ranking(MUNICIPALITIES, region_value=None, target=None, ascending=ascending).to_dict()
    assert [mark_type(layer) for layer in spec["layer"]] == ["bar", "text"]
    assert all(layer["encoding"]["y"]["sort"] == expected for layer in spec["layer"])


def test_ranking_lists_missing_values_as_no_data() -> None:
    spec = charts.ranking(MUNICIPALITIES, region_value=None, target=None).to_dict()
    bars, missing = spec["layer"]
    assert "Район Б" not in column(spec, bars, "municipality")
    assert column(spec, missing, "municipality") == ["Район Б"]
    assert missing["encoding"]["text"] == {"field": "_status", "type": "nominal"}
    assert column(spec, missing, "_status") == ["нет данных"]
    assert bars["encoding"]["color"]["scale"]["range"] == STATUS_COLOURS


def test_ranking_draws_region_and_target_rules() -> None:
    spec = charts.ranking(MUNICIPALITIES, region_value=57.3, target=60, title="Доля, %").to_dict()
    assert spec["title"] == "Доля, %"
    assert [mark_type(layer) for layer in spec["layer"]] == ["bar", "text", "rule", "text", "rule", "text"]
    region_rule, region_text, target_rule, target_text = spec["layer"][2:]
    assert region_rule["encoding"]["x"]["datum"] == 57.3
    assert region_rule["mark"]["strokeDash"] == [6, 4]
    assert region_text["mark"]["text"] == "по региону: 57,3"
    assert target_rule["encoding"]["x"]["datum"] == 60
    assert target_rule["mark"]["strokeDash"] == []
    assert target_text["mark"]["text"] == "цель: 60"
    assert (region_text["mark"]["align"], target_text["mark"]["align"]) == ("right", "left")


@pytest.mark.parametrize(
    ("region_value", "target", "caption"),
    [(None, 60.0, "цель: 60"), (57.3, None, "по региону: 57,3"), (math.nan, 60.0, "цель: 60")],
)
def test_ranking_draws_only_the_given_rules(region_value: float | None, target: float | None, caption: str) -> None:
    spec = charts.ranking(MUNICIPALITIES, region_value=region_value, target=target).to_dict()
    assert [mark_type(layer) for layer in spec["layer"]] == ["bar", "text", "rule", "text"]
    assert spec["layer"][3]["mark"]["text"] == caption


def test_status_codes_become_labels_and_a_missing_status_reads_no_data() -> None:
    frame = MUNICIPALITIES.assign(status=pd.Series(["close", None, "выполнен", "not_met"], dtype=object))
    spec = charts.ranking(frame, region_value=None, target=None).to_dict()
    assert column(spec, spec["layer"][0], "_status") == ["выполнен", "близко к цели", "не выполнен"]
    assert column(spec, spec["layer"][1], "_status") == ["нет данных"]


def test_trend_actual_line_breaks_at_missing_years() -> None:
    spec = charts.trend(ACTUAL).to_dict()
    (line,) = spec["layer"]
    assert mark_type(line) == "line" and line["mark"]["point"] is True
    assert line["encoding"]["x"] == {
        "field": "year",
        "type": "ordinal",
        "title": "Год",
        "axis": {"labelAngle": 0},
    }
    assert column(spec, line, "year") == [2020, 2021, 2022, 2023]
    assert column(spec, line, "value") == [30.0, None, None, 50.0]


def test_trend_target_path_is_dashed_and_forecast_dotted() -> None:
    spec = charts.trend(ACTUAL, target_path=TARGET_PATH, forecast=FORECAST, title="Доля").to_dict()
    actual, path, forecast = spec["layer"]
    assert [mark_type(layer) for layer in spec["layer"]] == ["line", "line", "line"]
    assert column(spec, path, "_series") == ["целевая траектория"] * 3
    assert path["encoding"]["y"]["field"] == "target" and path["mark"]["point"] is False
    assert column(spec, forecast, "_series") == ["прогноз"] * 3
    assert forecast["mark"]["point"] is True
    dash = actual["encoding"]["strokeDash"]["scale"]
    assert dash == {"domain": ["факт", "целевая траектория", "прогноз"], "range": [[1, 0], [6, 4], [2, 3]]}


def test_trend_legend_lists_only_the_series_given() -> None:
    spec = charts.trend(ACTUAL, forecast=FORECAST).to_dict()
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == ["факт", "прогноз"]


def test_heatmap_draws_data_no_data_and_hidden_cells_in_separate_layers() -> None:
    tooltip = [("n_assessed", "Оценено, чел."), ("mean_score", "Средний балл")]
    spec = charts.heatmap(MATRIX, **HEATMAP, tooltip=tooltip, title="Дефициты").to_dict()
    assert [mark_type(layer) for layer in spec["layer"]] == ["rect", "rect", "rect", "text", "text"]
    cells, blanks, hidden, values, notes = spec["layer"]
    assert column(spec, cells, "row") == ["Весь регион"]
    assert cells["encoding"]["color"]["scale"] == {"scheme": "oranges", "domain": [0.0, 100.0]}  # fixed 0–100 %
    assert column(spec, blanks, "row") == ["Тарский"] and blanks["mark"]["color"] == charts.NO_DATA_FILL
    assert column(spec, hidden, "row") == ["Омский"] and hidden["mark"]["color"] == "white"
    assert values["encoding"]["text"] == {"field": "label", "type": "nominal"}
    assert column(spec, notes, "label") == ["нет данных", "< 5"]
    tips = {tip["title"]: tip["field"] for tip in cells["encoding"]["tooltip"]}
    assert list(tips) == ["Муниципалитет", "Компетенция", "Доля с дефицитом", "Оценено, чел.", "Средний балл"]
    first = rows(spec, cells)[0]
    assert (first["_value_text"], first["_n_assessed_text"], first["_mean_score_text"]) == ("35 %", "120", "64,2")
    assert cells["encoding"]["y"]["sort"] == HEATMAP["rows"]
    assert spec["params"][0]["name"] == charts.ROW_SELECTION  # a click selects the row (drill-down)


def test_heatmap_of_a_change_is_diverging_and_symmetric_around_zero() -> None:
    frame = MATRIX.assign(label=["−4,5", "нет данных", "< 5"])
    spec = charts.heatmap(frame, **HEATMAP, value="change", diverging=True).to_dict()
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale == {"scheme": "redblue", "domain": [-10.0, 10.0], "reverse": True}  # at least ±10 points
    assert rows(spec, spec["layer"][0])[0]["_value_text"] == "−4,5\u00a0п.\u00a0п."
    wide = MATRIX.assign(change=[-23.0, math.nan, math.nan])
    assert charts.heatmap(wide, **HEATMAP, value="change", diverging=True).to_dict()["layer"][0]["encoding"]["color"][
        "scale"
    ]["domain"] == [-25.0, 25.0]


def test_heatmap_renders_its_russian_labels() -> None:
    texts = render_text(charts.heatmap(MATRIX, **HEATMAP))
    assert {"35 %", "нет данных", "< 5", "Тарский", "цифровая"} <= set(texts)


def test_to_png_returns_png_bytes() -> None:
    png = charts.to_png(charts.ranking(MUNICIPALITIES, region_value=50.0, target=60.0), scale=1)
    assert png.startswith(b"\x89PNG")


BUILDERS: list[tuple[pd.DataFrame, Callable[[pd.DataFrame], alt.LayerChart]]] = [
    (CARD, lambda frame: charts.bullet(frame)),
    (MUNICIPALITIES, lambda frame: charts.ranking(frame, region_value=50.0, target=60.0)),
    (ACTUAL, lambda frame: charts.trend(frame, target_path=TARGET_PATH.copy(), forecast=FORECAST.copy())),
    (MATRIX, lambda frame: charts.heatmap(frame, **HEATMAP, tooltip=[("n_assessed", "Оценено")])),
]


@pytest.mark.parametrize(("frame", "build"), BUILDERS)
def test_builders_leave_the_input_frame_unchanged(
    frame: pd.DataFrame, build: Callable[[pd.DataFrame], alt.LayerChart]
) -> None:
    before = frame.copy()
    build(frame).to_dict()
    pd.testing.assert_frame_equal(frame, before)


def test_trend_leaves_target_path_and_forecast_unchanged() -> None:
    path, forecast = TARGET_PATH.copy(), FORECAST.copy()
    charts.trend(ACTUAL, target_path=path, forecast=forecast).to_dict()
    pd.testing.assert_frame_equal(path, TARGET_PATH)
    pd.testing.assert_frame_equal(forecast, FORECAST)


def test_ranking_tooltips_carry_numerator_and_denominator_when_given() -> None:
    frame = pd.DataFrame(
        {
            "municipality": ["А", "Б"],
            "value": [30.0, 20.0],
            "status": ["met", "not_met"],
            "numerator": [3.0, 2.0],
            "denominator": [10.0, 10.0],
        }
    )
    spec = charts.ranking(frame, label_title="Организация ДПО").to_dict()
    bars = next(layer for layer in spec["layer"] if layer["mark"] == "bar" or layer["mark"].get("type") == "bar")
    titles = [tooltip["title"] for tooltip in bars["encoding"]["tooltip"]]
    assert titles == ["Организация ДПО", "Значение", "Числитель", "Знаменатель", "Статус"]


ROADMAP = pd.DataFrame(
    {
        "section": ["I", "I", "II"],
        "label": ["1 · Приказ", "1 · Приказ", "2 · Семинар"],
        "due": [dt.date(2022, 3, 31), dt.date(2022, 6, 30), dt.date(2022, 12, 31)],
        "status": ["overdue", "overdue", "done"],
    }
)


def test_status_bars_stack_statuses_in_their_order_with_their_colours() -> None:
    spec = charts.status_bars(ROADMAP, category="section", statuses=labels.ROADMAP_STATUS).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["sort"] == ["I", "II"]  # the section with more items first
    assert spec["encoding"]["color"]["scale"] == {
        "domain": ["просрочено", "выполнено"],
        "range": [labels.ROADMAP_STATUS["overdue"][1], labels.ROADMAP_STATUS["done"][1]],
    }
    counts = {(row["section"], row["_status"]): row["size"] for row in spec["datasets"][spec["data"]["name"]]}
    assert counts == {("I", "просрочено"): 2, ("II", "выполнено"): 1}


def test_timeline_marks_every_due_date_and_the_date_line() -> None:
    spec = charts.timeline(ROADMAP, as_of=dt.date(2022, 11, 1), statuses=labels.ROADMAP_STATUS).to_dict()
    points, rule, caption = spec["layer"]
    assert column(spec, points, "_due") == ["2022-03-31", "2022-06-30", "2022-12-31"]
    assert points["encoding"]["y"]["sort"] == ["1 · Приказ", "2 · Семинар"]
    assert rule["mark"]["type"] == "rule" and column(spec, rule, "_day") == ["2022-11-01"]
    assert column(spec, caption, "_caption") == ["на 01.11.2022"]
