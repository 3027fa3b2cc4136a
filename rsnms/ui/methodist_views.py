"""«Нагрузка методистов» views: cached load frames and the tiles."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from rsnms import (
    db,
    formatting,
    methodists,
    overview,
    ui,
)

FTE_FORMS = ("ставка", "ставки", "ставок")


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner="Считаем нагрузку методистов…")
def load_methodist_base(database_url: str, region: str, year: int) -> pd.DataFrame:
    """Cached ``methodists.base``: teachers, methodist FTE and assigned teachers per municipality."""
    return methodists.base(db.get_engine(database_url), region=region, year=year)


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_methodists(database_url: str, region: str, year: int, norm: float) -> pd.DataFrame:
    """Cached ``methodists.methodists``."""
    return methodists.methodists(db.get_engine(database_url), region=region, year=year, norm=norm)


def render_load_tiles(figures: dict[str, Any]) -> None:
    """The four tiles of the «Нагрузка методистов» page."""
    load, missing, over, unassigned = st.columns(4)
    load.metric(
        "Педагогов на 1 методиста",
        formatting.number(figures["teachers_per_methodist"]),
        delta=overview.norm_gap(figures["teachers_per_methodist"], figures["norm"]),
        delta_color="inverse",
        help=f"Все педагогические работники региона на все ставки региональных методистов; норма — не более "
        f"{formatting.number(figures['norm'])}.",
    )
    missing.metric(
        "Не хватает методистов",
        f"{formatting.short_number(figures['shortfall'], 2)} {formatting.plural(figures['shortfall'], FTE_FORMS)}",
        help="Сумма по муниципалитетам, где нагрузка выше нормы: педагоги ÷ норма (с округлением вверх до 0,25 "
        "ставки) − ставки методистов.",
    )
    over.metric(
        "МО выше нормы",
        f"{figures['over_norm']} из {figures['municipalities']}",
        help=f"В том числе без единого методиста: {figures['without_methodist']}.",
    )
    unassigned.metric(
        "Педагоги без методиста",
        formatting.number(figures["unassigned"]),
        help="Педагогические работники, не закреплённые ни за одним региональным методистом.",
    )
