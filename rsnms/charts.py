"""Altair chart builders and the house theme: pure functions from a DataFrame and field names to a chart.

Builders never query the store, call streamlit or compute indicators; they copy their input frames.
Every text a reader sees is Russian. Numbers are formatted by Vega with the Russian number locale of
the house theme (``config.locale``), so ``format(x, ",.1~f")`` gives «1 234,5». A missing value is
never drawn as a zero: it gets a grey «нет данных» label instead of a bar or a cell colour.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

import altair as alt
import pandas as pd
import vl_convert
from altair.theme import NumberLocaleKwds

from rsnms import formatting, labels

FONT = "'PT Sans', 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
NUMBER_FORMAT = ",.1~f"  # one decimal, trailing zeros trimmed: «1 234», «64,8»
RUSSIAN_NUMBER_LOCALE: NumberLocaleKwds = {
    "decimal": ",",
    "thousands": formatting.THIN_SPACE,
    "grouping": [3],
    "currency": ["", "\u00a0₽"],
    "percent": "\u00a0%",  # «42 %», as in rsnms.formatting.percent
    "minus": "\u2212",
}
NO_DATA = formatting.NO_DATA
NO_DATA_COLOUR = "#9e9e9e"
TARGET_COLOUR = "black"
PERCENT_UNIT = "%"
PNG_WIDTH = 800  # a headless renderer has no container to fit, so PNGs get a fixed width

# Status of an indicator against its target: the label a reader sees and its colour.
STATUS_COLOURS: dict[str, str] = {
    labels.INDICATOR_STATUS["met"]: "#2e7d32",
    labels.INDICATOR_STATUS["close"]: "#f9a825",
    labels.INDICATOR_STATUS["not_met"]: "#c62828",
    labels.INDICATOR_STATUS["no_data"]: NO_DATA_COLOUR,
    labels.INDICATOR_STATUS["no_target"]: "#607d8b",
}
STATUS_SCALE = alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values()))

# Series of a trend chart: colour and stroke dash of each line.
SERIES_ACTUAL = "факт"
SERIES_TARGET = "целевая траектория"
SERIES_FORECAST = "прогноз"
SERIES_COLOURS: dict[str, str] = {SERIES_ACTUAL: "#1565c0", SERIES_TARGET: "#424242", SERIES_FORECAST: "#6a1b9a"}
SERIES_DASHES: dict[str, list[int]] = {SERIES_ACTUAL: [1, 0], SERIES_TARGET: [6, 4], SERIES_FORECAST: [2, 3]}

# Deficit heatmaps: a sequential scheme for shares, a diverging one for changes (more deficits in red).
DEFICIT_SCHEME: Final = "oranges"
CHANGE_SCHEME: Final = "redblue"
NO_DATA_FILL = "#e0e0e0"
ROW_LABEL_LIMIT = 280  # pixels of a heatmap row label before it is cut with «…»
ROW_SELECTION = "row"  # the point selection a heatmap click fills with the cell's row_id

BULLET_TEXT_X = 1.04  # normalised x where the value column of a bullet chart starts
BULLET_DOMAIN = [0.0, 1.3]  # room on the right of the bars for that column
BULLET_HEADROOM = 1.1  # a row not in «%» ends a little past its larger number, so that never looks like 100 %


@alt.theme.register("rsnms", enable=True)
def rsnms_theme() -> alt.theme.ThemeConfig:
    """The house theme: a common sans font, Russian number locale, no view border, container width."""
    return {
        "width": "container",
        "config": {
            "font": FONT,
            "locale": {"number": RUSSIAN_NUMBER_LOCALE},
            "view": {"stroke": None},
            "title": {"fontSize": 16, "anchor": "start", "offset": 12},
            "axis": {"labelFontSize": 12, "titleFontSize": 13, "titleFontWeight": "normal"},
            "legend": {"labelFontSize": 12, "titleFontSize": 13, "orient": "bottom"},
            "text": {"fontSize": 12},
        },
    }


def bullet(
    frame: pd.DataFrame,
    *,
    label: str = "label",
    value: str = "value",
    target: str = "target",
    status: str = "status",
    unit_field: str = "unit",
    numerator: str = "numerator",
    denominator: str = "denominator",
) -> alt.LayerChart:
    """One row per indicator: a status-coloured bar for the value, a black tick for the target.

    Rows may mix units (% and чел.), so each row is drawn on its own scale: 0…100 for «%» rows,
    0…max(value, target) otherwise (extended below zero for negative values). The x axis is hidden
    and the value with its unit is printed in a column on the right; exact numbers are in the tooltip.
    A single layered chart (rather than a facet or a vconcat) keeps ``width="container"`` working in
    Streamlit. Labels must be unique; rows keep the frame's order. ``status`` holds the codes of
    :data:`rsnms.labels.INDICATOR_STATUS` (labels pass through). The frame is copied, not modified.
    """
    data = _with_status(_bullet_positions(frame, value=value, target=target, unit_field=unit_field), status)
    rows = alt.Y(field=label, type="nominal", sort=list(data[label]), title=None, axis=alt.Axis(labelLimit=320))
    x_scale = alt.Scale(domain=BULLET_DOMAIN)
    tooltip = [
        alt.Tooltip(field=label, type="nominal", title="Показатель"),
        alt.Tooltip(field="_value_text", type="nominal", title="Значение"),
        alt.Tooltip(field="_target_text", type="nominal", title="Цель"),
        alt.Tooltip(field="_numerator_text", type="nominal", title="Числитель"),
        alt.Tooltip(field="_denominator_text", type="nominal", title="Знаменатель"),
        alt.Tooltip(field="_status", type="nominal", title="Статус"),
    ]
    texts = {
        "_value_text": _formatted(value, unit_field=unit_field),
        "_target_text": _formatted(target, unit_field=unit_field, missing="не установлена"),
        "_numerator_text": _formatted(numerator, missing="—"),
        "_denominator_text": _formatted(denominator, missing="—"),
    }
    measured = data[data[value].notna()]
    bars = (
        alt.Chart(measured)
        .transform_calculate(**texts)
        .mark_bar(size=16)
        .encode(
            rows,
            alt.X(field="_zero", type="quantitative", scale=x_scale, axis=None),
            alt.X2(field="_value_x"),
            alt.Color(field="_status", type="nominal", scale=STATUS_SCALE, title="Статус"),
            tooltip=tooltip,
        )
    )
    ticks = (
        alt.Chart(data[data[target].notna()])
        .transform_calculate(**texts)
        .mark_tick(size=26, thickness=2, color=TARGET_COLOUR)
        .encode(rows, alt.X(field="_target_x", type="quantitative", scale=x_scale), tooltip=tooltip)
    )
    values = (
        alt.Chart(measured)
        .transform_calculate(**texts)
        .mark_text(align="left", baseline="middle")
        .encode(rows, alt.X(datum=BULLET_TEXT_X), alt.Text(field="_value_text", type="nominal"), tooltip=tooltip)
    )
    missing = (
        alt.Chart(data[data[value].isna()])
        .transform_calculate(**texts)
        .mark_text(text=NO_DATA, align="left", baseline="middle", dx=4, color=NO_DATA_COLOUR)
        .encode(rows, alt.X(field="_zero", type="quantitative", scale=x_scale), tooltip=tooltip)
    )
    return alt.LayerChart(layer=[bars, ticks, values, missing], height=alt.Step(34))


def ranking(
    frame: pd.DataFrame,
    *,
    label: str = "municipality",
    value: str = "value",
    status: str = "status",
    region_value: float | None = None,
    target: float | None = None,
    title: str = "",
    ascending: bool = False,
    label_title: str = "Муниципалитет",
    statuses: Mapping[str, tuple[str, str]] | None = None,
    target_caption: str = "цель",
    missing_first: bool = False,
) -> alt.LayerChart:
    """Horizontal status-coloured bars sorted by value; missing values listed last with their status text.

    ``ascending=True`` puts the smallest value first (for indicators where lower is better, such as
    the load per methodist). A dashed rule marks ``region_value`` («по региону: X») and a solid rule
    marks ``target`` («цель: X», or ``target_caption``), each only when given. ``statuses`` maps status
    codes to (label, colour) when they are not an indicator's; ``missing_first`` lists the rows without a
    value first (a municipality with teachers and no methodist). The frame is copied, not modified.
    """
    data = _with_status(frame.copy(), status, statuses)
    scale = (
        alt.Scale(domain=[label for label, _ in statuses.values()], range=[colour for _, colour in statuses.values()])
        if statuses
        else STATUS_SCALE
    )
    data = data.sort_values(
        value, ascending=ascending, na_position="first" if missing_first else "last", kind="mergesort"
    )
    rows = alt.Y(field=label, type="nominal", sort=list(data[label]), title=None, axis=alt.Axis(labelLimit=240))
    bars = (
        alt.Chart(data[data[value].notna()])
        .mark_bar()
        .encode(
            rows,
            alt.X(field=value, type="quantitative", title=None),
            alt.Color(field="_status", type="nominal", scale=scale, title="Статус"),
            tooltip=[
                alt.Tooltip(field=label, type="nominal", title=label_title),
                alt.Tooltip(field=value, type="quantitative", title="Значение", format=NUMBER_FORMAT),
                *(
                    alt.Tooltip(field=field, type="quantitative", title=caption, format=NUMBER_FORMAT)
                    for field, caption in (("numerator", "Числитель"), ("denominator", "Знаменатель"))
                    if field in data
                ),
                alt.Tooltip(field="_status", type="nominal", title="Статус"),
            ],
        )
    )
    missing = (
        alt.Chart(data[data[value].isna()])
        .mark_text(align="left", baseline="middle", dx=2, color=NO_DATA_COLOUR)
        .encode(
            rows,
            alt.X(datum=0),
            alt.Text(field="_status", type="nominal"),
            tooltip=[alt.Tooltip(field=label, type="nominal", title=label_title)],
        )
    )
    references = [
        (region_value, "по региону", [6, 4]),
        (target, target_caption, []),
    ]
    given = [(float(x), name, dash) for x, name, dash in references if x is not None and not formatting.is_missing(x)]
    layers: list[alt.Chart] = [bars, missing]
    for x, name, dash in given:
        # Two captions at the top would collide: the smaller value's goes left of its rule, the other's right.
        is_left = len(given) == 2 and x < max(other for other, _, _ in given)
        caption = f"{name}: {formatting.short_number(x)}"
        layers += _reference_line(x, caption, dash=dash, align="right" if is_left else "left")
    return alt.LayerChart(layer=layers, title=title, height=alt.Step(22))


def trend(
    frame: pd.DataFrame,
    *,
    year: str = "year",
    value: str = "value",
    target_path: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
    title: str = "",
) -> alt.LayerChart:
    """Actual values by year as a line with points, with an optional target path and forecast.

    ``target_path`` has columns ``year`` and ``target`` (drawn dashed, «целевая траектория»);
    ``forecast`` has ``year`` and ``value`` (dotted with points, «прогноз»; include the last actual
    year to join it to the actual line). Years absent from ``frame`` and NaN values break the line;
    they are never drawn as zeros. Years are an ordinal axis, so «2024» has no thousands separator.
    Inputs are copied, not modified.
    """
    actual = _fill_years(frame[[year, value]].copy(), year)
    series: list[tuple[pd.DataFrame, str, str, str]] = [(actual, year, value, SERIES_ACTUAL)]
    if target_path is not None:
        series.append((target_path[["year", "target"]].copy(), "year", "target", SERIES_TARGET))
    if forecast is not None:
        series.append((forecast[["year", "value"]].copy(), "year", "value", SERIES_FORECAST))
    present = [name for *_, name in series]
    colour = alt.Color(
        field="_series",
        type="nominal",
        scale=alt.Scale(domain=present, range=[SERIES_COLOURS[name] for name in present]),
        title=None,
        legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2, symbolSize=400),
    )
    dash = alt.StrokeDash(
        field="_series",
        type="nominal",
        scale=alt.Scale(domain=present, range=[SERIES_DASHES[name] for name in present]),
        title=None,
    )
    layers = [_trend_line(data, x, y, name, colour=colour, dash=dash) for data, x, y, name in series]
    return alt.LayerChart(layer=layers, title=title)


def heatmap(
    frame: pd.DataFrame,
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    value: str = "share",
    diverging: bool = False,
    title: str = "",
    row_title: str = "",
    tooltip: Sequence[tuple[str, str]] = (),
) -> alt.LayerChart:
    """A ``row`` × ``area`` grid from ``rsnms.deficits.matrix`` (or ``change``), in the given orders.

    Cells with data are coloured by ``value`` (a share on a fixed 0…100 % scale, or with ``diverging`` a
    change in percentage points on a scale symmetric around zero, more deficits in red) and print their
    ``label``. Cells without data are light grey with «нет данных»; hidden small cells are white with a
    grey border and their «< 5» — never a colour a reader could take for a figure. ``tooltip`` lists
    extra (column, title) pairs shown as Russian numbers. Clicking a cell selects its row (``row_id``).
    """
    wanted = ["row", "row_id", "area", value, "label", "state", *(column for column, _ in tooltip)]
    data = frame[[column for column in dict.fromkeys(wanted) if column in frame.columns]].copy()  # only what is drawn
    data[value] = pd.to_numeric(data[value]).astype(float)
    unit = "\u00a0п.\u00a0п." if diverging else ""
    data["_value_text"] = [
        f"{label}{unit}" if state == "data" else label
        for label, state in zip(data["label"], data["state"], strict=True)
    ]
    for column, _ in tooltip:
        data[f"_{column}_text"] = [formatting.short_number(v) for v in pd.to_numeric(data[column]).astype(float)]
    x_enc = alt.X(
        field="area", type="nominal", sort=list(columns), title=None, axis=alt.Axis(orient="top", labelAngle=-30)
    )
    y_enc = alt.Y(
        field="row", type="nominal", sort=list(rows), title=row_title or None, axis=alt.Axis(labelLimit=ROW_LABEL_LIMIT)
    )
    top = _change_limit(data[value]) if diverging else 100.0
    scale = (
        alt.Scale(scheme=CHANGE_SCHEME, domain=[-top, top], reverse=True)
        if diverging
        else alt.Scale(scheme=DEFICIT_SCHEME, domain=[0.0, 100.0])
    )
    legend = alt.Legend(title="Изменение, п. п." if diverging else "Доля с дефицитом, %", format=NUMBER_FORMAT)
    tips = [
        _plain_tooltip("row", row_title or "Строка"),
        _plain_tooltip("area", "Компетенция"),
        alt.Tooltip(field="_value_text", type="nominal", title="Изменение" if diverging else "Доля с дефицитом"),
        *(alt.Tooltip(field=f"_{column}_text", type="nominal", title=name) for column, name in tooltip),
    ]
    measured = data[data["state"] == "data"]
    cells = (
        alt.Chart(measured)
        .mark_rect()
        .encode(x_enc, y_enc, alt.Color(field=value, type="quantitative", scale=scale, legend=legend), tooltip=tips)
        .add_params(alt.selection_point(name=ROW_SELECTION, fields=["row_id"], on="click", clear="dblclick"))
    )
    missing = data[data["state"] == "no_data"]
    hidden = data[data["state"] == "suppressed"]
    blanks = alt.Chart(missing).mark_rect(color=NO_DATA_FILL).encode(x_enc, y_enc, tooltip=tips[:2])
    covered = (
        alt.Chart(hidden)
        .mark_rect(color="white", stroke=NO_DATA_COLOUR, strokeDash=[3, 2])
        .encode(x_enc, y_enc, tooltip=tips[:2])
    )
    midpoint = top / 2
    strong = f"abs({_datum(value)}) > {midpoint}" if diverging else f"{_datum(value)} > {midpoint}"
    values = (
        alt.Chart(measured)
        .mark_text(baseline="middle")
        .encode(
            x_enc,
            y_enc,
            alt.Text(field="label", type="nominal"),
            color=alt.condition(strong, alt.value("white"), alt.value("black")),
        )
    )
    notes = (
        alt.Chart(pd.concat([missing, hidden]))
        .mark_text(baseline="middle", color="#616161", fontSize=10)
        .encode(x_enc, y_enc, alt.Text(field="label", type="nominal"))
    )
    return alt.LayerChart(layer=[cells, blanks, covered, values, notes], title=title).properties(height=alt.Step(24))


def status_bars(
    frame: pd.DataFrame,
    *,
    category: str,
    statuses: Mapping[str, tuple[str, str]],
    status: str = "status",
    title: str = "",
    category_title: str = "",
) -> alt.Chart:
    """Horizontal bars of item counts per ``category``, stacked by status in the order of ``statuses``.

    One row of ``frame`` is one item in one category (an item with several categories has several rows);
    categories are sorted by their number of items, largest first.
    """
    data = frame[[category, status]].copy()
    data["_status"] = [statuses[str(code)][0] for code in data[status]]
    data["_order"] = [list(statuses).index(str(code)) for code in data[status]]
    counts = data.groupby([category, "_status", "_order"], as_index=False).size()
    order = counts.groupby(category)["size"].sum().sort_values(ascending=False, kind="mergesort").index.tolist()
    present = [name for code, (name, _) in statuses.items() if code in set(data[status])]
    colours = [colour for code, (_, colour) in statuses.items() if code in set(data[status])]
    chart: alt.Chart = (
        alt.Chart(counts, title=title, height=alt.Step(22))
        .mark_bar()
        .encode(
            alt.Y(field=category, type="nominal", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
            alt.X(field="size", type="quantitative", title="Мероприятий", axis=alt.Axis(tickMinStep=1)),
            alt.Color(field="_status", type="nominal", scale=alt.Scale(domain=present, range=colours), title="Статус"),
            alt.Order(field="_order", type="quantitative"),
            tooltip=[
                alt.Tooltip(field=category, type="nominal", title=category_title or category),
                alt.Tooltip(field="_status", type="nominal", title="Статус"),
                alt.Tooltip(field="size", type="quantitative", title="Мероприятий"),
            ],
        )
    )
    return chart


def timeline(
    frame: pd.DataFrame,
    *,
    as_of: dt.date,
    statuses: Mapping[str, tuple[str, str]],
    label: str = "label",
    due: str = "due",
    status: str = "status",
    title: str = "",
) -> alt.LayerChart:
    """Due dates of items as points on a time axis, one row per item, coloured by status, with the date line.

    ``frame`` has one row per item and due date (``due`` a date); rows keep the frame's order.
    """
    data = frame[[label, due, status]].copy()
    data["_due"] = pd.to_datetime(data[due]).dt.strftime("%Y-%m-%d")
    data["_due_text"] = pd.to_datetime(data[due]).dt.strftime("%d.%m.%Y")
    data["_status"] = [statuses[str(code)][0] for code in data[status]]
    present = [name for code, (name, _) in statuses.items() if code in set(data[status])]
    colours = [colour for code, (_, colour) in statuses.items() if code in set(data[status])]
    rows = alt.Y(field=label, type="nominal", sort=list(dict.fromkeys(data[label])), title=None)
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=90)
        .encode(
            alt.X(
                field="_due",
                type="temporal",
                title=None,
                axis=alt.Axis(format="%m.%Y", labelAngle=0, labelOverlap="greedy", tickCount="month"),
            ),
            rows,
            alt.Color(field="_status", type="nominal", scale=alt.Scale(domain=present, range=colours), title="Статус"),
            tooltip=[
                alt.Tooltip(field=label, type="nominal", title="Мероприятие"),
                alt.Tooltip(field="_due_text", type="nominal", title="Срок"),
                alt.Tooltip(field="_status", type="nominal", title="Статус"),
            ],
        )
    )
    today = pd.DataFrame({"_day": [as_of.isoformat()], "_caption": [f"на {as_of:%d.%m.%Y}"]})
    rule = (
        alt.Chart(today).mark_rule(color=TARGET_COLOUR, strokeDash=[4, 3]).encode(alt.X(field="_day", type="temporal"))
    )
    caption = (
        alt.Chart(today)
        .mark_text(align="left", baseline="bottom", dx=4, dy=-2)
        .encode(alt.X(field="_day", type="temporal"), alt.Text(field="_caption", type="nominal"), y=alt.value(0))
    )
    return alt.LayerChart(layer=[points, rule, caption], title=title, height=alt.Step(18))


def to_png(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """Render a chart to PNG bytes offline with vl-convert (its Vega engine is bundled)."""
    spec = chart.to_dict()
    if spec.get("width") == "container":
        if "layer" in spec or "mark" in spec:
            spec["width"] = PNG_WIDTH
        else:  # a concat or facet: "container" (from the theme) has no meaning there
            del spec["width"]
    version = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]  # "v6.4.1" -> "6.4"
    return vl_convert.vegalite_to_png(json.dumps(spec), vl_version=version, scale=scale, allowed_base_urls=[])


def _with_status(
    data: pd.DataFrame, status: str, statuses: Mapping[str, tuple[str, str]] | None = None
) -> pd.DataFrame:
    """Add ``_status``: the Russian label of each status code (a missing status reads «нет данных»)."""
    names = {code: name for code, (name, _) in statuses.items()} if statuses else labels.INDICATOR_STATUS
    data["_status"] = [NO_DATA if pd.isna(code) else names.get(str(code), str(code)) for code in data[status]]
    return data


def _bullet_positions(frame: pd.DataFrame, *, value: str, target: str, unit_field: str) -> pd.DataFrame:
    """A copy with each row's value and target mapped onto 0…1 of that row's own scale."""
    data = frame.copy()
    values = pd.to_numeric(data[value]).astype(float)
    targets = pd.to_numeric(data[target]).astype(float)
    both = pd.concat([values, targets], axis=1)
    low = both.min(axis=1).clip(upper=0.0).fillna(0.0)
    high = both.max(axis=1).clip(lower=0.0).fillna(0.0)
    high = (high * BULLET_HEADROOM).where(data[unit_field] != PERCENT_UNIT, high.clip(lower=100.0))
    span = (high - low).where(high > low, 1.0)
    data["_zero"] = -low / span
    data["_value_x"] = (values - low) / span
    data["_target_x"] = (targets - low) / span
    return data


def _fill_years(data: pd.DataFrame, year: str) -> pd.DataFrame:
    """Add NaN rows for the years missing between the first and the last, so the line breaks there."""
    if data.empty:
        return data
    years = pd.RangeIndex(int(data[year].min()), int(data[year].max()) + 1, name=year)
    return data.set_index(year).reindex(years).reset_index()


def _trend_line(data: pd.DataFrame, x: str, y: str, name: str, *, colour: alt.Color, dash: alt.StrokeDash) -> alt.Chart:
    """One series of a trend chart; the target path has no points."""
    data["_series"] = name
    point = name != SERIES_TARGET
    titles = {SERIES_ACTUAL: "Значение", SERIES_TARGET: "Цель", SERIES_FORECAST: "Прогноз"}
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_line(point=point, strokeWidth=2)
        .encode(
            alt.X(field=x, type="ordinal", title="Год", axis=alt.Axis(labelAngle=0)),
            alt.Y(field=y, type="quantitative", title=None),
            colour,
            dash,
            tooltip=[
                alt.Tooltip(field=x, type="ordinal", title="Год"),
                alt.Tooltip(field=y, type="quantitative", title=titles[name], format=NUMBER_FORMAT),
            ],
        )
    )
    return chart


def _reference_line(x: float, caption: str, *, dash: Sequence[int], align: Literal["left", "right"]) -> list[alt.Chart]:
    """A vertical rule at ``x`` with its caption above the plot."""
    base = alt.Chart(pd.DataFrame(index=[0])).encode(alt.X(datum=x))  # one empty datum to draw from
    rule = base.mark_rule(color=TARGET_COLOUR, strokeWidth=1.5, strokeDash=list(dash))
    text = base.mark_text(text=caption, align=align, baseline="bottom", dx=4 if align == "left" else -4, dy=-2)
    return [rule, text.encode(y=alt.value(0))]


def _change_limit(values: pd.Series[Any]) -> float:
    """The half-width of a change scale: the largest change rounded up to 5 points, at least 10."""
    largest = pd.to_numeric(values).abs().max()
    return 10.0 if pd.isna(largest) else max(10.0, math.ceil(float(largest) / 5) * 5)


def _formatted(field: str, *, unit_field: str | None = None, missing: str = NO_DATA) -> str:
    """A Vega expression: the field in the Russian number format (with its unit), or ``missing``."""
    number = f"format({_datum(field)}, {json.dumps(NUMBER_FORMAT)})"
    if unit_field is not None:
        unit = _datum(unit_field)
        number += f" + (isValid({unit}) && {unit} != '' ? '\u00a0' + {unit} : '')"
    return f"isValid({_datum(field)}) ? {number} : {json.dumps(missing, ensure_ascii=False)}"


def _datum(field: str) -> str:
    """A Vega expression reading ``field`` from the datum, safe for any column name."""
    return f"datum[{json.dumps(field, ensure_ascii=False)}]"


def _plain_tooltip(field: str, title: str | None) -> alt.Tooltip:
    """A tooltip entry for a dimension, titled by ``title`` or else by its column name."""
    return alt.Tooltip(field=field, type="nominal", title=title or field)
