"""«Дефициты» views: cached matrices, the filter row, the level scale editor."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rsnms import (
    db,
    deficits,
    labels,
    ui,
)
from rsnms.errors import RsnmsError


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner="Считаем дефициты…")
def load_deficit_matrix(
    database_url: str,
    region: str,
    year: int,
    municipality_id: int | None,
    filters: deficits.Filters,
    suppress_below: int | None,
) -> pd.DataFrame:
    """Cached ``deficits.matrix``."""
    return deficits.matrix(
        db.get_engine(database_url),
        region=region,
        year=year,
        municipality_id=municipality_id,
        filters=filters,
        suppress_below=suppress_below,
    )


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner="Считаем дефициты…")
def load_organisation_matrix(
    database_url: str, region: str, year: int, municipality_id: int, filters: deficits.Filters, suppress: int | None
) -> tuple[pd.DataFrame, list[str]]:
    """Cached organisation × area grid of one municipality without its empty rows, and those rows' labels."""
    grid = load_deficit_matrix(database_url, region, year, municipality_id, filters, suppress)
    return deficits.without_empty_rows(grid)


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_scale(database_url: str) -> deficits.Scale:
    """Cached ``deficits.scale``."""
    return deficits.scale(db.get_engine(database_url))


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_deficit_years(database_url: str, region: str) -> list[int]:
    """Cached ``deficits.years``."""
    return deficits.years(db.get_engine(database_url), region=region)


@st.cache_data(ttl=ui.CACHE_TTL_SECONDS, show_spinner=False)
def load_filter_options(database_url: str, region: str) -> tuple[list[str], list[str]]:
    """Cached ``deficits.filter_options``."""
    return deficits.filter_options(db.get_engine(database_url), region=region)


def deficit_filters(region: str) -> deficits.Filters:
    """The filter row of the «Дефициты» page: staff category, subject, young teachers, organisation kind."""
    subjects, kinds = load_filter_options(ui.settings().database_url, region)
    category, subject, kind = st.columns(3)
    chosen_category = category.selectbox(
        "Категория",
        [None, *labels.CATEGORY],
        format_func=lambda code: "все" if code is None else labels.CATEGORY[code],
        key="deficits.category",
    )
    chosen_subject = subject.selectbox(
        "Предмет", [None, *subjects], format_func=lambda s: "все" if s is None else s, key="deficits.subject"
    )
    chosen_kind = kind.selectbox(
        "Вид организации",
        [None, *kinds],
        format_func=lambda k: "все" if k is None else labels.ORGANISATION_KIND.get(k, k),
        key="deficits.kind",
    )
    young = st.checkbox(
        f"Только молодые педагоги (до {deficits.YOUNG_AGE} лет или первые {deficits.YOUNG_YEARS} года работы)",
        key="deficits.young",
    )
    return deficits.Filters(
        category=chosen_category, subject=chosen_subject, young=young, organisation_kind=chosen_kind
    )


def render_scale_editor(scale: deficits.Scale) -> None:
    """The level scale as a table the ЦНППМ may edit: names, lower bounds and deficit flags; saved on a button."""
    current = pd.DataFrame(
        {
            "code": [level.code for level in scale.levels],
            "name": [level.name for level in scale.levels],
            "min_score": [level.min_score for level in scale.levels],
            "is_deficit": [level.is_deficit for level in scale.levels],
        }
    )
    edited = st.data_editor(
        current,
        hide_index=True,
        num_rows="fixed",
        disabled=["code"],
        column_config={
            "code": None,
            "name": st.column_config.TextColumn("Уровень", required=True),
            "min_score": st.column_config.NumberColumn("От балла", min_value=0, max_value=100, step=1, required=True),
            "is_deficit": st.column_config.CheckboxColumn("Дефицит"),
        },
        key="deficits.scale_editor",
    )
    st.caption("Каждый уровень действует от своего балла до начала следующего; верхний — без ограничения.")
    if st.button("Сохранить шкалу", key="deficits.save_scale"):
        try:
            deficits.save_scale(ui.get_engine(), edited.to_dict("records"), actor=ui.current_actor())
        except RsnmsError as error:
            st.error(str(error))
        else:
            ui.clear_caches()
            st.success("Шкала сохранена: тепловые карты пересчитаны по новому правилу.")
