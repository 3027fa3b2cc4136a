"""The only streamlit-aware module of rsnms: engine, cached loaders, shared widgets and renderers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from rsnms import db, formatting, labels, overview, queries
from rsnms.config import Settings, load_settings

CACHE_TTL_SECONDS = 600


def settings() -> Settings:
    """Settings from the environment (cheap; read on every rerun so tests can change them)."""
    return load_settings()


def get_engine() -> Engine:
    """The process-wide engine; stops the page with a Russian message if the store is not set up."""
    current = settings()
    engine = db.get_engine(current.database_url, echo=current.echo_sql)
    if not db.is_migrated(engine):
        st.error(
            "База данных не подготовлена. Выполните `make run` (или `python -m rsnms init` "
            "и `python -m rsnms demo`) и обновите страницу."
        )
        st.stop()
    return engine


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_regions(database_url: str) -> pd.DataFrame:
    """Cached ``queries.regions``."""
    return queries.regions(db.get_engine(database_url))


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_years(database_url: str, region: str) -> list[int]:
    """Cached ``queries.data_years``."""
    return queries.data_years(db.get_engine(database_url), region=region)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_freshness(database_url: str, region: str) -> queries.Freshness:
    """Cached ``queries.freshness``."""
    return queries.freshness(db.get_engine(database_url), region=region)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner="Считаем показатели…")
def load_headline(database_url: str, region: str, year: int, today: dt.date) -> overview.Headline:
    """Cached ``overview.headline``."""
    return overview.headline(db.get_engine(database_url), region=region, year=year, today=today)


@st.cache_data(ttl=CACHE_TTL_SECONDS, show_spinner=False)
def load_scorecard(database_url: str, region: str, year: int) -> pd.DataFrame:
    """Cached ``overview.scorecard`` for the indicators of the region's act."""
    return overview.scorecard(db.get_engine(database_url), region=region, year=year)


def clear_caches() -> None:
    """Forget every cached figure (after a committed upload, so data are fresh at once)."""
    st.cache_data.clear()


def select_region() -> tuple[str, str]:
    """The sidebar region selector, shared by every page; returns (code, name)."""
    regions = load_regions(settings().database_url)
    names = dict(zip(regions["code"], regions["name"], strict=True))
    codes = list(names)
    remembered = st.session_state.get("region", settings().region)
    code = st.sidebar.selectbox(
        "Регион", codes, index=codes.index(remembered), format_func=names.__getitem__, key="filters.region"
    )
    st.session_state["region"] = code
    return code, names[code]


def select_year(region: str) -> int | None:
    """The sidebar year selector over the years with data; None when the region has none."""
    years = load_years(settings().database_url, region)
    if not years:
        return None
    remembered = st.session_state.get("year")
    index = years.index(remembered) if remembered in years else 0
    year = st.sidebar.selectbox("Год", years, index=index, key="filters.year")
    st.session_state["year"] = year
    return int(year)


def freshness_caption(fresh: queries.Freshness) -> str:
    """«демонстрационные данные» or «данные на 31.12.2024, загрузка № 7»."""
    if fresh.batch_id is None:
        return "Фактические данные ещё не загружены: показаны справочные данные из акта региона."
    if fresh.is_demo:
        return "Демонстрационные данные (условные, не относятся к реальным людям и организациям)."
    as_of = fresh.data_as_of or (fresh.created_at.date() if fresh.created_at else None)
    if as_of is None:
        return f"Загрузка № {fresh.batch_id}"
    return f"Данные на {formatting.short_date(as_of)}, загрузка № {fresh.batch_id}"


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
        help=f"Мероприятия дорожной карты региона на {formatting.long_date(figures.roadmap_as_of)}.",
    )


def render_scorecard(card: pd.DataFrame) -> None:
    """The indicator scorecard with traffic-light status cells."""
    colours = labels.INDICATOR_STATUS_COLOURS
    styled = overview.display_scorecard(card).style.map(
        lambda status: f"background-color: {colours.get(status, '')}", subset=["Статус"]
    )
    st.dataframe(styled, hide_index=True, width="stretch")
