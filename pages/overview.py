"""«Обзор»: is the region's РСНМС meeting its targets? Four headline tiles and the scorecard."""

import datetime as dt

import streamlit as st

from rsnms import formatting, monitoring, overview, ui

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
own = ui.own_municipality()
if own is None:
    ui.render_headline(figures)
    card = overview.act_rows(ui.load_scorecard(url, region, year))
    st.subheader(f"Показатели эффективности за {year} год")
else:  # a municipal account: its own municipality's scorecard, no regional tiles
    _, municipality = ui.select_municipality(region)
    card = overview.act_rows(monitoring.scope_rows(ui.load_scored(url, region), year=year, municipality_id=own))
    st.subheader(f"Показатели эффективности за {year} год: {municipality}")
if card.empty:
    st.info(
        "В акте региона нет перечня показателей эффективности РСНМС."
        if own is None
        else f"За {year} год данных по муниципалитету ещё нет: они появятся после загрузки данных ЦНППМ."
    )
else:
    ui.render_scorecard(card)
    st.caption(
        "Показатели и их формулировки — как в акте региона; «нет данных» означает, что данные за год "
        f"не загружены. Дорожная карта оценена на {formatting.long_date(figures.roadmap_as_of)}"
    )
