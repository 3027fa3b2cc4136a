"""Indicator and overview views: cached scorecards and scores, the headline tiles, rankings, targets."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from rsnms import (
    db,
    formatting,
    labels,
    monitoring,
    overview,
    queries,
    scenarios,
    ui,
)
from rsnms.ui import scenario_views


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_freshness(database_url: str, region: str) -> queries.Freshness:
    """Cached ``queries.freshness``."""
    return queries.freshness(db.get_engine(database_url), region=region)


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner="Считаем показатели…")
def load_headline(database_url: str, region: str, year: int, today: dt.date) -> overview.Headline:
    """Cached ``overview.headline``, from the same cached scorecard the page shows."""
    card = load_scorecard(database_url, region, year)
    return overview.headline(db.get_engine(database_url), region=region, year=year, today=today, card=card)


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_scorecard(database_url: str, region: str, year: int) -> pd.DataFrame:
    """Cached full-catalogue ``overview.scorecard`` of a year (``overview.act_rows`` keeps the act's)."""
    return overview.scorecard(db.get_engine(database_url), region=region, year=year, include_all=True)


def freshness_caption(fresh: queries.Freshness) -> str:
    """«демонстрационные данные» or «данные на 31.12.2024, загрузка № 7»."""
    if fresh.batch_id is None:
        return "Фактические данные ещё не загружены: показаны справочные данные из акта региона."
    demo = "Демонстрационные данные (условные, не относятся к реальным людям и организациям)"
    if fresh.is_demo:
        return f"{demo}."
    when = f"Данные на {formatting.short_date(fresh.created_at.date())}, " if fresh.created_at else ""
    return f"{when}загрузка № {fresh.batch_id}" + ("; в базе также демонстрационные данные." if fresh.has_demo else ".")


def render_headline(figures: overview.Headline) -> None:
    """The four headline tiles of the «Обзор» page."""
    met, diagnosed, load, overdue = st.columns(4)
    if figures.indicators_with_target:
        met.metric(
            "Показатели выполнены",
            f"{figures.indicators_met} из {figures.indicators_with_target}",
            help=f"Показатели акта с целью на {figures.year} год; без данных: {figures.indicators_no_data}.",
        )
    else:
        met.metric("Показатели выполнены", "цели не установлены", help="Целевые значения на год не заданы.")
    diagnosed.metric(
        "Прошли диагностику",
        formatting.percent(figures.diagnosed_share),
        delta=overview.target_gap(figures.diagnosed_share, figures.diagnosed_target),
        help="Доля педагогических работников и управленческих кадров, прошедших диагностику "
        "профессиональных дефицитов в ЦНППМ.",
    )
    load.metric(
        "Педагогов на 1 методиста",
        formatting.number(figures.teachers_per_methodist),
        delta=overview.norm_gap(figures.teachers_per_methodist, figures.methodist_norm),
        delta_color="inverse",
        help=f"Норма — не более {formatting.number(figures.methodist_norm)} педагогических работников "
        "на 1 регионального методиста (ставку).",
    )
    overdue.metric(
        "Просрочено мероприятий",
        f"{figures.roadmap_overdue} из {figures.roadmap_items}",
        help=f"Мероприятия дорожной карты региона на {formatting.long_date(figures.roadmap_as_of)}: срок прошёл, "
        "а мероприятие не выполнено, или отмечено как невыполненное.",
    )


def render_scorecard(card: pd.DataFrame, previous: pd.DataFrame | None = None) -> None:
    """The indicator scorecard with traffic-light status cells."""
    colours = labels.INDICATOR_STATUS_COLOURS
    styled = overview.display_scorecard(card, previous).style.map(
        lambda status: f"background-color: {colours.get(status, '')}", subset=["Статус"]
    )
    st.dataframe(styled, hide_index=True, width="stretch")


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner="Считаем показатели…")
def load_scored(database_url: str, region: str) -> pd.DataFrame:
    """Cached ``monitoring.scored`` over every year with data."""
    engine = db.get_engine(database_url)
    return monitoring.scored(engine, region=region, years=sorted(queries.data_years(engine, region=region)))


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_region_comparison(database_url: str, year: int) -> pd.DataFrame:
    """Cached ``monitoring.compare_regions``."""
    return monitoring.compare_regions(db.get_engine(database_url), year=year)


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_targets(database_url: str, region: str) -> pd.DataFrame:
    """Cached official targets of every year the product knows (2021–2030)."""
    return queries.targets(db.get_engine(database_url), region=region, years=list(range(2021, 2031)))


def ranking_rows(scored: pd.DataFrame, *, region: str, year: int, code: str) -> pd.DataFrame:
    """The municipalities' values of one indicator and year, named, for the ranking chart and its table."""
    rows = scored[(scored["year"] == year) & (scored["code"] == code) & scored["municipality_id"].notna()]
    names = ui.load_municipalities(ui.settings().database_url, region)[["id", "short_name"]]
    named = rows.merge(
        names.rename(columns={"id": "municipality_id", "short_name": "municipality"}), on="municipality_id"
    )
    return named[["municipality", "numerator", "denominator", "value", "target", "status"]]


def final_target(database_url: str, region: str, code: str, scenario_id: int | None = None) -> tuple[int | None, float]:
    """The last region-level target of an indicator, official or under a scenario: (year, value), or (None, NaN)."""
    targets = load_targets(database_url, region)
    if scenario_id is not None:
        targets = scenarios.effective_targets(
            targets, scenario_views.load_scenario(database_url, scenario_id).target_frame()
        )
    own = targets[(targets["code"] == code) & targets["municipality_id"].isna()].sort_values("year")
    if own.empty:
        return None, float("nan")
    return int(own["year"].iloc[-1]), float(own["target"].iloc[-1])


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_providers(database_url: str, region: str, year: int, target: float) -> pd.DataFrame:
    """Cached ``monitoring.providers`` (the ФР ДППО share per ДПО provider)."""
    engine = db.get_engine(database_url)
    band = queries.constant(engine, code="status_close_band")
    return monitoring.providers(engine, region=region, year=year, target=target, close_band=band)
