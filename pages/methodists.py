"""«Нагрузка методистов»: teachers per regional methodist against the norm; shortfall; overloaded and idle ones."""

import streamlit as st

from rsnms import access, formatting, labels, methodists, scenarios, ui

ui.route_through_app()
url = ui.settings().database_url
ui.get_engine()
region, region_name = ui.select_region()
year = ui.select_year(region)
role = ui.current_role()
scenario = ui.select_scenario(region)

st.title(f"Нагрузка региональных методистов: {region_name}")
if scenario is not None:
    ui.render_scenario_badge(scenario)
ui.render_scenario_message()
if year is None:
    st.info("По этому региону ещё нет данных: нагрузка появится после загрузки педагогов и методистов.")
    st.stop()
official = ui.load_constant(url, methodists.NORM_CODE)
baseline = official if scenario is None else scenario.constant(methodists.NORM_CODE, official)
base = ui.load_methodist_base(url, region, year)
own = ui.own_municipality()
if own is not None:  # a municipal account sees its own municipality only
    base = base[base["municipality_id"] == own]
places = dict(zip(base["municipality_id"], base["municipality"], strict=True))

with st.expander("Что если: другая норма или дополнительные методисты", expanded=False):
    low, high = scenarios.NORM_RANGE
    if "methodists.norm" not in st.session_state or st.session_state.get("methodists.norm_from") != baseline:
        st.session_state["methodists.norm_from"] = baseline  # the official or the chosen scenario's norm to start from
        st.session_state["methodists.norm"] = int(min(max(baseline, low), high))
    norm = st.slider("Норма: педагогов на 1 методиста", low, high, step=10, key="methodists.norm")
    extra: dict[int, float] = st.session_state.setdefault(f"methodists.extra.{region}.{year}", {})
    place, amount, add = st.columns([3, 1, 1], vertical_alignment="bottom")
    chosen = place.selectbox("Муниципалитет", list(places), format_func=places.__getitem__, key="methodists.place")
    added = amount.number_input("Ставок", min_value=0.25, max_value=50.0, value=1.0, step=0.25, key="methodists.n")
    if add.button("Добавить", key="methodists.add"):
        extra[int(chosen)] = extra.get(int(chosen), 0.0) + float(added)
    if extra:
        st.caption(
            "Добавлено: " + "; ".join(f"{places[m]} +{formatting.short_number(n)}" for m, n in extra.items()) + "."
        )
        if st.button("Убрать добавленных методистов", key="methodists.reset"):
            extra.clear()
            st.rerun()
    if access.edits_scenarios(role):
        default_name = f"Норма {formatting.number(norm)}"
        name = st.text_input("Название сценария", placeholder=default_name, key="methodists.scenario_name")
        if st.button("Сохранить как сценарий", help="Сохраняется только норма.", key="methodists.save"):
            ui.save_norm_scenario(name or default_name, region=region, norm=float(norm))
    else:
        st.button(
            "Сохранить как сценарий",
            disabled=True,
            help="Сохранять сценарии могут аналитики, ЦНППМ и администратор после входа.",
            key="methodists.save",
        )

table = methodists.municipalities(base, norm=norm, extra=extra)
figures = methodists.totals(table, norm=norm)
if norm != baseline or extra:
    st.info(
        f"Сценарий «что если»: норма {formatting.number(norm)} педагогов на 1 методиста"
        + (f", добавлено ставок: {formatting.short_number(sum(extra.values()))}" if extra else "")
        + ". Официальные значения не меняются."
    )
st.subheader(f"{year} год")
ui.render_load_tiles(figures)

counted = table[table["status"] != methodists.NO_DATA]
if counted.empty:
    st.info(f"За {year} год нет числа педагогических работников по муниципалитетам.")
    st.stop()
bars = counted.rename(columns={"short_name": "label", "teachers_per_methodist": "value"})[["label", "value", "status"]]
chart = {
    "label": "label",
    "target": float(norm),
    "target_caption": "норма",
    "region_value": figures["teachers_per_methodist"],
    "statuses": labels.METHODIST_LOAD_STATUS,
    "missing_first": True,
    "title": "Педагогов на 1 регионального методиста",
}
ui.render_chart("ranking", bars, **chart)
st.caption(
    "Нагрузка — педагогические работники муниципалитета на ставки методистов, которые их сопровождают "
    "(ставка методиста делится между муниципалитетами по числу закреплённых педагогов). "
    f"Муниципалитеты без методиста — вверху. Показатели с {figures['municipalities']} муниципалитетов; "
    f"норму выполняют {formatting.percent(figures['meeting_norm_share'], 0)}."
)
municipal_table = methodists.display_municipalities(counted)
st.dataframe(municipal_table, hide_index=True, width="stretch")
ui.chart_downloads("ranking", bars, municipal_table, name=f"методисты_{region}_{year}", key="methodists.load", **chart)

st.subheader("Методисты")
staff = ui.load_methodists(url, region, year, float(norm))
if own is not None:
    staff = staff[staff["municipality"] == places[own]]
if staff.empty:
    st.info("Региональные методисты региона ещё не загружены: нагрузка посчитана по загруженным числам ставок.")
else:
    states = staff["state"].value_counts()
    st.caption(
        f"Всего {len(staff)}: перегружены {states.get(methodists.OVERLOADED, 0)}, "
        f"без закреплённых педагогов {states.get(methodists.IDLE, 0)}. Сначала — самые загруженные."
    )
    st.dataframe(
        methodists.display_methodists(staff, with_names=access.sees_names(role)),
        hide_index=True,
        width="stretch",
    )
