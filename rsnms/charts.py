"""Altair chart builders and the house theme: pure functions from a DataFrame and field names to a chart.

Builders never query the store, call streamlit or compute indicators; they copy their input frames.
Every text a reader sees is Russian. Numbers are formatted by Vega with the Russian number locale of
the house theme (``config.locale``), so ``format(x, ",.1~f")`` gives «1 234,5». A missing value is
never drawn as a zero: it gets a grey «нет данных» label instead of a bar or a cell colour.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final, Literal

import altair as alt
import pandas as pd
import vl_convert
from altair.theme import NumberLocaleKwds

from rsnms import formatting, labels

FONT = "'PT Sans', 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
NUMBER_FORMAT = ",.1~f"  # one decimal, trailing zeros trimmed: «1 234», «64,8»
SHARE_FORMAT = ".1~%"  # a 0…1 share: «42 %», «55,5 %»
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

# Shares in a heatmap: sequential (diverging schemes are kept for score-versus-target).
SHARE_SCHEME: Final = "blues"

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
) -> alt.LayerChart:
    """Horizontal status-coloured bars sorted by value; missing values listed last as «нет данных».

    ``ascending=True`` puts the smallest value first (for indicators where lower is better, such as
    the load per methodist). A dashed rule marks ``region_value`` («по региону: X») and a solid rule
    marks ``target`` («цель: X»), each only when given. The frame is copied, not modified.
    """
    data = _with_status(frame.copy(), status)
    data = data.sort_values(value, ascending=ascending, na_position="last", kind="mergesort")
    rows = alt.Y(field=label, type="nominal", sort=list(data[label]), title=None, axis=alt.Axis(labelLimit=240))
    bars = (
        alt.Chart(data[data[value].notna()])
        .mark_bar()
        .encode(
            rows,
            alt.X(field=value, type="quantitative", title=None),
            alt.Color(field="_status", type="nominal", scale=STATUS_SCALE, title="Статус"),
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
        .mark_text(text=NO_DATA, align="left", baseline="middle", dx=2, color=NO_DATA_COLOUR)
        .encode(rows, alt.X(datum=0), tooltip=[alt.Tooltip(field=label, type="nominal", title=label_title)])
    )
    references = [
        (region_value, "по региону", [6, 4]),
        (target, "цель", []),
    ]
    given = [(float(x), name, dash) for x, name, dash in references if x is not None and not formatting.is_missing(x)]
    layers: list[alt.Chart] = [bars, missing]
    for x, name, dash in given:
        # Two captions at the top would collide: the smaller value's goes left of its rule, the other's right.
        is_left = len(given) == 2 and x < max(other for other, _, _ in given)
        caption = f"{name}: {_number_text(x)}"
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
    x: str,
    y: str,
    value: str,
    text: str | None = None,
    title: str = "",
    x_title: str | None = None,
    y_title: str | None = None,
) -> alt.LayerChart:
    """Colour each x×y cell by a share and print it in the cell; NaN cells are grey «нет данных».

    The sequential scale runs over 0…1 (printed as «42 %») when every value is at most 1, over 0…100
    when at most 100, and over the data otherwise. ``text`` names a column printed instead of the
    formatted value. ``x`` is ordinal (years sort numerically), ``y`` keeps the frame's order.
    ``x_title``/``y_title`` title the axes and the tooltip (default: no axis title, the column name
    in the tooltip). The frame is copied, not modified.
    """
    data = frame.copy()
    domain = _share_domain(data[value])
    x_enc = alt.X(field=x, type="ordinal", title=x_title, axis=alt.Axis(labelAngle=0))
    y_enc = alt.Y(field=y, type="nominal", sort=list(dict.fromkeys(data[y])), title=y_title)
    measured, missing = data[data[value].notna()], data[data[value].isna()]
    scale = alt.Scale(scheme=SHARE_SCHEME, domain=domain) if domain else alt.Scale(scheme=SHARE_SCHEME)
    midpoint = (domain[1] / 2) if domain else float(measured[value].median()) if len(measured) else 0.0
    number_format = SHARE_FORMAT if domain == [0.0, 1.0] else NUMBER_FORMAT
    tooltip_value = alt.Tooltip(field=value, type="quantitative", title="Значение", format=number_format)
    cells = (
        alt.Chart(measured)
        .mark_rect()
        .encode(
            x_enc,
            y_enc,
            alt.Color(
                field=value, type="quantitative", scale=scale, title=None, legend=alt.Legend(format=number_format)
            ),
            tooltip=[_plain_tooltip(y, y_title), _plain_tooltip(x, x_title), tooltip_value],
        )
    )
    blanks = alt.Chart(missing).mark_rect(color=NO_DATA_COLOUR).encode(x_enc, y_enc)
    cell_text = (
        alt.Text(field=text, type="nominal")
        if text
        else alt.Text(field=value, type="quantitative", format=number_format)
    )
    labels_on_cells = (
        alt.Chart(measured)
        .mark_text(baseline="middle")
        .encode(
            x_enc,
            y_enc,
            cell_text,
            color=alt.condition(f"{_datum(value)} > {midpoint}", alt.value("white"), alt.value("black")),
        )
    )
    no_data_labels = alt.Chart(missing).mark_text(text=NO_DATA, baseline="middle", color="white").encode(x_enc, y_enc)
    return alt.LayerChart(layer=[cells, blanks, labels_on_cells, no_data_labels], title=title)


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


def _with_status(data: pd.DataFrame, status: str) -> pd.DataFrame:
    """Add ``_status``: the Russian label of each status code (a missing status reads «нет данных»)."""
    data["_status"] = [
        NO_DATA if pd.isna(code) else labels.INDICATOR_STATUS.get(str(code), str(code)) for code in data[status]
    ]
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


def _share_domain(values: pd.Series[Any]) -> list[float] | None:
    """0…1 or 0…100 for shares, None (the data's own range) for anything else."""
    top = pd.to_numeric(values).max()
    if pd.isna(top) or top <= 1:
        return [0.0, 1.0]
    return [0.0, 100.0] if top <= 100 else None


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


def _number_text(value: float | None) -> str:
    """«60», «141,3»: whole numbers without decimals, others with one."""
    if value is None or formatting.is_missing(value):
        return NO_DATA
    return formatting.number(value, 0 if float(value).is_integer() else 1)
