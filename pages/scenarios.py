"""«Сценарии»: named what-if targets and norm, compared with the official ones, with the pace each would need."""

import streamlit as st

from rsnms import access, scenarios, ui

ui.route_through_app()
ui.get_engine()
region, region_name = ui.select_region()
year = ui.select_year(region)
scenario = ui.select_scenario(region)
municipality_id, municipality = ui.select_municipality(region)
editable = access.edits_scenarios(ui.current_role())

st.title(f"Сценарии «что если»: {region_name}")
st.caption(
    "Сценарий — именованный набор своих целевых значений показателей и нормы нагрузки методистов. "
    "Официальные цели и норма не меняются; сценарий можно выбрать на страницах «Показатели» и "
    "«Нагрузка методистов» и передать ссылкой."
)
ui.render_scenario_message()
if editable:
    ui.render_scenario_create(region)
elif scenario is None:
    st.caption("Создавать и менять сценарии могут аналитики, ЦНППМ и администратор после входа.")
if scenario is None:
    listed = ui.load_scenarios(ui.settings().database_url, region)
    if listed.empty:
        st.info("Сценариев по этому региону пока нет.")
    else:
        st.dataframe(scenarios.display_listing(listed), hide_index=True, width="stretch")
        st.info("Выберите сценарий в боковой панели («Сценарий»), чтобы изменить его и сравнить с официальными целями.")
    st.stop()

ui.render_scenario_badge(scenario)
author = f"Автор: {scenario.author}. " if scenario.author else ""
st.caption(f"{author}{scenario.description}")
if editable:
    ui.render_scenario_manage(scenario)
targets_tab, comparison_tab, pace_tab = st.tabs(["Цели и норма", "Сравнение с официальными", "Нужный темп"])
with targets_tab:
    ui.render_scenario_editor(scenario, region=region, editable=editable)
if year is None:
    st.info("По этому региону ещё нет фактических данных: сравнивать сценарий не с чем.")
    st.stop()
analysis = ui.load_scenario_analysis(ui.settings().database_url, region, scenario.id, year)
own = ui.own_municipality()
if own is not None:  # a municipal account sees (and exports) its own municipality only
    analysis = scenarios.only_municipality(analysis, own)
with comparison_tab:
    ui.render_scenario_comparison(analysis, region=region, year=year)
with pace_tab:
    st.caption(f"Для графика: {municipality}.")
    ui.render_scenario_pace(analysis, scenario, region=region, municipality_id=municipality_id)
ui.render_scenario_download(scenario, analysis, region=region, region_name=region_name, year=year)
