"""«Обзор»: is the region's РСНМС meeting its targets? Four headline tiles and the scorecard."""

import datetime as dt

import streamlit as st

from rsnms import formatting, overview, ui

ui.route_through_app()
url = ui.settings().database_url
ui.get_engine()
region, region_name = ui.select_region()
year = ui.select_year(region)

st.title(f"Обзор РСНМС: {region_name}")
st.caption(ui.freshness_caption(ui.load_freshness(url, region)))
if year is None:
    st.info(
        "По этому региону ещё нет фактических данных. Показатели, цели и дорожная карта акта "
        "загружены; значения появятся после загрузки данных ЦНППМ."
    )
    st.stop()

figures = ui.load_headline(url, region, year, dt.date.today())
ui.render_headline(figures)

st.subheader(f"Показатели эффективности за {year} год")
card = overview.act_rows(ui.load_scorecard(url, region, year))
if card.empty:
    st.info("В акте региона нет перечня показателей эффективности РСНМС.")
else:
    ui.render_scorecard(card)
    st.caption(
        "Показатели и их формулировки — как в акте региона; «нет данных» означает, что данные за год "
        f"не загружены. Дорожная карта оценена на {formatting.long_date(figures.roadmap_as_of)}"
    )
