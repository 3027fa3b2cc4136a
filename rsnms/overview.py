"""The «Обзор» figures: headline tiles and the region scorecard, for the page and the CLI alike."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from rsnms import formatting, indicators, labels, monitoring, queries, roadmap

DIAGNOSED = "diag_deficits_share"
LOAD = "teachers_per_regional_methodist"


@dataclass(frozen=True)
class Headline:
    """The four headline tiles of a region and year (NaN = no data)."""

    region: str
    year: int
    indicators_met: int
    indicators_with_target: int
    indicators_no_data: int
    diagnosed_share: float
    diagnosed_target: float
    teachers_per_methodist: float
    methodist_norm: float
    roadmap_as_of: dt.date
    roadmap_overdue: int
    roadmap_items: int


def roadmap_as_of(year: int, today: dt.date) -> dt.date:
    """The roadmap is judged at the end of the chosen year, or today while that year runs."""
    return min(dt.date(year, 12, 31), today)


def scorecard(engine: Engine, *, region: str, year: int, include_all: bool = False) -> pd.DataFrame:
    """Every indicator of the region's act (``include_all``: of the catalogue) for the year, scored, region level."""
    frame = monitoring.scored(engine, region=region, years=[year], include_all=include_all)
    if frame.empty:
        return frame
    return frame[frame["municipality_id"].isna()].reset_index(drop=True)


def _value(card: pd.DataFrame, code: str, column: str) -> float:
    chosen = card.loc[card["code"] == code, column]
    return float(chosen.iloc[0]) if not chosen.empty else math.nan


def act_rows(card: pd.DataFrame) -> pd.DataFrame:
    """The indicators the region's act names (a full-catalogue scorecard also has the others, e.g. the load)."""
    return card[card["in_act"]].reset_index(drop=True) if not card.empty else card


def headline(engine: Engine, *, region: str, year: int, today: dt.date, card: pd.DataFrame | None = None) -> Headline:
    """Compute the headline tiles of a region and year from the store.

    ``card``: the year's full-catalogue scorecard when the caller has it already (the page shows it too).
    """
    if card is None:
        card = scorecard(engine, region=region, year=year, include_all=True)
    counts = indicators.count_statuses(act_rows(card))
    as_of = roadmap_as_of(year, today)
    reports = queries.roadmap_reports(engine, region=region)
    items = roadmap.statuses(queries.roadmap_items(engine, region=region), reports, as_of=as_of)
    return Headline(
        region=region,
        year=year,
        indicators_met=counts["met"],
        indicators_with_target=counts["met"] + counts["close"] + counts["not_met"],
        indicators_no_data=counts["no_data"],
        diagnosed_share=_value(card, DIAGNOSED, "value"),
        diagnosed_target=_value(card, DIAGNOSED, "target"),
        teachers_per_methodist=_value(card, LOAD, "value"),
        methodist_norm=queries.constant(engine, code="methodist_norm"),
        roadmap_as_of=as_of,
        roadmap_overdue=roadmap.summary(items)["overdue"],
        roadmap_items=len(items),
    )


def format_value(value: float, unit: str) -> str:
    """An indicator value as a reader sees it: «27,4 %», «да»/«нет» for a yes/no indicator, «1 234»."""
    if unit == indicators.PERCENT_UNIT:
        return formatting.percent(value)
    if unit == "ед.":
        return formatting.NO_DATA if formatting.is_missing(value) else ("да" if value >= 1 else "нет")
    return formatting.number(value)


def display_scorecard(card: pd.DataFrame, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """The scorecard as a reader sees it: Russian headers and numbers, status words, change to last year.

    ``previous``: last year's scorecard of the same scope (``code``, ``value``), for «Изменение».
    """
    shown = pd.DataFrame(
        {
            "Показатель": card["short_name"],
            "Формулировка акта": card["wording"],
            "Значение": [format_value(v, u) for v, u in zip(card["value"], card["unit"], strict=True)],
            "Цель": [
                "—" if formatting.is_missing(t) else format_value(t, u)
                for t, u in zip(card["target"], card["unit"], strict=True)
            ],
            "Статус": [labels.INDICATOR_STATUS[status] for status in card["status"]],
        }
    )
    if previous is not None:
        before = dict(zip(previous["code"], previous["value"], strict=True))
        shown["Изменение к прошлому году"] = [
            _change(value, before.get(code, math.nan), unit)
            for code, value, unit in zip(card["code"], card["value"], card["unit"], strict=True)
        ]
    shown["Числитель / знаменатель"] = [
        f"{formatting.number(n)} / {formatting.number(d)}" if not formatting.is_missing(d) else formatting.number(n)
        for n, d in zip(card["numerator"], card["denominator"], strict=True)
    ]
    return shown


def display_places(places: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The municipalities of one indicator as a reader sees them (Russian headers, numbers and statuses)."""
    return pd.DataFrame(
        {
            "Муниципальное образование": places["municipality"],
            "Значение": [format_value(v, unit) for v in places["value"]],
            "Цель": ["—" if formatting.is_missing(t) else format_value(t, unit) for t in places["target"]],
            "Числитель": [formatting.number(n) for n in places["numerator"]],
            "Знаменатель": [formatting.number(d) for d in places["denominator"]],
            "Статус": [labels.INDICATOR_STATUS[status] for status in places["status"]],
        }
    )


def _change(value: float, before: float, unit: str) -> str:
    if formatting.is_missing(value) or formatting.is_missing(before):
        return "—"
    suffix = " п.п." if unit == indicators.PERCENT_UNIT else ""
    return f"{formatting.signed(value - before, 1 if suffix else 0)}{suffix}"


def target_gap(value: float, target: float) -> str | None:
    """«+2,3 п.п. к цели» for a share against its target; None when either is missing."""
    if formatting.is_missing(value) or formatting.is_missing(target):
        return None
    return f"{formatting.signed(value - target, 1)} п.п. к цели"


def norm_gap(load: float, norm: float) -> str | None:
    """«+41 к норме» (over the cap is bad, so the page colours it inversely)."""
    if formatting.is_missing(load):
        return None
    return f"{formatting.signed(load - norm, 0)} к норме {formatting.number(norm)}"
